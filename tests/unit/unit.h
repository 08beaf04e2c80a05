/* Test helper: cmocka, and assertions on ckpt's findings.
 *
 * Include this first in every test program (cmocka needs its prerequisites
 * before cmocka.h).
 */
#ifndef CK_TESTS_UNIT_H
#define CK_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckpt/diag.h"

/* "Do not check this field" markers for assert_finding. */
#define ANY_OFFSET INT64_MIN
static const char ANY[] = "<any>";

/* A finding is of rule `code`, at `offset` (ANY_OFFSET: not checked), for key
 * and tensor (NULL: the finding names none; ANY: not checked). */
static inline void assert_finding(const ck_finding *f, const char *code, int64_t offset,
                                  const char *key, const char *tensor) {
    assert_non_null(f);
    assert_non_null(f->rule);
    assert_string_equal(f->rule->code, code);
    assert_non_null(f->message);
    if (offset != ANY_OFFSET) assert_int_equal(f->offset, offset);
    if (key != ANY) {
        if (key == NULL) {
            assert_null(f->key);
        } else {
            assert_non_null(f->key);
            assert_string_equal(f->key, key);
        }
    }
    if (tensor != ANY) {
        if (tensor == NULL) {
            assert_null(f->tensor);
        } else {
            assert_non_null(f->tensor);
            assert_string_equal(f->tensor, tensor);
        }
    }
}

/* The diag of a strict read that failed: exactly one finding, an error. */
static inline void assert_strict_failure(const ck_diag *d, const char *code, int64_t offset,
                                         const char *key, const char *tensor) {
    assert_int_equal(d->count, 1);
    assert_int_not_equal(d->status, CK_OK);
    assert_int_equal(d->items[0].rule->severity, CK_SEV_ERROR);
    assert_ptr_equal(ck_diag_first_error(d), &d->items[0]);
    assert_finding(&d->items[0], code, offset, key, tensor);
}

/* Whether some finding of d has rule `code`. */
static inline const ck_finding *find_code(const ck_diag *d, const char *code) {
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->items[i].rule->code, code) == 0) return &d->items[i];
    return NULL;
}

#endif
