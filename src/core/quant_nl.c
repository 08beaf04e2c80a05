/* Encoding of ggml's non-linear 4-bit quants (IQ4_NL, IQ4_XS), its ternary
 * quants (TQ1_0, TQ2_0) and MXFP4.
 *
 * IQ4_NL and IQ4_XS follow quantize_iq4_nl / quantize_iq4_xs of llama.cpp
 * c392e50 (2025-02) with no importance matrix: quantize_row_iq4_nl_impl with
 * weights x^2 and 7 trial scales either side of the first guess, and that
 * version's best_index_int8 (nearest level by binary search). Later ggml
 * replaced it with a midpoint comparison; the two agree on every float but
 * NaN (checked over all 2^32 patterns), which the old one maps to the top
 * level and the new one to level 0.
 * TQ1_0, TQ2_0 follow quantize_row_tq*_ref and MXFP4 quantize_row_mxfp4_ref
 * of current ggml. Sums are accumulated in the reference's order, one
 * rounding per operation (no contraction; clang needs the pragma).
 */
#include "core/quant.h"

#include <math.h>

#include "core/dequant_simd.h" /* ck_e8m0_half_bits */
#include "core/iq_grids.h"
#include "core/quant_util.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK_K 256
#define QK_IQ4 32
#define IQ4_NTRY 7
#define GROUP_MAX_EPS 1e-15f

/* ===== IQ4_NL, IQ4_XS ===== */

/* The level of kvalues_iq4nl nearest x, as ggml's best_index_int8 of
 * c392e50 picks it: below the first or above the last level, that level;
 * otherwise the lower of the two around x unless x is strictly nearer the
 * upper one; a NaN fails all its comparisons and gets level 15.
 *
 * Done here without branches (the binary search mispredicts on every
 * step): x picks level i + 1 once 2x reaches the sum of levels i and i + 1,
 * both sides exact in float. That gives ggml's level for every one of the
 * 2^32 float patterns (checked exhaustively), NaN handled first. */
static int best_index_iq4(float x) {
    const int8_t *val = ck_kvalues_iq4nl;
    if (x != x) return 15;
    const float x2 = x + x;
    int idx = 0;
    for (int step = 8; step > 0; step >>= 1) {
        const int j = idx + step;
        idx = x2 >= (float)(val[j - 1] + val[j]) ? j : idx;
    }
    return idx;
}

/* Weighted sums of a group quantized with the inverse scale id:
 * sumqx = sum w*q*x, sumq2 = sum w*q*q, q the nearest level of id*x. */
static void iq4_sums(const float *xb, const float *w, float id, float *sumqx, float *sumq2) {
    float sqx = 0.0f, sq2 = 0.0f;
    for (int j = 0; j < QK_IQ4; j++) {
        const float q = ck_kvalues_iq4nl[best_index_iq4(id * xb[j])];
        sqx += w[j] * q * xb[j];
        sq2 += w[j] * q * q;
    }
    *sumqx = sqx;
    *sumq2 = sq2;
}

/* The scale of one group of 32, 0 when the group is (nearly) all zero:
 * the least-squares scale for the levels picked with d = max/127, then for
 * 2*7+1 inverse scales (itry - 127) / max, keeping the best fit. */
static float iq4_group_scale(const float *xb) {
    const int8_t *val = ck_kvalues_iq4nl;
    float w[QK_IQ4];
    for (int j = 0; j < QK_IQ4; j++) w[j] = xb[j] * xb[j];
    float amax;
    const float max = ck_signed_absmax(xb, QK_IQ4, &amax);
    if (amax < GROUP_MAX_EPS) return 0.0f;
    float sumqx, sumq2;
    iq4_sums(xb, w, 1.0f / (-max / (float)val[0]), &sumqx, &sumq2);
    float d = sumqx / sumq2;
    float best = d * sumqx;
    for (int itry = -IQ4_NTRY; itry <= IQ4_NTRY; itry++) {
        iq4_sums(xb, w, (float)(itry + val[0]) / max, &sumqx, &sumq2);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

/* The 32 levels of a group for the scale d (all level 8, the one nearest 0,
 * when d is 0), packed as nibbles into qs[16]. */
static void iq4_put_group(const float *xb, float d, uint8_t *qs) {
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    uint8_t l[QK_IQ4];
    for (int j = 0; j < QK_IQ4; j++) l[j] = (uint8_t)best_index_iq4(id * xb[j]);
    ck_put_nibbles(l, qs);
}

/* IQ4_NL: d (f16), qs[16]. The group's own scale is stored. */
void ck_q_iq4_nl(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += QK_IQ4, dst += 18) {
        const float d = iq4_group_scale(src);
        ck_wr16(dst, ck_f32_to_f16(d));
        iq4_put_group(src, d, dst + 2);
    }
}

/* IQ4_XS: d (f16), scales_h (u16), scales_l[4], qs[128]. The 8 group scales
 * become 6-bit multiples l - 32 of d = -max_scale / 32 (max_scale the group
 * scale of largest magnitude); each group is then re-quantized with its
 * rounded scale d * l (d unrounded). scales_l[k]: low 4 bits of l for group
 * 2k in the low nibble, group 2k+1 in the high; scales_h: bits 4..5 of l of
 * group g at bits 2g..2g+1. */
void ck_q_iq4_xs(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += QK_K, dst += 136) {
        float scales[QK_K / QK_IQ4], amax_scale;
        for (int ib = 0; ib < QK_K / QK_IQ4; ib++) scales[ib] = iq4_group_scale(src + QK_IQ4 * ib);
        const float d = -ck_signed_absmax(scales, QK_K / QK_IQ4, &amax_scale) / 32;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        uint16_t scales_h = 0;
        ck_wr16(dst, ck_f32_to_f16(d));
        for (int ib = 0; ib < QK_K / QK_IQ4; ib++) {
            int l = ck_nearest_int(id * scales[ib]);
            l = l < -32 ? -32 : l > 31 ? 31 : l;
            iq4_put_group(src + QK_IQ4 * ib, d * (float)l, dst + 8 + 16 * ib);
            l += 32;
            uint8_t *sl = dst + 4 + ib / 2;
            *sl = (uint8_t)(ib % 2 == 0 ? (l & 0x0F) : (*sl | (l & 0x0F) << 4));
            scales_h |= (uint16_t)((l >> 4) << (2 * ib));
        }
        ck_wr16(dst + 2, scales_h);
    }
}

/* ===== TQ1_0, TQ2_0 ===== */

/* The trit of x (0, 1, 2 for -1, 0, +1): lroundf(x * id) + 1, as an int,
 * the way the reference computes it (its uint8_t arithmetic wraps). */
static inline int trit(float x, float id) { return (int)(lroundf(x * id) + 1); }

/* d = amax (ggml's MAX fold), stored as f16 at *dh; returns 1/d or 0. */
static float ternary_scale(const float *x, uint8_t *dh) {
    const float d = ck_absmax_fold(x, QK_K);
    ck_wr16(dh, ck_f32_to_f16(d));
    return d != 0.0f ? 1.0f / d : 0.0f;
}

/* n trits x[0], x[stride], ... in base 3, the first most significant, as a
 * fixed-point fraction of 3^5 rounded up: byte = ceil(v * 256 / 243). A
 * byte of 4 trits is first multiplied by 3 to put its first trit on top. */
static uint8_t pack_trits(const float *x, int stride, int n, float id) {
    uint8_t q = 0;
    for (int k = 0; k < n; k++) q = (uint8_t)(q * 3 + trit(x[k * stride], id));
    if (n == 4) q = (uint8_t)(q * 3);
    return (uint8_t)(((uint16_t)q * 256 + (243 - 1)) / 243);
}

/* TQ1_0: qs[48], qh[4], d (f16) (54 bytes). qs[m] (m < 32) holds elements
 * m + 32n, qs[32 + m] elements 160 + m + 16n (n = 0..4), qh[j] elements
 * 240 + j + 4n (n = 0..3). */
void ck_q_tq1_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += QK_K, dst += 54) {
        const float id = ternary_scale(src, dst + 52);
        for (int m = 0; m < 32; m++) dst[m] = pack_trits(src + m, 32, 5, id);
        for (int m = 0; m < 16; m++) dst[32 + m] = pack_trits(src + 160 + m, 16, 5, id);
        for (int j = 0; j < 4; j++) dst[48 + j] = pack_trits(src + 240 + j, 4, 4, id);
    }
}

/* TQ2_0: qs[64], d (f16) (66 bytes). Bits 2n..2n+1 of qs[32h + m] are the
 * trit of element 128h + 32n + m. */
void ck_q_tq2_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += QK_K, dst += 66) {
        const float id = ternary_scale(src, dst + 64);
        for (int h = 0; h < 2; h++)
            for (int m = 0; m < 32; m++) {
                unsigned q = 0;
                for (int n = 0; n < 4; n++) q += (unsigned)(trit(src[128 * h + 32 * n + m], id) & 3) << (2 * n);
                dst[32 * h + m] = (uint8_t)q;
            }
    }
}

/* ===== MXFP4 ===== */

/* The E2M1 code (kvalues_mxfp4, values doubled) whose value times the half
 * scale d is nearest x; the first of equals wins, so 0 gets code 0, not the
 * -0 of code 8, and a NaN gets code 0. */
static uint8_t best_index_mxfp4(float x, float d) {
    int best = 0;
    float best_err = fabsf((float)ck_kvalues_mxfp4[0] * d - x);
    for (int i = 1; i < 16; i++) {
        const float err = fabsf((float)ck_kvalues_mxfp4[i] * d - x);
        if (err < best_err) {
            best = i;
            best_err = err;
        }
    }
    return (uint8_t)best;
}

/* MXFP4: e (E8M0), qs[16] (17 bytes). e = floor(log2(amax)) - 2 + 127, so
 * that amax lands in [4, 8) times the scale 2^(e - 127), i.e. near the top
 * E2M1 value 6; 0 for an all-zero block. The float-to-uint8_t cast goes
 * through a 32-bit truncation as on x86 (amax below 2^-125 or infinite gives
 * the reference's wrapped values). log2f is the C library's, as ggml's is. */
void ck_q_mxfp4(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    uint8_t q[32];
    for (size_t b = 0; b < nblocks; b++, src += 32, dst += 17) {
        float amax;
        (void)ck_signed_absmax(src, 32, &amax);
        const uint8_t e = amax > 0.0f ? (uint8_t)ck_cvtt_i32(floorf(log2f(amax)) - 2 + 127) : 0;
        const uint32_t dbits = ck_e8m0_half_bits(e);
        float d;
        memcpy(&d, &dbits, sizeof d);
        dst[0] = e;
        for (int j = 0; j < 32; j++) q[j] = best_index_mxfp4(src[j], d);
        ck_put_nibbles(q, dst + 1);
    }
}
