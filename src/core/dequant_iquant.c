/* Dequantization of ggml's i-quants: the grid types IQ1_S, IQ1_M, IQ2_XXS,
 * IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S and the non-linear IQ4_NL, IQ4_XS.
 *
 * Block layouts are those of ggml-common.h. Every 256-element super-block is
 * cut into 8 groups of 32; a grid type picks one lattice point (8 or 4
 * magnitudes) from a table for each 8 or 4 elements, then applies a scale and
 * signs. The arithmetic is that of ggml's dequantize_row_iq* (ggml-quants.c),
 * operation for operation and in the same float order, so the results are
 * bit-identical:
 *   IQ2_XXS, IQ2_XS, IQ2_S   ((d * (0.5 + s)) * 0.25) * g * sign
 *   IQ3_XXS                  ((d * (0.5 + s)) * 0.5) * g * sign
 *   IQ3_S                    (d * (1 + 2s)) * g * sign
 *   IQ1_S, IQ1_M             (d * (2s + 1)) * (g + delta)
 *   IQ4_NL                   d * kvalues[q]
 *   IQ4_XS                   (d * (s - 32)) * kvalues[q]
 * A sign is applied by multiplying by -1.0f or 1.0f, as the reference does
 * (which keeps a NaN's sign bit where a negation would flip it).
 */
#include "core/dequant.h"
#include "core/iq_grids.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK_K 256
#define IQ1S_DELTA 0.125f

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline float half(const uint8_t *p) { return ck_f16_to_f32(rd16(p)); }

/* -1.0f where bit j of signs is set, else 1.0f (a table lookup: sign bits
 * are random, a branch on them would mispredict half the time). */
static const float sign_f32[2] = {1.0f, -1.0f};
static inline float sgn(unsigned signs, int j) { return sign_f32[signs >> j & 1u]; }

/* 8 elements from a 64-bit grid entry of magnitudes: y[j] = db * g[j] * sign. */
static inline void put8(float *y, float db, uint64_t g, unsigned signs) {
    for (int j = 0; j < 8; j++) y[j] = db * (float)ck_grid_u8(g, j) * sgn(signs, j);
}

/* 8 elements from two 32-bit grid entries of 4 magnitudes each (IQ3). */
static inline void put4x2(float *y, float db, uint32_t g1, uint32_t g2, unsigned signs) {
    for (int j = 0; j < 4; j++) {
        y[j] = db * (float)(uint8_t)(g1 >> (8 * j)) * sgn(signs, j);
        y[j + 4] = db * (float)(uint8_t)(g2 >> (8 * j)) * sgn(signs, j + 4);
    }
}

/* 8 elements of an IQ1 grid entry (-1, 0, +1): y[j] = dl * (g[j] + delta). */
static inline void put8_iq1(float *y, float dl, uint64_t g, float delta) {
    for (int j = 0; j < 8; j++) y[j] = dl * ((float)ck_grid_i8(g, j) + delta);
}

/* ===== IQ2_XXS: d (f16), qs[32] u16 (66 bytes) ===== */

/* Each group of 32 has 8 bytes: bytes 0..3 index the grid for its 4 runs of
 * 8 elements; the u32 of bytes 4..7 holds four 7-bit sign indices (bits
 * 7l..7l+6 for run l, into ksigns_iq2xs) and the 4-bit scale in bits 28..31. */
void ck_dq_iq2_xxs(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 66) {
        const float d = half(src);
        for (int ib = 0; ib < QK_K / 32; ib++) {
            const uint8_t *q = src + 2 + 8 * ib;
            const uint32_t aux = rd32(q + 4);
            const float db = d * (0.5f + (float)(aux >> 28)) * 0.25f;
            for (int l = 0; l < 4; l++, dst += 8)
                put8(dst, db, ck_iq2xxs_grid[q[l]], ck_ksigns_iq2xs[aux >> (7 * l) & 127]);
        }
    }
}

/* ===== IQ2_XS: d (f16), qs[32] u16, scales[8] (74 bytes) ===== */

/* One u16 per run of 8: bits 0..8 index the grid, bits 9..15 the signs.
 * scales[g]: low nibble for runs 0-1 of group g, high nibble for runs 2-3. */
void ck_dq_iq2_xs(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 74) {
        const float d = half(src);
        const uint8_t *scales = src + 66;
        for (int ib = 0; ib < QK_K / 32; ib++) {
            float db[2];
            db[0] = d * (0.5f + (float)(scales[ib] & 0x0F)) * 0.25f;
            db[1] = d * (0.5f + (float)(scales[ib] >> 4)) * 0.25f;
            for (int l = 0; l < 4; l++, dst += 8) {
                const uint16_t q = rd16(src + 2 + 2 * (4 * ib + l));
                put8(dst, db[l / 2], ck_iq2xs_grid[q & 511], ck_ksigns_iq2xs[q >> 9]);
            }
        }
    }
}

/* ===== IQ2_S: d (f16), qs[64], qh[8], scales[8] (82 bytes) ===== */

/* qs[0..31] are the low 8 bits of the grid indices, qs[32..63] the sign bytes
 * (all 8 signs given, no parity trick). qh[g] adds bits 8..9 of the index of
 * run l of group g from its bits 2l..2l+1. Scales as IQ2_XS. */
void ck_dq_iq2_s(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 82) {
        const float d = half(src);
        const uint8_t *qs = src + 2;
        const uint8_t *signs = src + 2 + QK_K / 8;
        const uint8_t *qh = src + 66;
        const uint8_t *scales = src + 74;
        for (int ib = 0; ib < QK_K / 32; ib++, qs += 4, signs += 4) {
            float db[2];
            db[0] = d * (0.5f + (float)(scales[ib] & 0x0F)) * 0.25f;
            db[1] = d * (0.5f + (float)(scales[ib] >> 4)) * 0.25f;
            for (int l = 0; l < 4; l++, dst += 8) {
                const unsigned idx = qs[l] | ((unsigned)qh[ib] << (8 - 2 * l) & 0x300u);
                put8(dst, db[l / 2], ck_iq2s_grid[idx], signs[l]);
            }
        }
    }
}

/* ===== IQ3_XXS: d (f16), qs[96] (98 bytes) ===== */

/* qs[0..63]: one grid index per 4 elements (8 per group). qs[64..95]: one
 * u32 per group, four 7-bit sign indices and the scale as in IQ2_XXS. */
void ck_dq_iq3_xxs(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 98) {
        const float d = half(src);
        const uint8_t *qs = src + 2;
        const uint8_t *sas = src + 2 + QK_K / 4;
        for (int ib = 0; ib < QK_K / 32; ib++, qs += 8) {
            const uint32_t aux = rd32(sas + 4 * ib);
            const float db = d * (0.5f + (float)(aux >> 28)) * 0.5f;
            for (int l = 0; l < 4; l++, dst += 8)
                put4x2(dst, db, ck_iq3xxs_grid[qs[2 * l]], ck_iq3xxs_grid[qs[2 * l + 1]],
                       ck_ksigns_iq2xs[aux >> (7 * l) & 127]);
        }
    }
}

/* ===== IQ3_S: d (f16), qs[64], qh[8], signs[32], scales[4] (110 bytes) ===== */

/* qs: low 8 bits of one grid index per 4 elements; qh[g] bit k is bit 8 of
 * index k of group g; signs: one byte per 8 elements. scales[k]: low nibble
 * for group 2k, high nibble for group 2k+1. */
void ck_dq_iq3_s(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 110) {
        const float d = half(src);
        const uint8_t *qs = src + 2;
        const uint8_t *qh = src + 66;
        const uint8_t *signs = src + 74;
        const uint8_t *scales = src + 106;
        for (int ib = 0; ib < QK_K / 32; ib++, qs += 8, signs += 4) {
            const int s = ib & 1 ? scales[ib / 2] >> 4 : scales[ib / 2] & 0x0F;
            const float db = d * (float)(1 + 2 * s);
            const unsigned h = qh[ib];
            for (int l = 0; l < 4; l++, dst += 8) {
                const unsigned i1 = qs[2 * l] | (h << (8 - 2 * l) & 256u);
                const unsigned i2 = qs[2 * l + 1] | (h << (7 - 2 * l) & 256u);
                put4x2(dst, db, ck_iq3s_grid[i1], ck_iq3s_grid[i2], signs[l]);
            }
        }
    }
}

/* ===== IQ1_S: d (f16), qs[32], qh[8] u16 (50 bytes) ===== */

/* Group g: qs[4g..4g+3] are the low 8 bits of 4 grid indices; the u16 qh[g]
 * holds their bits 8..10 (3 bits per run, run l at bits 3l), the 3-bit scale
 * s in bits 12..14 and the sign of delta (+-1/8) in bit 15. */
void ck_dq_iq1_s(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 50) {
        const float d = half(src);
        const uint8_t *qs = src + 2;
        for (int ib = 0; ib < QK_K / 32; ib++, qs += 4) {
            const unsigned qh = rd16(src + 34 + 2 * ib);
            const float dl = d * (float)(2 * (int)(qh >> 12 & 7) + 1);
            const float delta = (qh & 0x8000u) ? -IQ1S_DELTA : IQ1S_DELTA;
            for (int l = 0; l < 4; l++, dst += 8)
                put8_iq1(dst, dl, ck_iq1s_grid[qs[l] | (qh >> (3 * l) & 7u) << 8], delta);
        }
    }
}

/* ===== IQ1_M: qs[32], qh[16], scales[8] (56 bytes) ===== */

/* No separate d: the f16 super-block scale is spread over the top nibbles of
 * the four u16 of scales (bits 0..3 of it in sc[0] >> 12, up to bits 12..15
 * in sc[3] >> 12). The remaining 12 bits of each sc[k] are four 3-bit
 * scales: groups 2k and 2k+1, each with one scale for runs 0-1 and one for
 * runs 2-3. qh[2g], qh[2g+1]: per nibble, bits 8..10 of a grid index and the
 * delta sign (bit 3). */
void ck_dq_iq1_m(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 56) {
        const uint8_t *qs = src;
        const uint8_t *qh = src + 32;
        uint16_t sc[4];
        for (int k = 0; k < 4; k++) sc[k] = rd16(src + 48 + 2 * k);
        const uint16_t dbits = (uint16_t)((sc[0] >> 12) | (sc[1] >> 8 & 0x00F0) |
                                          (sc[2] >> 4 & 0x0F00) | (sc[3] & 0xF000));
        const float d = ck_f16_to_f32(dbits);
        for (int ib = 0; ib < QK_K / 32; ib++, qs += 4, qh += 2) {
            const unsigned s = sc[ib / 2] >> (6 * (ib % 2));
            const float dl1 = d * (float)(2 * (int)(s & 7) + 1);
            const float dl2 = d * (float)(2 * (int)(s >> 3 & 7) + 1);
            const unsigned idx[4] = {
                qs[0] | ((unsigned)qh[0] << 8 & 0x700u),
                qs[1] | ((unsigned)qh[0] << 4 & 0x700u),
                qs[2] | ((unsigned)qh[1] << 8 & 0x700u),
                qs[3] | ((unsigned)qh[1] << 4 & 0x700u),
            };
            const float delta[4] = {
                (qh[0] & 0x08) ? -IQ1S_DELTA : IQ1S_DELTA,
                (qh[0] & 0x80) ? -IQ1S_DELTA : IQ1S_DELTA,
                (qh[1] & 0x08) ? -IQ1S_DELTA : IQ1S_DELTA,
                (qh[1] & 0x80) ? -IQ1S_DELTA : IQ1S_DELTA,
            };
            for (int l = 0; l < 4; l++, dst += 8)
                put8_iq1(dst, l < 2 ? dl1 : dl2, ck_iq1s_grid[idx[l]], delta[l]);
        }
    }
}

/* ===== IQ4_NL: d (f16), qs[16] (18 bytes, 32 elements) ===== */

/* The low nibble of qs[j] is element j, the high nibble element j + 16. */
void ck_dq_iq4_nl(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 18, dst += 32) {
        const float d = half(src);
        const uint8_t *qs = src + 2;
        for (int j = 0; j < 16; j++) {
            dst[j] = d * (float)ck_kvalues_iq4nl[qs[j] & 0x0F];
            dst[j + 16] = d * (float)ck_kvalues_iq4nl[qs[j] >> 4];
        }
    }
}

/* ===== IQ4_XS: d (f16), scales_h u16, scales_l[4], qs[128] (136 bytes) ===== */

/* Group g has a 6-bit scale (stored + 32): low 4 bits in nibble g%2 of
 * scales_l[g/2], high 2 bits at bits 2g..2g+1 of scales_h. Its 16 bytes of
 * qs hold elements 0..15 in the low nibbles and 16..31 in the high ones. */
void ck_dq_iq4_xs(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 136) {
        const float d = half(src);
        const unsigned sh = rd16(src + 2);
        const uint8_t *sl = src + 4;
        const uint8_t *qs = src + 8;
        for (int ib = 0; ib < QK_K / 32; ib++, qs += 16, dst += 32) {
            const int ls = (sl[ib / 2] >> (4 * (ib % 2)) & 0x0F) | (int)(sh >> (2 * ib) & 3u) << 4;
            const float dl = d * (float)(ls - 32);
            for (int j = 0; j < 16; j++) {
                dst[j] = dl * (float)ck_kvalues_iq4nl[qs[j] & 0x0F];
                dst[j + 16] = dl * (float)ck_kvalues_iq4nl[qs[j] >> 4];
            }
        }
    }
}
