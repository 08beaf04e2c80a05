/* Dequantization of ggml's ternary quants (TQ1_0, TQ2_0), its 4-bit float
 * quants with micro-scaling (MXFP4, NVFP4) and the 1- and 2-bit Q1_0, Q2_0.
 *
 * Block layouts are those of ggml-common.h; the arithmetic follows ggml's
 * dequantize_row_* (ggml-quants.c) operation for operation:
 *   TQ1_0, TQ2_0, Q2_0   (float)(q - 1) * d
 *   Q1_0                 bit ? d : -d
 *   MXFP4, NVFP4         (float)kvalues_mxfp4[q] * scale
 * The 4-bit float codes index ggml's kvalues_mxfp4, which holds the E2M1
 * values doubled; the block scales are decoded halved to make up for it, so
 * MXFP4 gives kv * 2^(e - 128) and NVFP4 kv * ue4m3(d) / 2. Both decodes are
 * exact.
 */
#include "core/dequant.h"
#include "core/iq_grids.h"

#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK_K 256

static inline float half(const uint8_t *p) { return ck_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

static inline float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ===== TQ1_0: qs[48], qh[4], d (f16) (54 bytes) ===== */

/* Base-3 digits packed 5 to a byte (4 in qh) as a fixed-point fraction of
 * 243 = 3^5: byte * 3^n keeps, in its low 8 bits, the fraction with the
 * first n digits shifted out, and (that * 3) >> 8 is the next digit. Digit n
 * of qs[m] is element n*32 + m for the first 32 bytes, 160 + n*16 + (m - 32)
 * for the next 16; digit n of qh[j] is element 240 + n*4 + j. */
static inline float trit(uint8_t byte, uint8_t pow3, float d) {
    const uint8_t q = (uint8_t)(byte * pow3);
    const int xi = (q * 3) >> 8;
    return (float)(xi - 1) * d;
}

void ck_dq_tq1_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    static const uint8_t pow3[5] = {1, 3, 9, 27, 81};
    for (size_t b = 0; b < nblocks; b++, src += 54) {
        const uint8_t *qs = src;
        const uint8_t *qh = src + 48;
        const float d = half(src + 52);
        for (int n = 0; n < 5; n++)
            for (int m = 0; m < 32; m++) *dst++ = trit(qs[m], pow3[n], d);
        for (int n = 0; n < 5; n++)
            for (int m = 0; m < 16; m++) *dst++ = trit(qs[32 + m], pow3[n], d);
        for (int n = 0; n < 4; n++)
            for (int j = 0; j < 4; j++) *dst++ = trit(qh[j], pow3[n], d);
    }
}

/* ===== TQ2_0: qs[64], d (f16) (66 bytes) ===== */

/* 2-bit codes q (value q - 1). Each 32 bytes hold 128 elements: bits 2l..2l+1
 * of byte m are element 32*l + m. */
void ck_dq_tq2_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 66) {
        const float d = half(src + 64);
        for (int j = 0; j < 64; j += 32)
            for (int l = 0; l < 4; l++)
                for (int m = 0; m < 32; m++) {
                    const int q = src[j + m] >> (2 * l) & 3;
                    *dst++ = (float)(q - 1) * d;
                }
    }
}

/* ===== MXFP4: e (E8M0), qs[16] (17 bytes, 32 elements) ===== */

/* Half the E8M0 scale, 2^(e - 128), as a float bit pattern: subnormal for
 * e < 2. e = 0xFF (NaN in the OCP spec) decodes as 2^127, as in ggml. */
static inline float e8m0_half(uint8_t e) {
    return bits_f32(e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23);
}

/* The low nibble of qs[j] is element j, the high nibble element j + 16. */
void ck_dq_mxfp4(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 17, dst += 32) {
        const float d = e8m0_half(src[0]);
        const uint8_t *qs = src + 1;
        for (int j = 0; j < 16; j++) {
            dst[j] = (float)ck_kvalues_mxfp4[qs[j] & 0x0F] * d;
            dst[j + 16] = (float)ck_kvalues_mxfp4[qs[j] >> 4] * d;
        }
    }
}

/* ===== NVFP4: d[4] (UE4M3), qs[32] (36 bytes, 64 elements) ===== */

/* Half an unsigned E4M3 scale (bias 7, no sign, no infinity). As ggml does:
 * 0x00 and 0x7F (the NaN pattern) give 0; otherwise bit 7 is ignored, so
 * 0x80 gives 0 and 0xFF the same as 0x7F would if it were finite (480, halved
 * 240); exponent 0 is subnormal (man * 2^-9). */
static inline float ue4m3_half(uint8_t x) {
    if (x == 0 || x == 0x7F) return 0.0f;
    const uint32_t exp = x >> 3 & 0x0F;
    const uint32_t man = x & 7u;
    if (exp == 0) return (float)man * 0x1p-10f;
    /* (1 + man/8) * 2^(exp - 7) / 2: float exponent exp - 8 */
    return bits_f32((exp + 119) << 23 | man << 20);
}

/* Four sub-blocks of 16, each with its own scale d[s] and 8 bytes of qs
 * (qs[8s..8s+7]): the low nibble of qs[8s + j] is element 16s + j, the high
 * nibble element 16s + j + 8. */
void ck_dq_nvfp4(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 36) {
        for (int s = 0; s < 4; s++, dst += 16) {
            const float d = ue4m3_half(src[s]);
            const uint8_t *qs = src + 4 + 8 * s;
            for (int j = 0; j < 8; j++) {
                dst[j] = (float)ck_kvalues_mxfp4[qs[j] & 0x0F] * d;
                dst[j + 8] = (float)ck_kvalues_mxfp4[qs[j] >> 4] * d;
            }
        }
    }
}

/* ===== Q1_0: d (f16), qs[16] (18 bytes, 128 elements) ===== */

/* Bit j % 8 of qs[j / 8] is the sign of element j: 1 gives +d, 0 gives -d. */
void ck_dq_q1_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 18) {
        const float d = half(src);
        const float v[2] = {-d, d}; /* indexed, not branched: the bits are random */
        for (int j = 0; j < 128; j++) *dst++ = v[src[2 + j / 8] >> (j % 8) & 1];
    }
}

/* ===== Q2_0: d (f16), qs[16] (18 bytes, 64 elements) ===== */

/* Bits 2(j % 4)..+1 of qs[j / 4] are the code q of element j, value
 * (q - 1) * d: -d, 0, d, 2d. */
void ck_dq_q2_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 18) {
        const float d = half(src);
        for (int j = 0; j < 64; j++) {
            const int q = src[2 + j / 4] >> (2 * (j % 4)) & 3;
            *dst++ = (float)(q - 1) * d;
        }
    }
}
