/* safetensors headers, written: an 8-byte little-endian length, then a
 * compact JSON object (__metadata__ first, then the tensors in the order
 * given, back to back from offset 0), padded with spaces to a multiple of 8
 * bytes as the reference writer does, so that the data buffer starts aligned. */
#include "ckpt/write.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/rules.h"
#include "io/buf.h"

static ck_status refuse(ck_diag *d, const ck_wtensor *t, const char *what) {
    ck_where w = {.offset = CK_NO_OFFSET, .tensor = t->name, .tensor_len = strlen(t->name)};
    ck_report(d, &CK_RULE_CONVERT_STORE, CK_ERR_USAGE, 0, &w, "cannot be stored in safetensors: %s", what);
    return CK_ERR_USAGE;
}

static json_t *meta_object(const ck_kv *meta, size_t n) {
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        const ck_kv *kv = &meta[i];
        json_t *v = kv->value.type == CK_V_STR ? json_stringn(kv->value.v.s.ptr, (size_t)kv->value.v.s.len) : NULL;
        if (!v || json_object_setn_new(o, kv->key.ptr, (size_t)kv->key.len, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *tensor_object(const ck_wtensor *t, uint64_t begin) {
    json_t *shape = json_array();
    for (uint32_t j = 0; shape && j < t->rank; j++)
        if (json_array_append_new(shape, json_integer(t->shape[j])) != 0) {
            json_decref(shape);
            shape = NULL;
        }
    json_t *offs = json_pack("[II]", (json_int_t)begin, (json_int_t)(begin + t->nbytes));
    if (!shape || !offs) {
        json_decref(shape);
        json_decref(offs);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:o}", "dtype", ck_dtype_info_of(t->dtype)->st_name, "shape", shape,
                     "data_offsets", offs);
}

ck_status ck_st_layout(const ck_kv *meta, size_t n_meta, ck_wtensor *t, size_t n_t, ck_header *out, ck_diag *d) {
    memset(out, 0, sizeof *out);
    json_t *root = json_object();
    ck_status st = root ? CK_OK : CK_ERR_NOMEM;
    if (st == CK_OK && n_meta) {
        json_t *m = meta_object(meta, n_meta);
        if (!m || json_object_set_new(root, "__metadata__", m) != 0) st = CK_ERR_NOMEM;
    }
    uint64_t rel = 0;
    for (size_t i = 0; st == CK_OK && i < n_t; i++) {
        if (!ck_dtype_info_of(t[i].dtype)->st_name) {
            st = refuse(d, &t[i], "safetensors has no dtype for it");
            break;
        }
        if (strcmp(t[i].name, "__metadata__") == 0) {
            st = refuse(d, &t[i], "the name is reserved for the metadata");
            break;
        }
        json_t *o = tensor_object(&t[i], rel);
        if (!o || json_object_set_new(root, t[i].name, o) != 0) st = CK_ERR_NOMEM;
        t[i].offset = rel;
        rel += t[i].nbytes;
    }
    char *text = st == CK_OK ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (st == CK_OK && !text) st = CK_ERR_NOMEM;
    if (st != CK_OK) {
        free(text);
        return st;
    }
    size_t len = strlen(text), padded = (len + 7) / 8 * 8;
    ck_buf b = {0};
    ck_buf_u64(&b, padded);
    ck_buf_put(&b, text, len);
    for (size_t i = len; i < padded; i++) ck_buf_u8(&b, ' ');
    free(text);
    if (b.failed) {
        ck_buf_free(&b);
        return CK_ERR_NOMEM;
    }
    for (size_t i = 0; i < n_t; i++) t[i].offset += b.len;
    out->bytes = b.data;
    out->len = b.len;
    out->file_size = b.len + rel;
    return CK_OK;
}
