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

/* What one chunk of values holds. min/max/sum cover finite values only. */
typedef struct ck_chunk_stats {
    uint64_t n, finite, nan, inf, zeros;
    float min, max;          /* +inf / -inf when no finite value */
    double sum, sum_c;       /* sum of finite values, and its compensation */
    double sumsq;            /* of finite values (positive terms: no compensation needed) */
    double m2;               /* sum of (x - chunk mean)^2 over finite values */
} ck_chunk_stats;

/* Running figures over many chunks, merged in a fixed order. */
typedef struct ck_moments {
    uint64_t n, finite, nan, inf, zeros;
    double min, max;
    double sum, sum_c;       /* Neumaier: the sum and its running compensation */
    double sumsq, sumsq_c;
    double m2;               /* sum of squared deviations from the mean */
} ck_moments;

/* The chunk kernel; variants for each SIMD level give identical results. */
typedef void (*ck_chunk_fn)(const float *v, size_t n, ck_chunk_stats *out);

void ck_chunk_stats_scalar(const float *v, size_t n, ck_chunk_stats *out);
void ck_chunk_stats_avx2(const float *v, size_t n, ck_chunk_stats *out);
void ck_chunk_stats_avx512(const float *v, size_t n, ck_chunk_stats *out);

/* The best kernel this CPU runs. */
ck_chunk_fn ck_chunk_stats_kernel(void);

void ck_moments_init(ck_moments *m);
/* Fold a chunk into m (chunks in order). */
void ck_moments_add(ck_moments *m, const ck_chunk_stats *c);
/* Fold b (which covers values after those of a) into a. */
void ck_moments_merge(ck_moments *a, const ck_moments *b);

/* Final figures; NaN when there is no finite value. */
double ck_moments_mean(const ck_moments *m);
double ck_moments_std(const ck_moments *m);   /* population standard deviation */
double ck_moments_rms(const ck_moments *m);

#endif
