/* Metadata changes between two models: keys added, removed and changed.
 * Long arrays (token lists) are compared by count and content without being
 * spelled out. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"

static bool same_value(const ck_value *x, const ck_value *y);

static bool same_array(const ck_array *x, const ck_array *y) {
    if (x->elem != y->elem || x->count != y->count) return false;
    if (x->big_endian == y->big_endian)
        return x->raw_len == y->raw_len && memcmp(x->raw, y->raw, (size_t)x->raw_len) == 0;
    ck_array_iter i, j;
    ck_value a, b;
    ck_array_iter_init(&i, x);
    ck_array_iter_init(&j, y);
    while (ck_array_next(&i, &a)) {
        if (!ck_array_next(&j, &b) || !same_value(&a, &b)) return false;
    }
    return true;
}

static bool same_value(const ck_value *x, const ck_value *y) {
    if (x->type != y->type) return false;
    switch (x->type) {
    case CK_V_U8: case CK_V_U16: case CK_V_U32: case CK_V_U64: return x->v.u == y->v.u;
    case CK_V_I8: case CK_V_I16: case CK_V_I32: case CK_V_I64: return x->v.i == y->v.i;
    case CK_V_F32: case CK_V_F64: return memcmp(&x->v.f, &y->v.f, sizeof x->v.f) == 0;
    case CK_V_BOOL: return x->v.b == y->v.b;
    case CK_V_STR: return x->v.s.len == y->v.s.len && memcmp(x->v.s.ptr, y->v.s.ptr, (size_t)x->v.s.len) == 0;
    case CK_V_ARR: return same_array(&x->v.a, &y->v.a);
    default: return false;
    }
}

/* A short text form: scalars as they are, strings cut at 80 bytes, arrays by
 * element type and count. */
static char *brief(const ck_value *v) {
    char buf[128];
    switch (v->type) {
    case CK_V_U8: case CK_V_U16: case CK_V_U32: case CK_V_U64:
        snprintf(buf, sizeof buf, "%" PRIu64, v->v.u);
        break;
    case CK_V_I8: case CK_V_I16: case CK_V_I32: case CK_V_I64:
        snprintf(buf, sizeof buf, "%" PRId64, v->v.i);
        break;
    case CK_V_F32: case CK_V_F64: snprintf(buf, sizeof buf, "%.9g", v->v.f); break;
    case CK_V_BOOL: snprintf(buf, sizeof buf, "%s", v->v.b ? "true" : "false"); break;
    case CK_V_STR: {
        size_t n = v->v.s.len > 80 ? 80 : (size_t)v->v.s.len;
        char *s = malloc(n + 4);
        if (!s) return NULL;
        memcpy(s, v->v.s.ptr, n);
        strcpy(s + n, v->v.s.len > 80 ? "..." : "");
        return s;
    }
    case CK_V_ARR:
        snprintf(buf, sizeof buf, "[%s x %" PRIu64 "]", ck_vtype_name(v->v.a.elem), v->v.a.count);
        break;
    default: buf[0] = 0;
    }
    return strdup(buf);
}

/* A metadata key as a C string; NULL for keys with a NUL byte inside. */
static char *key_of(const ck_kv *kv) {
    if (memchr(kv->key.ptr, 0, (size_t)kv->key.len)) return NULL;
    char *k = malloc((size_t)kv->key.len + 1);
    if (k) {
        memcpy(k, kv->key.ptr, (size_t)kv->key.len);
        k[kv->key.len] = 0;
    }
    return k;
}

static ck_status push(ck_diff_result *r, size_t *cap, char *key, ck_meta_kind kind, const ck_value *a,
                      const ck_value *b) {
    if (r->n_meta == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        ck_meta_change *n = realloc(r->meta, ncap * sizeof *n);
        if (!n) {
            free(key);
            return CK_ERR_NOMEM;
        }
        r->meta = n;
        *cap = ncap;
    }
    ck_meta_change *c = &r->meta[r->n_meta++];
    c->key = key;
    c->kind = kind;
    c->a_value = a ? brief(a) : NULL;
    c->b_value = b ? brief(b) : NULL;
    return CK_OK;
}

ck_status diff_metadata(const ck_model *a, const ck_model *b, ck_diff_result *r) {
    size_t cap = 0;
    for (size_t i = 0; i < a->n_kvs; i++) {
        char *key = key_of(&a->kvs[i]);
        if (!key) continue;
        const ck_kv *o = ck_model_kv(b, key);
        ck_status st = CK_OK;
        if (!o) st = push(r, &cap, key, CK_META_REMOVED, &a->kvs[i].value, NULL);
        else if (!same_value(&a->kvs[i].value, &o->value)) st = push(r, &cap, key, CK_META_CHANGED, &a->kvs[i].value, &o->value);
        else free(key);
        if (st != CK_OK) return st;
    }
    for (size_t i = 0; i < b->n_kvs; i++) {
        char *key = key_of(&b->kvs[i]);
        if (!key) continue;
        ck_status st = ck_model_kv(a, key) ? (free(key), CK_OK) : push(r, &cap, key, CK_META_ADDED, NULL, &b->kvs[i].value);
        if (st != CK_OK) return st;
    }
    return CK_OK;
}
