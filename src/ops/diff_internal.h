/* The parts of `ckpt diff` (diff_match.c, diff_values.c, diff_meta.c,
 * diff_verdict.c, diff.c). */
#ifndef CK_OPS_DIFF_INTERNAL_H
#define CK_OPS_DIFF_INTERNAL_H

#include "ckpt/diff.h"
#include "core/decode.h"

/* One stored tensor that is part of a logical tensor: a whole tensor, or one
 * expert of a stacked tensor stored as separate 2-D tensors. */
typedef struct piece {
    size_t tensor;          /* index in the model's tensors */
    ck_decoder dec;
} piece;

/* A logical tensor of one side: what the pair is compared as. Its values
 * are rows x cols, row-major in the Hugging Face order. */
typedef struct side {
    const ck_model *m;
    piece *pieces;           /* one, or the experts in order */
    size_t n_pieces;
    uint32_t rank;
    int64_t shape[8];        /* logical row-major shape (experts outermost) */
    uint64_t rows, cols;     /* cols: the last dimension; rows: the product of the rest */
    uint64_t rows_per_piece;
    int perm_heads;          /* > 0: stored rows are llama.cpp's permutation by this many heads */
    bool flat;               /* one piece, no permutation: values can be read as one run */
} side;

/* A pair to compare (or a tensor on one side only). */
typedef struct pair {
    side a, b;
    bool has_a, has_b;
    char *key;
} pair;

typedef struct diff_plan {
    pair *pairs;
    size_t n;
    const ck_name_map *map;
} diff_plan;

/* Match the tensors of a and b (diff_match.c). */
ck_status diff_match(const ck_model *a, const ck_model *b, const ck_diff_opts *o, diff_plan *plan, ck_diag *d);
void diff_plan_free(diff_plan *plan);

/* Read logical rows [r0, r0 + nr) of s as floats into out; scratch holds
 * the bytes of the largest block run (for byte swapping). */
void side_read_rows(const side *s, uint64_t r0, uint64_t nr, float *out, uint8_t *scratch);
/* Read values [v0, v0 + n) of a flat side (whole blocks). */
void side_read_flat(const side *s, uint64_t v0, uint64_t n, float *out, uint8_t *scratch);

/* The figures of every pair (diff_values.c). */
ck_status diff_values(const diff_plan *plan, const ck_diff_opts *o, ck_diff_result *r);
/* The rank of every changed 2-D pair's delta (diff_values.c). */
ck_status diff_ranks(const diff_plan *plan, const ck_diff_opts *o, ck_diff_result *r);

/* Metadata changes (diff_meta.c). */
ck_status diff_metadata(const ck_model *a, const ck_model *b, ck_diff_result *r);

/* The verdict and its evidence (diff_verdict.c). */
void diff_verdict(const ck_model *a, const ck_model *b, ck_diff_result *r);

#endif
