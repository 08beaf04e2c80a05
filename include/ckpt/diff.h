/* ckpt: what a derivative changed relative to its base.
 *
 * Tensors are matched by name, across naming schemes (a GGUF made by
 * llama.cpp's converter against its Hugging Face base) through the name maps,
 * with llama.cpp's q/k row permutation undone. Every figure comes from the
 * dequantized values, so a Q4_K tensor is compared with its BF16 original.
 */
#ifndef CKPT_DIFF_H
#define CKPT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/model.h"
#include "ckpt/namemap.h"
#include "ckpt/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_diff_status {
    CK_DIFF_IDENTICAL,       /* the same values (the same bytes, or the same values in another dtype) */
    CK_DIFF_CHANGED,
    CK_DIFF_ADDED,           /* only in B */
    CK_DIFF_REMOVED,         /* only in A */
    CK_DIFF_SHAPE_CHANGED
} ck_diff_status;

const char *ck_diff_status_name(ck_diff_status s);

#define CK_DIFF_SV 8           /* leading singular values kept per tensor */

typedef struct ck_diff_tensor {
    char *name;              /* name in A, or in B when added */
    char *b_name;            /* name in B, or NULL when removed */
    char *key;               /* the GGUF-scheme name the pair was matched on */
    ck_diff_status status;
    int a_dtype, b_dtype;    /* ck_dtype, or -1 when absent */
    uint32_t rank;           /* of the shape below */
    int64_t shape[8];        /* row-major; A's (B's when added); first 8 dims */
    int64_t b_shape[8];      /* B's, when the shape changed */
    uint32_t b_rank;
    bool bytes_identical;    /* same dtype and the same stored bytes: never decoded */
    uint64_t count;          /* values compared */
    uint64_t changed;        /* values that differ */
    double cosine, rel_l2, rmse, max_abs, snr_db;   /* NaN: no meaning (null) */
    double a_rms, b_rms;
    int layer;               /* -1 when not in a layer */
    ck_role role;
    int delta_rank;          /* numerical rank of B - A, -1 when not estimated or no cliff */
    bool rank_estimated;
    size_t n_sv;
    double sv[CK_DIFF_SV];   /* leading singular values of B - A */
} ck_diff_tensor;

typedef enum ck_meta_kind { CK_META_ADDED, CK_META_REMOVED, CK_META_CHANGED } ck_meta_kind;

typedef struct ck_meta_change {
    char *key;
    ck_meta_kind kind;
    char *a_value, *b_value; /* short text forms; NULL when absent */
} ck_meta_change;

typedef enum ck_verdict {
    CK_VERDICT_IDENTICAL,
    CK_VERDICT_REENCODED,    /* the same values, another dtype, layout or sharding */
    CK_VERDICT_QUANTIZED,
    CK_VERDICT_FINETUNED,
    CK_VERDICT_MERGED,
    CK_VERDICT_UNRELATED,
    CK_VERDICT_RESTRUCTURED
} ck_verdict;

const char *ck_verdict_name(ck_verdict v);

typedef struct ck_diff_result {
    ck_diff_tensor *tensors; /* matched pairs in A's order, then tensors only in B */
    size_t n;
    ck_meta_change *meta;
    size_t n_meta;
    size_t identical, changed, added, removed, shape_changed;
    ck_verdict verdict;
    char evidence[768];      /* why this verdict, in a sentence or two */
    char map[32];            /* the name map used, or "none" */
    int n_layers;            /* 1 + the largest layer index seen */
} ck_diff_result;

typedef struct ck_diff_opts {
    const char *map;         /* NULL: from the metadata; "none": names as they are; else a map's name */
    bool rank;               /* estimate the rank of every changed 2-D tensor's delta */
    int threads;
    ck_progress_fn progress;
    void *progress_ctx;
} ck_diff_opts;

ck_status ck_diff_models(const ck_model *a, const ck_model *b, const ck_diff_opts *o, ck_diff_result *r,
                         ck_diag *d);
void ck_diff_result_free(ck_diff_result *r);

#ifdef __cplusplus
}
#endif

#endif
