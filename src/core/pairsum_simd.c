/* SIMD pair kernels: the lane operation of pairsum_lanes.h, 16 lanes in
 * registers, for float32 values and for F16 / BF16 values read in place.
 * Each kernel ends with the same tail and fold as the scalar one, so the
 * results are bit for bit the same: every lane does the scalar operations
 * in the same order.
 *
 * One liberty: x^2, y^2 and x*y are added with a fused multiply-add, which
 * rounds once where the scalar code rounds the product and then the sum.
 * It gives the same bits because the product of two float32 values is
 * exact in double (24-bit significands give at most 48 bits; exponents
 * from -298 to 256 stay inside the range of normal doubles), so rounding
 * it is the identity. (y - x)^2 is not exact in general (y - x can carry
 * up to 53 bits): that one is a multiply, then an add.
 */
#include "pairsum_lanes.h"

#if defined(__x86_64__)

#include "simd_load.h"

/* The pages of a file mapping lie anywhere in memory and the hardware
 * prefetchers stop at every 4 KiB page boundary: each kernel asks for its
 * values a page ahead (a quarter less time on mapped BF16 files). A
 * prefetch never faults, past the end of a mapping included; the address
 * is made from an integer as it may lie past the end of the values. */
#define AHEAD 4096

static inline __attribute__((always_inline)) void prefetch_ahead(const void *src, ck_src kind, size_t i) {
    _mm_prefetch((const char *)((uintptr_t)src + i * (kind == CK_SRC_F32 ? 4 : 2) + AHEAD), _MM_HINT_T0);
}

/* The nine kernels of one SIMD level, and their table by source. */
#define KERNELS(ATTR, P, BODY)                                                                 \
    ATTR static void P##_f32_f32(const void *a, const void *b, size_t n, ck_pair_sums *o) {    \
        BODY(a, b, n, o, CK_SRC_F32, CK_SRC_F32);                                              \
    }                                                                                          \
    ATTR static void P##_f32_f16(const void *a, const void *b, size_t n, ck_pair_sums *o) {    \
        BODY(a, b, n, o, CK_SRC_F32, CK_SRC_F16);                                              \
    }                                                                                          \
    ATTR static void P##_f32_bf16(const void *a, const void *b, size_t n, ck_pair_sums *o) {   \
        BODY(a, b, n, o, CK_SRC_F32, CK_SRC_BF16);                                             \
    }                                                                                          \
    ATTR static void P##_f16_f32(const void *a, const void *b, size_t n, ck_pair_sums *o) {    \
        BODY(a, b, n, o, CK_SRC_F16, CK_SRC_F32);                                              \
    }                                                                                          \
    ATTR static void P##_f16_f16(const void *a, const void *b, size_t n, ck_pair_sums *o) {    \
        BODY(a, b, n, o, CK_SRC_F16, CK_SRC_F16);                                              \
    }                                                                                          \
    ATTR static void P##_f16_bf16(const void *a, const void *b, size_t n, ck_pair_sums *o) {   \
        BODY(a, b, n, o, CK_SRC_F16, CK_SRC_BF16);                                             \
    }                                                                                          \
    ATTR static void P##_bf16_f32(const void *a, const void *b, size_t n, ck_pair_sums *o) {   \
        BODY(a, b, n, o, CK_SRC_BF16, CK_SRC_F32);                                             \
    }                                                                                          \
    ATTR static void P##_bf16_f16(const void *a, const void *b, size_t n, ck_pair_sums *o) {   \
        BODY(a, b, n, o, CK_SRC_BF16, CK_SRC_F16);                                             \
    }                                                                                          \
    ATTR static void P##_bf16_bf16(const void *a, const void *b, size_t n, ck_pair_sums *o) {  \
        BODY(a, b, n, o, CK_SRC_BF16, CK_SRC_BF16);                                            \
    }                                                                                          \
    ck_pairsum_fn ck_pairsum_##P(ck_src a, ck_src b) {                                         \
        static const ck_pairsum_fn f[CK_SRC_COUNT][CK_SRC_COUNT] = {                           \
            {P##_f32_f32, P##_f32_f16, P##_f32_bf16},                                          \
            {P##_f16_f32, P##_f16_f16, P##_f16_bf16},                                          \
            {P##_bf16_f32, P##_bf16_f16, P##_bf16_bf16},                                       \
        };                                                                                     \
        return f[a][b];                                                                        \
    }

/* ===== AVX2: 8 lanes at a time, lanes 0-7 and then lanes 8-15 ===== */

/* Four pairs into their four lanes: the operations of pair_step. */
AVX2 INLINE void step_avx2(__m256d *aa, __m256d *bb, __m256d *ab, __m256d *dd, __m256d *mx, __m256d x,
                           __m256d y) {
    const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffll));
    __m256d d = _mm256_sub_pd(y, x);
    *aa = _mm256_fmadd_pd(x, x, *aa);
    *bb = _mm256_fmadd_pd(y, y, *bb);
    *ab = _mm256_fmadd_pd(x, y, *ab);
    *dd = _mm256_add_pd(*dd, _mm256_mul_pd(d, d));
    *mx = _mm256_max_pd(*mx, _mm256_and_pd(d, absmask));
}

/* Sixteen accumulators and their operands do not fit the 16 registers: the
 * kernel makes two passes over the chunk (which is in the cache after the
 * first), one per half of the lanes. */
AVX2 INLINE void pairs_avx2(const void *a, const void *b, size_t n, ck_pair_sums *out, ck_src ka, ck_src kb) {
    pair_lanes l;
    pair_lanes_init(&l);
    size_t groups = n / LANES;
    const __m256i absmask = _mm256_set1_epi32(0x7fffffff), fmax = _mm256_set1_epi32(0x7f7fffff);
    __m256d mx = _mm256_setzero_pd();
    uint64_t same = 0;
    for (size_t h = 0; h < 2; h++) {
        __m256d aa0 = _mm256_setzero_pd(), aa1 = aa0, bb0 = aa0, bb1 = aa0, ab0 = aa0, ab1 = aa0, dd0 = aa0,
                dd1 = aa0;
        /* Per lane, minus the pairs found equal (or both NaN): at most
         * 2^31 - 1 groups a pass. */
        for (size_t g0 = 0; g0 < groups; g0 += 0x7FFFFFFFu) {
            size_t g1 = groups - g0 < 0x7FFFFFFFu ? groups : g0 + 0x7FFFFFFFu;
            __m256i eqs = _mm256_setzero_si256();
            for (size_t g = g0; g < g1; g++) {
                prefetch_ahead(a, ka, g * LANES);
                prefetch_ahead(b, kb, g * LANES);
                __m256 x = load8(a, ka, g * LANES + 8 * h), y = load8(b, kb, g * LANES + 8 * h);
                __m256 eq = _mm256_cmp_ps(x, y, _CMP_EQ_OQ);
                /* As integers, the magnitudes of NaN and Inf are the
                 * largest: above FLT_MAX's. */
                __m256i big = _mm256_max_epi32(_mm256_and_si256(_mm256_castps_si256(x), absmask),
                                               _mm256_and_si256(_mm256_castps_si256(y), absmask));
                __m256i nonfin = _mm256_cmpgt_epi32(big, fmax);
                if (!_mm256_testz_si256(nonfin, nonfin)) {
                    /* Rare: NaN or Inf among the 8. Both NaN is no change;
                     * the sums get zeros. */
                    __m256i nx = _mm256_cmpgt_epi32(_mm256_and_si256(_mm256_castps_si256(x), absmask), fmax);
                    __m256i ny = _mm256_cmpgt_epi32(_mm256_and_si256(_mm256_castps_si256(y), absmask), fmax);
                    l.nonfinite_x += (uint64_t)__builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(nx)));
                    l.nonfinite_y += (uint64_t)__builtin_popcount(
                        (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_andnot_si256(nx, ny))));
                    eq = _mm256_or_ps(eq, _mm256_and_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q),
                                                        _mm256_cmp_ps(y, y, _CMP_UNORD_Q)));
                    x = _mm256_andnot_ps(_mm256_castsi256_ps(nonfin), x);
                    y = _mm256_andnot_ps(_mm256_castsi256_ps(nonfin), y);
                }
                eqs = _mm256_sub_epi32(eqs, _mm256_castps_si256(eq));
                __m256d x0 = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
                __m256d x1 = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
                __m256d y0 = _mm256_cvtps_pd(_mm256_castps256_ps128(y));
                __m256d y1 = _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1));
                step_avx2(&aa0, &bb0, &ab0, &dd0, &mx, x0, y0);
                step_avx2(&aa1, &bb1, &ab1, &dd1, &mx, x1, y1);
            }
            uint32_t c[8];
            _mm256_storeu_si256((__m256i *)c, eqs);
            for (int k = 0; k < 8; k++) same += c[k];
        }
        _mm256_storeu_pd(l.aa + 8 * h, aa0);
        _mm256_storeu_pd(l.aa + 8 * h + 4, aa1);
        _mm256_storeu_pd(l.bb + 8 * h, bb0);
        _mm256_storeu_pd(l.bb + 8 * h + 4, bb1);
        _mm256_storeu_pd(l.ab + 8 * h, ab0);
        _mm256_storeu_pd(l.ab + 8 * h + 4, ab1);
        _mm256_storeu_pd(l.dd + 8 * h, dd0);
        _mm256_storeu_pd(l.dd + 8 * h + 4, dd1);
    }
    _mm256_storeu_pd(l.mx, mx);
    l.changed = groups * LANES - same;
    pair_tail(&l, a, ka, b, kb, groups * LANES, n);
    ck_pair_lanes_finish(&l, n, out);
}

KERNELS(AVX2, avx2, pairs_avx2)

/* ===== AVX-512: lanes 0-7 and 8-15 in two registers ===== */

AVX512 INLINE void step_avx512(__m512d *aa, __m512d *bb, __m512d *ab, __m512d *dd, __m512d *mx, __m512d x,
                               __m512d y) {
    __m512d d = _mm512_sub_pd(y, x);
    *aa = _mm512_fmadd_pd(x, x, *aa);
    *bb = _mm512_fmadd_pd(y, y, *bb);
    *ab = _mm512_fmadd_pd(x, y, *ab);
    *dd = _mm512_add_pd(*dd, _mm512_mul_pd(d, d));
    /* max(|mx|, |d|) in one operation (VRANGEPD: absolute maximum, sign
     * cleared); mx is never negative. */
    *mx = _mm512_range_pd(*mx, d, 0x0B);
}

/* NaN (quiet or signalling) or infinity of either sign. */
#define NON_FINITE 0x99

AVX512 INLINE void pairs_avx512(const void *a, const void *b, size_t n, ck_pair_sums *out, ck_src ka, ck_src kb) {
    pair_lanes l;
    pair_lanes_init(&l);
    size_t groups = n / LANES;
    __m512d aa0 = _mm512_setzero_pd(), aa1 = aa0, bb0 = aa0, bb1 = aa0, ab0 = aa0, ab1 = aa0, dd0 = aa0,
            dd1 = aa0, mx = aa0;
    /* Per lane, the pairs found equal (or both NaN): at most 2^32 - 1
     * groups a pass. */
    uint64_t same = 0;
    for (size_t g0 = 0; g0 < groups; g0 += 0xFFFFFFFFu) {
        size_t g1 = groups - g0 < 0xFFFFFFFFu ? groups : g0 + 0xFFFFFFFFu;
        __m512i eqs = _mm512_setzero_si512();
        const __m512i one = _mm512_set1_epi32(1);
        for (size_t g = g0; g < g1; g++) {
            prefetch_ahead(a, ka, g * LANES);
            prefetch_ahead(b, kb, g * LANES);
            __m512 x = load16(a, ka, g * LANES), y = load16(b, kb, g * LANES);
            __mmask16 eq = _mm512_cmp_ps_mask(x, y, _CMP_EQ_OQ);
            __mmask16 nx = _mm512_fpclass_ps_mask(x, NON_FINITE), ny = _mm512_fpclass_ps_mask(y, NON_FINITE);
            if (!_kortestz_mask16_u8(nx, ny)) {
                /* Rare: NaN or Inf among the 16. Both NaN is no change;
                 * the sums get zeros. */
                eq |= _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), y, y, _CMP_UNORD_Q);
                __mmask16 fin = (__mmask16)~(nx | ny);
                l.nonfinite_x += (uint64_t)__builtin_popcount(nx);
                l.nonfinite_y += (uint64_t)__builtin_popcount(ny & (__mmask16)~nx);
                x = _mm512_maskz_mov_ps(fin, x);
                y = _mm512_maskz_mov_ps(fin, y);
            }
            eqs = _mm512_mask_add_epi32(eqs, eq, eqs, one);
            __m512d x0 = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
            __m512d x1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
            __m512d y0 = _mm512_cvtps_pd(_mm512_castps512_ps256(y));
            __m512d y1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(y), 1)));
            step_avx512(&aa0, &bb0, &ab0, &dd0, &mx, x0, y0);
            step_avx512(&aa1, &bb1, &ab1, &dd1, &mx, x1, y1);
        }
        uint32_t c[LANES];
        _mm512_storeu_si512(c, eqs);
        for (int k = 0; k < LANES; k++) same += c[k];
    }
    _mm512_storeu_pd(l.aa, aa0);
    _mm512_storeu_pd(l.aa + 8, aa1);
    _mm512_storeu_pd(l.bb, bb0);
    _mm512_storeu_pd(l.bb + 8, bb1);
    _mm512_storeu_pd(l.ab, ab0);
    _mm512_storeu_pd(l.ab + 8, ab1);
    _mm512_storeu_pd(l.dd, dd0);
    _mm512_storeu_pd(l.dd + 8, dd1);
    _mm512_storeu_pd(l.mx, mx);
    l.changed = groups * LANES - same;
    pair_tail(&l, a, ka, b, kb, groups * LANES, n);
    ck_pair_lanes_finish(&l, n, out);
}

KERNELS(AVX512, avx512, pairs_avx512)

#else

ck_pairsum_fn ck_pairsum_avx2(ck_src a, ck_src b) {
    (void)a;
    (void)b;
    return NULL;
}

ck_pairsum_fn ck_pairsum_avx512(ck_src a, ck_src b) {
    (void)a;
    (void)b;
    return NULL;
}

#endif
