/* The dtype table: every element type of GGUF and safetensors, one row each.
 * ggml block sizes are those of ggml-common.h's static asserts; safetensors
 * sizes are the crate's Dtype::bitsize (sub-byte types as whole blocks: F4
 * packs 2 elements a byte, F6 4 elements in 3 bytes). */
#include "ckpt/dtype.h"

#include "dequant.h"
#include "quant.h"

#include <strings.h>
#include <string.h>

#define Q CK_KIND_QUANT
#define F CK_KIND_FLOAT
#define I CK_KIND_INT
#define U CK_KIND_UINT

static const ck_dtype_info table[CK_DT_COUNT] = {
    /*                name          gguf  safetensors     elems bytes kind  reference decoder, encoder */
    [CK_DT_F32]     = {"F32",          0, "F32",            1,   4, F, ck_dq_f32, ck_q_f32},
    [CK_DT_F16]     = {"F16",          1, "F16",            1,   2, F, ck_dq_f16, ck_q_f16},
    [CK_DT_Q4_0]    = {"Q4_0",         2, NULL,            32,  18, Q, ck_dq_q4_0, ck_q_q4_0},
    [CK_DT_Q4_1]    = {"Q4_1",         3, NULL,            32,  20, Q, ck_dq_q4_1, ck_q_q4_1},
    [CK_DT_Q5_0]    = {"Q5_0",         6, NULL,            32,  22, Q, ck_dq_q5_0, ck_q_q5_0},
    [CK_DT_Q5_1]    = {"Q5_1",         7, NULL,            32,  24, Q, ck_dq_q5_1, ck_q_q5_1},
    [CK_DT_Q8_0]    = {"Q8_0",         8, NULL,            32,  34, Q, ck_dq_q8_0, ck_q_q8_0},
    [CK_DT_Q8_1]    = {"Q8_1",         9, NULL,            32,  36, Q, ck_dq_q8_1, NULL},
    [CK_DT_Q2_K]    = {"Q2_K",        10, NULL,           256,  84, Q, ck_dq_q2_k, ck_q_q2_k},
    [CK_DT_Q3_K]    = {"Q3_K",        11, NULL,           256, 110, Q, ck_dq_q3_k, ck_q_q3_k},
    [CK_DT_Q4_K]    = {"Q4_K",        12, NULL,           256, 144, Q, ck_dq_q4_k, ck_q_q4_k},
    [CK_DT_Q5_K]    = {"Q5_K",        13, NULL,           256, 176, Q, ck_dq_q5_k, ck_q_q5_k},
    [CK_DT_Q6_K]    = {"Q6_K",        14, NULL,           256, 210, Q, ck_dq_q6_k, ck_q_q6_k},
    [CK_DT_Q8_K]    = {"Q8_K",        15, NULL,           256, 292, Q, ck_dq_q8_k, NULL},
    [CK_DT_IQ2_XXS] = {"IQ2_XXS",     16, NULL,           256,  66, Q, ck_dq_iq2_xxs, NULL},
    [CK_DT_IQ2_XS]  = {"IQ2_XS",      17, NULL,           256,  74, Q, ck_dq_iq2_xs, NULL},
    [CK_DT_IQ3_XXS] = {"IQ3_XXS",     18, NULL,           256,  98, Q, ck_dq_iq3_xxs, NULL},
    [CK_DT_IQ1_S]   = {"IQ1_S",       19, NULL,           256,  50, Q, ck_dq_iq1_s, NULL},
    [CK_DT_IQ4_NL]  = {"IQ4_NL",      20, NULL,            32,  18, Q, ck_dq_iq4_nl, ck_q_iq4_nl},
    [CK_DT_IQ3_S]   = {"IQ3_S",       21, NULL,           256, 110, Q, ck_dq_iq3_s, NULL},
    [CK_DT_IQ2_S]   = {"IQ2_S",       22, NULL,           256,  82, Q, ck_dq_iq2_s, NULL},
    [CK_DT_IQ4_XS]  = {"IQ4_XS",      23, NULL,           256, 136, Q, ck_dq_iq4_xs, ck_q_iq4_xs},
    [CK_DT_I8]      = {"I8",          24, "I8",             1,   1, I, ck_dq_i8, NULL},
    [CK_DT_I16]     = {"I16",         25, "I16",            1,   2, I, ck_dq_i16, NULL},
    [CK_DT_I32]     = {"I32",         26, "I32",            1,   4, I, ck_dq_i32, NULL},
    [CK_DT_I64]     = {"I64",         27, "I64",            1,   8, I, ck_dq_i64, NULL},
    [CK_DT_F64]     = {"F64",         28, "F64",            1,   8, F, ck_dq_f64, NULL},
    [CK_DT_IQ1_M]   = {"IQ1_M",       29, NULL,           256,  56, Q, ck_dq_iq1_m, NULL},
    [CK_DT_BF16]    = {"BF16",        30, "BF16",           1,   2, F, ck_dq_bf16, ck_q_bf16},
    [CK_DT_TQ1_0]   = {"TQ1_0",       34, NULL,           256,  54, Q, ck_dq_tq1_0, ck_q_tq1_0},
    [CK_DT_TQ2_0]   = {"TQ2_0",       35, NULL,           256,  66, Q, ck_dq_tq2_0, ck_q_tq2_0},
    [CK_DT_MXFP4]   = {"MXFP4",       39, NULL,            32,  17, Q, ck_dq_mxfp4, ck_q_mxfp4},
    [CK_DT_NVFP4]   = {"NVFP4",       40, NULL,            64,  36, Q, ck_dq_nvfp4, NULL},
    [CK_DT_Q1_0]    = {"Q1_0",        41, NULL,           128,  18, Q, ck_dq_q1_0, NULL},
    [CK_DT_Q2_0]    = {"Q2_0",        42, NULL,            64,  18, Q, ck_dq_q2_0, NULL},
    [CK_DT_BOOL]    = {"BOOL",        -1, "BOOL",           1,   1, CK_KIND_BOOL, ck_dq_bool, NULL},
    [CK_DT_U8]      = {"U8",          -1, "U8",             1,   1, U, ck_dq_u8, NULL},
    [CK_DT_U16]     = {"U16",         -1, "U16",            1,   2, U, ck_dq_u16, NULL},
    [CK_DT_U32]     = {"U32",         -1, "U32",            1,   4, U, ck_dq_u32, NULL},
    [CK_DT_U64]     = {"U64",         -1, "U64",            1,   8, U, ck_dq_u64, NULL},
    [CK_DT_F8_E4M3] = {"F8_E4M3",     -1, "F8_E4M3",        1,   1, F, ck_dq_f8_e4m3, NULL},
    [CK_DT_F8_E5M2] = {"F8_E5M2",     -1, "F8_E5M2",        1,   1, F, ck_dq_f8_e5m2, NULL},
    [CK_DT_F8_E8M0] = {"F8_E8M0",     -1, "F8_E8M0",        1,   1, F, ck_dq_f8_e8m0, NULL},
    [CK_DT_F8_E4M3FNUZ] = {"F8_E4M3FNUZ", -1, "F8_E4M3FNUZ", 1,  1, F, ck_dq_f8_e4m3fnuz, NULL},
    [CK_DT_F8_E5M2FNUZ] = {"F8_E5M2FNUZ", -1, "F8_E5M2FNUZ", 1,  1, F, ck_dq_f8_e5m2fnuz, NULL},
    [CK_DT_F6_E2M3] = {"F6_E2M3",     -1, "F6_E2M3",        4,   3, F, ck_dq_f6_e2m3, NULL},
    [CK_DT_F6_E3M2] = {"F6_E3M2",     -1, "F6_E3M2",        4,   3, F, ck_dq_f6_e3m2, NULL},
    [CK_DT_F4]      = {"F4",          -1, "F4",             2,   1, F, ck_dq_f4, NULL},
    [CK_DT_C64]     = {"C64",         -1, "C64",            1,   8, CK_KIND_COMPLEX, ck_dq_c64, NULL},
};

#undef Q
#undef F
#undef I
#undef U

/* ggml ids that were used once and removed; ggml has no block size for them. */
static const struct {
    int id;
    const char *name;
} retired[] = {
    {4, "Q4_2"}, {5, "Q4_3"}, {31, "Q4_0_4_4"}, {32, "Q4_0_4_8"}, {33, "Q4_0_8_8"},
    {36, "IQ4_NL_4_4"}, {37, "IQ4_NL_4_8"}, {38, "IQ4_NL_8_8"},
};

const ck_dtype_info *ck_dtype_info_of(ck_dtype d) { return &table[d]; }

double ck_dtype_bits(ck_dtype d) {
    return 8.0 * table[d].block_bytes / table[d].block_elems;
}

ck_gguf_type_status ck_dtype_from_gguf(int64_t id, ck_dtype *out, const char **retired_name) {
    for (int d = 0; d < CK_DT_COUNT; d++) {
        if (table[d].gguf_id >= 0 && table[d].gguf_id == id) {
            *out = (ck_dtype)d;
            return CK_GGUF_TYPE_OK;
        }
    }
    for (size_t i = 0; i < sizeof retired / sizeof retired[0]; i++) {
        if (retired[i].id == id) {
            if (retired_name) *retired_name = retired[i].name;
            return CK_GGUF_TYPE_RETIRED;
        }
    }
    return CK_GGUF_TYPE_UNKNOWN;
}

bool ck_dtype_from_st(const char *s, size_t len, ck_dtype *out) {
    for (int d = 0; d < CK_DT_COUNT; d++) {
        const char *n = table[d].st_name;
        if (n && strlen(n) == len && memcmp(n, s, len) == 0) {
            *out = (ck_dtype)d;
            return true;
        }
    }
    return false;
}

bool ck_dtype_from_name(const char *s, ck_dtype *out) {
    for (int d = 0; d < CK_DT_COUNT; d++) {
        if (strcasecmp(table[d].name, s) == 0) {
            *out = (ck_dtype)d;
            return true;
        }
    }
    return false;
}

bool ck_dtype_nbytes(ck_dtype d, uint64_t n, uint64_t *out) {
    const ck_dtype_info *t = &table[d];
    if (n % t->block_elems) return false;
    return !__builtin_mul_overflow(n / t->block_elems, (uint64_t)t->block_bytes, out);
}
