/* The numerical rank of a matrix known only row by row: a randomized range
 * finder (with power iterations) and the SVD of the small factor, by LAPACK.
 *
 * A rank-r update stored in a low-precision dtype is numerically full-rank
 * (rounding adds a noise floor), yet its singular values fall off a cliff
 * after the r-th: the rank reported is the position of that cliff. */
#ifndef CK_CORE_LOWRANK_H
#define CK_CORE_LOWRANK_H

#include <stddef.h>
#include <stdint.h>

/* Singular values estimated at most. */
#define CK_LOWRANK_MAX 64

/* Rows [r0, r0 + nr) of the m x n matrix into out (nr x n, row-major).
 * Returns 0 on success. Called several times over all rows. */
typedef int (*ck_rows_fn)(void *ctx, size_t r0, size_t nr, double *out);

typedef struct ck_lowrank {
    size_t k;                  /* singular values estimated */
    double sv[CK_LOWRANK_MAX]; /* descending */
    int rank;                  /* position of the cliff, or -1 when there is none */
    double gap;                /* sv[rank-1] / sv[rank]: the cliff's height (inf for exact zeros) */
} ck_lowrank;

/* Estimate the leading min(k, m, n, CK_LOWRANK_MAX) singular values of the
 * m x n matrix given by rows, and find the cliff. seed makes the random
 * projection repeatable. Returns 0 on success, -1 when out of memory or rows
 * failed. */
int ck_lowrank_estimate(size_t m, size_t n, ck_rows_fn rows, void *ctx, size_t k, uint64_t seed,
                        ck_lowrank *out);

/* The cliff of singular values sv[0..k) (descending): the r after which they
 * drop by the largest factor, if that factor is at least min_gap; else -1. */
int ck_lowrank_cliff(const double *sv, size_t k, double min_gap, double *gap);

#endif
