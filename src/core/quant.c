/* Which encoder writes which dtype: the table's scalar reference kernel,
 * replaced by a SIMD variant (same bytes, see quant_simd.h) when the CPU runs one. */
#include "quant.h"

#include "cpu.h"
#include "quant_simd.h"

ck_quant_fn ck_quant_kernel(ck_dtype d) {
    if (ck_cpu_isa() >= CK_ISA_AVX2) {
        ck_quant_fn f = ck_quant_avx2_kernel(d);
        if (f) return f;
    }
    return ck_dtype_info_of(d)->quant;
}
