/* Dequantization of the plain types: IEEE floats, integers, bool, complex,
 * and the OCP 8/6/4-bit floats, each to float32.
 *
 * Every multi-byte value is little-endian in the data and src is unaligned:
 * values are assembled from bytes, never read through a cast pointer.
 *
 * Special values of the small floats follow ml_dtypes, the reference that
 * PyTorch and JAX share for these types: a NaN becomes the float32 quiet NaN
 * (0x7FC00000) with the sign bit of its encoding; formats without an
 * infinity have none; FNUZ formats have no negative zero.
 */
#include "core/dequant.h"

#include <string.h>

/* ===== byte order and bit patterns ===== */

static inline uint16_t rd16(const uint8_t *p) {
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p) {
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static inline float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#define F32_QNAN 0x7FC00000u

/* ===== half precision and bfloat16 ===== */

/* IEEE binary16 -> binary32, exact. Subnormals (man * 2^-24) become
 * normal float32s; a NaN keeps its sign and payload (shifted to the top of
 * the float32 mantissa) and comes out quiet, as x86 F16C (vcvtph2ps) and ARM
 * FCVT convert it. */
static inline float half_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1Fu;
    const uint32_t man = h & 0x3FFu;
    /* all three cases, then a select: no branch to mispredict */
    const uint32_t normal = (exp + (127 - 15)) << 23 | man << 13;
    const uint32_t special = 0x7F800000u | man << 13 | (man ? 0x00400000u : 0);
    const float sub = (float)man * bits_f32((127 - 24) << 23); /* man * 2^-24, exact */
    uint32_t subnormal;
    memcpy(&subnormal, &sub, sizeof subnormal);
    const uint32_t bits = exp == 0 ? subnormal : exp == 0x1F ? special : normal;
    return bits_f32(sign | bits);
}

float ck_f16_to_f32(uint16_t h) { return half_to_f32(h); }

/* bfloat16 is the top half of a float32: every pattern, NaN payloads
 * included, widens by a shift. */
float ck_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

/* ===== small floats ===== */

/* The finite value of a small float with ebits exponent bits, mbits mantissa
 * bits and the sign just above them (sign 0 when the format has none).
 * The caller handles NaN and infinity. Exact: every value of these formats
 * is a normal float32. */
static inline float mini_to_f32(uint32_t v, int ebits, int mbits, int bias) {
    const uint32_t sign = (v >> (ebits + mbits) & 1u) << 31;
    const uint32_t exp = v >> mbits & ((1u << ebits) - 1);
    const uint32_t man = v & ((1u << mbits) - 1);
    uint32_t bits;
    if (exp != 0) {
        bits = (uint32_t)((int)exp - bias + 127) << 23 | man << (23 - mbits);
    } else {
        /* subnormal (or zero): man * 2^(1 - bias - mbits), exact in float32 */
        const float f = (float)man * bits_f32((uint32_t)(1 - bias - mbits + 127) << 23);
        memcpy(&bits, &f, sizeof bits);
    }
    return bits_f32(sign | bits);
}

/* OCP FP8 E4M3 ("E4M3FN"): bias 7, no infinity, S.1111.111 is NaN.
 * Largest finite 0x7E = 448. */
static inline float e4m3_to_f32(uint8_t b) {
    if ((b & 0x7F) == 0x7F) return bits_f32((uint32_t)(b & 0x80) << 24 | F32_QNAN);
    return mini_to_f32(b, 4, 3, 7);
}

/* OCP FP8 E5M2: bias 15 with IEEE infinities and NaNs (the top byte of a
 * binary16). Largest finite 0x7B = 57344. */
static inline float e5m2_to_f32(uint8_t b) {
    uint32_t sign = (uint32_t)(b & 0x80) << 24;
    if ((b & 0x7C) == 0x7C) return bits_f32(sign | ((b & 3) ? F32_QNAN : 0x7F800000u));
    return mini_to_f32(b, 5, 2, 15);
}

/* E8M0 (OCP MX scale): no sign, no mantissa, 2^(e - 127); 0xFF is NaN.
 * e = 0 is 2^-127, a float32 subnormal. */
static inline float e8m0_to_f32(uint8_t b) {
    if (b == 0xFF) return bits_f32(F32_QNAN);
    if (b == 0) return bits_f32(0x00400000u);
    return bits_f32((uint32_t)b << 23);
}

/* FNUZ formats (finite, NaN, unsigned zero): 0x80 is the only NaN (its sign
 * bit is set, and ml_dtypes carries it over), there is no infinity and no
 * negative zero. E4M3FNUZ: bias 8, largest 240; E5M2FNUZ: bias 16, largest
 * 57344. */
static inline float e4m3fnuz_to_f32(uint8_t b) {
    if (b == 0x80) return bits_f32(0x80000000u | F32_QNAN);
    return mini_to_f32(b, 4, 3, 8);
}

static inline float e5m2fnuz_to_f32(uint8_t b) {
    if (b == 0x80) return bits_f32(0x80000000u | F32_QNAN);
    return mini_to_f32(b, 5, 2, 16);
}

/* ===== IEEE floats ===== */

void ck_dq_f32(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = bits_f32(rd32(src + 4 * i));
}

void ck_dq_f16(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = half_to_f32(rd16(src + 2 * i));
}

void ck_dq_bf16(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = bits_f32((uint32_t)rd16(src + 2 * i) << 16);
}

/* double -> float as a C cast does: round to nearest even, overflow to
 * infinity, NaN stays NaN. */
void ck_dq_f64(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint64_t u = rd64(src + 8 * i);
        double d;
        memcpy(&d, &u, sizeof d);
        dst[i] = (float)d;
    }
}

/* Complex64: each element is two float32, real then imaginary; both are
 * written, so an element takes two floats of dst. */
void ck_dq_c64(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < 2 * n; i++) dst[i] = bits_f32(rd32(src + 4 * i));
}

/* ===== integers and bool: as a C cast (round to nearest even above 2^24) ===== */

void ck_dq_i8(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)(int8_t)src[i];
}

void ck_dq_u8(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)src[i];
}

void ck_dq_i16(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)(int16_t)rd16(src + 2 * i);
}

void ck_dq_u16(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)rd16(src + 2 * i);
}

void ck_dq_i32(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)(int32_t)rd32(src + 4 * i);
}

void ck_dq_u32(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)rd32(src + 4 * i);
}

void ck_dq_i64(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)(int64_t)rd64(src + 8 * i);
}

void ck_dq_u64(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)rd64(src + 8 * i);
}

/* 0 is false; any other byte is true, as numpy and PyTorch read a bool. */
void ck_dq_bool(const uint8_t *restrict src, float *restrict dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = src[i] ? 1.0f : 0.0f;
}

/* ===== 8-bit floats ===== */

/* Long runs decode through a 256-entry table built from the same decoder
 * (so both paths give the same bits); short runs decode directly. */
#define DQ_BYTE_KERNEL(name, decode)                                          \
    void name(const uint8_t *restrict src, float *restrict dst, size_t n) {   \
        if (n < 1024) {                                                       \
            for (size_t i = 0; i < n; i++) dst[i] = decode(src[i]);           \
            return;                                                           \
        }                                                                     \
        float lut[256];                                                       \
        for (unsigned v = 0; v < 256; v++) lut[v] = decode((uint8_t)v);       \
        for (size_t i = 0; i < n; i++) dst[i] = lut[src[i]];                  \
    }

DQ_BYTE_KERNEL(ck_dq_f8_e4m3, e4m3_to_f32)
DQ_BYTE_KERNEL(ck_dq_f8_e5m2, e5m2_to_f32)
DQ_BYTE_KERNEL(ck_dq_f8_e8m0, e8m0_to_f32)
DQ_BYTE_KERNEL(ck_dq_f8_e4m3fnuz, e4m3fnuz_to_f32)
DQ_BYTE_KERNEL(ck_dq_f8_e5m2fnuz, e5m2fnuz_to_f32)

/* ===== sub-byte floats (OCP MX FP6 and FP4: no infinity, no NaN) =====
 *
 * Packing. safetensors defines only the sizes (the crate's Dtype::bitsize:
 * F4 = 4 bits, F6_E2M3 = F6_E3M2 = 6 bits), not the order of the elements in
 * a byte; the OCP MX spec leaves the layout open too.
 *
 * F4: the safetensors Python binding loads F4 as torch.float4_e2m1fn_x2,
 * whose definition (PyTorch c10/util/Float4_e2m1fn_x2.h) puts the first
 * element in bits 3..0 and the second in bits 7..4. So element 2i is the low
 * nibble of byte i, element 2i+1 the high nibble (NVIDIA's __nv_fp4x2_e2m1
 * and ggml's MXFP4 nibbles agree on low-first).
 *
 * F6: no authority defines it (PyTorch has no FP6 dtype; safetensors PR #611
 * leaves sub-byte layout to implementors). We use the little-endian bit
 * order: the 3 bytes of a group form a little-endian 24-bit word w, and
 * element i of the group is bits [6i, 6i+6) of w.
 */

/* Four 6-bit codes from each 3-byte group, through a table of 64 values. */
static void dq_f6(const uint8_t *restrict src, float *restrict dst, size_t nblocks, const float *lut) {
    for (size_t b = 0; b < nblocks; b++, src += 3, dst += 4) {
        const uint32_t w = (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16;
        dst[0] = lut[w & 0x3F];
        dst[1] = lut[w >> 6 & 0x3F];
        dst[2] = lut[w >> 12 & 0x3F];
        dst[3] = lut[w >> 18 & 0x3F];
    }
}

/* E2M3: bias 1, values up to 7.5. E3M2: bias 3, values up to 28. */
void ck_dq_f6_e2m3(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    float lut[64];
    for (uint32_t c = 0; c < 64; c++) lut[c] = mini_to_f32(c, 2, 3, 1);
    dq_f6(src, dst, nblocks, lut);
}

void ck_dq_f6_e3m2(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    float lut[64];
    for (uint32_t c = 0; c < 64; c++) lut[c] = mini_to_f32(c, 3, 2, 3);
    dq_f6(src, dst, nblocks, lut);
}

/* E2M1: bias 1; magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6. */
void ck_dq_f4(const uint8_t *restrict src, float *restrict dst, size_t nblocks) {
    float lut[16];
    for (uint32_t c = 0; c < 16; c++) lut[c] = mini_to_f32(c, 2, 1, 1);
    for (size_t b = 0; b < nblocks; b++) {
        dst[2 * b] = lut[src[b] & 0x0F];
        dst[2 * b + 1] = lut[src[b] >> 4];
    }
}
