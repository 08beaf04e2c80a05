/* Unit tests: the dtype table, checked against the format facts. The
 * expected tables below are written from FORMATS.md (ggml's static asserts
 * and the safetensors crate's bit sizes), not from src/core/dtype.c. */
#include "unit.h"

#include "bytes.h"
#include "ckpt/dtype.h"
#include "core/quant.h"

#include <math.h>

/* ===== ggml types: id, name, elements per block, bytes per block ===== */

typedef struct ggml_row {
    int id;
    const char *name;
    uint32_t block;
    uint32_t bytes;
} ggml_row;

static const ggml_row ggml_types[] = {
    {0, "F32", 1, 4},          {1, "F16", 1, 2},          {2, "Q4_0", 32, 18},
    {3, "Q4_1", 32, 20},       {6, "Q5_0", 32, 22},       {7, "Q5_1", 32, 24},
    {8, "Q8_0", 32, 34},       {9, "Q8_1", 32, 36},       {10, "Q2_K", 256, 84},
    {11, "Q3_K", 256, 110},    {12, "Q4_K", 256, 144},    {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},    {15, "Q8_K", 256, 292},    {16, "IQ2_XXS", 256, 66},
    {17, "IQ2_XS", 256, 74},   {18, "IQ3_XXS", 256, 98},  {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},    {21, "IQ3_S", 256, 110},   {22, "IQ2_S", 256, 82},
    {23, "IQ4_XS", 256, 136},  {24, "I8", 1, 1},          {25, "I16", 1, 2},
    {26, "I32", 1, 4},         {27, "I64", 1, 8},         {28, "F64", 1, 8},
    {29, "IQ1_M", 256, 56},    {30, "BF16", 1, 2},        {34, "TQ1_0", 256, 54},
    {35, "TQ2_0", 256, 66},    {39, "MXFP4", 32, 17},     {40, "NVFP4", 64, 36},
    {41, "Q1_0", 128, 18},     {42, "Q2_0", 64, 18},
};

static const struct {
    int id;
    const char *name;
} retired_types[] = {
    {4, "Q4_2"},       {5, "Q4_3"},       {31, "Q4_0_4_4"},   {32, "Q4_0_4_8"},
    {33, "Q4_0_8_8"},  {36, "IQ4_NL_4_4"}, {37, "IQ4_NL_4_8"}, {38, "IQ4_NL_8_8"},
};

#define N_GGML (sizeof ggml_types / sizeof ggml_types[0])
#define N_RETIRED (sizeof retired_types / sizeof retired_types[0])

static const ggml_row *ggml_by_id(int id) {
    for (size_t i = 0; i < N_GGML; i++)
        if (ggml_types[i].id == id) return &ggml_types[i];
    return NULL;
}

static const char *retired_by_id(int id) {
    for (size_t i = 0; i < N_RETIRED; i++)
        if (retired_types[i].id == id) return retired_types[i].name;
    return NULL;
}

/* The two tables above cover 0..42 exactly once. */
static void test_expected_table_is_complete(void **state) {
    (void)state;
    assert_int_equal(N_GGML + N_RETIRED, 43);
    for (int id = 0; id <= 42; id++)
        assert_true((ggml_by_id(id) != NULL) != (retired_by_id(id) != NULL));
}

static void test_gguf_ids(void **state) {
    (void)state;
    for (int id = 0; id <= 42; id++) {
        const ggml_row *want = ggml_by_id(id);
        if (!want) continue;
        ck_dtype dt = CK_DT_COUNT;
        const char *retired = "untouched";
        assert_int_equal(ck_dtype_from_gguf(id, &dt, &retired), CK_GGUF_TYPE_OK);
        assert_true(dt < CK_DT_COUNT);
        const ck_dtype_info *info = ck_dtype_info_of(dt);
        assert_string_equal(info->name, want->name);
        assert_string_equal(ck_dtype_name(dt), want->name);
        assert_int_equal(info->gguf_id, id);
        assert_int_equal(info->block_elems, want->block);
        assert_int_equal(info->block_bytes, want->bytes);
        /* The bits per weight follow from the block. */
        assert_true(ck_dtype_bits(dt) == 8.0 * want->bytes / want->block);
        /* Block types are the quantized ones; the rest are one element a unit. */
        if (want->block > 1) assert_int_equal(info->kind, CK_KIND_QUANT);
        else assert_int_not_equal(info->kind, CK_KIND_QUANT);
    }
}

/* The enum is in ggml_type id order for the ggml types. */
static void test_enum_order(void **state) {
    (void)state;
    assert_int_equal(ck_dtype_info_of(CK_DT_F32)->gguf_id, 0);
    assert_int_equal(ck_dtype_info_of(CK_DT_Q4_0)->gguf_id, 2);
    assert_int_equal(ck_dtype_info_of(CK_DT_Q5_0)->gguf_id, 6);
    assert_int_equal(ck_dtype_info_of(CK_DT_IQ4_XS)->gguf_id, 23);
    assert_int_equal(ck_dtype_info_of(CK_DT_BF16)->gguf_id, 30);
    assert_int_equal(ck_dtype_info_of(CK_DT_TQ1_0)->gguf_id, 34);
    assert_int_equal(ck_dtype_info_of(CK_DT_MXFP4)->gguf_id, 39);
    assert_int_equal(ck_dtype_info_of(CK_DT_Q2_0)->gguf_id, 42);
    int last = -1;
    for (int d = CK_DT_F32; d <= CK_DT_Q2_0; d++) {
        int id = ck_dtype_info_of((ck_dtype)d)->gguf_id;
        assert_true(id > last);
        last = id;
    }
    for (int d = CK_DT_BOOL; d < CK_DT_COUNT; d++) assert_int_equal(ck_dtype_info_of((ck_dtype)d)->gguf_id, -1);
}

static void test_gguf_retired(void **state) {
    (void)state;
    for (size_t i = 0; i < N_RETIRED; i++) {
        ck_dtype dt = CK_DT_COUNT;
        const char *name = NULL;
        assert_int_equal(ck_dtype_from_gguf(retired_types[i].id, &dt, &name), CK_GGUF_TYPE_RETIRED);
        assert_non_null(name);
        assert_string_equal(name, retired_types[i].name);
        /* The name pointer is optional. */
        assert_int_equal(ck_dtype_from_gguf(retired_types[i].id, &dt, NULL), CK_GGUF_TYPE_RETIRED);
    }
}

static void test_gguf_unknown(void **state) {
    (void)state;
    const int64_t ids[] = {43, 44, -1, -2, 1000, 255, 256, INT32_MAX, INT32_MIN,
                           INT64_MAX, INT64_MIN, (int64_t)1 << 32, ((int64_t)1 << 32) + 2,
                           -((int64_t)1 << 32)};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        ck_dtype dt = CK_DT_COUNT;
        const char *name = "untouched";
        assert_int_equal(ck_dtype_from_gguf(ids[i], &dt, &name), CK_GGUF_TYPE_UNKNOWN);
        assert_string_equal(name, "untouched");
    }
}

/* ===== safetensors dtypes ===== */

static const struct {
    const char *name;
    unsigned bits;
    ck_dtype_kind kind;
} st_types[] = {
    {"BOOL", 8, CK_KIND_BOOL},     {"F4", 4, CK_KIND_FLOAT},      {"F6_E2M3", 6, CK_KIND_FLOAT},
    {"F6_E3M2", 6, CK_KIND_FLOAT}, {"U8", 8, CK_KIND_UINT},       {"I8", 8, CK_KIND_INT},
    {"F8_E5M2", 8, CK_KIND_FLOAT}, {"F8_E4M3", 8, CK_KIND_FLOAT}, {"F8_E8M0", 8, CK_KIND_FLOAT},
    {"F8_E4M3FNUZ", 8, CK_KIND_FLOAT}, {"F8_E5M2FNUZ", 8, CK_KIND_FLOAT},
    {"I16", 16, CK_KIND_INT},      {"U16", 16, CK_KIND_UINT},     {"F16", 16, CK_KIND_FLOAT},
    {"BF16", 16, CK_KIND_FLOAT},   {"I32", 32, CK_KIND_INT},      {"U32", 32, CK_KIND_UINT},
    {"F32", 32, CK_KIND_FLOAT},    {"C64", 64, CK_KIND_COMPLEX},  {"F64", 64, CK_KIND_FLOAT},
    {"I64", 64, CK_KIND_INT},      {"U64", 64, CK_KIND_UINT},
};

#define N_ST (sizeof st_types / sizeof st_types[0])

static void test_st_names(void **state) {
    (void)state;
    assert_int_equal(N_ST, 22);
    for (size_t i = 0; i < N_ST; i++) {
        ck_dtype dt = CK_DT_COUNT;
        assert_true(ck_dtype_from_st(st_types[i].name, strlen(st_types[i].name), &dt));
        const ck_dtype_info *info = ck_dtype_info_of(dt);
        assert_non_null(info->st_name);
        assert_string_equal(info->st_name, st_types[i].name);
        assert_string_equal(info->name, st_types[i].name);
        assert_int_equal(info->kind, st_types[i].kind);
        assert_true(ck_dtype_bits(dt) == (double)st_types[i].bits);
        /* A block is a whole number of bytes holding whole elements. */
        assert_int_equal((uint64_t)info->block_bytes * 8, (uint64_t)info->block_elems * st_types[i].bits);
    }
}

/* Exactly the 22 safetensors types have a safetensors name. */
static void test_st_name_count(void **state) {
    (void)state;
    size_t n = 0;
    for (int d = 0; d < CK_DT_COUNT; d++)
        if (ck_dtype_info_of((ck_dtype)d)->st_name) n++;
    assert_int_equal(n, N_ST);
}

static void test_st_lookup_is_exact(void **state) {
    (void)state;
    ck_dtype dt = CK_DT_COUNT;
    /* Case-sensitive, as in the crate. */
    assert_false(ck_dtype_from_st("f32", 3, &dt));
    assert_false(ck_dtype_from_st("Bf16", 4, &dt));
    /* GGUF-only types have no safetensors name. */
    assert_false(ck_dtype_from_st("Q4_0", 4, &dt));
    assert_false(ck_dtype_from_st("Q8_K", 4, &dt));
    assert_false(ck_dtype_from_st("MXFP4", 5, &dt));
    /* Length-bounded: a prefix or a longer string is not a name. */
    assert_false(ck_dtype_from_st("F3", 2, &dt));
    assert_false(ck_dtype_from_st("F32x", 4, &dt));
    assert_false(ck_dtype_from_st("F32\0", 4, &dt));
    assert_false(ck_dtype_from_st("", 0, &dt));
    assert_false(ck_dtype_from_st("F8", 2, &dt));
    assert_false(ck_dtype_from_st("F6", 2, &dt));
    assert_int_equal(dt, CK_DT_COUNT);
    /* Only len bytes are looked at. */
    assert_true(ck_dtype_from_st("F32garbage", 3, &dt));
    assert_int_equal(dt, CK_DT_F32);
    assert_true(ck_dtype_from_st("F8_E4M3FNUZ", 7, &dt));
    assert_int_equal(dt, CK_DT_F8_E4M3);
    /* Not NUL-terminated. */
    char *p = (char *)exact_copy("BF16", 4);
    assert_true(ck_dtype_from_st(p, 4, &dt));
    assert_int_equal(dt, CK_DT_BF16);
    free(p);
}

/* ===== names ===== */

static void test_from_name(void **state) {
    (void)state;
    for (int d = 0; d < CK_DT_COUNT; d++) {
        const char *name = ck_dtype_info_of((ck_dtype)d)->name;
        assert_non_null(name);
        ck_dtype got = CK_DT_COUNT;
        assert_true(ck_dtype_from_name(name, &got));
        assert_int_equal(got, d);
        /* Lower case. */
        char lower[32];
        size_t n = strlen(name);
        assert_true(n < sizeof lower);
        for (size_t i = 0; i <= n; i++)
            lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
        got = CK_DT_COUNT;
        assert_true(ck_dtype_from_name(lower, &got));
        assert_int_equal(got, d);
    }
    ck_dtype got;
    assert_true(ck_dtype_from_name("q4_k", &got));
    assert_int_equal(got, CK_DT_Q4_K);
    assert_true(ck_dtype_from_name("bF16", &got));
    assert_int_equal(got, CK_DT_BF16);
    assert_true(ck_dtype_from_name("iq4_xs", &got));
    assert_int_equal(got, CK_DT_IQ4_XS);
    assert_true(ck_dtype_from_name("f8_e4m3fnuz", &got));
    assert_int_equal(got, CK_DT_F8_E4M3FNUZ);

    got = CK_DT_COUNT;
    assert_false(ck_dtype_from_name("", &got));
    assert_false(ck_dtype_from_name("F33", &got));
    assert_false(ck_dtype_from_name("Q4_2", &got));      /* retired */
    assert_false(ck_dtype_from_name("Q4_K_M", &got));    /* a file type, not a dtype */
    assert_false(ck_dtype_from_name("F32 ", &got));
    assert_false(ck_dtype_from_name("F3", &got));
    assert_int_equal(got, CK_DT_COUNT);
}

/* Names are unique, and so are GGUF ids. */
static void test_rows_unique(void **state) {
    (void)state;
    for (int a = 0; a < CK_DT_COUNT; a++) {
        const ck_dtype_info *x = ck_dtype_info_of((ck_dtype)a);
        assert_true(x->block_elems > 0);
        assert_true(x->block_bytes > 0);
        assert_true(x->gguf_id >= 0 || x->st_name != NULL);
        for (int b = a + 1; b < CK_DT_COUNT; b++) {
            const ck_dtype_info *y = ck_dtype_info_of((ck_dtype)b);
            assert_true(strcmp(x->name, y->name) != 0);
            if (x->gguf_id >= 0) assert_int_not_equal(x->gguf_id, y->gguf_id);
        }
    }
    /* 35 ggml types and 14 safetensors-only types. */
    assert_int_equal(CK_DT_COUNT, N_GGML + 14);
}

/* ===== byte sizes ===== */

static void expect_nbytes(ck_dtype d, uint64_t n, uint64_t want) {
    uint64_t got = 12345;
    assert_true(ck_dtype_nbytes(d, n, &got));
    assert_int_equal(got, want);
}

static void expect_no_nbytes(ck_dtype d, uint64_t n) {
    uint64_t got = 12345;
    assert_false(ck_dtype_nbytes(d, n, &got));
}

static void test_nbytes_blocks(void **state) {
    (void)state;
    /* Every ggml type: 0, 1, 3 and 1000 blocks; one element short and over. */
    for (size_t i = 0; i < N_GGML; i++) {
        ck_dtype dt;
        assert_int_equal(ck_dtype_from_gguf(ggml_types[i].id, &dt, NULL), CK_GGUF_TYPE_OK);
        uint64_t blk = ggml_types[i].block, nb = ggml_types[i].bytes;
        expect_nbytes(dt, 0, 0);
        expect_nbytes(dt, blk, nb);
        expect_nbytes(dt, 3 * blk, 3 * nb);
        expect_nbytes(dt, 1000 * blk, 1000 * nb);
        if (blk > 1) {
            expect_no_nbytes(dt, 1);
            expect_no_nbytes(dt, blk - 1);
            expect_no_nbytes(dt, blk + 1);
            expect_no_nbytes(dt, 1000 * blk + blk / 2);
        }
    }
    /* Safetensors: bits x n / 8 when it is a whole number of bytes. */
    expect_nbytes(CK_DT_BOOL, 7, 7);
    expect_nbytes(CK_DT_C64, 3, 24);
    expect_nbytes(CK_DT_U16, 5, 10);
    expect_nbytes(CK_DT_F8_E5M2FNUZ, 9, 9);
    expect_nbytes(CK_DT_F4, 2, 1);
    expect_nbytes(CK_DT_F4, 6, 3);
    expect_no_nbytes(CK_DT_F4, 1);
    expect_no_nbytes(CK_DT_F4, 7);
    expect_nbytes(CK_DT_F6_E2M3, 4, 3);
    expect_nbytes(CK_DT_F6_E3M2, 8, 6);
    expect_no_nbytes(CK_DT_F6_E2M3, 2);  /* 12 bits */
    expect_no_nbytes(CK_DT_F6_E3M2, 6);  /* 36 bits */
    expect_no_nbytes(CK_DT_F6_E3M2, 1);
}

static void test_nbytes_overflow(void **state) {
    (void)state;
    const uint64_t max = UINT64_MAX;
    /* Plain types: n x size must fit in 64 bits. */
    expect_nbytes(CK_DT_U8, max, max);
    expect_nbytes(CK_DT_F32, max / 4, max / 4 * 4);
    expect_no_nbytes(CK_DT_F32, max / 4 + 1);
    expect_no_nbytes(CK_DT_F32, max);
    expect_nbytes(CK_DT_F64, max / 8, max / 8 * 8);
    expect_no_nbytes(CK_DT_F64, max / 8 + 1);
    expect_no_nbytes(CK_DT_C64, max / 8 + 1);
    expect_nbytes(CK_DT_F16, (UINT64_C(1) << 63) - 1, max - 1);
    expect_no_nbytes(CK_DT_F16, UINT64_C(1) << 63);
    /* Q8_K takes more bytes than elements (292 per 256): the biggest whole
     * number of blocks whose size fits, and one block more. */
    uint64_t k = max / 292;
    expect_nbytes(CK_DT_Q8_K, 256 * k, k * 292);
    expect_no_nbytes(CK_DT_Q8_K, 256 * (k + 1));
    /* Types with fewer bytes than elements never overflow. */
    uint64_t n = max - max % 32;  /* the last multiple of 32 */
    expect_nbytes(CK_DT_Q4_0, n, n / 32 * 18);
    expect_nbytes(CK_DT_F4, max - 1, (max - 1) / 2);
    expect_no_nbytes(CK_DT_F4, max);
}

static void test_bits(void **state) {
    (void)state;
    assert_true(ck_dtype_bits(CK_DT_Q4_0) == 4.5);
    assert_true(ck_dtype_bits(CK_DT_Q4_K) == 4.5);
    assert_true(ck_dtype_bits(CK_DT_Q6_K) == 6.5625);
    assert_true(ck_dtype_bits(CK_DT_Q8_0) == 8.5);
    assert_true(ck_dtype_bits(CK_DT_MXFP4) == 4.25);
    assert_true(ck_dtype_bits(CK_DT_IQ4_XS) == 4.25);
    assert_true(ck_dtype_bits(CK_DT_TQ2_0) == 2.0625);
    assert_true(ck_dtype_bits(CK_DT_Q1_0) == 1.125);
    assert_true(ck_dtype_bits(CK_DT_BF16) == 16.0);
}

/* The encoders: exactly the types convert writes have one, each decodes back
 * close to its input, and the kernel chosen for this CPU writes the same
 * bytes as the table's reference. */
static void test_encoders(void **state) {
    (void)state;
    static const ck_dtype writable[] = {
        CK_DT_F32, CK_DT_F16, CK_DT_BF16, CK_DT_Q8_0, CK_DT_Q4_0, CK_DT_Q4_1, CK_DT_Q5_0, CK_DT_Q5_1,
        CK_DT_Q2_K, CK_DT_Q3_K, CK_DT_Q4_K, CK_DT_Q5_K, CK_DT_Q6_K, CK_DT_IQ4_NL, CK_DT_IQ4_XS,
        CK_DT_TQ1_0, CK_DT_TQ2_0, CK_DT_MXFP4,
    };
    size_t n_writable = 0;
    enum { N = 1024 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    uint8_t *a = malloc(N * 8), *b = malloc(N * 8);
    unsigned seed = 12345;
    for (size_t i = 0; i < N; i++) {
        /* a smooth, signed pattern with no zero block */
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)sin(0.37 * (double)i) * 0.05f + (float)((seed >> 16) % 1000) * 1e-5f;
    }
    for (int d = 0; d < CK_DT_COUNT; d++) {
        const ck_dtype_info *info = ck_dtype_info_of((ck_dtype)d);
        bool listed = false;
        for (size_t k = 0; k < sizeof writable / sizeof writable[0]; k++) listed |= writable[k] == (ck_dtype)d;
        assert_int_equal(info->quant != NULL, listed);
        assert_int_equal(ck_quant_kernel((ck_dtype)d) != NULL, listed);
        if (!listed) continue;
        n_writable++;
        assert_true(info->gguf_id >= 0);
        size_t nb = N / info->block_elems;
        info->quant(x, a, nb);
        ck_quant_kernel((ck_dtype)d)(x, b, nb);
        assert_memory_equal(a, b, nb * info->block_bytes);
        info->dequant(a, y, nb);
        double xx = 0, dd = 0;
        for (size_t i = 0; i < N; i++) {
            xx += (double)x[i] * x[i];
            dd += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
        }
        /* TQ types hold -1, 0, 1 times a scale: the weakest, a few dB. */
        assert_true(dd < xx * 0.7);
    }
    assert_int_equal(n_writable, sizeof writable / sizeof writable[0]);
    free(x);
    free(y);
    free(a);
    free(b);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expected_table_is_complete),
        cmocka_unit_test(test_gguf_ids),
        cmocka_unit_test(test_enum_order),
        cmocka_unit_test(test_gguf_retired),
        cmocka_unit_test(test_gguf_unknown),
        cmocka_unit_test(test_st_names),
        cmocka_unit_test(test_st_name_count),
        cmocka_unit_test(test_st_lookup_is_exact),
        cmocka_unit_test(test_from_name),
        cmocka_unit_test(test_rows_unique),
        cmocka_unit_test(test_nbytes_blocks),
        cmocka_unit_test(test_nbytes_overflow),
        cmocka_unit_test(test_bits),
        cmocka_unit_test(test_encoders),
    };
    return cmocka_run_group_tests_name("dtype", tests, NULL, NULL) ? 1 : 0;
}
