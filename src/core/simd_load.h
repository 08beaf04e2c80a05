/* What the SIMD kernels that read F32, F16 and BF16 values in place share:
 * the target attributes of each level, and loading 8 (AVX2) or 16 (AVX-512)
 * values of a stored type as float32. Internal to reduce_simd.c and
 * pairsum_simd.c; x86-64 only. */
#ifndef CK_CORE_SIMD_LOAD_H
#define CK_CORE_SIMD_LOAD_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "reduce_lanes.h"  /* ck_src */

#define INLINE static inline __attribute__((always_inline))
#define AVX2 __attribute__((target("avx2,fma,f16c,popcnt")))
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,f16c,popcnt")))

/* Eight values from value i on. */
AVX2 INLINE __m256 load8(const void *src, ck_src kind, size_t i) {
    const uint8_t *p = (const uint8_t *)src;
    switch (kind) {
    case CK_SRC_F16: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 2 * i)));
    case CK_SRC_BF16:
        return _mm256_castsi256_ps(
            _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p + 2 * i))), 16));
    default: return _mm256_loadu_ps((const float *)(p + 4 * i));
    }
}

/* Sixteen values from value i on. */
AVX512 INLINE __m512 load16(const void *src, ck_src kind, size_t i) {
    const uint8_t *p = (const uint8_t *)src;
    switch (kind) {
    case CK_SRC_F16: return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p + 2 * i)));
    case CK_SRC_BF16:
        return _mm512_castsi512_ps(
            _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p + 2 * i))), 16));
    default: return _mm512_loadu_ps((const float *)(p + 4 * i));
    }
}

#endif
