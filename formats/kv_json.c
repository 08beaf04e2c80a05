/* GGUF metadata values <-> JSON text, with a type spec beside the text. */
#include "kv_json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf_value.h"
#include "io/buf.h"

/* ===== value -> JSON ===== */

/* The shortest decimal text that reads back as the same float (or double). */
static void put_float(ck_buf *b, double f, bool single) {
    char s[40];
    if (isnan(f) || isinf(f)) {
        const char *t = isnan(f) ? "\"nan\"" : f > 0 ? "\"inf\"" : "\"-inf\"";
        ck_buf_put(b, t, strlen(t));
        return;
    }
    for (int prec = single ? 6 : 15; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, f);
        if (single ? strtof(s, NULL) == (float)f : strtod(s, NULL) == f) break;
    }
    /* JSON has no "1e+05"-style problem, but "5" must read back as a float:
     * keep the text a number with a fraction or an exponent. */
    if (!strpbrk(s, ".eEn")) strcat(s, ".0");
    ck_buf_put(b, s, strlen(s));
}

static void put_json_string(ck_buf *b, const char *p, size_t n) {
    json_t *s = json_stringn_nocheck(p, n);
    char *t = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    if (t) ck_buf_put(b, t, strlen(t));
    else b->failed = true;
    free(t);
    json_decref(s);
}

static void put_json(ck_buf *b, const ck_value *v) {
    char s[32];
    switch (v->type) {
    case CK_V_U8: case CK_V_U16: case CK_V_U32:
        snprintf(s, sizeof s, "%llu", (unsigned long long)v->v.u);
        ck_buf_put(b, s, strlen(s));
        break;
    case CK_V_U64:
        snprintf(s, sizeof s, v->v.u > INT64_MAX ? "\"%llu\"" : "%llu", (unsigned long long)v->v.u);
        ck_buf_put(b, s, strlen(s));
        break;
    case CK_V_I8: case CK_V_I16: case CK_V_I32: case CK_V_I64:
        snprintf(s, sizeof s, "%lld", (long long)v->v.i);
        ck_buf_put(b, s, strlen(s));
        break;
    case CK_V_F32: put_float(b, v->v.f, true); break;
    case CK_V_F64: put_float(b, v->v.f, false); break;
    case CK_V_BOOL: ck_buf_put(b, v->v.b ? "true" : "false", v->v.b ? 4 : 5); break;
    case CK_V_STR: put_json_string(b, v->v.s.ptr, (size_t)v->v.s.len); break;
    case CK_V_ARR: {
        ck_array_iter it;
        ck_value e;
        bool first = true;
        ck_buf_u8(b, '[');
        ck_array_iter_init(&it, &v->v.a);
        while (ck_array_next(&it, &e)) {
            if (!first) ck_buf_u8(b, ',');
            first = false;
            put_json(b, &e);
        }
        ck_buf_u8(b, ']');
        break;
    }
    default: b->failed = true; break;
    }
}

char *ck_value_json(const ck_value *v) {
    ck_buf b = {0};
    put_json(&b, v);
    ck_buf_u8(&b, 0);
    if (b.failed) {
        ck_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

static void put_spec(ck_buf *b, const ck_value *v) {
    const char *name = ck_vtype_name(v->type);
    ck_buf_put(b, name, strlen(name));
    if (v->type != CK_V_ARR) return;
    ck_buf_u8(b, '[');
    ck_value first = {.type = v->v.a.elem};
    if (v->v.a.elem == CK_V_ARR) {
        ck_array_iter it;
        ck_array_iter_init(&it, &v->v.a);
        /* An empty array of arrays: inner type unknown; say UINT8. */
        if (!ck_array_next(&it, &first)) first = (ck_value){.type = CK_V_ARR, .v.a = {.elem = CK_V_U8}};
    }
    put_spec(b, &first);
    ck_buf_u8(b, ']');
}

char *ck_value_spec(const ck_value *v) {
    ck_buf b = {0};
    put_spec(&b, v);
    ck_buf_u8(&b, 0);
    if (b.failed) {
        ck_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

/* ===== JSON -> value ===== */

typedef struct spec {
    ck_vtype type;
    const char *inner;       /* for arrays: the element spec */
    size_t inner_len;
} spec;

static bool parse_spec(const char *s, size_t n, spec *out) {
    for (int t = 0; t < CK_V_COUNT; t++) {
        const char *name = ck_vtype_name(t);
        size_t l = strlen(name);
        if (n < l || memcmp(s, name, l) != 0) continue;
        if (t == CK_V_ARR) {
            if (n < l + 3 || s[l] != '[' || s[n - 1] != ']') return false;
            *out = (spec){CK_V_ARR, s + l + 1, n - l - 2};
            return true;
        }
        if (n != l) continue;
        *out = (spec){(ck_vtype)t, NULL, 0};
        return true;
    }
    return false;
}

/* Nested arrays are rare and short; deeper than this is refused. */
#define MAX_DEPTH 4

static bool decode(const json_t *j, const char *s, size_t n, int depth, ck_arena *a, ck_value *out,
                   const char **why);

static bool float_of(const json_t *j, double *f) {
    if (json_is_number(j)) {
        *f = json_number_value(j);
        return true;
    }
    if (!json_is_string(j)) return false;
    const char *t = json_string_value(j);
    if (strcmp(t, "nan") == 0) *f = NAN;
    else if (strcmp(t, "inf") == 0) *f = INFINITY;
    else if (strcmp(t, "-inf") == 0) *f = -INFINITY;
    else return false;
    return true;
}

static bool uint_of(const json_t *j, uint64_t max, uint64_t *u) {
    if (json_is_integer(j)) {
        json_int_t i = json_integer_value(j);
        if (i < 0 || (uint64_t)i > max) return false;
        *u = (uint64_t)i;
        return true;
    }
    /* UINT64 above 2^63 - 1 comes as a decimal string. */
    if (max != UINT64_MAX || !json_is_string(j)) return false;
    const char *t = json_string_value(j);
    char *end;
    if (!*t || *t == '-' || *t == '+' || *t == ' ') return false;
    unsigned long long v = strtoull(t, &end, 10);
    if (*end) return false;
    *u = v;
    return true;
}

static bool int_of(const json_t *j, int64_t lo, int64_t hi, int64_t *i) {
    if (!json_is_integer(j)) return false;
    json_int_t v = json_integer_value(j);
    if (v < lo || v > hi) return false;
    *i = v;
    return true;
}

static bool scalar(const json_t *j, ck_vtype t, ck_value *out) {
    out->type = t;
    switch (t) {
    case CK_V_U8: return uint_of(j, UINT8_MAX, &out->v.u);
    case CK_V_U16: return uint_of(j, UINT16_MAX, &out->v.u);
    case CK_V_U32: return uint_of(j, UINT32_MAX, &out->v.u);
    case CK_V_U64: return uint_of(j, UINT64_MAX, &out->v.u);
    case CK_V_I8: return int_of(j, INT8_MIN, INT8_MAX, &out->v.i);
    case CK_V_I16: return int_of(j, INT16_MIN, INT16_MAX, &out->v.i);
    case CK_V_I32: return int_of(j, INT32_MIN, INT32_MAX, &out->v.i);
    case CK_V_I64: return int_of(j, INT64_MIN, INT64_MAX, &out->v.i);
    case CK_V_F32: case CK_V_F64:
        if (!float_of(j, &out->v.f)) return false;
        if (t == CK_V_F32) out->v.f = (float)out->v.f;
        return true;
    case CK_V_BOOL:
        if (!json_is_boolean(j)) return false;
        out->v.b = json_is_true(j);
        return true;
    case CK_V_STR: {
        if (!json_is_string(j)) return false;
        out->v.s.ptr = json_string_value(j);
        out->v.s.len = json_string_length(j);
        return true;
    }
    default: return false;
    }
}

static bool array(const json_t *j, const spec *sp, int depth, ck_arena *a, ck_value *out, const char **why) {
    if (!json_is_array(j)) {
        *why = "not a JSON array";
        return false;
    }
    spec inner;
    if (!parse_spec(sp->inner, sp->inner_len, &inner)) {
        *why = "unknown type in the type spec";
        return false;
    }
    ck_buf b = {0};
    size_t i;
    json_t *e;
    json_array_foreach(j, i, e) {
        ck_value v;
        if (!decode(e, sp->inner, sp->inner_len, depth + 1, a, &v, why)) {
            ck_buf_free(&b);
            return false;
        }
        ck_gguf_put_value(&b, &v);
    }
    size_t len = b.len;
    uint8_t *raw = b.failed ? NULL : ck_arena_alloc(a, len ? len : 1);
    if (raw && len) memcpy(raw, b.data, len);
    ck_buf_free(&b);
    if (!raw) {
        *why = "out of memory";
        return false;
    }
    out->type = CK_V_ARR;
    out->v.a = (ck_array){.elem = inner.type, .count = json_array_size(j), .raw = raw, .raw_len = len};
    return true;
}

static bool decode(const json_t *j, const char *s, size_t n, int depth, ck_arena *a, ck_value *out,
                   const char **why) {
    spec sp;
    if (!parse_spec(s, n, &sp)) {
        *why = "unknown type in the type spec";
        return false;
    }
    if (sp.type == CK_V_ARR) {
        if (depth >= MAX_DEPTH) {
            *why = "arrays nested too deep";
            return false;
        }
        return array(j, &sp, depth, a, out, why);
    }
    if (!scalar(j, sp.type, out)) {
        *why = "the JSON value does not fit the type";
        return false;
    }
    /* Array elements are encoded at once; a string on its own must outlive
     * the JSON document. */
    if (sp.type == CK_V_STR && depth == 0) {
        char *copy = ck_arena_strndup(a, out->v.s.ptr, (size_t)out->v.s.len);
        if (!copy) {
            *why = "out of memory";
            return false;
        }
        out->v.s.ptr = copy;
    }
    return true;
}

bool ck_value_from_json(const char *json, size_t len, const char *specs, ck_arena *a, ck_value *out,
                        const char **why) {
    json_error_t err;
    json_t *j = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j) {
        *why = "not JSON";
        return false;
    }
    bool ok = decode(j, specs, strlen(specs), 0, a, out, why);
    json_decref(j);
    return ok;
}
