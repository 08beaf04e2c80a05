/* Sums over pairs of values (x from one tensor, y from another), the
 * figures of `ckpt diff` and of `ckpt convert`'s error: sum x^2, y^2, xy
 * and (y - x)^2, max |y - x|, how many values differ and how many are not
 * finite.
 *
 * The order of every floating-point operation is fixed by the data alone,
 * as in reduce.h: pair i of a chunk goes to lane i % 16; each lane adds, in
 * double and in index order, its products (a multiply, then an add: never a
 * fused multiply-add); the 16 lanes are folded in a fixed tree. So the
 * figures are the same at every SIMD level, and the caller that merges
 * chunks in a fixed order gets figures that do not depend on the thread
 * count.
 */
#ifndef CK_CORE_PAIRSUM_H
#define CK_CORE_PAIRSUM_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "reduce.h"

/* The figures of one chunk of n pairs. A pair where x or y is NaN or
 * infinite stays out of the sums (it adds zeros) and counts as changed
 * unless both are NaN. */
typedef struct ck_pair_sums {
    uint64_t n;
    uint64_t changed;        /* pairs with x != y, but for those where both are NaN */
    uint64_t nonfinite_x;    /* pairs where x is NaN or infinite */
    uint64_t nonfinite_y;    /* pairs where x is finite and y is not */
    double aa, bb, ab, dd;   /* sums of x^2, y^2, x*y and (y - x)^2, in double */
    double max_abs;          /* max |y - x| (0 when no finite pair) */
} ck_pair_sums;

/* A pair kernel: the figures of n pairs, x at a and y at b, each read as
 * its source kind says (float32 values, or F16 / BF16 values read in place
 * from little-endian stored bytes). */
typedef void (*ck_pairsum_fn)(const void *a, const void *b, size_t n, ck_pair_sums *out);

/* The kernel for sources (a, b) at exactly this SIMD level, or NULL when
 * the CPU lacks it. CK_ISA_SCALAR is the reference. */
ck_pairsum_fn ck_pairsum_at(ck_src a, ck_src b, ck_isa isa);

/* The best kernel this CPU runs for sources (a, b). */
ck_pairsum_fn ck_pairsum_kernel(ck_src a, ck_src b);

#endif
