/* Decoding runs of blocks: kernel choice and big-endian byte order. */
#include "decode.h"

#include <string.h>

#include "cpu.h"
#include "dequant_simd.h"

/* ===== big-endian blocks ===== */

static void swap16_at(uint8_t *p) {
    uint8_t t = p[0];
    p[0] = p[1];
    p[1] = t;
}

static void swap_elems(uint8_t *b, size_t n, size_t width) {
    for (size_t i = 0; i < n; i++, b += width)
        for (size_t j = 0; j < width / 2; j++) {
            uint8_t t = b[j];
            b[j] = b[width - 1 - j];
            b[width - 1 - j] = t;
        }
}

static void be_16(uint8_t *b, size_t n) { swap_elems(b, n, 2); }
static void be_32(uint8_t *b, size_t n) { swap_elems(b, n, 4); }
static void be_64(uint8_t *b, size_t n) { swap_elems(b, n, 8); }
/* C64: two 32-bit floats an element. */
static void be_c64(uint8_t *b, size_t n) { swap_elems(b, 2 * n, 4); }

/* Quantized blocks: only their f16 scale fields are multi-byte. */
static void be_d_at(uint8_t *b, size_t n, size_t block_bytes, size_t at) {
    for (size_t i = 0; i < n; i++) swap16_at(b + i * block_bytes + at);
}

static void be_q4_0(uint8_t *b, size_t n) { be_d_at(b, n, 18, 0); }
static void be_q8_0(uint8_t *b, size_t n) { be_d_at(b, n, 34, 0); }
static void be_q4_k(uint8_t *b, size_t n) {
    be_d_at(b, n, 144, 0);
    be_d_at(b, n, 144, 2);
}
static void be_q6_k(uint8_t *b, size_t n) { be_d_at(b, n, 210, 208); }

ck_status ck_decoder_init(ck_decoder *dec, ck_dtype d, bool big_endian) {
    const ck_dtype_info *di = ck_dtype_info_of(d);
    memset(dec, 0, sizeof *dec);
    dec->dtype = d;
    dec->kernel = ck_dequant_kernel(d);
    dec->block_bytes = di->block_bytes;
    dec->block_values = di->block_elems * (di->kind == CK_KIND_COMPLEX ? 2 : 1);
    if (!dec->kernel) return CK_ERR_USAGE;
    if (!big_endian) return CK_OK;
    switch (d) {
    case CK_DT_F16: case CK_DT_BF16: case CK_DT_I16: case CK_DT_U16: dec->to_little = be_16; break;
    case CK_DT_F32: case CK_DT_I32: case CK_DT_U32: dec->to_little = be_32; break;
    case CK_DT_F64: case CK_DT_I64: case CK_DT_U64: dec->to_little = be_64; break;
    case CK_DT_C64: dec->to_little = be_c64; break;
    case CK_DT_I8: case CK_DT_U8: case CK_DT_BOOL: case CK_DT_MXFP4: break;
    case CK_DT_Q4_0: dec->to_little = be_q4_0; break;
    case CK_DT_Q8_0: dec->to_little = be_q8_0; break;
    case CK_DT_Q4_K: dec->to_little = be_q4_k; break;
    case CK_DT_Q6_K: dec->to_little = be_q6_k; break;
    default: return CK_ERR_USAGE;
    }
    return CK_OK;
}

void ck_decode(const ck_decoder *dec, const uint8_t *src, size_t nblocks, uint8_t *scratch, float *dst) {
    if (dec->to_little) {
        memcpy(scratch, src, nblocks * dec->block_bytes);
        dec->to_little(scratch, nblocks);
        src = scratch;
    }
    dec->kernel(src, dst, nblocks);
}

ck_dequant_fn ck_dequant_kernel_at(ck_dtype d, ck_isa isa) {
    switch (isa) {
    case CK_ISA_SCALAR: return ck_dtype_info_of(d)->dequant;
    case CK_ISA_AVX2: return ck_dequant_avx2_kernel(d);
    case CK_ISA_AVX512: return ck_dequant_avx512_kernel(d);
    }
    return NULL;
}

ck_dequant_fn ck_dequant_kernel(ck_dtype d) {
    for (int isa = (int)ck_cpu_isa(); isa > CK_ISA_SCALAR; isa--) {
        ck_dequant_fn f = ck_dequant_kernel_at(d, (ck_isa)isa);
        if (f) return f;
    }
    return ck_dtype_info_of(d)->dequant;
}
