/* Sums over pairs of values, identical at every SIMD level.
 *
 * Pair i of a chunk belongs to lane i % 16. Each lane adds, in pair order
 * and in double, x^2, y^2, x*y and (y - x)^2, with x and y taken as 0 when
 * either is NaN or infinite. The SIMD variants (pairsum_simd.c) keep the 16
 * lanes in registers and do the same operations; every variant runs the
 * last n % 16 pairs through the same C (pair_tail) and folds its lanes with
 * the same C below.
 */
#include "pairsum.h"

#include "pairsum_lanes.h"

/* Fold 16 lanes in a fixed tree: 8 pairs, then 4, 2, 1. */
static double fold(double *l) {
    for (int w = LANES / 2; w >= 1; w /= 2)
        for (int i = 0; i < w; i++) l[i] += l[i + w];
    return l[0];
}

void ck_pair_lanes_finish(pair_lanes *l, size_t n, ck_pair_sums *out) {
    out->n = n;
    out->changed = l->changed;
    out->nonfinite_x = l->nonfinite_x;
    out->nonfinite_y = l->nonfinite_y;
    out->aa = fold(l->aa);
    out->bb = fold(l->bb);
    out->ab = fold(l->ab);
    out->dd = fold(l->dd);
    out->max_abs = 0;
    for (int k = 0; k < LANES; k++) out->max_abs = l->mx[k] > out->max_abs ? l->mx[k] : out->max_abs;
}

/* ===== the scalar reference ===== */

/* Whole groups of 16, each widened to float and then taken a lane at a
 * time (the compiler may unroll or vectorize that loop: the lanes are
 * independent), then the tail. */
static inline __attribute__((always_inline)) void pairs_scalar(const void *a, const void *b, size_t n,
                                                               ck_pair_sums *out, ck_src ka, ck_src kb) {
    pair_lanes l;
    pair_lanes_init(&l);
    size_t groups = n / LANES;
    for (size_t g = 0; g < groups; g++) {
        float x[LANES], y[LANES];
        for (int k = 0; k < LANES; k++) {
            x[k] = pair_value(a, ka, g * LANES + (size_t)k);
            y[k] = pair_value(b, kb, g * LANES + (size_t)k);
        }
        for (int k = 0; k < LANES; k++) pair_step(&l, k, x[k], y[k]);
    }
    pair_tail(&l, a, ka, b, kb, groups * LANES, n);
    ck_pair_lanes_finish(&l, n, out);
}

#define KERNEL(NAME, KA, KB)                                                          \
    static void NAME(const void *a, const void *b, size_t n, ck_pair_sums *out) {     \
        pairs_scalar(a, b, n, out, KA, KB);                                           \
    }
KERNEL(scalar_f32_f32, CK_SRC_F32, CK_SRC_F32)
KERNEL(scalar_f32_f16, CK_SRC_F32, CK_SRC_F16)
KERNEL(scalar_f32_bf16, CK_SRC_F32, CK_SRC_BF16)
KERNEL(scalar_f16_f32, CK_SRC_F16, CK_SRC_F32)
KERNEL(scalar_f16_f16, CK_SRC_F16, CK_SRC_F16)
KERNEL(scalar_f16_bf16, CK_SRC_F16, CK_SRC_BF16)
KERNEL(scalar_bf16_f32, CK_SRC_BF16, CK_SRC_F32)
KERNEL(scalar_bf16_f16, CK_SRC_BF16, CK_SRC_F16)
KERNEL(scalar_bf16_bf16, CK_SRC_BF16, CK_SRC_BF16)
#undef KERNEL

/* ===== dispatch ===== */

ck_pairsum_fn ck_pairsum_at(ck_src a, ck_src b, ck_isa isa) {
    static const ck_pairsum_fn scalar[CK_SRC_COUNT][CK_SRC_COUNT] = {
        {scalar_f32_f32, scalar_f32_f16, scalar_f32_bf16},
        {scalar_f16_f32, scalar_f16_f16, scalar_f16_bf16},
        {scalar_bf16_f32, scalar_bf16_f16, scalar_bf16_bf16},
    };
    if (a >= CK_SRC_COUNT || b >= CK_SRC_COUNT || isa > ck_cpu_isa()) return NULL;
    switch (isa) {
    case CK_ISA_AVX512: return ck_pairsum_avx512(a, b);
    case CK_ISA_AVX2: return ck_pairsum_avx2(a, b);
    default: return scalar[a][b];
    }
}

ck_pairsum_fn ck_pairsum_kernel(ck_src a, ck_src b) {
    for (int isa = (int)ck_cpu_isa(); isa > CK_ISA_SCALAR; isa--) {
        ck_pairsum_fn f = ck_pairsum_at(a, b, (ck_isa)isa);
        if (f) return f;
    }
    return ck_pairsum_at(a, b, CK_ISA_SCALAR);
}
