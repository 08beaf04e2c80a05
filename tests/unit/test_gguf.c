/* Unit tests: the GGUF reader on valid input.
 *
 * GGUF files are built here byte by byte (gguf_writer.h), read from memory with
 * ck_gguf_read, and checked against what the bytes say: values of every type,
 * arrays, tensor layout in both byte orders. The last tests open the generated
 * fixtures (argv[1]) and check facts that follow from tests/gen/fixtures.py.
 */
#include "unit.h"

#include <math.h>

#include "gguf_read.h"
/* ===== valid files ===== */

static void test_empty_file(void **state) {
    (void)state;
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 0, 0);
    parsed p;
    parse_ok(&p, &b);
    assert_int_equal(p.m->n_kvs, 0);
    assert_int_equal(p.m->n_tensors, 0);
    const ck_model_file *f = &p.m->files[0];
    assert_int_equal(f->gguf_version, 3);
    assert_false(f->big_endian);
    assert_int_equal(f->alignment, 32);
    assert_int_equal(f->tensor_count, 0);
    assert_int_equal(f->kv_count, 0);
    assert_int_equal(f->header_end, HDR);
    /* No tensors: no padding, the data section is the end of the header. */
    assert_int_equal(f->data_offset, HDR);
    assert_null(ck_model_kv(p.m, "general.alignment"));
    assert_null(ck_model_tensor(p.m, "x", 1));
    parsed_free(&p);
    bb_free(&b);
}

/* Every scalar value type, in both byte orders, with kv offsets. */
static void check_scalars(bool be) {
    bbuf b;
    bb_init(&b, be);
    g_header(&b, 3, 0, 14);
    int64_t at[14];
    int k = 0;
    at[k++] = (int64_t)b.len; g_key(&b, "u8", V_U8); bb_u8(&b, 200);
    at[k++] = (int64_t)b.len; g_key(&b, "i8", V_I8); bb_i8(&b, -100);
    at[k++] = (int64_t)b.len; g_key(&b, "u16", V_U16); bb_u16(&b, 60000);
    at[k++] = (int64_t)b.len; g_key(&b, "i16", V_I16); bb_i16(&b, -30000);
    at[k++] = (int64_t)b.len; g_key(&b, "u32", V_U32); bb_u32(&b, 4000000000u);
    at[k++] = (int64_t)b.len; g_key(&b, "i32", V_I32); bb_i32(&b, INT32_MIN);
    at[k++] = (int64_t)b.len; g_key(&b, "f32", V_F32); bb_f32(&b, 3.14159f);
    at[k++] = (int64_t)b.len; g_key(&b, "bool.t", V_BOOL); bb_u8(&b, 1);
    at[k++] = (int64_t)b.len; g_key(&b, "bool.f", V_BOOL); bb_u8(&b, 0);
    at[k++] = (int64_t)b.len; g_key(&b, "str", V_STR); bb_gstr(&b, "hello, w\xc3\xb6rld");
    at[k++] = (int64_t)b.len; g_key(&b, "str.empty", V_STR); bb_gstr(&b, "");
    at[k++] = (int64_t)b.len; g_key(&b, "u64", V_U64); bb_u64(&b, UINT64_MAX);
    at[k++] = (int64_t)b.len; g_key(&b, "i64", V_I64); bb_i64(&b, INT64_MIN);
    at[k++] = (int64_t)b.len; g_key(&b, "f64", V_F64); bb_f64(&b, -2.5e-300);
    assert_int_equal(k, 14);

    parsed p;
    parse_ok(&p, &b);
    const ck_model *m = p.m;
    assert_int_equal(m->files[0].big_endian, be);
    assert_int_equal(m->files[0].kv_count, 14);
    assert_int_equal(m->files[0].header_end, b.len);
    assert_int_equal(m->n_kvs, 14);
    /* File order, offsets of each entry. */
    static const char *const keys[14] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool.t",
                                         "bool.f", "str", "str.empty", "u64", "i64", "f64"};
    for (int i = 0; i < 14; i++) {
        assert_str(m->kvs[i].key, keys[i]);
        assert_int_equal(m->kvs[i].offset, at[i]);
        assert_int_equal(m->kvs[i].file, 0);
        assert_ptr_equal(ck_model_kv(m, keys[i]), &m->kvs[i]);
    }
    assert_int_equal(kv_at(m, "u8", CK_V_U8)->value.v.u, 200);
    assert_int_equal(kv_at(m, "i8", CK_V_I8)->value.v.i, -100);
    assert_int_equal(kv_at(m, "u16", CK_V_U16)->value.v.u, 60000);
    assert_int_equal(kv_at(m, "i16", CK_V_I16)->value.v.i, -30000);
    assert_int_equal(kv_at(m, "u32", CK_V_U32)->value.v.u, 4000000000u);
    assert_int_equal(kv_at(m, "i32", CK_V_I32)->value.v.i, INT32_MIN);
    assert_true(kv_at(m, "f32", CK_V_F32)->value.v.f == (double)3.14159f);
    assert_true(kv_at(m, "bool.t", CK_V_BOOL)->value.v.b);
    assert_false(kv_at(m, "bool.f", CK_V_BOOL)->value.v.b);
    const ck_kv *s = kv_at(m, "str", CK_V_STR);
    assert_str(s->value.v.s, "hello, w\xc3\xb6rld");
    /* Strings point into the file. */
    assert_ptr_equal(s->value.v.s.ptr, (const char *)p.copy + at[9] + 8 + 3 + 4 + 8);
    assert_int_equal(kv_at(m, "str.empty", CK_V_STR)->value.v.s.len, 0);
    assert_int_equal(kv_at(m, "u64", CK_V_U64)->value.v.u, UINT64_MAX);
    assert_true(kv_at(m, "i64", CK_V_I64)->value.v.i == INT64_MIN);
    assert_true(kv_at(m, "f64", CK_V_F64)->value.v.f == -2.5e-300);
    assert_null(ck_model_kv(m, "u"));
    assert_null(ck_model_kv(m, "u8 "));
    parsed_free(&p);
    bb_free(&b);
}

static void test_scalars_le(void **state) { (void)state; check_scalars(false); }
static void test_scalars_be(void **state) { (void)state; check_scalars(true); }

/* A BOOL byte other than 0 or 1 is read as true (ggml reads it as a C bool
 * of the byte); the file is not refused. */
static void test_bool_byte(void **state) {
    (void)state;
    bbuf b;
    bb_init(&b, false);
    g_header(&b, 3, 0, 1);
    g_key(&b, "b", V_BOOL);
    bb_u8(&b, 2);
    parsed p;
    parse_ok(&p, &b);
    assert_true(kv_at(p.m, "b", CK_V_BOOL)->value.v.b);
    parsed_free(&p);
    bb_free(&b);
}

/* ===== arrays ===== */

static void expect_next_int(ck_array_iter *it, ck_vtype type, int64_t want) {
    ck_value v;
    assert_true(ck_array_next(it, &v));
    assert_int_equal(v.type, type);
    assert_true(v.v.i == want);
}

static void expect_next_uint(ck_array_iter *it, ck_vtype type, uint64_t want) {
    ck_value v;
    assert_true(ck_array_next(it, &v));
    assert_int_equal(v.type, type);
    assert_int_equal(v.v.u, want);
}

static void expect_next_str(ck_array_iter *it, const char *want) {
    ck_value v;
    assert_true(ck_array_next(it, &v));
    assert_int_equal(v.type, CK_V_STR);
    assert_str(v.v.s, want);
}

static void expect_end(ck_array_iter *it) {
    ck_value v;
    assert_false(ck_array_next(it, &v));
    assert_false(ck_array_next(it, &v));
}

static const ck_array *array_at(const ck_model *m, const char *key, ck_vtype elem, uint64_t count) {
    const ck_kv *kv = kv_at(m, key, CK_V_ARR);
    assert_int_equal(kv->value.v.a.elem, elem);
    assert_int_equal(kv->value.v.a.count, count);
    return &kv->value.v.a;
}

static void check_arrays(bool be) {
    bbuf b;
    bb_init(&b, be);
    g_header(&b, 3, 0, 9);
    g_key(&b, "i32", V_ARR);
    g_arr(&b, V_I32, 3);
    bb_i32(&b, 1); bb_i32(&b, -2); bb_i32(&b, INT32_MAX);
    g_key(&b, "str", V_ARR);
    g_arr(&b, V_STR, 3);
    bb_gstr(&b, "a"); bb_gstr(&b, ""); bb_gstr(&b, "xyz");
    g_key(&b, "empty", V_ARR);
    g_arr(&b, V_U8, 0);
    g_key(&b, "bool", V_ARR);
    g_arr(&b, V_BOOL, 2);
    bb_u8(&b, 1); bb_u8(&b, 0);
    g_key(&b, "f64", V_ARR);
    g_arr(&b, V_F64, 2);
    bb_f64(&b, 0.5); bb_f64(&b, -1e300);
    g_key(&b, "u64", V_ARR);
    g_arr(&b, V_U64, 1);
    bb_u64(&b, UINT64_MAX - 1);
    g_key(&b, "i16", V_ARR);
    g_arr(&b, V_I16, 2);
    bb_i16(&b, -32768); bb_i16(&b, 32767);
    /* [[1, 2], [], ["s"]]: inner arrays each with their own type */
    g_key(&b, "nested", V_ARR);
    g_arr(&b, V_ARR, 3);
    g_arr(&b, V_I32, 2);
    bb_i32(&b, 1); bb_i32(&b, 2);
    g_arr(&b, V_I32, 0);
    g_arr(&b, V_STR, 1);
    bb_gstr(&b, "s");
    /* [[["x", "y"]], []] three levels */
    g_key(&b, "nested3", V_ARR);
    g_arr(&b, V_ARR, 2);
    g_arr(&b, V_ARR, 1);
    g_arr(&b, V_STR, 2);
    bb_gstr(&b, "x"); bb_gstr(&b, "y");
    g_arr(&b, V_ARR, 0);

    parsed p;
    parse_ok(&p, &b);
    const ck_model *m = p.m;
    ck_array_iter it;
    ck_value v;

    const ck_array *a = array_at(m, "i32", CK_V_I32, 3);
    assert_int_equal(a->raw_len, 12);
    assert_int_equal(a->big_endian, be);
    ck_array_iter_init(&it, a);
    expect_next_int(&it, CK_V_I32, 1);
    expect_next_int(&it, CK_V_I32, -2);
    expect_next_int(&it, CK_V_I32, INT32_MAX);
    expect_end(&it);

    a = array_at(m, "str", CK_V_STR, 3);
    assert_int_equal(a->raw_len, 3 * 8 + 4);
    ck_array_iter_init(&it, a);
    expect_next_str(&it, "a");
    expect_next_str(&it, "");
    expect_next_str(&it, "xyz");
    expect_end(&it);

    a = array_at(m, "empty", CK_V_U8, 0);
    assert_int_equal(a->raw_len, 0);
    ck_array_iter_init(&it, a);
    expect_end(&it);

    a = array_at(m, "bool", CK_V_BOOL, 2);
    ck_array_iter_init(&it, a);
    assert_true(ck_array_next(&it, &v));
    assert_int_equal(v.type, CK_V_BOOL);
    assert_true(v.v.b);
    assert_true(ck_array_next(&it, &v));
    assert_false(v.v.b);
    expect_end(&it);

    a = array_at(m, "f64", CK_V_F64, 2);
    ck_array_iter_init(&it, a);
    assert_true(ck_array_next(&it, &v));
    assert_true(v.type == CK_V_F64 && v.v.f == 0.5);
    assert_true(ck_array_next(&it, &v));
    assert_true(v.v.f == -1e300);
    expect_end(&it);

    a = array_at(m, "u64", CK_V_U64, 1);
    ck_array_iter_init(&it, a);
    expect_next_uint(&it, CK_V_U64, UINT64_MAX - 1);
    expect_end(&it);

    a = array_at(m, "i16", CK_V_I16, 2);
    ck_array_iter_init(&it, a);
    expect_next_int(&it, CK_V_I16, -32768);
    expect_next_int(&it, CK_V_I16, 32767);
    expect_end(&it);

    a = array_at(m, "nested", CK_V_ARR, 3);
    ck_array_iter_init(&it, a);
    ck_value inner;
    ck_array_iter it2;
    assert_true(ck_array_next(&it, &inner));
    assert_int_equal(inner.type, CK_V_ARR);
    assert_int_equal(inner.v.a.elem, CK_V_I32);
    assert_int_equal(inner.v.a.count, 2);
    ck_array_iter_init(&it2, &inner.v.a);
    expect_next_int(&it2, CK_V_I32, 1);
    expect_next_int(&it2, CK_V_I32, 2);
    expect_end(&it2);
    assert_true(ck_array_next(&it, &inner));
    assert_int_equal(inner.v.a.elem, CK_V_I32);
    assert_int_equal(inner.v.a.count, 0);
    ck_array_iter_init(&it2, &inner.v.a);
    expect_end(&it2);
    assert_true(ck_array_next(&it, &inner));
    assert_int_equal(inner.v.a.elem, CK_V_STR);
    assert_int_equal(inner.v.a.count, 1);
    ck_array_iter_init(&it2, &inner.v.a);
    expect_next_str(&it2, "s");
    expect_end(&it2);
    expect_end(&it);

    a = array_at(m, "nested3", CK_V_ARR, 2);
    ck_array_iter_init(&it, a);
    assert_true(ck_array_next(&it, &inner));
    assert_int_equal(inner.v.a.elem, CK_V_ARR);
    assert_int_equal(inner.v.a.count, 1);
    ck_array_iter_init(&it2, &inner.v.a);
    ck_value leaf;
    assert_true(ck_array_next(&it2, &leaf));
    assert_int_equal(leaf.v.a.elem, CK_V_STR);
    assert_int_equal(leaf.v.a.count, 2);
    ck_array_iter it3;
    ck_array_iter_init(&it3, &leaf.v.a);
    expect_next_str(&it3, "x");
    expect_next_str(&it3, "y");
    expect_end(&it3);
    expect_end(&it2);
    assert_true(ck_array_next(&it, &inner));
    assert_int_equal(inner.v.a.elem, CK_V_ARR);
    assert_int_equal(inner.v.a.count, 0);
    expect_end(&it);

    parsed_free(&p);
    bb_free(&b);
}

static void test_arrays_le(void **state) { (void)state; check_arrays(false); }
static void test_arrays_be(void **state) { (void)state; check_arrays(true); }

/* Arrays nested `depth` levels (the kv's own array is level 1), innermost an
 * empty INT32 array, under key "deep". */
static void deep_array_file(bbuf *b, int depth) {
    bb_init(b, false);
    g_header(b, 3, 0, 1);
    g_key(b, "deep", V_ARR);
    for (int i = 1; i < depth; i++) g_arr(b, V_ARR, 1);
    g_arr(b, V_I32, 0);
}

static void test_array_nesting(void **state) {
    (void)state;
    bbuf b;
    deep_array_file(&b, 4);
    parsed p;
    parse_ok(&p, &b);
    const ck_array *a = array_at(p.m, "deep", CK_V_ARR, 1);
    assert_int_equal(a->raw_len, 3 * 12);
    parsed_free(&p);
    bb_free(&b);

    /* Level 5 starts after the key (24 + 12), the type (4) and 4 headers. */
    deep_array_file(&b, 5);
    expect_refused(&b, "gguf.array_nesting", HDR + 12 + 4 + 4 * 12, "deep", NULL);
    bb_free(&b);
    deep_array_file(&b, 1000);
    expect_refused(&b, "gguf.array_nesting", HDR + 12 + 4 + 4 * 12, "deep", NULL);
    bb_free(&b);
}

/* ===== tensors ===== */

/* a F32 [4,3], b Q4_0 [64,2], c Q4_K [256,1,2], d F16 4-D, e F32 0-D,
 * z F32 [8,0]: laid out as ggml does, each at the aligned running offset. */
static const tdesc layout_tensors[] = {
    {"a", 2, {4, 3}, T_F32, 0},              /* 48 bytes */
    {"b", 2, {64, 2}, T_Q4_0, 64},           /* 2 x 2 x 18 = 72 */
    {"c", 3, {256, 1, 2}, T_Q4_K, 160},      /* 2 x 144 = 288 */
    {"d", 4, {2, 3, 1, 2}, T_F16, 448},      /* 12 x 2 = 24 */
    {"e", 0, {0}, T_F32, 480},               /* one element */
    {"z", 2, {8, 0}, T_F32, 512},            /* no element */
};
#define N_LAYOUT (sizeof layout_tensors / sizeof layout_tensors[0])

static void check_layout(bool be, uint32_t version) {
    bbuf kvs, b;
    bb_init(&kvs, be);
    bb_init(&b, be);
    g_kv_str(&kvs, "general.architecture", "test");
    int64_t info_at[N_LAYOUT];
    uint64_t data_offset = g_file(&b, version, &kvs, 1, layout_tensors, N_LAYOUT, 32, 512, info_at);
    uint64_t header_end = (uint64_t)info_at[N_LAYOUT - 1] + 8 + 1 + 4 + 2 * 8 + 4 + 8;
    assert_int_equal(data_offset, align_up(header_end, 32));

    parsed p;
    parse_ok(&p, &b);
    const ck_model *m = p.m;
    const ck_model_file *f = &m->files[0];
    assert_int_equal(f->gguf_version, version);
    assert_int_equal(f->big_endian, be);
    assert_int_equal(f->alignment, 32);
    assert_int_equal(f->tensor_count, N_LAYOUT);
    assert_int_equal(f->kv_count, 1);
    assert_int_equal(f->header_end, header_end);
    assert_int_equal(f->data_offset, data_offset);
    assert_int_equal(f->data_end, data_offset + 512);
    assert_int_equal(m->n_tensors, N_LAYOUT);

    static const struct {
        ck_dtype dt;
        uint32_t rank;
        int64_t shape[4];
        uint64_t nelems, nbytes;
    } want[N_LAYOUT] = {
        {CK_DT_F32, 2, {3, 4}, 12, 48},
        {CK_DT_Q4_0, 2, {2, 64}, 128, 72},
        {CK_DT_Q4_K, 3, {2, 1, 256}, 512, 288},
        {CK_DT_F16, 4, {2, 1, 3, 2}, 12, 24},
        {CK_DT_F32, 0, {0}, 1, 4},
        {CK_DT_F32, 2, {0, 8}, 0, 0},
    };
    for (size_t i = 0; i < N_LAYOUT; i++) {
        const ck_tensor *t = &m->tensors[i];  /* declaration order */
        assert_ptr_equal(tensor_at(m, layout_tensors[i].name), t);
        assert_int_equal(t->dtype, want[i].dt);
        assert_shape(t, want[i].rank, want[i].shape);
        assert_int_equal(t->nelems, want[i].nelems);
        assert_int_equal(t->nbytes, want[i].nbytes);
        assert_int_equal(t->file, 0);
        assert_int_equal(t->offset, data_offset + layout_tensors[i].offset);
        assert_int_equal(t->info_offset, info_at[i]);
        assert_ptr_equal(ck_tensor_data(m, t), p.copy + data_offset + layout_tensors[i].offset);
    }
    assert_str(kv_at(m, "general.architecture", CK_V_STR)->value.v.s, "test");
    assert_null(ck_model_tensor(m, "a ", 2));
    assert_null(ck_model_tensor(m, "", 0));
    parsed_free(&p);
    bb_free(&kvs);
    bb_free(&b);
}

static void test_tensors_le(void **state) { (void)state; check_layout(false, 3); }
static void test_tensors_be(void **state) { (void)state; check_layout(true, 3); }
static void test_tensors_v2(void **state) { (void)state; check_layout(false, 2); }

/* general.alignment = 64: the data section and every offset follow it. */
static void test_alignment_64(void **state) {
    (void)state;
    bbuf kvs, b;
    bb_init(&kvs, false);
    bb_init(&b, false);
    g_kv_u32(&kvs, "general.alignment", 64);
    static const tdesc t[] = {
        {"x", 1, {4}, T_F32, 0},     /* 16 bytes */
        {"y", 2, {32, 3}, T_Q8_0, 64},  /* 102 bytes */
    };
    int64_t info_at[2];
    uint64_t data_offset = g_file(&b, 3, &kvs, 1, t, 2, 64, 192, info_at);
    uint64_t header_end = (uint64_t)info_at[1] + 8 + 1 + 4 + 16 + 4 + 8;
    assert_int_equal(data_offset, align_up(header_end, 64));
    assert_int_not_equal(data_offset, align_up(header_end, 32));  /* the layout tells 32 from 64 */
    parsed p;
    parse_ok(&p, &b);
    assert_int_equal(p.m->files[0].alignment, 64);
    assert_int_equal(p.m->files[0].data_offset, data_offset);
    assert_int_equal(tensor_at(p.m, "y")->offset, data_offset + 64);
    assert_int_equal(tensor_at(p.m, "y")->nbytes, 102);
    assert_int_equal(kv_at(p.m, "general.alignment", CK_V_U32)->value.v.u, 64);
    parsed_free(&p);
    bb_free(&kvs);
    bb_free(&b);
}

/* Alignment 1 is a power of two: offsets need no padding. */
static void test_alignment_1(void **state) {
    (void)state;
    bbuf kvs, b;
    bb_init(&kvs, false);
    bb_init(&b, false);
    g_kv_u32(&kvs, "general.alignment", 1);
    static const tdesc t[] = {{"x", 1, {3}, T_I8, 0}, {"y", 1, {1}, T_F32, 3}};
    int64_t info_at[2];
    uint64_t data_offset = g_file(&b, 3, &kvs, 1, t, 2, 1, 7, info_at);
    parsed p;
    parse_ok(&p, &b);
    assert_int_equal(p.m->files[0].data_offset, data_offset);
    assert_int_equal(p.m->files[0].header_end, data_offset);
    assert_int_equal(tensor_at(p.m, "y")->offset, data_offset + 3);
    parsed_free(&p);
    bb_free(&kvs);
    bb_free(&b);
}

/* Zero-byte tensors may share an offset, with each other and with the start
 * of a tensor that has bytes: they hold no byte to share. */
static void test_zero_size_tensors(void **state) {
    (void)state;
    bbuf b;
    bb_init(&b, false);
    static const tdesc t[] = {
        {"e1", 2, {4, 0}, T_F32, 0},
        {"e2", 1, {0}, T_Q4_K, 0},
        {"a", 1, {8}, T_F32, 0},
        {"e3", 1, {0}, T_F32, 32},
    };
    uint64_t data_offset = g_file(&b, 3, NULL, 0, t, 4, 32, 32, NULL);
    parsed p;
    parse_ok(&p, &b);
    assert_int_equal(p.m->n_tensors, 4);
    assert_int_equal(tensor_at(p.m, "e2")->nbytes, 0);
    assert_int_equal(tensor_at(p.m, "e3")->offset, data_offset + 32);
    parsed_free(&p);
    bb_free(&b);
}

/* A byte-swapped version number is the mark of a big-endian file. */
static void test_version_byte_order(void **state) {
    (void)state;
    bbuf b;
    bb_init(&b, true);
    g_header(&b, 2, 0, 1);
    g_kv_u32(&b, "k", 0x01020304);
    parsed p;
    parse_ok(&p, &b);
    assert_true(p.m->files[0].big_endian);
    assert_int_equal(p.m->files[0].gguf_version, 2);
    assert_int_equal(kv_at(p.m, "k", CK_V_U32)->value.v.u, 0x01020304);
    parsed_free(&p);
    bb_free(&b);
}

/* ===== generated fixtures (argv[1]) =====
 *
 * Facts that follow from tests/gen/fixtures.py: its kv lists, its tensor
 * plans, and its layout (each tensor at the running sum of the padded sizes
 * of the ones before it; a filler string that makes the header end off the
 * alignment).
 */

static ck_model *open_fixture(const char *rel) {
    char *path = path_join2(g_fixtures, rel);
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_model *m = NULL;
    ck_status st = ck_model_open(&m, path, &d);
    if (st != CK_OK)
        print_error("%s: %s [%s]\n", path, d.count ? d.items[0].message : "?",
                    d.count ? d.items[0].rule->code : "?");
    assert_int_equal(st, CK_OK);
    assert_int_equal(d.count, 0);
    assert_non_null(m);
    ck_diag_free(&d);
    free(path);
    return m;
}

/* A fixture tensor: name, dtype name, ggml ne (n_dims of them), byte size. */
typedef struct ftensor {
    const char *name;
    const char *dtype;
    uint32_t n_dims;
    int64_t ne[4];
    uint64_t nbytes;
} ftensor;

/* Tensors in declaration order are at the running aligned offsets; the file
 * ends with the last tensor's padding. */
static void check_fixture_tensors(const ck_model *m, const ftensor *want, size_t n, uint32_t align) {
    const ck_model_file *f = &m->files[0];
    assert_int_equal(m->n_tensors, n);
    assert_int_equal(f->tensor_count, n);
    assert_int_equal(f->alignment, align);
    assert_int_equal(f->data_offset % align, 0);
    assert_true(f->data_offset >= f->header_end && f->data_offset - f->header_end < align);
    assert_int_not_equal(f->header_end % align, 0);
    uint64_t rel = 0;
    for (size_t i = 0; i < n; i++) {
        const ck_tensor *t = &m->tensors[i];
        if (strcmp(t->name, want[i].name) != 0) print_error("tensor %zu: %s\n", i, t->name);
        assert_string_equal(t->name, want[i].name);
        assert_ptr_equal(tensor_at(m, want[i].name), t);
        assert_string_equal(ck_dtype_name(t->dtype), want[i].dtype);
        assert_int_equal(t->rank, want[i].n_dims);
        uint64_t nelems = 1;
        for (uint32_t j = 0; j < want[i].n_dims; j++) {
            assert_int_equal(t->shape[j], want[i].ne[want[i].n_dims - 1 - j]);
            nelems *= (uint64_t)want[i].ne[j];
        }
        assert_int_equal(t->nelems, nelems);
        assert_int_equal(t->nbytes, want[i].nbytes);
        assert_int_equal(t->offset, f->data_offset + rel);
        rel += align_up(want[i].nbytes, align);
    }
    assert_int_equal(f->map.size, f->data_offset + rel);
}

static const ftensor all_types_tensors[] = {
    {"tensor.f32", "F32", 1, {5}, 20},
    {"tensor.f16", "F16", 2, {9, 3}, 54},
    {"tensor.q4_0", "Q4_0", 3, {32, 1, 3}, 54},
    {"empty.f32", "F32", 2, {8, 0}, 0},
    {"tensor.q4_1", "Q4_1", 4, {32, 2, 2, 2}, 160},
    {"tensor.q5_0", "Q5_0", 1, {32}, 22},
    {"tensor.q5_1", "Q5_1", 2, {32, 3}, 72},
    {"tensor.q8_0", "Q8_0", 3, {32, 1, 3}, 102},
    {"tensor.q8_1", "Q8_1", 4, {32, 2, 2, 2}, 288},
    {"tensor.q2_k", "Q2_K", 1, {256}, 84},
    {"empty.q4_k", "Q4_K", 3, {256, 0, 2}, 0},
    {"tensor.q3_k", "Q3_K", 2, {256, 3}, 330},
    {"tensor.q4_k", "Q4_K", 3, {256, 1, 1}, 144},
    {"tensor.q5_k", "Q5_K", 4, {256, 2, 1, 1}, 352},
    {"tensor.q6_k", "Q6_K", 1, {256}, 210},
    {"tensor.q8_k", "Q8_K", 2, {256, 3}, 876},
    {"tensor.iq2_xxs", "IQ2_XXS", 3, {256, 1, 1}, 66},
    {"tensor.iq2_xs", "IQ2_XS", 4, {256, 2, 1, 1}, 148},
    {"tensor.iq3_xxs", "IQ3_XXS", 1, {256}, 98},
    {"tensor.iq1_s", "IQ1_S", 2, {256, 3}, 150},
    {"tensor.iq4_nl", "IQ4_NL", 3, {32, 1, 3}, 54},
    {"tensor.iq3_s", "IQ3_S", 4, {256, 2, 1, 1}, 220},
    {"tensor.iq2_s", "IQ2_S", 1, {256}, 82},
    {"tensor.iq4_xs", "IQ4_XS", 2, {256, 3}, 408},
    {"tensor.i8", "I8", 3, {9, 1, 3}, 27},
    {"tensor.i16", "I16", 4, {13, 2, 2, 2}, 208},
    {"tensor.i32", "I32", 1, {5}, 20},
    {"tensor.i64", "I64", 2, {9, 3}, 216},
    {"tensor.f64", "F64", 3, {13, 1, 3}, 312},
    {"tensor.iq1_m", "IQ1_M", 4, {256, 2, 1, 1}, 112},
    {"tensor.bf16", "BF16", 1, {9}, 18},
    {"tensor.tq1_0", "TQ1_0", 2, {256, 3}, 162},
    {"tensor.tq2_0", "TQ2_0", 3, {256, 1, 1}, 66},
    {"tensor.mxfp4", "MXFP4", 4, {32, 2, 2, 2}, 136},
    {"tensor.nvfp4", "NVFP4", 1, {64}, 36},
    {"tensor.q1_0", "Q1_0", 2, {128, 3}, 54},
    {"tensor.q2_0", "Q2_0", 3, {64, 1, 3}, 54},
    {"empty.q8_0.ne0", "Q8_0", 2, {0, 4}, 0},
    {"trailing_one.f32", "F32", 3, {6, 2, 1}, 48},
    {"last.f16.4d", "F16", 4, {3, 2, 2, 2}, 48},
};

static void expect_array_ints(const ck_model *m, const char *key, ck_vtype elem, const int64_t *want,
                              size_t n) {
    const ck_array *a = array_at(m, key, elem, n);
    ck_array_iter it;
    ck_array_iter_init(&it, a);
    for (size_t i = 0; i < n; i++) expect_next_int(&it, elem, want[i]);
    expect_end(&it);
}

static void expect_array_strs(const ck_model *m, const char *key, const char *const *want, size_t n) {
    const ck_array *a = array_at(m, key, CK_V_STR, n);
    ck_array_iter it;
    ck_array_iter_init(&it, a);
    for (size_t i = 0; i < n; i++) expect_next_str(&it, want[i]);
    expect_end(&it);
}

static void check_all_types(const char *rel, bool be) {
    ck_model *m = open_fixture(rel);
    assert_int_equal(m->format, CK_FORMAT_GGUF);
    assert_int_equal(m->n_files, 1);
    const ck_model_file *f = &m->files[0];
    assert_int_equal(f->big_endian, be);
    assert_int_equal(f->gguf_version, 3);
    assert_int_equal(f->kv_count, 49);
    assert_int_equal(m->n_kvs, 49);
    check_fixture_tensors(m, all_types_tensors, sizeof all_types_tensors / sizeof all_types_tensors[0], 32);

    /* The kvs in file order: first and last. */
    assert_str(m->kvs[0].key, "general.architecture");
    assert_str(m->kvs[0].value.v.s, "ckpt-test");
    assert_int_equal(m->kvs[0].offset, HDR);
    const ck_kv *filler = &m->kvs[48];
    assert_str(filler->key, "test.padding_filler");
    for (uint64_t i = 0; i < filler->value.v.s.len; i++) assert_int_equal(filler->value.v.s.ptr[i], '#');

    assert_int_equal(kv_at(m, "test.uint8", CK_V_U8)->value.v.u, 200);
    assert_int_equal(kv_at(m, "test.int8", CK_V_I8)->value.v.i, -100);
    assert_int_equal(kv_at(m, "test.uint16", CK_V_U16)->value.v.u, 60000);
    assert_int_equal(kv_at(m, "test.int16", CK_V_I16)->value.v.i, -30000);
    assert_int_equal(kv_at(m, "test.uint32", CK_V_U32)->value.v.u, 4000000000u);
    assert_int_equal(kv_at(m, "test.int32", CK_V_I32)->value.v.i, -2000000000);
    assert_true(kv_at(m, "test.float32", CK_V_F32)->value.v.f == (double)3.14159f);
    assert_true(isnan(kv_at(m, "test.float32.nan", CK_V_F32)->value.v.f));
    assert_true(kv_at(m, "test.float32.inf", CK_V_F32)->value.v.f == INFINITY);
    assert_true(kv_at(m, "test.float32.neg_inf", CK_V_F32)->value.v.f == -INFINITY);
    assert_true(kv_at(m, "test.bool.true", CK_V_BOOL)->value.v.b);
    assert_false(kv_at(m, "test.bool.false", CK_V_BOOL)->value.v.b);
    assert_str(kv_at(m, "test.string", CK_V_STR)->value.v.s, "hello, world");
    assert_str(kv_at(m, "test.string.empty", CK_V_STR)->value.v.s, "");
    assert_str(kv_at(m, "test.string.utf8", CK_V_STR)->value.v.s,
               "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\xa6\x99");
    assert_str(kv_at(m, "test.string.escapes", CK_V_STR)->value.v.s,
               "quote \" backslash \\ tab \t newline \n ctrl \x01 end");
    assert_int_equal(kv_at(m, "test.uint64", CK_V_U64)->value.v.u, (UINT64_C(1) << 63) + 12345);
    assert_int_equal(kv_at(m, "test.uint64.max", CK_V_U64)->value.v.u, UINT64_MAX);
    assert_true(kv_at(m, "test.int64", CK_V_I64)->value.v.i == INT64_C(-1234567890123456789));
    assert_true(kv_at(m, "test.int64.min", CK_V_I64)->value.v.i == INT64_MIN);
    assert_true(kv_at(m, "test.float64", CK_V_F64)->value.v.f == 2.718281828459045);
    assert_true(kv_at(m, "test.float64.tiny", CK_V_F64)->value.v.f == 1e-300);

    static const int64_t i16[] = {-32768, 32767, -5};
    expect_array_ints(m, "test.array.int16", CK_V_I16, i16, 3);
    static const int64_t i64[] = {INT64_MIN, INT64_MAX, -42};
    expect_array_ints(m, "test.array.int64", CK_V_I64, i64, 3);
    static const char *const strs[] = {"a", "", "na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac",
                                       "\xf0\x9f\xa6\x99 llama", "<0x0A>"};
    expect_array_strs(m, "test.array.string", strs, 6);
    array_at(m, "test.array.empty", CK_V_I32, 0);
    array_at(m, "test.array.empty_string", CK_V_STR, 0);

    /* 1000 INT32: (i * 7919) % 200003 - 100000. */
    const ck_array *a = array_at(m, "test.array.long_int32", CK_V_I32, 1000);
    ck_array_iter it;
    ck_array_iter_init(&it, a);
    for (int64_t i = 0; i < 1000; i++) expect_next_int(&it, CK_V_I32, (i * 7919) % 200003 - 100000);
    expect_end(&it);

    /* [[1, 2, 3], [], [-4, 5]] */
    a = array_at(m, "test.array.nested", CK_V_ARR, 3);
    static const int64_t rows[3][3] = {{1, 2, 3}, {0}, {-4, 5}};
    static const uint64_t lens[3] = {3, 0, 2};
    ck_array_iter_init(&it, a);
    for (int r = 0; r < 3; r++) {
        ck_value inner;
        assert_true(ck_array_next(&it, &inner));
        assert_int_equal(inner.v.a.elem, CK_V_I32);
        assert_int_equal(inner.v.a.count, lens[r]);
        ck_array_iter it2;
        ck_array_iter_init(&it2, &inner.v.a);
        for (uint64_t j = 0; j < lens[r]; j++) expect_next_int(&it2, CK_V_I32, rows[r][j]);
        expect_end(&it2);
    }
    expect_end(&it);

    /* nested3 = [[[1, 2], [3]], [[4]], [[]], []]: its first element. */
    a = array_at(m, "test.array.nested3", CK_V_ARR, 4);
    ck_array_iter_init(&it, a);
    ck_value first;
    assert_true(ck_array_next(&it, &first));
    assert_int_equal(first.v.a.elem, CK_V_ARR);
    assert_int_equal(first.v.a.count, 2);
    ck_array_iter it2;
    ck_array_iter_init(&it2, &first.v.a);
    ck_value leaf;
    assert_true(ck_array_next(&it2, &leaf));
    static const int64_t one_two[] = {1, 2};
    ck_array_iter it3;
    ck_array_iter_init(&it3, &leaf.v.a);
    for (int j = 0; j < 2; j++) expect_next_int(&it3, CK_V_I32, one_two[j]);
    expect_end(&it3);
    ck_model_free(m);
}

static void test_fixture_all_types_le(void **state) {
    (void)state;
    check_all_types("gguf-v3-le-all-types.gguf", false);
}

static void test_fixture_all_types_be(void **state) {
    (void)state;
    check_all_types("gguf-v3-be-all-types.gguf", true);
}

static void test_fixture_v2(void **state) {
    (void)state;
    ck_model *m = open_fixture("gguf-v2.gguf");
    assert_int_equal(m->files[0].gguf_version, 2);
    assert_false(m->files[0].big_endian);
    assert_int_equal(m->n_kvs, 10);
    static const ftensor t[] = {
        {"token_embd.weight", "Q4_0", 2, {64, 4}, 144},
        {"output_norm.weight", "F32", 1, {64}, 256},
        {"output.weight", "Q4_0", 2, {64, 4}, 144},
    };
    check_fixture_tensors(m, t, 3, 32);
    assert_int_equal(m->files[0].map.size, m->files[0].data_offset + 160 + 256 + 160);
    assert_str(kv_at(m, "general.architecture", CK_V_STR)->value.v.s, "llama");
    assert_int_equal(kv_at(m, "llama.context_length", CK_V_U32)->value.v.u, 4096);
    assert_int_equal(kv_at(m, "general.file_type", CK_V_U32)->value.v.u, 2);
    assert_true(kv_at(m, "llama.attention.layer_norm_rms_epsilon", CK_V_F32)->value.v.f == (double)1e-5f);
    assert_int_equal(kv_at(m, "test.uint64", CK_V_U64)->value.v.u, (UINT64_C(1) << 63) + 1);
    static const char *const toks[] = {"<unk>", "<s>", "</s>", "\xe2\x96\x81the"};
    expect_array_strs(m, "tokenizer.ggml.tokens", toks, 4);
    const ck_array *a = array_at(m, "tokenizer.ggml.scores", CK_V_F32, 4);
    ck_array_iter it;
    ck_value v;
    ck_array_iter_init(&it, a);
    for (int i = 0; i < 3; i++) {
        assert_true(ck_array_next(&it, &v));
        assert_true(v.type == CK_V_F32 && v.v.f == 0.0);
    }
    assert_true(ck_array_next(&it, &v));
    assert_true(v.v.f == -1.25);
    expect_end(&it);
    ck_model_free(m);
}

static void test_fixture_align64(void **state) {
    (void)state;
    ck_model *m = open_fixture("gguf-v3-le-align64.gguf");
    static const ftensor t[] = {
        {"a.f32.16bytes", "F32", 1, {4}, 16},
        {"b.q8_0", "Q8_0", 2, {32, 3}, 102},
        {"c.scalar.f32", "F32", 0, {0}, 4},
        {"d.q4_k.3d", "Q4_K", 3, {256, 1, 2}, 288},
        {"e.empty.bf16", "BF16", 1, {0}, 0},
        {"f.i32.4d", "I32", 4, {3, 1, 2, 2}, 48},
        {"g.mxfp4", "MXFP4", 2, {64, 2}, 68},
    };
    check_fixture_tensors(m, t, 7, 64);
    const ck_model_file *f = &m->files[0];
    /* The filler puts the header end 1..32 bytes past a multiple of 64. */
    assert_true(f->header_end % 64 >= 1 && f->header_end % 64 <= 32);
    assert_int_equal(tensor_at(m, "g.mxfp4")->offset, f->data_offset + 640);
    assert_int_equal(kv_at(m, "general.alignment", CK_V_U32)->value.v.u, 64);
    ck_model_free(m);
}

static void test_fixture_vocab_only(void **state) {
    (void)state;
    ck_model *m = open_fixture("gguf-vocab-only.gguf");
    const ck_model_file *f = &m->files[0];
    assert_int_equal(m->n_tensors, 0);
    assert_int_equal(m->n_kvs, 11);
    /* No tensors: the file ends right after its kvs, unpadded. */
    assert_int_equal(f->header_end, f->map.size);
    assert_int_equal(f->data_offset, f->map.size);
    assert_int_not_equal(f->map.size % 32, 0);
    const ck_array *a = array_at(m, "tokenizer.ggml.tokens", CK_V_STR, 100);
    ck_array_iter it;
    ck_array_iter_init(&it, a);
    char want[32];
    for (int i = 0; i < 100; i++) {
        if (i < 3) snprintf(want, sizeof want, "%s", i == 0 ? "<unk>" : i == 1 ? "<s>" : "</s>");
        else if (i < 19) snprintf(want, sizeof want, "<0x%02X>", i - 3);
        else snprintf(want, sizeof want, "\xe2\x96\x81w%d", i - 19);
        expect_next_str(&it, want);
    }
    expect_end(&it);
    a = array_at(m, "tokenizer.ggml.scores", CK_V_F32, 100);
    ck_array_iter_init(&it, a);
    for (int i = 0; i < 100; i++) {
        ck_value v;
        assert_true(ck_array_next(&it, &v));
        assert_true(v.v.f == -(double)i / 4);
    }
    expect_end(&it);
    assert_int_equal(kv_at(m, "tokenizer.ggml.eos_token_id", CK_V_U32)->value.v.u, 2);
    assert_true(kv_at(m, "tokenizer.ggml.add_bos_token", CK_V_BOOL)->value.v.b);
    ck_model_free(m);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_scalars_le),
        cmocka_unit_test(test_scalars_be),
        cmocka_unit_test(test_bool_byte),
        cmocka_unit_test(test_arrays_le),
        cmocka_unit_test(test_arrays_be),
        cmocka_unit_test(test_array_nesting),
        cmocka_unit_test(test_tensors_le),
        cmocka_unit_test(test_tensors_be),
        cmocka_unit_test(test_tensors_v2),
        cmocka_unit_test(test_alignment_64),
        cmocka_unit_test(test_alignment_1),
        cmocka_unit_test(test_zero_size_tensors),
        cmocka_unit_test(test_version_byte_order),
        cmocka_unit_test(test_fixture_all_types_le),
        cmocka_unit_test(test_fixture_all_types_be),
        cmocka_unit_test(test_fixture_v2),
        cmocka_unit_test(test_fixture_align64),
        cmocka_unit_test(test_fixture_vocab_only),
    };
    return cmocka_run_group_tests_name("gguf", tests, NULL, NULL) ? 1 : 0;
}
