/* What the evidence parsers share: a line iterator over untrusted text, the
 * parse state with its findings and growing arrays, and one entry per
 * format. Internal to evidence.c (the helpers, the entry points, sniffing),
 * evidence_manifest.c (ckpt manifests) and evidence_text.c (Git LFS
 * pointers, llama-gguf-hash manifests, sha256sum files). */
#ifndef CK_OPS_EVIDENCE_PARSE_H
#define CK_OPS_EVIDENCE_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/diag.h"
#include "ckpt/evidence.h"

/* Names quoted in messages are cut to this many bytes. */
#define MSG_NAME 200

/* ===== small helpers ===== */

/* A new NUL-terminated copy of the n bytes at s, or NULL when out of
 * memory. */
char *ev_dup_bytes(const char *s, size_t n);

/* Whether c is a space or a tab. */
bool ev_is_blank(char c);

/* ===== lines ===== */

typedef struct line {
    const char *s;
    size_t len;     /* without the '\n' and a '\r' before it */
    size_t off;     /* offset of its first byte in the text */
    int no;         /* 1-based */
} line;

typedef struct lines {
    const char *data;
    size_t size, pos;
    int no;
} lines;

/* Start *it at the first of the size bytes at data; returns nothing. */
void ev_lines_init(lines *it, const char *data, size_t size);

/* The next line into *l: true, or false at the end. A last line without
 * '\n' counts. */
bool ev_next_line(lines *it, line *l);

/* Whether a line is empty or only blanks. */
bool ev_line_blank(const line *l);

/* Whether a line is a comment (starts with '#'). */
bool ev_line_comment(const line *l);

/* ===== the parse state ===== */

typedef struct parser {
    ck_evidence *ev;
    const char *name;   /* the evidence, for findings */
    size_t base;        /* offset of the parsed text in the input (a BOM before it) */
    ck_diag *d;
    size_t cap_files, cap_tensors, cap_streams, cap_skipped;
} parser;

/* Report a finding of rule about the evidence at offset (CK_NO_OFFSET:
 * none) to p->d. Returns CK_ERR_FORMAT. */
ck_status ev_vfail(parser *p, const ck_rule *rule, int64_t offset, const char *fmt, va_list ap);

/* As ev_vfail, with the arguments inline. Returns CK_ERR_FORMAT. */
ck_status ev_fail(parser *p, const ck_rule *rule, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Room for one more element in *arr (count n, capacity *cap); the new
 * element is zeroed. NULL when out of memory. */
void *ev_push(void **arr, size_t *n, size_t *cap, size_t elem);

/* A new, zeroed file entry at the end of p->ev->files, or NULL when out of
 * memory. */
ck_ev_file *ev_push_file(parser *p);

/* A new, zeroed tensor entry at the end of p->ev->tensors, or NULL when out
 * of memory. */
ck_ev_tensor *ev_push_tensor(parser *p);

/* ===== the parsers =====
 *
 * Each ev_parse_* sets p->ev->kind and fills p->ev from the size bytes at
 * data (the input after any BOM; p->base is where they start in it). It
 * returns CK_OK, CK_ERR_FORMAT with the reason reported to p->d, or
 * CK_ERR_NOMEM; on an error what it filled in stays for ck_evidence_free. */

/* evidence_manifest.c: a ckpt manifest (one ckpt.hash/1 JSON object, or an
 * array holding one). Returns as above. */
ck_status ev_parse_manifest(parser *p, const char *data, size_t size);

/* evidence_text.c: whether the text is a Git LFS pointer (its first line is
 * the spec's version line). */
bool ev_is_lfs(const char *data, size_t size);

/* A Git LFS pointer, one that ev_is_lfs accepts. Returns as above. */
ck_status ev_parse_lfs(parser *p, const char *data, size_t size);

/* Whether the text is a llama-gguf-hash manifest: its first non-empty line
 * is one with a known TYPE, or every non-empty line has the shape and some
 * TYPE is known (a manifest of newer hash types first). */
bool ev_is_gguf_hash(const char *data, size_t size);

/* Whether the n bytes at s are a llama-gguf-hash line with a known TYPE. */
bool ev_gh_known_line(const char *s, size_t n);

/* A llama-gguf-hash manifest. Returns as above. */
ck_status ev_parse_gguf_hash(parser *p, const char *data, size_t size);

/* Whether the text is a sha256sum file: its first line that is neither
 * blank nor a comment looks like a checksum line. */
bool ev_is_sha256sum(const char *data, size_t size);

/* Whether a line looks like a checksum line (loosely: a digest of another
 * length is still a checksum line, reported with its line number). */
bool ev_sum_looks(const char *s, size_t n);

/* A sha256sum file (GNU or BSD style lines). Returns as above. */
ck_status ev_parse_sha256sum(parser *p, const char *data, size_t size);

#endif
