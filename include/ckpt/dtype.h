/* ckpt: the dtype table.
 *
 * One row for every element type that GGUF or safetensors can hold. It is the
 * single source of truth for type names, ids and sizes: nothing else in ckpt
 * hard-codes a type size. Block sizes are those of ggml's ggml-common.h static
 * asserts and of the safetensors crate's Dtype::bitsize.
 */
#ifndef CKPT_DTYPE_H
#define CKPT_DTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_dtype {
    /* ggml types, in ggml_type id order */
    CK_DT_F32, CK_DT_F16, CK_DT_Q4_0, CK_DT_Q4_1, CK_DT_Q5_0, CK_DT_Q5_1,
    CK_DT_Q8_0, CK_DT_Q8_1, CK_DT_Q2_K, CK_DT_Q3_K, CK_DT_Q4_K, CK_DT_Q5_K,
    CK_DT_Q6_K, CK_DT_Q8_K, CK_DT_IQ2_XXS, CK_DT_IQ2_XS, CK_DT_IQ3_XXS,
    CK_DT_IQ1_S, CK_DT_IQ4_NL, CK_DT_IQ3_S, CK_DT_IQ2_S, CK_DT_IQ4_XS,
    CK_DT_I8, CK_DT_I16, CK_DT_I32, CK_DT_I64, CK_DT_F64, CK_DT_IQ1_M,
    CK_DT_BF16, CK_DT_TQ1_0, CK_DT_TQ2_0, CK_DT_MXFP4, CK_DT_NVFP4,
    CK_DT_Q1_0, CK_DT_Q2_0,
    /* safetensors-only types */
    CK_DT_BOOL, CK_DT_U8, CK_DT_U16, CK_DT_U32, CK_DT_U64,
    CK_DT_F8_E4M3, CK_DT_F8_E5M2, CK_DT_F8_E8M0, CK_DT_F8_E4M3FNUZ,
    CK_DT_F8_E5M2FNUZ, CK_DT_F6_E2M3, CK_DT_F6_E3M2, CK_DT_F4, CK_DT_C64,
    CK_DT_COUNT
} ck_dtype;

typedef enum ck_dtype_kind {
    CK_KIND_FLOAT,     /* plain floating point, one element a unit */
    CK_KIND_INT,       /* signed integer */
    CK_KIND_UINT,      /* unsigned integer */
    CK_KIND_BOOL,
    CK_KIND_COMPLEX,   /* complex float: real and imaginary parts */
    CK_KIND_QUANT      /* block-quantized: a block of elements shares scales */
} ck_dtype_kind;

/* A dequantization kernel: decode nblocks whole blocks at src (unaligned,
 * little-endian) into float32 at dst, block_elems floats a block (two a
 * complex element). Reproduces the format's reference decoder bit for bit. */
typedef void (*ck_dequant_fn)(const uint8_t *src, float *dst, size_t nblocks);

/* A quantization kernel: encode nblocks whole blocks of float32 at src into
 * dst (little-endian, unaligned), as the format's reference encoder does. */
typedef void (*ck_quant_fn)(const float *restrict src, uint8_t *restrict dst, size_t nblocks);

typedef struct ck_dtype_info {
    const char *name;        /* canonical name, e.g. "Q4_K", "BF16", "F8_E4M3" */
    int gguf_id;             /* ggml_type id, or -1 when GGUF cannot hold it */
    const char *st_name;     /* safetensors dtype string, or NULL */
    uint32_t block_elems;    /* elements per block (1 for plain types) */
    uint32_t block_bytes;    /* bytes per block */
    ck_dtype_kind kind;
    ck_dequant_fn dequant;   /* the scalar reference decoder */
    ck_quant_fn quant;       /* the scalar reference encoder, or NULL when ckpt cannot write the type */
} ck_dtype_info;

/* The row of a dtype. d must be < CK_DT_COUNT. */
const ck_dtype_info *ck_dtype_info_of(ck_dtype d);
static inline const char *ck_dtype_name(ck_dtype d) { return ck_dtype_info_of(d)->name; }

/* Bits per element as stored, e.g. 4.5 for Q4_0. */
double ck_dtype_bits(ck_dtype d);

typedef enum ck_gguf_type_status {
    CK_GGUF_TYPE_OK,
    CK_GGUF_TYPE_RETIRED,    /* an id ggml used once and removed */
    CK_GGUF_TYPE_UNKNOWN
} ck_gguf_type_status;

/* Look up a ggml_type id. On CK_GGUF_TYPE_RETIRED, *retired_name (if not
 * NULL) gets the name the id had. */
ck_gguf_type_status ck_dtype_from_gguf(int64_t id, ck_dtype *out, const char **retired_name);

/* Look up a safetensors dtype string (len bytes, not NUL-terminated).
 * False if unknown. */
bool ck_dtype_from_st(const char *s, size_t len, ck_dtype *out);

/* Look up a canonical name, case-insensitively ("q4_k", "BF16"). */
bool ck_dtype_from_name(const char *s, ck_dtype *out);

/* Byte size of n elements. False when n is not a whole number of blocks or
 * the size overflows 64 bits. */
bool ck_dtype_nbytes(ck_dtype d, uint64_t n, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif
