/* Unit tests: the pair kernels of `ckpt diff`.
 *
 * A small input is worked out by hand. Every kernel (every source pair,
 * every SIMD level the CPU runs) must give the bits of the specification
 * below, the per-value loop the kernels replaced, on random values with
 * NaN, Inf, zeros of both signs, subnormals and extremes mixed in, and on
 * every length (tails and the empty chunk included).
 */
#include "unit.h"

#include "bytes.h"

#include <float.h>
#include <math.h>

#include "core/cpu.h"
#include "core/dequant.h"
#include "core/pairsum.h"

/* The specification: pair i in lane i % 16; per lane, in index order, in
 * double, each product rounded before its add; xd and yd zeroed when
 * either value is not finite; lanes folded in the tree 8, 4, 2, 1. */
static void fold(double *l) {
    for (int w = 8; w >= 1; w /= 2)
        for (int i = 0; i < w; i++) l[i] += l[i + w];
}

static void spec(const float *a, const float *b, size_t n, ck_pair_sums *out) {
    double aa[16] = {0}, bb[16] = {0}, ab[16] = {0}, dd[16] = {0}, mx[16] = {0};
    uint64_t changed = 0, bad_x = 0, bad_y = 0;
    for (size_t i = 0; i < n; i++) {
        float x = a[i], y = b[i];
        int k = (int)(i % 16);
        int fin = fabsf(x) <= FLT_MAX && fabsf(y) <= FLT_MAX;
        bad_x += !(fabsf(x) <= FLT_MAX);
        bad_y += fabsf(x) <= FLT_MAX && !(fabsf(y) <= FLT_MAX);
        changed += x != y && !(x != x && y != y);
        double xd = fin ? x : 0.0, yd = fin ? y : 0.0, d = yd - xd;
        volatile double p;  /* no contraction into a fused multiply-add */
        p = xd * xd;
        aa[k] += p;
        p = yd * yd;
        bb[k] += p;
        p = xd * yd;
        ab[k] += p;
        p = d * d;
        dd[k] += p;
        double ad = fabs(d);
        mx[k] = ad > mx[k] ? ad : mx[k];
    }
    fold(aa);
    fold(bb);
    fold(ab);
    fold(dd);
    *out = (ck_pair_sums){.n = n, .changed = changed, .nonfinite_x = bad_x, .nonfinite_y = bad_y,
                          .aa = aa[0], .bb = bb[0], .ab = ab[0], .dd = dd[0]};
    for (int k = 0; k < 16; k++) out->max_abs = mx[k] > out->max_abs ? mx[k] : out->max_abs;
}

static void assert_same(const ck_pair_sums *want, const ck_pair_sums *got) {
    assert_int_equal(want->n, got->n);
    assert_int_equal(want->changed, got->changed);
    assert_int_equal(want->nonfinite_x, got->nonfinite_x);
    assert_int_equal(want->nonfinite_y, got->nonfinite_y);
    assert_memory_equal(&want->aa, &got->aa, sizeof want->aa);
    assert_memory_equal(&want->bb, &got->bb, sizeof want->bb);
    assert_memory_equal(&want->ab, &got->ab, sizeof want->ab);
    assert_memory_equal(&want->dd, &got->dd, sizeof want->dd);
    assert_memory_equal(&want->max_abs, &got->max_abs, sizeof want->max_abs);
}

/* The float32 kernel of every SIMD level the CPU runs gives the bits of
 * the specification on these n pairs. */
static void assert_f32_kernels_meet_spec(const float *a, const float *b, size_t n) {
    ck_pair_sums want;
    spec(a, b, n, &want);
    for (int isa = CK_ISA_SCALAR; isa <= (int)ck_cpu_isa(); isa++) {
        ck_pair_sums got;
        ck_pairsum_at(CK_SRC_F32, CK_SRC_F32, (ck_isa)isa)(a, b, n, &got);
        assert_same(&want, &got);
    }
}

/* (1,1) (2,3) (NaN,NaN) (Inf,1) (0,-0) (-0,0) (NaN,5): three changed; the
 * finite pairs (1,1) (2,3) (0,-0) (-0,0) give the sums. */
static void test_by_hand(void **state) {
    (void)state;
    float a[] = {1, 2, NAN, INFINITY, 0.0f, -0.0f, NAN};
    float b[] = {1, 3, NAN, 1, -0.0f, 0.0f, 5};
    for (int isa = CK_ISA_SCALAR; isa <= (int)ck_cpu_isa(); isa++) {
        ck_pair_sums s;
        ck_pairsum_at(CK_SRC_F32, CK_SRC_F32, (ck_isa)isa)(a, b, 7, &s);
        assert_int_equal(s.n, 7);
        assert_int_equal(s.changed, 3);
        assert_int_equal(s.nonfinite_x, 3); /* NaN, Inf, NaN */
        assert_int_equal(s.nonfinite_y, 0);
        assert_true(s.aa == 5 && s.bb == 10 && s.ab == 7 && s.dd == 1 && s.max_abs == 1);
    }
}

/* No pairs: zeros. */
static void test_empty(void **state) {
    (void)state;
    float v = 1;
    for (int isa = CK_ISA_SCALAR; isa <= (int)ck_cpu_isa(); isa++) {
        ck_pair_sums s;
        memset(&s, 0xAB, sizeof s);
        ck_pairsum_at(CK_SRC_BF16, CK_SRC_F32, (ck_isa)isa)(&v, &v, 0, &s);
        assert_int_equal(s.n, 0);
        assert_int_equal(s.changed, 0);
        assert_int_equal(s.nonfinite_x + s.nonfinite_y, 0);
        assert_true(s.aa == 0 && s.bb == 0 && s.ab == 0 && s.dd == 0 && s.max_abs == 0);
    }
}

/* Whole groups of 16 all finite, then a NaN or Inf in one lane of one
 * group: the rare path of the SIMD kernels, against the specification. */
static void test_rare_path(void **state) {
    (void)state;
    enum { N = 64 };
    float a[N], b[N];
    float odd[] = {NAN, INFINITY, -INFINITY};
    for (int at = 0; at < N; at += 5) {
        for (int j = 0; j < 3; j++) {
            for (int side = 0; side < 3; side++) {
                for (int i = 0; i < N; i++) {
                    a[i] = (float)i * 0.25f - 3.0f;
                    b[i] = i % 3 ? a[i] : a[i] + 0.5f;
                }
                if (side != 1) a[at] = odd[j];
                if (side != 0) b[at] = odd[j];
                assert_f32_kernels_meet_spec(a, b, N);
            }
        }
    }
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next32(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* A random float of any kind: NaN, Inf, zeros, extremes, random bits. */
static float any_float(void) {
    uint32_t r = next32();
    switch (r % 16) {
    case 0: return NAN;
    case 1: return (r & 16) ? INFINITY : -INFINITY;
    case 2: return (r & 16) ? 0.0f : -0.0f;
    case 3: return (r & 16) ? FLT_MAX : -FLT_MAX;
    case 4: return (r & 16) ? FLT_TRUE_MIN : -FLT_MIN;
    default: {
        uint32_t bits = next32();
        float x;
        memcpy(&x, &bits, 4);
        return x;
    }
    }
}

/* The values of one side stored as kind (F16 and BF16: random 16-bit
 * patterns, every one a value), and the same values as float32. */
static void fill(ck_src kind, size_t n, int mode, const float *other, float *v, uint16_t *h) {
    for (size_t i = 0; i < n; i++) {
        if (kind == CK_SRC_F32) {
            /* mode 0: anything; 1: small normal values; 2: the other side
             * nudged (most pairs equal or close, a few odd ones). */
            uint32_t r = next32();
            if (mode == 0) v[i] = any_float();
            else if (mode == 1) v[i] = (float)(r % 2001) * 1e-3f - 1.0f;
            else v[i] = r % 64 == 0 ? any_float() : r % 4 ? other[i] : nextafterf(other[i], INFINITY);
        } else {
            uint16_t bits = (uint16_t)next32();
            if (mode == 2 && next32() % 64) {
                /* Close to the other side: its top 16 bits (a BF16 view),
                 * or a pattern that keeps most pairs equal. */
                uint32_t o;
                memcpy(&o, &other[i], 4);
                bits = kind == CK_SRC_BF16 ? (uint16_t)((o >> 16) ^ (next32() % 4)) : (uint16_t)(bits & 0x3FFF);
            } else if (mode == 1) {
                bits = (uint16_t)(kind == CK_SRC_BF16 ? 0x3C00 + (bits & 0x3FF) - 0x200 : 0x3000 + (bits & 0x7FF));
            }
            h[i] = bits;
            v[i] = kind == CK_SRC_F16 ? ck_f16_to_f32(bits) : ck_bf16_to_f32(bits);
        }
    }
}

/* Every kernel, for every pair of sources and every SIMD level the CPU
 * runs, gives the bits of the specification run on the values as float32,
 * for every length. */
static void test_kernels_match_spec(void **state) {
    (void)state;
    enum { MAX = 4099 };
    float *va = malloc(MAX * sizeof *va), *vb = malloc(MAX * sizeof *vb);
    uint16_t *ha = malloc(MAX * sizeof *ha), *hb = malloc(MAX * sizeof *hb);
    assert_true(va && vb && ha && hb);
    for (int round = 0; round < 900; round++) {
        size_t n = round < 90 ? (size_t)(round % 45) : 1 + next32() % MAX;
        ck_src ka = (ck_src)(round % CK_SRC_COUNT), kb = (ck_src)(round / CK_SRC_COUNT % CK_SRC_COUNT);
        int mode = round / 9 % 3;
        fill(ka, n, mode == 2 ? 1 : mode, NULL, va, ha);
        fill(kb, n, mode, va, vb, hb);
        const void *in_a = ka == CK_SRC_F32 ? (const void *)va : ha, *in_b = kb == CK_SRC_F32 ? (const void *)vb : hb;
        ck_pair_sums want;
        spec(va, vb, n, &want);
        for (int isa = CK_ISA_SCALAR; isa <= (int)ck_cpu_isa(); isa++) {
            ck_pair_sums got;
            ck_pairsum_fn fn = ck_pairsum_at(ka, kb, (ck_isa)isa);
            assert_non_null(fn);
            fn(in_a, in_b, n, &got);
            assert_same(&want, &got);
        }
        ck_pair_sums best;
        ck_pairsum_kernel(ka, kb)(in_a, in_b, n, &best);
        assert_same(&want, &best);
    }
    free(va);
    free(vb);
    free(ha);
    free(hb);
}

/* The products of extreme values: FLT_MAX squared, the smallest subnormal
 * squared, and large sums that the next product barely moves. A fused
 * multiply-add would round these the same only because the product of two
 * floats is exact in double; (y - x)^2 is not, and must stay unfused. */
static void test_extremes(void **state) {
    (void)state;
    enum { N = 16 * 40 + 7 };
    float a[N], b[N];
    const float ext[] = {FLT_MAX, -FLT_MAX, FLT_TRUE_MIN, -FLT_TRUE_MIN, FLT_MIN, 1.0f, 1.0f + FLT_EPSILON, 3e-39f};
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < N; i++) {
            a[i] = ext[next32() % 8];
            b[i] = next32() % 2 ? ext[next32() % 8] : -a[i];
        }
        assert_f32_kernels_meet_spec(a, b, N);
    }
}

/* A level the CPU lacks gives no kernel; a bad source neither. */
static void test_dispatch(void **state) {
    (void)state;
    for (int isa = (int)ck_cpu_isa() + 1; isa <= CK_ISA_AVX512; isa++)
        assert_null(ck_pairsum_at(CK_SRC_F32, CK_SRC_F32, (ck_isa)isa));
    assert_null(ck_pairsum_at(CK_SRC_COUNT, CK_SRC_F32, CK_ISA_SCALAR));
    assert_non_null(ck_pairsum_kernel(CK_SRC_BF16, CK_SRC_F16));
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_rare_path),
        cmocka_unit_test(test_kernels_match_spec),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_dispatch),
    };
    return cmocka_run_group_tests_name("pairsum", tests, NULL, NULL) ? 1 : 0;
}
