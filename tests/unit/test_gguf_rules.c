/* Unit tests: the GGUF reader's rules.
 *
 * Each malformed file breaks one rule; the first finding must carry that
 * rule's code, the byte offset worked out from the layout, and the key or
 * tensor. Collect mode must report every breach and drop only the tensors
 * whose bytes cannot be read.
 */
#include "unit.h"

#include "gguf_read.h"
/* ===== malformed files: the first finding ===== */

static void test_bad_magic_and_short_files(void **state) {
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        const char *code;
    } cases[] = {
        {"", 0, "gguf.truncated"},
        {"G", 1, "gguf.truncated"},
        {"GG", 2, "gguf.truncated"},
        {"GGU", 3, "gguf.truncated"},
        {"X", 1, "gguf.magic"},
        {"GX", 2, "gguf.magic"},
        {"GGX", 3, "gguf.magic"},
        {"GGUX", 4, "gguf.magic"},
        {"ggufxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 32, "gguf.magic"},
        {"\x00\x00\x00\x00\x03\x00\x00\x00", 8, "gguf.magic"},
        {"GGUF", 4, "gguf.truncated"},
        {"GGUF\x03\x00\x00", 7, "gguf.truncated"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bbuf b;
        bb_init(&b, false);
        bb_raw(&b, cases[i].bytes, cases[i].n);
        /* "GGUF" and a cut version: the failed read is at 4. */
        int64_t at = cases[i].n >= 4 && memcmp(cases[i].bytes, "GGUF", 4) == 0 ? 4 : 0;
        expect_refused(&b, cases[i].code, at, NULL, NULL);
        bb_free(&b);
    }
}

static void test_version(void **state) {
    (void)state;
    const uint32_t bad[] = {0, 1, 4, 0x100, 0xffffffffu};
    for (int be = 0; be < 2; be++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            bbuf b;
            bb_init(&b, be);
            g_header(&b, bad[i], 0, 0);
            expect_refused(&b, "gguf.version", 4, NULL, NULL);
            bb_free(&b);
        }
    }
}

static void test_truncated_header(void **state) {
    (void)state;
    bbuf b;
    bb_init(&b, false);
    bb_raw(&b, "GGUF", 4);
    bb_u32(&b, 3);
    bb_u32(&b, 0);  /* half a tensor count */
    expect_refused(&b, "gguf.truncated", 8, NULL, NULL);
    bb_free(&b);

    bb_init(&b, false);
    bb_raw(&b, "GGUF", 4);
    bb_u32(&b, 3);
    bb_u64(&b, 0);
    bb_fill(&b, 0, 7);  /* one byte short of the kv count */
    expect_refused(&b, "gguf.truncated", 16, NULL, NULL);
    bb_free(&b);
}

static void test_counts(void **state) {
    (void)state;
    /* Each case: the counts, then 100 zero bytes (99 for the last); the
     * finding is at the count that cannot be. */
    static const struct {
        uint64_t n_tensors, n_kv;
        int64_t at;
    } cases[] = {
        {UINT64_C(1) << 63, 0, 8},     /* negative as int64 */
        {UINT64_MAX, 0, 8},
        {0, UINT64_C(1) << 63, 16},
        {0, UINT64_MAX, 16},
        {0, 1000, 16},                 /* more than the file can hold */
        {1000, 0, 8},
        {UINT64_C(1) << 62, 0, 8},     /* x 24 bytes wraps */
        {0, UINT64_C(1) << 62, 16},    /* x 14 bytes wraps */
        {0, 8, 16},                    /* 8 x 14 = 112 > 100 */
        {5, 0, 8},                     /* 5 x 24 = 120 > 100 */
        {3, 2, 8},                     /* 3 x 24 + 2 x 14 = 100, but not 101 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bbuf b;
        bb_init(&b, false);
        g_header(&b, 3, cases[i].n_tensors, cases[i].n_kv);
        bb_fill(&b, 0, i == sizeof cases / sizeof cases[0] - 1 ? 99 : 100);
        expect_refused(&b, "gguf.count", cases[i].at, NULL, NULL);
        bb_free(&b);
    }
    /* 3 x 24 + 2 x 14 = 100 bytes fit the counts; the zero bytes then read
     * as an empty key. */
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 3, 2);
    bb_fill(&b, 0, 100);
    expect_refused(&b, "gguf.key_empty", HDR, NULL, NULL);
    bb_free(&b);
}

static void test_key_string(void **state) {
    (void)state;
    /* A key longer than 2^30 bytes. */
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 0, 1);
    bb_u64(&b, (UINT64_C(1) << 30) + 1);
    bb_fill(&b, 'k', 20);
    expect_refused(&b, "gguf.string_length", HDR, NULL, NULL);
    bb_free(&b);

    /* A key longer than what is left. */
    bb_init(&b, false);
    g_header(&b, 3, 0, 1);
    bb_u64(&b, 100);
    bb_fill(&b, 'k', 20);
    expect_refused(&b, "gguf.string_length", HDR, NULL, NULL);
    bb_free(&b);

    /* Exactly what is left, then no room for the type. */
    bb_init(&b, false);
    g_header(&b, 3, 0, 1);
    bb_u64(&b, 20);
    bb_fill(&b, 'k', 20);
    expect_refused(&b, "gguf.truncated", HDR + 28, ANY, NULL);  /* the key may be named */
    bb_free(&b);

    /* An empty key. */
    bb_init(&b, false);
    g_header(&b, 3, 0, 1);
    g_kv_u8(&b, "", 1);
    bb_fill(&b, 0, 4);
    expect_refused(&b, "gguf.key_empty", HDR, NULL, NULL);
    bb_free(&b);
}

static void test_key_duplicate(void **state) {
    (void)state;
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 0, 3);
    g_kv_u8(&b, "k", 1);
    g_kv_u8(&b, "k2", 1);
    int64_t second = (int64_t)b.len;
    g_kv_u8(&b, "k", 2);
    expect_refused(&b, "gguf.key_duplicate", second, "k", NULL);
    bb_free(&b);
}

static void test_value_type(void **state) {
    (void)state;
    const int32_t bad[] = {13, -1, 1000, INT32_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bbuf b;
        bb_init(&b, false);
        g_header(&b, 3, 0, 1);
        g_key(&b, "key", bad[i]);
        bb_fill(&b, 0, 16);
        expect_refused(&b, "gguf.value_type", HDR + 8 + 3, "key", NULL);
        bb_free(&b);

        /* The same as an array's element type. */
        bb_init(&b, false);
        g_header(&b, 3, 0, 1);
        g_key(&b, "key", V_ARR);
        g_arr(&b, bad[i], 0);
        expect_refused(&b, "gguf.value_type", HDR + 8 + 3 + 4, "key", NULL);
        bb_free(&b);
    }
}

static void test_value_truncated(void **state) {
    (void)state;
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 0, 1);
    g_key(&b, "k", V_U64);
    bb_u32(&b, 0);  /* half a UINT64 */
    expect_refused(&b, "gguf.truncated", HDR + 9 + 4, ANY, NULL);  /* the key may be named */
    bb_free(&b);
}

static void test_string_value_length(void **state) {
    (void)state;
    const uint64_t lens[] = {UINT64_C(1) << 31, UINT64_MAX, 50};
    for (size_t i = 0; i < 3; i++) {
        bbuf b;
        bb_init(&b, false);
        g_header(&b, 3, 0, 1);
        g_key(&b, "key", V_STR);
        bb_u64(&b, lens[i]);
        bb_fill(&b, 'x', 10);
        expect_refused(&b, "gguf.string_length", HDR + 11 + 4, "key", NULL);
        bb_free(&b);
    }
}

static void test_array_length(void **state) {
    (void)state;
    /* Over 2^30 elements, and more than the file holds. */
    const uint64_t counts[] = {(UINT64_C(1) << 30) + 1, UINT64_MAX, 100, UINT64_C(1) << 62};
    const int32_t elems[] = {V_U8, V_I32, V_I32, V_I32};
    for (size_t i = 0; i < 4; i++) {
        bbuf b;
        bb_init(&b, false);
        g_header(&b, 3, 0, 1);
        g_key(&b, "key", V_ARR);
        g_arr(&b, elems[i], counts[i]);
        bb_fill(&b, 0, 8);
        /* The count follows the key, the type and the element type. */
        expect_refused(&b, "gguf.array_length", HDR + 11 + 4 + 4, "key", NULL);
        bb_free(&b);
    }
    /* A string in an array that runs past the end. */
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 0, 1);
    g_key(&b, "key", V_ARR);
    g_arr(&b, V_STR, 2);
    bb_gstr(&b, "ab");
    int64_t second = (int64_t)b.len;
    bb_u64(&b, 1000);
    bb_fill(&b, 'z', 10);
    expect_refused(&b, "gguf.string_length", second, "key", NULL);
    bb_free(&b);
    /* Nested arrays are counted at 12 bytes each at least. */
    bb_init(&b, false);
    g_header(&b, 3, 0, 1);
    g_key(&b, "key", V_ARR);
    g_arr(&b, V_ARR, 3);
    g_arr(&b, V_U8, 0);
    g_arr(&b, V_U8, 0);
    bb_fill(&b, 0, 11);
    expect_refused(&b, "gguf.array_length", HDR + 11 + 4 + 4, "key", NULL);
    bb_free(&b);
}

static void test_alignment_key(void **state) {
    (void)state;
    /* Of the wrong type. */
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 0, 2);
    g_kv_u8(&b, "general.name", 1);
    int64_t at = (int64_t)b.len;
    g_key(&b, "general.alignment", V_U64);
    bb_u64(&b, 32);
    expect_refused(&b, "gguf.alignment", at, "general.alignment", NULL);
    bb_free(&b);

    /* Not a non-zero power of two. */
    const uint32_t bad[] = {0, 3, 48, 0xffffffffu, 0x80000001u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bb_init(&b, false);
        g_header(&b, 3, 0, 1);
        g_kv_u32(&b, "general.alignment", bad[i]);
        expect_refused(&b, "gguf.alignment", HDR, "general.alignment", NULL);
        bb_free(&b);
    }
}

/* One tensor t after a kv-less header, and data_len bytes of data. The
 * tensor info starts at 24. */
static void one_tensor_file(bbuf *b, const tdesc *t, size_t data_len) {
    bb_init(b, false);
    g_file(b, 3, NULL, 0, t, 1, 32, data_len, NULL);
}

/* Where things are in the info of a tensor named "t" at offset 24. */
#define T_DIMS_AT (HDR + 8 + 1)
#define T_NE_AT(j) (T_DIMS_AT + 4 + 8 * (j))
#define T_TYPE_AT(n_dims) (T_NE_AT(n_dims))

static void test_tensor_dims(void **state) {
    (void)state;
    bbuf b;
    tdesc t = {"t", 5, {1, 1, 1, 1, 1}, T_F32, 0};
    one_tensor_file(&b, &t, 64);
    expect_refused(&b, "gguf.ndims", T_DIMS_AT, NULL, "t");
    bb_free(&b);

    t = (tdesc){"t", 2, {4, -1}, T_F32, 0};
    one_tensor_file(&b, &t, 64);
    expect_refused(&b, "gguf.dim_negative", T_NE_AT(1), NULL, "t");
    bb_free(&b);

    t = (tdesc){"t", 1, {INT64_MIN}, T_F32, 0};
    one_tensor_file(&b, &t, 64);
    expect_refused(&b, "gguf.dim_negative", T_NE_AT(0), NULL, "t");
    bb_free(&b);
}

static void test_tensor_type(void **state) {
    (void)state;
    const int32_t unknown[] = {43, -1, 1000, INT32_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        bbuf b;
        tdesc t = {"t", 1, {32}, unknown[i], 0};
        one_tensor_file(&b, &t, 64);
        expect_refused(&b, "gguf.type_unknown", T_TYPE_AT(1), NULL, "t");
        bb_free(&b);
    }
    /* Retired ids, with the name they had in the message. */
    const int32_t retired[] = {T_Q4_2, T_IQ4_NL_4_4};
    const char *names[] = {"Q4_2", "IQ4_NL_4_4"};
    for (size_t i = 0; i < 2; i++) {
        bbuf b;
        tdesc t = {"t", 1, {32}, retired[i], 0};
        one_tensor_file(&b, &t, 64);
        parsed p;
        parse(&p, &b, 0);
        assert_int_equal(p.st, CK_ERR_FORMAT);
        assert_strict_failure(&p.d, "gguf.type_retired", T_TYPE_AT(1), NULL, "t");
        assert_non_null(strstr(p.d.items[0].message, names[i]));
        parsed_free(&p);
        bb_free(&b);
    }
}

static void test_tensor_block_multiple(void **state) {
    (void)state;
    static const tdesc cases[] = {
        {"t", 1, {33}, T_Q4_0, 0},
        {"t", 2, {16, 2}, T_Q4_0, 0},     /* 32 elements, but rows of 16 */
        {"t", 2, {128, 2}, T_Q4_K, 0},
        {"t", 1, {1}, T_Q8_0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bbuf b;
        one_tensor_file(&b, &cases[i], 1024);
        expect_refused(&b, "gguf.block_multiple", T_DIMS_AT, NULL, "t");
        bb_free(&b);
    }
}

static void test_tensor_size_overflow(void **state) {
    (void)state;
    const int64_t g = INT64_C(1) << 32;
    const int64_t big = INT64_C(1) << 62;
    static tdesc cases[6];
    cases[0] = (tdesc){"t", 2, {g, g}, T_F32, 0};           /* 2^64 elements */
    cases[1] = (tdesc){"t", 1, {big}, T_F32, 0};            /* 2^64 bytes */
    cases[2] = (tdesc){"t", 2, {big, 2}, T_I8, 0};          /* 2^63 elements */
    cases[3] = (tdesc){"t", 1, {big}, T_F16, 0};            /* 2^63 bytes */
    cases[4] = (tdesc){"t", 4, {g, g, 0, 1}, T_F32, 0};     /* wraps before the 0 */
    cases[5] = (tdesc){"t", 4, {INT64_MAX, 1, 1, 2}, T_I8, 0};
    for (size_t i = 0; i < 6; i++) {
        bbuf b;
        one_tensor_file(&b, &cases[i], 64);
        expect_refused(&b, "gguf.size_overflow", T_DIMS_AT, NULL, "t");
        bb_free(&b);
    }
}

static void test_tensor_duplicate(void **state) {
    (void)state;
    static const tdesc t[] = {
        {"w", 1, {8}, T_F32, 0},
        {"v", 1, {8}, T_F32, 32},
        {"w", 1, {8}, T_F32, 64},
    };
    bbuf b;
    bb_init(&b, false);
    int64_t info_at[3];
    g_file(&b, 3, NULL, 0, t, 3, 32, 96, info_at);
    expect_refused(&b, "gguf.tensor_duplicate", info_at[2], NULL, "w");
    bb_free(&b);
}

static void test_tensor_info_truncated(void **state) {
    (void)state;
    /* Room for the counts' minimum (24 bytes a tensor info), but the info
     * ends after n_dims. */
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 1, 0);
    bb_gstr(&b, "a_sixteen_byte_n");
    bb_u32(&b, 2);
    expect_refused(&b, "gguf.truncated", HDR + 8 + 16 + 4, NULL, NULL);
    bb_free(&b);
}

static void test_data_offset(void **state) {
    (void)state;
    /* The file ends at the end of the tensor infos, which is not aligned. */
    tdesc t = {"t", 1, {0}, T_F32, 0};
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 1, 0);
    g_tensor(&b, &t);
    size_t header_end = b.len;
    assert_int_not_equal(header_end % 32, 0);
    expect_refused(&b, "gguf.data_offset", (int64_t)header_end, NULL, NULL);
    /* One byte short of the aligned data section. */
    bb_fill(&b, 0, align_up(header_end, 32) - header_end - 1);
    expect_refused(&b, "gguf.data_offset", (int64_t)header_end, NULL, NULL);
    /* At the aligned end: a zero-byte tensor there is fine. */
    bb_fill(&b, 0, 1);
    parsed p;
    parse_ok(&p, &b);
    assert_int_equal(p.m->files[0].data_offset, b.len);
    parsed_free(&p);
    bb_free(&b);
}

static void test_tensor_misaligned(void **state) {
    (void)state;
    static const tdesc t[] = {{"a", 1, {4}, T_F32, 0}, {"b", 1, {4}, T_F32, 16}};
    bbuf b;
    bb_init(&b, false);
    int64_t info_at[2];
    g_file(&b, 3, NULL, 0, t, 2, 32, 64, info_at);
    expect_refused(&b, "gguf.tensor_misaligned", info_at[1], NULL, "b");
    bb_free(&b);
}

static void test_tensor_bounds(void **state) {
    (void)state;
    const uint64_t huge = UINT64_MAX - 31;           /* aligned, wraps */
    const uint64_t wraps_end = UINT64_C(0xC000000000000000); /* start fits, end wraps */
    static tdesc cases[4];
    cases[0] = (tdesc){"t", 1, {8}, T_F32, 32};       /* [32, 64) of 48 bytes */
    cases[1] = (tdesc){"t", 1, {8}, T_F32, huge};
    cases[2] = (tdesc){"t", 1, {INT64_C(1) << 60}, T_F32, wraps_end};
    cases[3] = (tdesc){"t", 1, {13}, T_F32, 0};       /* 52 bytes of 48 */
    for (size_t i = 0; i < 4; i++) {
        bbuf b;
        one_tensor_file(&b, &cases[i], 48);
        expect_refused(&b, "gguf.tensor_bounds", HDR, NULL, "t");
        bb_free(&b);
    }
    /* Exactly to the end of the file is inside. */
    bbuf b;
    tdesc t = {"t", 1, {12}, T_F32, 0};
    one_tensor_file(&b, &t, 48);
    parsed p;
    parse_ok(&p, &b);
    assert_int_equal(p.m->files[0].data_end, b.len);
    parsed_free(&p);
    bb_free(&b);
}

static void test_tensor_overlap(void **state) {
    (void)state;
    /* The same bytes: the later declared one is named. */
    static const tdesc same[] = {{"a", 1, {8}, T_F32, 0}, {"b", 1, {8}, T_F32, 0}};
    /* Partial overlap, declared in reverse: the one that starts later. */
    static const tdesc partial[] = {{"late", 1, {8}, T_F32, 32}, {"early", 1, {16}, T_F32, 0}};
    /* Contained: a small tensor inside a big one. */
    static const tdesc inside[] = {{"big", 1, {32}, T_F32, 0}, {"mid", 1, {2}, T_F32, 64},
                                   {"end", 1, {8}, T_F32, 128}};
    struct {
        const tdesc *t;
        size_t n;
        size_t named;
    } cases[] = {{same, 2, 1}, {partial, 2, 0}, {inside, 3, 1}};
    for (size_t i = 0; i < 3; i++) {
        bbuf b;
        bb_init(&b, false);
        int64_t info_at[3];
        g_file(&b, 3, NULL, 0, cases[i].t, cases[i].n, 32, 160, info_at);
        expect_refused(&b, "gguf.tensor_overlap", info_at[cases[i].named], NULL,
                       cases[i].t[cases[i].named].name);
        bb_free(&b);
    }
    /* Adjacent tensors do not overlap. */
    static const tdesc adjacent[] = {{"a", 1, {8}, T_F32, 32}, {"b", 1, {8}, T_F32, 0}};
    bbuf b;
    bb_init(&b, false);
    g_file(&b, 3, NULL, 0, adjacent, 2, 32, 64, NULL);
    parsed p;
    parse_ok(&p, &b);
    parsed_free(&p);
    bb_free(&b);
}

/* ===== collect mode ===== */

/* A misaligned tensor and an out-of-bounds one: both reported; the
 * out-of-bounds one is dropped and the others stay, found by name. */
static void test_collect_two_breaches(void **state) {
    (void)state;
    static const tdesc t[] = {
        {"a", 1, {4}, T_F32, 0},
        {"b", 1, {4}, T_F32, 16},     /* misaligned, inside */
        {"c", 1, {4}, T_F32, 4096},   /* past the end */
        {"d", 1, {4}, T_F32, 64},
    };
    bbuf b;
    bb_init(&b, false);
    int64_t info_at[4];
    uint64_t data_offset = g_file(&b, 3, NULL, 0, t, 4, 32, 96, info_at);
    parsed p;
    parse(&p, &b, 1);
    assert_int_equal(p.d.status, CK_ERR_FORMAT);
    assert_int_equal(p.d.count, 2);
    assert_int_equal(ck_diag_count(&p.d, CK_SEV_ERROR), 2);
    assert_finding(&p.d.items[0], "gguf.tensor_misaligned", info_at[1], NULL, "b");
    assert_finding(&p.d.items[1], "gguf.tensor_bounds", info_at[2], NULL, "c");
    assert_ptr_equal(ck_diag_first_error(&p.d), &p.d.items[0]);
    /* The model holds a, b and d, in declaration order. */
    assert_non_null(p.m);
    assert_int_equal(p.m->n_tensors, 3);
    assert_string_equal(p.m->tensors[0].name, "a");
    assert_string_equal(p.m->tensors[1].name, "b");
    assert_string_equal(p.m->tensors[2].name, "d");
    assert_null(ck_model_tensor(p.m, "c", 1));
    assert_ptr_equal(tensor_at(p.m, "a"), &p.m->tensors[0]);
    assert_ptr_equal(tensor_at(p.m, "b"), &p.m->tensors[1]);
    assert_ptr_equal(tensor_at(p.m, "d"), &p.m->tensors[2]);
    assert_int_equal(tensor_at(p.m, "d")->offset, data_offset + 64);
    assert_int_equal(tensor_at(p.m, "b")->offset, data_offset + 16);
    parsed_free(&p);

    /* Strict mode stops at the first. */
    expect_refused(&b, "gguf.tensor_misaligned", info_at[1], NULL, "b");
    bb_free(&b);
}

/* Breaches that leave the rest readable are all reported; broken tensors and
 * repeated keys are left out of the model. */
static void test_collect_many(void **state) {
    (void)state;
    bbuf kvs, b;
    bb_init(&kvs, false);
    bb_init(&b, false);
    g_kv_u8(&kvs, "k", 1);
    size_t dup_kv = kvs.len;
    g_kv_u8(&kvs, "k", 2);
    size_t empty_kv = kvs.len;
    g_kv_u8(&kvs, "", 3);
    g_kv_u8(&kvs, "z", 4);
    static const tdesc t[] = {
        {"a", 1, {8}, T_F32, 0},
        {"neg", 2, {8, -3}, T_F32, 32},
        {"unk", 1, {8}, 77, 64},
        {"a", 1, {8}, T_F32, 96},
        {"odd", 1, {31}, T_Q8_0, 128},
        {"ok2", 1, {8}, T_F32, 160},
    };
    int64_t info_at[6];
    uint64_t data_offset = g_file(&b, 3, &kvs, 4, t, 6, 32, 192, info_at);
    parsed p;
    parse(&p, &b, 1);
    assert_int_equal(p.d.status, CK_ERR_FORMAT);
    assert_int_equal(p.d.count, 6);
    assert_finding(&p.d.items[0], "gguf.key_duplicate", (int64_t)(HDR + dup_kv), "k", NULL);
    assert_finding(&p.d.items[1], "gguf.key_empty", (int64_t)(HDR + empty_kv), NULL, NULL);
    assert_finding(&p.d.items[2], "gguf.dim_negative", info_at[1] + 8 + 3 + 4 + 8, NULL, "neg");
    assert_finding(&p.d.items[3], "gguf.type_unknown", info_at[2] + 8 + 3 + 4 + 8, NULL, "unk");
    assert_finding(&p.d.items[4], "gguf.tensor_duplicate", info_at[3], NULL, "a");
    assert_finding(&p.d.items[5], "gguf.block_multiple", info_at[4] + 8 + 3, NULL, "odd");
    /* The first of each key, and the tensors that are whole. */
    assert_int_equal(p.m->n_kvs, 2);
    assert_int_equal(kv_at(p.m, "k", CK_V_U8)->value.v.u, 1);
    assert_int_equal(kv_at(p.m, "z", CK_V_U8)->value.v.u, 4);
    assert_int_equal(p.m->n_tensors, 2);
    assert_int_equal(tensor_at(p.m, "a")->offset, data_offset);
    assert_int_equal(tensor_at(p.m, "ok2")->offset, data_offset + 160);
    assert_null(ck_model_tensor(p.m, "neg", 3));
    assert_null(ck_model_tensor(p.m, "unk", 3));
    assert_null(ck_model_tensor(p.m, "odd", 3));
    parsed_free(&p);
    bb_free(&kvs);
    bb_free(&b);
}

/* More than 64 tensors in collect mode, one of the first 64 dropped. */
static void test_collect_drop_many_tensors(void **state) {
    (void)state;
    enum { N = 70 };
    tdesc *t = calloc(N, sizeof *t);
    char (*names)[16] = calloc(N, 16);
    assert_non_null(t);
    assert_non_null(names);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], 16, "t%d", i);
        t[i] = (tdesc){names[i], 1, {8}, T_F32, (uint64_t)i * 32};
    }
    t[0].offset = 1 << 20;  /* out of bounds */
    bbuf b;
    bb_init(&b, false);
    g_file(&b, 3, NULL, 0, t, N, 32, (size_t)N * 32, NULL);
    parsed p;
    parse(&p, &b, 1);
    assert_int_equal(p.d.count, 1);
    assert_finding(&p.d.items[0], "gguf.tensor_bounds", ANY_OFFSET, NULL, "t0");
    assert_int_equal(p.m->n_tensors, N - 1);
    for (int i = 1; i < N; i++) assert_ptr_equal(tensor_at(p.m, names[i]), &p.m->tensors[i - 1]);
    parsed_free(&p);
    bb_free(&b);
    free(names);
    free(t);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_magic_and_short_files),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_key_string),
        cmocka_unit_test(test_key_duplicate),
        cmocka_unit_test(test_value_type),
        cmocka_unit_test(test_value_truncated),
        cmocka_unit_test(test_string_value_length),
        cmocka_unit_test(test_array_length),
        cmocka_unit_test(test_alignment_key),
        cmocka_unit_test(test_tensor_dims),
        cmocka_unit_test(test_tensor_type),
        cmocka_unit_test(test_tensor_block_multiple),
        cmocka_unit_test(test_tensor_size_overflow),
        cmocka_unit_test(test_tensor_duplicate),
        cmocka_unit_test(test_tensor_info_truncated),
        cmocka_unit_test(test_data_offset),
        cmocka_unit_test(test_tensor_misaligned),
        cmocka_unit_test(test_tensor_bounds),
        cmocka_unit_test(test_tensor_overlap),
        cmocka_unit_test(test_collect_two_breaches),
        cmocka_unit_test(test_collect_many),
        cmocka_unit_test(test_collect_drop_many_tensors),
    };
    return cmocka_run_group_tests_name("gguf", tests, NULL, NULL) ? 1 : 0;
}
