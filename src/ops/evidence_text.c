/* The parsers of line-based evidence: Git LFS pointers, llama-gguf-hash
 * manifests and sha256sum checksum files, each read as untrusted input into
 * a ck_evidence.
 */
#include "evidence_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/hash.h"
#include "ckpt/rules.h"
#include "io/strmap.h"

static const char LFS_VERSION[] = "version https://git-lfs.github.com/spec/v1";

/* ===== helpers of the line formats ===== */

static bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool has_prefix(const char *s, size_t n, const char *prefix) {
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* The big-endian value of 16 hex digits, as llama-gguf-hash prints XXH64. */
static bool unhex_u64(const char *s, size_t n, uint64_t *out) {
    uint8_t b[8];
    if (!ck_unhex(s, n, b, 8)) return false;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | b[i];
    *out = v;
    return true;
}

/* A UUID in its 8-4-4-4-12 form, either case. */
static bool unhex_uuid(const char *s, size_t n, uint8_t out[16]) {
    if (n != 36) return false;
    char hex[32];
    size_t k = 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else {
            hex[k++] = s[i];
        }
    }
    return ck_unhex(hex, 32, out, 16);
}

/* A finding about a line: its number in the message, its offset in the
 * finding. */
static ck_status line_fail(parser *p, const ck_rule *rule, const line *l, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ck_status line_fail(parser *p, const ck_rule *rule, const line *l, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ev_fail(p, rule, (int64_t)(p->base + l->off), "line %d: %s", l->no, msg);
}

/* As ev_push_file: the array goes through a void * variable of its own. */
static ck_ev_stream *push_stream(parser *p) {
    void *a = p->ev->streams, *e = ev_push(&a, &p->ev->n_streams, &p->cap_streams, sizeof(ck_ev_stream));
    p->ev->streams = a;
    return e;
}

/* Record a line ckpt cannot check. */
static ck_status skip_line(parser *p, const line *l, const char *why) {
    void *a = p->ev->skipped;
    ck_ev_skipped *s = ev_push(&a, &p->ev->n_skipped, &p->cap_skipped, sizeof *s);
    p->ev->skipped = a;
    if (!s) return CK_ERR_NOMEM;
    s->line = l->no;
    s->text = ev_dup_bytes(l->s, l->len);
    s->why = ev_dup_bytes(why, strlen(why));
    return s->text && s->why ? CK_OK : CK_ERR_NOMEM;
}

/* ===== Git LFS pointer ===== */

static bool lfs_key_ok(const char *s, size_t n) {
    if (!n) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
    }
    return true;
}

/* A decimal byte count as git-lfs reads it (a signed 64-bit integer). */
static bool parse_size(const char *s, size_t n, uint64_t *out) {
    if (!n || n > 19) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX) return false;
    *out = v;
    return true;
}

bool ev_is_lfs(const char *data, size_t size) {
    lines it;
    line l;
    ev_lines_init(&it, data, size);
    return ev_next_line(&it, &l) && l.len == sizeof LFS_VERSION - 1 && memcmp(l.s, LFS_VERSION, l.len) == 0;
}

ck_status ev_parse_lfs(parser *p, const char *data, size_t size) {
    p->ev->kind = CK_EV_LFS;
    ck_ev_file *f = ev_push_file(p);
    if (!f) return CK_ERR_NOMEM;
    const ck_rule *R = &CK_RULE_EVIDENCE_LFS;
    lines it;
    line l;
    ev_lines_init(&it, data, size);
    ev_next_line(&it, &l); /* the version line */
    while (ev_next_line(&it, &l)) {
        if (l.len == 0) continue;
        if (memchr(l.s, 0, l.len)) return line_fail(p, R, &l, "contains a NUL byte");
        const char *sp = memchr(l.s, ' ', l.len);
        if (!sp || !lfs_key_ok(l.s, (size_t)(sp - l.s)))
            return line_fail(p, R, &l, "is not a Git LFS 'key value' line");
        size_t kn = (size_t)(sp - l.s);
        const char *v = sp + 1;
        size_t vn = l.len - kn - 1;
        if (kn == 7 && memcmp(l.s, "version", 7) == 0) return line_fail(p, R, &l, "states the version twice");
        if (kn == 3 && memcmp(l.s, "oid", 3) == 0) {
            if (f->has_sha256) return line_fail(p, R, &l, "states the oid twice");
            if (!has_prefix(v, vn, "sha256:") || !ck_unhex(v + 7, vn - 7, f->sha256, 32))
                return line_fail(p, R, &l, "the oid is not sha256:<64 hex digits>");
            f->has_sha256 = true;
            f->line = l.no;
        } else if (kn == 4 && memcmp(l.s, "size", 4) == 0) {
            if (f->has_size) return line_fail(p, R, &l, "states the size twice");
            if (!parse_size(v, vn, &f->size)) return line_fail(p, R, &l, "the size is not a decimal byte count");
            f->has_size = true;
        }
        /* Other keys (extensions) are allowed by the spec and say nothing
         * about the file's bytes. */
    }
    if (!f->has_sha256) return ev_fail(p, R, CK_NO_OFFSET, "the Git LFS pointer has no oid line");
    if (!f->has_size) return ev_fail(p, R, CK_NO_OFFSET, "the Git LFS pointer has no size line");
    return CK_OK;
}

/* ===== llama-gguf-hash manifest ===== */

enum { GH_XXH64, GH_SHA1, GH_SHA256, GH_UUID };

static const struct gh_type {
    const char *name;
    size_t hex;  /* characters of its text form */
} GH_TYPES[] = {
    [GH_XXH64] = {"xxh64", 16},
    [GH_SHA1] = {"sha1", 40},
    [GH_SHA256] = {"sha256", 64},
    [GH_UUID] = {"uuid", 36},
};

typedef struct gh_line {
    const char *type, *hex, *name;
    size_t type_len, hex_len, name_len;
} gh_line;

/* Split a line of the shape "TYPE  HEX  NAME" (printf "%-8s  %s  %s"): a
 * lowercase word, blanks, a run of non-blanks, two spaces, the rest. */
static bool gh_shape(const char *s, size_t n, gh_line *g) {
    size_t i = 0;
    if (!n || s[0] < 'a' || s[0] > 'z') return false;
    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
        i++;
    if (i > 32 || i == n || !ev_is_blank(s[i])) return false;
    g->type = s;
    g->type_len = i;
    while (i < n && ev_is_blank(s[i])) i++;
    size_t h = i;
    while (i < n && !ev_is_blank(s[i])) i++;
    if (i == h || n - i < 2 || s[i] != ' ' || s[i + 1] != ' ') return false;
    g->hex = s + h;
    g->hex_len = i - h;
    g->name = s + i + 2;
    g->name_len = n - i - 2;
    return true;
}

/* The GH_* index of a TYPE word, or -1. */
static int gh_type(const gh_line *g) {
    for (int t = 0; t < (int)(sizeof GH_TYPES / sizeof GH_TYPES[0]); t++)
        if (g->type_len == strlen(GH_TYPES[t].name) && memcmp(g->type, GH_TYPES[t].name, g->type_len) == 0)
            return t;
    return -1;
}

bool ev_gh_known_line(const char *s, size_t n) {
    gh_line g;
    return gh_shape(s, n, &g) && gh_type(&g) >= 0;
}

bool ev_is_gguf_hash(const char *data, size_t size) {
    lines it;
    line l;
    gh_line g;
    bool first = true, known = false;
    ev_lines_init(&it, data, size);
    while (ev_next_line(&it, &l)) {
        if (ev_line_blank(&l)) continue;
        bool shaped = gh_shape(l.s, l.len, &g);
        bool k = shaped && gh_type(&g) >= 0;
        if (first && k) return true;
        first = false;
        if (!shaped) return false;
        known |= k;
    }
    return known;
}

/* The digest of one known line, in the form of its type. */
typedef struct gh_value {
    uint64_t xxh64;
    uint8_t bytes[32];  /* sha1, sha256 or uuid */
} gh_value;

static ck_status gh_parse_value(parser *p, const line *l, const gh_line *g, int type, gh_value *v) {
    bool ok;
    switch (type) {
    case GH_XXH64: ok = unhex_u64(g->hex, g->hex_len, &v->xxh64); break;
    case GH_SHA1: ok = ck_unhex(g->hex, g->hex_len, v->bytes, 20); break;
    case GH_SHA256: ok = ck_unhex(g->hex, g->hex_len, v->bytes, 32); break;
    default: ok = unhex_uuid(g->hex, g->hex_len, v->bytes); break;
    }
    if (ok) return CK_OK;
    if (type == GH_UUID)
        return line_fail(p, &CK_RULE_EVIDENCE_LINE, l, "uuid '%.*s' is not a UUID (8-4-4-4-12 hex digits)",
                         g->hex_len > 80 ? 80 : (int)g->hex_len, g->hex);
    return line_fail(p, &CK_RULE_EVIDENCE_LINE, l, "%s hash '%.*s' is not %zu hex digits", GH_TYPES[type].name,
                     g->hex_len > 80 ? 80 : (int)g->hex_len, g->hex, GH_TYPES[type].hex);
}

static ck_status gh_conflict(parser *p, const line *l, const gh_line *g) {
    return line_fail(p, &CK_RULE_EVIDENCE_LINE, l, "states a second, different hash for %.*s",
                     g->name_len > MSG_NAME ? MSG_NAME : (int)g->name_len, g->name);
}

/* Store a digest in its slot; a second, different one for the same NAME is
 * an error, the same one again is not. */
static ck_status gh_store(parser *p, const line *l, const gh_line *g, bool *has, void *dst, const void *src,
                          size_t n) {
    if (*has) return memcmp(dst, src, n) == 0 ? CK_OK : gh_conflict(p, l, g);
    memcpy(dst, src, n);
    *has = true;
    return CK_OK;
}

static ck_status gh_set_tensor(parser *p, const line *l, const gh_line *g, int type, const gh_value *v,
                               ck_ev_tensor *t) {
    switch (type) {
    case GH_XXH64: return gh_store(p, l, g, &t->has_xxh64, &t->xxh64, &v->xxh64, 8);
    case GH_SHA1: return gh_store(p, l, g, &t->has_sha1, t->sha1, v->bytes, 20);
    default: return gh_store(p, l, g, &t->has_sha256, t->sha256, v->bytes, 32);
    }
}

static ck_status gh_set_stream(parser *p, const line *l, const gh_line *g, int type, const gh_value *v,
                               ck_ev_stream *s) {
    int *at;
    bool had;
    ck_status st;
    switch (type) {
    case GH_XXH64:
        had = s->has_xxh64, at = &s->line_xxh64;
        st = gh_store(p, l, g, &s->has_xxh64, &s->xxh64, &v->xxh64, 8);
        break;
    case GH_SHA1:
        had = s->has_sha1, at = &s->line_sha1;
        st = gh_store(p, l, g, &s->has_sha1, s->sha1, v->bytes, 20);
        break;
    case GH_SHA256:
        had = s->has_sha256, at = &s->line_sha256;
        st = gh_store(p, l, g, &s->has_sha256, s->sha256, v->bytes, 32);
        break;
    default:
        had = s->has_uuid, at = &s->line_uuid;
        st = gh_store(p, l, g, &s->has_uuid, s->uuid, v->bytes, 16);
        break;
    }
    if (!had) *at = l->no;
    return st;
}

static ck_status gh_line_parse(parser *p, const line *l, ck_strmap *tensors, ck_strmap *streams) {
    const ck_rule *R = &CK_RULE_EVIDENCE_LINE;
    if (memchr(l->s, 0, l->len)) return line_fail(p, R, l, "contains a NUL byte");
    gh_line g;
    if (!gh_shape(l->s, l->len, &g)) return line_fail(p, R, l, "is not a llama-gguf-hash line (TYPE  HEX  NAME)");
    int type = gh_type(&g);
    if (type < 0) {
        char why[80];
        snprintf(why, sizeof why, "unknown hash type '%.*s'", (int)g.type_len, g.type);
        return skip_line(p, l, why);
    }
    if (g.name_len == 0) return line_fail(p, R, l, "names no file");
    const char *colon = memchr(g.name, ':', g.name_len);
    if (colon && type == GH_UUID) return skip_line(p, l, "llama-gguf-hash writes uuid lines for whole models only");
    size_t file_len = colon ? (size_t)(colon - g.name) : g.name_len;
    if (file_len == 0) return line_fail(p, R, l, "names no file before ':'");
    if (colon && file_len + 1 == g.name_len) return line_fail(p, R, l, "names no tensor after ':'");
    gh_value v;
    ck_status st = gh_parse_value(p, l, &g, type, &v);
    if (st != CK_OK) return st;

    /* Entries are keyed by NAME as written (it points into the input). */
    ck_strmap *map = colon ? tensors : streams;
    size_t n = colon ? p->ev->n_tensors : p->ev->n_streams;
    uint32_t at;
    int r = ck_strmap_put(map, g.name, g.name_len, (uint32_t)n, &at);
    if (r < 0) return CK_ERR_NOMEM;
    if (colon) {
        ck_ev_tensor *t;
        if (r == 1) {
            if (!(t = ev_push_tensor(p))) return CK_ERR_NOMEM;
            t->line = l->no;
            t->file = ev_dup_bytes(g.name, file_len);
            t->name = ev_dup_bytes(colon + 1, g.name_len - file_len - 1);
            if (!t->file || !t->name) return CK_ERR_NOMEM;
        } else {
            t = &p->ev->tensors[at];
        }
        return gh_set_tensor(p, l, &g, type, &v, t);
    }
    ck_ev_stream *s;
    if (r == 1) {
        if (!(s = push_stream(p)) || !(s->file = ev_dup_bytes(g.name, g.name_len))) return CK_ERR_NOMEM;
    } else {
        s = &p->ev->streams[at];
    }
    return gh_set_stream(p, l, &g, type, &v, s);
}

ck_status ev_parse_gguf_hash(parser *p, const char *data, size_t size) {
    p->ev->kind = CK_EV_GGUF_HASH;
    ck_strmap *tensors = ck_strmap_new(64), *streams = ck_strmap_new(4);
    ck_status st = tensors && streams ? CK_OK : CK_ERR_NOMEM;
    lines it;
    line l;
    ev_lines_init(&it, data, size);
    while (st == CK_OK && ev_next_line(&it, &l))
        if (!ev_line_blank(&l)) st = gh_line_parse(p, &l, tensors, streams);
    ck_strmap_free(tensors);
    ck_strmap_free(streams);
    return st;
}

/* ===== sha256sum checksum file ===== */

/* The tag of a BSD-style line ("SHA256 (NAME) = HEX") at s, or 0. */
static size_t bsd_tag(const char *s, size_t n) {
    if (has_prefix(s, n, "SHA256 (")) return 8;
    if (has_prefix(s, n, "SHA2-256 (")) return 10;  /* cksum -a sha2 -l 256 */
    return 0;
}

bool ev_sum_looks(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && ev_is_blank(s[i])) i++;
    if (i < n && s[i] == '\\') i++;
    if (bsd_tag(s + i, n - i)) return true;
    size_t h = i;
    while (i < n && is_hex(s[i])) i++;
    return i - h >= 32 && i < n && ev_is_blank(s[i]);
}

bool ev_is_sha256sum(const char *data, size_t size) {
    lines it;
    line l;
    ev_lines_init(&it, data, size);
    while (ev_next_line(&it, &l))
        if (!ev_line_blank(&l) && !ev_line_comment(&l)) return ev_sum_looks(l.s, l.len);
    return false;
}

/* Undo sha256sum's escapes (\\, \n, \r) into a new string; NULL with *bad
 * set when an escape is invalid. */
static char *unescape(const char *s, size_t n, bool *bad) {
    char *r = malloc(n + 1);
    *bad = false;
    if (!r) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            r[k++] = s[i];
            continue;
        }
        char c = ++i < n ? s[i] : 0;
        if (c == '\\') r[k++] = '\\';
        else if (c == 'n') r[k++] = '\n';
        else if (c == 'r') r[k++] = '\r';
        else {
            free(r);
            *bad = true;
            return NULL;
        }
    }
    r[k] = 0;
    return r;
}

static ck_status sum_line(parser *p, const line *l, ck_strmap *seen) {
    const ck_rule *R = &CK_RULE_EVIDENCE_LINE;
    const char *s = l->s;
    size_t n = l->len, i = 0;
    if (memchr(s, 0, n)) return line_fail(p, R, l, "contains a NUL byte");
    while (i < n && ev_is_blank(s[i])) i++;
    bool escaped = i < n && s[i] == '\\';
    if (escaped) i++;
    const char *hex, *name;
    size_t hex_len, name_len, tag = bsd_tag(s + i, n - i);
    if (tag) {
        /* The name ends at the last ')': the digest after it has none. */
        name = s + i + tag;
        const char *rp = NULL;
        for (const char *c = s + n; c > name;)
            if (*--c == ')') {
                rp = c;
                break;
            }
        size_t j = rp ? (size_t)(rp - s) + 1 : n;
        while (j < n && ev_is_blank(s[j])) j++;
        if (!rp || j >= n || s[j] != '=') return line_fail(p, R, l, "is not a sha256sum line (SHA256 (NAME) = HEX)");
        j++;
        while (j < n && ev_is_blank(s[j])) j++;
        hex = s + j;
        hex_len = n - j;
        name_len = (size_t)(rp - name);
    } else {
        hex = s + i;
        while (i < n && is_hex(s[i])) i++;
        hex_len = (size_t)(s + i - hex);
        if (i >= n || !ev_is_blank(s[i]) || hex_len == 0)
            return line_fail(p, R, l, "is not a sha256sum line (HEX  NAME)");
        i++;
        /* "HEX  NAME" (text), "HEX *NAME" (binary), or BSD's "HEX NAME". */
        if (i < n && (s[i] == ' ' || s[i] == '*')) i++;
        name = s + i;
        name_len = n - i;
    }
    uint8_t digest[32];
    if (!ck_unhex(hex, hex_len, digest, 32))
        return line_fail(p, R, l, "the digest '%.*s' is not 64 hex digits (a SHA-256)",
                         hex_len > 130 ? 130 : (int)hex_len, hex);
    if (name_len == 0) return line_fail(p, R, l, "names no file");
    bool bad = false;
    char *nm = escaped ? unescape(name, name_len, &bad) : ev_dup_bytes(name, name_len);
    if (bad) return line_fail(p, R, l, "has an invalid escape in its file name (only \\\\, \\n and \\r)");
    if (!nm) return CK_ERR_NOMEM;
    size_t nm_len = escaped ? strlen(nm) : name_len;
    uint32_t at;
    int r = ck_strmap_put(seen, nm, nm_len, (uint32_t)p->ev->n_files, &at);
    if (r <= 0) {
        free(nm);
        if (r < 0) return CK_ERR_NOMEM;
        if (memcmp(p->ev->files[at].sha256, digest, 32) == 0) return CK_OK;
        return line_fail(p, R, l, "states a second, different hash for %.*s",
                         name_len > MSG_NAME ? MSG_NAME : (int)name_len, name);
    }
    ck_ev_file *f = ev_push_file(p);
    if (!f) {
        free(nm);
        return CK_ERR_NOMEM;
    }
    f->name = nm;
    f->has_sha256 = true;
    memcpy(f->sha256, digest, 32);
    f->line = l->no;
    return CK_OK;
}

ck_status ev_parse_sha256sum(parser *p, const char *data, size_t size) {
    p->ev->kind = CK_EV_SHA256SUM;
    /* The map's keys are the entries' names: freed after the map. */
    ck_strmap *seen = ck_strmap_new(16);
    ck_status st = seen ? CK_OK : CK_ERR_NOMEM;
    lines it;
    line l;
    ev_lines_init(&it, data, size);
    while (st == CK_OK && ev_next_line(&it, &l))
        if (!ev_line_blank(&l) && !ev_line_comment(&l)) st = sum_line(p, &l, seen);
    ck_strmap_free(seen);
    return st;
}
