/* The numerical rank of a matrix known only row by row.
 *
 * The randomized range finder of Halko, Martinsson and Tropp ("Finding
 * structure with randomness", SIAM Review 2011, algorithms 4.1 and 4.4):
 * l = k + 10 Gaussian test vectors, Y = A Omega, then two power iterations
 * that re-orthonormalize after every product (Q = qr(A qr(A^T Q))), so that
 * the small singular values shrink against the large ones by the fifth power;
 * then the SVD of the l x n factor Q^T A gives the leading singular values.
 * Those below sigma_1 max(m, n) eps are rounding and reported as 0.
 *
 * A is never held whole: every product with it is one pass over its rows, in
 * blocks of at most BLOCK_ROWS rows and BLOCK_VALUES values, so memory is
 * O((m + n) l) apart from that block. There are six passes: A Omega, two
 * times A^T Q and A Q, and the last A^T Q (= (Q^T A)^T, whose singular values
 * are those of Q^T A).
 *
 * Matrices are column-major (LAPACK's order): a row-major block of nr rows of
 * A is, read column-major, the n x nr matrix A_blk^T with leading dimension n.
 * Products are cblas_dgemm, bases LAPACK's Householder QR (dgeqrf + dorgqr),
 * singular values dgesdd. The random numbers are our own (xoshiro256** and
 * Box-Muller), so a seed gives the same test matrix on every platform, and
 * the same singular values bit for bit from one run to the next, whatever
 * the caller's threads (OpenBLAS is kept on one thread; its kernels are
 * picked by CPU, so another CPU may differ in the last bits).
 */
#include "lowrank.h"

#include <cblas.h>
#include <lapacke.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Debian's cblas.h is OpenBLAS's, which declares this; another cblas.h may
 * not (we link OpenBLAS either way). */
#ifndef OPENBLAS_VERSION
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

#define OVERSAMPLE 10              /* extra test vectors beyond the k wanted */
#define POWER_ITERS 2
#define BLOCK_ROWS 256             /* rows asked of the callback at a time, at most */
#define BLOCK_VALUES ((size_t)1 << 22) /* and at most this many values (32 MiB) */

/* The cliff must be at least this high to count. A rank-r update stored in
 * BF16 has r large singular values and then the noise floor of BF16 rounding
 * (up to 2^-8 of each weight): in the corpus' fine-tune, k_proj's 4th
 * singular value is 0.0708 and its 5th 1.2e-3, a drop of ~60x (down_proj:
 * 0.0439 to 1.1e-3, ~40x). The spectrum of a full-rank update (a real
 * fine-tune, or noise) decays smoothly: no two consecutive leading singular
 * values differ by 8x. 8 sits well between the two. */
#define MIN_GAP 8.0

/* ===== random numbers: xoshiro256** seeded by splitmix64, Box-Muller ===== */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in (0, 1]: never 0, so that log() below is finite. */
static double rng_unit(rng *r) { return (double)((rng_next(r) >> 11) + 1) * 0x1p-53; }

/* n standard normal values, in order, two from each pair of uniforms. */
static void gaussian_fill(rng *r, double *v, size_t n) {
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t i = 0; i < n; i += 2) {
        double rad = sqrt(-2.0 * log(rng_unit(r))), th = two_pi * rng_unit(r);
        v[i] = rad * cos(th);
        if (i + 1 < n) v[i + 1] = rad * sin(th);
    }
}

/* ===== passes over A ===== */

typedef struct stream {
    size_t m, n, l;
    size_t nb;                 /* rows of a block */
    ck_rows_fn rows;
    void *ctx;
    double *blk;               /* nb x n, row-major as the callback writes it */
} stream;

static int all_finite(const double *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* Y = A X, with X n x l and Y m x l. Returns 0, or -1 when rows failed or a
 * value of Y is not finite (a NaN or an infinity in A always makes one). */
static int mul(const stream *s, const double *x, double *y) {
    for (size_t r0 = 0; r0 < s->m; r0 += s->nb) {
        size_t nr = s->m - r0 < s->nb ? s->m - r0 : s->nb;
        if (s->rows(s->ctx, r0, nr, s->blk) != 0) return -1;
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nr, (int)s->l, (int)s->n, 1.0,
                    s->blk, (int)s->n, x, (int)s->n, 0.0, y + r0, (int)s->m);
    }
    return all_finite(y, s->m * s->l) ? 0 : -1;
}

/* Z = A^T Q, with Q m x l and Z n x l: the sum over blocks of A_blk^T Q_blk,
 * in row order. Returns 0, or -1 as mul(). */
static int tmul(const stream *s, const double *q, double *z) {
    for (size_t r0 = 0; r0 < s->m; r0 += s->nb) {
        size_t nr = s->m - r0 < s->nb ? s->m - r0 : s->nb;
        if (s->rows(s->ctx, r0, nr, s->blk) != 0) return -1;
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)s->n, (int)s->l, (int)nr, 1.0,
                    s->blk, (int)s->n, q + r0, (int)s->m, r0 ? 1.0 : 0.0, z, (int)s->n);
    }
    return all_finite(z, s->n * s->l) ? 0 : -1;
}

/* Replace the columns of the r x l matrix a (r >= l) by an orthonormal basis
 * of their span: Householder QR, then Q. A rank-deficient a still gives l
 * orthonormal columns (the extra ones are arbitrary), which is what the range
 * finder needs. tau holds l values. Returns 0, or -1 when LAPACK failed. */
static int orth(double *a, size_t r, size_t l, double *tau) {
    if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)r, (lapack_int)l, a, (lapack_int)r, tau) != 0)
        return -1;
    if (LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)r, (lapack_int)l, (lapack_int)l, a,
                       (lapack_int)r, tau) != 0)
        return -1;
    return 0;
}

/* a * b doubles, or NULL when that overflows or memory runs out. */
static double *alloc_doubles(size_t a, size_t b) {
    if (a == 0 || b == 0) return NULL;
    if (a > SIZE_MAX / sizeof(double) / b) return NULL;
    return malloc(a * b * sizeof(double));
}

/* ===== the estimate ===== */

int ck_lowrank_estimate(size_t m, size_t n, ck_rows_fn rows, void *ctx, size_t k, uint64_t seed,
                        ck_lowrank *out) {
    memset(out, 0, sizeof *out);
    size_t mn = m < n ? m : n;
    if (mn == 0) { /* an empty matrix: rank 0, no callback */
        out->gap = INFINITY;
        return 0;
    }
    if (k > CK_LOWRANK_MAX) k = CK_LOWRANK_MAX;
    if (k > mn) k = mn;
    if (k == 0) { /* nothing asked for, nothing seen */
        out->rank = -1;
        out->gap = NAN;
        return 0;
    }
    /* BLAS and LAPACK count in int. */
    if (m > INT_MAX || n > INT_MAX) {
        out->rank = -1;
        out->gap = NAN;
        return -1;
    }

    stream s = {.m = m, .n = n, .rows = rows, .ctx = ctx};
    s.l = k + OVERSAMPLE < mn ? k + OVERSAMPLE : mn;
    s.nb = BLOCK_VALUES / n;
    if (s.nb < 1) s.nb = 1;
    if (s.nb > BLOCK_ROWS) s.nb = BLOCK_ROWS;
    if (s.nb > m) s.nb = m;

    s.blk = alloc_doubles(s.nb, n);
    double *y = alloc_doubles(m, s.l);      /* A X, then Q */
    double *z = alloc_doubles(n, s.l);      /* Omega, A^T Q, its basis X */
    double *tau = alloc_doubles(s.l, 1);
    double *sv = alloc_doubles(s.l, 1);
    int rc = -1;
    if (!s.blk || !y || !z || !tau || !sv) goto done;

    /* OpenBLAS runs on the calling thread. Its threads would compete with
     * the caller's (ckpt diff works on tensors in parallel), and they change
     * the rounding: the singular values would then differ in their last bits
     * between --threads 1 and --threads 2. OpenBLAS 0.3.21 has no per-call
     * setting; this one is process-wide and stays (restoring it would race
     * with other threads' calls). */
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);

    rng r;
    rng_seed(&r, seed);
    gaussian_fill(&r, z, n * s.l); /* column by column */

    if (mul(&s, z, y) != 0 || orth(y, m, s.l, tau) != 0) goto done;
    for (int it = 0; it < POWER_ITERS; it++) {
        if (tmul(&s, y, z) != 0 || orth(z, n, s.l, tau) != 0) goto done;
        if (mul(&s, z, y) != 0 || orth(y, m, s.l, tau) != 0) goto done;
    }
    if (tmul(&s, y, z) != 0) goto done;
    /* Singular values only: U and V^T are not referenced. */
    if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (lapack_int)n, (lapack_int)s.l, z, (lapack_int)n, sv,
                       NULL, 1, NULL, 1) != 0)
        goto done;

    /* Values below sigma_1 max(m, n) eps are rounding (LAPACK's and numpy's
     * numerical-rank tolerance): exact zeros, or an exact low-rank matrix
     * would show its cliff at the last rounding residue, not after sigma_r. */
    double tol = sv[0] * (double)(m > n ? m : n) * DBL_EPSILON;
    for (size_t i = 0; i < s.l; i++)
        if (sv[i] <= tol) sv[i] = 0;
    out->k = k;
    memcpy(out->sv, sv, k * sizeof *sv);
    out->rank = ck_lowrank_cliff(out->sv, k, MIN_GAP, &out->gap);
    /* All min(m, n) singular values are here and none is zero (those would
     * have made a cliff): a flat spectrum of full rank, ending in the
     * implicit zeros past min(m, n). */
    if (out->rank < 0 && k == mn) {
        out->rank = (int)k;
        out->gap = INFINITY;
    }
    rc = 0;
done:
    free(sv);
    free(tau);
    free(z);
    free(y);
    free(s.blk);
    if (rc != 0) {
        memset(out, 0, sizeof *out);
        out->rank = -1;
        out->gap = NAN;
    }
    return rc;
}

/* ===== the cliff ===== */

/* The r in 1..k-1 with the largest sv[r-1] / sv[r], the first of equals. A
 * zero after a positive value is an infinite ratio (exact low rank: the first
 * zero is the cliff); 0 / 0 and NaN are no ratio. All zeros (or k == 0):
 * rank 0 with an infinite gap. No ratio at all (k == 1): -1, gap NaN.
 * ck_lowrank_estimate asks for min_gap = MIN_GAP (8): see there why. */
int ck_lowrank_cliff(const double *sv, size_t k, double min_gap, double *gap) {
    double dummy;
    if (!gap) gap = &dummy;
    size_t zeros = 0;
    for (size_t i = 0; i < k; i++) zeros += sv[i] == 0;
    if (zeros == k) {
        *gap = INFINITY;
        return 0;
    }
    if (k > (size_t)INT_MAX) k = (size_t)INT_MAX;
    double best = -INFINITY;
    size_t at = 0;
    for (size_t r = 1; r < k; r++) {
        double a = sv[r - 1], b = sv[r], ratio;
        if (b == 0) {
            if (!(a > 0)) continue;
            ratio = INFINITY;
        } else {
            ratio = a / b;
        }
        if (ratio > best) {
            best = ratio;
            at = r;
        }
    }
    if (at == 0) {
        *gap = NAN;
        return -1;
    }
    *gap = best;
    return best >= min_gap ? (int)at : -1;
}
