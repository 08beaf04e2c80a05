/* Unit tests: the numerical rank of a matrix given row by row.
 *
 * Exact low-rank matrices are checked against a full SVD of the whole matrix
 * (LAPACK's dgesdd), noisy ones and full-rank ones against what they were
 * built to be, and the corpus' BF16 fine-tune delta against the singular
 * values its ref.json records (computed by numpy from the whole delta).
 */
#include "unit.h"

#include "bytes.h"

#include <cblas.h>
#include <jansson.h>
#include <lapacke.h>
#include <math.h>

#include "ckpt/model.h"
#include "core/lowrank.h"

/* ===== matrices for the tests ===== */

/* The test's own random numbers (not the library's). */
static uint64_t g_state = 0x853c49e6748fea9bu;

static void reseed(uint64_t s) { g_state = s; }

static uint64_t next64(void) {
    uint64_t z = (g_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double gauss(void) {
    double u1 = (double)((next64() >> 11) + 1) * 0x1p-53, u2 = (double)(next64() >> 11) * 0x1p-53;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* A dense row-major m x n matrix, and what the callback saw. */
typedef struct dense {
    size_t m, n;
    double *a;
    size_t calls;
    size_t fail_at;            /* the call (1, 2, ...) that fails; 0: none */
} dense;

static void dense_init(dense *d, size_t m, size_t n) {
    memset(d, 0, sizeof *d);
    d->m = m;
    d->n = n;
    d->a = calloc(m * n > 0 ? m * n : 1, sizeof *d->a);
    assert_non_null(d->a);
}

static void dense_free(dense *d) {
    free(d->a);
    d->a = NULL;
}

/* Blocks are in range, bounded (256 rows, 2^22 values), and copied. */
static int dense_rows(void *ctx, size_t r0, size_t nr, double *out) {
    dense *d = ctx;
    d->calls++;
    if (d->fail_at && d->calls >= d->fail_at) return -1;
    assert_true(nr >= 1 && r0 + nr <= d->m);
    assert_true(nr <= 256);
    assert_true(nr == 1 || nr * d->n <= ((size_t)1 << 22));
    memcpy(out, d->a + r0 * d->n, nr * d->n * sizeof *out);
    return 0;
}

/* The same without cmocka's checks, for other threads than the test's. */
static int dense_rows_plain(void *ctx, size_t r0, size_t nr, double *out) {
    const dense *d = ctx;
    memcpy(out, d->a + r0 * d->n, nr * d->n * sizeof *out);
    return 0;
}

/* d += scale * G1 G2 with G1 m x r, G2 r x n Gaussian: rank r (almost surely). */
static void add_low_rank(dense *d, size_t r, double scale) {
    double *g1 = malloc(d->m * r * sizeof *g1), *g2 = malloc(r * d->n * sizeof *g2);
    assert_true(g1 && g2);
    for (size_t i = 0; i < d->m * r; i++) g1[i] = gauss();
    for (size_t i = 0; i < r * d->n; i++) g2[i] = gauss();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d->m, (int)d->n, (int)r, scale, g1,
                (int)r, g2, (int)d->n, 1.0, d->a, (int)d->n);
    free(g1);
    free(g2);
}

static void add_noise(dense *d, double sigma) {
    for (size_t i = 0; i < d->m * d->n; i++) d->a[i] += sigma * gauss();
}

/* All min(m, n) singular values of the whole matrix, descending (malloc'd). */
static double *full_svd(const dense *d) {
    size_t mn = d->m < d->n ? d->m : d->n;
    double *copy = malloc(d->m * d->n * sizeof *copy), *s = malloc(mn * sizeof *s);
    assert_true(copy && s);
    memcpy(copy, d->a, d->m * d->n * sizeof *copy);
    /* Read column-major, the copy is A^T: the same singular values. */
    assert_int_equal(LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (lapack_int)d->n, (lapack_int)d->m, copy,
                                    (lapack_int)d->n, s, NULL, 1, NULL, 1),
                     0);
    free(copy);
    return s;
}

static void assert_rel(double got, double want, double tol, const char *what, size_t i) {
    if (!(fabs(got - want) <= tol * fabs(want)))
        fail_msg("%s: singular value %zu is %.17g, expected %.17g (relative error %.3g > %.1g)", what,
                 i, got, want, fabs(got - want) / fabs(want), tol);
}

/* ===== exact low rank ===== */

/* A rank-r m x n matrix: rank r, the r singular values those of the full SVD
 * to 1e-8, the rest at rounding level. */
static void check_exact(size_t m, size_t n, size_t r, size_t k) {
    dense d;
    dense_init(&d, m, n);
    reseed(1000 * m + 10 * n + r);
    add_low_rank(&d, r, 1.0);
    double *want = full_svd(&d);
    ck_lowrank lr;
    assert_int_equal(ck_lowrank_estimate(m, n, dense_rows, &d, k, 7, &lr), 0);
    size_t mn = m < n ? m : n, kk = k < mn ? k : mn;
    if (kk > CK_LOWRANK_MAX) kk = CK_LOWRANK_MAX;
    char what[64];
    snprintf(what, sizeof what, "%zu x %zu of rank %zu", m, n, r);
    assert_int_equal(lr.k, kk);
    if (lr.rank != (int)r) fail_msg("%s: rank %d (gap %g)", what, lr.rank, lr.gap);
    assert_true(lr.gap > 1e8);
    for (size_t i = 0; i < r; i++) assert_rel(lr.sv[i], want[i], 1e-8, what, i);
    for (size_t i = r; i < lr.k; i++) assert_true(lr.sv[i] <= 1e-8 * lr.sv[0]);
    for (size_t i = lr.k; i < CK_LOWRANK_MAX; i++) assert_true(lr.sv[i] == 0);
    for (size_t i = 1; i < lr.k; i++) assert_true(lr.sv[i] <= lr.sv[i - 1]);
    free(want);
    dense_free(&d);
}

static void test_exact_rank(void **state) {
    (void)state;
    static const size_t rs[] = {1, 4, 8, 16};
    for (size_t i = 0; i < sizeof rs / sizeof *rs; i++) {
        size_t r = rs[i];
        check_exact(300, 200, r, 64);   /* tall */
        check_exact(150, 400, r, 64);   /* wide */
        check_exact(20, 300, r, 64);    /* m < l: the range finder is exact */
        check_exact(300, 30, r, 64);    /* n < l */
        check_exact(1000, 80, r, 24);   /* k = 24: l = 34 */
        check_exact(120, 90, r, 20);
    }
    check_exact(1, 50, 1, 64);          /* one row */
    check_exact(50, 1, 1, 64);          /* one column */
    check_exact(1, 1, 1, 64);
}

/* Every singular value present (k = min(m, n)) and no cliff among them: the
 * matrix is of full rank min(m, n). */
static void test_complete_spectrum(void **state) {
    (void)state;
    dense d;
    dense_init(&d, 10, 300);
    reseed(5);
    add_noise(&d, 1.0);
    double *want = full_svd(&d);
    ck_lowrank lr;
    assert_int_equal(ck_lowrank_estimate(10, 300, dense_rows, &d, 64, 1, &lr), 0);
    assert_int_equal(lr.k, 10);
    assert_int_equal(lr.rank, 10);
    assert_true(isinf(lr.gap));
    for (size_t i = 0; i < 10; i++) assert_rel(lr.sv[i], want[i], 1e-10, "10 x 300 Gaussian", i);
    /* Asking for fewer than min(m, n): nothing past them is known. */
    assert_int_equal(ck_lowrank_estimate(10, 300, dense_rows, &d, 5, 1, &lr), 0);
    assert_int_equal(lr.k, 5);
    assert_int_equal(lr.rank, -1);
    free(want);
    dense_free(&d);
}

/* ===== noise ===== */

/* Rank r plus Gaussian noise whose entries are 1e-3 of the signal's. */
static void test_rank_plus_noise(void **state) {
    (void)state;
    static const size_t rs[] = {1, 4, 8, 16};
    static const size_t shapes[][2] = {{400, 300}, {256, 1024}, {2000, 100}};
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < sizeof rs / sizeof *rs; i++) {
            size_t m = shapes[s][0], n = shapes[s][1], r = rs[i];
            dense d;
            dense_init(&d, m, n);
            reseed(77 + r + s);
            add_low_rank(&d, r, 1.0);
            add_noise(&d, 1e-3 * sqrt((double)r));
            double *want = full_svd(&d);
            ck_lowrank lr;
            assert_int_equal(ck_lowrank_estimate(m, n, dense_rows, &d, 64, 3, &lr), 0);
            if (lr.rank != (int)r)
                fail_msg("%zu x %zu rank %zu + noise: rank %d (gap %g)", m, n, r, lr.rank, lr.gap);
            assert_true(lr.gap >= 8);
            /* Well above the noise, the power iterations make them exact. */
            for (size_t j = 0; j < r; j++) assert_rel(lr.sv[j], want[j], 1e-8, "rank + noise", j);
            free(want);
            dense_free(&d);
        }
}

/* Full-rank Gaussian matrices larger than 64 both ways: no cliff. */
static void test_full_rank(void **state) {
    (void)state;
    static const size_t shapes[][2] = {{300, 200}, {256, 256}, {100, 1500}, {5000, 70}};
    for (size_t s = 0; s < 4; s++) {
        size_t m = shapes[s][0], n = shapes[s][1];
        dense d;
        dense_init(&d, m, n);
        reseed(900 + s);
        add_noise(&d, 0.02);
        ck_lowrank lr;
        assert_int_equal(ck_lowrank_estimate(m, n, dense_rows, &d, 64, 11, &lr), 0);
        assert_int_equal(lr.k, 64);
        if (lr.rank != -1) fail_msg("%zu x %zu Gaussian: rank %d (gap %g)", m, n, lr.rank, lr.gap);
        assert_true(lr.gap > 1 && lr.gap < 2);
        dense_free(&d);
    }
}

/* ===== degenerate matrices ===== */

static void test_zero_and_empty(void **state) {
    (void)state;
    dense d;
    dense_init(&d, 100, 80);
    ck_lowrank lr;
    assert_int_equal(ck_lowrank_estimate(100, 80, dense_rows, &d, 64, 1, &lr), 0);
    assert_int_equal(lr.k, 64);
    assert_int_equal(lr.rank, 0);
    assert_true(isinf(lr.gap));
    for (size_t i = 0; i < CK_LOWRANK_MAX; i++) assert_true(lr.sv[i] == 0);

    /* Empty: rank 0 without a look at the rows. */
    d.calls = 0;
    assert_int_equal(ck_lowrank_estimate(0, 80, dense_rows, &d, 64, 1, &lr), 0);
    assert_int_equal(lr.k, 0);
    assert_int_equal(lr.rank, 0);
    assert_int_equal(ck_lowrank_estimate(100, 0, dense_rows, &d, 64, 1, &lr), 0);
    assert_int_equal(lr.rank, 0);
    assert_int_equal(d.calls, 0);

    /* k = 0: nothing estimated, no cliff. */
    assert_int_equal(ck_lowrank_estimate(100, 80, dense_rows, &d, 0, 1, &lr), 0);
    assert_int_equal(lr.k, 0);
    assert_int_equal(lr.rank, -1);
    assert_int_equal(d.calls, 0);
    dense_free(&d);
}

/* Rank 3 with exact zeros: three nonzero columns only. The estimate's
 * trailing values are then exact zeros or rounding, a cliff either way. */
static void test_exact_zeros(void **state) {
    (void)state;
    dense d;
    dense_init(&d, 200, 150);
    reseed(3);
    for (size_t i = 0; i < 200; i++)
        for (size_t j = 0; j < 3; j++) d.a[i * 150 + j * 40] = gauss();
    ck_lowrank lr;
    assert_int_equal(ck_lowrank_estimate(200, 150, dense_rows, &d, 64, 1, &lr), 0);
    assert_int_equal(lr.rank, 3);
    assert_true(lr.gap > 1e12);
    double *want = full_svd(&d);
    for (size_t i = 0; i < 3; i++) assert_rel(lr.sv[i], want[i], 1e-10, "3 columns", i);
    free(want);
    dense_free(&d);
}

/* Rows of many values come in smaller blocks (2^22 values at most). */
static void test_wide_blocks(void **state) {
    (void)state;
    dense d;
    dense_init(&d, 300, 40000);
    reseed(8);
    add_low_rank(&d, 2, 1.0);
    ck_lowrank lr;
    assert_int_equal(ck_lowrank_estimate(300, 40000, dense_rows, &d, 8, 1, &lr), 0);
    assert_int_equal(lr.rank, 2);
    /* 104 rows a block: 3 blocks a pass, 6 passes. */
    assert_int_equal(d.calls, 18);
    dense_free(&d);
}

/* ===== failures and repeatability ===== */

static void test_rows_failing(void **state) {
    (void)state;
    dense d;
    dense_init(&d, 600, 100);
    reseed(4);
    add_low_rank(&d, 4, 1.0);
    ck_lowrank lr;
    assert_int_equal(ck_lowrank_estimate(600, 100, dense_rows, &d, 64, 1, &lr), 0);
    size_t calls = d.calls; /* 3 blocks a pass, 6 passes */
    assert_int_equal(calls, 18);
    for (size_t at = 1; at <= calls; at++) {
        d.calls = 0;
        d.fail_at = at;
        assert_int_equal(ck_lowrank_estimate(600, 100, dense_rows, &d, 64, 1, &lr), -1);
        assert_int_equal(d.calls, at); /* no call after the failure */
        assert_int_equal(lr.rank, -1);
        assert_int_equal(lr.k, 0);
    }
    /* A value that is not finite fails too. */
    d.fail_at = 0;
    d.a[12345] = NAN;
    assert_int_equal(ck_lowrank_estimate(600, 100, dense_rows, &d, 64, 1, &lr), -1);
    d.a[12345] = INFINITY;
    assert_int_equal(ck_lowrank_estimate(600, 100, dense_rows, &d, 64, 1, &lr), -1);
    dense_free(&d);
}

static void test_repeatable(void **state) {
    (void)state;
    dense d;
    dense_init(&d, 700, 500);
    reseed(99);
    add_low_rank(&d, 6, 1.0);
    add_noise(&d, 0.01);
    ck_lowrank a, b, c;
    assert_int_equal(ck_lowrank_estimate(700, 500, dense_rows, &d, 64, 12345, &a), 0);
    assert_int_equal(ck_lowrank_estimate(700, 500, dense_rows, &d, 64, 12345, &b), 0);
    assert_memory_equal(a.sv, b.sv, sizeof a.sv);
    assert_int_equal(a.rank, b.rank);
    assert_memory_equal(&a.gap, &b.gap, sizeof a.gap);
    /* Another seed: another projection, the same finding. */
    assert_int_equal(ck_lowrank_estimate(700, 500, dense_rows, &d, 64, 54321, &c), 0);
    assert_int_equal(c.rank, 6);
    assert_int_equal(a.rank, 6);
    for (size_t i = 0; i < 6; i++) assert_rel(c.sv[i], a.sv[i], 1e-10, "seed", i);
    assert_true(memcmp(a.sv + 6, c.sv + 6, 58 * sizeof *a.sv) != 0);
    dense_free(&d);
}

/* From the caller's OpenMP threads (as ckpt diff calls it): every matrix
 * gets the same bits as alone, and OpenBLAS stays on one thread. */
static void test_in_parallel(void **state) {
    (void)state;
    enum { NM = 6 };
    dense d[NM];
    ck_lowrank alone[NM], together[NM];
    int rc[NM];
    for (size_t i = 0; i < NM; i++) {
        dense_init(&d[i], 400 + 50 * i, 300);
        reseed(4242 + i);
        add_low_rank(&d[i], i + 1, 1.0);
        add_noise(&d[i], 1e-3);
        assert_int_equal(ck_lowrank_estimate(d[i].m, d[i].n, dense_rows, &d[i], 64, 9, &alone[i]), 0);
        assert_int_equal(alone[i].rank, (int)i + 1);
    }
#pragma omp parallel for num_threads(2) schedule(dynamic, 1)
    for (size_t i = 0; i < NM; i++)
        rc[i] = ck_lowrank_estimate(d[i].m, d[i].n, dense_rows_plain, &d[i], 64, 9, &together[i]);
    for (size_t i = 0; i < NM; i++) {
        assert_int_equal(rc[i], 0);
        assert_int_equal(together[i].rank, alone[i].rank);
        assert_memory_equal(together[i].sv, alone[i].sv, sizeof alone[i].sv);
        assert_memory_equal(&together[i].gap, &alone[i].gap, sizeof alone[i].gap);
        dense_free(&d[i]);
    }
    assert_int_equal(openblas_get_num_threads(), 1);
}

/* ===== the cliff alone ===== */

static void test_cliff(void **state) {
    (void)state;
    double gap = 0;
    /* k = 0: rank 0 (nothing), an infinite gap. */
    assert_int_equal(ck_lowrank_cliff(NULL, 0, 8, &gap), 0);
    assert_true(isinf(gap));
    /* k = 1: no ratio. */
    double one[] = {3};
    assert_int_equal(ck_lowrank_cliff(one, 1, 8, &gap), -1);
    assert_true(isnan(gap));
    double zero1[] = {0};
    assert_int_equal(ck_lowrank_cliff(zero1, 1, 8, &gap), 0);
    assert_true(isinf(gap));
    /* All zeros. */
    double zeros[] = {0, 0, 0, 0};
    assert_int_equal(ck_lowrank_cliff(zeros, 4, 8, &gap), 0);
    assert_true(isinf(gap) && gap > 0);
    /* A clear cliff, and the same below min_gap. */
    double c2[] = {1, 0.5, 0.01, 0.005};
    assert_int_equal(ck_lowrank_cliff(c2, 4, 8, &gap), 2);
    assert_true(gap == 50);
    assert_int_equal(ck_lowrank_cliff(c2, 4, 51, &gap), -1);
    assert_true(gap == 50);
    /* Ties: the first. */
    double ties[] = {8, 4, 2, 1};
    assert_int_equal(ck_lowrank_cliff(ties, 4, 8, &gap), -1);
    assert_true(gap == 2);
    assert_int_equal(ck_lowrank_cliff(ties, 4, 2, &gap), 1);
    double ties10[] = {1000, 100, 10, 1};
    assert_int_equal(ck_lowrank_cliff(ties10, 4, 8, &gap), 1);
    assert_true(gap == 10);
    /* Exact zeros: the first zero, an infinite gap, over any finite ratio. */
    double ex[] = {1e6, 1, 0.5, 0, 0};
    assert_int_equal(ck_lowrank_cliff(ex, 5, 8, &gap), 3);
    assert_true(isinf(gap));
    double first[] = {5, 0, 3, 0}; /* not descending: still the first */
    assert_int_equal(ck_lowrank_cliff(first, 4, 8, &gap), 1);
    double ex1[] = {2, 0};
    assert_int_equal(ck_lowrank_cliff(ex1, 2, 8, &gap), 1);
    assert_true(isinf(gap));
    /* Exactly min_gap counts. */
    double at8[] = {8, 1, 0.9};
    assert_int_equal(ck_lowrank_cliff(at8, 3, 8, &gap), 1);
    assert_true(gap == 8);
    /* NaN is no ratio. */
    double nan[] = {NAN, 1, 0.01};
    assert_int_equal(ck_lowrank_cliff(nan, 3, 8, &gap), 2);
    assert_true(gap == 100);
    /* gap may be NULL. */
    assert_int_equal(ck_lowrank_cliff(c2, 4, 8, NULL), 2);
}

/* ===== the corpus: a rank-4 fine-tune stored in BF16 ===== */

typedef struct bf16_delta {
    const uint8_t *a, *b;      /* base, fine-tune: little-endian BF16 */
    size_t n;
} bf16_delta;

static double bf16_at(const uint8_t *p, size_t i) {
    uint32_t bits = (uint32_t)(p[2 * i] | (unsigned)p[2 * i + 1] << 8) << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static int delta_rows(void *ctx, size_t r0, size_t nr, double *out) {
    const bf16_delta *d = ctx;
    for (size_t i = 0; i < nr * d->n; i++) {
        size_t at = r0 * d->n + i;
        out[i] = bf16_at(d->b, at) - bf16_at(d->a, at);
    }
    return 0;
}

static const ck_tensor *tensor(const ck_model *m, const char *name) {
    const ck_tensor *t = ck_model_tensor(m, name, strlen(name));
    assert_non_null(t);
    assert_int_equal(t->dtype, CK_DT_BF16);
    assert_int_equal(t->rank, 2);
    return t;
}

static void test_corpus_delta(void **state) {
    (void)state;
    char *base_path = path_join2(g_corpus, "safetensors/hf-bf16.safetensors");
    char *ft_path = path_join2(g_corpus, "safetensors/ft-bf16.safetensors");
    char *ref_path = path_join2(g_corpus, "safetensors/ft-bf16.safetensors.ref.json");
    json_error_t err;
    json_t *ref = json_load_file(ref_path, 0, &err);
    if (!ref) fail_msg("%s: %s", ref_path, err.text);
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_model *base = NULL, *ft = NULL;
    assert_int_equal(ck_model_open(&base, base_path, &d), CK_OK);
    assert_int_equal(ck_model_open(&ft, ft_path, &d), CK_OK);

    static const char *names[] = {"model.layers.0.self_attn.k_proj.weight",
                                  "model.layers.0.mlp.down_proj.weight"};
    for (size_t t = 0; t < 2; t++) {
        const ck_tensor *ta = tensor(base, names[t]), *tb = tensor(ft, names[t]);
        assert_int_equal(ta->shape[0], tb->shape[0]);
        assert_int_equal(ta->shape[1], tb->shape[1]);
        size_t m = (size_t)ta->shape[0], n = (size_t)ta->shape[1];

        /* The reference: every singular value of the whole delta. */
        json_t *svd = NULL, *rt;
        size_t i;
        json_array_foreach(json_object_get(ref, "tensors"), i, rt) {
            if (strcmp(json_string_value(json_object_get(rt, "name")), names[t]) == 0)
                svd = json_object_get(json_object_get(rt, "vs_base"), "delta_svd");
        }
        assert_non_null(svd);
        json_t *jsv = json_object_get(svd, "singular_values");
        size_t nsv = json_array_size(jsv);
        assert_int_equal(nsv, m < n ? m : n);
        double *want = malloc(nsv * sizeof *want);
        assert_non_null(want);
        for (i = 0; i < nsv; i++) want[i] = json_real_value(json_array_get(jsv, i));
        int want_rank = (int)json_integer_value(json_object_get(svd, "largest_gap_rank"));
        assert_int_equal(want_rank, 4);

        /* The cliff of the exact spectrum is the largest gap. */
        double gap;
        assert_int_equal(ck_lowrank_cliff(want, nsv, 8, &gap), want_rank);
        assert_true(gap > 30);

        bf16_delta dd = {ck_tensor_data(base, ta), ck_tensor_data(ft, tb), n};
        ck_lowrank lr;
        assert_int_equal(ck_lowrank_estimate(m, n, delta_rows, &dd, 64, 1, &lr), 0);
        assert_int_equal(lr.k, 64);
        if (lr.rank != want_rank) fail_msg("%s: rank %d (gap %g)", names[t], lr.rank, lr.gap);
        assert_true(lr.gap >= 8);
        for (i = 0; i < 4; i++) assert_rel(lr.sv[i], want[i], 1e-6, names[t], i);
        /* The noise floor is under-estimated, never over. */
        for (i = 4; i < lr.k; i++) assert_true(lr.sv[i] <= want[i] * (1 + 1e-9));
        free(want);
    }
    ck_model_free(ft);
    ck_model_free(base);
    ck_diag_free(&d);
    json_decref(ref);
    free(ref_path);
    free(ft_path);
    free(base_path);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_rank),
        cmocka_unit_test(test_complete_spectrum),
        cmocka_unit_test(test_rank_plus_noise),
        cmocka_unit_test(test_full_rank),
        cmocka_unit_test(test_zero_and_empty),
        cmocka_unit_test(test_exact_zeros),
        cmocka_unit_test(test_wide_blocks),
        cmocka_unit_test(test_rows_failing),
        cmocka_unit_test(test_repeatable),
        cmocka_unit_test(test_cliff),
        cmocka_unit_test(test_corpus_delta),
        cmocka_unit_test(test_in_parallel),
    };
    return cmocka_run_group_tests_name("lowrank", tests, NULL, NULL) ? 1 : 0;
}
