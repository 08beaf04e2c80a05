/* libFuzzer harness: the chat-template scanner of ckpt lint, on any bytes
 * (a template comes from a hostile file), and the JSON-with-type decoder
 * that ckpt convert reads GGUF metadata back from safetensors with. */
#include <stdlib.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "io/arena.h"
#include "kv_json.h"
#include "ops/lint_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The specs a decoded value is tried as: every scalar type, and arrays. */
static const char *const specs[] = {"UINT8", "INT64", "UINT64", "FLOAT32", "FLOAT64", "BOOL", "STRING",
                                    "ARRAY[STRING]", "ARRAY[INT32]", "ARRAY[ARRAY[UINT16]]"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ck_diag d;
    ck_diag_init(&d, 1);
    lint_template_text((const char *)data, size, "fuzz.jinja", "tokenizer.chat_template", &d);
    /* Every scan ends with its digest; findings carry their code. */
    if (d.count < 1 || strcmp(d.items[0].rule->code, "template.sha256") != 0) __builtin_trap();
    for (size_t i = 0; i < d.count; i++)
        if (!d.items[i].message || !d.items[i].key) __builtin_trap();
    ck_diag_free(&d);
    ck_arena *a = ck_arena_new();
    for (size_t k = 0; a && k < sizeof specs / sizeof specs[0]; k++) {
        ck_value v;
        const char *why = NULL;
        if (!ck_value_from_json((const char *)data, size, specs[k], a, &v, &why)) {
            if (!why) __builtin_trap();
            continue;
        }
        /* What decodes must encode again. */
        char *json = ck_value_json(&v);
        if (!json) __builtin_trap();
        free(json);
    }
    ck_arena_free(a);
    return 0;
}
