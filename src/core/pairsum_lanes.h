/* The 16-lane accumulator shared by the scalar and SIMD pair kernels: the
 * lane operation, the tail and the fold are one piece of C, so every
 * variant ends in the same bits. Internal to pairsum.c and pairsum_simd.c. */
#ifndef CK_CORE_PAIRSUM_LANES_H
#define CK_CORE_PAIRSUM_LANES_H

#include "pairsum.h"
#include "reduce_lanes.h"

typedef struct pair_lanes {
    double aa[LANES], bb[LANES], ab[LANES], dd[LANES];
    /* The maximum is the same whatever the order it is taken in (the
     * values are never NaN): a SIMD kernel may keep fewer than 16. */
    double mx[LANES];
    uint64_t changed, nonfinite_x, nonfinite_y;
} pair_lanes;

static inline void pair_lanes_init(pair_lanes *l) { memset(l, 0, sizeof *l); }

/* Value i of the source, as float: src_value with BF16 widened here, so
 * that the scalar loops need no call for it. */
static inline float pair_value(const void *src, ck_src kind, size_t i) {
    if (kind != CK_SRC_BF16) return src_value(src, kind, i);
    const uint8_t *p = (const uint8_t *)src;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint16_t h;
    memcpy(&h, p + 2 * i, 2);
    uint32_t bits = (uint32_t)h << 16;
#else
    uint32_t bits = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8) << 16;
#endif
    float x;
    memcpy(&x, &bits, 4);
    return x;
}

/* x when keep is 1, +0 when it is 0. */
static inline float keep_or_zero(float x, int keep) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    bits &= 0u - (uint32_t)keep;
    memcpy(&x, &bits, 4);
    return x;
}

/* Pair (x, y) into lane k. Written without branches (& and not &&, a mask
 * and not ?: to zero a value) so that the compiler can turn the loop over
 * the lanes into vector code. */
static inline void pair_step(pair_lanes *l, int k, float x, float y) {
    l->changed += (uint64_t)((x != y) & !((x != x) & (y != y)));
    int fx = is_finite(x), fy = is_finite(y), fin = fx & fy;
    l->nonfinite_x += (uint64_t)!fx;
    l->nonfinite_y += (uint64_t)(fx & !fy);
    double xd = keep_or_zero(x, fin), yd = keep_or_zero(y, fin), d = yd - xd;
    /* Each product is rounded, then added: one statement each, so that no
     * compiler contracts them into a fused multiply-add. */
    double paa = xd * xd, pbb = yd * yd, pab = xd * yd, pdd = d * d;
    l->aa[k] += paa;
    l->bb[k] += pbb;
    l->ab[k] += pab;
    l->dd[k] += pdd;
    double ad = fabs(d);
    l->mx[k] = ad > l->mx[k] ? ad : l->mx[k];
}

/* Pairs [from, n) in lane order, starting at lane from % 16. */
static inline void pair_tail(pair_lanes *l, const void *a, ck_src ka, const void *b, ck_src kb, size_t from,
                             size_t n) {
    for (size_t i = from; i < n; i++) pair_step(l, (int)(i % LANES), pair_value(a, ka, i), pair_value(b, kb, i));
}

/* The SIMD kernels (pairsum_simd.c) for sources (a, b); NULL off x86-64. */
ck_pairsum_fn ck_pairsum_avx2(ck_src a, ck_src b);
ck_pairsum_fn ck_pairsum_avx512(ck_src a, ck_src b);

/* Fold the lanes into the chunk's figures (defined in pairsum.c). */
void ck_pair_lanes_finish(pair_lanes *l, size_t n, ck_pair_sums *out);

#endif
