/* `ckpt lint`, metadata: keys and strings with hidden characters or invalid
 * UTF-8, values too long to be honest, and what the model says about its
 * license, architecture and quantization. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ckpt/inspect.h"
#include "ckpt/namemap.h"
#include "io/utf8.h"
#include "lint_internal.h"
#include "path.h"

#define LONG_STRING (1u << 20)
#define LONG_ARRAY (1u << 24)

/* ===== characters ===== */

static uint32_t decode_cp(const uint8_t *p, size_t len) {
    if (len == 1) return p[0];
    uint32_t cp = p[0] & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) cp = cp << 6 | (p[i] & 0x3Fu);
    return cp;
}

/* C0 controls but tab, LF and CR; DEL; C1 controls; bidirectional
 * embeddings, overrides and isolates. */
static bool hidden_cp(uint32_t cp) {
    return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The first hidden character of valid UTF-8 text, or -1 (invalid bytes are
 * stepped over: meta.utf8 reports them). */
static long first_hidden(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t len = ck_utf8_seq_len(p + i, n - i);
        if (!len) {
            i++;
            continue;
        }
        uint32_t cp = decode_cp(p + i, len);
        if (hidden_cp(cp)) return (long)cp;
        i += len;
    }
    return -1;
}

typedef struct text_issues {
    long hidden;             /* the first hidden character, or -1 */
    uint64_t hidden_count, invalid_count, first_hidden_at, first_invalid_at;
} text_issues;

static void scan_text(const char *s, uint64_t n, uint64_t index, text_issues *ti) {
    long h = first_hidden((const uint8_t *)s, (size_t)n);
    if (h >= 0) {
        if (!ti->hidden_count++) ti->first_hidden_at = index;
        if (ti->hidden < 0) ti->hidden = h;
    }
    if (ck_utf8_invalid_at((const uint8_t *)s, (size_t)n) < n && !ti->invalid_count++) ti->first_invalid_at = index;
}

/* ===== per entry ===== */

static bool key_is(const ck_kv *kv, const char *s) {
    return kv->key.len == strlen(s) && memcmp(kv->key.ptr, s, kv->key.len) == 0;
}

static void report_text(const ck_model *m, const ck_kv *kv, const text_issues *ti, bool array, const char *what,
                        ck_diag *d) {
    const char *file = m->files[kv->file].map.path;
    const char *k = kv->key.ptr;
    size_t kl = (size_t)kv->key.len;
    if (ti->hidden_count) {
        if (array)
            lint_report(d, &CK_RULE_META_CONTROL_CHARS, file, kv->offset, k, kl, NULL,
                        "%llu strings of the array hold hidden characters (the first: element %llu, U+%04lX)",
                        (unsigned long long)ti->hidden_count, (unsigned long long)ti->first_hidden_at,
                        (unsigned long)ti->hidden);
        else
            lint_report(d, &CK_RULE_META_CONTROL_CHARS, file, kv->offset, k, kl, NULL,
                        "the %s holds a hidden character, U+%04lX", what, (unsigned long)ti->hidden);
    }
    if (ti->invalid_count) {
        if (array)
            lint_report(d, &CK_RULE_META_UTF8, file, kv->offset, k, kl, NULL,
                        "%llu strings of the array are not valid UTF-8 (the first: element %llu)",
                        (unsigned long long)ti->invalid_count, (unsigned long long)ti->first_invalid_at);
        else
            lint_report(d, &CK_RULE_META_UTF8, file, kv->offset, k, kl, NULL, "the %s is not valid UTF-8", what);
    }
}

/* Vocabularies hold raw bytes and control characters by design (as arrays
 * in GGUF, as JSON text once ckpt convert carried them into safetensors). */
static bool is_vocabulary(const ck_kv *kv) {
    return key_is(kv, "tokenizer.ggml.tokens") || key_is(kv, "tokenizer.ggml.merges");
}

static void check_entry(const ck_model *m, const ck_kv *kv, ck_diag *d) {
    const char *file = m->files[kv->file].map.path;
    text_issues ti = {.hidden = -1};
    scan_text(kv->key.ptr, kv->key.len, 0, &ti);
    report_text(m, kv, &ti, false, "key", d);
    const ck_value *v = &kv->value;
    if (v->type == CK_V_STR) {
        if (is_vocabulary(kv)) return;
        ti = (text_issues){.hidden = -1};
        scan_text(v->v.s.ptr, v->v.s.len, 0, &ti);
        report_text(m, kv, &ti, false, "value", d);
        if (v->v.s.len > LONG_STRING)
            lint_report(d, &CK_RULE_META_LONG_VALUE, file, kv->offset, kv->key.ptr, (size_t)kv->key.len, NULL,
                        "a string of %llu bytes", (unsigned long long)v->v.s.len);
        return;
    }
    if (v->type != CK_V_ARR) return;
    if (v->v.a.count > LONG_ARRAY)
        lint_report(d, &CK_RULE_META_LONG_VALUE, file, kv->offset, kv->key.ptr, (size_t)kv->key.len, NULL,
                    "an array of %llu elements", (unsigned long long)v->v.a.count);
    if (v->v.a.elem != CK_V_STR || is_vocabulary(kv)) return;
    ti = (text_issues){.hidden = -1};
    ck_array_iter it;
    ck_value e;
    ck_array_iter_init(&it, &v->v.a);
    for (uint64_t i = 0; ck_array_next(&it, &e); i++) scan_text(e.v.s.ptr, e.v.s.len, i, &ti);
    report_text(m, kv, &ti, true, "value", d);
}

/* ===== what the model says about itself ===== */

/* A LICENSE, LICENCE or COPYING file in the folder, or a license: line in
 * the front matter of its README.md (a Hugging Face model card). */
static bool folder_has_license(const char *dir) {
    DIR *dh = opendir(dir);
    if (!dh) return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(dh)))
        found = strncasecmp(e->d_name, "license", 7) == 0 || strncasecmp(e->d_name, "licence", 7) == 0 ||
                strncasecmp(e->d_name, "copying", 7) == 0;
    closedir(dh);
    if (found) return true;
    char *readme = ck_path_join(dir, "README.md");
    FILE *f = readme ? fopen(readme, "r") : NULL;
    free(readme);
    if (!f) return false;
    char line[512];
    if (fgets(line, sizeof line, f) && strncmp(line, "---", 3) == 0) {
        /* Model cards are short; the front matter is the first few lines. */
        for (int i = 0; i < 200 && fgets(line, sizeof line, f) && strncmp(line, "---", 3) != 0; i++)
            if (strncmp(line, "license:", 8) == 0) found = true;
    }
    fclose(f);
    return found;
}

static void license(const ck_model *m, ck_diag *d) {
    if (m->format == CK_FORMAT_GGUF) {
        if (!ck_model_kv(m, "general.license") && !ck_model_kv(m, "general.license.name"))
            lint_report(d, &CK_RULE_META_LICENSE, m->path, CK_NO_OFFSET, NULL, 0, NULL, "no general.license");
        return;
    }
    if (ck_model_kv(m, "license") || (m->root && folder_has_license(m->root))) return;
    lint_report(d, &CK_RULE_META_LICENSE, m->path, CK_NO_OFFSET, NULL, 0, NULL,
                "no license in __metadata__, no LICENSE file and no license: in a README.md beside it");
}

static void architecture(const ck_model *m, ck_diag *d) {
    if (!m->hparams.arch[0])
        lint_report(d, &CK_RULE_META_ARCHITECTURE, m->path, CK_NO_OFFSET, NULL, 0, NULL,
                    "no architecture (general.architecture, or a config.json with model_type)");
    else if (!ck_name_map_for_arch(m->hparams.arch))
        lint_report(d, &CK_RULE_META_ARCHITECTURE, m->path, CK_NO_OFFSET, NULL, 0, NULL,
                    "architecture '%s' has no name map in ckpt: diff and convert keep its tensor names", m->hparams.arch);
}

static void quantization(const ck_model *m, ck_diag *d) {
    if (m->format != CK_FORMAT_GGUF) return;
    bool quantized = false;
    for (size_t i = 0; i < m->n_tensors && !quantized; i++)
        quantized = ck_dtype_info_of(m->tensors[i].dtype)->kind == CK_KIND_QUANT;
    if (!quantized) return;
    const ck_kv *qv = ck_model_kv(m, "general.quantization_version");
    char version[40] = "none";
    if (qv) lint_value_text(&qv->value, version, sizeof version);
    ck_inspect s;
    ck_inspect_model(m, &s);
    lint_report(d, &CK_RULE_META_QUANTIZATION, m->path, CK_NO_OFFSET, NULL, 0, NULL,
                "quantization version %s, file type %s%s", version, s.file_type ? s.file_type : "unknown",
                s.file_type_guessed ? " (guessed from the most common tensor type)" : "");
}

ck_status lint_metadata(const ck_model *m, ck_diag *d) {
    for (size_t i = 0; i < m->n_kvs; i++) check_entry(m, &m->kvs[i], d);
    license(m, d);
    architecture(m, d);
    quantization(m, d);
    return CK_OK;
}
