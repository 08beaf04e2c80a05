/* Diagnostics: findings recorded by the library, rendered by the CLI. */
#include "ckpt/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ck_diag_init(ck_diag *d, int collect) {
    memset(d, 0, sizeof *d);
    d->collect = collect;
}

void ck_diag_free(ck_diag *d) {
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].message);
        free(d->items[i].file);
        free(d->items[i].key);
        free(d->items[i].tensor);
    }
    free(d->items);
    d->items = NULL;
    d->count = d->cap = 0;
    d->status = CK_OK;
}

/* Copy len bytes into a NUL-terminated string; NULL stays NULL. Names from
 * hostile files may hold NUL bytes: those are kept out by the length. */
static char *dup_bytes(const char *s, size_t len) {
    if (!s) return NULL;
    char *r = malloc(len + 1);
    if (!r) return NULL;
    memcpy(r, s, len);
    r[len] = 0;
    return r;
}

/* Names longer than this are cut in messages; a finding need not carry a
 * megabyte-long hostile key. */
#define CK_NAME_MAX 256

int ck_vreport(ck_diag *d, const ck_rule *rule, ck_status status, int can_continue,
               const ck_where *where, const char *fmt, va_list ap) {
    if (rule->severity == CK_SEV_ERROR && d->status == CK_OK) d->status = status;
    if (d->count == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 8;
        ck_finding *n = realloc(d->items, ncap * sizeof *n);
        if (!n) {
            if (d->status == CK_OK) d->status = CK_ERR_NOMEM;
            return 0;
        }
        d->items = n;
        d->cap = ncap;
    }
    ck_finding *f = &d->items[d->count++];
    memset(f, 0, sizeof *f);
    f->rule = rule;
    f->offset = CK_NO_OFFSET;
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    f->message = dup_bytes(buf, strlen(buf));
    if (where) {
        f->offset = where->offset;
        if (where->file) f->file = dup_bytes(where->file, strlen(where->file));
        if (where->key)
            f->key = dup_bytes(where->key, where->key_len < CK_NAME_MAX ? where->key_len : CK_NAME_MAX);
        if (where->tensor)
            f->tensor = dup_bytes(where->tensor,
                                  where->tensor_len < CK_NAME_MAX ? where->tensor_len : CK_NAME_MAX);
    }
    if (rule->severity != CK_SEV_ERROR) return 1;
    return d->collect && can_continue;
}

int ck_report(ck_diag *d, const ck_rule *rule, ck_status status, int can_continue,
              const ck_where *where, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = ck_vreport(d, rule, status, can_continue, where, fmt, ap);
    va_end(ap);
    return r;
}

size_t ck_diag_count(const ck_diag *d, ck_severity at_least) {
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].rule->severity >= at_least) n++;
    return n;
}

const ck_finding *ck_diag_first_error(const ck_diag *d) {
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].rule->severity == CK_SEV_ERROR) return &d->items[i];
    return NULL;
}
