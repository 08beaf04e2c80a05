/* ckpt: the headers of GGUF and safetensors files, written.
 *
 * A writer lays out a file's header and says where each tensor's bytes go;
 * the caller writes the bytes there. Files come out in the form their
 * reference readers expect: GGUF v3, little-endian, every tensor at a multiple
 * of the alignment; safetensors with the header padded to 8 bytes and the
 * tensors tiling the data buffer from offset 0.
 */
#ifndef CKPT_WRITE_H
#define CKPT_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt/diag.h"
#include "ckpt/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A tensor as it will be written. */
typedef struct ck_wtensor {
    const char *name;        /* NUL-terminated */
    ck_dtype dtype;
    uint32_t rank;
    const int64_t *shape;    /* row-major, outermost first */
    uint64_t nbytes;
    uint64_t offset;         /* out: absolute offset of its first byte */
} ck_wtensor;

/* A header, ready to be written at offset 0, and the file's final size. */
typedef struct ck_header {
    uint8_t *bytes;          /* malloc'd */
    size_t len;
    uint64_t file_size;
} ck_header;

#define CK_GGUF_DEFAULT_ALIGNMENT 32u
/* ggml keeps tensor names in a 64-byte buffer with its NUL. */
#define CK_GGUF_MAX_NAME 63u

/* Lay out a GGUF v3 file: the kvs in order, then the tensor infos, each
 * tensor aligned. Sets every t[i].offset. CK_ERR_USAGE (with a finding) when
 * something cannot be stored: a dtype GGUF has no id for, more than 4
 * dimensions, a name over CK_GGUF_MAX_NAME bytes, a row not a whole number
 * of blocks. */
ck_status ck_gguf_layout(const ck_kv *kvs, size_t n_kv, ck_wtensor *t, size_t n_t, uint32_t alignment,
                         ck_header *out, ck_diag *d);

/* Lay out a safetensors file: __metadata__ (string values) first, then the
 * tensors in the given order, back to back. */
ck_status ck_st_layout(const ck_kv *meta, size_t n_meta, ck_wtensor *t, size_t n_t, ck_header *out, ck_diag *d);

void ck_header_free(ck_header *h);

#ifdef __cplusplus
}
#endif

#endif
