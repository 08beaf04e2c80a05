/* The SIMD chunk kernels (reduce_simd.c), by source; NULL off x86-64. */
#ifndef CK_CORE_REDUCE_SIMD_H
#define CK_CORE_REDUCE_SIMD_H

#include "reduce.h"

ck_chunk_fn ck_chunk_stats_avx2(ck_src src);
ck_chunk_fn ck_chunk_stats_avx512(ck_src src);

#endif
