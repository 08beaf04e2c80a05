/* A streaming JSON writer. */
#include "json_writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/utf8.h"

void jw_init(jw *w, FILE *out) {
    memset(w, 0, sizeof *w);
    w->out = out;
    w->first[0] = true;
}

static void newline(jw *w) {
    fputc('\n', w->out);
    for (int i = 0; i < w->depth; i++) fputs("  ", w->out);
}

/* Separator and indentation before a value or a key. */
static void before_item(jw *w) {
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0) return;
    if (!w->first[w->depth]) fputc(',', w->out);
    if (w->inline_[w->depth]) {
        if (!w->first[w->depth]) fputc(' ', w->out);
    } else {
        newline(w);
    }
    w->first[w->depth] = false;
}

static void open_container(jw *w, char c, bool inl) {
    before_item(w);
    fputc(c, w->out);
    if (w->depth + 1 < JW_MAX_DEPTH) w->depth++;
    w->first[w->depth] = true;
    w->inline_[w->depth] = inl || (w->depth > 0 && w->inline_[w->depth - 1]);
}

static void close_container(jw *w, char c) {
    bool empty = w->first[w->depth];
    bool inl = w->inline_[w->depth];
    if (w->depth > 0) w->depth--;
    if (!empty && !inl) newline(w);
    fputc(c, w->out);
}

void jw_obj(jw *w) { open_container(w, '{', false); }
void jw_obj_end(jw *w) { close_container(w, '}'); }
void jw_arr(jw *w) { open_container(w, '[', false); }
void jw_arr_inline(jw *w) { open_container(w, '[', true); }
void jw_arr_end(jw *w) { close_container(w, ']'); }

void jw_int_array(jw *w, const int64_t *v, size_t n) {
    jw_arr_inline(w);
    for (size_t i = 0; i < n; i++) jw_int(w, v[i]);
    jw_arr_end(w);
}

static void put_string(jw *w, const char *s, size_t len) {
    const uint8_t *p = (const uint8_t *)s;
    FILE *o = w->out;
    fputc('"', o);
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            size_t j = i + 1;
            while (j < len && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\') j++;
            fwrite(p + i, 1, j - i, o);
            i = j;
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", o); i++; continue;
        case '\\': fputs("\\\\", o); i++; continue;
        case '\n': fputs("\\n", o); i++; continue;
        case '\r': fputs("\\r", o); i++; continue;
        case '\t': fputs("\\t", o); i++; continue;
        case '\b': fputs("\\b", o); i++; continue;
        case '\f': fputs("\\f", o); i++; continue;
        default: break;
        }
        if (c < 0x20) {
            fprintf(o, "\\u%04x", c);
            i++;
            continue;
        }
        size_t n = ck_utf8_seq_len(p + i, len - i);
        if (n) {
            fwrite(p + i, 1, n, o);
            i += n;
        } else {
            fputs("\xEF\xBF\xBD", o); /* U+FFFD for a byte that is not UTF-8 */
            i++;
        }
    }
    fputc('"', o);
}

void jw_keyn(jw *w, const char *key, size_t len) {
    before_item(w);
    put_string(w, key, len);
    fputs(": ", w->out);
    w->after_key = true;
}

void jw_key(jw *w, const char *key) { jw_keyn(w, key, strlen(key)); }

void jw_strn(jw *w, const char *s, size_t len) {
    before_item(w);
    put_string(w, s, len);
}

void jw_str(jw *w, const char *s) {
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

void jw_int(jw *w, int64_t v) {
    before_item(w);
    fprintf(w->out, "%lld", (long long)v);
}

void jw_uint(jw *w, uint64_t v) {
    before_item(w);
    fprintf(w->out, "%llu", (unsigned long long)v);
}

static bool reads_back(const char *buf, double v, bool single) {
    return single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v;
}

void jw_format_double(char *buf, size_t n, double v, bool single) {
    /* Plain notation for everyday magnitudes (10000, not 1e+04), else the
     * shortest %g form; either way the fewest digits that read back exact. */
    double a = fabs(v);
    if (a >= 1e-4 && a < 1e16) {
        for (int dec = 0; dec <= 20; dec++) {
            snprintf(buf, n, "%.*f", dec, v);
            if (reads_back(buf, v, single)) return;
        }
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (reads_back(buf, v, single)) return;
    }
}

static void put_number(jw *w, double v, bool single) {
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    char buf[40];
    jw_format_double(buf, sizeof buf, v, single);
    before_item(w);
    fputs(buf, w->out);
}

void jw_double(jw *w, double v) { put_number(w, v, false); }
void jw_float(jw *w, float v) { put_number(w, v, true); }

void jw_bool(jw *w, bool v) {
    before_item(w);
    fputs(v ? "true" : "false", w->out);
}

void jw_null(jw *w) {
    before_item(w);
    fputs("null", w->out);
}

void jw_done(jw *w) { fputc('\n', w->out); }
