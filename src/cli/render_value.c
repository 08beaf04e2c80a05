/* Metadata values as JSON and as text. */
#include "render_value.h"

#include <math.h>
#include <string.h>

#include "term.h"

void render_type_name(char *buf, size_t n, const ck_value *v) {
    if (v->type == CK_V_ARR)
        snprintf(buf, n, "ARRAY[%s]", ck_vtype_name(v->v.a.elem));
    else
        snprintf(buf, n, "%s", ck_vtype_name(v->type));
}

static void scalar_json(jw *w, const ck_value *v) {
    switch (v->type) {
    case CK_V_U8: case CK_V_U16: case CK_V_U32: case CK_V_U64: jw_uint(w, v->v.u); break;
    case CK_V_I8: case CK_V_I16: case CK_V_I32: case CK_V_I64: jw_int(w, v->v.i); break;
    case CK_V_F32: jw_float(w, (float)v->v.f); break;
    case CK_V_F64: jw_double(w, v->v.f); break;
    case CK_V_BOOL: jw_bool(w, v->v.b); break;
    case CK_V_STR: jw_strn(w, v->v.s.ptr, (size_t)v->v.s.len); break;
    default: jw_null(w); break;
    }
}

static bool is_scalar_array(const ck_array *a) { return a->elem != CK_V_ARR && a->elem != CK_V_STR; }

static void elements_json(jw *w, const ck_array *a, uint64_t limit, bool full) {
    ck_array_iter it;
    ck_value e;
    ck_array_iter_init(&it, a);
    if (is_scalar_array(a)) jw_arr_inline(w);
    else jw_arr(w);
    for (uint64_t i = 0; i < limit && ck_array_next(&it, &e); i++) render_value_json(w, &e, full);
    jw_arr_end(w);
}

void render_value_json(jw *w, const ck_value *v, bool full) {
    if (v->type != CK_V_ARR) {
        scalar_json(w, v);
        return;
    }
    const ck_array *a = &v->v.a;
    if (full || a->count <= RENDER_ARRAY_FULL_MAX) {
        elements_json(w, a, a->count, full);
        return;
    }
    jw_obj(w);
    jw_key(w, "type");
    jw_str(w, ck_vtype_name(a->elem));
    jw_key(w, "count");
    jw_uint(w, a->count);
    jw_key(w, "head");
    elements_json(w, a, RENDER_ARRAY_HEAD, false);
    jw_obj_end(w);
}

/* ===== text ===== */

typedef struct budget {
    size_t left;     /* columns left; SIZE_MAX when unlimited */
    bool cut;
} budget;

static void put(FILE *o, budget *b, const char *s) {
    size_t n = strlen(s);
    if (b->cut) return;
    if (n > b->left) {
        b->cut = true;
        return;
    }
    fputs(s, o);
    b->left -= n;
}

static void put_escaped(FILE *o, budget *b, const char *s, size_t len) {
    if (b->cut) return;
    bool cut;
    size_t cols = term_put_escaped(o, s, len, b->left == SIZE_MAX ? 0 : b->left, &cut);
    if (b->left != SIZE_MAX) b->left -= cols < b->left ? cols : b->left;
    if (cut) b->cut = true;
}

static void value_text(FILE *o, const ck_value *v, budget *b, bool quote) {
    char num[48];
    switch (v->type) {
    case CK_V_U8: case CK_V_U16: case CK_V_U32: case CK_V_U64:
        snprintf(num, sizeof num, "%llu", (unsigned long long)v->v.u);
        put(o, b, num);
        break;
    case CK_V_I8: case CK_V_I16: case CK_V_I32: case CK_V_I64:
        snprintf(num, sizeof num, "%lld", (long long)v->v.i);
        put(o, b, num);
        break;
    case CK_V_F32: case CK_V_F64:
        if (isnan(v->v.f)) put(o, b, "nan");
        else if (isinf(v->v.f)) put(o, b, v->v.f > 0 ? "inf" : "-inf");
        else {
            jw_format_double(num, sizeof num, v->v.f, v->type == CK_V_F32);
            put(o, b, num);
        }
        break;
    case CK_V_BOOL: put(o, b, v->v.b ? "true" : "false"); break;
    case CK_V_STR:
        if (!quote) {
            put_escaped(o, b, v->v.s.ptr, (size_t)v->v.s.len);
            break;
        }
        /* Quoted: a quote inside the string is written \". */
        put(o, b, "\"");
        for (const char *p = v->v.s.ptr, *end = p + v->v.s.len; p < end && !b->cut;) {
            const char *q = memchr(p, '"', (size_t)(end - p));
            put_escaped(o, b, p, (size_t)((q ? q : end) - p));
            if (!q) break;
            put(o, b, "\\\"");
            p = q + 1;
        }
        put(o, b, "\"");
        break;
    case CK_V_ARR: {
        ck_array_iter it;
        ck_value e;
        ck_array_iter_init(&it, &v->v.a);
        put(o, b, "[");
        for (uint64_t i = 0; !b->cut && ck_array_next(&it, &e); i++) {
            if (i) put(o, b, ", ");
            value_text(o, &e, b, true);
        }
        put(o, b, "]");
        break;
    }
    default: break;
    }
}

void render_value_text(FILE *o, const ck_value *v, bool full, size_t max_cols) {
    char more[64] = "";
    if (v->type == CK_V_ARR) snprintf(more, sizeof more, "%llu items: ", (unsigned long long)v->v.a.count);
    else if (v->type == CK_V_STR && v->v.s.len > max_cols)
        snprintf(more, sizeof more, "%llu bytes: ", (unsigned long long)v->v.s.len);
    budget b = {.left = full ? SIZE_MAX : max_cols};
    if (!full && *more) {
        fprintf(o, "%s%s%s", term_dim(), more, term_reset());
        b.left = max_cols > strlen(more) + 8 ? max_cols - strlen(more) : 8;
    }
    value_text(o, v, &b, v->type == CK_V_ARR);
    if (b.cut) fprintf(o, "%s ...%s", term_dim(), term_reset());
}

void render_tensor_head_json(jw *w, const ck_tensor *t) {
    jw_key(w, "name");
    jw_strn(w, t->name, t->name_len);
    jw_key(w, "dtype");
    jw_str(w, ck_dtype_name(t->dtype));
    jw_key(w, "shape");
    jw_int_array(w, t->shape, t->rank);
}
