/* ckpt: the format-neutral model.
 *
 * A ck_model is what a GGUF file, a safetensors file, or a sharded set of
 * either becomes once read: the files (mapped read-only), the metadata in file
 * order with its types, and the tensors. Readers check every rule of the
 * format before they hand a model out (see the rules tables).
 */
#ifndef CKPT_MODEL_H
#define CKPT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/diag.h"
#include "ckpt/dtype.h"
#include "ckpt/io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_format {
    CK_FORMAT_GGUF,
    CK_FORMAT_SAFETENSORS
} ck_format;

const char *ck_format_name(ck_format f);

/* A byte string that is not NUL-terminated (it may point into a mapping). */
typedef struct ck_str {
    const char *ptr;
    uint64_t len;
} ck_str;

/* Metadata value types; the numbers are GGUF's. */
typedef enum ck_vtype {
    CK_V_U8 = 0, CK_V_I8 = 1, CK_V_U16 = 2, CK_V_I16 = 3, CK_V_U32 = 4,
    CK_V_I32 = 5, CK_V_F32 = 6, CK_V_BOOL = 7, CK_V_STR = 8, CK_V_ARR = 9,
    CK_V_U64 = 10, CK_V_I64 = 11, CK_V_F64 = 12,
    CK_V_COUNT = 13
} ck_vtype;

/* GGUF's name of a value type ("UINT32", "STRING", ...), or NULL. */
const char *ck_vtype_name(int64_t t);

/* Arrays are kept as their validated bytes in the file and decoded on demand,
 * so that a 150,000-entry token list costs nothing until it is read. */
typedef struct ck_array {
    ck_vtype elem;
    uint64_t count;
    const uint8_t *raw;      /* the elements as stored */
    uint64_t raw_len;
    bool big_endian;
} ck_array;

typedef struct ck_value {
    ck_vtype type;
    union {
        uint64_t u;          /* U8, U16, U32, U64 */
        int64_t i;           /* I8, I16, I32, I64 */
        double f;            /* F32 (exactly widened), F64 */
        bool b;
        ck_str s;
        ck_array a;
    } v;
} ck_value;

/* Walk an array's elements in order. */
typedef struct ck_array_iter {
    const ck_array *arr;
    uint64_t index;
    uint64_t pos;
} ck_array_iter;

void ck_array_iter_init(ck_array_iter *it, const ck_array *a);
/* Next element into *out; false at the end. */
bool ck_array_next(ck_array_iter *it, ck_value *out);

/* Size in bytes of one element of a fixed-size value type, 0 otherwise. */
size_t ck_vtype_size(ck_vtype t);

typedef struct ck_kv {
    ck_str key;
    ck_value value;
    uint32_t file;           /* index in model->files */
    int64_t offset;          /* where the entry starts, or CK_NO_OFFSET */
} ck_kv;

#define CK_GGUF_MAX_DIMS 4

typedef struct ck_tensor {
    const char *name;        /* NUL-terminated copy */
    size_t name_len;
    ck_dtype dtype;
    uint32_t rank;
    const int64_t *shape;    /* rank entries, row-major: outermost first */
    uint64_t nelems;
    uint64_t nbytes;
    uint32_t file;           /* index in model->files */
    uint64_t offset;         /* absolute offset of the first byte in that file */
    int64_t info_offset;     /* where the tensor is declared, or CK_NO_OFFSET */
} ck_tensor;

/* A file of the model, with what its header said. */
typedef struct ck_model_file {
    ck_file map;
    uint64_t header_end;     /* end of the header (GGUF: of the tensor infos) */
    uint64_t data_offset;    /* start of the data section */
    uint64_t data_end;       /* end of the last tensor's bytes */
    uint32_t gguf_version;
    uint32_t alignment;
    uint64_t kv_count;       /* GGUF header fields */
    uint64_t tensor_count;
    bool big_endian;
    uint64_t st_header_len;  /* safetensors N */
} ck_model_file;

/* Architecture hyper-parameters, from GGUF metadata or config.json.
 * -1 (or NaN for floats) when not known. */
typedef struct ck_hparams {
    char arch[64];           /* llama.cpp architecture name */
    char source[16];         /* "gguf", "config.json" or "" */
    int64_t n_layer, n_ctx, n_embd, n_ff, n_head, n_head_kv;
    int64_t n_expert, n_expert_used, n_vocab;
    int64_t head_dim;        /* only when stated: config.json head_dim, GGUF attention.key_length */
    double rope_theta, norm_eps;
    bool norm_rms;           /* norm_eps is an RMS norm's (rms_norm_eps, layer_norm_rms_epsilon) */
} ck_hparams;

typedef struct ck_arena ck_arena;
typedef struct ck_strmap ck_strmap;

typedef struct ck_model {
    ck_format format;
    char *path;              /* what was opened (file, index, folder) */
    char *root;              /* the folder its files are named relative to */
    ck_model_file *files;
    uint32_t n_files;
    ck_kv *kvs;
    size_t n_kvs;
    ck_tensor *tensors;      /* GGUF: declaration order; safetensors: by offset */
    size_t n_tensors;
    ck_hparams hparams;
    /* internal */
    size_t kvs_cap, tensors_cap;
    ck_arena *arena;
    ck_strmap *tensor_index;
    ck_strmap *kv_index;
} ck_model;

/* Open a model: a .gguf file (the first part of a split opens the whole
 * split), a .safetensors file, a model.safetensors.index.json, or a folder
 * holding one model. Returns CK_OK and *out, or an error with findings in d.
 * In collect mode a model may be returned together with findings. */
ck_status ck_model_open(ck_model **out, const char *path, ck_diag *d);
void ck_model_free(ck_model *m);

/* Tensor by exact name, in O(1); NULL if absent. */
const ck_tensor *ck_model_tensor(const ck_model *m, const char *name, size_t len);
/* Metadata entry by key; NULL if absent. */
const ck_kv *ck_model_kv(const ck_model *m, const char *key);

/* The name of file i relative to the model's folder ("model-00001-of-00002.safetensors"):
 * how manifests and checksum files name it. */
const char *ck_model_file_name(const ck_model *m, uint32_t i);

/* The tensor's stored bytes (inside the read-only mapping). */
static inline const uint8_t *ck_tensor_data(const ck_model *m, const ck_tensor *t) {
    return m->files[t->file].map.data + t->offset;
}

#ifdef __cplusplus
}
#endif

#endif
