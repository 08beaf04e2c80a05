/* `ckpt lint`, chat templates: Jinja that reaches Python internals (server-
 * side template injection), and templates that carry hidden instructions.
 *
 * Templates come from the metadata (tokenizer.chat_template and
 * tokenizer.chat_template.NAME) and, for a model in a folder, from
 * tokenizer_config.json, chat_template.json and chat_template.jinja beside it.
 * A small Jinja lexer splits a template into text, {{ expressions }},
 * {% statements %} and {# comments #}, and code into identifiers, string
 * literals and punctuation, so that "system" in a string or in plain text is
 * not a call of system().
 */
#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ckpt/hash.h"
#include "io/utf8.h"
#include "lint_internal.h"
#include "path.h"

/* ===== lexing ===== */

typedef enum { SEG_TEXT, SEG_EXPR, SEG_STMT, SEG_COMMENT } seg_kind;

typedef struct seg {
    seg_kind kind;
    const char *p;           /* the content, without the delimiters */
    size_t n;
} seg;

/* The end of the string literal starting at s[i] (its quote), past the
 * closing quote; n when it does not close. */
static size_t skip_string(const char *s, size_t n, size_t i) {
    char q = s[i++];
    while (i < n && s[i] != q) i += s[i] == '\\' ? 2 : 1;
    return i < n ? i + 1 : n;
}

/* The next segment at *pos; false at the end. */
static bool next_seg(const char *s, size_t n, size_t *pos, seg *out) {
    size_t i = *pos;
    if (i >= n) return false;
    if (i + 1 < n && s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#')) {
        char open = s[i + 1], close = open == '{' ? '}' : open;
        size_t j = i + 2;
        while (j + 1 < n && !(s[j] == close && s[j + 1] == '}')) {
            if (open != '#' && (s[j] == '\'' || s[j] == '"')) j = skip_string(s, n, j);
            else j++;
        }
        out->kind = open == '{' ? SEG_EXPR : open == '%' ? SEG_STMT : SEG_COMMENT;
        out->p = s + i + 2;
        out->n = (j < n ? j : n) - (i + 2);
        /* whitespace control: {%- ... -%}, {{+ ... +}} */
        if (out->n && (out->p[0] == '-' || out->p[0] == '+')) out->p++, out->n--;
        if (out->n && (out->p[out->n - 1] == '-' || out->p[out->n - 1] == '+')) out->n--;
        *pos = j + 1 < n ? j + 2 : n;
        return true;
    }
    size_t j = i;
    while (j < n && !(j + 1 < n && s[j] == '{' && (s[j + 1] == '{' || s[j + 1] == '%' || s[j + 1] == '#'))) j++;
    *out = (seg){SEG_TEXT, s + i, j - i};
    *pos = j;
    return true;
}

typedef enum { TOK_IDENT, TOK_STR, TOK_PUNCT, TOK_OTHER } tok_kind;

typedef struct tok {
    tok_kind kind;
    const char *p;           /* identifier, string content (no quotes) or punctuation */
    size_t n;
} tok;

#define MAX_TOKS 4096

/* Tokens of a code segment (at most cap; the rest is dropped). */
static size_t lex(const seg *sg, tok *t, size_t cap) {
    const char *s = sg->p;
    size_t n = sg->n, k = 0;
    for (size_t i = 0; i < n && k < cap;) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
        } else if (c == '\'' || c == '"') {
            size_t e = skip_string(s, n, i);
            size_t body = e - i >= 2 && s[e - 1] == c ? e - i - 2 : e - i - 1;
            t[k++] = (tok){TOK_STR, s + i + 1, body};
            i = e;
        } else if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            size_t j = i;
            while (j < n && (s[j] == '_' || (s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
                             (s[j] >= '0' && s[j] <= '9')))
                j++;
            t[k++] = (tok){TOK_IDENT, s + i, j - i};
            i = j;
        } else if ((c == '=' || c == '!') && i + 1 < n && s[i + 1] == '=') {
            t[k++] = (tok){TOK_PUNCT, s + i, 2};
            i += 2;
        } else {
            t[k++] = (tok){c >= '0' && c <= '9' ? TOK_OTHER : TOK_PUNCT, s + i, 1};
            i++;
        }
    }
    return k;
}

static bool tok_is(const tok *t, tok_kind k, const char *s) {
    return t->kind == k && t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

static bool in_list(const tok *t, const char *const *list) {
    for (; *list; list++)
        if (tok_is(t, TOK_IDENT, *list)) return true;
    return false;
}

/* ===== injection ===== */

static const char *const dunders[] = {"__class__", "__mro__", "__subclasses__", "__globals__", "__builtins__",
                                      "__import__", "__base__", "__bases__", "__dict__", "__getattribute__",
                                      "__code__", "__init__", "__self__", "__func__", "__getitem__",
                                      "__reduce__", "__reduce_ex__", "__loader__", "__spec__", NULL};
static const char *const calls[] = {"eval", "exec", "system", "popen", "open", "compile", "getattr", "setattr", NULL};
static const char *const modules[] = {"subprocess", "importlib", "os", "sys", "builtins", NULL};
static const char *const globals[] = {"lipsum", "cycler", "joiner", "self", NULL};
static const char *const statements[] = {"include", "import", "extends", "from", NULL};

/* The patterns found, each once, as "what: name" strings. */
typedef struct found {
    char items[32][64];
    size_t n;
} found;

static void add_found(found *f, const char *what, const tok *t) {
    char s[64];
    snprintf(s, sizeof s, "%s %.*s", what, (int)(t->n < 40 ? t->n : 40), t->p);
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->items[i], s) == 0) return;
    if (f->n < 32) snprintf(f->items[f->n++], sizeof f->items[0], "%s", s);
}

static void scan_code(const seg *sg, tok *t, found *f) {
    size_t k = lex(sg, t, MAX_TOKS);
    for (size_t i = 0; i < k; i++) {
        /* x['__class__'] is x.__class__ to Jinja. */
        if (t[i].kind == TOK_STR) {
            tok name = {TOK_IDENT, t[i].p, t[i].n};
            if (in_list(&name, dunders)) add_found(f, "Python object traversal:", &t[i]);
            continue;
        }
        if (t[i].kind != TOK_IDENT) continue;
        bool called = i + 1 < k && tok_is(&t[i + 1], TOK_PUNCT, "(");
        if (in_list(&t[i], dunders)) add_found(f, "Python object traversal:", &t[i]);
        else if (called && in_list(&t[i], calls)) add_found(f, "a call of", &t[i]);
        else if (in_list(&t[i], modules)) add_found(f, "the Python module", &t[i]);
        else if (in_list(&t[i], globals)) add_found(f, "the Jinja global", &t[i]);
        else if (i > 0 && tok_is(&t[i - 1], TOK_PUNCT, "|") && tok_is(&t[i], TOK_IDENT, "attr"))
            add_found(f, "the filter", &t[i]);
        if (i == 0 && sg->kind == SEG_STMT && in_list(&t[i], statements)) add_found(f, "the statement", &t[i]);
    }
}

/* ===== hidden instructions ===== */

/* Names that hold a message's content: "content", and variables set from
 * it ({% set c = message['content'] %}). */
typedef struct aliases {
    tok names[32];
    size_t n;
} aliases;

static bool is_alias(const aliases *al, const tok *x) {
    if (tok_is(x, TOK_IDENT, "content")) return true;
    for (size_t i = 0; i < al->n; i++)
        if (x->kind == TOK_IDENT && x->n == al->names[i].n && memcmp(x->p, al->names[i].p, x->n) == 0) return true;
    return false;
}

/* Whether tokens name a message's content (an alias, or a ['content'] key). */
static bool mentions_content(const tok *t, size_t k, const aliases *al) {
    for (size_t i = 0; i < k; i++)
        if (is_alias(al, &t[i]) || (i > 0 && tok_is(&t[i - 1], TOK_PUNCT, "[") && tok_is(&t[i], TOK_STR, "content")))
            return true;
    return false;
}

/* Whether a condition compares a message's content with a string: an atom
 * (between and/or/not and parentheses) that names content, has ==, !=, in,
 * startswith, endswith, search, match or find, and a string literal that is
 * not a subscript key. */
static bool content_condition(const tok *t, size_t k, const aliases *al) {
    static const char *const comparers[] = {"in", "startswith", "endswith", "search", "match", "find", NULL};
    static const char *const joins[] = {"and", "or", "not", NULL};
    bool content = false, compare = false, literal = false;
    for (size_t i = 0; i <= k; i++) {
        bool end = i == k || in_list(&t[i], joins) || tok_is(&t[i], TOK_PUNCT, "(") || tok_is(&t[i], TOK_PUNCT, ")");
        /* A call's parenthesis does not end the atom: x.startswith('a'). */
        if (i < k && tok_is(&t[i], TOK_PUNCT, "(") && i > 0 && t[i - 1].kind == TOK_IDENT && !in_list(&t[i - 1], joins))
            end = false;
        if (i < k && tok_is(&t[i], TOK_PUNCT, ")")) end = false;
        if (end) {
            if (content && compare && literal) return true;
            content = compare = literal = false;
            continue;
        }
        const tok *x = &t[i];
        bool subscript = i > 0 && tok_is(&t[i - 1], TOK_PUNCT, "[");
        if (is_alias(al, x) || (subscript && tok_is(x, TOK_STR, "content"))) content = true;
        else if (x->kind == TOK_STR && !subscript) literal = true;
        if (in_list(x, comparers) || tok_is(x, TOK_PUNCT, "==") || tok_is(x, TOK_PUNCT, "!=")) compare = true;
    }
    return false;
}

static bool has_visible(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') return true;
    return false;
}

static bool visible_literal(const tok *t, size_t k) {
    for (size_t i = 0; i < k; i++)
        if (t[i].kind == TOK_STR && has_visible(t[i].p, t[i].n) && !(i > 0 && tok_is(&t[i - 1], TOK_PUNCT, "[")))
            return true;
    return false;
}

/* {{ 'text' if 'x' in message.content else '' }}: an inline condition on
 * content that chooses text. */
static bool inline_condition(const tok *t, size_t k, const aliases *al) {
    for (size_t i = 0; i < k; i++) {
        if (!tok_is(&t[i], TOK_IDENT, "if")) continue;
        size_t e = i + 1;
        while (e < k && !tok_is(&t[e], TOK_IDENT, "else")) e++;
        if (content_condition(t + i + 1, e - i - 1, al) && visible_literal(t, i)) return true;
    }
    return false;
}

/* A {% set %}: its value makes the target an alias of content, or, inside a
 * block conditioned on content, puts text aside to print later. */
static bool set_statement(const tok *t, size_t k, aliases *al, bool flagged) {
    size_t eq = 0;
    while (eq < k && !tok_is(&t[eq], TOK_PUNCT, "=")) eq++;
    if (eq + 1 >= k) return false;
    const tok *value = t + eq + 1;
    size_t vn = k - eq - 1;
    if (mentions_content(value, vn, al)) {
        /* set c = message['content'] (a plain name, not ns.x) */
        if (eq == 2 && t[1].kind == TOK_IDENT && al->n < sizeof al->names / sizeof al->names[0]) al->names[al->n++] = t[1];
        return false;
    }
    return flagged && visible_literal(value, vn);
}

/* Text emitted only when a message's content matches a string: inside an
 * if block conditioned on content, chosen by an inline condition on it, or
 * set aside inside such a block. */
static bool conditional_text(const char *s, size_t n, tok *t) {
    enum { MAX_DEPTH = 64 };
    bool cond[MAX_DEPTH];
    int depth = 0, flagged = 0;
    aliases al = {.n = 0};
    size_t pos = 0;
    seg sg;
    while (next_seg(s, n, &pos, &sg)) {
        if (sg.kind == SEG_TEXT) {
            if (flagged && has_visible(sg.p, sg.n)) return true;
            continue;
        }
        if (sg.kind == SEG_COMMENT) continue;
        size_t k = lex(&sg, t, MAX_TOKS);
        if (!k) continue;
        if (sg.kind == SEG_EXPR) {
            if ((flagged && visible_literal(t, k)) || inline_condition(t, k, &al)) return true;
            continue;
        }
        if (tok_is(&t[0], TOK_IDENT, "set")) {
            if (set_statement(t, k, &al, flagged > 0)) return true;
        } else if (tok_is(&t[0], TOK_IDENT, "if") && depth < MAX_DEPTH) {
            cond[depth] = content_condition(t + 1, k - 1, &al);
            flagged += cond[depth++];
        } else if (tok_is(&t[0], TOK_IDENT, "elif") && depth > 0 && !cond[depth - 1] &&
                   content_condition(t + 1, k - 1, &al)) {
            cond[depth - 1] = true;
            flagged++;
        } else if (tok_is(&t[0], TOK_IDENT, "endif") && depth > 0) {
            flagged -= cond[--depth];
        }
    }
    return false;
}

static bool is_b64(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
           c == '=';
}

/* The first run of at least 64 base64 characters mixing upper case, lower
 * case and digits; its start, or -1. */
static long base64_run(const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t j = i;
        bool up = false, low = false, dig = false;
        while (j < n && is_b64(s[j])) {
            up |= s[j] >= 'A' && s[j] <= 'Z';
            low |= s[j] >= 'a' && s[j] <= 'z';
            dig |= s[j] >= '0' && s[j] <= '9';
            j++;
        }
        if (j - i >= 64 && up && low && dig) return (long)i;
        i = j > i ? j : i + 1;
    }
    return -1;
}

static long find_url(const char *s, size_t n) {
    static const char *const schemes[] = {"http://", "https://", "ftp://", "www."};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
            size_t l = strlen(schemes[k]);
            if (n - i >= l && strncasecmp(s + i, schemes[k], l) == 0) return (long)i;
        }
    return -1;
}

/* Zero-width characters, the BOM, and bidirectional controls. */
static long invisible_char(const char *s, size_t n, unsigned long *cp_out) {
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        size_t len = ck_utf8_seq_len(p + i, n - i);
        if (len == 3) {
            unsigned long cp = (p[i] & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu);
            if ((cp >= 0x200B && cp <= 0x200F) || cp == 0x2060 || cp == 0xFEFF || (cp >= 0x202A && cp <= 0x202E) ||
                (cp >= 0x2066 && cp <= 0x2069)) {
                *cp_out = cp;
                return (long)i;
            }
        }
        i += len ? len : 1;
    }
    return -1;
}

/* ===== one template ===== */

/* How much of the text at `at` a message quotes: the text is not
 * NUL-terminated. */
static int snippet(size_t len, long at, int most) {
    size_t left = len - (size_t)at;
    return left < (size_t)most ? (int)left : most;
}

void lint_template_text(const char *text, size_t len, const char *file, const char *key, ck_diag *d) {
    size_t kl = key ? strlen(key) : 0;
    uint8_t digest[SHA256_DIGEST_LENGTH];
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    SHA256((const unsigned char *)text, len, digest);
    ck_hex(digest, sizeof digest, hex);
    lint_report(d, &CK_RULE_TEMPLATE_SHA256, file, CK_NO_OFFSET, key, kl, NULL, "sha256 %s (%zu bytes)", hex, len);
    tok *t = malloc(MAX_TOKS * sizeof *t);
    if (!t) return;
    found f = {.n = 0};
    size_t pos = 0;
    seg sg;
    while (next_seg(text, len, &pos, &sg))
        if (sg.kind == SEG_EXPR || sg.kind == SEG_STMT) scan_code(&sg, t, &f);
    for (size_t i = 0; i < f.n; i++)
        lint_report(d, &CK_RULE_TEMPLATE_INJECTION, file, CK_NO_OFFSET, key, kl, NULL, "%s", f.items[i]);
    long at;
    unsigned long cp;
    if ((at = find_url(text, len)) >= 0)
        lint_report(d, &CK_RULE_TEMPLATE_HIDDEN, file, CK_NO_OFFSET, key, kl, NULL, "a URL at byte %ld: %.*s", at,
                    snippet(len, at, 40), text + at);
    if ((at = base64_run(text, len)) >= 0)
        lint_report(d, &CK_RULE_TEMPLATE_HIDDEN, file, CK_NO_OFFSET, key, kl, NULL,
                    "a run of base64 characters at byte %ld: %.*s...", at, snippet(len, at, 24), text + at);
    if ((at = invisible_char(text, len, &cp)) >= 0)
        lint_report(d, &CK_RULE_TEMPLATE_HIDDEN, file, CK_NO_OFFSET, key, kl, NULL,
                    "an invisible character U+%04lX at byte %ld", cp, at);
    if (conditional_text(text, len, t))
        lint_report(d, &CK_RULE_TEMPLATE_HIDDEN, file, CK_NO_OFFSET, key, kl, NULL,
                    "text emitted only when a message's content matches a string");
    free(t);
}

/* ===== where templates are ===== */

static bool is_template_key(const ck_kv *kv) {
    static const char k[] = "tokenizer.chat_template";
    size_t n = sizeof k - 1;
    return kv->key.len >= n && memcmp(kv->key.ptr, k, n) == 0 && (kv->key.len == n || kv->key.ptr[n] == '.');
}

/* Sidecar files are small; this bounds what a hostile one costs. */
#define SIDECAR_MAX (16u << 20)

static char *read_small(const char *path, size_t *len) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > SIDECAR_MAX) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf) return NULL;
    buf[n] = 0;
    *len = n;
    return buf;
}

/* tokenizer_config.json or chat_template.json: "chat_template" is a string,
 * or a list of {"name", "template"}. */
static void json_templates(const char *path, ck_diag *d) {
    size_t len;
    char *text = read_small(path, &len);
    if (!text) return;
    json_error_t err;
    json_t *root = json_loadb(text, len, 0, &err);
    free(text);
    json_t *ct = json_object_get(root, "chat_template");
    if (json_is_string(ct)) {
        lint_template_text(json_string_value(ct), json_string_length(ct), path, "chat_template", d);
    } else if (json_is_array(ct)) {
        size_t i;
        json_t *e;
        json_array_foreach(ct, i, e) {
            json_t *name = json_object_get(e, "name"), *tpl = json_object_get(e, "template");
            if (!json_is_string(tpl)) continue;
            char key[160];
            snprintf(key, sizeof key, "chat_template.%s", json_is_string(name) ? json_string_value(name) : "?");
            lint_template_text(json_string_value(tpl), json_string_length(tpl), path, key, d);
        }
    }
    json_decref(root);
}

ck_status lint_templates(const ck_model *m, ck_diag *d) {
    for (size_t i = 0; i < m->n_kvs; i++) {
        const ck_kv *kv = &m->kvs[i];
        if (!is_template_key(kv) || kv->value.type != CK_V_STR) continue;
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(kv->key.len < 255 ? kv->key.len : 255), kv->key.ptr);
        lint_template_text(kv->value.v.s.ptr, (size_t)kv->value.v.s.len, m->files[kv->file].map.path, key, d);
    }
    if (m->format != CK_FORMAT_SAFETENSORS || !m->root) return CK_OK;
    static const char *const json_files[] = {"tokenizer_config.json", "chat_template.json"};
    for (size_t i = 0; i < sizeof json_files / sizeof json_files[0]; i++) {
        char *p = ck_path_join(m->root, json_files[i]);
        if (!p) return CK_ERR_NOMEM;
        json_templates(p, d);
        free(p);
    }
    char *jinja = ck_path_join(m->root, "chat_template.jinja");
    if (!jinja) return CK_ERR_NOMEM;
    size_t len;
    char *text = read_small(jinja, &len);
    if (text) lint_template_text(text, len, jinja, NULL, d);
    free(text);
    free(jinja);
    return CK_OK;
}
