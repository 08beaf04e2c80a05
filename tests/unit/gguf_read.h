/* Reading GGUF bytes built by a test from memory, and checking findings. */
#ifndef CK_TESTS_GGUF_READ_H
#define CK_TESTS_GGUF_READ_H

#include "unit.h"
#include <math.h>
#include "bytes.h"
#include "ckpt/model.h"
#include "ckpt/rules.h"
#include "gguf.h"
#include "gguf_writer.h"
#define HDR 24 /* magic, version, tensor count, kv count */
static const char FILE_NAME[] = "mem.gguf";

/* ===== reading from memory ===== */

typedef struct parsed {
    uint8_t *copy;  /* the file's bytes, exactly sized */
    size_t size;
    ck_model *m;
    ck_diag d;
    ck_status st;
} parsed;

static inline void parse(parsed *p, const bbuf *b, int collect) {
    memset(p, 0, sizeof *p);
    p->size = b->len;
    p->copy = exact_copy(b->p, b->len);
    ck_diag_init(&p->d, collect);
    p->m = ck_model_new(CK_FORMAT_GGUF, FILE_NAME);
    assert_non_null(p->m);
    ck_file f;
    assert_int_equal(ck_file_from_memory(&f, FILE_NAME, p->copy, b->len), CK_OK);
    uint32_t fi = 99;
    assert_int_equal(ck_model_adopt_file(p->m, &f, &fi), CK_OK);
    assert_int_equal(fi, 0);
    p->st = ck_gguf_read(p->m, fi, &p->d);
    if (p->st == CK_OK) assert_int_equal(ck_model_index_kvs(p->m), CK_OK);
}

static inline void parsed_free(parsed *p) {
    ck_model_free(p->m);
    ck_diag_free(&p->d);
    free(p->copy);
}

/* Read b, which must be accepted with no finding. */
static inline void parse_ok(parsed *p, const bbuf *b) {
    parse(p, b, 0);
    if (p->d.count) print_error("unexpected finding %s: %s\n", p->d.items[0].rule->code, p->d.items[0].message);
    assert_int_equal(p->st, CK_OK);
    assert_int_equal(p->d.count, 0);
}

/* Read b strictly: refused with exactly one finding, as described. */
static inline void expect_refused(const bbuf *b, const char *code, int64_t offset, const char *key,
                           const char *tensor) {
    parsed p;
    parse(&p, b, 0);
    assert_int_equal(p.st, CK_ERR_FORMAT);
    assert_strict_failure(&p.d, code, offset, key, tensor);
    assert_non_null(p.d.items[0].file);
    assert_string_equal(p.d.items[0].file, FILE_NAME);
    parsed_free(&p);
}

static inline const ck_kv *kv_at(const ck_model *m, const char *key, ck_vtype type) {
    const ck_kv *kv = ck_model_kv(m, key);
    if (!kv) print_error("no key %s\n", key);
    assert_non_null(kv);
    assert_int_equal(kv->value.type, type);
    return kv;
}

static inline void assert_str(ck_str s, const char *want) {
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.ptr, want, s.len);
}

static inline const ck_tensor *tensor_at(const ck_model *m, const char *name) {
    const ck_tensor *t = ck_model_tensor(m, name, strlen(name));
    if (!t) print_error("no tensor %s\n", name);
    assert_non_null(t);
    assert_string_equal(t->name, name);
    assert_int_equal(t->name_len, strlen(name));
    return t;
}

static inline void assert_shape(const ck_tensor *t, uint32_t rank, const int64_t *shape) {
    assert_int_equal(t->rank, rank);
    for (uint32_t i = 0; i < rank; i++) assert_int_equal(t->shape[i], shape[i]);
}

static inline uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }


#endif
