/* Quantization to ggml's k-quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.
 *
 * Each encoder is ggml's reference quantizer without an importance matrix
 * (quantize_row_q*_K_ref, which llama-quantize's quantize_q*_K calls when it
 * has no imatrix), redone from its algorithm: the same fits, the same float
 * operations in the same order, so that the bytes are llama-quantize's.
 * Things that matter for that:
 *   - every float expression is evaluated as ggml writes it, left to right,
 *     int operands converted to float, each result rounded to float; no
 *     fused multiply-add (gcc -std=c11 does not contract; clang is told so
 *     below), and divisions stay divisions where ggml divides;
 *   - the super-block scales are stored as f16 first, and the final pass
 *     requantizes every value with the stored (rounded) scales;
 *   - where a sub-block's stored scale is 0 that pass skips it, and the
 *     quants of the first fit stay in the block as they were;
 *   - integer conversions (int -> uint8_t / int8_t) wrap as in ggml.
 * ggml fits one sub-block at a time; here four go side by side in the lanes
 * of a vector, each lane doing the scalar operations (see the fits below).
 * Block layouts are those of dequant_kquant.c.
 */
#include "core/quant.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/dequant.h"  /* ck_f16_to_f32 */
#include "core/quant_util.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK_K 256
/* ggml treats a group whose largest magnitude is below this as all zero. */
#define GROUP_MAX_EPS 1e-15f

/* ===== shared helpers ===== */

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Store f as little-endian f16 at p. Returns the stored value as a float:
 * ggml reads the scales back from the block before requantizing. */
static inline float put_half(uint8_t *p, float f) {
    const uint16_t h = ck_f32_to_f16(f);
    ck_wr16(p, h);
    return ck_f16_to_f32(h);
}

/* 2-bit fields of Q2_K and Q3_K: each half of 128 values fills 32 bytes,
 * values l, l+32, l+64, l+96 of it at shifts 0, 2, 4, 6 of byte l. */
static void pack_2bit(const uint8_t *L, uint8_t *qs) {
    for (int h = 0; h < QK_K; h += 128, qs += 32)
        for (int l = 0; l < 32; l++)
            qs[l] = (uint8_t)(L[h + l] | L[h + l + 32] << 2 | L[h + l + 64] << 4 | L[h + l + 96] << 6);
}

/* ===== fits of four sub-blocks at once =====
 *
 * The fits of make_qkx2_quants and make_qx_quants try a series of grids,
 * each a pass of serial float sums over the sub-block, and for qkx2 each
 * grid depends on the fit chosen before it. The sub-blocks of a block are
 * independent, so four of them go through the code below at once, one a
 * lane of a 4-float vector (GCC / clang vector extensions: SSE2 on x86-64,
 * NEON on arm64). Each lane does the reference's IEEE operations in the
 * reference's order, so it gets the scalar results bit for bit; where the
 * reference branches, the lanes select. */

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

#define MAX_SUBLEN 32  /* the longest sub-block (Q4_K, Q5_K) */

static inline v4f vsplat(float f) { return (v4f){f, f, f, f}; }
static inline v4i vspliti(int32_t i) { return (v4i){i, i, i, i}; }

/* Lanes of a where m is set, of b elsewhere. */
static inline v4f vsel(v4i m, v4f a, v4f b) { return (v4f)((m & (v4i)a) | (~m & (v4i)b)); }
static inline v4i vseli(v4i m, v4i a, v4i b) { return (m & a) | (~m & b); }
static inline bool vall(v4i m) { return (m[0] & m[1] & m[2] & m[3]) != 0; }
static inline bool vany(v4i m) { return (m[0] | m[1] | m[2] | m[3]) != 0; }
static inline v4f vabs(v4f a) { return (v4f)((v4i)a & 0x7FFFFFFF); }

/* MAX(lo, MIN(hi, nearest_int(f))) in each lane, bit for bit, for any f. */
static inline v4i vquanti(v4f f, int lo, int hi) {
    v4i i = (v4i)(f + vsplat(12582912.f));
    i = (i & 0x007FFFFF) - 0x00400000;
    i = vseli(i > vspliti(hi), vspliti(hi), i);
    return vseli(i < vspliti(lo), vspliti(lo), i);
}

static inline v4f vquant(v4f f, int lo, int hi) { return __builtin_convertvector(vquanti(f, lo, hi), v4f); }

/* The same as a float, for |f| < 2^22 only: there nearest_int is exact
 * rounding to even, so clamping before it changes nothing, and adding then
 * subtracting 1.5 * 2^23 rounds without leaving floats. */
static inline v4f vquant_fast(v4f f, float lo, float hi) {
#if defined(__SSE2__)
    f = _mm_min_ps(_mm_max_ps(f, _mm_set1_ps(lo)), _mm_set1_ps(hi));
#else
    f = vsel(f < vsplat(lo), vsplat(lo), f);
    f = vsel(f > vsplat(hi), vsplat(hi), f);
#endif
    return (f + vsplat(12582912.f)) - vsplat(12582912.f);
}

/* Whether lo and hi are inside (-2^22, 2^22) in every lane not in skip. */
static inline bool vin_range(v4f lo, v4f hi, v4i skip) {
    const v4f r = vsplat(4194304.f);
    return vall(((lo > -r) & (lo < r) & (hi > -r) & (hi < r)) | skip);
}

/* Whether every value of the n vectors is finite. */
static inline bool vfinite(const v4f *x, int n) {
    v4i ok = vspliti(-1);
    for (int i = 0; i < n; i++) ok &= (x[i] - x[i]) == vsplat(0);
    return vall(ok);
}

/* Value i of sub-blocks 0..3 (each n long, back to back from p). */
static inline v4f vcolumn(const float *p, int n, int i) {
    return (v4f){p[i], p[n + i], p[2 * n + i], p[3 * n + i]};
}

/* ===== grids with an offset (Q2_K, Q4_K, Q5_K) ===== */

/* fit_scale_min8 fits 8 sub-blocks as two groups of 4 (lanes of g[0] and
 * g[1]): its passes are serial sums, and two independent ones at a time keep
 * the CPU busy where one waits on its additions. */
typedef struct fit_group {
    v4f x[MAX_SUBLEN], w[MAX_SUBLEN], q[MAX_SUBLEN];
    v4f xmin, max, sum_w, sum_x;  /* of x, and its weighted sums */
    v4f min, scale, best;         /* the best fit so far and its error */
    v4f qscale, qmin;             /* the grid its quants come from */
    v4i flat;                     /* max == min: quants 0, scale 0 */
    bool finite;                  /* every x is finite */
} fit_group;

/* The quant of v (clamped to 0..nmax); fast: |v| < 2^22 is known. */
static inline v4f grid_quant(v4f v, int nmax, bool fast) {
    return fast ? vquant_fast(v, 0.f, (float)nmax) : vquant(v, 0, nmax);
}

/* One grid for each group: the quants of iscale * (x - min) into q and
 * their weighted sums, as the reference's loop, both groups in one loop. */
static inline void grid_sums2(fit_group *g, int n, int nmax, const v4f iscale[2], const bool fast[2],
                              v4f sum_l[2], v4f sum_l2[2], v4f sum_xl[2]) {
    const v4f zero = vsplat(0);
    v4f l0 = zero, l20 = zero, xl0 = zero, l1 = zero, l21 = zero, xl1 = zero;
    for (int i = 0; i < n; i++) {
        const v4f q0 = grid_quant(iscale[0] * (g[0].x[i] - g[0].min), nmax, fast[0]);
        const v4f q1 = grid_quant(iscale[1] * (g[1].x[i] - g[1].min), nmax, fast[1]);
        g[0].q[i] = q0;
        g[1].q[i] = q1;
        l0 += g[0].w[i] * q0;
        l1 += g[1].w[i] * q1;
        l20 += g[0].w[i] * q0 * q0;
        l21 += g[1].w[i] * q1 * q1;
        xl0 += g[0].w[i] * q0 * g[0].x[i];
        xl1 += g[1].w[i] * q1 * g[1].x[i];
    }
    sum_l[0] = l0, sum_l[1] = l1;
    sum_l2[0] = l20, sum_l2[1] = l21;
    sum_xl[0] = xl0, sum_xl[1] = xl1;
}

/* The weighted error of the fits scale * q + min for each group
 * (absolute when use_mad, else squared), both groups in one loop. */
static inline void grid_err2(const fit_group *g, int n, const v4f scale[2], const v4f min[2], bool use_mad,
                             v4f err[2]) {
    v4f e0 = vsplat(0), e1 = vsplat(0);
    for (int i = 0; i < n; i++) {
        const v4f d0 = scale[0] * g[0].q[i] + min[0] - g[0].x[i];
        const v4f d1 = scale[1] * g[1].q[i] + min[1] - g[1].x[i];
        e0 += g[0].w[i] * (use_mad ? vabs(d0) : d0 * d0);
        e1 += g[1].w[i] * (use_mad ? vabs(d1) : d1 * d1);
    }
    err[0] = e0, err[1] = e1;
}

/* Load sub-blocks 0..3 of x and w into g, find their ranges and sums, and
 * fit the first grid: nmax steps from min (clipped to <= 0) to max. */
static void group_start(fit_group *g, int n, int nmax, const float *x, const float *w, bool use_mad) {
    for (int i = 0; i < n; i++) {
        g->x[i] = vcolumn(x, n, i);
        g->w[i] = vcolumn(w, n, i);
    }
    v4f min = g->x[0], max = g->x[0], sum_w = g->w[0];
    v4f sum_x = sum_w * g->x[0];
    for (int i = 1; i < n; i++) {
        min = vsel(g->x[i] < min, g->x[i], min);
        max = vsel(g->x[i] > max, g->x[i], max);
        sum_w += g->w[i];
        sum_x += g->w[i] * g->x[i];
    }
    const v4f zero = vsplat(0);
    g->xmin = min;
    g->max = max;
    g->sum_w = sum_w;
    g->sum_x = sum_x;
    min = vsel(min > zero, zero, min);
    g->min = g->qmin = min;
    /* Such a lane computes garbage from here on, unused. */
    g->flat = max == min;
    g->finite = vfinite(g->x, n);
    g->qscale = vsplat((float)nmax) / (max - min);
    g->scale = vsplat(1) / g->qscale;
    v4f best = zero;
    for (int i = 0; i < n; i++) {
        const v4f diff = g->scale * vquant(g->qscale * (g->x[i] - min), 0, nmax) + min - g->x[i];
        best += g->w[i] * (use_mad ? vabs(diff) : diff * diff);
    }
    g->best = best;
}

/* Write the result of group g: L (quants of sub-block k at L + n * k),
 * scales[0..4), mins[0..4). */
static void group_finish(const fit_group *g, int n, int nmax, uint8_t *L, float *scales, float *mins) {
    for (int k = 0; k < 4; k++) {
        scales[k] = g->flat[k] ? 0.f : g->scale[k];
        mins[k] = -g->min[k];
    }
    for (int i = 0; i < n; i++) {
        const v4i l = vquanti(g->qscale * (g->x[i] - g->qmin), 0, nmax);
        for (int k = 0; k < 4; k++) L[n * k + i] = g->flat[k] ? 0 : (uint8_t)l[k];
    }
}

/* Grids with an offset for the 8 sub-blocks of n values at x (weights w,
 * the same layout): x ~ scale * L - m, L in 0..nmax, each as ggml's
 * make_qkx2_quants. A sub-block starts from its min..max grid (min clipped
 * to <= 0), then tries the widths nmax + rmin + rdelta * is for is =
 * 0..nstep, each placed on the min of the best fit so far and given its
 * weighted least-squares scale and min, and keeps the first of smallest
 * weighted error (absolute when use_mad, else squared). Writes L (x's
 * layout), scales[0..8) and mins[0..8) (the negated min, >= 0). */
static void fit_scale_min8(int n, int nmax, const float *x, const float *w, uint8_t *L, float *scales,
                           float *mins, float rmin, float rdelta, int nstep, bool use_mad) {
    fit_group g[2];
    for (int h = 0; h < 2; h++) group_start(&g[h], n, nmax, x + 4 * n * h, w + 4 * n * h, use_mad);
    const v4f zero = vsplat(0);
    for (int is = 0; is <= nstep; is++) {
        const v4f width = vsplat(rmin + rdelta * (float)is + (float)nmax);
        v4f iscale[2], sum_l[2], sum_l2[2], sum_xl[2], this_scale[2], this_min[2], D[2], err[2];
        bool fast[2];
        for (int h = 0; h < 2; h++) {
            iscale[h] = width / (g[h].max - g[h].min);
            /* With finite data, iscale * (x - min) lies between its values
             * at the smallest and the largest x: if those are inside
             * (-2^22, 2^22), the fast rounding is exact for the grid. */
            fast[h] = g[h].finite && vin_range(iscale[h] * (g[h].xmin - g[h].min),
                                               iscale[h] * (g[h].max - g[h].min), g[h].flat);
        }
        grid_sums2(g, n, nmax, iscale, fast, sum_l, sum_l2, sum_xl);
        for (int h = 0; h < 2; h++) {
            D[h] = g[h].sum_w * sum_l2[h] - sum_l[h] * sum_l[h];
            this_scale[h] = (g[h].sum_w * sum_xl[h] - g[h].sum_x * sum_l[h]) / D[h];
            this_min[h] = (sum_l2[h] * g[h].sum_x - sum_l[h] * sum_xl[h]) / D[h];
            const v4i pos = this_min[h] > zero;
            this_scale[h] = vsel(pos, sum_xl[h] / sum_l2[h], this_scale[h]);
            this_min[h] = vsel(pos, zero, this_min[h]);
        }
        grid_err2(g, n, this_scale, this_min, use_mad, err);
        for (int h = 0; h < 2; h++) {
            fit_group *gh = &g[h];
            const v4i take = (D[h] > zero) & (err[h] < gh->best) & ~gh->flat;
            if (!vany(take)) continue;
            gh->best = vsel(take, err[h], gh->best);
            gh->scale = vsel(take, this_scale[h], gh->scale);
            gh->qscale = vsel(take, iscale[h], gh->qscale);
            gh->qmin = vsel(take, gh->min, gh->qmin);
            gh->min = vsel(take, this_min[h], gh->min);
        }
    }
    for (int h = 0; h < 2; h++) group_finish(&g[h], n, nmax, L + 4 * n * h, scales + 4 * h, mins + 4 * h);
}

/* ===== symmetric grids (Q6_K) ===== */

/* Sums of the fit x ~ scale * l with weights x^2, for the quants of iscale
 * (clamped to -nmax..nmax-1): sum w x l, sum w l^2. fast: every iscale * x
 * is known to be inside (-2^22, 2^22). */
static inline void vsums_x2(const v4f *xt, int n, int nmax, v4f iscale, bool fast, v4f *sumlx, v4f *suml2) {
    v4f slx = vsplat(0), sl2 = vsplat(0);
    for (int i = 0; i < n; i++) {
        const v4f l = fast ? vquant_fast(iscale * xt[i], (float)-nmax, (float)(nmax - 1))
                           : vquant(iscale * xt[i], -nmax, nmax - 1);
        const v4f w = xt[i] * xt[i];
        slx += w * xt[i] * l;
        sl2 += w * l * l;
    }
    *sumlx = slx;
    *suml2 = sl2;
}

/* Symmetric grids for the 4 sub-blocks of 16 values at x: x ~ scale * (L -
 * nmax), L in 0..2*nmax-1, weights x^2, each as ggml's make_qx_quants with
 * rmse_type 1 and no importance. Tries the widths nmax + 0.1 * is, is =
 * -9..9, anchored at the value of largest magnitude, and keeps the best
 * weighted least-squares fit. Writes L and scales[0..4) (signed: -nmax maps
 * onto that value). */
static void fit_symmetric4(int nmax, const float *x, int8_t *L, float *scales) {
    enum { n = 16 };
    v4f xt[n];
    for (int i = 0; i < n; i++) xt[i] = vcolumn(x, n, i);
    v4f amax = vsplat(0), max = vsplat(0);
    for (int i = 0; i < n; i++) {
        const v4i m = vabs(xt[i]) > amax;
        amax = vsel(m, vabs(xt[i]), amax);
        max = vsel(m, xt[i], max);
    }
    const v4i nil = amax < vsplat(GROUP_MAX_EPS);  /* ggml: all zero, L 0, scale 0 */
    /* |iscale * x| <= about nmax + 1 when every x is finite (|x| <= |max|,
     * |max| >= 1e-15 outside nil lanes): the fast rounding is exact. */
    const bool fast = vfinite(xt, n);

    v4f qscale = vsplat((float)-nmax) / max;
    v4f sumlx, suml2;
    vsums_x2(xt, n, nmax, qscale, fast, &sumlx, &suml2);
    v4f scale = vsel(suml2 != vsplat(0), sumlx / suml2, vsplat(0));
    v4f best = scale * sumlx;
    for (int is = -9; is <= 9; is++) {
        if (is == 0) continue;
        const v4f iscale = vsplat(-((float)nmax + 0.1f * (float)is)) / max;
        vsums_x2(xt, n, nmax, iscale, fast, &sumlx, &suml2);
        const v4i take = (suml2 > vsplat(0)) & (sumlx * sumlx > best * suml2);
        if (!vany(take)) continue;
        const v4f s = sumlx / suml2;
        scale = vsel(take, s, scale);
        best = vsel(take, s * sumlx, best);
        qscale = vsel(take, iscale, qscale);
    }
    for (int k = 0; k < 4; k++) scales[k] = nil[k] ? 0.f : scale[k];
    for (int i = 0; i < n; i++) {
        const v4i l = vquanti(qscale * xt[i], -nmax, nmax - 1) + nmax;
        for (int k = 0; k < 4; k++) L[n * k + i] = nil[k] ? 0 : (int8_t)l[k];
    }
}

/* ===== the 3-bit grid of Q3_K ===== */

/* The 3-bit symmetric grid of Q3_K: x ~ scale * (L - nmax), weights x^2
 * (ggml's make_q3_quants with do_rmse). Starts from the grid anchored at
 * the value of largest magnitude, then for up to 5 rounds moves single
 * quants to their best value under the current fit while that improves
 * it. Returns scale. */
static float fit_q3(int n, int nmax, const float *x, int8_t *L) {
    float amax;
    const float max = ck_signed_absmax(x, n, &amax);
    if (amax < GROUP_MAX_EPS) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    const float iscale = (float)-nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; i++) {
        const int l = clampi(ck_nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = (int8_t)l;
        const float w = x[i] * x[i];
        sumlx += w * x[i] * (float)l;
        suml2 += w * (float)l * (float)l;
    }
    for (int itry = 0; itry < 5; itry++) {
        int changed = 0;
        for (int i = 0; i < n; i++) {
            const float w = x[i] * x[i];
            const float li = (float)L[i];
            float slx = sumlx - w * x[i] * li;
            if (!(slx > 0)) continue;
            float sl2 = suml2 - w * li * li;
            const int nl = clampi(ck_nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
            if (nl == L[i]) continue;
            slx += w * x[i] * (float)nl;
            sl2 += w * (float)nl * (float)nl;
            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = (int8_t)nl;
                sumlx = slx;
                suml2 = sl2;
                changed++;
            }
        }
        if (!changed) break;
    }
    for (int i = 0; i < n; i++) L[i] = (int8_t)(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* ===== Q2_K: scales[16], qs[64], d, dmin (f16); 84 bytes ===== */

/* 16 sub-blocks of 16 values, each fitted with a 2-bit grid and an offset
 * (weights |x|, absolute error); their scales and mins are quantized to 4
 * bits under two f16 super-scales. */
static void q2_k_block(const float *x, uint8_t *dst) {
    uint8_t L[QK_K];
    float scales[16], mins[16], w[QK_K];
    for (int i = 0; i < QK_K; i++) w[i] = fabsf(x[i]);
    for (int j = 0; j < 16; j += 8)
        fit_scale_min8(16, 3, x + 16 * j, w + 16 * j, L + 16 * j, scales + j, mins + j, -0.5f, 0.1f, 15, true);
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; j++) {
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    uint8_t *sc = dst;
    float d = 0, dmin = 0;
    if (max_scale > 0) {
        const float iscale = 15.f / max_scale;
        for (int j = 0; j < 16; j++) sc[j] = (uint8_t)ck_nearest_int(iscale * scales[j]);
        d = put_half(dst + 80, max_scale / 15.f);
    } else {
        memset(sc, 0, 16);
        d = put_half(dst + 80, 0.f);
    }
    if (max_min > 0) {
        const float iscale = 15.f / max_min;
        for (int j = 0; j < 16; j++) sc[j] |= (uint8_t)((unsigned)ck_nearest_int(iscale * mins[j]) << 4);
        dmin = put_half(dst + 82, max_min / 15.f);
    } else {
        dmin = put_half(dst + 82, 0.f);
    }
    for (int j = 0; j < 16; j++) {
        const float dl = d * (float)(sc[j] & 0xF);
        if (dl == 0) continue;
        const float ml = dmin * (float)(sc[j] >> 4);
        for (int i = 0; i < 16; i++)
            L[16 * j + i] = (uint8_t)clampi(ck_nearest_int((x[16 * j + i] + ml) / dl), 0, 3);
    }
    pack_2bit(L, dst + 16);
}

void ck_q_q2_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++) q2_k_block(src + b * QK_K, dst + b * 84);
}

/* ===== Q3_K: hmask[32], qs[64], scales[12], d (f16); 110 bytes ===== */

/* Scale j (6 bits, stored + 32) of Q3_K: low 4 bits in the low nibble of
 * s[j] (j < 8) or the high nibble of s[j-8], top 2 bits at 2*(j/4) of
 * s[8 + j%4]. s must start zeroed. */
static inline void put_q3_scale(uint8_t *s, int j, int v) {
    if (j < 8) s[j] = (uint8_t)(v & 0xF);
    else s[j - 8] |= (uint8_t)((v & 0xF) << 4);
    s[8 + j % 4] |= (uint8_t)((v >> 4) << (2 * (j / 4)));
}

/* 16 sub-blocks of 16 with 3-bit symmetric grids; their signed scales are
 * quantized to 6 bits under one f16 super-scale. */
static void q3_k_block(const float *x, uint8_t *dst) {
    int8_t L[QK_K];
    float scales[16];
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; j++) {
        scales[j] = fit_q3(16, 4, x + 16 * j, L + 16 * j);
        if (fabsf(scales[j]) > amax) {
            amax = fabsf(scales[j]);
            max_scale = scales[j];
        }
    }
    uint8_t *hmask = dst, *qs = dst + 32, *s = dst + 96;
    memset(s, 0, 12);
    int sc[16] = {0};
    float d = 0;
    if (max_scale != 0) {
        const float iscale = -32.f / max_scale;
        for (int j = 0; j < 16; j++) {
            /* ggml stores nearest_int in an int8_t before clamping */
            const int l = clampi((int8_t)ck_nearest_int(iscale * scales[j]), -32, 31);
            put_q3_scale(s, j, l + 32);
            sc[j] = l;
        }
        d = put_half(dst + 108, 1 / iscale);
    } else {
        d = put_half(dst + 108, 0.f);
    }
    if (d != 0) {  /* d == 0: every d * sc is 0, and ggml's pass skips them all */
        for (int j = 0; j < 16; j++) {
            const float dl = d * (float)sc[j];
            if (dl == 0) continue;
            for (int i = 0; i < 16; i++)
                L[16 * j + i] = (int8_t)(clampi(ck_nearest_int(x[16 * j + i] / dl), -4, 3) + 4);
        }
    }
    /* The third bit: value j goes to bit j/32 of hmask[j%32]. */
    memset(hmask, 0, 32);
    uint8_t low[QK_K];
    for (int j = 0; j < QK_K; j++) {
        int l = L[j];
        if (l > 3) {
            hmask[j % 32] |= (uint8_t)(1u << (j / 32));
            l -= 4;
        }
        low[j] = (uint8_t)l;
    }
    pack_2bit(low, qs);
}

void ck_q_q3_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++) q3_k_block(src + b * QK_K, dst + b * 110);
}

/* ===== Q4_K and Q5_K: d, dmin (f16), scales[12], then the quants ===== */

/* Scale ls and min lm (6 bits each) of sub-block j (0..7) into the 12 bytes
 * s, as scale_min_k4 of dequant_kquant.c reads them. Called for j = 0..7 in
 * order: the top bits of j >= 4 go into bytes written for j - 4. */
static inline void put_scale_min_k4(uint8_t *s, int j, uint8_t ls, uint8_t lm) {
    if (j < 4) {
        s[j] = ls;
        s[j + 4] = lm;
    } else {
        s[j + 4] = (uint8_t)((ls & 0xF) | (lm & 0xF) << 4);
        s[j - 4] |= (uint8_t)((ls >> 4) << 6);
        s[j] |= (uint8_t)((lm >> 4) << 6);
    }
}

/* What Q4_K and Q5_K share: 8 sub-blocks of 32, each fitted with a grid of
 * nmax + 1 levels and an offset (weights rms + |x|, squared error); scales
 * and mins quantized to 6 bits under two f16 super-scales (written with the
 * 12 scale bytes at dst); then every value requantized into L. */
static void kx_block(const float *x, uint8_t *dst, int nmax, float rmin, float rdelta, int nstep,
                     uint8_t L[QK_K]) {
    float scales[8], mins[8], w[QK_K];
    for (int j = 0; j < 8; j++) {
        const float *xs = x + 32 * j;
        float sum_x2 = 0;
        for (int l = 0; l < 32; l++) sum_x2 += xs[l] * xs[l];
        const float av_x = sqrtf(sum_x2 / 32);
        for (int l = 0; l < 32; l++) w[32 * j + l] = av_x + fabsf(xs[l]);
    }
    fit_scale_min8(32, nmax, x, w, L, scales, mins, rmin, rdelta, nstep, false);
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    uint8_t ls[8], lm[8];
    for (int j = 0; j < 8; j++) {
        /* ggml converts to uint8_t before taking the MIN with 63 */
        ls[j] = (uint8_t)ck_nearest_int(inv_scale * scales[j]);
        lm[j] = (uint8_t)ck_nearest_int(inv_min * mins[j]);
        if (ls[j] > 63) ls[j] = 63;
        if (lm[j] > 63) lm[j] = 63;
        put_scale_min_k4(dst + 4, j, ls[j], lm[j]);
    }
    const float d = put_half(dst, max_scale / 63.f);
    const float dmin = put_half(dst + 2, max_min / 63.f);
    for (int j = 0; j < 8; j++) {
        const float dl = d * (float)ls[j];
        if (dl == 0) continue;
        const float ml = dmin * (float)lm[j];
        for (int i = 0; i < 32; i++)
            L[32 * j + i] = (uint8_t)clampi(ck_nearest_int((x[32 * j + i] + ml) / dl), 0, nmax);
    }
}

/* Q4_K: 144 bytes, qs[128] at 16: each 32 bytes hold two sub-blocks, the
 * first in the low nibbles. */
static void q4_k_block(const float *x, uint8_t *dst) {
    uint8_t L[QK_K];
    kx_block(x, dst, 15, -1.f, 0.1f, 20, L);
    uint8_t *q = dst + 16;
    for (int j = 0; j < QK_K; j += 64, q += 32)
        for (int l = 0; l < 32; l++) q[l] = (uint8_t)(L[j + l] | L[j + l + 32] << 4);
}

void ck_q_q4_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++) q4_k_block(src + b * QK_K, dst + b * 144);
}

/* Q5_K: 176 bytes, qh[32] at 16, qs[128] at 48: the low 4 bits as in Q4_K,
 * the fifth bit of value l of sub-block k in bit k of qh[l]. */
static void q5_k_block(const float *x, uint8_t *dst) {
    uint8_t L[QK_K];
    kx_block(x, dst, 31, -0.5f, 0.1f, 15, L);
    uint8_t *qh = dst + 16, *ql = dst + 48;
    memset(qh, 0, 32);
    for (int k = 0; k < 8; k += 2, ql += 32) {
        for (int l = 0; l < 32; l++) {
            const int l1 = L[32 * k + l], l2 = L[32 * k + 32 + l];
            qh[l] |= (uint8_t)((l1 >> 4) << k | (l2 >> 4) << (k + 1));
            ql[l] = (uint8_t)((l1 & 0xF) | (l2 & 0xF) << 4);
        }
    }
}

void ck_q_q5_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++) q5_k_block(src + b * QK_K, dst + b * 176);
}

/* ===== Q6_K: ql[128], qh[64], scales[16] int8, d (f16); 210 bytes ===== */

/* 16 sub-blocks of 16 with 6-bit symmetric grids; their signed scales are
 * quantized to 8 bits under one f16 super-scale. */
static void q6_k_block(const float *x, uint8_t *dst) {
    int8_t L[QK_K];
    float scales[16];
    for (int j = 0; j < 16; j += 4) fit_symmetric4(32, x + 16 * j, L + 16 * j, scales + j);
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; j++) {
        if (fabsf(scales[j]) > amax) {
            amax = fabsf(scales[j]);
            max_scale = scales[j];
        }
    }
    if (amax < GROUP_MAX_EPS) {  /* ggml writes an all-zero block */
        memset(dst, 0, 210);
        return;
    }
    const float iscale = -128.f / max_scale;
    const float d = put_half(dst + 208, 1 / iscale);
    int8_t *sc = (int8_t *)(dst + 192);
    for (int j = 0; j < 16; j++) {
        const int v = ck_nearest_int(iscale * scales[j]);
        sc[j] = (int8_t)(v < 127 ? v : 127);
    }
    for (int j = 0; j < 16; j++) {
        const float dl = d * (float)sc[j];
        if (dl == 0) continue;
        for (int i = 0; i < 16; i++)
            L[16 * j + i] = (int8_t)(clampi(ck_nearest_int(x[16 * j + i] / dl), -32, 31) + 32);
    }
    /* Each half of 128 values: ql[l] holds the low 4 bits of value l (low
     * nibble) and l+64 (high), ql[l+32] those of l+32 and l+96; qh[l] the
     * top 2 bits of l, l+32, l+64, l+96 at shifts 0, 2, 4, 6. */
    uint8_t *ql = dst, *qh = dst + 128;
    for (int h = 0; h < QK_K; h += 128, ql += 64, qh += 32) {
        const uint8_t *Lh = (const uint8_t *)L + h;
        for (int l = 0; l < 32; l++) {
            ql[l] = (uint8_t)((Lh[l] & 0xF) | (Lh[l + 64] & 0xF) << 4);
            ql[l + 32] = (uint8_t)((Lh[l + 32] & 0xF) | (Lh[l + 96] & 0xF) << 4);
            qh[l] = (uint8_t)(Lh[l] >> 4 | (Lh[l + 32] >> 4) << 2 | (Lh[l + 64] >> 4) << 4 |
                              (Lh[l + 96] >> 4) << 6);
        }
    }
}

void ck_q_q6_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++) q6_k_block(src + b * QK_K, dst + b * 210);
}
