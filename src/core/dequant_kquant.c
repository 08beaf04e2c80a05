/* Dequantization of ggml's k-quants: 256-element super-blocks with packed
 * sub-block scales (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) and Q8_K.
 *
 * Block layouts are those of ggml-common.h; the arithmetic follows ggml's
 * dequantize_row_*_K (ggml-quants.c) operation for operation so the results
 * are bit-identical:
 *   Q2_K, Q4_K, Q5_K   (d * sc) * q - (dmin * m)
 *   Q3_K               (d * (sc - 32)) * q
 *   Q6_K               (d * sc) * q
 *   Q8_K               d * q
 * each product rounded to float before the next operation (no fused
 * multiply-add; see FP_CONTRACT below).
 */
#include "core/dequant.h"

#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK_K 256

static inline float half(const uint8_t *p) { return ck_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

/* The 6-bit scale and min of sub-block j (0..7) of Q4_K / Q5_K, packed in
 * 12 bytes: for j < 4, the low 6 bits of s[j] (scale) and s[j+4] (min); for
 * j >= 4, the low 4 bits in the nibbles of s[j+4] (scale low, min high) and
 * the top 2 bits in bits 6..7 of s[j-4] (scale) and s[j] (min). */
static inline void scale_min_k4(const uint8_t *s, int j, int *sc, int *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0x0F) | (s[j - 4] >> 6) << 4;
        *m = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
    }
}

/* ===== Q2_K: scales[16], qs[64], d, dmin (f16) ===== */

/* 16 sub-blocks of 16. scales[i]: low nibble = scale, high nibble = min of
 * sub-block i. Each half of 128 elements uses 32 bytes of qs; its 4 groups of
 * 32 take the 2-bit fields at shifts 0, 2, 4, 6, bytes 0..15 for the first
 * sub-block of a group and bytes 16..31 for the second. */
void ck_dq_q2_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 84) {
        const uint8_t *scales = src;
        const float d = half(src + 80);
        const float dmin = half(src + 82);
        int is = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *q = src + 16 + 32 * h;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int k = 0; k < 2; k++, is++) {
                    const float dl = d * (float)(scales[is] & 0x0F);
                    const float ml = dmin * (float)(scales[is] >> 4);
                    for (int l = 0; l < 16; l++) {
                        const float p = dl * (float)(q[16 * k + l] >> shift & 3);
                        *dst++ = p - ml;
                    }
                }
            }
        }
    }
}

/* ===== Q3_K: hmask[32], qs[64], scales[12], d (f16) ===== */

/* 16 signed 6-bit scales (stored + 32): the low 4 bits of scale j are the
 * low nibble of scales[j] for j < 8 and the high nibble of scales[j-8] for
 * j >= 8; the top 2 bits are bits 2*(j/4)..+1 of scales[8 + j%4]. The low 2
 * bits of the quants are laid out as in Q2_K; the third bit comes from
 * hmask[l] (and hmask[l+16]), bit g for group g = 0..7 of 32 elements. A
 * clear hmask bit means q - 4. */
void ck_dq_q3_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 110) {
        const uint8_t *hm = src;
        const uint8_t *sb = src + 96;
        const float d_all = half(src + 108);
        int sc[16];
        for (int j = 0; j < 16; j++) {
            const int lo = j < 8 ? (sb[j] & 0x0F) : (sb[j - 8] >> 4);
            const int hi = sb[8 + j % 4] >> (2 * (j / 4)) & 3;
            sc[j] = (lo | hi << 4) - 32;
        }
        int is = 0;
        unsigned mask = 1;
        for (int h = 0; h < 2; h++) {
            const uint8_t *q = src + 32 + 32 * h;
            for (int shift = 0; shift < 8; shift += 2, mask <<= 1) {
                for (int k = 0; k < 2; k++, is++) {
                    const float dl = d_all * (float)sc[is];
                    for (int l = 0; l < 16; l++) {
                        const int i = 16 * k + l;
                        const int v = (q[i] >> shift & 3) - ((hm[i] & mask) ? 0 : 4);
                        *dst++ = dl * (float)v;
                    }
                }
            }
        }
    }
}

/* ===== Q4_K: d, dmin (f16), scales[12], qs[128] ===== */

/* 8 sub-blocks of 32; each 32 bytes of qs hold two sub-blocks: low nibbles
 * the first, high nibbles the second. */
void ck_dq_q4_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 144) {
        const float d = half(src);
        const float dmin = half(src + 2);
        const uint8_t *s = src + 4;
        const uint8_t *q = src + 16;
        for (int c = 0; c < 4; c++, q += 32) {
            int sc, m;
            scale_min_k4(s, 2 * c, &sc, &m);
            const float d1 = d * (float)sc;
            const float m1 = dmin * (float)m;
            scale_min_k4(s, 2 * c + 1, &sc, &m);
            const float d2 = d * (float)sc;
            const float m2 = dmin * (float)m;
            for (int l = 0; l < 32; l++) {
                const float p = d1 * (float)(q[l] & 0x0F);
                *dst++ = p - m1;
            }
            for (int l = 0; l < 32; l++) {
                const float p = d2 * (float)(q[l] >> 4);
                *dst++ = p - m2;
            }
        }
    }
}

/* ===== Q5_K: d, dmin (f16), scales[12], qh[32], qs[128] ===== */

/* As Q4_K, plus a fifth bit: for sub-block k (0..7), bit k of qh[l] adds 16
 * to element l of it. */
void ck_dq_q5_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 176) {
        const float d = half(src);
        const float dmin = half(src + 2);
        const uint8_t *s = src + 4;
        const uint8_t *qh = src + 16;
        const uint8_t *ql = src + 48;
        for (int c = 0; c < 4; c++, ql += 32) {
            const unsigned u1 = 1u << (2 * c), u2 = 2u << (2 * c);
            int sc, m;
            scale_min_k4(s, 2 * c, &sc, &m);
            const float d1 = d * (float)sc;
            const float m1 = dmin * (float)m;
            scale_min_k4(s, 2 * c + 1, &sc, &m);
            const float d2 = d * (float)sc;
            const float m2 = dmin * (float)m;
            for (int l = 0; l < 32; l++) {
                const int v = (ql[l] & 0x0F) + ((qh[l] & u1) ? 16 : 0);
                const float p = d1 * (float)v;
                *dst++ = p - m1;
            }
            for (int l = 0; l < 32; l++) {
                const int v = (ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0);
                const float p = d2 * (float)v;
                *dst++ = p - m2;
            }
        }
    }
}

/* ===== Q6_K: ql[128], qh[64], scales[16] int8, d (f16) ===== */

/* Each half of 128 elements uses 64 bytes of ql, 32 of qh and 8 scales.
 * Element l (0..31) of its four groups of 32: low nibble of ql[l], low
 * nibble of ql[l+32], high nibble of ql[l], high nibble of ql[l+32], with
 * the 2-bit high parts at shifts 0, 2, 4, 6 of qh[l]; the quant is that
 * 6-bit value - 32, and each 16 elements share one signed scale. */
void ck_dq_q6_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 210) {
        const float d = half(src + 208);
        for (int h = 0; h < 2; h++, dst += 128) {
            const uint8_t *ql = src + 64 * h;
            const uint8_t *qh = src + 128 + 32 * h;
            const int8_t *sc = (const int8_t *)(src + 192 + 8 * h);
            float ds[8];
            for (int k = 0; k < 8; k++) ds[k] = d * (float)sc[k];
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0x0F) | (qh[l] >> 0 & 3) << 4) - 32;
                const int q2 = ((ql[l + 32] & 0x0F) | (qh[l] >> 2 & 3) << 4) - 32;
                const int q3 = ((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (qh[l] >> 6 & 3) << 4) - 32;
                dst[l + 0] = ds[is + 0] * (float)q1;
                dst[l + 32] = ds[is + 2] * (float)q2;
                dst[l + 64] = ds[is + 4] * (float)q3;
                dst[l + 96] = ds[is + 6] * (float)q4;
            }
        }
    }
}

/* ===== Q8_K: d (float32), qs[256] int8, bsums[16] int16 ===== */

/* bsums (sums of 16 quants, for dot products) do not enter the values. */
void ck_dq_q8_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 292, dst += QK_K) {
        const uint32_t u = (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16 |
                           (uint32_t)src[3] << 24;
        float d;
        memcpy(&d, &u, sizeof d);
        for (int j = 0; j < QK_K; j++) dst[j] = d * (float)(int8_t)src[4 + j];
    }
}
