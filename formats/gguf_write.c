/* GGUF v3 headers, written: magic, version, counts, the kvs, the tensor
 * infos, then zeros up to the aligned start of the data section. Every
 * number little-endian, every tensor offset a multiple of the alignment. */
#include "ckpt/write.h"

#include <stdlib.h>
#include <string.h>

#include "ckpt/rules.h"
#include "gguf_value.h"
#include "io/buf.h"

static void put_str(ck_buf *b, const char *s, uint64_t len) {
    ck_buf_u64(b, len);
    ck_buf_put(b, s, (size_t)len);
}

static void put_array(ck_buf *b, const ck_array *a) {
    ck_buf_u32(b, (uint32_t)a->elem);
    ck_buf_u64(b, a->count);
    /* Little-endian flat arrays are stored as they are read: a 150,000-entry
     * token list is one copy. Anything else goes element by element. */
    if (!a->big_endian && a->elem != CK_V_ARR) {
        ck_buf_put(b, a->raw, (size_t)a->raw_len);
        return;
    }
    ck_array_iter it;
    ck_value e;
    ck_array_iter_init(&it, a);
    while (ck_array_next(&it, &e)) ck_gguf_put_value(b, &e);
}

void ck_gguf_put_value(ck_buf *b, const ck_value *v) {
    switch (v->type) {
    case CK_V_U8: ck_buf_u8(b, (uint8_t)v->v.u); break;
    case CK_V_I8: ck_buf_u8(b, (uint8_t)v->v.i); break;
    case CK_V_BOOL: ck_buf_u8(b, v->v.b ? 1 : 0); break;
    case CK_V_U16: ck_buf_u16(b, (uint16_t)v->v.u); break;
    case CK_V_I16: ck_buf_u16(b, (uint16_t)v->v.i); break;
    case CK_V_U32: ck_buf_u32(b, (uint32_t)v->v.u); break;
    case CK_V_I32: ck_buf_u32(b, (uint32_t)v->v.i); break;
    case CK_V_U64: ck_buf_u64(b, v->v.u); break;
    case CK_V_I64: ck_buf_u64(b, (uint64_t)v->v.i); break;
    case CK_V_F32: {
        float f = (float)v->v.f;
        uint32_t u;
        memcpy(&u, &f, 4);
        ck_buf_u32(b, u);
        break;
    }
    case CK_V_F64: {
        uint64_t u;
        memcpy(&u, &v->v.f, 8);
        ck_buf_u64(b, u);
        break;
    }
    case CK_V_STR: put_str(b, v->v.s.ptr, v->v.s.len); break;
    case CK_V_ARR: put_array(b, &v->v.a); break;
    default: break;
    }
}

static ck_status refuse(ck_diag *d, const ck_wtensor *t, const char *what) {
    ck_where w = {.offset = CK_NO_OFFSET, .tensor = t->name, .tensor_len = strlen(t->name)};
    ck_report(d, &CK_RULE_CONVERT_STORE, CK_ERR_USAGE, 0, &w, "cannot be stored in GGUF: %s", what);
    return CK_ERR_USAGE;
}

static ck_status check_tensor(const ck_wtensor *t, ck_diag *d) {
    const ck_dtype_info *info = ck_dtype_info_of(t->dtype);
    if (info->gguf_id < 0) return refuse(d, t, "GGUF has no type for its dtype");
    if (t->rank > CK_GGUF_MAX_DIMS) return refuse(d, t, "more than 4 dimensions");
    if (strlen(t->name) > CK_GGUF_MAX_NAME) return refuse(d, t, "name longer than 63 bytes (ggml's limit)");
    int64_t ne0 = t->rank ? t->shape[t->rank - 1] : 1;
    if (ne0 % info->block_elems) return refuse(d, t, "rows are not a whole number of blocks");
    return CK_OK;
}

static uint64_t align_up(uint64_t x, uint32_t a) { return (x + a - 1) / a * a; }

ck_status ck_gguf_layout(const ck_kv *kvs, size_t n_kv, ck_wtensor *t, size_t n_t, uint32_t alignment,
                         ck_header *out, ck_diag *d) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n_t; i++) {
        ck_status st = check_tensor(&t[i], d);
        if (st != CK_OK) return st;
    }
    ck_buf b = {0};
    ck_buf_put(&b, "GGUF", 4);
    ck_buf_u32(&b, 3);
    ck_buf_u64(&b, n_t);
    ck_buf_u64(&b, n_kv);
    for (size_t i = 0; i < n_kv; i++) {
        put_str(&b, kvs[i].key.ptr, kvs[i].key.len);
        ck_buf_u32(&b, (uint32_t)kvs[i].value.type);
        ck_gguf_put_value(&b, &kvs[i].value);
    }
    uint64_t rel = 0;
    for (size_t i = 0; i < n_t; i++) {
        put_str(&b, t[i].name, strlen(t[i].name));
        ck_buf_u32(&b, t[i].rank);
        /* ggml's ne order: innermost first. */
        for (uint32_t j = 0; j < t[i].rank; j++) ck_buf_u64(&b, (uint64_t)t[i].shape[t[i].rank - 1 - j]);
        ck_buf_u32(&b, (uint32_t)ck_dtype_info_of(t[i].dtype)->gguf_id);
        ck_buf_u64(&b, rel);
        t[i].offset = rel;
        rel = align_up(rel + t[i].nbytes, alignment);
    }
    ck_buf_zeros(&b, (size_t)(align_up(b.len, alignment) - b.len));
    if (b.failed) {
        ck_buf_free(&b);
        return CK_ERR_NOMEM;
    }
    uint64_t data = b.len;
    uint64_t end = data;
    for (size_t i = 0; i < n_t; i++) {
        t[i].offset += data;
        end = t[i].offset + t[i].nbytes;
    }
    out->bytes = b.data;
    out->len = b.len;
    out->file_size = end;
    return CK_OK;
}

void ck_header_free(ck_header *h) {
    free(h->bytes);
    memset(h, 0, sizeof *h);
}
