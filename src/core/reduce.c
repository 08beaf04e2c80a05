/* Reductions over float values, identical at every SIMD level.
 *
 * Value i of a chunk belongs to lane i % 16. Each lane accumulates, in value
 * order and in double, the values (Knuth's TwoSum keeps that sum exact to
 * the last bit, so values near FLT_MAX cannot swallow small ones), and the
 * deviations d = x - K from the chunk's shift K and their squares. The SIMD
 * variants (reduce_simd.c) keep the 16 lanes in registers and do the same
 * operations, with no fused multiply-add; every variant folds its lanes with
 * the same C code below. Chunks are merged in order.
 */
#include "reduce.h"

#include "reduce_lanes.h"
#include "reduce_simd.h"

/* TwoSum: *s + *c gains x, with the rounding error of the addition kept. */
static void two_sum(double *s, double *c, double x) {
    double t = *s + x, z = t - *s;
    *c += (*s - (t - z)) + (x - z);
    *s = t;
}

/* Fold 16 lanes in a fixed tree: 8 pairs, then 4, 2, 1. */
static double fold_sum(double *a) {
    for (int w = LANES / 2; w >= 1; w /= 2)
        for (int i = 0; i < w; i++) a[i] += a[i + w];
    return a[0];
}

static float fold_min(float *a) {
    for (int w = LANES / 2; w >= 1; w /= 2)
        for (int i = 0; i < w; i++) a[i] = a[i + w] < a[i] ? a[i + w] : a[i];
    return a[0];
}

static float fold_max(float *a) {
    for (int w = LANES / 2; w >= 1; w /= 2)
        for (int i = 0; i < w; i++) a[i] = a[i + w] > a[i] ? a[i + w] : a[i];
    return a[0];
}

void ck_lanes_finish(lanes *l, size_t n, double shift, ck_chunk_stats *out) {
    out->n = n;
    out->nan = l->nan;
    out->inf = l->inf;
    out->zeros = l->zeros;
    out->finite = n - l->nan - l->inf;
    out->shift = shift;
    /* Lane sums can be of any sign and size: fold them compensated. */
    double s = 0, c = 0;
    for (int i = 0; i < LANES; i++) {
        two_sum(&s, &c, l->sum[i]);
        c += l->comp[i];
    }
    out->sum = s;
    out->sum_c = c;
    out->dev = fold_sum(l->dev);
    out->dev2 = fold_sum(l->dev2);
    out->min = fold_min(l->min);
    out->max = fold_max(l->max);
}

static void chunk_scalar(const void *src, size_t n, ck_chunk_stats *out, ck_src kind) {
    lanes l;
    lanes_init(&l);
    double shift = first_finite(src, kind, n);
    lanes_tail(&l, src, kind, 0, n, shift);
    ck_lanes_finish(&l, n, shift, out);
}

static void chunk_scalar_f32(const void *src, size_t n, ck_chunk_stats *out) {
    chunk_scalar(src, n, out, CK_SRC_F32);
}
static void chunk_scalar_f16(const void *src, size_t n, ck_chunk_stats *out) {
    chunk_scalar(src, n, out, CK_SRC_F16);
}
static void chunk_scalar_bf16(const void *src, size_t n, ck_chunk_stats *out) {
    chunk_scalar(src, n, out, CK_SRC_BF16);
}

ck_chunk_fn ck_chunk_stats_at(ck_src src, ck_isa isa) {
    static const ck_chunk_fn scalar[CK_SRC_COUNT] = {chunk_scalar_f32, chunk_scalar_f16, chunk_scalar_bf16};
    if (isa > ck_cpu_isa()) return NULL;
    switch (isa) {
    case CK_ISA_AVX512: return ck_chunk_stats_avx512(src);
    case CK_ISA_AVX2: return ck_chunk_stats_avx2(src);
    default: return scalar[src];
    }
}

ck_chunk_fn ck_chunk_stats_kernel(ck_src src) {
    for (int isa = (int)ck_cpu_isa(); isa > CK_ISA_SCALAR; isa--) {
        ck_chunk_fn f = ck_chunk_stats_at(src, (ck_isa)isa);
        if (f) return f;
    }
    return ck_chunk_stats_at(src, CK_ISA_SCALAR);
}

/* ===== merging, in a fixed order ===== */

/* Neumaier's compensated addition of x to (*s, *c). */
static void neumaier(double *s, double *c, double x) {
    double t = *s + x;
    if (fabs(*s) >= fabs(x)) *c += (*s - t) + x;
    else *c += (x - t) + *s;
    *s = t;
}

void ck_moments_init(ck_moments *m) {
    memset(m, 0, sizeof *m);
    m->min = INFINITY;
    m->max = -INFINITY;
}

void ck_moments_merge(ck_moments *a, const ck_moments *b) {
    if (b->finite) {
        if (a->finite) {
            double ma = (a->sum + a->sum_c) / (double)a->finite;
            double mb = (b->sum + b->sum_c) / (double)b->finite;
            double na = (double)a->finite, nb = (double)b->finite, delta = mb - ma;
            a->m2 = a->m2 + b->m2 + delta * delta * (na * nb / (na + nb));
        } else {
            a->m2 = b->m2;
        }
        a->min = b->min < a->min ? b->min : a->min;
        a->max = b->max > a->max ? b->max : a->max;
    }
    neumaier(&a->sum, &a->sum_c, b->sum);
    neumaier(&a->sum, &a->sum_c, b->sum_c);
    a->n += b->n;
    a->finite += b->finite;
    a->nan += b->nan;
    a->inf += b->inf;
    a->zeros += b->zeros;
}

void ck_moments_add(ck_moments *m, const ck_chunk_stats *c) {
    ck_moments b = {.n = c->n, .finite = c->finite, .nan = c->nan, .inf = c->inf,
                    .zeros = c->zeros, .min = c->min, .max = c->max};
    if (c->finite) {
        b.sum = c->sum;
        b.sum_c = c->sum_c;
        b.m2 = c->dev2 - c->dev * c->dev / (double)c->finite;
        if (b.m2 < 0) b.m2 = 0;
    }
    ck_moments_merge(m, &b);
}

double ck_moments_mean(const ck_moments *m) {
    return m->finite ? (m->sum + m->sum_c) / (double)m->finite : NAN;
}

double ck_moments_std(const ck_moments *m) {
    return m->finite ? sqrt(m->m2 / (double)m->finite) : NAN;
}

double ck_moments_rms(const ck_moments *m) {
    double mean = ck_moments_mean(m);
    return m->finite ? sqrt(m->m2 / (double)m->finite + mean * mean) : NAN;
}
