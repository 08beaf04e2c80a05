/* Reductions over float values, identical at every SIMD level.
 *
 * Value i of a chunk belongs to lane i % 16. Each lane accumulates its sum,
 * sum of squares and squared deviations in double, in value order; the SIMD
 * variants keep the 16 lanes in registers and do the same operations (a
 * float widened to double is exact, so x*x is exact too, and no fused
 * multiply-add is used anywhere). Lanes are folded by the same C code for
 * every variant.
 */
#include "reduce.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "cpu.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define LANES 16

typedef struct lanes {
    double sum[LANES], comp[LANES], sumsq[LANES], m2[LANES];
    float min[LANES], max[LANES];
    uint64_t nan, inf, zeros;
} lanes;

static void lanes_init(lanes *l) {
    memset(l, 0, sizeof *l);
    for (int i = 0; i < LANES; i++) {
        l->min[i] = INFINITY;
        l->max[i] = -INFINITY;
    }
}

static inline int is_finite(float x) { return fabsf(x) <= FLT_MAX; }

/* Pass 1 for values [from, n) in lane order, starting at lane from % 16. */
static void pass1_tail(lanes *l, const float *v, size_t from, size_t n) {
    for (size_t i = from; i < n; i++) {
        float x = v[i];
        int k = (int)(i % LANES);
        l->nan += x != x;
        l->inf += fabsf(x) == INFINITY;
        l->zeros += x == 0.0f;
        double d = is_finite(x) ? (double)x : 0.0;
        /* TwoSum: t + e == sum + d exactly. */
        double t = l->sum[k] + d, z = t - l->sum[k];
        l->comp[k] += (l->sum[k] - (t - z)) + (d - z);
        l->sum[k] = t;
        l->sumsq[k] += d * d;
        if (is_finite(x)) {
            l->min[k] = x < l->min[k] ? x : l->min[k];
            l->max[k] = x > l->max[k] ? x : l->max[k];
        }
    }
}

static void pass2_tail(lanes *l, const float *v, size_t from, size_t n, double mean) {
    for (size_t i = from; i < n; i++) {
        float x = v[i];
        double d = is_finite(x) ? (double)x - mean : 0.0;
        l->m2[i % LANES] += d * d;
    }
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

/* Neumaier's compensated addition of x to (*s, *c). */
static void neumaier(double *s, double *c, double x) {
    double t = *s + x;
    if (fabs(*s) >= fabs(x)) *c += (*s - t) + x;
    else *c += (x - t) + *s;
    *s = t;
}

/* Everything after pass 1: the chunk figures but m2. */
static void finish_pass1(lanes *l, size_t n, ck_chunk_stats *out) {
    out->n = n;
    out->nan = l->nan;
    out->inf = l->inf;
    out->zeros = l->zeros;
    out->finite = n - l->nan - l->inf;
    out->sum = out->sum_c = 0;
    for (int i = 0; i < LANES; i++) {
        neumaier(&out->sum, &out->sum_c, l->sum[i]);
        neumaier(&out->sum, &out->sum_c, l->comp[i]);
    }
    out->sumsq = fold_sum(l->sumsq);
    out->min = fold_min(l->min);
    out->max = fold_max(l->max);
}

static double chunk_mean(const ck_chunk_stats *c) {
    return c->finite ? (c->sum + c->sum_c) / (double)c->finite : 0.0;
}

void ck_chunk_stats_scalar(const float *v, size_t n, ck_chunk_stats *out) {
    lanes l;
    lanes_init(&l);
    pass1_tail(&l, v, 0, n);
    finish_pass1(&l, n, out);
    pass2_tail(&l, v, 0, n, chunk_mean(out));
    out->m2 = fold_sum(l.m2);
}

#if defined(__x86_64__)

/* ===== AVX2: lanes 0-3, 4-7, 8-11, 12-15 in four registers ===== */

#define AVX2 __attribute__((target("avx2,fma,popcnt")))

AVX2 static inline __m256d finite_pd(__m128 x, __m128 fin) {
    return _mm256_cvtps_pd(_mm_and_ps(x, fin));
}

/* TwoSum, lane by lane, the same operations as pass1_tail. */
AVX2 static inline void two_sum_avx2(__m256d *s, __m256d *c, __m256d d) {
    __m256d t = _mm256_add_pd(*s, d), z = _mm256_sub_pd(t, *s);
    __m256d err = _mm256_add_pd(_mm256_sub_pd(*s, _mm256_sub_pd(t, z)), _mm256_sub_pd(d, z));
    *c = _mm256_add_pd(*c, err);
    *s = t;
}

AVX2 void ck_chunk_stats_avx2(const float *v, size_t n, ck_chunk_stats *out) {
    lanes l;
    lanes_init(&l);
    size_t groups = n / LANES, i;
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 fmax = _mm256_set1_ps(FLT_MAX), finf = _mm256_set1_ps(INFINITY);
    __m256d s[4], e[4], q[4];
    __m256 mn[2], mx[2];
    for (int k = 0; k < 4; k++) s[k] = e[k] = q[k] = _mm256_setzero_pd();
    for (int k = 0; k < 2; k++) {
        mn[k] = _mm256_set1_ps(INFINITY);
        mx[k] = _mm256_set1_ps(-INFINITY);
    }
    for (i = 0; i < groups; i++) {
        for (int h = 0; h < 2; h++) {
            __m256 x = _mm256_loadu_ps(v + i * LANES + h * 8);
            __m256 ax = _mm256_and_ps(x, absmask);
            __m256 fin = _mm256_cmp_ps(ax, fmax, _CMP_LE_OQ);
            l.nan += (uint64_t)__builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
            l.inf += (uint64_t)__builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(ax, finf, _CMP_EQ_OQ)));
            l.zeros += (uint64_t)__builtin_popcount(
                _mm256_movemask_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ)));
            __m256d lo = finite_pd(_mm256_castps256_ps128(x), _mm256_castps256_ps128(fin));
            __m256d hi = finite_pd(_mm256_extractf128_ps(x, 1), _mm256_extractf128_ps(fin, 1));
            two_sum_avx2(&s[2 * h], &e[2 * h], lo);
            two_sum_avx2(&s[2 * h + 1], &e[2 * h + 1], hi);
            q[2 * h] = _mm256_add_pd(q[2 * h], _mm256_mul_pd(lo, lo));
            q[2 * h + 1] = _mm256_add_pd(q[2 * h + 1], _mm256_mul_pd(hi, hi));
            /* x < min ? x : min, on finite values only */
            __m256 xm = _mm256_blendv_ps(finf, x, fin);
            __m256 xM = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), x, fin);
            mn[h] = _mm256_min_ps(xm, mn[h]);
            mx[h] = _mm256_max_ps(xM, mx[h]);
        }
    }
    for (int k = 0; k < 4; k++) {
        _mm256_storeu_pd(l.sum + 4 * k, s[k]);
        _mm256_storeu_pd(l.comp + 4 * k, e[k]);
        _mm256_storeu_pd(l.sumsq + 4 * k, q[k]);
    }
    for (int h = 0; h < 2; h++) {
        _mm256_storeu_ps(l.min + 8 * h, mn[h]);
        _mm256_storeu_ps(l.max + 8 * h, mx[h]);
    }
    pass1_tail(&l, v, groups * LANES, n);
    finish_pass1(&l, n, out);

    __m256d mean = _mm256_set1_pd(chunk_mean(out)), m[4];
    for (int k = 0; k < 4; k++) m[k] = _mm256_setzero_pd();
    for (i = 0; i < groups; i++) {
        for (int k = 0; k < 4; k++) {
            __m128 x = _mm_loadu_ps(v + i * LANES + 4 * k);
            __m128 fin = _mm_cmple_ps(_mm_and_ps(x, _mm256_castps256_ps128(absmask)),
                                      _mm256_castps256_ps128(fmax));
            __m256d d = _mm256_sub_pd(_mm256_cvtps_pd(x), mean);
            d = _mm256_and_pd(d, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_castps_si128(fin))));
            m[k] = _mm256_add_pd(m[k], _mm256_mul_pd(d, d));
        }
    }
    for (int k = 0; k < 4; k++) _mm256_storeu_pd(l.m2 + 4 * k, m[k]);
    pass2_tail(&l, v, groups * LANES, n, chunk_mean(out));
    out->m2 = fold_sum(l.m2);
}

/* ===== AVX-512: lanes 0-7 and 8-15 in two registers ===== */

#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,popcnt")))

AVX512 static inline void two_sum_avx512(__m512d *s, __m512d *c, __m512d d) {
    __m512d t = _mm512_add_pd(*s, d), z = _mm512_sub_pd(t, *s);
    __m512d err = _mm512_add_pd(_mm512_sub_pd(*s, _mm512_sub_pd(t, z)), _mm512_sub_pd(d, z));
    *c = _mm512_add_pd(*c, err);
    *s = t;
}

AVX512 void ck_chunk_stats_avx512(const float *v, size_t n, ck_chunk_stats *out) {
    lanes l;
    lanes_init(&l);
    size_t groups = n / LANES, i;
    const __m512 fmax = _mm512_set1_ps(FLT_MAX), finf = _mm512_set1_ps(INFINITY);
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, e0 = s0, e1 = s0, q0 = s0, q1 = s0;
    __m512 mn = _mm512_set1_ps(INFINITY), mx = _mm512_set1_ps(-INFINITY);
    for (i = 0; i < groups; i++) {
        __m512 x = _mm512_loadu_ps(v + i * LANES);
        __m512 ax = _mm512_abs_ps(x);
        __mmask16 fin = _mm512_cmp_ps_mask(ax, fmax, _CMP_LE_OQ);
        l.nan += (uint64_t)__builtin_popcount(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q));
        l.inf += (uint64_t)__builtin_popcount(_mm512_cmp_ps_mask(ax, finf, _CMP_EQ_OQ));
        l.zeros += (uint64_t)__builtin_popcount(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ));
        __m512 xf = _mm512_maskz_mov_ps(fin, x);
        __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(xf));
        __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(xf), 1)));
        two_sum_avx512(&s0, &e0, lo);
        two_sum_avx512(&s1, &e1, hi);
        q0 = _mm512_add_pd(q0, _mm512_mul_pd(lo, lo));
        q1 = _mm512_add_pd(q1, _mm512_mul_pd(hi, hi));
        mn = _mm512_min_ps(_mm512_mask_mov_ps(finf, fin, x), mn);
        mx = _mm512_max_ps(_mm512_mask_mov_ps(_mm512_set1_ps(-INFINITY), fin, x), mx);
    }
    _mm512_storeu_pd(l.sum, s0);
    _mm512_storeu_pd(l.sum + 8, s1);
    _mm512_storeu_pd(l.comp, e0);
    _mm512_storeu_pd(l.comp + 8, e1);
    _mm512_storeu_pd(l.sumsq, q0);
    _mm512_storeu_pd(l.sumsq + 8, q1);
    _mm512_storeu_ps(l.min, mn);
    _mm512_storeu_ps(l.max, mx);
    pass1_tail(&l, v, groups * LANES, n);
    finish_pass1(&l, n, out);

    __m512d mean = _mm512_set1_pd(chunk_mean(out)), m0 = _mm512_setzero_pd(), m1 = m0;
    for (i = 0; i < groups; i++) {
        __m512 x = _mm512_loadu_ps(v + i * LANES);
        __mmask16 fin = _mm512_cmp_ps_mask(_mm512_abs_ps(x), fmax, _CMP_LE_OQ);
        __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
        __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
        __m512d d0 = _mm512_maskz_sub_pd((__mmask8)fin, lo, mean);
        __m512d d1 = _mm512_maskz_sub_pd((__mmask8)(fin >> 8), hi, mean);
        m0 = _mm512_add_pd(m0, _mm512_mul_pd(d0, d0));
        m1 = _mm512_add_pd(m1, _mm512_mul_pd(d1, d1));
    }
    _mm512_storeu_pd(l.m2, m0);
    _mm512_storeu_pd(l.m2 + 8, m1);
    pass2_tail(&l, v, groups * LANES, n, chunk_mean(out));
    out->m2 = fold_sum(l.m2);
}

#else

void ck_chunk_stats_avx2(const float *v, size_t n, ck_chunk_stats *out) { ck_chunk_stats_scalar(v, n, out); }
void ck_chunk_stats_avx512(const float *v, size_t n, ck_chunk_stats *out) { ck_chunk_stats_scalar(v, n, out); }

#endif

ck_chunk_fn ck_chunk_stats_kernel(void) {
    switch (ck_cpu_isa()) {
    case CK_ISA_AVX512: return ck_chunk_stats_avx512;
    case CK_ISA_AVX2: return ck_chunk_stats_avx2;
    default: return ck_chunk_stats_scalar;
    }
}

/* ===== merging, in a fixed order ===== */

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
    neumaier(&a->sumsq, &a->sumsq_c, b->sumsq);
    neumaier(&a->sumsq, &a->sumsq_c, b->sumsq_c);
    a->n += b->n;
    a->finite += b->finite;
    a->nan += b->nan;
    a->inf += b->inf;
    a->zeros += b->zeros;
}

void ck_moments_add(ck_moments *m, const ck_chunk_stats *c) {
    ck_moments b = {
        .n = c->n, .finite = c->finite, .nan = c->nan, .inf = c->inf, .zeros = c->zeros,
        .min = c->min, .max = c->max, .sum = c->sum, .sum_c = c->sum_c, .sumsq = c->sumsq, .m2 = c->m2,
    };
    ck_moments_merge(m, &b);
}

double ck_moments_mean(const ck_moments *m) {
    return m->finite ? (m->sum + m->sum_c) / (double)m->finite : NAN;
}

double ck_moments_std(const ck_moments *m) {
    return m->finite ? sqrt(m->m2 / (double)m->finite) : NAN;
}

double ck_moments_rms(const ck_moments *m) {
    return m->finite ? sqrt((m->sumsq + m->sumsq_c) / (double)m->finite) : NAN;
}
