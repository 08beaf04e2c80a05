/* ckpt: checking a model against evidence, and saying what does not match. */
#ifndef CKPT_VERIFY_H
#define CKPT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/evidence.h"
#include "ckpt/model.h"
#include "ckpt/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_vstatus {
    CK_VS_OK,
    CK_VS_MISMATCH,
    CK_VS_MISSING,   /* in the evidence, not in the model */
    CK_VS_EXTRA      /* in the model, not in the evidence */
} ck_vstatus;

const char *ck_vstatus_name(ck_vstatus s);

typedef struct ck_vitem {
    char *name;          /* file (relative name) or tensor */
    ck_vstatus status;
    char *detail;        /* what differs, or NULL */
} ck_vitem;

typedef struct ck_vlist {
    ck_vitem *items;
    size_t n, cap;
} ck_vlist;

typedef struct ck_verify_result {
    const char *kind;        /* "manifest", "model", "sha256sum", "lfs", "gguf-hash", "sha256", "modelspec" */
    char *evidence;          /* its path, or NULL */
    ck_vlist files, tensors;
    ck_vlist streams;        /* llama-gguf-hash whole-model lines, by file */
    ck_vlist embedded;       /* ModelSpec's modelspec.hash_sha256, by file */
    bool has_digest;
    ck_vstatus digest_status;
    uint8_t digest_expected[32], digest_actual[32];
    ck_evidence ev;          /* kept for the lines that could not be checked */
    size_t checked;          /* comparisons made */
    bool ok;                 /* nothing mismatched, missing or extra */
} ck_verify_result;

typedef struct ck_verify_opts {
    int threads;
    ck_progress_fn progress;
    void *progress_ctx;
} ck_verify_opts;

/* MODEL against evidence (manifest, checksum file, LFS pointer,
 * llama-gguf-hash manifest, --sha256). A model too damaged to be read is
 * still checked: files by their digests, tensors by the byte ranges a
 * manifest records. Takes ownership of ev. */
ck_status ck_verify_evidence(ck_evidence *ev, const char *model, const ck_verify_opts *o, ck_verify_result *r,
                             ck_diag *d);

/* Copy B against copy A, tensor by tensor; file by file too when both have
 * the same files. */
ck_status ck_verify_models(const char *a, const char *b, const ck_verify_opts *o, ck_verify_result *r, ck_diag *d);

/* The evidence a model carries itself (ModelSpec's modelspec.hash_sha256).
 * CK_ERR_USAGE when it carries none. */
ck_status ck_verify_embedded(const char *model, const ck_verify_opts *o, ck_verify_result *r, ck_diag *d);

void ck_verify_result_free(ck_verify_result *r);

#ifdef __cplusplus
}
#endif

#endif
