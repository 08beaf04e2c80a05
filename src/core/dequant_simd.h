/* SIMD variants of the dequantization kernels (dequant_avx2.c,
 * dequant_avx512.c).
 *
 * Each variant has the signature of its scalar reference kernel and gives
 * the same bits for every input: the same float operations on the same
 * operands, each rounded on its own (no fused multiply-add), in the same
 * order. A variant may compute a value once and reuse it (a per-block table
 * of d * kvalues[i], say): a float operation gives the same result every
 * time. Tests check every variant against the scalar kernel bit for bit.
 */
#ifndef CK_CORE_DEQUANT_SIMD_H
#define CK_CORE_DEQUANT_SIMD_H

#include <stdint.h>
#include <string.h>

#include "ckpt/dtype.h"  /* ck_dtype, ck_dequant_fn */

/* The AVX2 (+FMA, F16C) kernel for d, or NULL when d has none or the build
 * is not for x86-64. The caller checks that the CPU runs AVX2. */
ck_dequant_fn ck_dequant_avx2_kernel(ck_dtype d);

/* The AVX-512 (F, BW, DQ, VL, + F16C) kernel for d, or NULL as above. */
ck_dequant_fn ck_dequant_avx512_kernel(ck_dtype d);

/* ===== plain C shared by both variants (x86 is little-endian) ===== */

static inline uint16_t ck_ld16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t ck_ld32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The 6-bit scales and mins of the 8 sub-blocks of a Q4_K / Q5_K block (the
 * 12 bytes at s), one byte a sub-block, sub-block 0 in the low byte: the
 * packing that scale_min_k4 in dequant_kquant.c reads one at a time, undone
 * four sub-blocks to a 32-bit word. */
static inline void ck_scales_k4(const uint8_t *s, uint64_t *sc, uint64_t *mn) {
    const uint32_t a = ck_ld32(s), b = ck_ld32(s + 4), c = ck_ld32(s + 8);
    const uint32_t sc_hi = (c & 0x0F0F0F0Fu) | (a >> 6 & 0x03030303u) << 4;
    const uint32_t mn_hi = (c >> 4 & 0x0F0F0F0Fu) | (b >> 6 & 0x03030303u) << 4;
    *sc = (a & 0x3F3F3F3Fu) | (uint64_t)sc_hi << 32;
    *mn = (b & 0x3F3F3F3Fu) | (uint64_t)mn_hi << 32;
}

/* The bits of half an MXFP4 E8M0 scale, 2^(e - 128), as e8m0_half in
 * dequant_mx.c gives them (e = 0xFF is 2^127). */
static inline uint32_t ck_e8m0_half_bits(uint8_t e) {
    return e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23;
}

#endif
