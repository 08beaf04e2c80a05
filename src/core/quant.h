/* Quantization kernels: float32 -> stored blocks.
 *
 * Each kernel encodes whole blocks the way ggml's reference quantizer does
 * without an importance matrix (quantize_row_*_ref, or quantize_*() with
 * imatrix NULL, as llama-quantize calls them): the same algorithm, in the
 * same float operations, so that the output is the reference's bit for bit
 * wherever the compiler allows. The decoders are in dequant.h.
 */
#ifndef CK_CORE_QUANT_H
#define CK_CORE_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt/dtype.h"

/* The encoder of d at this CPU's best SIMD level (the table's scalar
 * reference when there is no SIMD variant), or NULL when ckpt cannot write d. */
ck_quant_fn ck_quant_kernel(ck_dtype d);

/* ----- one value, round to nearest even (quant_float.c) ----- */
uint16_t ck_f32_to_f16(float f);    /* as F16C's vcvtps2ph with rounding mode 0 */
uint16_t ck_f32_to_bf16(float f);   /* as ggml_compute_fp32_to_bf16: NaN kept quiet */

/* ----- plain types (quant_float.c) ----- */
void ck_q_f32(const float *restrict src, uint8_t *restrict dst, size_t n);
void ck_q_f16(const float *restrict src, uint8_t *restrict dst, size_t n);
void ck_q_bf16(const float *restrict src, uint8_t *restrict dst, size_t n);

/* ----- legacy quants (quant_legacy.c) ----- */
void ck_q_q4_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_q4_1(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_q5_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_q5_1(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_q8_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks);

/* ----- k-quants (quant_kquant.c) ----- */
void ck_q_q2_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_q3_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_q4_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_q5_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_q6_k(const float *restrict src, uint8_t *restrict dst, size_t nblocks);

/* ----- non-linear, ternary and micro-scaling (quant_nl.c) ----- */
void ck_q_iq4_nl(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_iq4_xs(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_tq1_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_tq2_0(const float *restrict src, uint8_t *restrict dst, size_t nblocks);
void ck_q_mxfp4(const float *restrict src, uint8_t *restrict dst, size_t nblocks);

#endif
