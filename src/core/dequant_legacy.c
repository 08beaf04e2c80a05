/* Dequantization of ggml's legacy 32-element block quants: Q4_0, Q4_1,
 * Q5_0, Q5_1, Q8_0, Q8_1.
 *
 * Block layouts are those of ggml-common.h; the arithmetic is that of ggml's
 * dequantize_row_* (ggml-quants.c), operation for operation, so the results
 * are bit-identical: the integer code is converted to float and multiplied by
 * the scale, and for the "_1" types the min is added afterwards. Multiply and
 * add stay separate roundings (no fused multiply-add); see FP_CONTRACT below.
 *
 * In every 4-bit block the low nibble of qs[j] is element j and the high
 * nibble element j + 16.
 */
#include "core/dequant.h"

/* The reference rounds x*d before adding m. ISO C mode keeps GCC from
 * contracting; clang needs the pragma (GCC warns on it, so only clang). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK 32

static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline float half(const uint8_t *p) { return ck_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

/* Q4_0: d (f16), qs[16]. value = (q - 8) * d. */
void ck_dq_q4_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 18, dst += QK) {
        const float d = half(src);
        const uint8_t *qs = src + 2;
        for (int j = 0; j < QK / 2; j++) {
            const int x0 = (qs[j] & 0x0F) - 8;
            const int x1 = (qs[j] >> 4) - 8;
            dst[j] = (float)x0 * d;
            dst[j + QK / 2] = (float)x1 * d;
        }
    }
}

/* Q4_1: d, m (f16), qs[16]. value = q * d + m. */
void ck_dq_q4_1(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 20, dst += QK) {
        const float d = half(src);
        const float m = half(src + 2);
        const uint8_t *qs = src + 4;
        for (int j = 0; j < QK / 2; j++) {
            const float p0 = (float)(qs[j] & 0x0F) * d;
            const float p1 = (float)(qs[j] >> 4) * d;
            dst[j] = p0 + m;
            dst[j + QK / 2] = p1 + m;
        }
    }
}

/* Q5_0: d (f16), qh[4] (little-endian u32: bit j is the 5th bit of element
 * j), qs[16]. value = (q - 16) * d. */
void ck_dq_q5_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 22, dst += QK) {
        const float d = half(src);
        const uint32_t qh = rd32(src + 2);
        const uint8_t *qs = src + 6;
        for (int j = 0; j < QK / 2; j++) {
            const int h0 = (int)(qh >> j & 1u) << 4;
            const int h1 = (int)(qh >> (j + QK / 2) & 1u) << 4;
            const int x0 = ((qs[j] & 0x0F) | h0) - 16;
            const int x1 = ((qs[j] >> 4) | h1) - 16;
            dst[j] = (float)x0 * d;
            dst[j + QK / 2] = (float)x1 * d;
        }
    }
}

/* Q5_1: d, m (f16), qh[4], qs[16]. value = q * d + m. */
void ck_dq_q5_1(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 24, dst += QK) {
        const float d = half(src);
        const float m = half(src + 2);
        const uint32_t qh = rd32(src + 4);
        const uint8_t *qs = src + 8;
        for (int j = 0; j < QK / 2; j++) {
            const int h0 = (int)(qh >> j & 1u) << 4;
            const int h1 = (int)(qh >> (j + QK / 2) & 1u) << 4;
            const float p0 = (float)((qs[j] & 0x0F) | h0) * d;
            const float p1 = (float)((qs[j] >> 4) | h1) * d;
            dst[j] = p0 + m;
            dst[j + QK / 2] = p1 + m;
        }
    }
}

/* Q8_0: d (f16), qs[32] int8. value = q * d. */
void ck_dq_q8_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 34, dst += QK) {
        const float d = half(src);
        for (int j = 0; j < QK; j++) dst[j] = (float)(int8_t)src[2 + j] * d;
    }
}

/* Q8_1: d, s (f16; s = d * sum of qs, used only by dot products), qs[32]
 * int8. value = q * d. */
void ck_dq_q8_1(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 36, dst += QK) {
        const float d = half(src);
        for (int j = 0; j < QK; j++) dst[j] = (float)(int8_t)src[4 + j] * d;
    }
}
