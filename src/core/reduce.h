/* Reductions over float values: count, NaN/Inf/zero counts, min, max, mean,
 * variance, sum of squares.
 *
 * The order of every floating-point operation is fixed by the data alone:
 * value i of a chunk goes to lane i % 16, lanes are folded in a fixed tree,
 * chunks are merged in order (sums by Neumaier's compensated summation, the
 * variance by Chan's parallel merge). So the figures are the same whatever
 * the thread count and whatever SIMD level the CPU has.
 *
 * Sums of values of mixed sign are compensated everywhere (Knuth's TwoSum in
 * each lane, Neumaier across lanes and chunks): a tensor that mixes values
 * near FLT_MAX with small ones still gets an accurate mean.
 */
#ifndef CK_CORE_REDUCE_H
#define CK_CORE_REDUCE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"

/* What one chunk of values holds. Every float figure covers the finite
 * values only. The sum is compensated (exact to the last bit within a lane).
 * The variance comes in the same pass from the deviations from a shift K,
 * the chunk's first finite value: M2 = sum(d^2) - sum(d)^2 / n with
 * d = x - K. As K is one of the values, sum(d^2) is at most n times M2, so
 * the cancellation of that formula costs at most log2(n) bits. */
typedef struct ck_chunk_stats {
    uint64_t n, finite, nan, inf, zeros;
    float min, max;          /* +inf / -inf when no finite value */
    double sum, sum_c;       /* sum of x, and its compensation */
    double shift;            /* K, or 0 when no finite value */
    double dev, dev2;        /* sum of (x - K) and of (x - K)^2 */
} ck_chunk_stats;

/* Running figures over many chunks, merged in a fixed order. */
typedef struct ck_moments {
    uint64_t n, finite, nan, inf, zeros;
    double min, max;
    double sum, sum_c;       /* Neumaier: the sum and its running compensation */
    double m2;               /* sum of squared deviations from the mean */
} ck_moments;

/* Where a chunk's values come from: float32 values, or F16 / BF16 values
 * read in place from the stored bytes (little-endian), which spares the
 * copy through a float buffer for the most common dtypes. */
typedef enum ck_src {
    CK_SRC_F32,
    CK_SRC_F16,
    CK_SRC_BF16,
    CK_SRC_COUNT
} ck_src;

/* A chunk kernel: the figures of n values at src. The variants for each
 * SIMD level give identical results. */
typedef void (*ck_chunk_fn)(const void *src, size_t n, ck_chunk_stats *out);

/* The kernel for src at exactly this SIMD level, or NULL when the CPU
 * lacks it. CK_ISA_SCALAR is the reference. */
ck_chunk_fn ck_chunk_stats_at(ck_src src, ck_isa isa);

/* The best kernel this CPU runs for src. */
ck_chunk_fn ck_chunk_stats_kernel(ck_src src);

void ck_moments_init(ck_moments *m);
/* Fold a chunk into m (chunks in order). */
void ck_moments_add(ck_moments *m, const ck_chunk_stats *c);
/* Fold b (which covers values after those of a) into a. */
void ck_moments_merge(ck_moments *a, const ck_moments *b);

/* Final figures; NaN when there is no finite value. */
double ck_moments_mean(const ck_moments *m);
double ck_moments_std(const ck_moments *m);   /* population standard deviation */
double ck_moments_rms(const ck_moments *m);    /* sqrt(variance + mean^2) */

#endif
