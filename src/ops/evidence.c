/* Evidence a model is verified against: a ckpt manifest, a sha256sum file, a
 * Git LFS pointer, a llama-gguf-hash manifest, or one SHA-256.
 *
 * Every evidence file is untrusted. Lines are walked with explicit lengths
 * (a NUL byte never ends anything early), every hex string is checked for
 * its exact length, entries are merged through a hash map (no quadratic
 * walk on a million lines), and every allocation grows with the input.
 *
 * This file holds what the parsers share, the entry points and sniffing;
 * the parsers are in evidence_manifest.c (ckpt manifests) and
 * evidence_text.c (Git LFS pointers, llama-gguf-hash manifests, sha256sum
 * files).
 */
#include "evidence_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/hash.h"
#include "ckpt/io.h"
#include "ckpt/rules.h"

#define EVIDENCE_MAX_BYTES 100000000ull
#define SNIFF_BYTES 4096

static const char FORMAT_MSG[] =
    "is not a ckpt manifest, a sha256sum file, a Git LFS pointer or a llama-gguf-hash manifest";

/* ===== small helpers ===== */

char *ev_dup_bytes(const char *s, size_t n) {
    char *r = malloc(n + 1);
    if (r) {
        if (n) memcpy(r, s, n);
        r[n] = 0;
    }
    return r;
}

bool ev_is_blank(char c) { return c == ' ' || c == '\t'; }

/* Length of a UTF-8 byte order mark at the start, or 0. */
static size_t bom_len(const char *s, size_t n) {
    return n >= 3 && (uint8_t)s[0] == 0xEF && (uint8_t)s[1] == 0xBB && (uint8_t)s[2] == 0xBF ? 3 : 0;
}

/* ===== lines ===== */

void ev_lines_init(lines *it, const char *data, size_t size) {
    it->data = data;
    it->size = size;
    it->pos = 0;
    it->no = 0;
}

bool ev_next_line(lines *it, line *l) {
    if (it->pos >= it->size) return false;
    const char *s = it->data + it->pos;
    size_t left = it->size - it->pos;
    const char *nl = memchr(s, '\n', left);
    size_t n = nl ? (size_t)(nl - s) : left;
    l->s = s;
    l->off = it->pos;
    l->no = ++it->no;
    it->pos += n + (nl ? 1 : 0);
    if (n && s[n - 1] == '\r') n--;
    l->len = n;
    return true;
}

bool ev_line_blank(const line *l) {
    for (size_t i = 0; i < l->len; i++)
        if (!ev_is_blank(l->s[i])) return false;
    return true;
}

bool ev_line_comment(const line *l) { return l->len && l->s[0] == '#'; }

/* ===== the parse state ===== */

ck_status ev_vfail(parser *p, const ck_rule *rule, int64_t offset, const char *fmt, va_list ap) {
    ck_where w = {.file = p->name, .offset = offset};
    ck_vreport(p->d, rule, CK_ERR_FORMAT, 0, &w, fmt, ap);
    return CK_ERR_FORMAT;
}

ck_status ev_fail(parser *p, const ck_rule *rule, int64_t offset, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ck_status st = ev_vfail(p, rule, offset, fmt, ap);
    va_end(ap);
    return st;
}

void *ev_push(void **arr, size_t *n, size_t *cap, size_t elem) {
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        void *a = realloc(*arr, ncap * elem);
        if (!a) return NULL;
        *arr = a;
        *cap = ncap;
    }
    void *e = (char *)*arr + *n * elem;
    memset(e, 0, elem);
    (*n)++;
    return e;
}

/* Each array goes through a void * variable of its own: no pointer is
 * written through an lvalue of another pointer type. */
ck_ev_file *ev_push_file(parser *p) {
    void *a = p->ev->files, *e = ev_push(&a, &p->ev->n_files, &p->cap_files, sizeof(ck_ev_file));
    p->ev->files = a;
    return e;
}
ck_ev_tensor *ev_push_tensor(parser *p) {
    void *a = p->ev->tensors, *e = ev_push(&a, &p->ev->n_tensors, &p->cap_tensors, sizeof(ck_ev_tensor));
    p->ev->tensors = a;
    return e;
}

void ck_evidence_free(ck_evidence *ev) {
    if (!ev) return;
    free(ev->source);
    for (size_t i = 0; i < ev->n_files; i++) free(ev->files[i].name);
    for (size_t i = 0; i < ev->n_tensors; i++) {
        free(ev->tensors[i].name);
        free(ev->tensors[i].file);
        free(ev->tensors[i].dtype);
        free(ev->tensors[i].shape);
    }
    for (size_t i = 0; i < ev->n_streams; i++) free(ev->streams[i].file);
    for (size_t i = 0; i < ev->n_skipped; i++) {
        free(ev->skipped[i].text);
        free(ev->skipped[i].why);
    }
    free(ev->files);
    free(ev->tensors);
    free(ev->streams);
    free(ev->skipped);
    memset(ev, 0, sizeof *ev);
}

/* ===== entry points ===== */

static bool starts_json(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && (ev_is_blank(s[i]) || s[i] == '\n' || s[i] == '\r')) i++;
    return i < n && (s[i] == '{' || s[i] == '[');
}

ck_status ck_evidence_parse(ck_evidence *ev, const char *name, const char *data, size_t size, ck_diag *d) {
    memset(ev, 0, sizeof *ev);
    if (!name) name = "evidence";
    parser p = {.ev = ev, .name = name, .d = d};
    if (!(ev->source = ev_dup_bytes(name, strlen(name)))) return CK_ERR_NOMEM;
    ck_status st;
    if (size > EVIDENCE_MAX_BYTES) {
        st = ev_fail(&p, &CK_RULE_EVIDENCE_FORMAT, CK_NO_OFFSET,
                  "is over 100,000,000 bytes: not evidence ckpt reads");
    } else {
        if (!data) {
            data = "";
            size = 0;
        }
        p.base = bom_len(data, size);
        const char *text = data + p.base;
        size_t n = size - p.base;
        if (starts_json(text, n)) st = ev_parse_manifest(&p, text, n);
        else if (ev_is_lfs(text, n)) st = ev_parse_lfs(&p, text, n);
        else if (ev_is_gguf_hash(text, n)) st = ev_parse_gguf_hash(&p, text, n);
        else if (ev_is_sha256sum(text, n)) st = ev_parse_sha256sum(&p, text, n);
        else st = ev_fail(&p, &CK_RULE_EVIDENCE_FORMAT, CK_NO_OFFSET, "%s", FORMAT_MSG);
    }
    if (st != CK_OK) {
        if (st == CK_ERR_NOMEM && d->status == CK_OK) d->status = CK_ERR_NOMEM;
        ck_evidence_free(ev);
    }
    return st;
}

ck_status ck_evidence_load(ck_evidence *ev, const char *path, ck_diag *d) {
    memset(ev, 0, sizeof *ev);
    ck_file f;
    ck_status st = ck_file_open(&f, path, d);
    if (st != CK_OK) return st;
    if (f.size > EVIDENCE_MAX_BYTES) {
        ck_where w = {.file = path, .offset = CK_NO_OFFSET};
        ck_report(d, &CK_RULE_EVIDENCE_FORMAT, CK_ERR_FORMAT, 0, &w,
                  "is %llu bytes, over 100,000,000: not evidence ckpt reads", (unsigned long long)f.size);
        ck_file_close(&f);
        return CK_ERR_FORMAT;
    }
    st = ck_evidence_parse(ev, path, f.data ? (const char *)f.data : "", (size_t)f.size, d);
    ck_file_close(&f);
    return st;
}

ck_status ck_evidence_sha256(ck_evidence *ev, const char *hex, ck_diag *d) {
    memset(ev, 0, sizeof *ev);
    ev->kind = CK_EV_SHA256;
    uint8_t digest[32];
    if (!hex || !ck_unhex(hex, strlen(hex), digest, 32)) {
        ck_where w = {.file = "--sha256", .offset = CK_NO_OFFSET};
        ck_report(d, &CK_RULE_EVIDENCE_LINE, CK_ERR_FORMAT, 0, &w, "--sha256 takes 64 hex digits");
        return CK_ERR_FORMAT;
    }
    ev->source = ev_dup_bytes("--sha256", 8);
    ev->files = calloc(1, sizeof *ev->files);
    if (!ev->source || !ev->files) {
        ck_evidence_free(ev);
        return CK_ERR_NOMEM;
    }
    ev->n_files = 1;
    ev->files[0].has_sha256 = true;
    memcpy(ev->files[0].sha256, digest, 32);
    return CK_OK;
}

/* ===== sniffing ===== */

/* Whether the first bytes of a file (n of them, of a file of file_size)
 * are evidence rather than a model. */
static bool sniff_buffer(const char *b, size_t n, uint64_t file_size) {
    if (n >= 4 && memcmp(b, "GGUF", 4) == 0) return false;
    if (n >= 9 && b[8] == '{') {
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | (uint8_t)b[i];
        if (hl <= EVIDENCE_MAX_BYTES && hl + 8 <= file_size) return false;  /* safetensors */
    }
    size_t bom = bom_len(b, n);
    b += bom;
    n -= bom;
    if (starts_json(b, n)) {
        /* A safetensors index is JSON too: only a ckpt manifest is evidence. */
        return memmem(b, n, "\"schema\"", 8) && memmem(b, n, "ckpt.hash", 9);
    }
    if (ev_is_lfs(b, n)) return true;
    lines it;
    line l;
    ev_lines_init(&it, b, n);
    while (ev_next_line(&it, &l)) {
        if (ev_line_blank(&l) || ev_line_comment(&l)) continue;
        if (memchr(l.s, 0, l.len)) return false;
        return ev_sum_looks(l.s, l.len) || ev_gh_known_line(l.s, l.len);
    }
    return false;
}

bool ck_evidence_sniff(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return false;
    }
    char buf[SNIFF_BYTES];
    size_t n = 0;
    while (n < sizeof buf) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    return sniff_buffer(buf, n, (uint64_t)st.st_size);
}
