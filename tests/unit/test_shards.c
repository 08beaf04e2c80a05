/* Unit tests: models made of several files. The safetensors shard index
 * (parsed from memory and opened from folders), GGUF splits, and folders
 * that hold one model; the generated fixtures (argv[1]) and the reference
 * corpus (argv[2]).
 */
#include "unit.h"

#include <stdio.h>

#include "bytes.h"
#include "ckpt/model.h"
#include "ckpt/rules.h"
#include "gguf_writer.h"
#include "safetensors.h"
#include "tmpdir.h"

static const char INDEX_NAME[] = "mem/model.safetensors.index.json";

/* ===== the index, from memory ===== */

static ck_status parse_index(ck_st_index *idx, const char *json, ck_diag *d) {
    size_t n = strlen(json);
    uint8_t *copy = exact_copy(json, n);
    ck_status st = ck_st_index_parse(idx, INDEX_NAME, copy, n, d);
    free(copy);  /* the index keeps copies of what it needs */
    return st;
}

/* The index is refused with one finding of rule code, naming tensor. */
static void expect_index_refused(const char *json, const char *code, const char *tensor) {
    ck_st_index idx;
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = parse_index(&idx, json, &d);
    if (d.count && strcmp(d.items[0].rule->code, code) != 0)
        print_error("%s: got %s: %s\n", json, d.items[0].rule->code, d.items[0].message);
    assert_int_equal(st, CK_ERR_FORMAT);
    assert_strict_failure(&d, code, ANY_OFFSET, ANY, tensor);
    assert_string_equal(d.items[0].file, INDEX_NAME);
    /* Nothing is left to free. */
    assert_int_equal(idx.n, 0);
    assert_int_equal(idx.n_shards, 0);
    assert_null(idx.tensor);
    ck_st_index_free(&idx);
    ck_diag_free(&d);
}

static void test_index_parse(void **state) {
    (void)state;
    const char *json =
        "{\"metadata\":{\"total_size\":1234,\"format\":\"pt\"},\"weight_map\":{"
        "\"z.weight\":\"model-00002-of-00002.safetensors\","
        "\"a.weight\":\"model-00001-of-00002.safetensors\","
        "\"m.weight\":\"model-00002-of-00002.safetensors\","
        "\"b.weight\":\"sub/model-00001-of-00002.safetensors\"}}";
    ck_st_index idx;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(parse_index(&idx, json, &d), CK_OK);
    assert_int_equal(d.count, 0);
    assert_true(idx.has_total_size);
    assert_int_equal(idx.total_size, 1234);
    /* Tensors in file order, each with its shard. */
    static const char *const tensors[] = {"z.weight", "a.weight", "m.weight", "b.weight"};
    static const char *const shard_of[] = {"model-00002-of-00002.safetensors", "model-00001-of-00002.safetensors",
                                           "model-00002-of-00002.safetensors",
                                           "sub/model-00001-of-00002.safetensors"};
    assert_int_equal(idx.n, 4);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(idx.tensor[i], tensors[i]);
        assert_string_equal(idx.shard[i], shard_of[i]);
    }
    /* Distinct shards, sorted by name. */
    assert_int_equal(idx.n_shards, 3);
    assert_string_equal(idx.shards[0], "model-00001-of-00002.safetensors");
    assert_string_equal(idx.shards[1], "model-00002-of-00002.safetensors");
    assert_string_equal(idx.shards[2], "sub/model-00001-of-00002.safetensors");
    /* A tensor's shard is one of the distinct names, not a copy. */
    assert_ptr_equal(idx.shard[0], idx.shard[2]);
    assert_ptr_equal(idx.shard[0], idx.shards[1]);
    ck_st_index_free(&idx);
    assert_int_equal(idx.n, 0);
    ck_diag_free(&d);
}

static void test_index_empty_map(void **state) {
    (void)state;
    ck_st_index idx;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(parse_index(&idx, "{\"weight_map\":{}}", &d), CK_OK);
    assert_int_equal(idx.n, 0);
    assert_int_equal(idx.n_shards, 0);
    assert_false(idx.has_total_size);
    ck_st_index_free(&idx);
    ck_diag_free(&d);
}

static void test_index_shard_names(void **state) {
    (void)state;
    /* JSON string contents (escaped as JSON), and whether they are refused. */
    static const struct {
        const char *json_name;
        bool refused;
    } cases[] = {
        {"../x.safetensors", true},
        {"..", true},
        {"sub/../x.safetensors", true},
        {"sub/..", true},
        {"a/b/../../../x", true},
        {"/x.safetensors", true},
        {"/", true},
        {"C:\\\\x.safetensors", true},
        {"C:x.safetensors", true},
        {"c:/x.safetensors", true},
        {"a\\\\b.safetensors", true},
        {"\\\\\\\\server\\\\share\\\\x", true},
        {"..\\\\x", true},
        {"", true},
        {"sub/x.safetensors", false},
        {"x.safetensors", false},
        {"..x.safetensors", false},
        {"x..safetensors", false},
        {"./x.safetensors", false},
        {"...", false},
        {"model-00001-of-00002.safetensors", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"weight_map\":{\"ok\":\"fine.safetensors\",\"t.w\":\"%s\"}}",
                 cases[i].json_name);
        if (cases[i].refused) {
            expect_index_refused(json, "index.shard_name", "t.w");
        } else {
            ck_st_index idx;
            ck_diag d;
            ck_diag_init(&d, 0);
            if (parse_index(&idx, json, &d) != CK_OK)
                print_error("%s refused: %s\n", cases[i].json_name, d.items[0].message);
            assert_int_equal(d.count, 0);
            assert_int_equal(idx.n, 2);
            ck_st_index_free(&idx);
            ck_diag_free(&d);
        }
    }
}

static void test_index_total_size(void **state) {
    (void)state;
    static const struct {
        const char *metadata;
        int ok;              /* 1 accepted, 0 refused */
        bool has;
        uint64_t value;
    } cases[] = {
        {"{\"total_size\":1050112}", 1, true, 1050112},
        {"{\"total_size\":0}", 1, true, 0},
        {"{\"total_size\":1050112.0}", 1, true, 1050112},
        {"{\"total_size\":9007199254740993}", 1, true, UINT64_C(9007199254740993)},
        {"{\"total_size\":9223372036854775807}", 1, true, UINT64_C(9223372036854775807)},
        {"{}", 1, false, 0},
        {"{\"format\":\"pt\"}", 1, false, 0},
        {"null", 1, false, 0},
        {"{\"total_size\":-1}", 0, false, 0},
        {"{\"total_size\":-1.0}", 0, false, 0},
        {"{\"total_size\":1.5}", 0, false, 0},
        {"{\"total_size\":1e300}", 0, false, 0},
        {"{\"total_size\":\"1050112\"}", 0, false, 0},
        {"{\"total_size\":null}", 0, false, 0},
        {"{\"total_size\":true}", 0, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"metadata\":%s,\"weight_map\":{\"t\":\"a.safetensors\"}}",
                 cases[i].metadata);
        if (!cases[i].ok) {
            expect_index_refused(json, "index.total_size", NULL);
            continue;
        }
        ck_st_index idx;
        ck_diag d;
        ck_diag_init(&d, 0);
        assert_int_equal(parse_index(&idx, json, &d), CK_OK);
        assert_int_equal(idx.has_total_size, cases[i].has);
        if (cases[i].has) assert_int_equal(idx.total_size, cases[i].value);
        ck_st_index_free(&idx);
        ck_diag_free(&d);
    }
}

static void test_index_malformed(void **state) {
    (void)state;
    expect_index_refused("", "index.json", NULL);
    expect_index_refused("{", "index.json", NULL);
    expect_index_refused("[]", "index.json", NULL);
    expect_index_refused("\"weight_map\"", "index.json", NULL);
    expect_index_refused("{\"weight_map\":{}}x", "index.json", NULL);
    expect_index_refused("{\"weight_map\":{\"a\":\"x\",\"a\":\"y\"}}", "index.json", NULL);
    expect_index_refused("{\"weight_map\":{},\"weight_map\":{}}", "index.json", NULL);
    expect_index_refused("{\"metadata\":[],\"weight_map\":{}}", "index.json", NULL);
    expect_index_refused("{}", "index.weight_map", NULL);
    expect_index_refused("{\"weight_map\":[]}", "index.weight_map", NULL);
    expect_index_refused("{\"weight_map\":null}", "index.weight_map", NULL);
    expect_index_refused("{\"weight_map\":{\"ok\":\"a.safetensors\",\"t\":5}}", "index.weight_map", "t");
    expect_index_refused("{\"weight_map\":{\"t\":[\"a.safetensors\"]}}", "index.weight_map", "t");
}

/* An index over 100,000,000 bytes is refused before it is parsed. */
static void test_index_too_big(void **state) {
    (void)state;
    size_t n = 100000001;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "{\"weight_map\":{}}", 17);
    ck_st_index idx;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_st_index_parse(&idx, INDEX_NAME, big, n, &d), CK_ERR_FORMAT);
    assert_strict_failure(&d, "index.json", ANY_OFFSET, NULL, NULL);
    ck_diag_free(&d);
    /* The limit itself is fine. */
    ck_diag_init(&d, 0);
    assert_int_equal(ck_st_index_parse(&idx, INDEX_NAME, big, n - 1, &d), CK_OK);
    assert_int_equal(d.count, 0);
    ck_st_index_free(&idx);
    ck_diag_free(&d);
    free(big);
}

/* ===== opening models ===== */

typedef struct opened {
    char *path;
    ck_model *m;
    ck_diag d;
    ck_status st;
} opened;

static void open_path(opened *o, char *path) {
    o->path = path;
    ck_diag_init(&o->d, 0);
    o->m = NULL;
    o->st = ck_model_open(&o->m, path, &o->d);
}

static void opened_free(opened *o) {
    ck_model_free(o->m);
    ck_diag_free(&o->d);
    free(o->path);
}

/* Open a path under a folder; it must open with no finding. */
static void open_ok(opened *o, const char *dir, const char *rel) {
    open_path(o, path_join2(dir, rel));
    if (o->st != CK_OK)
        print_error("%s: %s [%s]\n", o->path, o->d.count ? o->d.items[0].message : "?",
                    o->d.count ? o->d.items[0].rule->code : "?");
    assert_int_equal(o->st, CK_OK);
    assert_int_equal(o->d.count, 0);
    assert_non_null(o->m);
    assert_string_equal(o->m->path, o->path);
}

/* Open a path: refused with one finding of rule code in file `file`. */
static void expect_open_refused(char *path, const char *code, const char *file, const char *tensor) {
    opened o;
    open_path(&o, path);
    if (o.d.count && strcmp(o.d.items[0].rule->code, code) != 0)
        print_error("%s: got %s: %s\n", path, o.d.items[0].rule->code, o.d.items[0].message);
    assert_int_not_equal(o.st, CK_OK);
    assert_null(o.m);
    assert_strict_failure(&o.d, code, ANY_OFFSET, ANY, tensor);
    assert_non_null(o.d.items[0].file);
    assert_string_equal(o.d.items[0].file, file);
    opened_free(&o);
}

static const ck_tensor *tensor_at(const ck_model *m, const char *name) {
    const ck_tensor *t = ck_model_tensor(m, name, strlen(name));
    if (!t) print_error("no tensor %s\n", name);
    assert_non_null(t);
    return t;
}

static void expect_tensor(const ck_model *m, const char *name, const char *dtype, uint32_t file,
                          int64_t d0, int64_t d1, uint64_t nbytes) {
    const ck_tensor *t = tensor_at(m, name);
    assert_string_equal(ck_dtype_name(t->dtype), dtype);
    assert_int_equal(t->file, file);
    assert_int_equal(t->rank, d1 ? 2 : 1);
    assert_int_equal(t->shape[0], d0);
    if (d1) assert_int_equal(t->shape[1], d1);
    assert_int_equal(t->nbytes, nbytes);
}

/* Every file's tensors tile its data from data_offset to the end. */
static void assert_tiled(const ck_model *m) {
    for (uint32_t f = 0; f < m->n_files; f++) {
        uint64_t at = m->files[f].data_offset;
        for (size_t i = 0; i < m->n_tensors; i++) {
            const ck_tensor *t = &m->tensors[i];
            if (t->file != f) continue;
            assert_int_equal(t->offset, at);
            at += t->nbytes;
        }
        assert_int_equal(at, m->files[f].map.size);
    }
}

static const char *file_base(const ck_model *m, uint32_t f) {
    const char *p = m->files[f].map.path;
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* st-sharded: tests/gen/fixtures.py writes 2 layers of hidden 16,
 * intermediate 32, vocab 24, all BF16, layer 0 in shard 1 and layer 1,
 * the norm and lm_head in shard 2; total_size is the sum of the bytes. */
static void check_st_sharded(const ck_model *m) {
    assert_int_equal(m->format, CK_FORMAT_SAFETENSORS);
    assert_int_equal(m->n_files, 2);
    assert_string_equal(file_base(m, 0), "model-00001-of-00002.safetensors");
    assert_string_equal(file_base(m, 1), "model-00002-of-00002.safetensors");
    assert_int_equal(m->n_tensors, 21);
    static const char *const layer[] = {
        "input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
        "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight",
        "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"};
    static const int64_t shapes[9][2] = {{16, 0}, {16, 16}, {8, 16}, {8, 16}, {16, 16},
                                         {16, 0}, {32, 16}, {32, 16}, {16, 32}};
    assert_string_equal(m->tensors[0].name, "model.embed_tokens.weight");
    expect_tensor(m, "model.embed_tokens.weight", "BF16", 0, 24, 16, 768);
    for (uint32_t l = 0; l < 2; l++) {
        for (int i = 0; i < 9; i++) {
            char name[96];
            snprintf(name, sizeof name, "model.layers.%u.%s", l, layer[i]);
            uint64_t n = (uint64_t)shapes[i][0] * (uint64_t)(shapes[i][1] ? shapes[i][1] : 1);
            expect_tensor(m, name, "BF16", l, shapes[i][0], shapes[i][1], 2 * n);
            /* Shard order, then offset order (the writer's order). */
            assert_string_equal(m->tensors[1 + 9 * l + (uint32_t)i].name, name);
        }
    }
    expect_tensor(m, "model.norm.weight", "BF16", 1, 16, 0, 32);
    expect_tensor(m, "lm_head.weight", "BF16", 1, 24, 16, 768);
    assert_string_equal(m->tensors[20].name, "lm_head.weight");
    uint64_t sum = 0;
    for (size_t i = 0; i < m->n_tensors; i++) sum += m->tensors[i].nbytes;
    assert_int_equal(sum, 768 + 2 * 4672 + 32 + 768);
    assert_tiled(m);
    /* Metadata from the first shard only; hyper-parameters from config.json. */
    assert_int_equal(m->n_kvs, 1);
    const ck_kv *kv = ck_model_kv(m, "format");
    assert_non_null(kv);
    assert_int_equal(kv->value.type, CK_V_STR);
    assert_int_equal(kv->value.v.s.len, 2);
    assert_memory_equal(kv->value.v.s.ptr, "pt", 2);
    assert_int_equal(m->hparams.n_layer, 2);
    assert_int_equal(m->hparams.n_embd, 16);
    assert_int_equal(m->hparams.n_head_kv, 2);
    assert_int_equal(m->hparams.n_vocab, 24);
}

static void test_open_st_sharded_folder(void **state) {
    (void)state;
    opened o;
    open_ok(&o, g_fixtures, "st-sharded");
    check_st_sharded(o.m);
    opened_free(&o);
}

static void test_open_st_sharded(void **state) {
    (void)state;
    opened o;
    open_ok(&o, g_fixtures, "st-sharded/model.safetensors.index.json");
    check_st_sharded(o.m);
    opened_free(&o);
    /* A shard alone is a safetensors file of its own. */
    open_ok(&o, g_fixtures, "st-sharded/model-00002-of-00002.safetensors");
    assert_int_equal(o.m->n_files, 1);
    assert_int_equal(o.m->n_tensors, 11);
    opened_free(&o);
}

/* gguf-split: 3 parts, the tensors 3 + 3 + 2, the metadata in part 1. */
static void check_gguf_split(const ck_model *m) {
    assert_int_equal(m->format, CK_FORMAT_GGUF);
    assert_int_equal(m->n_files, 3);
    assert_string_equal(file_base(m, 0), "split-00001-of-00003.gguf");
    assert_string_equal(file_base(m, 1), "split-00002-of-00003.gguf");
    assert_string_equal(file_base(m, 2), "split-00003-of-00003.gguf");
    assert_int_equal(m->n_tensors, 8);
    static const char *const order[] = {
        "token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight", "blk.0.ffn_down.weight",
        "blk.1.attn_norm.weight", "blk.1.attn_q.weight", "output_norm.weight", "output.weight"};
    for (int i = 0; i < 8; i++) assert_string_equal(m->tensors[i].name, order[i]);
    expect_tensor(m, "token_embd.weight", "Q8_0", 0, 10, 64, 10 * 2 * 34);
    expect_tensor(m, "blk.0.attn_q.weight", "Q4_K", 0, 2, 256, 2 * 144);
    expect_tensor(m, "blk.0.ffn_down.weight", "Q6_K", 1, 1, 256, 210);
    expect_tensor(m, "blk.1.attn_q.weight", "IQ4_XS", 1, 2, 256, 2 * 136);
    expect_tensor(m, "output_norm.weight", "F32", 2, 64, 0, 256);
    expect_tensor(m, "output.weight", "Q8_0", 2, 10, 64, 680);
    /* Each part's first tensor starts its data section. */
    assert_int_equal(tensor_at(m, "blk.0.ffn_down.weight")->offset, m->files[1].data_offset);
    assert_int_equal(tensor_at(m, "output_norm.weight")->offset, m->files[2].data_offset);
    /* Part 1's keys: 3 split keys, 6 general ones and the filler. */
    assert_int_equal(m->n_kvs, 10);
    const ck_kv *kv = ck_model_kv(m, "split.count");
    assert_non_null(kv);
    assert_int_equal(kv->value.type, CK_V_U16);
    assert_int_equal(kv->value.v.u, 3);
    kv = ck_model_kv(m, "split.no");
    assert_non_null(kv);
    assert_int_equal(kv->value.v.u, 0);
    kv = ck_model_kv(m, "split.tensors.count");
    assert_non_null(kv);
    assert_int_equal(kv->value.type, CK_V_I32);
    assert_int_equal(kv->value.v.i, 8);
    kv = ck_model_kv(m, "general.name");
    assert_non_null(kv);
    assert_int_equal(kv->value.v.s.len, 9);
    assert_memory_equal(kv->value.v.s.ptr, "split set", 9);
    for (size_t i = 0; i < m->n_kvs; i++) assert_int_equal(m->kvs[i].file, 0);
}

static void test_open_gguf_split(void **state) {
    (void)state;
    opened o;
    open_ok(&o, g_fixtures, "gguf-split/split-00001-of-00003.gguf");
    check_gguf_split(o.m);
    opened_free(&o);
}

static void test_open_gguf_split_folder(void **state) {
    (void)state;
    opened o;
    open_ok(&o, g_fixtures, "gguf-split");
    check_gguf_split(o.m);
    opened_free(&o);
}

static void test_open_split_part_2(void **state) {
    (void)state;
    char *path = path_join2(g_fixtures, "gguf-split/split-00002-of-00003.gguf");
    char *file = path_join2(g_fixtures, "gguf-split/split-00002-of-00003.gguf");
    expect_open_refused(path, "split.part", file, NULL);
    free(file);
    path = path_join2(g_fixtures, "gguf-split/split-00003-of-00003.gguf");
    file = path_join2(g_fixtures, "gguf-split/split-00003-of-00003.gguf");
    expect_open_refused(path, "split.part", file, NULL);
    free(file);
}

static void test_open_folders(void **state) {
    (void)state;
    opened o;
    open_ok(&o, g_fixtures, "folder-gguf");
    assert_int_equal(o.m->format, CK_FORMAT_GGUF);
    assert_int_equal(o.m->n_files, 1);
    assert_string_equal(file_base(o.m, 0), "model.gguf");
    assert_int_equal(o.m->n_tensors, 3);
    expect_tensor(o.m, "token_embd.weight", "F16", 0, 8, 16, 256);
    expect_tensor(o.m, "blk.0.attn_norm.weight", "F32", 0, 16, 0, 64);
    expect_tensor(o.m, "output.weight", "F16", 0, 8, 16, 256);
    assert_non_null(ck_model_kv(o.m, "general.file_type"));
    opened_free(&o);

    open_ok(&o, g_fixtures, "folder-safetensors");
    assert_int_equal(o.m->format, CK_FORMAT_SAFETENSORS);
    assert_int_equal(o.m->n_files, 1);
    assert_string_equal(file_base(o.m, 0), "model.safetensors");
    assert_int_equal(o.m->n_tensors, 3);
    expect_tensor(o.m, "model.embed_tokens.weight", "F16", 0, 8, 4, 64);
    expect_tensor(o.m, "model.norm.weight", "F32", 0, 4, 0, 16);
    expect_tensor(o.m, "lm_head.weight", "F16", 0, 8, 4, 64);
    assert_tiled(o.m);
    assert_int_equal(o.m->hparams.n_layer, 1);
    assert_int_equal(o.m->hparams.n_embd, 4);
    opened_free(&o);
}

/* The corpus's shard set: the values of its ref.json files. */
static void test_open_corpus_sharded(void **state) {
    (void)state;
    opened o;
    open_ok(&o, g_corpus, "safetensors/sharded/model.safetensors.index.json");
    const ck_model *m = o.m;
    assert_int_equal(m->n_files, 2);
    assert_int_equal(m->files[0].map.size, 526048);
    assert_int_equal(m->files[1].map.size, 525352);
    assert_int_equal(m->files[0].data_offset, 736);
    assert_int_equal(m->files[1].data_offset, 552);
    assert_int_equal(m->n_tensors, 12);
    static const struct {
        const char *name;
        uint32_t file;
        int64_t d0, d1;
        uint64_t offset, nbytes;
    } ref[] = {
        {"lm_head.weight", 0, 320, 256, 736, 163840},
        {"model.embed_tokens.weight", 0, 320, 256, 164576, 163840},
        {"model.layers.0.input_layernorm.weight", 0, 256, 0, 328416, 512},
        {"model.layers.0.mlp.down_proj.weight", 0, 256, 128, 328928, 65536},
        {"model.layers.0.mlp.gate_proj.weight", 0, 128, 256, 394464, 65536},
        {"model.layers.0.mlp.up_proj.weight", 0, 128, 256, 460000, 65536},
        {"model.layers.0.post_attention_layernorm.weight", 0, 256, 0, 525536, 512},
        {"model.layers.0.self_attn.k_proj.weight", 1, 256, 256, 552, 131072},
        {"model.layers.0.self_attn.o_proj.weight", 1, 256, 256, 131624, 131072},
        {"model.layers.0.self_attn.q_proj.weight", 1, 256, 256, 262696, 131072},
        {"model.layers.0.self_attn.v_proj.weight", 1, 256, 256, 393768, 131072},
        {"model.norm.weight", 1, 256, 0, 524840, 512},
    };
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        expect_tensor(m, ref[i].name, "BF16", ref[i].file, ref[i].d0, ref[i].d1, ref[i].nbytes);
        assert_int_equal(tensor_at(m, ref[i].name)->offset, ref[i].offset);
        sum += ref[i].nbytes;
    }
    /* The index's total_size (checked by the reader) is the sum. */
    assert_int_equal(sum, 1050112);
    opened_free(&o);
}

/* ===== folders and shard sets made here ===== */

static void copy_fixture(const char *dir, const char *rel, const char *as) {
    char *src = path_join2(g_fixtures, rel);
    size_t n;
    uint8_t *data = slurp(src, &n);
    if (!data) print_error("cannot read %s\n", src);
    assert_non_null(data);
    char *dst = path_join2(dir, as);
    assert_true(write_file(dst, data, n));
    free(dst);
    free(data);
    free(src);
}

static void write_text(const char *dir, const char *name, const char *text) {
    char *p = path_join2(dir, name);
    assert_true(write_file(p, text, strlen(text)));
    free(p);
}

static void write_st(const char *dir, const char *name, const char *header, size_t data_len) {
    bbuf b;
    bb_init(&b, false);
    bb_st_file(&b, header, data_len);
    char *p = path_join2(dir, name);
    assert_true(write_file(p, b.p, b.len));
    free(p);
    bb_free(&b);
}

static void test_folder_two_ggufs(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    copy_fixture(dir, "gguf-v2.gguf", "a.gguf");
    copy_fixture(dir, "gguf-v2.gguf", "b.gguf");
    expect_open_refused(strdup(dir), "model.folder", dir, NULL);
    tmpdir_remove(dir);
}

static void test_folder_ambiguous(void **state) {
    (void)state;
    /* Nothing in it. */
    char *dir = tmpdir_new();
    assert_non_null(dir);
    write_text(dir, "README.md", "not a model\n");
    expect_open_refused(strdup(dir), "model.folder", dir, NULL);
    /* A GGUF and a safetensors file. */
    copy_fixture(dir, "gguf-v2.gguf", "model.gguf");
    copy_fixture(dir, "st-scalar.safetensors", "model.safetensors");
    expect_open_refused(strdup(dir), "model.folder", dir, NULL);
    tmpdir_remove(dir);

    /* Two safetensors files and no index. */
    dir = tmpdir_new();
    assert_non_null(dir);
    copy_fixture(dir, "st-scalar.safetensors", "a.safetensors");
    copy_fixture(dir, "st-empty.safetensors", "b.safetensors");
    expect_open_refused(strdup(dir), "model.folder", dir, NULL);
    tmpdir_remove(dir);
}

/* Parts 1 and 2 of the 3-part split: part 3 is missing. */
static void test_split_missing_part(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    copy_fixture(dir, "gguf-split/split-00001-of-00003.gguf", "split-00001-of-00003.gguf");
    copy_fixture(dir, "gguf-split/split-00002-of-00003.gguf", "split-00002-of-00003.gguf");
    char *missing = path_join2(dir, "split-00003-of-00003.gguf");
    expect_open_refused(path_join2(dir, "split-00001-of-00003.gguf"), "split.missing", missing, NULL);
    /* The folder opens its first part, with the same result. */
    expect_open_refused(strdup(dir), "split.missing", missing, NULL);
    free(missing);
    tmpdir_remove(dir);
}

/* A folder holding parts 2 and 3 of a split (no part 1). */
static void test_folder_split_without_part_1(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    copy_fixture(dir, "gguf-split/split-00002-of-00003.gguf", "split-00002-of-00003.gguf");
    copy_fixture(dir, "gguf-split/split-00003-of-00003.gguf", "split-00003-of-00003.gguf");
    expect_open_refused(strdup(dir), "model.folder", dir, NULL);
    tmpdir_remove(dir);
}

/* Two small shards: s1 holds a, s2 holds b, s3 holds a and c. */
#define ST_A "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
#define ST_B "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
#define ST_AC "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," \
              "\"c\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[8,12]}}"

static char *shard_folder(void) {
    char *dir = tmpdir_new();
    assert_non_null(dir);
    write_st(dir, "s1.safetensors", ST_A, 8);
    write_st(dir, "s2.safetensors", ST_B, 8);
    write_st(dir, "s3.safetensors", ST_AC, 12);
    return dir;
}

static void expect_index_open_refused(const char *dir, const char *index, const char *code,
                                      const char *in_file, const char *tensor) {
    write_text(dir, "model.safetensors.index.json", index);
    char *file = path_join2(dir, in_file);
    expect_open_refused(path_join2(dir, "model.safetensors.index.json"), code, file, tensor);
    free(file);
}

static void test_index_against_shards(void **state) {
    (void)state;
    char *dir = shard_folder();
    const char *idx = "model.safetensors.index.json";
    /* Valid, opened as the folder and by its index. */
    write_text(dir, idx, "{\"metadata\":{\"total_size\":16},\"weight_map\":"
                         "{\"b\":\"s2.safetensors\",\"a\":\"s1.safetensors\"}}");
    opened o;
    open_ok(&o, dir, idx);
    assert_int_equal(o.m->n_files, 2);
    assert_int_equal(o.m->n_tensors, 2);
    assert_string_equal(file_base(o.m, 0), "s1.safetensors");
    assert_int_equal(tensor_at(o.m, "a")->file, 0);
    assert_int_equal(tensor_at(o.m, "b")->file, 1);
    opened_free(&o);
    open_path(&o, strdup(dir));
    assert_int_equal(o.st, CK_OK);
    assert_string_equal(o.m->path, dir);
    opened_free(&o);

    expect_index_open_refused(dir, "{\"metadata\":{\"total_size\":17},\"weight_map\":"
                                   "{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}",
                              "index.total_size", idx, NULL);
    /* The index puts a in s2, which does not hold it. */
    expect_index_open_refused(dir, "{\"weight_map\":{\"a\":\"s2.safetensors\",\"b\":\"s2.safetensors\"}}",
                              "index.tensor_missing", idx, "a");
    /* s3 holds c, which the index does not list. */
    expect_index_open_refused(dir, "{\"weight_map\":{\"a\":\"s3.safetensors\"}}", "index.tensor_unlisted",
                              "s3.safetensors", "c");
    /* a is in s1 and in s3. */
    expect_index_open_refused(dir, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"c\":\"s3.safetensors\"}}",
                              "index.tensor_duplicate", "s3.safetensors", "a");
    /* A shard that is not there. */
    expect_index_open_refused(dir, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s9.safetensors\"}}",
                              "index.shard_missing", idx, NULL);
    /* A shard outside the folder. */
    expect_index_open_refused(dir, "{\"weight_map\":{\"a\":\"../s1.safetensors\"}}", "index.shard_name",
                              idx, "a");
    tmpdir_remove(dir);
}

/* ===== GGUF splits made here ===== */

/* The split keys of a part; a negative value leaves the key out. A type
 * other than the right one (V_U16, V_U16, V_I32) writes it as that type. */
typedef struct split_keys_spec {
    int64_t no, count, tensors;
    int32_t no_type, count_type, tensors_type;
} split_keys_spec;

static const split_keys_spec SPLIT_OK = {0, 2, 2, V_U16, V_U16, V_I32};

static uint64_t put_key(bbuf *b, const char *key, int64_t v, int32_t type) {
    if (v < 0) return 0;
    if (type == V_U16) g_kv_u16(b, key, (uint16_t)v);
    else if (type == V_I32) g_kv_i32(b, key, (int32_t)v);
    else g_kv_u32(b, key, (uint32_t)v);
    return 1;
}

/* dir/name: a GGUF file with the split keys of k, then general.name, and
 * one F32 [8] tensor per name in tensors (NULL-terminated). */
static void write_part(const char *dir, const char *name, const split_keys_spec *k, const char *const *tensors) {
    bbuf kvs, b;
    bb_init(&kvs, false);
    bb_init(&b, false);
    uint64_t n_kv = 0;
    n_kv += put_key(&kvs, "split.no", k->no, k->no_type);
    n_kv += put_key(&kvs, "split.count", k->count, k->count_type);
    n_kv += put_key(&kvs, "split.tensors.count", k->tensors, k->tensors_type);
    g_kv_str(&kvs, "general.name", name);
    n_kv++;
    tdesc t[4];
    size_t nt = 0;
    for (; tensors[nt]; nt++) t[nt] = (tdesc){tensors[nt], 1, {8}, T_F32, nt * 32};
    g_file(&b, 3, &kvs, n_kv, t, nt, 32, nt * 32, NULL);
    char *p = path_join2(dir, name);
    assert_true(write_file(p, b.p, b.len));
    free(p);
    bb_free(&kvs);
    bb_free(&b);
}

#define PART1 "s-00001-of-00002.gguf"
#define PART2 "s-00002-of-00002.gguf"

/* A 2-part split with keys k1, k2 and tensors a in part 1, b in part 2
 * unless given. Returns the folder. */
static char *split_folder(const split_keys_spec *k1, const split_keys_spec *k2, const char *const *t1,
                          const char *const *t2) {
    static const char *const a[] = {"a", NULL}, *const b[] = {"b", NULL};
    char *dir = tmpdir_new();
    assert_non_null(dir);
    write_part(dir, PART1, k1, t1 ? t1 : a);
    write_part(dir, PART2, k2, t2 ? t2 : b);
    return dir;
}

/* Opening part 1 is refused with `code` in file part (PART1 or PART2) and
 * naming key and tensor. */
static void expect_split_refused(const char *dir, const char *code, const char *part, const char *key,
                                 const char *tensor) {
    opened o;
    open_path(&o, path_join2(dir, PART1));
    if (o.d.count && strcmp(o.d.items[0].rule->code, code) != 0)
        print_error("got %s: %s\n", o.d.items[0].rule->code, o.d.items[0].message);
    assert_int_equal(o.st, CK_ERR_FORMAT);
    assert_null(o.m);
    assert_strict_failure(&o.d, code, ANY_OFFSET, key, tensor);
    char *file = path_join2(dir, part);
    assert_string_equal(o.d.items[0].file, file);
    free(file);
    opened_free(&o);
}

static void test_split_valid(void **state) {
    (void)state;
    split_keys_spec k2 = SPLIT_OK;
    k2.no = 1;
    char *dir = split_folder(&SPLIT_OK, &k2, NULL, NULL);
    opened o;
    open_ok(&o, dir, PART1);
    assert_int_equal(o.m->n_files, 2);
    assert_int_equal(o.m->n_tensors, 2);
    assert_int_equal(tensor_at(o.m, "a")->file, 0);
    assert_int_equal(tensor_at(o.m, "b")->file, 1);
    assert_int_equal(tensor_at(o.m, "b")->offset, o.m->files[1].data_offset);
    /* The metadata is part 1's. */
    assert_int_equal(o.m->n_kvs, 4);
    const ck_kv *name = ck_model_kv(o.m, "general.name");
    assert_non_null(name);
    assert_int_equal(name->value.v.s.len, strlen(PART1));
    assert_memory_equal(name->value.v.s.ptr, PART1, strlen(PART1));
    opened_free(&o);
    tmpdir_remove(dir);
}

static void test_split_keys(void **state) {
    (void)state;
    static const struct {
        split_keys_spec k1, k2;
        const char *part, *key;
    } cases[] = {
        /* part 2 says it is part 1 */
        {{0, 2, 2, V_U16, V_U16, V_I32}, {0, 2, 2, V_U16, V_U16, V_I32}, PART2, "split.no"},
        /* part 1 says there are 3 parts */
        {{0, 3, 2, V_U16, V_U16, V_I32}, {1, 2, 2, V_U16, V_U16, V_I32}, PART1, "split.count"},
        /* split.count of the wrong type */
        {{0, 2, 2, V_U16, V_U32, V_I32}, {1, 2, 2, V_U16, V_U16, V_I32}, PART1, "split.count"},
        {{0, 2, 2, V_I32, V_U16, V_I32}, {1, 2, 2, V_U16, V_U16, V_I32}, PART1, "split.no"},
        {{0, 2, 2, V_U16, V_U16, V_U32}, {1, 2, 2, V_U16, V_U16, V_I32}, PART1, "split.tensors.count"},
        /* keys missing */
        {{0, 2, 2, V_U16, V_U16, V_I32}, {-1, 2, 2, V_U16, V_U16, V_I32}, PART2, NULL},
        {{0, -1, 2, V_U16, V_U16, V_I32}, {1, 2, 2, V_U16, V_U16, V_I32}, PART1, NULL},
        {{0, 2, -1, V_U16, V_U16, V_I32}, {1, 2, 2, V_U16, V_U16, V_I32}, PART1, NULL},
        /* the parts disagree on the tensor count */
        {{0, 2, 2, V_U16, V_U16, V_I32}, {1, 2, 3, V_U16, V_U16, V_I32}, PART2, "split.tensors.count"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = split_folder(&cases[i].k1, &cases[i].k2, NULL, NULL);
        expect_split_refused(dir, "split.keys", cases[i].part, cases[i].key, NULL);
        tmpdir_remove(dir);
    }
}

static void test_split_tensors(void **state) {
    (void)state;
    /* split.tensors.count says 3; the parts hold 2. */
    split_keys_spec k1 = SPLIT_OK, k2 = SPLIT_OK;
    k1.tensors = k2.tensors = 3;
    k2.no = 1;
    char *dir = split_folder(&k1, &k2, NULL, NULL);
    expect_split_refused(dir, "split.tensors_count", PART1, "split.tensors.count", NULL);
    tmpdir_remove(dir);

    /* A tensor in both parts. */
    static const char *const a[] = {"a", NULL}, *const ab[] = {"b", "a", NULL};
    k1 = k2 = SPLIT_OK;
    k2.no = 1;
    k1.tensors = k2.tensors = 3;
    dir = split_folder(&k1, &k2, a, ab);
    expect_split_refused(dir, "split.tensor_duplicate", PART2, NULL, "a");
    tmpdir_remove(dir);
}

/* A lone file whose keys say it is part of a split. */
static void test_split_keys_in_lone_file(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    static const char *const a[] = {"a", NULL};
    write_part(dir, "model.gguf", &SPLIT_OK, a);
    char *file = path_join2(dir, "model.gguf");
    expect_open_refused(path_join2(dir, "model.gguf"), "split.keys", file, NULL);
    /* One part of one is a plain file. */
    split_keys_spec one = {0, 1, 1, V_U16, V_U16, V_I32};
    write_part(dir, "model.gguf", &one, a);
    opened o;
    open_ok(&o, dir, "model.gguf");
    assert_int_equal(o.m->n_tensors, 1);
    opened_free(&o);
    free(file);
    tmpdir_remove(dir);
}

/* ===== which format a file is ===== */

static void test_open_by_content(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    /* A GGUF and a safetensors file under names that say nothing. */
    copy_fixture(dir, "gguf-v2.gguf", "weights.bin");
    copy_fixture(dir, "st-scalar.safetensors", "tensors.bin");
    opened o;
    open_ok(&o, dir, "weights.bin");
    assert_int_equal(o.m->format, CK_FORMAT_GGUF);
    assert_int_equal(o.m->n_tensors, 3);
    opened_free(&o);
    open_ok(&o, dir, "tensors.bin");
    assert_int_equal(o.m->format, CK_FORMAT_SAFETENSORS);
    assert_int_equal(o.m->n_tensors, 3);
    opened_free(&o);
    /* Neither. */
    write_text(dir, "notes.bin", "these are not the weights you are looking for\n");
    char *file = path_join2(dir, "notes.bin");
    expect_open_refused(path_join2(dir, "notes.bin"), "model.unknown_format", file, NULL);
    free(file);
    write_text(dir, "empty.bin", "");
    file = path_join2(dir, "empty.bin");
    expect_open_refused(path_join2(dir, "empty.bin"), "model.unknown_format", file, NULL);
    free(file);
    /* Not there. */
    file = path_join2(dir, "missing.gguf");
    expect_open_refused(path_join2(dir, "missing.gguf"), "io.open", file, NULL);
    free(file);
    tmpdir_remove(dir);
}

/* config.json beside a safetensors model must be a JSON object. */
static void test_config_json(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    copy_fixture(dir, "st-scalar.safetensors", "model.safetensors");
    char *cfg = path_join2(dir, "config.json");
    static const char *const bad[] = {"[1]", "{", "{\"a\":1,\"a\":2}", "\"llama\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(dir, "config.json", bad[i]);
        expect_open_refused(path_join2(dir, "model.safetensors"), "model.config", cfg, NULL);
    }
    write_text(dir, "config.json", "{\"model_type\":\"llama\",\"num_hidden_layers\":7}");
    opened o;
    open_ok(&o, dir, "model.safetensors");
    assert_int_equal(o.m->hparams.n_layer, 7);
    opened_free(&o);
    free(cfg);
    tmpdir_remove(dir);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_parse),
        cmocka_unit_test(test_index_empty_map),
        cmocka_unit_test(test_index_shard_names),
        cmocka_unit_test(test_index_total_size),
        cmocka_unit_test(test_index_malformed),
        cmocka_unit_test(test_index_too_big),
        cmocka_unit_test(test_open_st_sharded),
        cmocka_unit_test(test_open_st_sharded_folder),
        cmocka_unit_test(test_open_gguf_split),
        cmocka_unit_test(test_open_gguf_split_folder),
        cmocka_unit_test(test_open_split_part_2),
        cmocka_unit_test(test_open_folders),
        cmocka_unit_test(test_open_corpus_sharded),
        cmocka_unit_test(test_folder_two_ggufs),
        cmocka_unit_test(test_folder_ambiguous),
        cmocka_unit_test(test_split_missing_part),
        cmocka_unit_test(test_index_against_shards),
        cmocka_unit_test(test_folder_split_without_part_1),
        cmocka_unit_test(test_split_valid),
        cmocka_unit_test(test_split_keys),
        cmocka_unit_test(test_split_tensors),
        cmocka_unit_test(test_split_keys_in_lone_file),
        cmocka_unit_test(test_open_by_content),
        cmocka_unit_test(test_config_json),
    };
    return cmocka_run_group_tests_name("shards", tests, NULL, tmpdir_teardown) ? 1 : 0;
}
