/* Decoding a run of stored blocks of one dtype to float32: the kernel the
 * CPU runs best, and the byte swapping big-endian GGUF files need first. */
#ifndef CK_CORE_DECODE_H
#define CK_CORE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/diag.h"
#include "ckpt/dtype.h"
#include "cpu.h"
#include "dequant.h"

typedef struct ck_decoder {
    ck_dtype dtype;
    ck_dequant_fn kernel;
    uint32_t block_bytes;
    uint32_t block_values;   /* floats out per block */
    /* Big-endian files: turn a copy of nblocks blocks into little-endian
     * order in place before the kernel runs; NULL when nothing to do. */
    void (*to_little)(uint8_t *blocks, size_t nblocks);
} ck_decoder;

/* Set dec up for dtype d stored in the given byte order. CK_ERR_USAGE when
 * big-endian blocks of d have no defined layout (gguf-py's byte-order
 * converter, the reference, swaps F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K and
 * MXFP4 only). */
ck_status ck_decoder_init(ck_decoder *dec, ck_dtype d, bool big_endian);

/* Decode nblocks blocks at src into dst. scratch must hold
 * nblocks * block_bytes bytes when dec->to_little is set. */
void ck_decode(const ck_decoder *dec, const uint8_t *src, size_t nblocks, uint8_t *scratch, float *dst);

/* The kernel for d at this CPU's best SIMD level (the scalar reference when
 * there is no SIMD variant). */
ck_dequant_fn ck_dequant_kernel(ck_dtype d);

/* The kernel for d written for exactly this SIMD level, or NULL when there
 * is none (CK_ISA_SCALAR gives the reference kernel). For tests. */
ck_dequant_fn ck_dequant_kernel_at(ck_dtype d, ck_isa isa);

#endif
