/* llama-quantize's k-quant mixes (Q3_K_S ... Q5_K_M): the type each tensor
 * gets, by its llama.cpp name, its layer and the model's shape.
 *
 * The rules, as llama.cpp's quantizer applies them without an importance
 * matrix (the mix's base type for every tensor the rules do not name):
 *
 *   output.weight (token_embd.weight too when the model has no output.weight,
 *   the two being one tensor): Q6_K; Q8_0 when its rows are not whole blocks
 *   of the base type or the architecture is falcon.
 *   attn_v (attn_qkv, attn_kv_b): Q3_K_M: Q5_K for the first two, else Q4_K;
 *   Q3_K_L: Q5_K; Q4_K_M, Q5_K_M: Q6_K where "more bits" (below); Q4_K_S:
 *   Q5_K for the first four. A llama 70B (80 layers, grouped-query attention)
 *   gets Q5_K for Q3_K or Q4_K; 8 experts: Q8_0.
 *   attn_k: Q8_0 with 8 experts.
 *   ffn_down: Q3_K_M: Q5_K in the first 1/16 of the layers, else Q4_K (falcon:
 *   Q4_K where more bits, else Q3_K); Q3_K_L: Q5_K (falcon Q4_K); Q4_K_M:
 *   Q6_K where more bits (falcon: Q6_K in the first 1/16, Q5_K where more
 *   bits, else Q4_K); Q5_K_M: Q6_K where more bits; Q4_K_S: Q5_K in the
 *   first 1/8 (not falcon).
 *   attn_output: Q3_K_M: Q4_K, Q3_K_L: Q5_K (falcon: Q3_K_L Q4_K); with 8
 *   experts Q5_K for Q3_K_S, Q3_K_M, Q4_K_S and Q4_K_M.
 *
 * "More bits" for tensor i of n: the first and last eighth, and every third
 * in between (i < n/8, i >= 7n/8, or (i - n/8) % 3 == 2). attn_v tensors
 * are counted in llama.cpp's order (by layer, then by name), n being how many
 * there are; ffn_down by layer, n being the block count. A row that is not
 * whole blocks of the chosen type then falls back as for a uniform type.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_internal.h"

static const struct {
    const char *name;
    ck_quant_mix mix;
    ck_dtype base;
    uint32_t ftype;          /* llama_ftype: general.file_type */
} mixes[] = {
    {"q3_k_s", CK_MIX_Q3_K_S, CK_DT_Q3_K, 11}, {"q3_k_m", CK_MIX_Q3_K_M, CK_DT_Q3_K, 12},
    {"q3_k_l", CK_MIX_Q3_K_L, CK_DT_Q3_K, 13}, {"q4_k_s", CK_MIX_Q4_K_S, CK_DT_Q4_K, 14},
    {"q4_k_m", CK_MIX_Q4_K_M, CK_DT_Q4_K, 15}, {"q5_k_s", CK_MIX_Q5_K_S, CK_DT_Q5_K, 16},
    {"q5_k_m", CK_MIX_Q5_K_M, CK_DT_Q5_K, 17},
};
#define N_MIXES (sizeof mixes / sizeof mixes[0])

bool ck_quant_mix_from_name(const char *name, ck_quant_mix *mix, ck_dtype *base) {
    for (size_t i = 0; i < N_MIXES; i++) {
        if (strcasecmp(name, mixes[i].name) == 0) {
            *mix = mixes[i].mix;
            *base = mixes[i].base;
            return true;
        }
    }
    return false;
}

const char *ck_quant_mix_name(ck_quant_mix mix) {
    static const char *const upper[] = {NULL, "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M"};
    return mix > CK_MIX_NONE && mix <= CK_MIX_Q5_K_M ? upper[mix] : NULL;
}

uint32_t convert_mix_ftype(ck_quant_mix mix) {
    for (size_t i = 0; i < N_MIXES; i++)
        if (mixes[i].mix == mix) return mixes[i].ftype;
    return 0;
}

/* ===== tensor roles ===== */

typedef enum role { R_OTHER, R_OUTPUT, R_TOKEN_EMBD, R_ATTN_V, R_ATTN_K, R_ATTN_OUTPUT, R_FFN_DOWN } role;

/* The role, from the name as llama.cpp's quantizer reads it (substrings). */
static role role_of(const char *name) {
    if (strcmp(name, "output.weight") == 0) return R_OUTPUT;
    if (strcmp(name, "token_embd.weight") == 0 || strcmp(name, "per_layer_token_embd.weight") == 0)
        return R_TOKEN_EMBD;
    if (strstr(name, "attn_qkv.weight") || strstr(name, "attn_kv_b.weight") || strstr(name, "attn_v.weight"))
        return R_ATTN_V;
    if (strstr(name, "attn_k.weight")) return R_ATTN_K;
    if (strstr(name, "attn_q.weight")) return R_OTHER;
    if (strstr(name, "attn_output.weight")) return R_ATTN_OUTPUT;
    if (strstr(name, "ffn_up") || strstr(name, "ffn_gate")) return R_OTHER;
    if (strstr(name, "ffn_down")) return R_FFN_DOWN;
    return R_OTHER;
}

/* N of "blk.N.", or -1. */
static long layer_of(const char *name) {
    if (strncmp(name, "blk.", 4) != 0) return -1;
    char *end;
    long n = strtol(name + 4, &end, 10);
    return end > name + 4 && *end == '.' && n >= 0 ? n : -1;
}

/* More layers than any model has; keeps 7 * n in range. */
#define MAX_LAYERS (1L << 20)

static bool more_bits(long i, long n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

/* ===== llama.cpp's order: by layer, then by name ===== */

typedef struct sort_key {
    long layer;
    const char *name;
    size_t i;
} sort_key;

static int by_layer_then_name(const void *x, const void *y) {
    const sort_key *a = x, *b = y;
    if (a->layer != b->layer) return a->layer < b->layer ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* ===== the rules ===== */

typedef struct mix_model {
    ck_quant_mix mix;
    bool falcon, llama_70b, tied;
    int64_t n_expert, n_layer;
} mix_model;

static ck_dtype output_type(const mix_model *mm, const ck_convert_tensor *t, ck_dtype base) {
    int64_t cols = t->rank ? t->shape[t->rank - 1] : 1;
    if (mm->falcon || cols % ck_dtype_info_of(base)->block_elems != 0) return CK_DT_Q8_0;
    return CK_DT_Q6_K;
}

static ck_dtype attn_v_type(const mix_model *mm, long i, long n, ck_dtype base) {
    ck_dtype d = base;
    switch (mm->mix) {
    case CK_MIX_Q3_K_M: d = i < 2 ? CK_DT_Q5_K : CK_DT_Q4_K; break;
    case CK_MIX_Q3_K_L: d = CK_DT_Q5_K; break;
    case CK_MIX_Q4_K_M: case CK_MIX_Q5_K_M: if (more_bits(i, n)) d = CK_DT_Q6_K; break;
    case CK_MIX_Q4_K_S: if (i < 4) d = CK_DT_Q5_K; break;
    default: break;
    }
    /* A 70B's attn_v is 8x smaller than its attn_q: more bits cost little. */
    if (mm->llama_70b && (d == CK_DT_Q3_K || d == CK_DT_Q4_K)) d = CK_DT_Q5_K;
    if (mm->n_expert == 8) d = CK_DT_Q8_0;
    return d;
}

static ck_dtype ffn_down_type(const mix_model *mm, long i, ck_dtype base) {
    long n = (long)mm->n_layer;
    switch (mm->mix) {
    case CK_MIX_Q3_K_M:
        if (i < n / 16) return CK_DT_Q5_K;
        return !mm->falcon || more_bits(i, n) ? CK_DT_Q4_K : CK_DT_Q3_K;
    case CK_MIX_Q3_K_L: return mm->falcon ? CK_DT_Q4_K : CK_DT_Q5_K;
    case CK_MIX_Q4_K_M:
        if (mm->falcon) return i < n / 16 ? CK_DT_Q6_K : more_bits(i, n) ? CK_DT_Q5_K : CK_DT_Q4_K;
        return more_bits(i, n) ? CK_DT_Q6_K : base;
    case CK_MIX_Q5_K_M: return more_bits(i, n) ? CK_DT_Q6_K : base;
    case CK_MIX_Q4_K_S: return !mm->falcon && i < n / 8 ? CK_DT_Q5_K : base;
    default: return base;
    }
}

static ck_dtype attn_output_type(const mix_model *mm, ck_dtype base) {
    if (mm->falcon) return mm->mix == CK_MIX_Q3_K_L ? CK_DT_Q4_K : base;
    if (mm->n_expert == 8) {
        bool bump = mm->mix == CK_MIX_Q3_K_S || mm->mix == CK_MIX_Q3_K_M || mm->mix == CK_MIX_Q4_K_S ||
                    mm->mix == CK_MIX_Q4_K_M;
        return bump ? CK_DT_Q5_K : base;
    }
    if (mm->mix == CK_MIX_Q3_K_M) return CK_DT_Q4_K;
    if (mm->mix == CK_MIX_Q3_K_L) return CK_DT_Q5_K;
    return base;
}

ck_status convert_mix_types(const conv_plan *p, ck_dtype *asked) {
    const ck_convert_result *r = p->r;
    const ck_hparams *h = &p->m->hparams;
    ck_dtype base = p->o->dtype;
    mix_model mm = {.mix = p->o->mix, .falcon = strcmp(h->arch, "falcon") == 0, .tied = true,
                    .n_expert = h->n_expert, .n_layer = h->n_layer};
    mm.llama_70b = strcmp(h->arch, "llama") == 0 && h->n_expert != 8 && h->n_layer == 80 && h->n_head_kv > 0 &&
                   h->n_head != h->n_head_kv;
    sort_key *order = malloc((r->n_tensors ? r->n_tensors : 1) * sizeof *order);
    if (!order) return CK_ERR_NOMEM;
    long n_attn_v = 0, blocks = 0;
    for (size_t i = 0; i < r->n_tensors; i++) {
        const ck_convert_tensor *t = &r->tensors[i];
        order[i] = (sort_key){layer_of(t->name), t->name, i};
        if (order[i].layer >= blocks && order[i].layer < MAX_LAYERS) blocks = order[i].layer + 1;
        role ro = role_of(t->name);
        n_attn_v += ro == R_ATTN_V && t->rank >= 2;
        if (ro == R_OUTPUT) mm.tied = false;
    }
    /* The block count from the metadata, unless it is missing or absurd:
     * then the layers the names count. */
    if (mm.n_layer <= 0 || mm.n_layer > MAX_LAYERS) mm.n_layer = blocks;
    qsort(order, r->n_tensors, sizeof *order, by_layer_then_name);
    long i_attn_v = 0, i_ffn_down = 0;
    for (size_t k = 0; k < r->n_tensors; k++) {
        const ck_convert_tensor *t = &r->tensors[order[k].i];
        ck_dtype *d = &asked[order[k].i];
        *d = base;
        /* Vectors are not quantized, and llama.cpp does not count them. */
        if (t->rank < 2) continue;
        switch (role_of(t->name)) {
        case R_OUTPUT: *d = output_type(&mm, t, base); break;
        case R_TOKEN_EMBD: if (mm.tied) *d = output_type(&mm, t, base); break;
        case R_ATTN_V: *d = attn_v_type(&mm, i_attn_v++, n_attn_v, base); break;
        case R_ATTN_K: if (mm.n_expert == 8) *d = CK_DT_Q8_0; break;
        case R_ATTN_OUTPUT: *d = attn_output_type(&mm, base); break;
        case R_FFN_DOWN: {
            /* With experts, llama.cpp reads the layer from the name. */
            long i = mm.n_expert > 1 ? layer_of(t->name) : i_ffn_down;
            i_ffn_down++;
            *d = ffn_down_type(&mm, i, base);
            break;
        }
        default: break;
        }
    }
    free(order);
    return CK_OK;
}
