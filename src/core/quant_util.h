/* Small pieces the quantizers share (quant_*.c): the float-to-integer
 * conversions and block maxima of ggml's reference quantizers, and the
 * little-endian stores of the block fields.
 *
 * Bit-exactness with ggml depends on doing each of these exactly as ggml
 * does, including what happens to NaN and out-of-range values, so each one
 * says which expression of ggml-quants.c it stands for.
 */
#ifndef CK_CORE_QUANT_UTIL_H
#define CK_CORE_QUANT_UTIL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t ck_f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline void ck_wr16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* A float converted to a 32-bit integer the way x86's cvttss2si does it:
 * truncated toward zero, and INT32_MIN for NaN and for anything outside the
 * int32 range. ggml casts floats straight to int8_t / uint8_t, which C leaves
 * undefined out of range; gcc on x86-64 compiles those casts as cvttss2si
 * into a 32-bit register and keeps the low byte, and this reproduces that
 * (callers cast the result to their 8-bit type). */
static inline int32_t ck_cvtt_i32(float f) {
    if (!(f >= -2147483648.0f && f < 2147483648.0f)) return INT32_MIN;
    return (int32_t)f;
}

/* ggml's nearest_int: round half to even through the 1.5 * 2^23 magic
 * number (exact for |f| <= 2^22; beyond that it returns what the bit trick
 * gives, as ggml does with its assertion compiled out). */
static inline int ck_nearest_int(float f) {
    const float v = f + 12582912.f;
    int32_t i;
    memcpy(&i, &v, sizeof i);
    return (i & 0x007FFFFF) - 0x00400000;
}

/* The element of largest magnitude, with its sign; the first one wins a tie
 * and NaNs are passed over (ggml: `if (amax < fabsf(v)) { amax = fabsf(v);
 * max = v; }`). 0 for an all-zero block; *amax gets its magnitude. */
static inline float ck_signed_absmax(const float *x, int n, float *amax) {
    float a = 0.0f, m = 0.0f;
    for (int j = 0; j < n; j++) {
        if (a < fabsf(x[j])) {
            a = fabsf(x[j]);
            m = x[j];
        }
    }
    *amax = a;
    return m;
}

/* ggml's `amax = MAX(amax, fabsf(v))` from amax = 0, MAX(a, b) being
 * `a > b ? a : b`: a NaN element makes amax NaN and the next element
 * replaces it, so the result is NaN only when the last element is. */
static inline float ck_absmax_fold(const float *x, int n) {
    float a = 0.0f;
    for (int j = 0; j < n; j++) {
        const float v = fabsf(x[j]);
        a = a > v ? a : v;
    }
    return a;
}

/* 32 codes into 16 bytes, ggml's layout: code j in the low nibble of byte j,
 * code j + 16 in the high nibble. Codes are not masked: the reference ORs
 * them in as they are. */
static inline void ck_put_nibbles(const uint8_t q[32], uint8_t qs[16]) {
    for (int j = 0; j < 16; j++) qs[j] = (uint8_t)(q[j] | q[j + 16] << 4);
}

#endif
