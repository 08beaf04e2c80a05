/* Unit tests: reductions.
 *
 * Small inputs are worked out by hand; larger ones are checked against sums
 * in long double, and the SIMD variants against the scalar one bit for bit.
 */
#include "unit.h"

#include "bytes.h"

#include <float.h>
#include <math.h>

#include "core/cpu.h"
#include "core/dequant.h"
#include "core/reduce.h"

#define SCALAR (ck_chunk_stats_at(CK_SRC_F32, CK_ISA_SCALAR))

static void chunk_moments(const float *v, size_t n, ck_chunk_fn fn, ck_moments *m) {
    ck_chunk_stats c;
    ck_moments_init(m);
    fn(v, n, &c);
    ck_moments_add(m, &c);
}

/* 1, 2, 3, 4: mean 2.5, population variance 1.25, rms sqrt(7.5). */
static void test_by_hand(void **state) {
    (void)state;
    float v[] = {1, 2, 3, 4};
    ck_moments m;
    chunk_moments(v, 4, SCALAR, &m);
    assert_int_equal(m.n, 4);
    assert_int_equal(m.finite, 4);
    assert_true(ck_moments_mean(&m) == 2.5);
    assert_true(ck_moments_std(&m) == sqrt(1.25));
    assert_true(ck_moments_rms(&m) == sqrt(7.5));
    assert_true(m.min == 1 && m.max == 4);
}

/* NaN and Inf are counted and left out; zeros of both signs count. */
static void test_non_finite(void **state) {
    (void)state;
    float v[] = {NAN, 2.0f, INFINITY, -INFINITY, 0.0f, -0.0f, -4.0f, NAN, 8.0f};
    ck_moments m;
    chunk_moments(v, 9, SCALAR, &m);
    assert_int_equal(m.n, 9);
    assert_int_equal(m.nan, 2);
    assert_int_equal(m.inf, 2);
    assert_int_equal(m.zeros, 2);
    assert_int_equal(m.finite, 5);
    /* finite: 2, 0, -0, -4, 8: sum 6, mean 1.2, squares 84 */
    assert_true(fabs(ck_moments_mean(&m) - 1.2) < 1e-15);
    assert_true(fabs(ck_moments_rms(&m) - sqrt(84.0 / 5)) < 1e-14);
    double var = (0.8 * 0.8 + 1.2 * 1.2 * 2 + 5.2 * 5.2 + 6.8 * 6.8) / 5;
    assert_true(fabs(ck_moments_std(&m) - sqrt(var)) < 1e-14);
    assert_true(m.min == -4 && m.max == 8);
}

static void test_no_finite_value(void **state) {
    (void)state;
    float v[] = {NAN, INFINITY};
    ck_moments m;
    chunk_moments(v, 2, SCALAR, &m);
    assert_true(isnan(ck_moments_mean(&m)));
    assert_true(isnan(ck_moments_std(&m)));
    assert_true(isnan(ck_moments_rms(&m)));
    ck_moments e;
    ck_moments_init(&e);
    assert_true(isnan(ck_moments_mean(&e)));
}

/* A large offset with a small spread: naive sum of squares would lose the
 * variance to cancellation; the two-pass chunk M2 and Chan merge keep it. */
static void test_variance_with_offset(void **state) {
    (void)state;
    enum { N = 8192 };
    float *v = malloc(N * sizeof *v);
    assert_non_null(v);
    for (int i = 0; i < N; i++) v[i] = 1000.0f + (i % 2 ? 0.001953125f : -0.001953125f);
    ck_moments m;
    ck_moments_init(&m);
    for (int k = 0; k < N; k += 1024) {
        ck_chunk_stats c;
        SCALAR(v + k, 1024, &c);
        ck_moments_add(&m, &c);
    }
    assert_true(ck_moments_mean(&m) == 1000.0);
    assert_true(fabs(ck_moments_std(&m) - 0.001953125) < 1e-15);
    free(v);
}

/* Values near FLT_MAX mixed with small ones: compensated sums keep the mean. */
static void test_compensated_mean(void **state) {
    (void)state;
    enum { N = 4096 * 8 };
    float *v = malloc(N * sizeof *v);
    assert_non_null(v);
    /* The huge values come in pairs of opposite sign that cancel exactly, so
     * the exact sum is the sum of the small ones alone. */
    long double exact = 0;
    for (int i = 0; i < N; i++) {
        v[i] = i % 1024 == 0 ? (i % 2048 ? -FLT_MAX : FLT_MAX) : 1e-3f * (float)(i % 7);
        if (i % 1024) exact += v[i];
    }
    ck_moments m;
    ck_moments_init(&m);
    for (int k = 0; k < N; k += 4096) {
        ck_chunk_stats c;
        SCALAR(v + k, 4096, &c);
        ck_moments_add(&m, &c);
    }
    double want = (double)(exact / N);
    assert_true(fabs(ck_moments_mean(&m) - want) <= 1e-9 * fabs(want));
    free(v);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next32(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* Random floats with NaN, Inf, ±0, subnormals and extremes mixed in. */
static void fill_random(float *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t r = next32();
        switch (r % 16) {
        case 0: v[i] = NAN; break;
        case 1: v[i] = (r & 16) ? INFINITY : -INFINITY; break;
        case 2: v[i] = (r & 16) ? 0.0f : -0.0f; break;
        case 3: v[i] = (r & 16) ? FLT_MAX : -FLT_TRUE_MIN; break;
        default: {
            uint32_t bits = next32();
            memcpy(&v[i], &bits, 4);
            if (v[i] != v[i]) v[i] = 1.5f;
        }
        }
    }
}

static void assert_same_chunk(const ck_chunk_stats *a, const ck_chunk_stats *b) {
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->finite, b->finite);
    assert_int_equal(a->nan, b->nan);
    assert_int_equal(a->inf, b->inf);
    assert_int_equal(a->zeros, b->zeros);
    assert_memory_equal(&a->min, &b->min, sizeof a->min);
    assert_memory_equal(&a->max, &b->max, sizeof a->max);
    assert_memory_equal(&a->sum, &b->sum, sizeof a->sum);
    assert_memory_equal(&a->sum_c, &b->sum_c, sizeof a->sum_c);
    assert_memory_equal(&a->shift, &b->shift, sizeof a->shift);
    assert_memory_equal(&a->dev, &b->dev, sizeof a->dev);
    assert_memory_equal(&a->dev2, &b->dev2, sizeof a->dev2);
}

/* Every kernel, for every source and SIMD level the CPU runs, gives the
 * bits of the scalar F32 kernel run on the values decoded to float32, for
 * every length (the tails included). */
static void test_kernels_match_scalar(void **state) {
    (void)state;
    float *v = malloc(4099 * sizeof *v);
    uint16_t *h = malloc(4099 * sizeof *h);
    assert_non_null(v);
    assert_non_null(h);
    for (int round = 0; round < 300; round++) {
        size_t n = round < 40 ? (size_t)round : 1 + next32() % 4099;
        ck_src src = (ck_src)(round % CK_SRC_COUNT);
        const void *in = v;
        if (src == CK_SRC_F32) {
            fill_random(v, n);
            if (round % 4 == 0)
                for (size_t i = 0; i < n; i++) v[i] = (float)(next32() % 2001) * 1e-3f - 1.0f;
        } else {
            /* Every 16-bit pattern is a value: NaNs, infinities, subnormals. */
            for (size_t i = 0; i < n; i++) {
                h[i] = (uint16_t)next32();
                v[i] = src == CK_SRC_F16 ? ck_f16_to_f32(h[i]) : ck_bf16_to_f32(h[i]);
            }
            in = h;
        }
        ck_chunk_stats want;
        SCALAR(v, n, &want);
        for (int isa = CK_ISA_SCALAR; isa <= (int)ck_cpu_isa(); isa++) {
            ck_chunk_stats got;
            ck_chunk_stats_at(src, (ck_isa)isa)(in, n, &got);
            assert_same_chunk(&want, &got);
        }
    }
    free(v);
    free(h);
}

/* Merging chunks in order equals one pass over all values in long double. */
static void test_merge_against_long_double(void **state) {
    (void)state;
    enum { N = 100000 };
    float *v = malloc(N * sizeof *v);
    assert_non_null(v);
    long double sum = 0, sumsq = 0;
    for (int i = 0; i < N; i++) {
        v[i] = 0.5f + (float)((int)(next32() % 20001) - 10000) * 1e-5f;
        sum += v[i];
        sumsq += (long double)v[i] * v[i];
    }
    long double mean = sum / N, m2 = 0;
    for (int i = 0; i < N; i++) m2 += (v[i] - mean) * (v[i] - mean);
    ck_moments m;
    ck_moments_init(&m);
    for (int k = 0; k < N; k += 4096) {
        ck_chunk_stats c;
        SCALAR(v + k, (size_t)(N - k < 4096 ? N - k : 4096), &c);
        ck_moments_add(&m, &c);
    }
    assert_true(fabs(ck_moments_mean(&m) - (double)mean) <= 1e-14 * (double)mean);
    assert_true(fabsl(ck_moments_std(&m) - sqrtl(m2 / N)) <= 1e-12L * sqrtl(m2 / N));
    assert_true(fabsl(ck_moments_rms(&m) - sqrtl(sumsq / N)) <= 1e-14L * sqrtl(sumsq / N));
    free(v);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_non_finite),
        cmocka_unit_test(test_no_finite_value),
        cmocka_unit_test(test_variance_with_offset),
        cmocka_unit_test(test_compensated_mean),
        cmocka_unit_test(test_kernels_match_scalar),
        cmocka_unit_test(test_merge_against_long_double),
    };
    return cmocka_run_group_tests_name("reduce", tests, NULL, NULL) ? 1 : 0;
}
