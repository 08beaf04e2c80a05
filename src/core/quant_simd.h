/* SIMD variants of the quantization kernels (quant_avx2.c).
 *
 * Each variant has the signature of its scalar reference kernel in quant.h
 * and writes the same bytes for every input, NaNs and infinities included:
 * the same float operations on the same operands, each rounded on its own,
 * and where ggml's sequential order matters (a NaN in a MAX fold) the block
 * goes to the scalar kernel. Tests compare every variant with the scalar
 * kernel byte for byte.
 */
#ifndef CK_CORE_QUANT_SIMD_H
#define CK_CORE_QUANT_SIMD_H

#include "core/quant.h"

/* The AVX2 (+FMA, F16C) encoder of d, or NULL when d has none or the build
 * is not for x86-64. The caller checks that the CPU runs AVX2. */
ck_quant_fn ck_quant_avx2_kernel(ck_dtype d);

#endif
