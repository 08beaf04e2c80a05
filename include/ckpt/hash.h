/* ckpt: hashes of a model, in one pass over its mapped files.
 *
 * The whole-file SHA-256 of every file (what `sha256sum` prints and what the
 * Hugging Face Hub uses as the LFS object id) is serial by nature: one thread
 * runs it per file while the other threads hash tensors from the same
 * mapping. Results do not depend on the number of threads.
 */
#ifndef CKPT_HASH_H
#define CKPT_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/model.h"
#include "ckpt/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What to compute; any combination. */
enum {
    CK_HASH_FILE_SHA256 = 1u << 0,   /* every file, whole */
    CK_HASH_FILE_HEADER = 1u << 1,   /* every file's header: bytes before its data section */
    CK_HASH_FILE_DATA = 1u << 2,     /* every file's data section to its end (ModelSpec's hash) */
    CK_HASH_TENSOR_XXH3 = 1u << 3,   /* XXH3-128 of every tensor's stored bytes */
    CK_HASH_TENSOR_SHA256 = 1u << 4,
    CK_HASH_TENSOR_XXH64 = 1u << 5,  /* llama-gguf-hash's default */
    CK_HASH_TENSOR_SHA1 = 1u << 6,
    /* xxh64, sha1, sha256 and the UUIDv5 of each file's tensor data
     * concatenated in tensor-info order, as llama-gguf-hash hashes a model */
    CK_HASH_FILE_STREAM = 1u << 7,
    CK_HASH_MODEL_DIGEST = 1u << 8,  /* needs CK_HASH_TENSOR_XXH3 */
};

typedef struct ck_stream_digest {
    uint64_t xxh64;
    uint8_t sha1[20];
    uint8_t sha256[32];
    uint8_t uuid[16];            /* UUIDv5 in llama-gguf-hash's namespace */
} ck_stream_digest;

typedef struct ck_file_digest {
    uint8_t sha256[32];
    uint8_t header_sha256[32];
    uint8_t data_sha256[32];
    ck_stream_digest stream;
} ck_file_digest;

typedef struct ck_tensor_digest {
    uint8_t xxh3_128[16];        /* canonical (big-endian) form, as xxhsum -H2 prints it */
    uint8_t sha256[32];
    uint8_t sha1[20];
    uint64_t xxh64;
} ck_tensor_digest;

typedef struct ck_hash_opts {
    unsigned what;               /* CK_HASH_* */
    int threads;                 /* 0: OpenMP's default */
    ck_progress_fn progress;
    void *progress_ctx;
} ck_hash_opts;

typedef struct ck_hash_result {
    unsigned what;
    ck_file_digest *files;       /* one per model file */
    ck_tensor_digest *tensors;   /* one per model tensor */
    uint8_t model_digest[32];
} ck_hash_result;

ck_status ck_hash_model(const ck_model *m, const ck_hash_opts *o, ck_hash_result *r, ck_diag *d);
void ck_hash_result_free(ck_hash_result *r);

/* The model digest: SHA-256 over every tensor's name, dtype, shape and
 * XXH3-128 of its bytes, in byte order of names; nothing else. The same for
 * a model and its re-sharded copy, or a copy whose metadata was edited. */
void ck_model_digest(const ck_model *m, const ck_tensor_digest *tensors, uint8_t out[32]);

/* Lowercase hex of n bytes into out (2n + 1 chars). */
void ck_hex(const uint8_t *bytes, size_t n, char *out);
/* Parse 2n hex digits (either case); false if s is not exactly that. */
bool ck_unhex(const char *s, size_t len, uint8_t *out, size_t n);
/* "8-4-4-4-12" form of a UUID. */
void ck_uuid_str(const uint8_t uuid[16], char out[37]);

#ifdef __cplusplus
}
#endif

#endif
