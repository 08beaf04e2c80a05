/* ckpt: convert a model to another format, dtype, naming or sharding.
 *
 * safetensors <-> GGUF, with llama.cpp's tensor names and q/k row
 * permutation (or names kept), float casts and ggml quantization, metadata
 * carried over both ways, and re-sharding. Every output file is written to
 * an unnamed file and linked into place only once all of them are complete.
 */
#ifndef CKPT_CONVERT_H
#define CKPT_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/diag.h"
#include "ckpt/model.h"
#include "ckpt/namemap.h"
#include "ckpt/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_names_mode {
    CK_NAMES_AUTO,   /* GGUF output: gguf; safetensors output from GGUF: hf; else keep */
    CK_NAMES_KEEP,
    CK_NAMES_GGUF,   /* llama.cpp's names, experts stacked, q/k permuted */
    CK_NAMES_HF      /* Hugging Face names, experts apart, permutation undone */
} ck_names_mode;

const char *ck_names_mode_name(ck_names_mode m);

/* llama-quantize's k-quant mixes: a base type for most weights, and more
 * bits for the output, attn_v, ffn_down and attn_output tensors where its
 * rules say so (convert_mix.c has them). */
typedef enum ck_quant_mix {
    CK_MIX_NONE,
    CK_MIX_Q3_K_S, CK_MIX_Q3_K_M, CK_MIX_Q3_K_L,
    CK_MIX_Q4_K_S, CK_MIX_Q4_K_M,
    CK_MIX_Q5_K_S, CK_MIX_Q5_K_M
} ck_quant_mix;

/* "q4_k_m" (any case) -> the mix and its base type. False if not a mix. */
bool ck_quant_mix_from_name(const char *name, ck_quant_mix *mix, ck_dtype *base);
/* "Q4_K_M", or NULL for CK_MIX_NONE. */
const char *ck_quant_mix_name(ck_quant_mix mix);

typedef struct ck_convert_opts {
    ck_format to;
    bool has_dtype;
    ck_dtype dtype;          /* for weights (GGUF: 2-D and more; 1-D tensors stay F32) */
    ck_quant_mix mix;        /* with a k-quant dtype: llama-quantize's mix of it (GGUF only) */
    ck_names_mode names;
    const char *map;         /* a name map by name; NULL: from the architecture */
    uint64_t shard_size;     /* most bytes of tensors a file; 0: one file */
    bool force;              /* replace existing output files */
    bool no_sync;            /* do not wait for the disk before putting files in place */
    int threads;             /* <= 0: OpenMP's default */
    ck_progress_fn progress;
    void *progress_ctx;
} ck_convert_opts;

/* One tensor written. */
typedef struct ck_convert_tensor {
    char *name;              /* as written */
    char *source;            /* the input tensor (the first expert's, when stacked) */
    uint32_t n_sources;      /* > 1: this many experts stacked into one tensor */
    int expert;              /* >= 0: this expert of a stacked input tensor */
    ck_dtype from, to;
    bool fallback;           /* `to` stands in for the dtype asked for, whose blocks do not fit a row */
    ck_dtype asked;
    int permute_heads;       /* > 0: rows permuted (GGUF output) or unpermuted (Hugging Face output) by this many heads */
    uint32_t rank;
    int64_t shape[8];        /* row-major */
    uint64_t nelems, nbytes;
    uint32_t file;           /* index in files */
    uint64_t offset;
    bool exact;              /* values carried over exactly: copied, widened, or measured equal */
    double snr_db;           /* of the output's values against the input's, over values finite in both; NaN when exact */
    double rel_l2;           /* ||out - in|| / ||in||; NaN when exact or the input is all zero */
    /* Counted when the values are measured (not exact): */
    uint64_t nonfinite;      /* NaN or Inf values in the input */
    uint64_t overflow;       /* finite input values that came out NaN or Inf (out of the dtype's range) */
} ck_convert_tensor;

typedef struct ck_convert_file {
    char *path;
    uint64_t bytes;
    size_t n_tensors;
} ck_convert_file;

typedef struct ck_convert_result {
    ck_format to;
    ck_names_mode names;     /* as resolved */
    const char *map;         /* the name map used, or NULL */
    ck_convert_file *files;
    uint32_t n_files;
    char *index;             /* the safetensors index written, or NULL */
    ck_convert_tensor *tensors;
    size_t n_tensors;
    char **dropped;          /* input tensors not written (llama.cpp drops rotary inv_freq) */
    size_t n_dropped;
    size_t n_unmapped;       /* names the map had no pattern for, kept as they were */
    size_t n_kv;             /* metadata entries written */
    size_t n_kv_config;      /* of them, from config.json */
    bool requantized;        /* quantized input tensors were quantized again */
    uint32_t file_type;      /* general.file_type written (GGUF) */
    uint64_t params, bytes_in, bytes_out;
} ck_convert_result;

/* Convert m into out_path. On error nothing is left at out_path (or at any
 * shard's path) and d holds one finding. */
ck_status ck_convert(const ck_model *m, const char *out_path, const ck_convert_opts *o, ck_convert_result *r,
                     ck_diag *d);
void ck_convert_result_free(ck_convert_result *r);

/* Parse a size: "5GB" (10^9), "500MiB" (2^20), "123" bytes. False if bad. */
bool ck_parse_size(const char *s, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif
