/* Unit tests: the k-quant encoders (quant_kquant.c).
 *
 * The reference is llama-quantize's own output in the corpus: every Q2_K ..
 * Q6_K tensor of every corpus GGUF made without an importance matrix is
 * re-encoded here from corpus-f32.gguf and compared with it, block by block
 * and by SNR against the F32 original. Hand-worked blocks (all zero, all
 * equal, one outlier, a NaN sub-block) check the encoders against values
 * worked out by hand, and random normal data checks the quality of each
 * type.
 */
#include "unit.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>

#include "bytes.h"
#include "ckpt/model.h"
#include "core/dequant.h"
#include "core/quant.h"

#define QK_K 256

typedef void (*dequant_fn)(const uint8_t *restrict, float *restrict, size_t);

typedef struct kq_type {
    ck_dtype dtype;
    size_t block_bytes;
    ck_quant_fn enc;
    dequant_fn dec;
    bool symmetric;   /* no min (Q3_K, Q6_K): test_equal_values and test_one_outlier are exact */
    double snr_lo;    /* expected SNR range (dB) on the normal data of test_random_normal */
    double snr_hi;
    size_t corpus_tensors;  /* tensors of this type in the corpus files made without imatrix */
} kq_type;

static const kq_type TYPES[] = {
    {CK_DT_Q2_K, 84, ck_q_q2_k, ck_dq_q2_k, false, 9.5, 11.5, 5},
    {CK_DT_Q3_K, 110, ck_q_q3_k, ck_dq_q3_k, true, 15.3, 17.3, 7},
    {CK_DT_Q4_K, 144, ck_q_q4_k, ck_dq_q4_k, false, 21.9, 23.9, 9},
    {CK_DT_Q5_K, 176, ck_q_q5_k, ck_dq_q5_k, false, 27.8, 29.8, 7},
    {CK_DT_Q6_K, 210, ck_q_q6_k, ck_dq_q6_k, true, 33.9, 35.9, 23},
};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])

static const kq_type *type_of(ck_dtype d) {
    for (size_t k = 0; k < NTYPES; k++)
        if (TYPES[k].dtype == d) return &TYPES[k];
    return NULL;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

/* 10 log10(sum x^2 / sum (x - y)^2), in double; +inf when y == x. */
static double snr_db(const float *x, const float *y, size_t n) {
    double sx = 0, se = 0;
    for (size_t i = 0; i < n; i++) {
        const double e = (double)x[i] - (double)y[i];
        sx += (double)x[i] * (double)x[i];
        se += e * e;
    }
    return se == 0 ? INFINITY : 10.0 * log10(sx / se);
}

/* Encode nblocks blocks of x with t, decode them into y; returns the bytes. */
static uint8_t *roundtrip(const kq_type *t, const float *x, float *y, size_t nblocks) {
    uint8_t *q = xmalloc(nblocks * t->block_bytes);
    memset(q, 0xA5, nblocks * t->block_bytes);  /* so that unwritten bytes show */
    t->enc(x, q, nblocks);
    t->dec(q, y, nblocks);
    return q;
}

/* ===== against llama-quantize ===== */

typedef struct type_tally {
    size_t tensors, identical_tensors, blocks, identical_blocks;
} type_tally;

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The corpus GGUF files, sorted by name (malloc'd paths, *n of them). */
static char **corpus_files(size_t *n) {
    char *dir = path_join2(g_corpus, "gguf");
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    char **names = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dh))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".gguf") != 0) continue;
        if (cnt == cap) {
            cap = cap ? 2 * cap : 32;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[cnt++] = path_join2(dir, e->d_name);
    }
    closedir(dh);
    free(dir);
    qsort(names, cnt, sizeof *names, cmp_str);
    *n = cnt;
    return names;
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Re-encode one llama-quantize tensor t of m from the F32 original. */
static void check_tensor(const ck_model *f32, const ck_model *m, const ck_tensor *t, const kq_type *kt,
                         const char *file, type_tally *tally) {
    const ck_tensor *o = ck_model_tensor(f32, t->name, t->name_len);
    assert_non_null(o);
    assert_int_equal(o->dtype, CK_DT_F32);
    assert_int_equal(o->nelems, t->nelems);
    assert_int_equal(t->nelems % QK_K, 0);
    const size_t nb = (size_t)(t->nelems / QK_K), n = (size_t)t->nelems;
    assert_int_equal(t->nbytes, nb * kt->block_bytes);

    float *x = xmalloc(n * sizeof *x);
    memcpy(x, ck_tensor_data(f32, o), n * sizeof *x);
    float *ours = xmalloc(n * sizeof *ours), *theirs = xmalloc(n * sizeof *theirs);
    uint8_t *q = roundtrip(kt, x, ours, nb);
    const uint8_t *ref = ck_tensor_data(m, t);
    kt->dec(ref, theirs, nb);

    size_t same = 0;
    for (size_t b = 0; b < nb; b++)
        same += memcmp(q + b * kt->block_bytes, ref + b * kt->block_bytes, kt->block_bytes) == 0;
    const double s_ours = snr_db(x, ours, n), s_ref = snr_db(x, theirs, n);
    print_message("%-20s %-25s %-5s %8.3f %8.3f  %zu/%zu blocks identical\n", file, t->name,
                  ck_dtype_name(t->dtype), s_ours, s_ref, same, nb);
    /* The bar: never more than 0.1 dB worse than llama-quantize. */
    if (!(s_ours >= s_ref - 0.1))
        fail_msg("%s %s: SNR %.3f dB, llama-quantize %.3f dB", file, t->name, s_ours, s_ref);

    tally->tensors++;
    tally->identical_tensors += same == nb;
    tally->blocks += nb;
    tally->identical_blocks += same;
    free(q);
    free(x);
    free(ours);
    free(theirs);
}

static void check_file(const ck_model *f32, const char *path, type_tally *tallies) {
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_model *m = NULL;
    assert_int_equal(ck_model_open(&m, path, &d), CK_OK);
    /* An imatrix changes the algorithm (quantize_row_q*_K_impl): not ours. */
    if (!ck_model_kv(m, "quantize.imatrix.file")) {
        for (size_t i = 0; i < m->n_tensors; i++) {
            const kq_type *kt = type_of(m->tensors[i].dtype);
            if (kt) check_tensor(f32, m, &m->tensors[i], kt, base_name(path), &tallies[kt - TYPES]);
        }
    }
    ck_model_free(m);
    ck_diag_free(&d);
}

static void test_corpus_llama_quantize(void **state) {
    (void)state;
    char *f32path = path_join2(g_corpus, "gguf/corpus-f32.gguf");
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_model *f32 = NULL;
    assert_int_equal(ck_model_open(&f32, f32path, &d), CK_OK);

    type_tally tallies[NTYPES];
    memset(tallies, 0, sizeof tallies);
    size_t nfiles;
    char **files = corpus_files(&nfiles);
    print_message("%-20s %-25s %-5s %8s %8s\n", "file", "tensor", "type", "ours", "llama");
    for (size_t i = 0; i < nfiles; i++) {
        check_file(f32, files[i], tallies);
        free(files[i]);
    }
    free(files);

    for (size_t k = 0; k < NTYPES; k++) {
        const type_tally *c = &tallies[k];
        print_message("%s: %zu/%zu tensors, %zu/%zu blocks byte-identical\n", ck_dtype_name(TYPES[k].dtype),
                      c->identical_tensors, c->tensors, c->identical_blocks, c->blocks);
        /* The corpus (llama.cpp c392e50, README) has this many of each:
         * fewer means tensors went unchecked. */
        assert_true(c->tensors >= TYPES[k].corpus_tensors);
        /* Every block of every type is llama-quantize's, byte for byte. */
        assert_int_equal(c->identical_blocks, c->blocks);
    }
    ck_model_free(f32);
    ck_diag_free(&d);
    free(f32path);
}

/* ===== hand-worked blocks ===== */

/* All zero: ggml writes an all-zero block for every k-quant (scales, d and
 * dmin 0; the fits leave every quant 0). */
static void test_zero_block(void **state) {
    (void)state;
    float x[2 * QK_K] = {0}, y[2 * QK_K];
    for (size_t k = 0; k < NTYPES; k++) {
        uint8_t *q = roundtrip(&TYPES[k], x, y, 2);
        for (size_t i = 0; i < 2 * TYPES[k].block_bytes; i++)
            if (q[i]) fail_msg("%s: byte %zu of a zero block is %#x", ck_dtype_name(TYPES[k].dtype), i, q[i]);
        for (size_t i = 0; i < 2 * QK_K; i++) assert_true(y[i] == 0.0f);
        free(q);
    }
}

/* |y - x| <= tol for every value, with the first failure reported. */
static void assert_close(const kq_type *t, const char *what, const float *x, const float *y, size_t n,
                         double tol) {
    for (size_t i = 0; i < n; i++)
        if (!(fabs((double)y[i] - (double)x[i]) <= tol))
            fail_msg("%s, %s: value %zu decodes to %.9g, not %.9g (tolerance %g)", ck_dtype_name(t->dtype),
                     what, i, (double)y[i], (double)x[i], tol);
}

/* All 256 values equal to c. With no min (Q3_K, Q6_K) the fit puts c on the
 * end of the grid: scale c / -nmax with an f16 super-scale that is a power
 * of two when c is, so c comes back exactly. With a min (Q2_K, Q4_K, Q5_K)
 * c > 0 is q_max * (f16 d) * 6-bit or 4-bit scale, and c < 0 is the min
 * alone (the min-max range is empty, the scale 0): either way c to within
 * f16 rounding, a relative 2^-11, taken here as 2^-10. That holds while d
 * (c / 945 for Q4_K, c / 1953 for Q5_K) is a normal f16, c >= 0.12: below
 * that d is subnormal and coarser (all 0.001 comes back as 0.0010139 in
 * Q4_K: a limit of the format, not of the fit). */
static void test_equal_values(void **state) {
    (void)state;
    static const float cs[] = {0.5f, -0.25f, 2.0f, -4.0f, 0.3f, -0.7f, 0.15f};
    float x[QK_K], y[QK_K];
    for (size_t k = 0; k < NTYPES; k++) {
        const kq_type *t = &TYPES[k];
        for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
            for (int i = 0; i < QK_K; i++) x[i] = cs[c];
            free(roundtrip(t, x, y, 1));
            const bool pow2 = cs[c] == ldexpf(copysignf(1.0f, cs[c]), ilogbf(cs[c]));
            char what[32];
            snprintf(what, sizeof what, "all %g", (double)cs[c]);
            assert_close(t, what, x, y, QK_K, t->symmetric && pow2 ? 0.0 : fabs(cs[c]) / 1024);
        }
    }
}

/* Zeros and one outlier 1.0 (at 37: second sub-block of 16, second of 32).
 * The sub-blocks without it fit nothing (scale 0); the one with it puts
 * 1.0 on the end of its grid. Q3_K and Q6_K store 1.0 exactly (scales
 * -1/4 and -1/32 quantized to -32 and -128 under f16 2^-7 and 2^-12), and
 * the zeros as quant 0 of the grid. Q2_K, Q4_K and Q5_K give 1.0 to within
 * f16 rounding of d and the zeros exactly (the fitted min is 0). */
static void test_one_outlier(void **state) {
    (void)state;
    float x[QK_K] = {0}, y[QK_K];
    x[37] = 1.0f;
    for (size_t k = 0; k < NTYPES; k++) {
        const kq_type *t = &TYPES[k];
        free(roundtrip(t, x, y, 1));
        assert_close(t, "outlier", x, y, QK_K, t->symmetric ? 0.0 : 1.0 / 1024);
        for (int i = 0; i < QK_K; i++)
            if (i != 37) assert_true(y[i] == 0.0f);
    }
}

/* ===== random data ===== */

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* n values of normal(0, sigma), Box-Muller from a fixed seed. */
static void fill_normal(float *x, size_t n, float sigma, uint64_t seed) {
    uint64_t s = seed;
    for (size_t i = 0; i < n; i += 2) {
        const double u1 = ((double)(rng_next(&s) >> 11) + 1.0) / 9007199254740993.0;
        const double u2 = (double)(rng_next(&s) >> 11) / 9007199254740992.0;
        const double r = sqrt(-2.0 * log(u1));
        x[i] = (float)(sigma * r * cos(2 * M_PI * u2));
        if (i + 1 < n) x[i + 1] = (float)(sigma * r * sin(2 * M_PI * u2));
    }
}

/* Values 32..63 NaN: in ggml's reference every comparison with a NaN is
 * false, so those sub-blocks never set a super-scale, get scale 0 (their
 * NaN scales round to 0 through nearest_int's bit trick) and quants 0: the
 * block is the one with zeros there instead. The other sub-blocks fitted
 * alongside a NaN take the exact slow path of the encoder (the fast
 * rounding needs finite data), those of the zero block the fast one: this
 * also checks that the two agree. */
static void test_nan_subblock(void **state) {
    (void)state;
    float x[QK_K], z[QK_K], y[QK_K];
    fill_normal(z, QK_K, 0.02f, 42);
    memcpy(x, z, sizeof x);
    for (int i = 32; i < 64; i++) {
        x[i] = NAN;
        z[i] = 0.0f;
    }
    for (size_t k = 0; k < NTYPES; k++) {
        const kq_type *t = &TYPES[k];
        uint8_t *qn = roundtrip(t, x, y, 1);
        uint8_t *qz = roundtrip(t, z, y, 1);
        if (memcmp(qn, qz, t->block_bytes) != 0)
            fail_msg("%s: a NaN sub-block is not encoded as a zero one", ck_dtype_name(t->dtype));
        free(qn);
        free(qz);
    }
}

/* Normal data: the SNR of each type in its expected range (about 6 dB a
 * bit, less the cost of the scales), the same at any scale of the data,
 * and blocks encoded together the same as one by one. */
static void test_random_normal(void **state) {
    (void)state;
    enum { NB = 64, N = NB * QK_K };
    float *x = xmalloc(N * sizeof *x), *y = xmalloc(N * sizeof *y);
    fill_normal(x, N, 1.0f, 0x9E3779B97F4A7C15ULL);
    for (size_t k = 0; k < NTYPES; k++) {
        const kq_type *t = &TYPES[k];
        uint8_t *q = roundtrip(t, x, y, NB);
        const double s = snr_db(x, y, N);
        print_message("%s on normal(0, 1): %.2f dB\n", ck_dtype_name(t->dtype), s);
        if (!(s >= t->snr_lo && s <= t->snr_hi))
            fail_msg("%s: SNR %.2f dB outside %.1f..%.1f", ck_dtype_name(t->dtype), s, t->snr_lo, t->snr_hi);
        uint8_t *one = xmalloc(t->block_bytes);
        for (size_t b = 0; b < NB; b++) {
            t->enc(x + b * QK_K, one, 1);
            assert_memory_equal(one, q + b * t->block_bytes, t->block_bytes);
        }
        free(one);
        free(q);
    }
    /* At weight scale (0.02) the SNR stays in the same range: d and dmin
     * are f16 and keep their relative precision there. */
    for (size_t i = 0; i < N; i++) x[i] *= 0.02f;
    for (size_t k = 0; k < NTYPES; k++) {
        const kq_type *t = &TYPES[k];
        free(roundtrip(t, x, y, NB));
        const double s = snr_db(x, y, N);
        print_message("%s on normal(0, 0.02): %.2f dB\n", ck_dtype_name(t->dtype), s);
        if (!(s >= t->snr_lo && s <= t->snr_hi))
            fail_msg("%s at sigma 0.02: SNR %.2f dB outside %.1f..%.1f", ck_dtype_name(t->dtype), s, t->snr_lo,
                     t->snr_hi);
    }
    free(x);
    free(y);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_llama_quantize),
        cmocka_unit_test(test_zero_block),
        cmocka_unit_test(test_equal_values),
        cmocka_unit_test(test_one_outlier),
        cmocka_unit_test(test_nan_subblock),
        cmocka_unit_test(test_random_normal),
    };
    return cmocka_run_group_tests_name("quant_kquant", tests, NULL, NULL) ? 1 : 0;
}
