/* Unit tests: the safetensors reader.
 *
 * Files are an 8-byte length, a JSON header written here as a string, and
 * data bytes (bytes.h: bb_st_file). They are read from memory with
 * ck_st_read. Expected offsets follow from the header: a tensor's bytes are
 * at 8 + N + begin.
 */
#include "unit.h"

#include <stdio.h>

#include "bytes.h"
#include "ckpt/model.h"
#include "ckpt/rules.h"
#include "safetensors.h"

static const char FILE_NAME[] = "mem.safetensors";

/* ===== reading from memory ===== */

typedef struct parsed {
    uint8_t *copy;
    size_t size;
    uint64_t data_start;  /* 8 + N, as the test wrote it */
    ck_model *m;
    ck_diag d;
    ck_status st;
} parsed;

static void parse_bytes(parsed *p, const bbuf *b, int collect, bool keep_metadata) {
    memset(p, 0, sizeof *p);
    p->size = b->len;
    p->copy = exact_copy(b->p, b->len);
    p->data_start = b->len >= 8 ? 8 + ck_load_u64(b->p, false) : 0;
    ck_diag_init(&p->d, collect);
    p->m = ck_model_new(CK_FORMAT_SAFETENSORS, FILE_NAME);
    assert_non_null(p->m);
    ck_file f;
    assert_int_equal(ck_file_from_memory(&f, FILE_NAME, p->copy, b->len), CK_OK);
    uint32_t fi;
    assert_int_equal(ck_model_adopt_file(p->m, &f, &fi), CK_OK);
    p->st = ck_st_read(p->m, fi, keep_metadata, &p->d);
    if (p->st == CK_OK) assert_int_equal(ck_model_index_kvs(p->m), CK_OK);
}

static void parsed_free(parsed *p) {
    ck_model_free(p->m);
    ck_diag_free(&p->d);
    free(p->copy);
}

/* A file of header and data_len data bytes, accepted with no finding. */
static void parse_ok(parsed *p, const char *header, size_t data_len) {
    bbuf b;
    bb_init(&b, false);
    bb_st_file(&b, header, data_len);
    parse_bytes(p, &b, 0, true);
    bb_free(&b);
    if (p->d.count)
        print_error("unexpected finding %s: %s\n", p->d.items[0].rule->code, p->d.items[0].message);
    assert_int_equal(p->st, CK_OK);
    assert_int_equal(p->d.count, 0);
}

/* Refused strictly with exactly one finding, as described. */
static void expect_refused_bytes(const bbuf *b, const char *code, int64_t offset, const char *key,
                                 const char *tensor) {
    parsed p;
    parse_bytes(&p, b, 0, true);
    if (p.d.count && strcmp(p.d.items[0].rule->code, code) != 0)
        print_error("got %s: %s\n", p.d.items[0].rule->code, p.d.items[0].message);
    assert_int_equal(p.st, CK_ERR_FORMAT);
    assert_strict_failure(&p.d, code, offset, key, tensor);
    assert_non_null(p.d.items[0].file);
    assert_string_equal(p.d.items[0].file, FILE_NAME);
    parsed_free(&p);
}

static void expect_refused(const char *header, size_t data_len, const char *code, int64_t offset,
                           const char *key, const char *tensor) {
    bbuf b;
    bb_init(&b, false);
    bb_st_file(&b, header, data_len);
    expect_refused_bytes(&b, code, offset, key, tensor);
    bb_free(&b);
}

static const ck_tensor *tensor_at(const ck_model *m, const char *name) {
    const ck_tensor *t = ck_model_tensor(m, name, strlen(name));
    if (!t) print_error("no tensor %s\n", name);
    assert_non_null(t);
    assert_string_equal(t->name, name);
    return t;
}

/* Tensor name: dtype, shape (rank entries), bytes at data_start + begin. */
static void expect_tensor(const parsed *p, const char *name, ck_dtype dt, uint32_t rank,
                          const int64_t *shape, uint64_t nelems, uint64_t begin, uint64_t nbytes) {
    const ck_tensor *t = tensor_at(p->m, name);
    assert_int_equal(t->dtype, dt);
    assert_int_equal(t->rank, rank);
    for (uint32_t i = 0; i < rank; i++) assert_int_equal(t->shape[i], shape[i]);
    assert_int_equal(t->nelems, nelems);
    assert_int_equal(t->nbytes, nbytes);
    assert_int_equal(t->file, 0);
    assert_int_equal(t->offset, p->data_start + begin);
    assert_ptr_equal(ck_tensor_data(p->m, t), p->copy + p->data_start + begin);
}

/* ===== valid files ===== */

static void test_empty_header(void **state) {
    (void)state;
    parsed p;
    parse_ok(&p, "{}", 0);
    assert_int_equal(p.m->n_tensors, 0);
    assert_int_equal(p.m->n_kvs, 0);
    const ck_model_file *f = &p.m->files[0];
    assert_int_equal(f->st_header_len, 2);
    assert_int_equal(f->header_end, 10);
    assert_int_equal(f->data_offset, 10);
    assert_int_equal(f->data_end, 10);
    parsed_free(&p);

    /* Padded with spaces to 8, as the writer does. */
    parse_ok(&p, "{}      ", 0);
    assert_int_equal(p.m->files[0].data_offset, 16);
    assert_int_equal(p.m->n_tensors, 0);
    parsed_free(&p);
}

static void test_one_tensor(void **state) {
    (void)state;
    const char *h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";
    parsed p;
    parse_ok(&p, h, 24);
    assert_int_equal(p.m->n_tensors, 1);
    static const int64_t shape[] = {2, 3};
    expect_tensor(&p, "w", CK_DT_F32, 2, shape, 6, 0, 24);
    const ck_model_file *f = &p.m->files[0];
    assert_int_equal(f->st_header_len, strlen(h));
    assert_int_equal(f->data_offset, 8 + strlen(h));
    assert_int_equal(f->data_end, p.size);
    assert_null(ck_model_tensor(p.m, "W", 1));
    parsed_free(&p);
}

/* Tensors come out in offset order, whatever the JSON order. */
static void test_offset_order(void **state) {
    (void)state;
    const char *h =
        "{\"c\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[24,32]},"
        "\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"U64\",\"shape\":[1,2],\"data_offsets\":[8,24]}}";
    parsed p;
    parse_ok(&p, h, 32);
    assert_int_equal(p.m->n_tensors, 3);
    assert_string_equal(p.m->tensors[0].name, "a");
    assert_string_equal(p.m->tensors[1].name, "b");
    assert_string_equal(p.m->tensors[2].name, "c");
    static const int64_t sb[] = {1, 2};
    expect_tensor(&p, "b", CK_DT_U64, 2, sb, 2, 8, 16);
    assert_ptr_equal(tensor_at(p.m, "c"), &p.m->tensors[2]);
    parsed_free(&p);
}

static void test_scalars(void **state) {
    (void)state;
    const char *h =
        "{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
        "\"i\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[4,12]},"
        "\"b\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[12,13]}}";
    parsed p;
    parse_ok(&p, h, 13);
    expect_tensor(&p, "s", CK_DT_F32, 0, NULL, 1, 0, 4);
    expect_tensor(&p, "i", CK_DT_I64, 0, NULL, 1, 4, 8);
    expect_tensor(&p, "b", CK_DT_BOOL, 0, NULL, 1, 12, 1);
    parsed_free(&p);
}

/* Zero-element tensors: [x, x] offsets, in the middle and at the end. */
static void test_zero_elements(void **state) {
    (void)state;
    const char *h =
        "{\"before\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
        "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[16,16]},"
        "\"after\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]},"
        "\"end\":{\"dtype\":\"I8\",\"shape\":[5,0],\"data_offsets\":[22,22]},"
        "\"zero_at_0\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}";
    parsed p;
    parse_ok(&p, h, 22);
    assert_int_equal(p.m->n_tensors, 5);
    static const int64_t se[] = {0, 4}, sn[] = {5, 0}, sz[] = {0};
    expect_tensor(&p, "empty", CK_DT_F32, 2, se, 0, 16, 0);
    expect_tensor(&p, "end", CK_DT_I8, 2, sn, 0, 22, 0);
    expect_tensor(&p, "zero_at_0", CK_DT_U8, 1, sz, 0, 0, 0);
    /* Offset order, ties by end. */
    static const char *const order[] = {"zero_at_0", "before", "empty", "after", "end"};
    for (int i = 0; i < 5; i++) assert_string_equal(p.m->tensors[i].name, order[i]);
    parsed_free(&p);

    /* A file of only empty tensors has an empty buffer. */
    parse_ok(&p, "{\"e\":{\"dtype\":\"F64\",\"shape\":[3,0,2],\"data_offsets\":[0,0]}}", 0);
    assert_int_equal(tensor_at(p.m, "e")->nelems, 0);
    parsed_free(&p);
}

/* Sub-byte types: whole bytes only. */
static void test_sub_byte(void **state) {
    (void)state;
    const char *h =
        "{\"f4\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[0,3]},"
        "\"e2m3\":{\"dtype\":\"F6_E2M3\",\"shape\":[4],\"data_offsets\":[3,6]},"
        "\"e3m2\":{\"dtype\":\"F6_E3M2\",\"shape\":[2,4],\"data_offsets\":[6,12]}}";
    parsed p;
    parse_ok(&p, h, 12);
    static const int64_t s23[] = {2, 3}, s4[] = {4}, s24[] = {2, 4};
    expect_tensor(&p, "f4", CK_DT_F4, 2, s23, 6, 0, 3);
    expect_tensor(&p, "e2m3", CK_DT_F6_E2M3, 1, s4, 4, 3, 3);
    expect_tensor(&p, "e3m2", CK_DT_F6_E3M2, 2, s24, 8, 6, 6);
    parsed_free(&p);
}

/* Every safetensors dtype, 8 elements of it: bits bytes. */
static void test_every_dtype(void **state) {
    (void)state;
    static const struct {
        const char *name;
        unsigned bits;
    } types[] = {
        {"BOOL", 8}, {"F4", 4}, {"F6_E2M3", 6}, {"F6_E3M2", 6}, {"U8", 8}, {"I8", 8},
        {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8}, {"F8_E4M3FNUZ", 8}, {"F8_E5M2FNUZ", 8},
        {"I16", 16}, {"U16", 16}, {"F16", 16}, {"BF16", 16}, {"I32", 32}, {"U32", 32},
        {"F32", 32}, {"C64", 64}, {"F64", 64}, {"I64", 64}, {"U64", 64},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char h[160];
        snprintf(h, sizeof h, "{\"t\":{\"dtype\":\"%s\",\"shape\":[8],\"data_offsets\":[0,%u]}}",
                 types[i].name, types[i].bits);
        parsed p;
        parse_ok(&p, h, types[i].bits);
        const ck_tensor *t = tensor_at(p.m, "t");
        assert_string_equal(ck_dtype_name(t->dtype), types[i].name);
        assert_int_equal(t->nbytes, types[i].bits);
        assert_int_equal(t->nelems, 8);
        parsed_free(&p);
    }
}

/* __metadata__ entries become string kvs, in file order. */
static void test_metadata(void **state) {
    (void)state;
    const char *h =
        "{\"__metadata__\":{\"z\":\"1\",\"a\":\"two\",\"m\":\"\\u00e9\\n\",\"empty\":\"\"},"
        "\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
    parsed p;
    parse_ok(&p, h, 1);
    assert_int_equal(p.m->n_kvs, 4);
    static const char *const keys[] = {"z", "a", "m", "empty"};
    static const char *const vals[] = {"1", "two", "\xc3\xa9\n", ""};
    for (int i = 0; i < 4; i++) {
        const ck_kv *kv = &p.m->kvs[i];
        assert_int_equal(kv->key.len, strlen(keys[i]));
        assert_memory_equal(kv->key.ptr, keys[i], kv->key.len);
        assert_int_equal(kv->value.type, CK_V_STR);
        assert_int_equal(kv->value.v.s.len, strlen(vals[i]));
        assert_memory_equal(kv->value.v.s.ptr, vals[i], kv->value.v.s.len);
        assert_ptr_equal(ck_model_kv(p.m, keys[i]), kv);
    }
    assert_null(ck_model_kv(p.m, "__metadata__"));
    assert_null(ck_model_tensor(p.m, "__metadata__", 12));
    assert_int_equal(p.m->n_tensors, 1);
    parsed_free(&p);

    /* Not kept when not asked for (later shards of a set). */
    bbuf b;
    bb_init(&b, false);
    bb_st_file(&b, h, 1);
    parse_bytes(&p, &b, 0, false);
    assert_int_equal(p.st, CK_OK);
    assert_int_equal(p.m->n_kvs, 0);
    assert_int_equal(p.m->n_tensors, 1);
    parsed_free(&p);
    bb_free(&b);

    /* After the tensors, and null (the crate's Option). */
    parse_ok(&p, "{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"__metadata__\":{\"k\":\"v\"}}", 1);
    assert_int_equal(p.m->n_kvs, 1);
    parsed_free(&p);
    parse_ok(&p, "{\"__metadata__\":null}", 0);
    assert_int_equal(p.m->n_kvs, 0);
    parsed_free(&p);
}

/* JSON whitespace around and inside the header; unknown fields in entries;
 * escaped names. */
static void test_lenient_json(void **state) {
    (void)state;
    parsed p;
    parse_ok(&p, "\n  \t{ \"a\" : { \"data_offsets\" : [ 0 , 4 ] ,\n \"shape\" : [ 1 ] , \"dtype\" : \"I32\" } }\n\t \n", 4);
    expect_tensor(&p, "a", CK_DT_I32, 1, (const int64_t[]){1}, 1, 0, 4);
    parsed_free(&p);

    parse_ok(&p,
             "{\"x\":{\"comment\":\"ignored\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
             "\"extra\":{\"nested\":[1,2,{\"k\":null}]},\"quant\":null}}",
             4);
    assert_int_equal(p.m->n_tensors, 1);
    parsed_free(&p);

    parse_ok(&p, "{\"h\\u00e9\\/\\\"q\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
    tensor_at(p.m, "h\xc3\xa9/\"q");
    parsed_free(&p);
}

/* ===== malformed files: the first finding ===== */

static void test_too_small(void **state) {
    (void)state;
    for (size_t n = 0; n < 8; n++) {
        bbuf b;
        bb_init(&b, false);
        bb_fill(&b, 0, n);
        expect_refused_bytes(&b, "st.too_small", 0, NULL, NULL);
        bb_free(&b);
    }
}

static void test_header_length(void **state) {
    (void)state;
    static const struct {
        uint64_t n;
        const char *code;
    } cases[] = {
        {100000001, "st.header_too_large"},
        {UINT64_MAX, "st.header_too_large"},
        {UINT64_C(1) << 63, "st.header_too_large"},
        {100000000, "st.header_bounds"},  /* the limit itself is allowed */
        {3, "st.header_bounds"},           /* one more than the file holds */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bbuf b;
        bb_init(&b, false);
        bb_u64(&b, cases[i].n);
        bb_raw(&b, "{}", 2);
        expect_refused_bytes(&b, cases[i].code, 0, NULL, NULL);
        bb_free(&b);
    }
    /* A length of 0: an empty header is not JSON. */
    bbuf b;
    bb_init(&b, false);
    bb_u64(&b, 0);
    expect_refused_bytes(&b, "st.header_json", ANY_OFFSET, NULL, NULL);
    bb_free(&b);
}

static void test_header_utf8(void **state) {
    (void)state;
    /* An overlong '/' inside a key, at header byte 3. */
    expect_refused("{\"a\xc0\xaf\":1}", 0, "st.header_utf8", 8 + 3, NULL, NULL);
    /* A surrogate. */
    expect_refused("{\"\xed\xa0\x80\":1}", 0, "st.header_utf8", 8 + 2, NULL, NULL);
    /* A sequence cut by the end of the header. */
    expect_refused("{}  \xe2\x82", 0, "st.header_utf8", 8 + 4, NULL, NULL);
    /* A lone continuation byte in whitespace. */
    expect_refused("{} \x80", 0, "st.header_utf8", 8 + 3, NULL, NULL);
}

static void test_header_json(void **state) {
    (void)state;
    static const char *const bad[] = {"{", "{}x", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "{}{}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_refused(bad[i], 0, "st.header_json", ANY_OFFSET, NULL, NULL);
    /* NUL padding instead of spaces. */
    bbuf b;
    bb_init(&b, false);
    bb_u64(&b, 8);
    bb_raw(&b, "{}\0\0\0\0\0\0", 8);
    expect_refused_bytes(&b, "st.header_json", ANY_OFFSET, NULL, NULL);
    bb_free(&b);
}

static void test_header_object(void **state) {
    (void)state;
    static const char *const bad[] = {"[]", "[{}]", "\"str\"", "1", "null", "true"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_refused(bad[i], 0, "st.header_object", 8, NULL, NULL);
}

static void test_key_duplicate(void **state) {
    (void)state;
    expect_refused("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                   "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
                   2, "st.key_duplicate", ANY_OFFSET, NULL, NULL);
    expect_refused("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "st.key_duplicate", ANY_OFFSET,
                   NULL, NULL);
    expect_refused("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "st.key_duplicate", ANY_OFFSET, NULL,
                   NULL);
}

static void test_metadata_rule(void **state) {
    (void)state;
    expect_refused("{\"__metadata__\":\"x\"}", 0, "st.metadata", 8, NULL, NULL);
    expect_refused("{\"__metadata__\":[]}", 0, "st.metadata", 8, NULL, NULL);
    expect_refused("{\"__metadata__\":{\"ok\":\"1\",\"k\":1}}", 0, "st.metadata", 8, "k", NULL);
    expect_refused("{\"__metadata__\":{\"k\":{\"a\":\"b\"}}}", 0, "st.metadata", 8, "k", NULL);
    expect_refused("{\"__metadata__\":{\"k\":null}}", 0, "st.metadata", 8, "k", NULL);
}

/* A header with one tensor "t" whose entry is `entry`. */
static void expect_entry_refused(const char *entry, const char *code) {
    char h[512];
    snprintf(h, sizeof h, "{\"t\":%s}", entry);
    expect_refused(h, 64, code, CK_NO_OFFSET, NULL, "t");
}

static void test_tensor_info(void **state) {
    (void)state;
    static const char *const bad[] = {
        "5", "[]", "\"F32\"", "null",
        "{\"shape\":[1],\"data_offsets\":[0,4]}",
        "{\"dtype\":1,\"shape\":[1],\"data_offsets\":[0,4]}",
        "{\"dtype\":\"F32\",\"data_offsets\":[0,4]}",
        "{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}",
        "{\"dtype\":\"F32\",\"shape\":[1]}",
        "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}",
        "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}",
        "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"begin\":0}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_entry_refused(bad[i], "st.tensor_info");
}

static void test_dtype_rule(void **state) {
    (void)state;
    static const char *const bad[] = {"F12", "f32", "Q4_0", "", "F32 ", "float32", "I4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char e[160];
        snprintf(e, sizeof e, "{\"dtype\":\"%s\",\"shape\":[1],\"data_offsets\":[0,4]}", bad[i]);
        expect_entry_refused(e, "st.dtype");
    }
}

static void test_shape_rule(void **state) {
    (void)state;
    static const char *const bad[] = {"[-1]", "[1.5]", "[2.0]", "[\"2\"]", "[null]", "[true]",
                                      "[2,-3]", "[[2]]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char e[160];
        snprintf(e, sizeof e, "{\"dtype\":\"U8\",\"shape\":%s,\"data_offsets\":[0,2]}", bad[i]);
        expect_entry_refused(e, "st.shape");
    }
}

static void test_offsets_rule(void **state) {
    (void)state;
    static const char *const bad[] = {"[-1,4]", "[0,-4]", "[8,4]", "[0.0,4]", "[0,4.0]",
                                      "[\"0\",4]", "[null,4]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char e[160];
        snprintf(e, sizeof e, "{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":%s}", bad[i]);
        expect_entry_refused(e, "st.offsets");
    }
}

static void test_size_overflow(void **state) {
    (void)state;
    /* 2^32 x 2^32 elements. */
    expect_entry_refused("{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}",
                         "st.size_overflow");
    /* 2^63 elements fit; their 2^65 bytes do not. */
    expect_entry_refused("{\"dtype\":\"F32\",\"shape\":[2305843009213693952,4],\"data_offsets\":[0,0]}",
                         "st.size_overflow");
    /* Wraps only at the last dimension, after a zero would have saved it. */
    expect_entry_refused("{\"dtype\":\"U8\",\"shape\":[65536,65536,65536,65536,0],\"data_offsets\":[0,0]}",
                         "st.size_overflow");
    /* Integers over 2^63 - 1 in the header: no size or offset is that big. */
    expect_refused("{\"t\":{\"dtype\":\"U8\",\"shape\":[18446744073709551615],\"data_offsets\":[0,0]}}", 0,
                   "st.size_overflow", ANY_OFFSET, NULL, NULL);
    expect_refused("{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,9223372036854775808]}}", 0,
                   "st.size_overflow", ANY_OFFSET, NULL, NULL);
}

static void test_size_mismatch(void **state) {
    (void)state;
    static const char *const bad[] = {
        "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}",
        "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}",
        "{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}",
        "{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}",      /* 12 bits */
        "{\"dtype\":\"F4\",\"shape\":[],\"data_offsets\":[0,1]}",       /* 4 bits */
        "{\"dtype\":\"F6_E2M3\",\"shape\":[2],\"data_offsets\":[0,2]}", /* 12 bits */
        "{\"dtype\":\"F6_E3M2\",\"shape\":[5],\"data_offsets\":[0,4]}", /* 30 bits */
        "{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,2]}",
        "{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,4]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_entry_refused(bad[i], "st.size_mismatch");
}

static void test_tiling(void **state) {
    (void)state;
    char h[512];
    /* A hole at the start. */
    strcpy(h, "{\"t\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}");
    expect_refused(h, 8, "st.offset_gap", (int64_t)(8 + strlen(h) + 4), NULL, "t");
    /* A hole between two tensors: the later one is named. */
    strcpy(h, "{\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[8,12]},"
              "\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}");
    expect_refused(h, 12, "st.offset_gap", (int64_t)(8 + strlen(h) + 8), NULL, "b");
    /* Overlaps. */
    strcpy(h, "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
              "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[4,12]}}");
    expect_refused(h, 12, "st.offset_overlap", (int64_t)(8 + strlen(h) + 4), NULL, "b");
    strcpy(h, "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
              "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}");
    expect_refused(h, 8, "st.offset_overlap", (int64_t)(8 + strlen(h)), NULL, ANY);
    /* A zero-byte tensor inside another one. */
    strcpy(h, "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
              "\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,4]}}");
    expect_refused(h, 8, "st.offset_overlap", (int64_t)(8 + strlen(h) + 4), NULL, "z");
    /* Past the end of the file: at the end of the file, no tensor named. */
    strcpy(h, "{\"a\":{\"dtype\":\"U8\",\"shape\":[16],\"data_offsets\":[0,16]}}");
    expect_refused(h, 8, "st.buffer_bounds", (int64_t)(8 + strlen(h) + 8), NULL, NULL);
    /* Bytes after the last tensor: where they start. */
    strcpy(h, "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}");
    expect_refused(h, 12, "st.trailing_bytes", (int64_t)(8 + strlen(h) + 8), NULL, NULL);
    expect_refused("{}", 1, "st.trailing_bytes", 10, NULL, NULL);
}

/* ===== collect mode ===== */

static void test_collect(void **state) {
    (void)state;
    const char *h =
        "{\"__metadata__\":{\"n\":1,\"s\":\"ok\"},"
        "\"x\":{\"dtype\":\"F99\",\"shape\":[2],\"data_offsets\":[0,2]},"
        "\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[8,16]}}";
    bbuf b;
    bb_init(&b, false);
    bb_st_file(&b, h, 12);
    parsed p;
    parse_bytes(&p, &b, 1, true);
    assert_int_equal(p.d.status, CK_ERR_FORMAT);
    assert_int_equal(p.d.count, 3);
    assert_finding(&p.d.items[0], "st.metadata", 8, "n", NULL);
    assert_finding(&p.d.items[1], "st.dtype", CK_NO_OFFSET, NULL, "x");
    assert_finding(&p.d.items[2], "st.buffer_bounds", (int64_t)p.size, NULL, NULL);
    /* a is whole; b runs past the end and is dropped; x is not a tensor. */
    assert_non_null(p.m);
    assert_int_equal(p.m->n_tensors, 1);
    assert_int_equal(tensor_at(p.m, "a")->offset, 8 + strlen(h));
    assert_null(ck_model_tensor(p.m, "b", 1));
    assert_null(ck_model_tensor(p.m, "x", 1));
    /* The string metadata entry is kept. */
    assert_int_equal(p.m->n_kvs, 1);
    assert_memory_equal(p.m->kvs[0].key.ptr, "s", 1);
    parsed_free(&p);

    /* Strict mode: the first of them. */
    expect_refused_bytes(&b, "st.metadata", 8, "n", NULL);
    bb_free(&b);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_header),
        cmocka_unit_test(test_one_tensor),
        cmocka_unit_test(test_offset_order),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_zero_elements),
        cmocka_unit_test(test_sub_byte),
        cmocka_unit_test(test_every_dtype),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_lenient_json),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_header_length),
        cmocka_unit_test(test_header_utf8),
        cmocka_unit_test(test_header_json),
        cmocka_unit_test(test_header_object),
        cmocka_unit_test(test_key_duplicate),
        cmocka_unit_test(test_metadata_rule),
        cmocka_unit_test(test_tensor_info),
        cmocka_unit_test(test_dtype_rule),
        cmocka_unit_test(test_shape_rule),
        cmocka_unit_test(test_offsets_rule),
        cmocka_unit_test(test_size_overflow),
        cmocka_unit_test(test_size_mismatch),
        cmocka_unit_test(test_tiling),
        cmocka_unit_test(test_collect),
    };
    return cmocka_run_group_tests_name("safetensors", tests, NULL, NULL) ? 1 : 0;
}
