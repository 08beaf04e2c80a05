/* Tensor names across naming schemes: Hugging Face <-> llama.cpp's GGUF.
 *
 * A map is a list of pattern pairs. A pattern is literal bytes with
 * placeholders: {N} a layer number, {E} an expert number (Hugging Face side
 * only: GGUF stacks the experts into one tensor), {W} "weight" or "bias".
 * The names come from llama.cpp's gguf-py (tensor_mapping.py, constants.py)
 * and from what convert_hf_to_gguf.py does to them; see FORMATS.md.
 *
 * Names are byte strings with a length: they come from files and may hold
 * anything, NUL bytes included. Nothing here reads past the length.
 */
#include "ckpt/namemap.h"

#include <stdint.h>
#include <string.h>

/* Layer and expert numbers above this are refused: no real model comes near,
 * and a bound keeps the arithmetic trivially safe. */
#define MAX_INDEX 100000

/* ===== the tables ===== */

/* One pattern pair. perm says how the converter permutes the tensor's rows
 * when the map's architecture permutes at all (llama-style rotary). */
typedef struct rule {
    const char *hf;
    const char *gguf;     /* "" for a tensor that the converter drops */
    ck_permute perm;
} rule;

typedef struct rule_group {
    const rule *rules;
    size_t n;
} rule_group;

#define GROUP(a) {a, sizeof a / sizeof a[0]}
#define MAX_GROUPS 5

struct ck_name_map {
    const char *name;
    bool permutes;        /* LlamaModel permutes q_proj / k_proj; Qwen does not */
    rule_group groups[MAX_GROUPS];
};

/* What every llama-style decoder has. The first row for a GGUF name is the
 * one ck_name_map_to_hf gives back. */
static const rule common_rules[] = {
    {"model.embed_tokens.{W}", "token_embd.{W}", CK_PERMUTE_NONE},
    {"model.norm.{W}", "output_norm.{W}", CK_PERMUTE_NONE},
    {"lm_head.{W}", "output.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.input_layernorm.{W}", "blk.{N}.attn_norm.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.self_attn.q_proj.{W}", "blk.{N}.attn_q.{W}", CK_PERMUTE_HEADS},
    {"model.layers.{N}.self_attn.k_proj.{W}", "blk.{N}.attn_k.{W}", CK_PERMUTE_KV_HEADS},
    {"model.layers.{N}.self_attn.v_proj.{W}", "blk.{N}.attn_v.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.self_attn.o_proj.{W}", "blk.{N}.attn_output.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.post_attention_layernorm.{W}", "blk.{N}.ffn_norm.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.gate_proj.{W}", "blk.{N}.ffn_gate.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.up_proj.{W}", "blk.{N}.ffn_up.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.down_proj.{W}", "blk.{N}.ffn_down.{W}", CK_PERMUTE_NONE},
    /* The converter skips every name ending in .rotary_emb.inv_freq. */
    {"model.layers.{N}.self_attn.rotary_emb.inv_freq", "", CK_PERMUTE_NONE},
    {"model.rotary_emb.inv_freq", "", CK_PERMUTE_NONE},
};

/* Per-head RMS norms of q and k (qwen3). */
static const rule qk_norm_rules[] = {
    {"model.layers.{N}.self_attn.q_norm.{W}", "blk.{N}.attn_q_norm.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.self_attn.k_norm.{W}", "blk.{N}.attn_k_norm.{W}", CK_PERMUTE_NONE},
};

/* Mixtral: w1 is the gate, w3 the up and w2 the down projection. */
static const rule mixtral_moe_rules[] = {
    {"model.layers.{N}.block_sparse_moe.gate.{W}", "blk.{N}.ffn_gate_inp.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.block_sparse_moe.experts.{E}.w1.{W}", "blk.{N}.ffn_gate_exps.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.block_sparse_moe.experts.{E}.w3.{W}", "blk.{N}.ffn_up_exps.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.block_sparse_moe.experts.{E}.w2.{W}", "blk.{N}.ffn_down_exps.{W}", CK_PERMUTE_NONE},
};

/* Qwen2-MoE and Qwen3-MoE routed experts. */
static const rule qwen_moe_rules[] = {
    {"model.layers.{N}.mlp.gate.{W}", "blk.{N}.ffn_gate_inp.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.experts.{E}.gate_proj.{W}", "blk.{N}.ffn_gate_exps.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.experts.{E}.up_proj.{W}", "blk.{N}.ffn_up_exps.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.experts.{E}.down_proj.{W}", "blk.{N}.ffn_down_exps.{W}", CK_PERMUTE_NONE},
};

/* Qwen2-MoE's shared expert and its sigmoid gate. */
static const rule qwen_shexp_rules[] = {
    {"model.layers.{N}.mlp.shared_expert.gate_proj.{W}", "blk.{N}.ffn_gate_shexp.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.shared_expert.up_proj.{W}", "blk.{N}.ffn_up_shexp.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.shared_expert.down_proj.{W}", "blk.{N}.ffn_down_shexp.{W}", CK_PERMUTE_NONE},
    {"model.layers.{N}.mlp.shared_expert_gate.{W}", "blk.{N}.ffn_gate_inp_shexp.{W}", CK_PERMUTE_NONE},
};

/* llama.cpp writes llama, mistral and mixtral models all as architecture
 * "llama", so the llama map also knows mixtral's experts: a mixtral GGUF then
 * pairs with its Hugging Face model whichever side picked the map. */
static const ck_name_map map_llama = {
    "llama", true, {GROUP(common_rules), GROUP(mixtral_moe_rules)}};
static const ck_name_map map_mistral = {
    "mistral", true, {GROUP(common_rules)}};
static const ck_name_map map_mixtral = {
    "mixtral", true, {GROUP(common_rules), GROUP(mixtral_moe_rules)}};
static const ck_name_map map_qwen2 = {
    "qwen2", false, {GROUP(common_rules)}};
static const ck_name_map map_qwen3 = {
    "qwen3", false, {GROUP(common_rules), GROUP(qk_norm_rules)}};
static const ck_name_map map_qwen2moe = {
    "qwen2moe", false, {GROUP(common_rules), GROUP(qwen_moe_rules), GROUP(qwen_shexp_rules)}};
static const ck_name_map map_qwen3moe = {
    "qwen3moe", false, {GROUP(common_rules), GROUP(qk_norm_rules), GROUP(qwen_moe_rules)}};

static const ck_name_map *const all_maps[] = {
    &map_llama, &map_mistral, &map_mixtral, &map_qwen2, &map_qwen3, &map_qwen2moe, &map_qwen3moe,
};
#define N_MAPS (sizeof all_maps / sizeof all_maps[0])

/* GGUF general.architecture values and config.json model_type values. */
static const struct {
    const char *arch;
    const ck_name_map *map;
} arch_maps[] = {
    {"llama", &map_llama},       {"mistral", &map_mistral},   {"mixtral", &map_mixtral},
    {"qwen2", &map_qwen2},       {"qwen3", &map_qwen3},
    {"qwen2moe", &map_qwen2moe}, {"qwen2_moe", &map_qwen2moe},
    {"qwen3moe", &map_qwen3moe}, {"qwen3_moe", &map_qwen3moe},
};

/* For reading roles off Hugging Face names: every pattern of every map. */
static const ck_name_map map_any = {
    "any", false,
    {GROUP(common_rules), GROUP(qk_norm_rules), GROUP(mixtral_moe_rules), GROUP(qwen_moe_rules),
     GROUP(qwen_shexp_rules)}};

/* ===== lookup ===== */

const ck_name_map *ck_name_map_named(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < N_MAPS; i++)
        if (strcmp(all_maps[i]->name, name) == 0) return all_maps[i];
    return NULL;
}

const ck_name_map *ck_name_map_for_arch(const char *arch) {
    if (!arch) return NULL;
    for (size_t i = 0; i < sizeof arch_maps / sizeof arch_maps[0]; i++)
        if (strcmp(arch_maps[i].arch, arch) == 0) return arch_maps[i].map;
    return NULL;
}

const char *ck_name_map_name(const ck_name_map *m) {
    return m ? m->name : NULL;
}

const ck_name_map *const *ck_name_maps(size_t *n) {
    if (n) *n = N_MAPS;
    return all_maps;
}

/* ===== patterns ===== */

/* What a match captured. -1: the placeholder was absent. */
typedef struct caps {
    int n, e;
    int w;                /* 0 weight, 1 bias */
} caps;

/* A decimal number in canonical form (no sign, no leading zero) at s[*i..len),
 * at most MAX_INDEX. Advances *i. Returns the number or -1. */
static int parse_index(const char *s, size_t len, size_t *i) {
    size_t j = *i;
    if (j >= len || s[j] < '0' || s[j] > '9') return -1;
    if (s[j] == '0') {
        /* "0" alone; "07" is not the name of layer 7. */
        if (j + 1 < len && s[j + 1] >= '0' && s[j + 1] <= '9') return -1;
        *i = j + 1;
        return 0;
    }
    int v = 0;
    while (j < len && s[j] >= '0' && s[j] <= '9') {
        v = v * 10 + (s[j] - '0');
        if (v > MAX_INDEX) return -1;  /* checked each digit: never overflows */
        j++;
    }
    *i = j;
    return v;
}

static bool has_at(const char *s, size_t len, size_t i, const char *lit, size_t n) {
    return i <= len && len - i >= n && memcmp(s + i, lit, n) == 0;
}

/* Whether name (len bytes) matches pattern pat; fills c. */
static bool match(const char *pat, const char *name, size_t len, caps *c) {
    size_t i = 0;
    c->n = c->e = c->w = -1;
    for (const char *p = pat; *p; ) {
        if (p[0] == '{' && p[2] == '}') {
            switch (p[1]) {
            case 'N':
                if ((c->n = parse_index(name, len, &i)) < 0) return false;
                break;
            case 'E':
                if ((c->e = parse_index(name, len, &i)) < 0) return false;
                break;
            default: /* 'W' */
                if (has_at(name, len, i, "weight", 6)) {
                    c->w = 0;
                    i += 6;
                } else if (has_at(name, len, i, "bias", 4)) {
                    c->w = 1;
                    i += 4;
                } else {
                    return false;
                }
                break;
            }
            p += 3;
        } else {
            if (i >= len || name[i] != *p) return false;
            i++;
            p++;
        }
    }
    return i == len;
}

/* Write pattern pat with the captures into out (size n, NUL-terminated).
 * False when a placeholder has no value or out is too small. */
static bool render(const char *pat, const caps *c, char *out, size_t n) {
    size_t o = 0;
    for (const char *p = pat; *p; ) {
        char buf[16];
        const char *piece;
        size_t plen;
        if (p[0] == '{' && p[2] == '}') {
            int v = p[1] == 'N' ? c->n : p[1] == 'E' ? c->e : -1;
            if (p[1] == 'W') {
                if (c->w < 0) return false;
                piece = c->w ? "bias" : "weight";
                plen = strlen(piece);
            } else {
                if (v < 0) return false;
                /* v <= MAX_INDEX: at most 6 digits */
                size_t k = sizeof buf;
                do {
                    buf[--k] = (char)('0' + v % 10);
                    v /= 10;
                } while (v);
                piece = buf + k;
                plen = sizeof buf - k;
            }
            p += 3;
        } else {
            piece = p;
            plen = 1;
            p++;
        }
        if (n - o <= plen) return false;   /* keep a byte for the NUL */
        memcpy(out + o, piece, plen);
        o += plen;
    }
    out[o] = 0;
    return true;
}

static bool has_placeholder(const char *pat, char which) {
    for (const char *p = pat; (p = strchr(p, '{')) != NULL; p++)
        if (p[1] == which) return true;
    return false;
}

/* ===== mapping ===== */

bool ck_name_map_to_gguf(const ck_name_map *m, const char *hf, size_t len, ck_mapped_name *out) {
    if (!m || !out || (!hf && len)) return false;
    for (size_t g = 0; g < MAX_GROUPS && m->groups[g].rules; g++) {
        for (size_t r = 0; r < m->groups[g].n; r++) {
            const rule *ru = &m->groups[g].rules[r];
            caps c;
            if (!match(ru->hf, hf, len, &c)) continue;
            ck_mapped_name res;
            if (!render(ru->gguf, &c, res.gguf, sizeof res.gguf)) return false;
            res.expert = c.e;
            res.permute = m->permutes ? ru->perm : CK_PERMUTE_NONE;
            *out = res;
            return true;
        }
    }
    return false;
}

bool ck_name_map_to_hf(const ck_name_map *m, const char *gguf, size_t len, int expert, char *out,
                       size_t n) {
    if (out && n) out[0] = 0;
    if (!m || !out || !n || (!gguf && len)) return false;
    if (expert < -1 || expert > MAX_INDEX) return false;
    for (size_t g = 0; g < MAX_GROUPS && m->groups[g].rules; g++) {
        for (size_t r = 0; r < m->groups[g].n; r++) {
            const rule *ru = &m->groups[g].rules[r];
            caps c;
            if (!ru->gguf[0] || !match(ru->gguf, gguf, len, &c)) continue;
            /* A stacked tensor needs the expert's index; any other tensor
             * must not be given one. */
            bool stacked = has_placeholder(ru->hf, 'E');
            if (stacked != (expert >= 0)) return false;
            c.e = expert;
            if (!render(ru->hf, &c, out, n)) {
                out[0] = 0;
                return false;
            }
            return true;
        }
    }
    return false;
}

/* ===== the q/k permutation ===== */

uint64_t ck_permute_to_gguf(uint64_t r, uint64_t rows, uint64_t heads) {
    uint64_t half = rows / heads / 2;
    uint64_t h = r / (2 * half), rem = r % (2 * half), i = rem / half, j = rem % half;
    return h * 2 * half + j * 2 + i;
}

uint64_t ck_permute_to_hf(uint64_t r, uint64_t rows, uint64_t heads) {
    uint64_t half = rows / heads / 2;
    uint64_t h = r / (2 * half), rem = r % (2 * half), j = rem / 2, i = rem % 2;
    return h * 2 * half + i * half + j;
}

/* ===== roles ===== */

static const struct {
    const char *kind;
    ck_role role;
} gguf_kinds[] = {
    {"attn_q", CK_ROLE_ATTN_Q},           {"attn_k", CK_ROLE_ATTN_K},
    {"attn_v", CK_ROLE_ATTN_V},           {"attn_output", CK_ROLE_ATTN_O},
    {"ffn_gate", CK_ROLE_FFN_GATE},       {"ffn_up", CK_ROLE_FFN_UP},
    {"ffn_down", CK_ROLE_FFN_DOWN},
    {"attn_norm", CK_ROLE_NORM},          {"ffn_norm", CK_ROLE_NORM},
    {"attn_q_norm", CK_ROLE_NORM},        {"attn_k_norm", CK_ROLE_NORM},
    {"ffn_gate_inp", CK_ROLE_EXPERTS},    {"ffn_gate_inp_shexp", CK_ROLE_EXPERTS},
    {"ffn_gate_exps", CK_ROLE_EXPERTS},   {"ffn_up_exps", CK_ROLE_EXPERTS},
    {"ffn_down_exps", CK_ROLE_EXPERTS},   {"ffn_gate_shexp", CK_ROLE_EXPERTS},
    {"ffn_up_shexp", CK_ROLE_EXPERTS},    {"ffn_down_shexp", CK_ROLE_EXPERTS},
};

static bool ends_with(const char *s, size_t len, const char *suf) {
    size_t n = strlen(suf);
    return len >= n && memcmp(s + len - n, suf, n) == 0;
}

/* The role of a block tensor's kind (the part after "blk.N.", before the
 * next dot). Kinds outside the table still group by their look: the other
 * norms of other architectures, and their expert tensors. */
static ck_role kind_role(const char *k, size_t n) {
    for (size_t i = 0; i < sizeof gguf_kinds / sizeof gguf_kinds[0]; i++) {
        size_t kl = strlen(gguf_kinds[i].kind);
        if (kl == n && memcmp(gguf_kinds[i].kind, k, n) == 0) return gguf_kinds[i].role;
    }
    if (ends_with(k, n, "_exps") || ends_with(k, n, "_shexp")) return CK_ROLE_EXPERTS;
    if (ends_with(k, n, "_norm")) return CK_ROLE_NORM;
    return CK_ROLE_OTHER;
}

/* Length of the first dot-separated component of s. */
static size_t component(const char *s, size_t len) {
    const char *dot = memchr(s, '.', len);
    return dot ? (size_t)(dot - s) : len;
}

/* A GGUF-scheme name: true and *layer, *role when it is one. */
static bool gguf_role(const char *s, size_t len, int *layer, ck_role *role) {
    if (has_at(s, len, 0, "blk.", 4)) {
        size_t i = 4;
        int n = parse_index(s, len, &i);
        if (n < 0 || i >= len || s[i] != '.') return false;
        i++;
        *layer = n;
        *role = kind_role(s + i, component(s + i, len - i));
        return true;
    }
    size_t c = component(s, len);
    if (c == 10 && memcmp(s, "token_embd", 10) == 0) {
        *role = CK_ROLE_EMBED;
    } else if ((c == 6 && memcmp(s, "output", 6) == 0) || (c == 11 && memcmp(s, "output_norm", 11) == 0)) {
        *role = CK_ROLE_OUTPUT;
    } else {
        return false;
    }
    *layer = -1;
    return true;
}

void ck_gguf_name_role(const char *gguf, size_t len, int *layer, ck_role *role) {
    int l = -1;
    ck_role r = CK_ROLE_OTHER;
    if (gguf && len) {
        if (!gguf_role(gguf, len, &l, &r)) {
            /* A Hugging Face name: through the patterns of every map. */
            ck_mapped_name mn;
            if (ck_name_map_to_gguf(&map_any, gguf, len, &mn) && mn.gguf[0]) {
                if (!gguf_role(mn.gguf, strlen(mn.gguf), &l, &r)) {
                    l = -1;
                    r = CK_ROLE_OTHER;
                }
            } else if (has_at(gguf, len, 0, "model.layers.", 13)) {
                size_t i = 13;
                int n = parse_index(gguf, len, &i);
                if (n >= 0 && i < len && gguf[i] == '.') l = n;
            }
        }
    }
    if (layer) *layer = l;
    if (role) *role = r;
}

const char *ck_role_name(ck_role r) {
    static const char *const names[CK_ROLE_COUNT] = {
        [CK_ROLE_ATTN_Q] = "q",        [CK_ROLE_ATTN_K] = "k",       [CK_ROLE_ATTN_V] = "v",
        [CK_ROLE_ATTN_O] = "o",        [CK_ROLE_FFN_GATE] = "gate",  [CK_ROLE_FFN_UP] = "up",
        [CK_ROLE_FFN_DOWN] = "down",   [CK_ROLE_NORM] = "norm",      [CK_ROLE_EXPERTS] = "experts",
        [CK_ROLE_EMBED] = "embed",     [CK_ROLE_OUTPUT] = "output",  [CK_ROLE_OTHER] = "other",
    };
    return (unsigned)r < CK_ROLE_COUNT ? names[r] : "other";
}
