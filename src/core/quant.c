/* Which encoder writes which dtype: the scalar reference kernels, replaced
 * by a SIMD variant (same bytes, see quant_simd.h) when the CPU runs one. */
#include "quant.h"

#include "cpu.h"
#include "quant_simd.h"

static ck_quant_fn scalar_kernel(ck_dtype d) {
    switch (d) {
    case CK_DT_F32: return ck_q_f32;
    case CK_DT_F16: return ck_q_f16;
    case CK_DT_BF16: return ck_q_bf16;
    case CK_DT_Q4_0: return ck_q_q4_0;
    case CK_DT_Q4_1: return ck_q_q4_1;
    case CK_DT_Q5_0: return ck_q_q5_0;
    case CK_DT_Q5_1: return ck_q_q5_1;
    case CK_DT_Q8_0: return ck_q_q8_0;
    case CK_DT_Q2_K: return ck_q_q2_k;
    case CK_DT_Q3_K: return ck_q_q3_k;
    case CK_DT_Q4_K: return ck_q_q4_k;
    case CK_DT_Q5_K: return ck_q_q5_k;
    case CK_DT_Q6_K: return ck_q_q6_k;
    case CK_DT_IQ4_NL: return ck_q_iq4_nl;
    case CK_DT_IQ4_XS: return ck_q_iq4_xs;
    case CK_DT_TQ1_0: return ck_q_tq1_0;
    case CK_DT_TQ2_0: return ck_q_tq2_0;
    case CK_DT_MXFP4: return ck_q_mxfp4;
    default: return NULL;
    }
}

ck_quant_fn ck_quant_kernel(ck_dtype d) {
    if (ck_cpu_isa() >= CK_ISA_AVX2) {
        ck_quant_fn f = ck_quant_avx2_kernel(d);
        if (f) return f;
    }
    return scalar_kernel(d);
}
