/* A streaming JSON writer for the --json documents: exact 64-bit integers,
 * shortest round-trip floats, null for NaN and infinities, and strings that
 * are always valid UTF-8 (bytes that are not become U+FFFD). */
#ifndef CK_CLI_JSON_WRITER_H
#define CK_CLI_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 64

typedef struct jw {
    FILE *out;
    int depth;
    bool first[JW_MAX_DEPTH];   /* no member written yet at this depth */
    bool inline_[JW_MAX_DEPTH]; /* this container is written on one line */
    bool after_key;
} jw;

void jw_init(jw *w, FILE *out);
void jw_obj(jw *w);                 /* { */
void jw_obj_end(jw *w);             /* } */
void jw_arr(jw *w);                 /* [ with one element a line */
void jw_arr_inline(jw *w);          /* [ on one line: for short lists of scalars */
void jw_arr_end(jw *w);             /* ] */
void jw_int_array(jw *w, const int64_t *v, size_t n);  /* [v0, v1, ...] on one line */
void jw_key(jw *w, const char *key);
void jw_keyn(jw *w, const char *key, size_t len);
void jw_str(jw *w, const char *s);
void jw_strn(jw *w, const char *s, size_t len);
void jw_int(jw *w, int64_t v);
void jw_uint(jw *w, uint64_t v);
void jw_double(jw *w, double v);    /* shortest repr that reads back as the same double */
void jw_float(jw *w, float v);      /* shortest repr that reads back as the same float */
void jw_bool(jw *w, bool v);
void jw_null(jw *w);
/* Finish the document with a newline. */
void jw_done(jw *w);

/* Shortest decimal for v that reads back as v (as a double, or as a float
 * when single is set); "null" style output is the caller's job. */
void jw_format_double(char *buf, size_t n, double v, bool single);

#endif
