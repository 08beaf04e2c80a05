/* ckpt: what the numbers of a model look like. The figures behind `ckpt stats`. */
#ifndef CKPT_STATS_H
#define CKPT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/model.h"
#include "ckpt/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Figures of one tensor, over its dequantized values (a complex element
 * counts as two values: its real and imaginary parts). min, max, mean, std,
 * rms and absmax cover the finite values only and are NaN when there are none. */
typedef struct ck_tensor_stats {
    size_t tensor;              /* index in the model's tensors */
    uint64_t count, finite, nan, inf, zeros;
    double min, max, mean, std, rms, absmax;
    uint32_t hist_bins;         /* 0 when no histogram was asked for */
    uint64_t *hist;             /* counts of finite values in equal bins over [min, max] */
} ck_tensor_stats;

typedef struct ck_stats_opts {
    const char *const *patterns;  /* shell globs on tensor names; none: every tensor */
    size_t n_patterns;
    const bool *only;             /* NULL, or one flag per tensor: only those set (and matching) */
    int threads;                  /* 0: OpenMP's default (OMP_NUM_THREADS or all cores) */
    uint32_t hist_bins;           /* 0: no histogram */
    ck_progress_fn progress;
    void *progress_ctx;
} ck_stats_opts;

typedef struct ck_stats_result {
    ck_tensor_stats *tensors;     /* in model order */
    size_t n;
} ck_stats_result;

/* Compute the figures of the selected tensors. Errors (a tensor whose bytes
 * have no defined decoding) go to d. */
ck_status ck_stats_run(const ck_model *m, const ck_stats_opts *o, ck_stats_result *out, ck_diag *d);
void ck_stats_result_free(ck_stats_result *r);

/* Whether name matches one of the globs (all names match when there are none). */
int ck_name_selected(const char *name, const char *const *patterns, size_t n_patterns);

#ifdef __cplusplus
}
#endif

#endif
