/* Dequantization kernels: stored blocks -> float32.
 *
 * Every kernel decodes whole blocks and reproduces the reference decoder of
 * its format bit for bit (ggml's dequantize_row_* for ggml types, the OCP /
 * ml_dtypes definitions for the 8/6/4-bit floats). Each has a scalar reference
 * version here; SIMD versions live beside them and are chosen at run time.
 */
#ifndef CK_CORE_DEQUANT_H
#define CK_CORE_DEQUANT_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt/dtype.h"  /* ck_dequant_fn */

/* ----- exact conversions of one value ----- */
float ck_f16_to_f32(uint16_t h);
float ck_bf16_to_f32(uint16_t h);

/* ----- plain types: one element a block (dequant_float.c) ----- */
void ck_dq_f32(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_f16(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_bf16(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_f64(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_i8(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_i16(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_i32(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_i64(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_u8(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_u16(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_u32(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_u64(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_bool(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_c64(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_f8_e4m3(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_f8_e5m2(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_f8_e8m0(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_f8_e4m3fnuz(const uint8_t *restrict src, float *restrict dst, size_t n);
void ck_dq_f8_e5m2fnuz(const uint8_t *restrict src, float *restrict dst, size_t n);
/* sub-byte floats: F6 blocks of 4 elements in 3 bytes, F4 blocks of 2 in 1 */
void ck_dq_f6_e2m3(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_f6_e3m2(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_f4(const uint8_t *restrict src, float *restrict dst, size_t nblocks);

/* ----- ggml legacy quants (dequant_legacy.c) ----- */
void ck_dq_q4_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q4_1(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q5_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q5_1(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q8_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q8_1(const uint8_t *restrict src, float *restrict dst, size_t nblocks);

/* ----- k-quants (dequant_kquant.c) ----- */
void ck_dq_q2_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q3_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q4_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q5_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q6_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q8_k(const uint8_t *restrict src, float *restrict dst, size_t nblocks);

/* ----- i-quants (dequant_iquant.c, grids in iq_grids.c) ----- */
void ck_dq_iq1_s(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_iq1_m(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_iq2_xxs(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_iq2_xs(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_iq2_s(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_iq3_xxs(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_iq3_s(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_iq4_nl(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_iq4_xs(const uint8_t *restrict src, float *restrict dst, size_t nblocks);

/* ----- ternary and micro-scaling (dequant_mx.c) ----- */
void ck_dq_tq1_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_tq2_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_mxfp4(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_nvfp4(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q1_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks);
void ck_dq_q2_0(const uint8_t *restrict src, float *restrict dst, size_t nblocks);

#endif
