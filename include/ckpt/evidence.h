/* ckpt: evidence a model can be verified against.
 *
 * A ckpt manifest (`ckpt hash --json`), a sha256sum checksum file, a Git LFS
 * pointer, a llama.cpp llama-gguf-hash manifest, or a single SHA-256 given on
 * the command line: each is parsed (as untrusted input) into one ck_evidence.
 */
#ifndef CKPT_EVIDENCE_H
#define CKPT_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_evidence_kind {
    CK_EV_MANIFEST,     /* ckpt hash --json */
    CK_EV_SHA256SUM,    /* lines "HEX  NAME" (or "HEX *NAME") */
    CK_EV_LFS,          /* version https://git-lfs.github.com/spec/v1 / oid sha256:HEX / size N */
    CK_EV_GGUF_HASH,    /* llama-gguf-hash: lines "TYPE  HEX  NAME" */
    CK_EV_SHA256        /* --sha256 HEX */
} ck_evidence_kind;

/* What is known of one file. name is relative to the model's folder (a
 * sha256sum line's path; NULL for an LFS pointer or --sha256, which describe
 * the one file given). */
typedef struct ck_ev_file {
    char *name;
    bool has_size, has_sha256, has_header;
    uint64_t size;
    uint8_t sha256[32];
    uint64_t header_bytes;      /* the header is [0, header_bytes) */
    uint8_t header_sha256[32];
    int line;                   /* where it was stated, 1-based; 0: not a line */
} ck_ev_file;

/* What is known of one tensor. */
typedef struct ck_ev_tensor {
    char *name;
    char *file;                 /* the file it is in (relative name), or NULL */
    char *dtype;                /* canonical dtype name, or NULL */
    int64_t *shape;             /* NULL when not stated */
    uint32_t rank;
    bool has_range;             /* offset and nbytes are stated */
    uint64_t offset, nbytes;
    bool has_xxh3, has_sha256, has_xxh64, has_sha1;
    uint8_t xxh3_128[16];
    uint8_t sha256[32];
    uint8_t sha1[20];
    uint64_t xxh64;
    int line;
} ck_ev_tensor;

/* llama-gguf-hash's whole-model lines (all tensor data of a file, in order). */
typedef struct ck_ev_stream {
    char *file;
    bool has_xxh64, has_sha1, has_sha256, has_uuid;
    uint64_t xxh64;
    uint8_t sha1[20];
    uint8_t sha256[32];
    uint8_t uuid[16];
    int line_xxh64, line_sha1, line_sha256, line_uuid;
} ck_ev_stream;

/* A line of a text manifest ckpt cannot check, and why. */
typedef struct ck_ev_skipped {
    int line;
    char *text;
    char *why;
} ck_ev_skipped;

typedef struct ck_evidence {
    ck_evidence_kind kind;
    char *source;               /* the evidence file, or "--sha256" */
    ck_ev_file *files;
    size_t n_files;
    ck_ev_tensor *tensors;
    size_t n_tensors;
    ck_ev_stream *streams;
    size_t n_streams;
    ck_ev_skipped *skipped;
    size_t n_skipped;
    bool has_model_digest;
    uint8_t model_digest[32];
} ck_evidence;

/* Whether the file at path is evidence rather than a model (a ckpt
 * manifest, a sha256sum file, an LFS pointer, a llama-gguf-hash manifest). */
bool ck_evidence_sniff(const char *path);

/* Parse the evidence file at path. Errors (malformed evidence) go to d. */
ck_status ck_evidence_load(ck_evidence *ev, const char *path, ck_diag *d);

/* Parse evidence from memory (the same parsers; for tests and fuzzing). */
ck_status ck_evidence_parse(ck_evidence *ev, const char *name, const char *data, size_t size, ck_diag *d);

/* Evidence of one file's SHA-256, given as 64 hex digits. */
ck_status ck_evidence_sha256(ck_evidence *ev, const char *hex, ck_diag *d);

void ck_evidence_free(ck_evidence *ev);

#ifdef __cplusplus
}
#endif

#endif
