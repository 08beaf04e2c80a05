/* Dequantization kernels for AVX2 (with FMA and F16C), eight floats a
 * register.
 *
 * Each kernel does what its scalar reference does, lane by lane (see
 * dequant_simd.h): integer codes are widened to 32-bit lanes and converted
 * to float (exact); f16 scales and F16 data go through F16C, which is exact
 * and treats a NaN as ck_f16_to_f32 does (sign and payload kept, made
 * quiet); products and differences are separate vmulps / vsubps with the
 * operands in the reference's order. When both operands of a subtraction
 * are NaN, x86 returns the first one, as the scalar subss does.
 *
 * The functions are compiled for FMA (every AVX2 CPU has it, and the
 * dispatcher asks for it), so contraction must stay off: GCC in ISO C mode
 * does not contract, clang needs the pragma.
 */
#include "core/dequant_simd.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include "core/iq_grids.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* ===== helpers ===== */

/* The f16 at p, converted exactly, in every lane. */
AVX2 static inline __m256 half_x8(const uint8_t *p) {
    return _mm256_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(ck_ld16(p))));
}

/* The 8 bytes at p, zero- or sign-extended to 32-bit lanes. */
AVX2 static inline __m256i u8x8(const uint8_t *p) {
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

AVX2 static inline __m256i i8x8(const uint8_t *p) {
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

/* The low 8 bytes of v, signed, as floats. */
AVX2 static inline __m256 i8lo_ps(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }

/* The 8 bytes of a word, low byte first, unsigned, as floats. */
AVX2 static inline __m256 u8x8_ps(uint64_t bytes) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)bytes)));
}

/* ===== F16, BF16: one element a block ===== */

AVX2 static inline void f16x8(const uint8_t *src, float *dst) {
    _mm256_storeu_ps(dst, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)src)));
}

AVX2 static void dq_f16(const uint8_t *restrict src, float *restrict dst, size_t n) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        f16x8(src + 2 * i, dst + i);
        f16x8(src + 2 * i + 16, dst + i + 8);
        f16x8(src + 2 * i + 32, dst + i + 16);
        f16x8(src + 2 * i + 48, dst + i + 24);
    }
    for (; i + 8 <= n; i += 8) f16x8(src + 2 * i, dst + i);
    if (i < n) { /* the last 1..7 through a zero-padded copy */
        uint8_t in[16] = {0};
        float out[8];
        memcpy(in, src + 2 * i, 2 * (n - i));
        f16x8(in, out);
        memcpy(dst + i, out, sizeof(float) * (n - i));
    }
}

/* bfloat16 is the top half of a float32. */
AVX2 static inline void bf16x8(const uint8_t *src, float *dst) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)src));
    _mm256_storeu_si256((__m256i *)dst, _mm256_slli_epi32(w, 16));
}

AVX2 static void dq_bf16(const uint8_t *restrict src, float *restrict dst, size_t n) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        bf16x8(src + 2 * i, dst + i);
        bf16x8(src + 2 * i + 16, dst + i + 8);
        bf16x8(src + 2 * i + 32, dst + i + 16);
        bf16x8(src + 2 * i + 48, dst + i + 24);
    }
    for (; i + 8 <= n; i += 8) bf16x8(src + 2 * i, dst + i);
    if (i < n) {
        uint8_t in[16] = {0};
        float out[8];
        memcpy(in, src + 2 * i, 2 * (n - i));
        bf16x8(in, out);
        memcpy(dst + i, out, sizeof(float) * (n - i));
    }
}

/* ===== legacy quants ===== */

/* Q8_0: d (f16), qs[32] int8. (float)q * d. */
AVX2 static void dq_q8_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 34, dst += 32) {
        const __m256 d = half_x8(src);
        for (int k = 0; k < 4; k++)
            _mm256_storeu_ps(dst + 8 * k, _mm256_mul_ps(_mm256_cvtepi32_ps(i8x8(src + 2 + 8 * k)), d));
    }
}

/* Q4_0: d (f16), qs[16]; low nibbles elements 0..15, high 16..31.
 * (float)(q - 8) * d. */
AVX2 static void dq_q4_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m256i low4 = _mm256_set1_epi32(0x0F), eight = _mm256_set1_epi32(8);
    for (size_t b = 0; b < nblocks; b++, src += 18, dst += 32) {
        const __m256 d = half_x8(src);
        for (int k = 0; k < 2; k++) {
            const __m256i x = u8x8(src + 2 + 8 * k);
            const __m256i lo = _mm256_sub_epi32(_mm256_and_si256(x, low4), eight);
            const __m256i hi = _mm256_sub_epi32(_mm256_srli_epi32(x, 4), eight);
            _mm256_storeu_ps(dst + 8 * k, _mm256_mul_ps(_mm256_cvtepi32_ps(lo), d));
            _mm256_storeu_ps(dst + 16 + 8 * k, _mm256_mul_ps(_mm256_cvtepi32_ps(hi), d));
        }
    }
}

/* ===== k-quants ===== */

/* d * sc and dmin * m of the 8 sub-blocks of a Q4_K / Q5_K block (d at src,
 * dmin at src + 2, packed scales at src + 4). */
AVX2 static inline void scales_q4_k(const uint8_t *src, float dl[8], float ml[8]) {
    uint64_t sc, mn;
    ck_scales_k4(src + 4, &sc, &mn);
    _mm256_storeu_ps(dl, _mm256_mul_ps(half_x8(src), u8x8_ps(sc)));
    _mm256_storeu_ps(ml, _mm256_mul_ps(half_x8(src + 2), u8x8_ps(mn)));
}

/* (d1 * (float)q) - m1, eight lanes. */
AVX2 static inline void store_dq_m(float *dst, __m256 d1, __m256i q, __m256 m1) {
    _mm256_storeu_ps(dst, _mm256_sub_ps(_mm256_mul_ps(d1, _mm256_cvtepi32_ps(q)), m1));
}

/* Q4_K: d, dmin (f16), scales[12], qs[128]. Each 32 bytes of qs: low
 * nibbles sub-block 2c, high nibbles sub-block 2c + 1. */
AVX2 static void dq_q4_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m256i low4 = _mm256_set1_epi32(0x0F);
    for (size_t b = 0; b < nblocks; b++, src += 144) {
        float dl[8], ml[8];
        scales_q4_k(src, dl, ml);
        const uint8_t *q = src + 16;
        for (int c = 0; c < 4; c++, q += 32, dst += 64) {
            const __m256 d1 = _mm256_broadcast_ss(&dl[2 * c]), m1 = _mm256_broadcast_ss(&ml[2 * c]);
            const __m256 d2 = _mm256_broadcast_ss(&dl[2 * c + 1]), m2 = _mm256_broadcast_ss(&ml[2 * c + 1]);
            for (int k = 0; k < 4; k++) {
                const __m256i x = u8x8(q + 8 * k);
                store_dq_m(dst + 8 * k, d1, _mm256_and_si256(x, low4), m1);
                store_dq_m(dst + 32 + 8 * k, d2, _mm256_srli_epi32(x, 4), m2);
            }
        }
    }
}

/* Q5_K: as Q4_K with qh[32] before qs: bit 2c of qh[l] is the fifth bit of
 * element l of sub-block 2c, bit 2c + 1 that of sub-block 2c + 1. */
AVX2 static void dq_q5_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m256i low4 = _mm256_set1_epi32(0x0F), bit4 = _mm256_set1_epi32(0x10);
    for (size_t b = 0; b < nblocks; b++, src += 176) {
        float dl[8], ml[8];
        scales_q4_k(src, dl, ml);
        /* qh, one byte a lane, shifted right by 2 after each pair */
        __m256i h[4];
        for (int k = 0; k < 4; k++) h[k] = u8x8(src + 16 + 8 * k);
        const uint8_t *q = src + 48;
        for (int c = 0; c < 4; c++, q += 32, dst += 64) {
            const __m256 d1 = _mm256_broadcast_ss(&dl[2 * c]), m1 = _mm256_broadcast_ss(&ml[2 * c]);
            const __m256 d2 = _mm256_broadcast_ss(&dl[2 * c + 1]), m2 = _mm256_broadcast_ss(&ml[2 * c + 1]);
            for (int k = 0; k < 4; k++) {
                const __m256i x = u8x8(q + 8 * k);
                const __m256i lo = _mm256_or_si256(_mm256_and_si256(x, low4),
                                                   _mm256_and_si256(_mm256_slli_epi32(h[k], 4), bit4));
                const __m256i hi = _mm256_or_si256(_mm256_srli_epi32(x, 4),
                                                   _mm256_and_si256(_mm256_slli_epi32(h[k], 3), bit4));
                store_dq_m(dst + 8 * k, d1, lo, m1);
                store_dq_m(dst + 32 + 8 * k, d2, hi, m2);
                h[k] = _mm256_srli_epi32(h[k], 2);
            }
        }
    }
}

/* Q6_K: ql[128], qh[64], scales[16] int8, d (f16). Per half of 128: for l
 * in 0..31, elements l, l+32, l+64, l+96 are the low nibble of ql[l], of
 * ql[l+32], the high nibble of ql[l], of ql[l+32], each with two bits of
 * qh[l] (shifts 0, 2, 4, 6) on top, minus 32; (d * sc) * q with the scale
 * of each 16 elements. */
AVX2 static void dq_q6_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m256i low4 = _mm256_set1_epi32(0x0F), three = _mm256_set1_epi32(3);
    const __m256i bits45 = _mm256_set1_epi32(0x30), k32 = _mm256_set1_epi32(32);
    for (size_t b = 0; b < nblocks; b++, src += 210) {
        const __m256 d = half_x8(src + 208);
        for (int h = 0; h < 2; h++, dst += 128) {
            const uint8_t *ql = src + 64 * h, *qh = src + 128 + 32 * h;
            float ds[8];
            _mm256_storeu_ps(ds, _mm256_mul_ps(d, _mm256_cvtepi32_ps(i8x8(src + 192 + 8 * h))));
            for (int k = 0; k < 4; k++) {
                const int l = 8 * k, is = k / 2;
                const __m256i a = u8x8(ql + l), c = u8x8(ql + 32 + l), hh = u8x8(qh + l);
                const __m256i q1 = _mm256_or_si256(_mm256_and_si256(a, low4),
                                                   _mm256_slli_epi32(_mm256_and_si256(hh, three), 4));
                const __m256i q2 = _mm256_or_si256(_mm256_and_si256(c, low4),
                                                   _mm256_and_si256(_mm256_slli_epi32(hh, 2), bits45));
                const __m256i q3 = _mm256_or_si256(_mm256_srli_epi32(a, 4), _mm256_and_si256(hh, bits45));
                const __m256i q4 = _mm256_or_si256(_mm256_srli_epi32(c, 4),
                                                   _mm256_and_si256(_mm256_srli_epi32(hh, 2), bits45));
                _mm256_storeu_ps(dst + l, _mm256_mul_ps(_mm256_broadcast_ss(&ds[is]),
                                                        _mm256_cvtepi32_ps(_mm256_sub_epi32(q1, k32))));
                _mm256_storeu_ps(dst + l + 32, _mm256_mul_ps(_mm256_broadcast_ss(&ds[is + 2]),
                                                             _mm256_cvtepi32_ps(_mm256_sub_epi32(q2, k32))));
                _mm256_storeu_ps(dst + l + 64, _mm256_mul_ps(_mm256_broadcast_ss(&ds[is + 4]),
                                                             _mm256_cvtepi32_ps(_mm256_sub_epi32(q3, k32))));
                _mm256_storeu_ps(dst + l + 96, _mm256_mul_ps(_mm256_broadcast_ss(&ds[is + 6]),
                                                             _mm256_cvtepi32_ps(_mm256_sub_epi32(q4, k32))));
            }
        }
    }
}

/* ===== 4-bit codes through a 16-entry table of int8 (pshufb) ===== */

/* 16 bytes of nibbles at qs through table kv: the int8 values of the low
 * nibbles (elements 0..15) and of the high ones (16..31). */
AVX2 static inline void nibbles_kv(const uint8_t *qs, __m128i kv, __m128i *lo, __m128i *hi) {
    const __m128i low4 = _mm_set1_epi8(0x0F);
    const __m128i v = _mm_loadu_si128((const __m128i *)qs);
    *lo = _mm_shuffle_epi8(kv, _mm_and_si128(v, low4));
    *hi = _mm_shuffle_epi8(kv, _mm_and_si128(_mm_srli_epi16(v, 4), low4));
}

/* IQ4_XS: d (f16), scales_h u16, scales_l[4], qs[128]. Group g: scale
 * ls = nibble g of scales_l | bits 2g..2g+1 of scales_h << 4, and
 * (d * (float)(ls - 32)) * (float)kvalues[q]. */
AVX2 static void dq_iq4_xs(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m128i kv = _mm_loadu_si128((const __m128i *)ck_kvalues_iq4nl);
    const __m256i lshift = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i hshift = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256i low4 = _mm256_set1_epi32(0x0F), three = _mm256_set1_epi32(3);
    const __m256i k32 = _mm256_set1_epi32(32);
    for (size_t b = 0; b < nblocks; b++, src += 136) {
        const __m256i lo = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)ck_ld32(src + 4)), lshift), low4);
        const __m256i hi = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(ck_ld16(src + 2)), hshift), three);
        const __m256i ls = _mm256_sub_epi32(_mm256_or_si256(lo, _mm256_slli_epi32(hi, 4)), k32);
        float dl[8];
        _mm256_storeu_ps(dl, _mm256_mul_ps(half_x8(src), _mm256_cvtepi32_ps(ls)));
        const uint8_t *qs = src + 8;
        for (int g = 0; g < 8; g++, qs += 16, dst += 32) {
            const __m256 s = _mm256_broadcast_ss(&dl[g]);
            __m128i vl, vh;
            nibbles_kv(qs, kv, &vl, &vh);
            _mm256_storeu_ps(dst, _mm256_mul_ps(s, i8lo_ps(vl)));
            _mm256_storeu_ps(dst + 8, _mm256_mul_ps(s, i8lo_ps(_mm_unpackhi_epi64(vl, vl))));
            _mm256_storeu_ps(dst + 16, _mm256_mul_ps(s, i8lo_ps(vh)));
            _mm256_storeu_ps(dst + 24, _mm256_mul_ps(s, i8lo_ps(_mm_unpackhi_epi64(vh, vh))));
        }
    }
}

/* MXFP4: e (E8M0), qs[16]. (float)kvalues_mxfp4[q] * 2^(e - 128). */
AVX2 static void dq_mxfp4(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m128i kv = _mm_loadu_si128((const __m128i *)ck_kvalues_mxfp4);
    for (size_t b = 0; b < nblocks; b++, src += 17, dst += 32) {
        const __m256 d = _mm256_castsi256_ps(_mm256_set1_epi32((int)ck_e8m0_half_bits(src[0])));
        __m128i vl, vh;
        nibbles_kv(src + 1, kv, &vl, &vh);
        _mm256_storeu_ps(dst, _mm256_mul_ps(i8lo_ps(vl), d));
        _mm256_storeu_ps(dst + 8, _mm256_mul_ps(i8lo_ps(_mm_unpackhi_epi64(vl, vl)), d));
        _mm256_storeu_ps(dst + 16, _mm256_mul_ps(i8lo_ps(vh), d));
        _mm256_storeu_ps(dst + 24, _mm256_mul_ps(i8lo_ps(_mm_unpackhi_epi64(vh, vh)), d));
    }
}

/* ===== dispatch ===== */

ck_dequant_fn ck_dequant_avx2_kernel(ck_dtype d) {
    switch (d) {
    case CK_DT_F16: return dq_f16;
    case CK_DT_BF16: return dq_bf16;
    case CK_DT_Q8_0: return dq_q8_0;
    case CK_DT_Q4_0: return dq_q4_0;
    case CK_DT_Q4_K: return dq_q4_k;
    case CK_DT_Q5_K: return dq_q5_k;
    case CK_DT_Q6_K: return dq_q6_k;
    case CK_DT_IQ4_XS: return dq_iq4_xs;
    case CK_DT_MXFP4: return dq_mxfp4;
    default: return NULL;
    }
}

#else

ck_dequant_fn ck_dequant_avx2_kernel(ck_dtype d) {
    (void)d;
    return NULL;
}

#endif
