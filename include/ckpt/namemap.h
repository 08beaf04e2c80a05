/* ckpt: tensor names across naming schemes.
 *
 * A model on the Hugging Face Hub names its tensors one way
 * (model.layers.3.self_attn.q_proj.weight) and a GGUF made by llama.cpp's
 * converter another (blk.3.attn_q.weight), stacks the experts of a
 * mixture-of-experts layer into one 3-D tensor, and permutes the rows of
 * q_proj and k_proj for llama-style rotary embeddings. The maps here are data:
 * one table of patterns a family of architectures.
 */
#ifndef CKPT_NAMEMAP_H
#define CKPT_NAMEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ck_name_map ck_name_map;

/* How llama.cpp's converter permutes the rows of a tensor. */
typedef enum ck_permute {
    CK_PERMUTE_NONE,
    CK_PERMUTE_HEADS,     /* q_proj: by n_head */
    CK_PERMUTE_KV_HEADS   /* k_proj: by n_head_kv */
} ck_permute;

/* What a Hugging Face name becomes in the GGUF scheme. */
typedef struct ck_mapped_name {
    char gguf[256];       /* e.g. "blk.3.attn_q.weight", "blk.3.ffn_gate_exps.weight" */
    int expert;           /* the expert's index in the stacked tensor, or -1 */
    ck_permute permute;
} ck_mapped_name;

/* llama.cpp's converter permutes the rows of q_proj and k_proj for its
 * rotary embedding: viewed as (heads, 2, half) rows, it stores Hugging Face
 * row (h, i, j) at (h, j, i). rows must be a multiple of 2 x heads. */
/* The stored (GGUF) row of Hugging Face row r. */
uint64_t ck_permute_to_gguf(uint64_t r, uint64_t rows, uint64_t heads);
/* The Hugging Face row of stored row r. */
uint64_t ck_permute_to_hf(uint64_t r, uint64_t rows, uint64_t heads);

/* The map called name ("llama", "mistral", "qwen2", "qwen3", "mixtral",
 * "qwen2moe", "qwen3moe", ...), or NULL. */
const ck_name_map *ck_name_map_named(const char *name);

/* The map for an architecture as GGUF's general.architecture or a
 * config.json's model_type names it, or NULL. */
const ck_name_map *ck_name_map_for_arch(const char *arch);

/* The map's name. */
const char *ck_name_map_name(const ck_name_map *m);

/* All maps, for --help and the man page; *n gets their count. */
const ck_name_map *const *ck_name_maps(size_t *n);

/* The GGUF name of Hugging Face name hf (len bytes). False when the map has
 * no pattern for it (the name is then compared as it is). Tensors that the
 * converter drops (rotary_emb.inv_freq) map to an empty gguf name. */
bool ck_name_map_to_gguf(const ck_name_map *m, const char *hf, size_t len, ck_mapped_name *out);

/* The Hugging Face name of GGUF name gguf (expert index for a stacked
 * tensor, else -1) into out (size n). False when the map has no pattern. */
bool ck_name_map_to_hf(const ck_name_map *m, const char *gguf, size_t len, int expert, char *out, size_t n);

/* Where a tensor sits, from its GGUF-scheme name: the layer (or -1) and the
 * role, for grouping results by layer and role. */
typedef enum ck_role {
    CK_ROLE_ATTN_Q, CK_ROLE_ATTN_K, CK_ROLE_ATTN_V, CK_ROLE_ATTN_O,
    CK_ROLE_FFN_GATE, CK_ROLE_FFN_UP, CK_ROLE_FFN_DOWN,
    CK_ROLE_NORM,         /* attn_norm, ffn_norm, q_norm, k_norm, ... */
    CK_ROLE_EXPERTS,      /* ffn_*_exps, ffn_gate_inp (router), shared experts */
    CK_ROLE_EMBED,        /* token_embd */
    CK_ROLE_OUTPUT,       /* output, output_norm */
    CK_ROLE_OTHER,
    CK_ROLE_COUNT
} ck_role;

void ck_gguf_name_role(const char *gguf, size_t len, int *layer, ck_role *role);
const char *ck_role_name(ck_role r);   /* "q", "k", "v", "o", "gate", "up", "down", "norm", "experts", ... */

#ifdef __cplusplus
}
#endif

#endif
