/* The GGUF and safetensors header writers, and GGUF values as JSON text.
 *
 * Headers are checked byte for byte against ones built here by hand (with
 * the test's own byte builder), and by reading written files back with
 * ckpt's readers. */
#include "unit.h"

#include <math.h>

#include "bytes.h"
#include "ckpt/model.h"
#include "ckpt/write.h"
#include "io/arena.h"
#include "kv_json.h"
#include "tmpdir.h"

static ck_kv kv_u32(const char *key, uint32_t v) {
    return (ck_kv){.key = {key, strlen(key)}, .value = {.type = CK_V_U32, .v.u = v}};
}

static ck_kv kv_str(const char *key, const char *v) {
    return (ck_kv){.key = {key, strlen(key)}, .value = {.type = CK_V_STR, .v.s = {v, strlen(v)}}};
}

/* ===== GGUF ===== */

/* One kv and two tensors, the header built by hand. */
static void test_gguf_bytes(void **state) {
    (void)state;
    ck_kv kvs[] = {kv_u32("general.alignment", 32)};
    const int64_t s0[] = {3, 32}, s1[] = {5};
    ck_wtensor t[] = {{"a", CK_DT_Q8_0, 2, s0, 3 * 34, 0}, {"b", CK_DT_F32, 1, s1, 20, 0}};
    ck_header h;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_gguf_layout(kvs, 1, t, 2, 32, &h, &d), CK_OK);
    bbuf b;
    bb_init(&b, false);
    bb_raw(&b, "GGUF", 4);
    bb_u32(&b, 3);
    bb_u64(&b, 2);
    bb_u64(&b, 1);
    bb_gstr(&b, "general.alignment");
    bb_u32(&b, 4);
    bb_u32(&b, 32);
    bb_gstr(&b, "a");
    bb_u32(&b, 2);
    bb_u64(&b, 32);  /* ne0: the innermost dimension first */
    bb_u64(&b, 3);
    bb_u32(&b, 8);   /* Q8_0 */
    bb_u64(&b, 0);
    bb_gstr(&b, "b");
    bb_u32(&b, 1);
    bb_u64(&b, 5);
    bb_u32(&b, 0);
    bb_u64(&b, 128); /* 102 bytes of a, aligned up to 128 */
    bb_pad(&b, 32);
    assert_int_equal(h.len, b.len);
    assert_memory_equal(h.bytes, b.p, b.len);
    assert_int_equal(t[0].offset, b.len);
    assert_int_equal(t[1].offset, b.len + 128);
    assert_int_equal(h.file_size, b.len + 128 + 20);
    bb_free(&b);
    ck_header_free(&h);
    ck_diag_free(&d);
}

static void expect_refused(ck_wtensor *t, const char *why_code) {
    ck_header h;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_not_equal(ck_gguf_layout(NULL, 0, t, 1, 32, &h, &d), CK_OK);
    assert_non_null(find_code(&d, why_code));
    assert_null(h.bytes);
    ck_diag_free(&d);
}

static void test_gguf_refusals(void **state) {
    (void)state;
    const int64_t s2[] = {4, 32}, s5[] = {1, 1, 1, 1, 1}, odd[] = {4, 48};
    char longname[80];
    memset(longname, 'x', 64);
    longname[64] = 0;
    ck_wtensor bool_t = {"b", CK_DT_BOOL, 2, s2, 128, 0};
    ck_wtensor rank5 = {"r", CK_DT_F32, 5, s5, 4, 0};
    ck_wtensor name64 = {longname, CK_DT_F32, 2, s2, 512, 0};
    ck_wtensor partial = {"p", CK_DT_Q4_0, 2, odd, 0, 0};
    expect_refused(&bool_t, "convert.store");
    expect_refused(&rank5, "convert.store");
    expect_refused(&name64, "convert.store");
    expect_refused(&partial, "convert.store");
    longname[63] = 0;   /* 63 bytes: allowed */
    ck_wtensor name63 = {longname, CK_DT_F32, 2, s2, 512, 0};
    ck_header h;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_gguf_layout(NULL, 0, &name63, 1, 32, &h, &d), CK_OK);
    ck_header_free(&h);
    ck_diag_free(&d);
}

/* A file written from a header and read back by ckpt's GGUF reader. */
static void test_gguf_read_back(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    char *path = path_join2(dir, "w.gguf");
    static const char *toks[] = {"<s>", "caf\xc3\xa9", ""};
    bbuf raw;
    bb_init(&raw, false);
    for (int i = 0; i < 3; i++) bb_gstr(&raw, toks[i]);
    ck_kv kvs[] = {
        kv_str("general.architecture", "llama"),
        kv_u32("llama.block_count", 7),
        {.key = {"f", 1}, .value = {.type = CK_V_F32, .v.f = 0.25}},
        {.key = {"neg", 3}, .value = {.type = CK_V_I64, .v.i = -5}},
        {.key = {"toks", 4}, .value = {.type = CK_V_ARR, .v.a = {CK_V_STR, 3, raw.p, raw.len, false}}},
    };
    const int64_t sq[] = {2, 32}, sv[] = {3};
    ck_wtensor t[] = {{"q", CK_DT_Q4_0, 2, sq, 2 * 18, 0}, {"v", CK_DT_F16, 1, sv, 6, 0}};
    ck_header h;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_gguf_layout(kvs, 5, t, 2, 32, &h, &d), CK_OK);
    uint8_t *file = calloc(1, (size_t)h.file_size);
    memcpy(file, h.bytes, h.len);
    for (size_t i = 0; i < 36; i++) file[t[0].offset + i] = (uint8_t)i;
    assert_true(write_file(path, file, (size_t)h.file_size));
    ck_model *m;
    assert_int_equal(ck_model_open(&m, path, &d), CK_OK);
    assert_int_equal(m->n_kvs, 5);
    assert_int_equal(m->n_tensors, 2);
    const ck_kv *bc = ck_model_kv(m, "llama.block_count");
    assert_non_null(bc);
    assert_int_equal(bc->value.type, CK_V_U32);
    assert_int_equal(bc->value.v.u, 7);
    assert_true(ck_model_kv(m, "f")->value.v.f == 0.25);
    assert_int_equal(ck_model_kv(m, "neg")->value.v.i, -5);
    const ck_kv *tk = ck_model_kv(m, "toks");
    assert_int_equal(tk->value.v.a.count, 3);
    assert_int_equal(m->tensors[0].shape[0], 2);
    assert_int_equal(m->tensors[0].shape[1], 32);
    assert_int_equal(m->tensors[0].offset, t[0].offset);
    assert_memory_equal(ck_tensor_data(m, &m->tensors[0]), file + t[0].offset, 36);
    assert_int_equal(m->tensors[1].dtype, CK_DT_F16);
    assert_int_equal(m->tensors[1].offset % 32, 0);
    assert_string_equal(m->hparams.arch, "llama");
    ck_model_free(m);
    ck_header_free(&h);
    ck_diag_free(&d);
    bb_free(&raw);
    free(file);
    free(path);
    tmpdir_remove(dir);
}

/* ===== safetensors ===== */

static void test_st_bytes(void **state) {
    (void)state;
    ck_kv meta[] = {kv_str("format", "pt")};
    const int64_t s0[] = {2}, s1[] = {1, 3};
    ck_wtensor t[] = {{"w", CK_DT_BF16, 1, s0, 4, 0}, {"x", CK_DT_F32, 2, s1, 12, 0}};
    ck_header h;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_st_layout(meta, 1, t, 2, &h, &d), CK_OK);
    const char *json = "{\"__metadata__\":{\"format\":\"pt\"},"
                       "\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                       "\"x\":{\"dtype\":\"F32\",\"shape\":[1,3],\"data_offsets\":[4,16]}}";
    size_t n = strlen(json), padded = (n + 7) / 8 * 8;
    assert_int_equal(h.len, 8 + padded);
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) hl |= (uint64_t)h.bytes[i] << (8 * i);
    assert_int_equal(hl, padded);
    assert_memory_equal(h.bytes + 8, json, n);
    for (size_t i = n; i < padded; i++) assert_int_equal(h.bytes[8 + i], ' ');
    assert_int_equal(t[0].offset, 8 + padded);
    assert_int_equal(t[1].offset, 8 + padded + 4);
    assert_int_equal(h.file_size, 8 + padded + 16);
    ck_header_free(&h);
    /* Types safetensors has no name for, and the reserved name, are refused. */
    ck_wtensor q = {"q", CK_DT_Q4_0, 1, (const int64_t[]){32}, 18, 0};
    ck_wtensor res = {"__metadata__", CK_DT_F32, 1, s0, 8, 0};
    assert_int_not_equal(ck_st_layout(NULL, 0, &q, 1, &h, &d), CK_OK);
    assert_int_not_equal(ck_st_layout(NULL, 0, &res, 1, &h, &d), CK_OK);
    assert_non_null(find_code(&d, "convert.store"));
    ck_diag_free(&d);
}

/* ===== JSON values ===== */

static void round_trip(const ck_value *v, const char *want_json, const char *want_spec) {
    char *json = ck_value_json(v), *spec = ck_value_spec(v);
    assert_non_null(json);
    assert_non_null(spec);
    if (want_json) assert_string_equal(json, want_json);
    if (want_spec) assert_string_equal(spec, want_spec);
    ck_arena *a = ck_arena_new();
    ck_value back;
    const char *why = NULL;
    assert_true(ck_value_from_json(json, strlen(json), spec, a, &back, &why));
    assert_int_equal(back.type, v->type);
    char *again = ck_value_json(&back);
    assert_string_equal(again, json);
    if (v->type == CK_V_F32 || v->type == CK_V_F64) {
        if (isnan(v->v.f)) assert_true(isnan(back.v.f));
        else assert_memory_equal(&back.v.f, &v->v.f, sizeof v->v.f);
    }
    free(again);
    ck_arena_free(a);
    free(json);
    free(spec);
}

static void test_json_scalars(void **state) {
    (void)state;
    round_trip(&(ck_value){.type = CK_V_U8, .v.u = 255}, "255", "UINT8");
    round_trip(&(ck_value){.type = CK_V_I8, .v.i = -128}, "-128", "INT8");
    round_trip(&(ck_value){.type = CK_V_U32, .v.u = 4294967295u}, "4294967295", "UINT32");
    round_trip(&(ck_value){.type = CK_V_I64, .v.i = INT64_MIN}, "-9223372036854775808", "INT64");
    /* Beyond int64: a decimal string. */
    round_trip(&(ck_value){.type = CK_V_U64, .v.u = UINT64_MAX}, "\"18446744073709551615\"", "UINT64");
    round_trip(&(ck_value){.type = CK_V_U64, .v.u = 7}, "7", "UINT64");
    round_trip(&(ck_value){.type = CK_V_BOOL, .v.b = true}, "true", "BOOL");
    /* Floats: the shortest text that reads back as the same float. */
    round_trip(&(ck_value){.type = CK_V_F32, .v.f = (float)1e-5}, "1e-05", "FLOAT32");
    round_trip(&(ck_value){.type = CK_V_F32, .v.f = 10000.0f}, "10000.0", "FLOAT32");
    round_trip(&(ck_value){.type = CK_V_F32, .v.f = 0.1f}, "0.1", "FLOAT32");
    round_trip(&(ck_value){.type = CK_V_F32, .v.f = 1.4e-45f}, NULL, "FLOAT32");
    round_trip(&(ck_value){.type = CK_V_F64, .v.f = 0.1}, "0.1", "FLOAT64");
    round_trip(&(ck_value){.type = CK_V_F64, .v.f = 1.0 / 3}, "0.3333333333333333", "FLOAT64");
    round_trip(&(ck_value){.type = CK_V_F64, .v.f = -INFINITY}, "\"-inf\"", "FLOAT64");
    round_trip(&(ck_value){.type = CK_V_F32, .v.f = NAN}, "\"nan\"", "FLOAT32");
    const char s[] = "a \"quote\"\n\xc3\xa9";
    round_trip(&(ck_value){.type = CK_V_STR, .v.s = {s, strlen(s)}}, "\"a \\\"quote\\\"\\n\xc3\xa9\"", "STRING");
}

static void test_json_arrays(void **state) {
    (void)state;
    bbuf b;
    bb_init(&b, false);
    bb_gstr(&b, "x");
    bb_gstr(&b, "");
    ck_value strs = {.type = CK_V_ARR, .v.a = {CK_V_STR, 2, b.p, b.len, false}};
    round_trip(&strs, "[\"x\",\"\"]", "ARRAY[STRING]");
    bbuf f;
    bb_init(&f, false);
    bb_f32(&f, 1.5f);
    bb_f32(&f, -0.0f);
    ck_value fl = {.type = CK_V_ARR, .v.a = {CK_V_F32, 2, f.p, f.len, false}};
    round_trip(&fl, "[1.5,-0.0]", "ARRAY[FLOAT32]");
    /* Big-endian source arrays come out as their values. */
    bbuf be;
    bb_init(&be, true);
    bb_i32(&be, -2);
    bb_i32(&be, 3);
    ck_value bi = {.type = CK_V_ARR, .v.a = {CK_V_I32, 2, be.p, be.len, true}};
    round_trip(&bi, "[-2,3]", "ARRAY[INT32]");
    /* Arrays of arrays. */
    bbuf n;
    bb_init(&n, false);
    bb_u32(&n, CK_V_U16);
    bb_u64(&n, 2);
    bb_u16(&n, 1);
    bb_u16(&n, 2);
    bb_u32(&n, CK_V_U16);
    bb_u64(&n, 0);
    ck_value nested = {.type = CK_V_ARR, .v.a = {CK_V_ARR, 2, n.p, n.len, false}};
    round_trip(&nested, "[[1,2],[]]", "ARRAY[ARRAY[UINT16]]");
    ck_value empty = {.type = CK_V_ARR, .v.a = {CK_V_U8, 0, b.p, 0, false}};
    round_trip(&empty, "[]", "ARRAY[UINT8]");
    bb_free(&b);
    bb_free(&f);
    bb_free(&be);
    bb_free(&n);
}

static void expect_bad(const char *json, const char *spec) {
    ck_arena *a = ck_arena_new();
    ck_value v;
    const char *why = NULL;
    assert_false(ck_value_from_json(json, strlen(json), spec, a, &v, &why));
    assert_non_null(why);
    ck_arena_free(a);
}

static void test_json_refusals(void **state) {
    (void)state;
    expect_bad("256", "UINT8");
    expect_bad("-1", "UINT32");
    expect_bad("1.5", "INT32");
    expect_bad("\"7\"", "INT64");          /* only UINT64 takes a string */
    expect_bad("\"-1\"", "UINT64");
    expect_bad("\"12x\"", "UINT64");
    expect_bad("true", "FLOAT32");
    expect_bad("\"NaN\"", "FLOAT32");      /* the spelling is "nan" */
    expect_bad("1", "STRING");
    expect_bad("[1,\"a\"]", "ARRAY[INT8]");
    expect_bad("{}", "ARRAY[INT8]");
    expect_bad("1", "UINT9");
    expect_bad("[1]", "ARRAY[");
    expect_bad("[[[[[1]]]]]", "ARRAY[ARRAY[ARRAY[ARRAY[ARRAY[UINT8]]]]]");
    expect_bad("not json", "STRING");
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gguf_bytes),     cmocka_unit_test(test_gguf_refusals),
        cmocka_unit_test(test_gguf_read_back), cmocka_unit_test(test_st_bytes),
        cmocka_unit_test(test_json_scalars),   cmocka_unit_test(test_json_arrays),
        cmocka_unit_test(test_json_refusals),
    };
    return cmocka_run_group_tests_name("write", tests, NULL, tmpdir_teardown) ? 1 : 0;
}
