/* The 16-lane accumulator shared by the scalar and SIMD chunk kernels: the
 * lane operations and the fold are one piece of C, so every variant ends in
 * the same bits. Internal to reduce.c and reduce_simd.c (and to the pair
 * kernels of diff, pairsum_lanes.h, for LANES, is_finite and src_value). */
#ifndef CK_CORE_REDUCE_LANES_H
#define CK_CORE_REDUCE_LANES_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dequant.h"
#include "reduce.h"

#define LANES 16

typedef struct lanes {
    double sum[LANES], comp[LANES], dev[LANES], dev2[LANES];
    float min[LANES], max[LANES];
    uint64_t nan, inf, zeros;
} lanes;

static inline void lanes_init(lanes *l) {
    memset(l, 0, sizeof *l);
    for (int i = 0; i < LANES; i++) {
        l->min[i] = INFINITY;
        l->max[i] = -INFINITY;
    }
}

static inline int is_finite(float x) { return fabsf(x) <= FLT_MAX; }

/* Value i of the source, as float (exact for every source). */
static inline float src_value(const void *src, ck_src kind, size_t i) {
    const uint8_t *p = (const uint8_t *)src;
    switch (kind) {
    case CK_SRC_F16: return ck_f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
    case CK_SRC_BF16: return ck_bf16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
    default: {
        float x;
        memcpy(&x, p + 4 * i, 4);
        return x;
    }
    }
}

/* The shift K: the first finite value, or 0. */
static inline double first_finite(const void *src, ck_src kind, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = src_value(src, kind, i);
        if (is_finite(x)) return x;
    }
    return 0.0;
}

/* Values [from, n) in lane order, starting at lane from % 16. */
static inline void lanes_tail(lanes *l, const void *src, ck_src kind, size_t from, size_t n, double shift) {
    for (size_t i = from; i < n; i++) {
        float x = src_value(src, kind, i);
        int k = (int)(i % LANES);
        l->nan += x != x;
        l->inf += fabsf(x) == INFINITY;
        l->zeros += x == 0.0f;
        double y = is_finite(x) ? (double)x : 0.0;
        double d = is_finite(x) ? y - shift : 0.0;
        /* TwoSum: t + err == sum + y exactly. */
        double t = l->sum[k] + y, z = t - l->sum[k];
        l->comp[k] += (l->sum[k] - (t - z)) + (y - z);
        l->sum[k] = t;
        l->dev[k] += d;
        l->dev2[k] += d * d;
        if (is_finite(x)) {
            l->min[k] = x < l->min[k] ? x : l->min[k];
            l->max[k] = x > l->max[k] ? x : l->max[k];
        }
    }
}

/* Fold the lanes into the chunk's figures (defined in reduce.c). */
void ck_lanes_finish(lanes *l, size_t n, double shift, ck_chunk_stats *out);

#endif
