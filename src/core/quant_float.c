/* Encoding of the plain float types: float32 -> F32, F16, BF16.
 *
 * These are the scalar reference kernels; quant_avx2.c has faster ones that
 * give the same bytes. Output is little-endian and unaligned.
 */
#include "core/quant.h"

#include <string.h>

#include "core/quant_util.h"

/* ===== one value ===== */

/* Round to nearest even, as x86 F16C's vcvtps2ph with rounding mode 0 (and
 * ggml's GGML_FP32_TO_FP16 on x86, which is that instruction): subnormal
 * halves are produced, not flushed; anything from 65520 up (the midpoint
 * between 65504 and 2^16, which ties to the even 2^16) becomes infinity; a
 * NaN keeps its sign and the top 10 bits of its payload and comes out quiet.
 * Integer arithmetic only, so the FPU's rounding mode does not matter. */
uint16_t ck_f32_to_f16(float f) {
    const uint32_t u = ck_f32_bits(f);
    const uint16_t sign = (uint16_t)(u >> 16 & 0x8000u);
    const uint32_t a = u & 0x7FFFFFFFu;
    if (a > 0x7F800000u) return (uint16_t)(sign | 0x7E00u | (a >> 13 & 0x03FFu));
    if (a >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u);
    if (a >= 0x38800000u) { /* normal half: rebias the exponent, round off 13 bits */
        const uint32_t r = a - 0x38000000u;
        return (uint16_t)(sign | (r + 0x0FFFu + (r >> 13 & 1u)) >> 13);
    }
    /* Subnormal half: units of 2^-24. Below 2^-25 (exponent field < 102)
     * everything rounds to zero, 2^-25 itself ties to the even 0. */
    const uint32_t e = a >> 23;
    if (e < 102) return sign;
    const uint32_t m = (a & 0x007FFFFFu) | 0x00800000u;
    const uint32_t shift = 126 - e; /* 14..24 */
    const uint32_t half = 1u << (shift - 1);
    return (uint16_t)(sign | (m + (half - 1) + (m >> shift & 1u)) >> shift);
}

/* ggml_compute_fp32_to_bf16: round to nearest even on the top 16 bits, no
 * flush of subnormals; a NaN is truncated and made quiet (bit 6 of the
 * bfloat16, the top mantissa bit). */
uint16_t ck_f32_to_bf16(float f) {
    const uint32_t u = ck_f32_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)(u >> 16 | 64u);
    return (uint16_t)((u + (0x7FFFu + (u >> 16 & 1u))) >> 16);
}

/* ===== arrays ===== */

void ck_q_f32(const float *restrict src, uint8_t *restrict dst, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(dst, src, n * sizeof *src);
#else
    for (size_t i = 0; i < n; i++) {
        const uint32_t u = ck_f32_bits(src[i]);
        ck_wr16(dst + 4 * i, (uint16_t)u);
        ck_wr16(dst + 4 * i + 2, (uint16_t)(u >> 16));
    }
#endif
}

void ck_q_f16(const float *restrict src, uint8_t *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) ck_wr16(dst + 2 * i, ck_f32_to_f16(src[i]));
}

void ck_q_bf16(const float *restrict src, uint8_t *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) ck_wr16(dst + 2 * i, ck_f32_to_bf16(src[i]));
}
