/* Unit tests: the encoders of quant_float.c, quant_legacy.c, quant_nl.c and
 * their SIMD variants (quant_avx2.c).
 *
 *  - corpus: every F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, IQ4_XS,
 *    TQ1_0, TQ2_0 tensor llama-quantize wrote into the reference corpus, and
 *    the MXFP4 tensors of the newer ggml, is encoded again from the F32
 *    original and must come out byte for byte the same;
 *  - blocks worked out by hand (or by a small independent formula here),
 *    with the edge cases: all zeros, a negative extreme, ties;
 *  - a round trip through the decoders lands in the expected SNR range;
 *  - f16 and bfloat16 rounding, exhaustively where that is cheap, and
 *    against the CPU's own F16C conversion on random bit patterns;
 *  - the SIMD kernels against the scalar ones on random and nasty inputs.
 *
 * The encoders are called directly, not through ck_quant_kernel.
 */
#include "unit.h"

#include <math.h>

#include "bytes.h"
#include "corpus_model.h"
#include "ckpt/model.h"
#include "core/cpu.h"
#include "core/dequant.h"
#include "core/iq_grids.h"
#include "core/quant.h"
#include "core/quant_simd.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

/* ===== the encoders under test ===== */

typedef struct qtype {
    ck_dtype dtype;
    const char *name;
    ck_quant_fn enc;
    ck_dequant_fn dec;
    int elems, bytes; /* a block */
} qtype;

static const qtype qtypes[] = {
    {CK_DT_F32, "F32", ck_q_f32, ck_dq_f32, 1, 4},
    {CK_DT_F16, "F16", ck_q_f16, ck_dq_f16, 1, 2},
    {CK_DT_BF16, "BF16", ck_q_bf16, ck_dq_bf16, 1, 2},
    {CK_DT_Q4_0, "Q4_0", ck_q_q4_0, ck_dq_q4_0, 32, 18},
    {CK_DT_Q4_1, "Q4_1", ck_q_q4_1, ck_dq_q4_1, 32, 20},
    {CK_DT_Q5_0, "Q5_0", ck_q_q5_0, ck_dq_q5_0, 32, 22},
    {CK_DT_Q5_1, "Q5_1", ck_q_q5_1, ck_dq_q5_1, 32, 24},
    {CK_DT_Q8_0, "Q8_0", ck_q_q8_0, ck_dq_q8_0, 32, 34},
    {CK_DT_IQ4_NL, "IQ4_NL", ck_q_iq4_nl, ck_dq_iq4_nl, 32, 18},
    {CK_DT_IQ4_XS, "IQ4_XS", ck_q_iq4_xs, ck_dq_iq4_xs, 256, 136},
    {CK_DT_TQ1_0, "TQ1_0", ck_q_tq1_0, ck_dq_tq1_0, 256, 54},
    {CK_DT_TQ2_0, "TQ2_0", ck_q_tq2_0, ck_dq_tq2_0, 256, 66},
    {CK_DT_MXFP4, "MXFP4", ck_q_mxfp4, ck_dq_mxfp4, 32, 17},
};
#define NQTYPES (sizeof qtypes / sizeof qtypes[0])

static const qtype *qtype_of(ck_dtype d) {
    for (size_t i = 0; i < NQTYPES; i++)
        if (qtypes[i].dtype == d) return &qtypes[i];
    return NULL;
}

/* Encode n floats (whole blocks) into a fresh buffer. */
static uint8_t *encode(const qtype *q, const float *x, size_t n) {
    const size_t nb = n / (size_t)q->elems;
    uint8_t *out = malloc(nb * (size_t)q->bytes + 1);
    assert_non_null(out);
    q->enc(x, out, nb);
    return out;
}

/* ===== small helpers ===== */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static double uniform(void) { return (double)(rnd() >> 11) * 0x1p-53; }

static float normal(void) {
    const double u = uniform() + 0x1p-60, v = uniform();
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

static float f32_of(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* 10 log10(sum x^2 / sum (x - y)^2) */
static double snr_db(const float *x, const float *y, size_t n) {
    double s = 0, e = 0;
    for (size_t i = 0; i < n; i++) {
        s += (double)x[i] * x[i];
        e += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
    }
    return 10.0 * log10(s / e);
}

/* ===== 1. the reference corpus ===== */

/* Files of llama-quantize (c392e50) made without an importance matrix, and
 * the newer ggml's corpus-newtypes (MXFP4). The corpus-imx-* files are left
 * out: their IQ4_NL fallback tensor was quantized with an imatrix. */
static const char *const corpus_files[] = {
    "corpus-F16.gguf",   "corpus-BF16.gguf",  "corpus-Q8_0.gguf",   "corpus-Q4_0.gguf",
    "corpus-Q4_1.gguf",  "corpus-Q5_0.gguf",  "corpus-Q5_1.gguf",   "corpus-IQ4_NL.gguf",
    "corpus-IQ4_XS.gguf", "corpus-TQ1_0.gguf", "corpus-TQ2_0.gguf", "corpus-Q2_K.gguf",
    "corpus-Q3_K_M.gguf", "corpus-Q4_K_M.gguf", "corpus-Q5_K_M.gguf", "corpus-Q6_K.gguf",
    "corpus-IQ3_XS.gguf", "corpus-newtypes.gguf",
};

typedef struct tally {
    size_t tensors, blocks, diff_blocks;
} tally;

static ck_model *open_model(const char *file) {
    char *dir = path_join2(g_corpus, "gguf");
    ck_model *m = open_model_in(dir, file);
    free(dir);
    return m;
}

/* The F32 original of a stored tensor: the same name, up to ".weight"
 * (corpus-newtypes appends ".mxfp4" and the like). */
static const ck_tensor *original_of(const ck_model *f32, const ck_tensor *t) {
    const char *w = strstr(t->name, ".weight");
    const size_t len = w ? (size_t)(w - t->name) + strlen(".weight") : t->name_len;
    const ck_tensor *o = ck_model_tensor(f32, t->name, len);
    if (!o) fail_msg("no F32 original for %s", t->name);
    assert_int_equal(o->dtype, CK_DT_F32);
    assert_int_equal(o->nelems, t->nelems);
    return o;
}

/* Encode every tensor of m that ckpt can encode from its original and
 * count the blocks that differ from the stored bytes. */
static void check_corpus_file(const ck_model *f32, const char *file, tally *tallies) {
    ck_model *m = open_model(file);
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        const qtype *q = qtype_of(t->dtype);
        if (!q) continue;
        const ck_tensor *o = original_of(f32, t);
        /* the corpus is little-endian and the mapping may be unaligned */
        float *x = malloc(o->nelems * sizeof *x);
        assert_non_null(x);
        memcpy(x, ck_tensor_data(f32, o), o->nelems * sizeof *x);
        uint8_t *got = encode(q, x, o->nelems);
        const uint8_t *want = ck_tensor_data(m, t);
        const size_t nb = t->nelems / (size_t)q->elems;
        assert_int_equal(t->nbytes, nb * (size_t)q->bytes);
        tally *ty = &tallies[q - qtypes];
        size_t diff = 0;
        for (size_t b = 0; b < nb; b++)
            diff += memcmp(got + b * q->bytes, want + b * q->bytes, (size_t)q->bytes) != 0;
        if (diff) print_message("%s: %s (%s): %zu of %zu blocks differ\n", file, t->name, q->name, diff, nb);
        ty->tensors++;
        ty->blocks += nb;
        ty->diff_blocks += diff;
        free(got);
        free(x);
    }
    ck_model_free(m);
}

static void test_corpus_identical(void **state) {
    (void)state;
    ck_model *f32 = open_model("corpus-f32.gguf");
    tally tallies[NQTYPES] = {{0, 0, 0}};
    for (size_t f = 0; f < sizeof corpus_files / sizeof corpus_files[0]; f++)
        check_corpus_file(f32, corpus_files[f], tallies);
    ck_model_free(f32);
    /* tensors of each type in those files (README's table, fallbacks included) */
    static const struct { ck_dtype d; size_t tensors; } expect[] = {
        {CK_DT_F16, 9},    {CK_DT_BF16, 9},   {CK_DT_Q8_0, 12},   {CK_DT_Q4_0, 10},
        {CK_DT_Q4_1, 8},   {CK_DT_Q5_0, 9},   {CK_DT_Q5_1, 8},    {CK_DT_IQ4_NL, 11},
        {CK_DT_IQ4_XS, 7}, {CK_DT_TQ1_0, 6},  {CK_DT_TQ2_0, 6},   {CK_DT_MXFP4, 3},
    };
    size_t bad = 0;
    for (size_t i = 0; i < NQTYPES; i++) {
        print_message("%-7s %3zu tensors %7zu blocks, %zu differ\n", qtypes[i].name, tallies[i].tensors,
                      tallies[i].blocks, tallies[i].diff_blocks);
        bad += tallies[i].diff_blocks;
    }
    for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++)
        assert_int_equal(tallies[qtype_of(expect[k].d) - qtypes].tensors, expect[k].tensors);
    assert_int_equal(bad, 0);
}

/* ===== 2. blocks worked out by hand ===== */

/* Encode one block of q's type from x (q->elems floats) and compare with
 * the expected bytes. */
static void expect_block(ck_dtype d, const float *x, const uint8_t *want) {
    const qtype *q = qtype_of(d);
    uint8_t got[256];
    q->enc(x, got, 1);
    assert_memory_equal(got, want, (size_t)q->bytes);
}

/* Q8_0 with amax 127: d = 1 exactly, so q = roundf(x), half away from 0. */
static void test_q8_0_by_hand(void **state) {
    (void)state;
    float x[32] = {127, -127, 0, 2.5f, -2.5f, 0.49999997f, 1.5f, 100.4f, -0.5f, 0.5f, 126.5f, -126.49f, 3, -3, -0.0f};
    uint8_t want[34] = {0x00, 0x3C}; /* f16 1.0 */
    const int8_t q[15] = {127, -127, 0, 3, -3, 0, 2, 100, -1, 1, 127, -126, 3, -3, 0};
    for (int j = 0; j < 15; j++) want[2 + j] = (uint8_t)q[j];
    expect_block(CK_DT_Q8_0, x, want);

    /* amax 1: d = 1/127, f16 0x2008 (2^-7 * (1 + 8/1024) is the nearest);
     * x = k/32 gives q = round(127 k / 32), no ties for k != +-16. */
    float y[32];
    uint8_t want2[34] = {0x08, 0x20};
    y[0] = 1.0f;
    want2[2] = 127;
    for (int j = 1; j < 32; j++) {
        const int k = (j * 37) % 63 - 31;
        y[j] = (float)(k == 16 || k == -16 ? 0 : k) / 32.0f;
        want2[2 + j] = (uint8_t)(int8_t)lround(127.0 * y[j]);
    }
    expect_block(CK_DT_Q8_0, y, want2);

    /* all zeros: d = 0 and id = 0, so every q is 0 */
    float z[32] = {0};
    uint8_t want0[34] = {0};
    expect_block(CK_DT_Q8_0, z, want0);
}

/* Q4_0 and Q5_0: d = max / -8 (-16), max the signed element of largest
 * magnitude, the first of equals; q = MIN(top, (int8_t)(x/d + 8.5)). */
static void test_q4_0_q5_0_by_hand(void **state) {
    (void)state;
    /* max negative: -8 -> d = 1; +8 later ties in magnitude and loses */
    float a[32] = {-8, 7, 7.49f, 0, -0.5f, 8, 0.5f, -0.51f, 3.2f, -7.9f, -7.4f};
    const uint8_t qa[11] = {0, 15, 15, 8, 8, 15, 9, 7, 11, 0, 1};
    uint8_t codes[32];
    for (int j = 0; j < 32; j++) codes[j] = j < 11 ? qa[j] : 8; /* zeros -> 8 */
    uint8_t want[18] = {0x00, 0x3C};
    for (int j = 0; j < 16; j++) want[2 + j] = (uint8_t)(codes[j] | codes[j + 16] << 4);
    expect_block(CK_DT_Q4_0, a, want);

    /* max positive (the usual case): 4 -> d = -0.5 (f16 0xB800), x/d = -2x */
    float b[32] = {1, -1, 0.25f, 4, -4, -0.25f, 0.3f};
    const uint8_t qb[7] = {6, 10, 8, 0, 15, 9, 7};
    for (int j = 0; j < 32; j++) codes[j] = j < 7 ? qb[j] : 8;
    want[0] = 0x00, want[1] = 0xB8;
    for (int j = 0; j < 16; j++) want[2 + j] = (uint8_t)(codes[j] | codes[j + 16] << 4);
    expect_block(CK_DT_Q4_0, b, want);

    /* all zeros: max stays +0, so d = 0 / -8 = -0 (f16 0x8000, as ggml
     * writes it); id = 0 and every code is (int8_t)8.5 = 8 */
    float z[32] = {0};
    uint8_t want0[18] = {0x00, 0x80};
    memset(want0 + 2, 0x88, 16);
    expect_block(CK_DT_Q4_0, z, want0);

    /* Q5_0: -16 -> d = 1; codes (int8_t)(x + 16.5) clamped to 31. Element
     * 20 is 15.6: 32.1 truncates to 32 and is clamped. */
    float c[32] = {-16, 15, -15.5f, 0, 0.5f, -0.5f, 2.2f};
    c[20] = 15.6f;
    const uint8_t qc[7] = {0, 31, 1, 16, 17, 16, 18};
    uint8_t want5[22] = {0x00, 0x3C};
    uint32_t qh = 0;
    for (int j = 0; j < 32; j++) {
        codes[j] = j < 7 ? qc[j] : j == 20 ? 31 : 16;
        qh |= (uint32_t)(codes[j] >> 4) << j;
    }
    for (int k = 0; k < 4; k++) want5[2 + k] = (uint8_t)(qh >> (8 * k));
    for (int j = 0; j < 16; j++) want5[6 + j] = (uint8_t)((codes[j] & 15) | (codes[j + 16] & 15) << 4);
    expect_block(CK_DT_Q5_0, c, want5);

    /* Q5_0 zeros: d = -0; code 16 everywhere: nibbles 0, every qh bit set */
    uint8_t want50[22] = {0x00, 0x80, 0xFF, 0xFF, 0xFF, 0xFF};
    expect_block(CK_DT_Q5_0, z, want50);
}

/* Q4_1 and Q5_1: d = (max - min) / 15 (31), m = min; codes of
 * (x - min) / d + 0.5 truncated (Q4_1 clamps to 15). */
static void test_q4_1_q5_1_by_hand(void **state) {
    (void)state;
    float a[32];
    for (int j = 0; j < 32; j++) a[j] = 5.0f; /* code 6 */
    const float va[6] = {-1, 14, 0, 0.5f, 6.49f, 13.5f};
    const uint8_t qa[6] = {0, 15, 1, 2, 7, 15};
    for (int j = 0; j < 6; j++) a[3 * j] = va[j];
    uint8_t codes[32];
    for (int j = 0; j < 32; j++) codes[j] = 6;
    for (int j = 0; j < 6; j++) codes[3 * j] = qa[j];
    uint8_t want[20] = {0x00, 0x3C, 0x00, 0xBC}; /* d 1, m -1 */
    for (int j = 0; j < 16; j++) want[4 + j] = (uint8_t)(codes[j] | codes[j + 16] << 4);
    expect_block(CK_DT_Q4_1, a, want);

    /* all equal: d = 0, m = the value, codes 0 */
    float e[32];
    for (int j = 0; j < 32; j++) e[j] = -2.0f;
    uint8_t wante[20] = {0x00, 0x00, 0x00, 0xC0};
    expect_block(CK_DT_Q4_1, e, wante);

    /* Q5_1: min 0, max 31 -> d = 1, m = 0; 15.5 -> 16 (bit 4 in qh) */
    float b[32] = {0, 31, 15.5f, 15.49f, 1.5f, 30.6f};
    const uint8_t qb[6] = {0, 31, 16, 15, 2, 31};
    uint8_t want5[24] = {0x00, 0x3C, 0x00, 0x00};
    uint32_t qh = 0;
    for (int j = 0; j < 32; j++) {
        codes[j] = j < 6 ? qb[j] : 0;
        qh |= (uint32_t)(codes[j] >> 4) << j;
    }
    for (int k = 0; k < 4; k++) want5[4 + k] = (uint8_t)(qh >> (8 * k));
    for (int j = 0; j < 16; j++) want5[8 + j] = (uint8_t)((codes[j] & 15) | (codes[j + 16] & 15) << 4);
    expect_block(CK_DT_Q5_1, b, want5);
}

/* A group whose values are s times IQ4_NL levels, the level -127 among
 * them, is fitted exactly: the scale is s and the codes are the levels. */
static void iq4_exact_group(float *x, float s, unsigned seed, uint8_t codes[32]) {
    for (int j = 0; j < 32; j++) {
        codes[j] = (uint8_t)((j * 7 + seed) % 16);
        if (j == (int)(seed % 32)) codes[j] = 0;
        x[j] = s * (float)ck_kvalues_iq4nl[codes[j]];
    }
}

static void test_iq4_by_hand(void **state) {
    (void)state;
    float x[256];
    uint8_t codes[256];
    uint8_t want[136];

    /* IQ4_NL: d = s = 1/64 (f16 0x2400) */
    iq4_exact_group(x, 1.0f / 64, 5, codes);
    want[0] = 0x00, want[1] = 0x24;
    for (int j = 0; j < 16; j++) want[2 + j] = (uint8_t)(codes[j] | codes[j + 16] << 4);
    expect_block(CK_DT_IQ4_NL, x, want);

    /* zeros: d 0, every code 8 (level 1, the nearest to 0) */
    float z[256] = {0};
    uint8_t want0[18] = {0};
    memset(want0 + 2, 0x88, 16);
    expect_block(CK_DT_IQ4_NL, z, want0);

    /* IQ4_XS: groups with scales s * m; the largest, 16 s, sets
     * d = -16 s / 32 = -s / 2, and group g gets l = m / d = -2m, stored as
     * l + 32. A zero group gets l = 0 and codes 8. */
    const float s = 1.0f / 1024;
    const float m[8] = {16, 8, 4, 2, 1, 0.5f, 0, 3};
    uint8_t lstore[8];
    for (int g = 0; g < 8; g++) {
        if (m[g] != 0) {
            iq4_exact_group(x + 32 * g, s * m[g], (unsigned)(3 * g + 1), codes + 32 * g);
        } else {
            memset(x + 32 * g, 0, 32 * sizeof *x);
            memset(codes + 32 * g, 8, 32);
        }
        lstore[g] = (uint8_t)(32 - (int)(2 * m[g]));
    }
    memset(want, 0, sizeof want);
    want[0] = 0x00, want[1] = 0x90; /* f16 of -2^-11 */
    uint16_t sh = 0;
    for (int g = 0; g < 8; g++) {
        want[4 + g / 2] |= (uint8_t)((lstore[g] & 15) << (4 * (g % 2)));
        sh |= (uint16_t)((lstore[g] >> 4) << (2 * g));
    }
    want[2] = (uint8_t)sh, want[3] = (uint8_t)(sh >> 8);
    for (int g = 0; g < 8; g++)
        for (int j = 0; j < 16; j++)
            want[8 + 16 * g + j] = (uint8_t)(codes[32 * g + j] | codes[32 * g + j + 16] << 4);
    expect_block(CK_DT_IQ4_XS, x, want);

    /* IQ4_XS zeros: d = -0 / 32 = -0 (f16 0x8000), every l = 32 (scales_l
     * nibbles 0, scales_h 2 per group: 0xAAAA), codes 8 */
    uint8_t wantz[136] = {0x00, 0x80, 0xAA, 0xAA};
    memset(wantz + 8, 0x88, 128);
    expect_block(CK_DT_IQ4_XS, z, wantz);
}

/* Ternary: d = amax, trit = lroundf(x / d) + 1 (ties away from zero). */
static void test_ternary_by_hand(void **state) {
    (void)state;
    float x[256] = {0};
    uint8_t got1[54], got2[66];

    /* zeros: d 0; every trit 1. TQ1_0 byte of five 1s: 121 * 256 / 243
     * rounded up = 128; qh of four 1s, times 3: 120 -> 127. TQ2_0: 0x55. */
    ck_q_tq1_0(x, got1, 1);
    ck_q_tq2_0(x, got2, 1);
    for (int j = 0; j < 48; j++) assert_int_equal(got1[j], 128);
    for (int j = 48; j < 52; j++) assert_int_equal(got1[j], 127);
    assert_int_equal(rd16(got1 + 52), 0);
    for (int j = 0; j < 64; j++) assert_int_equal(got2[j], 0x55);
    assert_int_equal(rd16(got2 + 64), 0);

    /* all +0.5: d = 0.5 (f16 0x3800), trits 2: 242 -> 255, qh 240 -> 253,
     * TQ2_0 0xAA */
    for (int j = 0; j < 256; j++) x[j] = 0.5f;
    ck_q_tq1_0(x, got1, 1);
    ck_q_tq2_0(x, got2, 1);
    for (int j = 0; j < 48; j++) assert_int_equal(got1[j], 255);
    for (int j = 48; j < 52; j++) assert_int_equal(got1[j], 253);
    assert_int_equal(rd16(got1 + 52), 0x3800);
    for (int j = 0; j < 64; j++) assert_int_equal(got2[j], 0xAA);

    /* ties: amax 1; 0.5 -> +1, -0.5 -> -1 (lroundf away from zero), 0.49 -> 0.
     * Elements 0, 32, 64, 96, 128 make TQ1_0 byte 0 (first most
     * significant) and TQ2_0 byte 0 / 32 (two bits each). */
    memset(x, 0, sizeof x);
    x[255] = 1.0f;
    x[0] = 0.5f, x[32] = -0.5f, x[64] = 0.49f, x[96] = -1.0f, x[128] = 1.0f;
    ck_q_tq1_0(x, got1, 1);
    ck_q_tq2_0(x, got2, 1);
    const int t5 = ((((2 * 3 + 0) * 3 + 1) * 3 + 0) * 3 + 2); /* trits 2 0 1 0 2 */
    assert_int_equal(got1[0], (t5 * 256 + 242) / 243);
    assert_int_equal(got2[0], 2 | 0 << 2 | 1 << 4 | 0 << 6);
    assert_int_equal(got2[32], 2 | 1 << 2 | 1 << 4 | 1 << 6);
    /* element 255 is qh[3]'s last trit: (1*27 + 1*9 + 1*3 + 2) * 3 */
    assert_int_equal(got1[51], (41 * 3 * 256 + 242) / 243);

    /* both decode back to exactly the ternary values */
    float y[256];
    for (int j = 0; j < 256; j++) x[j] = (float)((int)(rnd() % 3) - 1) * 0.25f;
    x[17] = 0.25f;
    ck_q_tq1_0(x, got1, 1);
    ck_dq_tq1_0(got1, y, 1);
    assert_memory_equal(x, y, sizeof x);
    ck_q_tq2_0(x, got2, 1);
    ck_dq_tq2_0(got2, y, 1);
    assert_memory_equal(x, y, sizeof x);
}

/* MXFP4: amax 6 -> e = floor(log2 6) - 2 + 127 = 127, half scale 0.5, so
 * the levels are the E2M1 values 0, 0.5, 1, 1.5, 2, 3, 4, 6 and codes 8..15
 * their negatives; of two equally near levels the lower code wins. */
static void test_mxfp4_by_hand(void **state) {
    (void)state;
    float x[32] = {6, -6, 2.5f, -0.25f, 0.25f, 5, 1.2f, -3.4f, 0.75f, -0.0f};
    const uint8_t q[10] = {7, 15, 4, 0, 0, 6, 2, 13, 1, 0};
    uint8_t codes[32] = {0};
    memcpy(codes, q, sizeof q);
    uint8_t want[17] = {127};
    for (int j = 0; j < 16; j++) want[1 + j] = (uint8_t)(codes[j] | codes[j + 16] << 4);
    expect_block(CK_DT_MXFP4, x, want);

    float z[32] = {0};
    uint8_t want0[17] = {0};
    expect_block(CK_DT_MXFP4, z, want0);

    /* amax 8 sits exactly on a power of two: e = 3 - 2 + 127 = 128 */
    x[0] = 8.0f;
    uint8_t got[17];
    ck_q_mxfp4(x, got, 1);
    assert_int_equal(got[0], 128);
}

/* ===== 3. round trips ===== */

static void test_round_trip_snr(void **state) {
    (void)state;
    static const struct { ck_dtype d; double lo, hi; } range[] = {
        {CK_DT_F32, INFINITY, INFINITY}, {CK_DT_F16, 70, 80},     {CK_DT_BF16, 50, 60},
        {CK_DT_Q8_0, 40, 48},            {CK_DT_Q5_1, 26, 32},    {CK_DT_Q5_0, 23, 29},
        {CK_DT_Q4_1, 19, 25},            {CK_DT_Q4_0, 17, 23},    {CK_DT_IQ4_NL, 19, 24},
        {CK_DT_IQ4_XS, 19, 24},          {CK_DT_MXFP4, 15, 21},   {CK_DT_TQ1_0, 1, 4},
        {CK_DT_TQ2_0, 1, 4},
    };
    const size_t n = 256 * 64;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < n; i++) x[i] = 0.02f * normal();
    for (size_t k = 0; k < sizeof range / sizeof range[0]; k++) {
        const qtype *q = qtype_of(range[k].d);
        uint8_t *b = encode(q, x, n);
        q->dec(b, y, n / (size_t)q->elems);
        const double s = snr_db(x, y, n);
        print_message("round trip %-6s %.2f dB\n", q->name, s);
        if (!(s >= range[k].lo && s <= range[k].hi))
            fail_msg("%s: SNR %.2f dB outside [%g, %g]", q->name, s, range[k].lo, range[k].hi);
        free(b);
    }
    free(x);
    free(y);
}

/* ===== 4. f16 and bfloat16 rounding ===== */

/* Every f16 survives the trip through float32; a NaN comes back quiet. */
static void test_f16_every_value(void **state) {
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        const uint16_t got = ck_f32_to_f16(ck_f16_to_f32((uint16_t)h));
        const bool nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF);
        if (got != (nan ? (h | 0x200) : h)) fail_msg("f16 %04x came back as %04x", h, got);
    }
}

/* Between two neighbouring finite f16 values a < b (subnormals included),
 * the midpoint goes to the even one and anything off it to the nearer. */
static void test_f16_midpoints(void **state) {
    (void)state;
    for (uint16_t h = 0; h < 0x7BFF; h++) {
        const float a = ck_f16_to_f32(h), b = ck_f16_to_f32((uint16_t)(h + 1));
        const float mid = (a + b) / 2; /* exact: a float32 has the bits */
        const uint16_t even = (h & 1) ? (uint16_t)(h + 1) : h;
        assert_int_equal(ck_f32_to_f16(mid), even);
        assert_int_equal(ck_f32_to_f16(-mid), even | 0x8000);
        assert_int_equal(ck_f32_to_f16(nextafterf(mid, 0)), h);
        assert_int_equal(ck_f32_to_f16(nextafterf(mid, INFINITY)), h + 1);
    }
}

static void test_f16_edges(void **state) {
    (void)state;
    assert_int_equal(ck_f32_to_f16(65504.0f), 0x7BFF);
    assert_int_equal(ck_f32_to_f16(65519.99f), 0x7BFF);
    assert_int_equal(ck_f32_to_f16(65520.0f), 0x7C00); /* ties to the even 2^16 */
    assert_int_equal(ck_f32_to_f16(-65520.0f), 0xFC00);
    assert_int_equal(ck_f32_to_f16(1e30f), 0x7C00);
    assert_int_equal(ck_f32_to_f16(INFINITY), 0x7C00);
    assert_int_equal(ck_f32_to_f16(-INFINITY), 0xFC00);
    assert_int_equal(ck_f32_to_f16(0x1p-24f), 0x0001);
    assert_int_equal(ck_f32_to_f16(0x1p-25f), 0x0000);            /* tie to even 0 */
    assert_int_equal(ck_f32_to_f16(nextafterf(0x1p-25f, 1)), 1);  /* just above */
    assert_int_equal(ck_f32_to_f16(0x1.8p-24f), 0x0002);          /* 1.5 units: tie to 2 */
    assert_int_equal(ck_f32_to_f16(0x1.4p-24f), 0x0001);
    assert_int_equal(ck_f32_to_f16(0x1.ffcp-15f), 0x0400);        /* 1023.5 units: up to the least normal */
    assert_int_equal(ck_f32_to_f16(0x1.ff4p-15f), 0x03FE);        /* 1022.5 units: down to even */
    assert_int_equal(ck_f32_to_f16(-f32_of(1)), 0x8000);          /* float32 subnormal */
    assert_int_equal(ck_f32_to_f16(-0.0f), 0x8000);
    assert_int_equal(ck_f32_to_f16(1.0f + 0x1p-11f), 0x3C00);     /* tie to even */
    assert_int_equal(ck_f32_to_f16(1.0f + 0x1.8p-10f), 0x3C02);   /* tie to even, upward */
    assert_int_equal(ck_f32_to_f16(f32_of(0x7FC00000u)), 0x7E00);
    assert_int_equal(ck_f32_to_f16(f32_of(0xFF800001u)), 0xFE00); /* signalling: made quiet */
    assert_int_equal(ck_f32_to_f16(f32_of(0x7FBFE000u)), 0x7FFF); /* payload kept */
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) static uint16_t hw_f16(float f) { return (uint16_t)_cvtss_sh(f, 0); }

/* CPUID leaf 1, ECX bit 29 (clang's __builtin_cpu_supports has no "f16c"). */
static bool cpu_has_f16c(void) {
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c >> 29 & 1u);
}
#endif

/* ck_f32_to_f16 against the CPU's F16C on 50 million random patterns, and
 * every NaN payload. */
static void test_f16_vs_f16c(void **state) {
    (void)state;
#if defined(__x86_64__)
    if (!cpu_has_f16c()) {
        print_message("no F16C: skipped\n");
        return;
    }
    for (uint32_t i = 0; i < 50000000u; i++) {
        const float f = f32_of((uint32_t)(rnd() >> 32));
        if (ck_f32_to_f16(f) != hw_f16(f)) fail_msg("%08x: %04x, F16C %04x", bits_of(f), ck_f32_to_f16(f), hw_f16(f));
    }
    for (uint32_t m = 1; m < 0x800000u; m += 7) {
        const float f = f32_of(0xFF800000u | m);
        assert_int_equal(ck_f32_to_f16(f), hw_f16(f));
    }
#else
    print_message("not x86-64: skipped\n");
#endif
}

/* bfloat16: the top 16 bits rounded to nearest even, NaNs truncated and
 * made quiet, no flush: checked against a plain rounding written here. */
static uint16_t bf16_by_rule(uint32_t u) {
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40);
    uint32_t t = u >> 16;
    const uint32_t rem = u & 0xFFFF;
    if (rem > 0x8000 || (rem == 0x8000 && (t & 1))) t++;
    return (uint16_t)t;
}

static void test_bf16(void **state) {
    (void)state;
    static const uint32_t lows[] = {0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x4000, 0xC000};
    for (uint32_t hi = 0; hi < 65536; hi++)
        for (size_t k = 0; k < sizeof lows / sizeof lows[0] + 2; k++) {
            const uint32_t lo = k < sizeof lows / sizeof lows[0] ? lows[k] : (uint32_t)(rnd() & 0xFFFF);
            const uint32_t u = hi << 16 | lo;
            if (ck_f32_to_bf16(f32_of(u)) != bf16_by_rule(u))
                fail_msg("%08x: %04x, expected %04x", u, ck_f32_to_bf16(f32_of(u)), bf16_by_rule(u));
        }
    assert_int_equal(ck_f32_to_bf16(1.0f + 0x1p-8f), 0x3F80);     /* tie to even */
    assert_int_equal(ck_f32_to_bf16(1.0f + 0x1.8p-7f), 0x3F82);   /* tie to even, upward */
    assert_int_equal(ck_f32_to_bf16(f32_of(0x7F7FFFFFu)), 0x7F80); /* FLT_MAX rounds to inf */
    assert_int_equal(ck_f32_to_bf16(f32_of(0x00018000u)), 0x0002); /* subnormal, not flushed */
    assert_int_equal(ck_f32_to_bf16(f32_of(0x7F800001u)), 0x7FC0);
    assert_int_equal(ck_f32_to_bf16(f32_of(0xFFFFFFFFu)), 0xFFFF);
}

/* The array encoders write what the one-value ones give, little-endian. */
static void test_float_arrays(void **state) {
    (void)state;
    float x[37];
    uint8_t h[74], b[74], f[148];
    for (int i = 0; i < 37; i++) x[i] = f32_of((uint32_t)(rnd() >> 32));
    ck_q_f16(x, h, 37);
    ck_q_bf16(x, b, 37);
    ck_q_f32(x, f, 37);
    for (int i = 0; i < 37; i++) {
        assert_int_equal(rd16(h + 2 * i), ck_f32_to_f16(x[i]));
        assert_int_equal(rd16(b + 2 * i), ck_f32_to_bf16(x[i]));
        assert_int_equal((uint32_t)rd16(f + 4 * i) | (uint32_t)rd16(f + 4 * i + 2) << 16, bits_of(x[i]));
    }
}

/* ===== 5. SIMD against scalar ===== */

/* A NaN of either sign with a random payload, quiet or signalling. */
static float any_nan(void) {
    uint32_t m = (uint32_t)rnd() & 0x7FFFFF;
    if (!m) m = 1;
    return f32_of((uint32_t)(rnd() & 1) << 31 | 0x7F800000u | m);
}

/* 32 floats of one of the shapes that stress an encoder. */
static void nasty_block(float *x) {
    const int kind = (int)(rnd() % 12);
    const float scale = ldexpf(1.0f, (int)(rnd() % 260) - 140);
    for (int j = 0; j < 32; j++) {
        switch (kind) {
        case 0: x[j] = normal() * scale; break;
        case 1: x[j] = (rnd() & 1) ? 0.0f : -0.0f; break;                 /* zeros */
        case 2: x[j] = scale; break;                                       /* all equal */
        case 3: x[j] = normal() * 1e37f; break;                            /* huge */
        case 4: x[j] = f32_of((uint32_t)rnd() & 0x807FFFFFu); break;       /* subnormal */
        case 5: x[j] = f32_of((uint32_t)(rnd() >> 32)); break;             /* any pattern */
        case 6: x[j] = (float)((int)(rnd() % 254) - 127) + 0.5f; break;    /* ties */
        default: x[j] = normal() * 0.02f; break;
        }
    }
    switch (kind) { /* then perhaps a special element somewhere */
    case 7: x[rnd() % 32] = any_nan(); break;
    case 8: x[31] = any_nan(); break; /* the last: ggml's amax becomes NaN */
    case 9: x[rnd() % 32] = (rnd() & 1) ? INFINITY : -INFINITY; break;
    case 10: x[rnd() % 32] = (rnd() & 1) ? 3.4028235e38f : -3.4028235e38f; break;
    case 6: x[rnd() % 32] = 127.0f; break;
    default: break;
    }
}

/* The AVX2 encoder of d against the scalar one, at unaligned addresses. */
static void simd_matches(ck_dtype d, size_t nelems, int trials) {
    const qtype *q = qtype_of(d);
    ck_quant_fn simd = ck_quant_avx2_kernel(d);
    assert_non_null(simd);
    const size_t nb = nelems / (size_t)q->elems;
    float *xs = malloc((nelems + 1) * sizeof *xs);
    uint8_t *a = malloc(nb * (size_t)q->bytes + 1), *b = malloc(nb * (size_t)q->bytes + 1);
    assert_non_null(xs);
    assert_non_null(a);
    assert_non_null(b);
    float *x = xs + 1;
    for (int t = 0; t < trials; t++) {
        for (size_t i = 0; i + 32 <= nelems; i += 32) nasty_block(x + i);
        for (size_t i = nelems / 32 * 32; i < nelems; i++) x[i] = f32_of((uint32_t)(rnd() >> 32));
        q->enc(x, a, nb);
        simd(x, b + 1, nb);
        for (size_t k = 0; k < nb; k++)
            if (memcmp(a + k * q->bytes, b + 1 + k * q->bytes, (size_t)q->bytes) != 0)
                fail_msg("%s block %zu: SIMD differs from scalar", q->name, k);
    }
    free(xs);
    free(a);
    free(b);
}

static void test_simd_vs_scalar(void **state) {
    (void)state;
    if (ck_cpu_isa() < CK_ISA_AVX2) {
        print_message("no AVX2: skipped\n");
        return;
    }
    simd_matches(CK_DT_Q8_0, 32 * 1001, 200);
    for (size_t n = 0; n < 70; n++) {
        simd_matches(CK_DT_F16, n, 3);
        simd_matches(CK_DT_BF16, n, 3);
    }
    simd_matches(CK_DT_F16, 32 * 4099 + 5, 50);
    simd_matches(CK_DT_BF16, 32 * 4099 + 5, 50);
    /* every f16 and bfloat16 value, widened, and its neighbours */
    float *x = malloc(3 * 65536 * sizeof *x);
    uint8_t *a = malloc(6 * 65536), *b = malloc(6 * 65536);
    assert_non_null(x);
    assert_non_null(a);
    assert_non_null(b);
    for (int bf = 0; bf < 2; bf++) {
        for (uint32_t h = 0; h < 65536; h++) {
            const uint32_t u = bf ? h << 16 : bits_of(ck_f16_to_f32((uint16_t)h));
            x[3 * h] = f32_of(u);
            x[3 * h + 1] = f32_of(u + 0x0FFF + 0x7000 * (uint32_t)bf);
            x[3 * h + 2] = f32_of(u | 0x1000 | 0x8000 * (uint32_t)bf);
        }
        const ck_dtype d = bf ? CK_DT_BF16 : CK_DT_F16;
        qtype_of(d)->enc(x, a, 3 * 65536);
        ck_quant_avx2_kernel(d)(x, b, 3 * 65536);
        assert_memory_equal(a, b, 6 * 65536);
    }
    free(x);
    free(a);
    free(b);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_identical),
        cmocka_unit_test(test_q8_0_by_hand),
        cmocka_unit_test(test_q4_0_q5_0_by_hand),
        cmocka_unit_test(test_q4_1_q5_1_by_hand),
        cmocka_unit_test(test_iq4_by_hand),
        cmocka_unit_test(test_ternary_by_hand),
        cmocka_unit_test(test_mxfp4_by_hand),
        cmocka_unit_test(test_round_trip_snr),
        cmocka_unit_test(test_f16_every_value),
        cmocka_unit_test(test_f16_midpoints),
        cmocka_unit_test(test_f16_edges),
        cmocka_unit_test(test_f16_vs_f16c),
        cmocka_unit_test(test_bf16),
        cmocka_unit_test(test_float_arrays),
        cmocka_unit_test(test_simd_vs_scalar),
    };
    return cmocka_run_group_tests_name("quant_legacy", tests, NULL, NULL) ? 1 : 0;
}
