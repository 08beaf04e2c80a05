/* GGUF metadata values. Arrays are validated element by element once, then
 * kept as their raw bytes and decoded on demand by ck_array_next. */
#include "gguf_value.h"

#include <string.h>

#include "ckpt/rules.h"

static const char *const vtype_names[CK_V_COUNT] = {
    "UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
    "BOOL", "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64",
};

static const unsigned char vtype_sizes[CK_V_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

const char *ck_vtype_name(int64_t t) {
    return t >= 0 && t < CK_V_COUNT ? vtype_names[t] : NULL;
}

size_t ck_vtype_size(ck_vtype t) { return (unsigned)t < CK_V_COUNT ? vtype_sizes[t] : 0; }

/* Decode a fixed-size scalar of type t stored at p. */
static void load_scalar(ck_vtype t, const uint8_t *p, bool be, ck_value *out) {
    out->type = t;
    switch (t) {
    case CK_V_U8: out->v.u = p[0]; break;
    case CK_V_I8: out->v.i = (int8_t)p[0]; break;
    case CK_V_BOOL: out->v.b = p[0] != 0; break;
    case CK_V_U16: out->v.u = ck_load_u16(p, be); break;
    case CK_V_I16: out->v.i = (int16_t)ck_load_u16(p, be); break;
    case CK_V_U32: out->v.u = ck_load_u32(p, be); break;
    case CK_V_I32: out->v.i = (int32_t)ck_load_u32(p, be); break;
    case CK_V_U64: out->v.u = ck_load_u64(p, be); break;
    case CK_V_I64: out->v.i = (int64_t)ck_load_u64(p, be); break;
    case CK_V_F32: {
        uint32_t u = ck_load_u32(p, be);
        float f;
        memcpy(&f, &u, 4);
        out->v.f = f;
        break;
    }
    case CK_V_F64: {
        uint64_t u = ck_load_u64(p, be);
        memcpy(&out->v.f, &u, 8);
        break;
    }
    default: break;
    }
}

static ck_where at(const ck_cursor *c, const ck_where *where) {
    ck_where w = *where;
    w.file = c->file->path;
    w.offset = (int64_t)c->pos;
    return w;
}

bool ck_gguf_parse_string(ck_cursor *c, ck_str *s, const char *what, const ck_where *where) {
    ck_where w = at(c, where);
    uint64_t len;
    if (!ck_cur_u64(c, &len, what)) return false;
    if (len > CK_GGUF_MAX_STRING) {
        ck_report(c->diag, &CK_RULE_GGUF_STRING_LENGTH, CK_ERR_FORMAT, 0, &w,
                  "%s has length %llu, over the limit of 2^30 bytes", what, (unsigned long long)len);
        return false;
    }
    if (len > ck_cursor_left(c)) {
        ck_report(c->diag, &CK_RULE_GGUF_STRING_LENGTH, CK_ERR_FORMAT, 0, &w,
                  "%s has length %llu but only %llu bytes are left in the file", what,
                  (unsigned long long)len, (unsigned long long)ck_cursor_left(c));
        return false;
    }
    const uint8_t *p;
    ck_cur_bytes(c, len, &p, what);
    s->ptr = (const char *)p;
    s->len = len;
    return true;
}

static bool parse_array(ck_cursor *c, int depth, ck_array *a, const ck_where *where);

/* Validate one array element of type t (nested arrays recursively). */
static bool skip_element(ck_cursor *c, ck_vtype t, int depth, const ck_where *where) {
    if (t == CK_V_STR) {
        ck_str s;
        return ck_gguf_parse_string(c, &s, "a string in an array", where);
    }
    if (t == CK_V_ARR) {
        ck_array inner;
        return parse_array(c, depth + 1, &inner, where);
    }
    return ck_cur_skip(c, vtype_sizes[t], "an array element");
}

static bool parse_array(ck_cursor *c, int depth, ck_array *a, const ck_where *where) {
    ck_where w = at(c, where);
    if (depth > CK_GGUF_MAX_NESTING) {
        ck_report(c->diag, &CK_RULE_GGUF_ARRAY_NESTING, CK_ERR_FORMAT, 0, &w,
                  "arrays nested %d levels deep (the limit is %d)", depth, CK_GGUF_MAX_NESTING);
        return false;
    }
    int32_t elem;
    uint64_t count;
    if (!ck_cur_i32(c, &elem, "an array's element type")) return false;
    if (elem < 0 || elem >= CK_V_COUNT) {
        ck_report(c->diag, &CK_RULE_GGUF_VALUE_TYPE, CK_ERR_FORMAT, 0, &w,
                  "array element type %d is not a GGUF value type", elem);
        return false;
    }
    w.offset = (int64_t)c->pos;
    if (!ck_cur_u64(c, &count, "an array's length")) return false;
    /* Smallest possible encoding of one element: a check that needs no
     * allocation and bounds the walk below by the file size. */
    uint64_t min_elem = elem == CK_V_STR ? 8 : elem == CK_V_ARR ? 12 : vtype_sizes[elem];
    uint64_t min_bytes;
    if (count > CK_GGUF_MAX_ARRAY) {
        ck_report(c->diag, &CK_RULE_GGUF_ARRAY_LENGTH, CK_ERR_FORMAT, 0, &w,
                  "array of %llu elements, over the limit of 2^30", (unsigned long long)count);
        return false;
    }
    if (!ck_mul_u64(count, min_elem, &min_bytes) || min_bytes > ck_cursor_left(c)) {
        ck_report(c->diag, &CK_RULE_GGUF_ARRAY_LENGTH, CK_ERR_FORMAT, 0, &w,
                  "array of %llu %s elements cannot fit in the %llu bytes left in the file",
                  (unsigned long long)count, vtype_names[elem],
                  (unsigned long long)ck_cursor_left(c));
        return false;
    }
    a->elem = (ck_vtype)elem;
    a->count = count;
    a->big_endian = c->big_endian;
    a->raw = c->file->data + c->pos;
    uint64_t start = c->pos;
    if (elem == CK_V_STR || elem == CK_V_ARR) {
        for (uint64_t i = 0; i < count; i++)
            if (!skip_element(c, (ck_vtype)elem, depth, where)) return false;
    } else {
        ck_cur_skip(c, min_bytes, "array elements");
    }
    a->raw_len = c->pos - start;
    return true;
}

bool ck_gguf_parse_value(ck_cursor *c, int32_t type, ck_value *out, const ck_where *where) {
    out->type = (ck_vtype)type;
    if (type == CK_V_STR) return ck_gguf_parse_string(c, &out->v.s, "a string value", where);
    if (type == CK_V_ARR) return parse_array(c, 1, &out->v.a, where);
    const uint8_t *p;
    if (!ck_cur_bytes(c, vtype_sizes[type], &p, "a metadata value")) return false;
    load_scalar((ck_vtype)type, p, c->big_endian, out);
    return true;
}

void ck_array_iter_init(ck_array_iter *it, const ck_array *a) {
    it->arr = a;
    it->index = 0;
    it->pos = 0;
}

/* Bytes taken by the nested array that starts at p (already validated). */
static uint64_t nested_len(const uint8_t *p, uint64_t avail, bool be);

static uint64_t element_len(ck_vtype t, const uint8_t *p, uint64_t avail, bool be) {
    if (t == CK_V_STR) {
        if (avail < 8) return avail + 1;
        uint64_t len = ck_load_u64(p, be);
        return len > avail - 8 ? avail + 1 : 8 + len;
    }
    if (t == CK_V_ARR) return nested_len(p, avail, be);
    return vtype_sizes[t];
}

static uint64_t nested_len(const uint8_t *p, uint64_t avail, bool be) {
    if (avail < 12) return avail + 1;
    ck_vtype elem = (ck_vtype)ck_load_u32(p, be);
    uint64_t count = ck_load_u64(p + 4, be);
    uint64_t pos = 12;
    if ((unsigned)elem >= CK_V_COUNT) return avail + 1;
    for (uint64_t i = 0; i < count && pos <= avail; i++) {
        uint64_t n = element_len(elem, p + pos, avail - pos, be);
        if (n > avail - pos) return avail + 1;
        pos += n;
    }
    return pos;
}

bool ck_array_next(ck_array_iter *it, ck_value *out) {
    const ck_array *a = it->arr;
    if (it->index >= a->count || it->pos >= a->raw_len) return false;
    const uint8_t *p = a->raw + it->pos;
    uint64_t avail = a->raw_len - it->pos;
    uint64_t n = element_len(a->elem, p, avail, a->big_endian);
    /* The reader validated these bytes; this guard only keeps a bug from
     * turning into an out-of-bounds read. */
    if (n > avail) return false;
    if (a->elem == CK_V_STR) {
        out->type = CK_V_STR;
        out->v.s.ptr = (const char *)p + 8;
        out->v.s.len = n - 8;
    } else if (a->elem == CK_V_ARR) {
        out->type = CK_V_ARR;
        out->v.a.elem = (ck_vtype)ck_load_u32(p, a->big_endian);
        out->v.a.count = ck_load_u64(p + 4, a->big_endian);
        out->v.a.raw = p + 12;
        out->v.a.raw_len = n - 12;
        out->v.a.big_endian = a->big_endian;
    } else {
        load_scalar(a->elem, p, a->big_endian, out);
    }
    it->pos += n;
    it->index++;
    return true;
}
