/* SIMD chunk kernels: the lane operations of reduce_lanes.h, 16 lanes in
 * registers, for float32 values and for F16 / BF16 values read in place.
 * Each kernel ends with the same tail and fold as the scalar one, so the
 * results are bit for bit the same. */
#include "reduce_simd.h"

#include "reduce_lanes.h"

#if defined(__x86_64__)

#include "simd_load.h"

/* ===== AVX2: lanes 0-3, 4-7, 8-11, 12-15 in four registers ===== */

/* TwoSum of y, then the deviation from k and its square; masked lanes
 * (non-finite values) add zeros, as in lanes_tail. */
AVX2 INLINE void acc_avx2(__m256d *s, __m256d *c, __m256d *e, __m256d *q, __m256d y, __m256d k,
                          __m256d fin) {
    __m256d t = _mm256_add_pd(*s, y), z = _mm256_sub_pd(t, *s);
    __m256d err = _mm256_add_pd(_mm256_sub_pd(*s, _mm256_sub_pd(t, z)), _mm256_sub_pd(y, z));
    *c = _mm256_add_pd(*c, err);
    *s = t;
    __m256d d = _mm256_and_pd(_mm256_sub_pd(y, k), fin);
    *e = _mm256_add_pd(*e, d);
    *q = _mm256_add_pd(*q, _mm256_mul_pd(d, d));
}

AVX2 INLINE void chunk_avx2(const void *src, size_t n, ck_chunk_stats *out, ck_src kind) {
    lanes l;
    lanes_init(&l);
    double shift = first_finite(src, kind, n);
    size_t groups = n / LANES;
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 fmax = _mm256_set1_ps(FLT_MAX), finf = _mm256_set1_ps(INFINITY);
    const __m256 fninf = _mm256_set1_ps(-INFINITY), zero = _mm256_setzero_ps();
    const __m256d k = _mm256_set1_pd(shift);
    __m256d s[4], c[4], e[4], q[4];
    __m256 mn[2], mx[2];
    for (int j = 0; j < 4; j++) s[j] = c[j] = e[j] = q[j] = _mm256_setzero_pd();
    for (int h = 0; h < 2; h++) {
        mn[h] = finf;
        mx[h] = fninf;
    }
    for (size_t i = 0; i < groups; i++) {
        for (int h = 0; h < 2; h++) {
            __m256 x = load8(src, kind, i * LANES + 8 * (size_t)h);
            __m256 fin = _mm256_cmp_ps(_mm256_and_ps(x, absmask), fmax, _CMP_LE_OQ);
            l.zeros += (uint64_t)__builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(x, zero, _CMP_EQ_OQ)));
            __m256 xm = x, xM = x;
            if (_mm256_movemask_ps(fin) != 0xFF) {
                /* Rare: NaN or Inf among the 8 (see the AVX-512 kernel). */
                __m256 ax = _mm256_and_ps(x, absmask);
                l.nan += (uint64_t)__builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
                l.inf += (uint64_t)__builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(ax, finf, _CMP_EQ_OQ)));
                xm = _mm256_blendv_ps(finf, x, fin);
                xM = _mm256_blendv_ps(fninf, x, fin);
                x = _mm256_and_ps(x, fin);
            }
            for (int half = 0; half < 2; half++) {
                __m128 xs = half ? _mm256_extractf128_ps(x, 1) : _mm256_castps256_ps128(x);
                __m128 fs = half ? _mm256_extractf128_ps(fin, 1) : _mm256_castps256_ps128(fin);
                __m256d m = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_castps_si128(fs)));
                int j = 2 * h + half;
                acc_avx2(&s[j], &c[j], &e[j], &q[j], _mm256_cvtps_pd(xs), k, m);
            }
            mn[h] = _mm256_min_ps(xm, mn[h]);
            mx[h] = _mm256_max_ps(xM, mx[h]);
        }
    }
    for (int j = 0; j < 4; j++) {
        _mm256_storeu_pd(l.sum + 4 * j, s[j]);
        _mm256_storeu_pd(l.comp + 4 * j, c[j]);
        _mm256_storeu_pd(l.dev + 4 * j, e[j]);
        _mm256_storeu_pd(l.dev2 + 4 * j, q[j]);
    }
    for (int h = 0; h < 2; h++) {
        _mm256_storeu_ps(l.min + 8 * h, mn[h]);
        _mm256_storeu_ps(l.max + 8 * h, mx[h]);
    }
    lanes_tail(&l, src, kind, groups * LANES, n, shift);
    ck_lanes_finish(&l, n, shift, out);
}

AVX2 static void avx2_f32(const void *s, size_t n, ck_chunk_stats *o) { chunk_avx2(s, n, o, CK_SRC_F32); }
AVX2 static void avx2_f16(const void *s, size_t n, ck_chunk_stats *o) { chunk_avx2(s, n, o, CK_SRC_F16); }
AVX2 static void avx2_bf16(const void *s, size_t n, ck_chunk_stats *o) { chunk_avx2(s, n, o, CK_SRC_BF16); }

ck_chunk_fn ck_chunk_stats_avx2(ck_src src) {
    static const ck_chunk_fn f[CK_SRC_COUNT] = {avx2_f32, avx2_f16, avx2_bf16};
    return f[src];
}

/* ===== AVX-512: lanes 0-7 and 8-15 in two registers ===== */

AVX512 INLINE void acc_avx512(__m512d *s, __m512d *c, __m512d *e, __m512d *q, __m512d y, __m512d k,
                              __mmask8 fin) {
    __m512d t = _mm512_add_pd(*s, y), z = _mm512_sub_pd(t, *s);
    __m512d err = _mm512_add_pd(_mm512_sub_pd(*s, _mm512_sub_pd(t, z)), _mm512_sub_pd(y, z));
    *c = _mm512_add_pd(*c, err);
    *s = t;
    __m512d d = _mm512_maskz_sub_pd(fin, y, k);
    *e = _mm512_add_pd(*e, d);
    *q = _mm512_add_pd(*q, _mm512_mul_pd(d, d));
}

AVX512 INLINE void chunk_avx512(const void *src, size_t n, ck_chunk_stats *out, ck_src kind) {
    lanes l;
    lanes_init(&l);
    double shift = first_finite(src, kind, n);
    size_t groups = n / LANES;
    const __m512 fmax = _mm512_set1_ps(FLT_MAX), finf = _mm512_set1_ps(INFINITY);
    const __m512 fninf = _mm512_set1_ps(-INFINITY);
    const __m512d k = _mm512_set1_pd(shift);
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, c0 = s0, c1 = s0, e0 = s0, e1 = s0, q0 = s0, q1 = s0;
    __m512 mn = finf, mx = fninf;
    for (size_t i = 0; i < groups; i++) {
        __m512 x = load16(src, kind, i * LANES);
        __mmask16 fin = _mm512_cmp_ps_mask(_mm512_abs_ps(x), fmax, _CMP_LE_OQ);
        l.zeros += (uint64_t)__builtin_popcount(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ));
        __m512 xm = x, xM = x;
        if (fin != 0xFFFF) {
            /* Rare: NaN or Inf among the 16. Count them, and make them
             * neutral: 0 for the sums, +-inf for min and max. */
            l.nan += (uint64_t)__builtin_popcount(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q));
            l.inf += (uint64_t)__builtin_popcount(_mm512_cmp_ps_mask(_mm512_abs_ps(x), finf, _CMP_EQ_OQ));
            xm = _mm512_mask_mov_ps(finf, fin, x);
            xM = _mm512_mask_mov_ps(fninf, fin, x);
            x = _mm512_maskz_mov_ps(fin, x);
        }
        __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
        __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
        acc_avx512(&s0, &c0, &e0, &q0, lo, k, (__mmask8)fin);
        acc_avx512(&s1, &c1, &e1, &q1, hi, k, (__mmask8)(fin >> 8));
        mn = _mm512_min_ps(xm, mn);
        mx = _mm512_max_ps(xM, mx);
    }
    _mm512_storeu_pd(l.sum, s0);
    _mm512_storeu_pd(l.sum + 8, s1);
    _mm512_storeu_pd(l.comp, c0);
    _mm512_storeu_pd(l.comp + 8, c1);
    _mm512_storeu_pd(l.dev, e0);
    _mm512_storeu_pd(l.dev + 8, e1);
    _mm512_storeu_pd(l.dev2, q0);
    _mm512_storeu_pd(l.dev2 + 8, q1);
    _mm512_storeu_ps(l.min, mn);
    _mm512_storeu_ps(l.max, mx);
    lanes_tail(&l, src, kind, groups * LANES, n, shift);
    ck_lanes_finish(&l, n, shift, out);
}

AVX512 static void avx512_f32(const void *s, size_t n, ck_chunk_stats *o) { chunk_avx512(s, n, o, CK_SRC_F32); }
AVX512 static void avx512_f16(const void *s, size_t n, ck_chunk_stats *o) { chunk_avx512(s, n, o, CK_SRC_F16); }
AVX512 static void avx512_bf16(const void *s, size_t n, ck_chunk_stats *o) { chunk_avx512(s, n, o, CK_SRC_BF16); }

ck_chunk_fn ck_chunk_stats_avx512(ck_src src) {
    static const ck_chunk_fn f[CK_SRC_COUNT] = {avx512_f32, avx512_f16, avx512_bf16};
    return f[src];
}

#else

ck_chunk_fn ck_chunk_stats_avx2(ck_src src) {
    (void)src;
    return NULL;
}

ck_chunk_fn ck_chunk_stats_avx512(ck_src src) {
    (void)src;
    return NULL;
}

#endif
