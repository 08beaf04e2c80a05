/* The reader rules table, generated from rules.def. */
#include "ckpt/rules.h"

#include <string.h>

#define CK_RULE(id, code, sev, title, why) const ck_rule CK_RULE_##id = {code, sev, title, why};
#include "ckpt/rules.def"
#undef CK_RULE

static const ck_rule *const all_rules[] = {
#define CK_RULE(id, code, sev, title, why) &CK_RULE_##id,
#include "ckpt/rules.def"
#undef CK_RULE
};

const ck_rule *const *ck_reader_rules(size_t *count) {
    *count = sizeof all_rules / sizeof all_rules[0];
    return all_rules;
}

const ck_rule *ck_reader_rule_by_code(const char *code) {
    for (size_t i = 0; i < sizeof all_rules / sizeof all_rules[0]; i++)
        if (strcmp(all_rules[i]->code, code) == 0) return all_rules[i];
    return NULL;
}
