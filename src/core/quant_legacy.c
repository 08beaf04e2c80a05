/* Encoding of ggml's legacy 32-element block quants: Q4_0, Q4_1, Q5_0,
 * Q5_1, Q8_0, as ggml's quantize_row_*_ref (ggml-quants.c) does them.
 *
 * The scale is computed from the block's extremes in float, the codes from
 * the UNROUNDED scale (x * (1/d), a multiplication by the reciprocal, not a
 * division), and only the stored d (and m) is rounded to f16. Codes come from
 * truncating casts of x*id + offset, except in Q8_0 which uses roundf. The
 * block layouts are those the decoders in dequant_legacy.c read.
 *
 * GCC in ISO C mode does not contract a*b+c into a fused multiply-add, which
 * would change the results; clang needs the pragma.
 */
#include "core/quant.h"

#include <float.h>
#include <math.h>

#include "core/quant_util.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK 32

/* ===== codes ===== */

/* Q4_0 / Q5_0: symmetric around the element of largest magnitude, kept with
 * its sign, which gets the code 0: d = max / -2^(bits-1). Codes are
 * MIN(2^bits - 1, (int8_t)(x*id + 2^(bits-1) + 0.5)). Returns d. */
static float codes_sym(const float *x, int bits, uint8_t q[QK]) {
    const int half = 1 << (bits - 1);
    const int top = 2 * half - 1;
    const float offset = (float)half + 0.5f;
    float amax;
    const float max = ck_signed_absmax(x, QK, &amax);
    const float d = max / (float)-half;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int j = 0; j < QK; j++) {
        const int xi = (int8_t)ck_cvtt_i32(x[j] * id + offset);
        q[j] = (uint8_t)(xi < top ? xi : top);
    }
    return d;
}

/* Q4_1 / Q5_1: from the block's min to its max (NaNs passed over, as ggml's
 * `if (v < min)` / `if (v > max)` do), d = (max - min) / (2^bits - 1).
 * Codes are (x - min)*id + 0.5 truncated; Q4_1 goes through int8_t and
 * clamps to 15, Q5_1 casts to uint8_t and does not clamp. Returns d, and
 * the min in *min_out. */
static float codes_asym(const float *x, int bits, uint8_t q[QK], float *min_out) {
    const int top = (1 << bits) - 1;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < QK; j++) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / (float)top;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int j = 0; j < QK; j++) {
        const int32_t v = ck_cvtt_i32((x[j] - min) * id + 0.5f);
        if (bits == 4) {
            const int xi = (int8_t)v;
            q[j] = (uint8_t)(xi < top ? xi : top);
        } else {
            q[j] = (uint8_t)v;
        }
    }
    *min_out = min;
    return d;
}

/* ===== block layouts ===== */

/* qh (little-endian u32): bit j is bit 4 of code j; qs: the low nibbles. */
static void put_q5(const uint8_t q[QK], uint8_t *qh, uint8_t *qs) {
    uint8_t lo[QK];
    uint32_t h = 0;
    for (int j = 0; j < QK; j++) {
        lo[j] = q[j] & 0x0F;
        h |= (uint32_t)(q[j] >> 4 & 1u) << j;
    }
    for (int k = 0; k < 4; k++) qh[k] = (uint8_t)(h >> (8 * k));
    ck_put_nibbles(lo, qs);
}

/* Q4_0: d (f16), qs[16]. */
void ck_q_q4_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    uint8_t q[QK];
    for (size_t b = 0; b < nblocks; b++, src += QK, dst += 18) {
        ck_wr16(dst, ck_f32_to_f16(codes_sym(src, 4, q)));
        ck_put_nibbles(q, dst + 2);
    }
}

/* Q5_0: d (f16), qh[4], qs[16]. */
void ck_q_q5_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    uint8_t q[QK];
    for (size_t b = 0; b < nblocks; b++, src += QK, dst += 22) {
        ck_wr16(dst, ck_f32_to_f16(codes_sym(src, 5, q)));
        put_q5(q, dst + 2, dst + 6);
    }
}

/* Q4_1: d, m (f16), qs[16]. */
void ck_q_q4_1(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    uint8_t q[QK];
    float min;
    for (size_t b = 0; b < nblocks; b++, src += QK, dst += 20) {
        ck_wr16(dst, ck_f32_to_f16(codes_asym(src, 4, q, &min)));
        ck_wr16(dst + 2, ck_f32_to_f16(min));
        ck_put_nibbles(q, dst + 4);
    }
}

/* Q5_1: d, m (f16), qh[4], qs[16]. */
void ck_q_q5_1(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    uint8_t q[QK];
    float min;
    for (size_t b = 0; b < nblocks; b++, src += QK, dst += 24) {
        ck_wr16(dst, ck_f32_to_f16(codes_asym(src, 5, q, &min)));
        ck_wr16(dst + 2, ck_f32_to_f16(min));
        put_q5(q, dst + 4, dst + 8);
    }
}

/* Q8_0: d (f16), qs[32] int8. d = amax / 127 (amax as ggml's MAX fold
 * finds it), q = roundf(x * id), half away from zero, cast to int8_t. This
 * is the scalar reference of the AVX2 kernel in quant_avx2.c. */
void ck_q_q8_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks) {
    for (size_t b = 0; b < nblocks; b++, src += QK, dst += 34) {
        const float d = ck_absmax_fold(src, QK) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        ck_wr16(dst, ck_f32_to_f16(d));
        for (int j = 0; j < QK; j++) dst[2 + j] = (uint8_t)ck_cvtt_i32(roundf(src[j] * id));
    }
}
