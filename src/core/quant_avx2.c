/* Quantization kernels for AVX2 (with F16C), eight floats a register:
 * F16, BF16 and Q8_0, the encoders that ckpt convert runs at memory speed.
 *
 * Each gives the bytes of its scalar reference (quant_float.c,
 * quant_legacy.c) for every input:
 *   F16   vcvtps2ph with rounding mode 0 is the definition ck_f32_to_f16
 *         follows (round to nearest even, subnormals kept, NaN made quiet).
 *   BF16  the same integer formula as ck_f32_to_bf16, lane by lane.
 *   Q8_0  the block maximum of |x| is order-independent unless a NaN is in
 *         the block (ggml's MAX fold then depends on where it is), so such
 *         blocks go to the scalar kernel; d = amax / 127 and 1 / d are the
 *         same scalar divisions; x * id is one vmulps; roundf (half away
 *         from zero) is done exactly from the truncation and the remainder;
 *         vcvttps2dq gives INT32_MIN for NaN and overflow as cvttss2si does,
 *         and the low byte of each lane is kept, as the scalar cast keeps it.
 *
 * The target includes FMA (the dispatcher asks for it), so contraction must
 * stay off: GCC in ISO C mode does not contract, clang needs the pragma.
 */
#include "core/quant_simd.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include <string.h>

#include "core/quant_util.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* ===== F16, BF16 ===== */

/* n floats (n < 8) through a zero-padded register-sized copy. */
#define TAIL(n, src, dst, body8)                                    \
    do {                                                            \
        float in_[8] = {0};                                         \
        uint8_t out_[16];                                           \
        memcpy(in_, (src), sizeof(float) * (n));                    \
        body8(in_, out_);                                           \
        memcpy((dst), out_, 2 * (n));                               \
    } while (0)

AVX2 static inline void f16x8(const float *src, uint8_t *dst) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128((__m128i *)dst, h);
}

AVX2 static void q_f16(const float *restrict src, uint8_t *restrict dst, size_t n) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 32; k += 8) f16x8(src + i + k, dst + 2 * (i + k));
    for (; i + 8 <= n; i += 8) f16x8(src + i, dst + 2 * i);
    if (i < n) TAIL(n - i, src + i, dst + 2 * i, f16x8);
}

/* ck_f32_to_bf16 on 8 lanes, as 32-bit values (the bfloat16 in the low
 * half): NaN -> (u >> 16) | 64, else (u + 0x7FFF + ((u >> 16) & 1)) >> 16. */
AVX2 static inline __m256i bf16_lanes(__m256i u) {
    const __m256i hi = _mm256_srli_epi32(u, 16);
    const __m256i abs = _mm256_and_si256(u, _mm256_set1_epi32(0x7FFFFFFF));
    const __m256i nan = _mm256_cmpgt_epi32(abs, _mm256_set1_epi32(0x7F800000));
    const __m256i bias = _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), _mm256_and_si256(hi, _mm256_set1_epi32(1)));
    const __m256i rne = _mm256_srli_epi32(_mm256_add_epi32(u, bias), 16);
    const __m256i quiet = _mm256_or_si256(hi, _mm256_set1_epi32(64));
    return _mm256_blendv_epi8(rne, quiet, nan);
}

/* 16 floats -> 16 bfloat16. packus keeps the 16-bit values (all <= 0xFFFF)
 * but interleaves the 128-bit halves; the permute puts them back in order. */
AVX2 static inline void bf16x16(const float *src, uint8_t *dst) {
    const __m256i a = bf16_lanes(_mm256_loadu_si256((const __m256i *)src));
    const __m256i b = bf16_lanes(_mm256_loadu_si256((const __m256i *)(src + 8)));
    const __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xD8);
    _mm256_storeu_si256((__m256i *)dst, p);
}

AVX2 static inline void bf16x8(const float *src, uint8_t *dst) {
    const __m256i a = bf16_lanes(_mm256_loadu_si256((const __m256i *)src));
    const __m128i p = _mm_packus_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    _mm_storeu_si128((__m128i *)dst, p);
}

AVX2 static void q_bf16(const float *restrict src, uint8_t *restrict dst, size_t n) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        bf16x16(src + i, dst + 2 * i);
        bf16x16(src + i + 16, dst + 2 * (i + 16));
    }
    for (; i + 8 <= n; i += 8) bf16x8(src + i, dst + 2 * i);
    if (i < n) TAIL(n - i, src + i, dst + 2 * i, bf16x8);
}

/* ===== Q8_0 ===== */

/* roundf on 8 lanes, exactly: trunc(y), plus copysign(1, y) when the
 * remainder y - trunc(y) (exact) is at least one half. Infinities and NaNs
 * pass through (their remainder is NaN, which compares false). */
AVX2 static inline __m256 round_away(__m256 y) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 t = _mm256_round_ps(y, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 r = _mm256_andnot_ps(sign, _mm256_sub_ps(y, t));
    const __m256 big = _mm256_cmp_ps(r, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    const __m256 one = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(y, sign));
    return _mm256_add_ps(t, _mm256_and_ps(big, one));
}

/* The low byte of (int32)roundf(x * id) in each lane, as 32-bit lanes. */
AVX2 static inline __m256i q8_lanes(__m256 x, __m256 id) {
    const __m256i q = _mm256_cvttps_epi32(round_away(_mm256_mul_ps(x, id)));
    return _mm256_and_si256(q, _mm256_set1_epi32(0xFF));
}

/* The largest of 8 lanes (no NaN among them: max is then order-free). */
AVX2 static inline float hmax(__m256 m) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

AVX2 static void q_q8_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (size_t b = 0; b < nblocks; b++, src += 32, dst += 34) {
        const __m256 x0 = _mm256_loadu_ps(src), x1 = _mm256_loadu_ps(src + 8);
        const __m256 x2 = _mm256_loadu_ps(src + 16), x3 = _mm256_loadu_ps(src + 24);
        const __m256 a01 = _mm256_max_ps(_mm256_andnot_ps(sign, x0), _mm256_andnot_ps(sign, x1));
        const __m256 a23 = _mm256_max_ps(_mm256_andnot_ps(sign, x2), _mm256_andnot_ps(sign, x3));
        /* Any NaN in the block: the scalar kernel knows what the MAX fold makes of it. */
        const __m256 nan = _mm256_or_ps(_mm256_cmp_ps(x0, x1, _CMP_UNORD_Q), _mm256_cmp_ps(x2, x3, _CMP_UNORD_Q));
        if (_mm256_movemask_ps(nan)) {
            ck_q_q8_0(src, dst, 1);
            continue;
        }
        const float d = hmax(_mm256_max_ps(a01, a23)) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        ck_wr16(dst, (uint16_t)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(d), _MM_FROUND_TO_NEAREST_INT), 0));
        const __m256 vid = _mm256_set1_ps(id);
        const __m256i p01 = _mm256_packus_epi32(q8_lanes(x0, vid), q8_lanes(x1, vid));
        const __m256i p23 = _mm256_packus_epi32(q8_lanes(x2, vid), q8_lanes(x3, vid));
        /* bytes now x0[0..3] x1[0..3] x2[0..3] x3[0..3] | x0[4..7] ... */
        const __m256i q = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(p01, p23), order);
        _mm256_storeu_si256((__m256i *)(dst + 2), q);
    }
}

/* ===== dispatch ===== */

ck_quant_fn ck_quant_avx2_kernel(ck_dtype d) {
    switch (d) {
    case CK_DT_F16: return q_f16;
    case CK_DT_BF16: return q_bf16;
    case CK_DT_Q8_0: return q_q8_0;
    default: return NULL;
    }
}

#else

ck_quant_fn ck_quant_avx2_kernel(ck_dtype d) {
    (void)d;
    return NULL;
}

#endif
