/* Dequantization kernels for AVX-512 (F, BW, DQ, VL, with F16C), sixteen
 * floats a register.
 *
 * The same operations as the scalar references, lane by lane (see
 * dequant_simd.h and the notes at the top of dequant_avx2.c). Where a block
 * or sub-block maps each 4- or 5-bit code to one of 16 or 32 values, the
 * kernel computes those values once, with the reference's own operations
 * on the same operands (d1 * (float)q - m1 for q = 0..15, say), and looks
 * every element up with vpermps / vpermt2ps, which read only the low 4 or 5
 * bits of each index: a float operation gives the same bits every time, so
 * the result is the one the reference computes element by element.
 *
 * Compiled for AVX-512F, which has FMA: contraction must stay off (GCC in
 * ISO C mode does not contract, clang needs the pragma).
 */
#include "core/dequant_simd.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include "core/iq_grids.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,f16c")))

/* ===== helpers ===== */

/* The f16 at p, converted exactly, in every lane (16 or 8). */
AVX512 static inline __m512 half_x16(const uint8_t *p) {
    return _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(ck_ld16(p))));
}

AVX512 static inline __m256 half_x8(const uint8_t *p) {
    return _mm256_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(ck_ld16(p))));
}

/* The 16 bytes at p, zero- or sign-extended to 32-bit lanes. */
AVX512 static inline __m512i u8x16(const uint8_t *p) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p));
}

AVX512 static inline __m512i i8x16(const uint8_t *p) {
    return _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p));
}

/* The 8 bytes of a word, low byte first, unsigned, as floats. */
AVX512 static inline __m256 u8x8_ps(uint64_t bytes) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)bytes)));
}

/* The 16 int8 values of a table, as floats. */
AVX512 static inline __m512 table_ps(const int8_t *t) {
    return _mm512_cvtepi32_ps(i8x16((const uint8_t *)t));
}

/* Bits 0..3 of a, the others of b: the index of a 16+16-entry lookup whose
 * bit 4 comes from b. */
AVX512 static inline __m512i nibble_over(__m512i a, __m512i b) {
    return _mm512_ternarylogic_epi32(a, b, _mm512_set1_epi32(0x0F), 0xE4); /* c ? a : b */
}

/* ===== F16, BF16: one element a block ===== */

AVX512 static inline void f16x16(const uint8_t *src, float *dst) {
    _mm512_storeu_ps(dst, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)src)));
}

AVX512 static void dq_f16(const uint8_t *restrict src, float *restrict dst, size_t n) {
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        f16x16(src + 2 * i, dst + i);
        f16x16(src + 2 * i + 32, dst + i + 16);
        f16x16(src + 2 * i + 64, dst + i + 32);
        f16x16(src + 2 * i + 96, dst + i + 48);
    }
    for (; i + 16 <= n; i += 16) f16x16(src + 2 * i, dst + i);
    if (i < n) { /* the last 1..15 with masked loads and stores */
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        const __m256i h = _mm256_maskz_loadu_epi16(m, src + 2 * i);
        _mm512_mask_storeu_ps(dst + i, m, _mm512_cvtph_ps(h));
    }
}

/* bfloat16 is the top half of a float32. */
AVX512 static inline __m512i bf16_bits(__m256i h) { return _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16); }

AVX512 static inline void bf16x16(const uint8_t *src, float *dst) {
    _mm512_storeu_si512(dst, bf16_bits(_mm256_loadu_si256((const __m256i *)src)));
}

AVX512 static void dq_bf16(const uint8_t *restrict src, float *restrict dst, size_t n) {
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        bf16x16(src + 2 * i, dst + i);
        bf16x16(src + 2 * i + 32, dst + i + 16);
        bf16x16(src + 2 * i + 64, dst + i + 32);
        bf16x16(src + 2 * i + 96, dst + i + 48);
    }
    for (; i + 16 <= n; i += 16) bf16x16(src + 2 * i, dst + i);
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        const __m256i h = _mm256_maskz_loadu_epi16(m, src + 2 * i);
        _mm512_mask_storeu_epi32(dst + i, m, bf16_bits(h));
    }
}

/* ===== legacy quants ===== */

/* Q8_0: d (f16), qs[32] int8. (float)q * d. */
AVX512 static void dq_q8_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += 34, dst += 32) {
        const __m512 d = half_x16(src);
        _mm512_storeu_ps(dst, _mm512_mul_ps(_mm512_cvtepi32_ps(i8x16(src + 2)), d));
        _mm512_storeu_ps(dst + 16, _mm512_mul_ps(_mm512_cvtepi32_ps(i8x16(src + 18)), d));
    }
}

/* Q4_0: d (f16), qs[16]; low nibbles elements 0..15, high 16..31. The 16
 * values (float)(q - 8) * d, looked up. */
AVX512 static void dq_q4_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m512 codes = _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7);
    for (size_t b = 0; b < nblocks; b++, src += 18, dst += 32) {
        const __m512 t = _mm512_mul_ps(codes, half_x16(src));
        const __m512i x = u8x16(src + 2);
        _mm512_storeu_ps(dst, _mm512_permutexvar_ps(x, t));
        _mm512_storeu_ps(dst + 16, _mm512_permutexvar_ps(_mm512_srli_epi32(x, 4), t));
    }
}

/* ===== k-quants ===== */

/* d * sc and dmin * m of the 8 sub-blocks of a Q4_K / Q5_K block (d at src,
 * dmin at src + 2, packed scales at src + 4). */
AVX512 static inline void scales_q4_k(const uint8_t *src, float dl[8], float ml[8]) {
    uint64_t sc, mn;
    ck_scales_k4(src + 4, &sc, &mn);
    _mm256_storeu_ps(dl, _mm256_mul_ps(half_x8(src), u8x8_ps(sc)));
    _mm256_storeu_ps(ml, _mm256_mul_ps(half_x8(src + 2), u8x8_ps(mn)));
}

/* The table (d1 * (float)q) - m1 for q = the 16 codes. */
AVX512 static inline __m512 table_dm(const float *d1, __m512 codes, const float *m1) {
    return _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(*d1), codes), _mm512_set1_ps(*m1));
}

/* Q4_K: d, dmin (f16), scales[12], qs[128]. Each 32 bytes of qs: low
 * nibbles sub-block 2c, high nibbles sub-block 2c + 1. */
AVX512 static void dq_q4_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m512 codes = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (size_t b = 0; b < nblocks; b++, src += 144) {
        float dl[8], ml[8];
        scales_q4_k(src, dl, ml);
        const uint8_t *q = src + 16;
        for (int c = 0; c < 4; c++, q += 32, dst += 64) {
            const __m512 t1 = table_dm(&dl[2 * c], codes, &ml[2 * c]);
            const __m512 t2 = table_dm(&dl[2 * c + 1], codes, &ml[2 * c + 1]);
            const __m512i x0 = u8x16(q), x1 = u8x16(q + 16);
            _mm512_storeu_ps(dst, _mm512_permutexvar_ps(x0, t1));
            _mm512_storeu_ps(dst + 16, _mm512_permutexvar_ps(x1, t1));
            _mm512_storeu_ps(dst + 32, _mm512_permutexvar_ps(_mm512_srli_epi32(x0, 4), t2));
            _mm512_storeu_ps(dst + 48, _mm512_permutexvar_ps(_mm512_srli_epi32(x1, 4), t2));
        }
    }
}

/* Q5_K: as Q4_K with qh[32] before qs: bit 2c of qh[l] is the fifth bit of
 * element l of sub-block 2c, bit 2c + 1 that of sub-block 2c + 1. Tables
 * of the 32 values of each sub-block, in two registers. */
AVX512 static void dq_q5_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m512 codes = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512 codes16 = _mm512_add_ps(codes, _mm512_set1_ps(16)); /* exact */
    for (size_t b = 0; b < nblocks; b++, src += 176) {
        float dl[8], ml[8];
        scales_q4_k(src, dl, ml);
        /* qh, one byte a lane, shifted right by 2 after each pair */
        __m512i h0 = u8x16(src + 16), h1 = u8x16(src + 32);
        const uint8_t *q = src + 48;
        for (int c = 0; c < 4; c++, q += 32, dst += 64) {
            const __m512 t1a = table_dm(&dl[2 * c], codes, &ml[2 * c]);
            const __m512 t1b = table_dm(&dl[2 * c], codes16, &ml[2 * c]);
            const __m512 t2a = table_dm(&dl[2 * c + 1], codes, &ml[2 * c + 1]);
            const __m512 t2b = table_dm(&dl[2 * c + 1], codes16, &ml[2 * c + 1]);
            const __m512i x0 = u8x16(q), x1 = u8x16(q + 16);
            const __m512i lo0 = nibble_over(x0, _mm512_slli_epi32(h0, 4));
            const __m512i lo1 = nibble_over(x1, _mm512_slli_epi32(h1, 4));
            const __m512i hi0 = nibble_over(_mm512_srli_epi32(x0, 4), _mm512_slli_epi32(h0, 3));
            const __m512i hi1 = nibble_over(_mm512_srli_epi32(x1, 4), _mm512_slli_epi32(h1, 3));
            _mm512_storeu_ps(dst, _mm512_permutex2var_ps(t1a, lo0, t1b));
            _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(t1a, lo1, t1b));
            _mm512_storeu_ps(dst + 32, _mm512_permutex2var_ps(t2a, hi0, t2b));
            _mm512_storeu_ps(dst + 48, _mm512_permutex2var_ps(t2a, hi1, t2b));
            h0 = _mm512_srli_epi32(h0, 2);
            h1 = _mm512_srli_epi32(h1, 2);
        }
    }
}

/* 16 signed bytes of q times the scale s, to dst. */
AVX512 static inline void store_q6(float *dst, const float *s, __m128i q) {
    _mm512_storeu_ps(dst, _mm512_mul_ps(_mm512_set1_ps(*s), _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q))));
}

/* Q6_K: ql[128], qh[64], scales[16] int8, d (f16). Per half of 128: for l
 * in 0..31, elements l, l+32, l+64, l+96 are the low nibble of ql[l], of
 * ql[l+32], the high nibble of ql[l], of ql[l+32], each with two bits of
 * qh[l] (shifts 0, 2, 4, 6) on top, minus 32; (d * sc) * q with the scale
 * of each 16 elements. The 6-bit codes of a half are put together 64 at a
 * time, in element order: ql[0..63] with qh twice. */
AVX512 static void dq_q6_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m512i low4 = _mm512_set1_epi8(0x0F), bits45 = _mm512_set1_epi8(0x30);
    const __m512i k32 = _mm512_set1_epi8(32);
    /* qh bits 0-1 (elements 0..31) and 2-3 (32..63) up to bits 4-5; bits
     * 4-5 and 6-7 (64..127) the same way down */
    const __m512i up = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    const __m512i down = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    for (size_t b = 0; b < nblocks; b++, src += 210) {
        const __m256 d = half_x8(src + 208);
        for (int h = 0; h < 2; h++, dst += 128) {
            float ds[8];
            _mm256_storeu_ps(ds, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
                                                      _mm_loadl_epi64((const __m128i *)(src + 192 + 8 * h))))));
            /* Read ds back from memory: each use then broadcasts it with a
             * load, where the compiler would otherwise shuffle it out of
             * the register, two shuffles a scale on the one shuffle port. */
            __asm__("" ::: "memory");
            const __m512i ql = _mm512_loadu_si512(src + 64 * h);
            const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(src + 128 + 32 * h)));
            const __m512i hlo = _mm512_and_si512(_mm512_sllv_epi16(qh, up), bits45);
            const __m512i hhi = _mm512_and_si512(_mm512_srlv_epi16(qh, down), bits45);
            /* c ? a : b per bit, c = 0x0F: the nibble from ql, bits 4-5 from qh */
            const __m512i qa = _mm512_sub_epi8(_mm512_ternarylogic_epi32(ql, hlo, low4, 0xE4), k32);
            const __m512i qb = _mm512_sub_epi8(
                _mm512_ternarylogic_epi32(_mm512_srli_epi16(ql, 4), hhi, low4, 0xE4), k32);
            store_q6(dst, &ds[0], _mm512_castsi512_si128(qa));
            store_q6(dst + 16, &ds[1], _mm512_extracti32x4_epi32(qa, 1));
            store_q6(dst + 32, &ds[2], _mm512_extracti32x4_epi32(qa, 2));
            store_q6(dst + 48, &ds[3], _mm512_extracti32x4_epi32(qa, 3));
            store_q6(dst + 64, &ds[4], _mm512_castsi512_si128(qb));
            store_q6(dst + 80, &ds[5], _mm512_extracti32x4_epi32(qb, 1));
            store_q6(dst + 96, &ds[6], _mm512_extracti32x4_epi32(qb, 2));
            store_q6(dst + 112, &ds[7], _mm512_extracti32x4_epi32(qb, 3));
        }
    }
}

/* ===== 4-bit codes through a 16-entry table ===== */

/* IQ4_XS: d (f16), scales_h u16, scales_l[4], qs[128]. Group g: scale
 * ls = nibble g of scales_l | bits 2g..2g+1 of scales_h << 4, and
 * (d * (float)(ls - 32)) * (float)kvalues[q]: the 16 products a group,
 * looked up. */
AVX512 static void dq_iq4_xs(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m512 kv = table_ps(ck_kvalues_iq4nl);
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
            const __m512 t = _mm512_mul_ps(_mm512_set1_ps(dl[g]), kv);
            const __m512i x = u8x16(qs);
            _mm512_storeu_ps(dst, _mm512_permutexvar_ps(x, t));
            _mm512_storeu_ps(dst + 16, _mm512_permutexvar_ps(_mm512_srli_epi32(x, 4), t));
        }
    }
}

/* MXFP4: e (E8M0), qs[16]. (float)kvalues_mxfp4[q] * 2^(e - 128): the 16
 * products a block, looked up. */
AVX512 static void dq_mxfp4(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    const __m512 kv = table_ps(ck_kvalues_mxfp4);
    for (size_t b = 0; b < nblocks; b++, src += 17, dst += 32) {
        const __m512 d = _mm512_castsi512_ps(_mm512_set1_epi32((int)ck_e8m0_half_bits(src[0])));
        const __m512 t = _mm512_mul_ps(kv, d);
        const __m512i x = u8x16(src + 1);
        _mm512_storeu_ps(dst, _mm512_permutexvar_ps(x, t));
        _mm512_storeu_ps(dst + 16, _mm512_permutexvar_ps(_mm512_srli_epi32(x, 4), t));
    }
}

/* ===== dispatch ===== */

ck_dequant_fn ck_dequant_avx512_kernel(ck_dtype d) {
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

ck_dequant_fn ck_dequant_avx512_kernel(ck_dtype d) {
    (void)d;
    return NULL;
}

#endif
