/* ckpt: the rules that the readers enforce (see rules.def for the table). */
#ifndef CKPT_RULES_H
#define CKPT_RULES_H

#include <stddef.h>

#include "ckpt/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CK_RULE(id, code, sev, title, why) extern const ck_rule CK_RULE_##id;
#include "ckpt/rules.def"
#undef CK_RULE

/* Every reader rule, in table order. */
const ck_rule *const *ck_reader_rules(size_t *count);

/* The rule with this code, or NULL. */
const ck_rule *ck_reader_rule_by_code(const char *code);

#ifdef __cplusplus
}
#endif

#endif
