/* The parts of `ckpt lint`: the driver and the structural checks (lint.c),
 * tensor values (lint_data.c), metadata (lint_meta.c) and chat templates
 * (lint_template.c). Each check appends its findings to a collect-mode diag. */
#ifndef CK_OPS_LINT_INTERNAL_H
#define CK_OPS_LINT_INTERNAL_H

#include <stddef.h>

#include "ckpt/lint.h"
#include "ckpt/model.h"
#include "ckpt/rules.h"

/* A finding about model m (file index fi or -1, key/tensor NULL or not). */
void lint_report(ck_diag *d, const ck_rule *rule, const char *file, int64_t offset, const char *key,
                 size_t key_len, const char *tensor, const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* An integer value's text ("3"), or "a FLOAT32" for other types. */
void lint_value_text(const ck_value *v, char *buf, size_t n);
/* Whether v is an integer equal to want. */
bool lint_value_is(const ck_value *v, int64_t want);

ck_status lint_data(const ck_model *m, const ck_lint_opts *o, ck_diag *d);
ck_status lint_metadata(const ck_model *m, ck_diag *d);
ck_status lint_templates(const ck_model *m, ck_diag *d);

/* Scan one chat template (len bytes) and report under file/key. */
void lint_template_text(const char *text, size_t len, const char *file, const char *key, ck_diag *d);

#endif
