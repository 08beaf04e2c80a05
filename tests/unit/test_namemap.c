/* Unit tests: tensor-name maps between Hugging Face and GGUF names.
 *
 * The expected names below are written from FORMATS.md and llama.cpp's
 * gguf-py (tensor_mapping.py, constants.py) and convert_hf_to_gguf.py, not
 * from formats/namemap.c: LlamaModel (llama, mistral, mixtral) permutes
 * q_proj by n_head and k_proj by n_head_kv, weight and bias alike; the Qwen
 * models do not permute; mixtral's w1/w3/w2 are gate/up/down.
 */
#include "unit.h"

#include <stdio.h>

#include "bytes.h"
#include "corpus_model.h"
#include "ckpt/model.h"
#include "ckpt/namemap.h"

/* ===== the expected names ===== */

/* One name pair. hf and gguf are printf formats: the layer, then the expert
 * (only the Hugging Face name of an expert has one). perm: 0 none, 'q' by
 * n_head, 'k' by n_head_kv, when the architecture permutes at all. */
typedef struct pair {
    const char *hf;
    const char *gguf;
    bool stacked;
    char perm;
} pair;

typedef struct pair_set {
    const char *what;
    const pair *pairs;
    size_t n;
} pair_set;

#define SET(what, a) {what, a, sizeof a / sizeof a[0]}

static const pair base_pairs[] = {
    {"model.embed_tokens.weight", "token_embd.weight", false, 0},
    {"model.norm.weight", "output_norm.weight", false, 0},
    {"lm_head.weight", "output.weight", false, 0},
    {"model.layers.%d.input_layernorm.weight", "blk.%d.attn_norm.weight", false, 0},
    {"model.layers.%d.self_attn.q_proj.weight", "blk.%d.attn_q.weight", false, 'q'},
    {"model.layers.%d.self_attn.k_proj.weight", "blk.%d.attn_k.weight", false, 'k'},
    {"model.layers.%d.self_attn.v_proj.weight", "blk.%d.attn_v.weight", false, 0},
    {"model.layers.%d.self_attn.o_proj.weight", "blk.%d.attn_output.weight", false, 0},
    {"model.layers.%d.post_attention_layernorm.weight", "blk.%d.ffn_norm.weight", false, 0},
    {"model.layers.%d.mlp.gate_proj.weight", "blk.%d.ffn_gate.weight", false, 0},
    {"model.layers.%d.mlp.up_proj.weight", "blk.%d.ffn_up.weight", false, 0},
    {"model.layers.%d.mlp.down_proj.weight", "blk.%d.ffn_down.weight", false, 0},
};

/* Qwen2 has q/k/v biases; llama's attention_bias and mlp_bias give the rest.
 * The converter permutes the q and k biases like the weights. */
static const pair bias_pairs[] = {
    {"model.layers.%d.self_attn.q_proj.bias", "blk.%d.attn_q.bias", false, 'q'},
    {"model.layers.%d.self_attn.k_proj.bias", "blk.%d.attn_k.bias", false, 'k'},
    {"model.layers.%d.self_attn.v_proj.bias", "blk.%d.attn_v.bias", false, 0},
    {"model.layers.%d.self_attn.o_proj.bias", "blk.%d.attn_output.bias", false, 0},
    {"model.layers.%d.mlp.gate_proj.bias", "blk.%d.ffn_gate.bias", false, 0},
    {"model.layers.%d.mlp.up_proj.bias", "blk.%d.ffn_up.bias", false, 0},
    {"model.layers.%d.mlp.down_proj.bias", "blk.%d.ffn_down.bias", false, 0},
};

static const pair qk_norm_pairs[] = {
    {"model.layers.%d.self_attn.q_norm.weight", "blk.%d.attn_q_norm.weight", false, 0},
    {"model.layers.%d.self_attn.k_norm.weight", "blk.%d.attn_k_norm.weight", false, 0},
};

static const pair mixtral_pairs[] = {
    {"model.layers.%d.block_sparse_moe.gate.weight", "blk.%d.ffn_gate_inp.weight", false, 0},
    {"model.layers.%d.block_sparse_moe.experts.%d.w1.weight", "blk.%d.ffn_gate_exps.weight", true, 0},
    {"model.layers.%d.block_sparse_moe.experts.%d.w3.weight", "blk.%d.ffn_up_exps.weight", true, 0},
    {"model.layers.%d.block_sparse_moe.experts.%d.w2.weight", "blk.%d.ffn_down_exps.weight", true, 0},
};

static const pair qwen_moe_pairs[] = {
    {"model.layers.%d.mlp.gate.weight", "blk.%d.ffn_gate_inp.weight", false, 0},
    {"model.layers.%d.mlp.experts.%d.gate_proj.weight", "blk.%d.ffn_gate_exps.weight", true, 0},
    {"model.layers.%d.mlp.experts.%d.up_proj.weight", "blk.%d.ffn_up_exps.weight", true, 0},
    {"model.layers.%d.mlp.experts.%d.down_proj.weight", "blk.%d.ffn_down_exps.weight", true, 0},
};

static const pair shexp_pairs[] = {
    {"model.layers.%d.mlp.shared_expert.gate_proj.weight", "blk.%d.ffn_gate_shexp.weight", false, 0},
    {"model.layers.%d.mlp.shared_expert.up_proj.weight", "blk.%d.ffn_up_shexp.weight", false, 0},
    {"model.layers.%d.mlp.shared_expert.down_proj.weight", "blk.%d.ffn_down_shexp.weight", false, 0},
    {"model.layers.%d.mlp.shared_expert_gate.weight", "blk.%d.ffn_gate_inp_shexp.weight", false, 0},
};

enum { S_BASE, S_BIAS, S_QKNORM, S_MIXTRAL, S_QWENMOE, S_SHEXP, S_COUNT };

static const pair_set sets[S_COUNT] = {
    [S_BASE] = SET("base", base_pairs),          [S_BIAS] = SET("bias", bias_pairs),
    [S_QKNORM] = SET("qk_norm", qk_norm_pairs),  [S_MIXTRAL] = SET("mixtral", mixtral_pairs),
    [S_QWENMOE] = SET("qwen_moe", qwen_moe_pairs), [S_SHEXP] = SET("shexp", shexp_pairs),
};

/* What each map must know, and whether it permutes q and k. */
typedef struct map_expect {
    const char *name;
    bool permutes;
    bool has[S_COUNT];
} map_expect;

static const map_expect maps[] = {
    {"llama", true, {[S_BASE] = 1, [S_BIAS] = 1, [S_MIXTRAL] = 1}},
    {"mistral", true, {[S_BASE] = 1, [S_BIAS] = 1}},
    {"mixtral", true, {[S_BASE] = 1, [S_BIAS] = 1, [S_MIXTRAL] = 1}},
    {"qwen2", false, {[S_BASE] = 1, [S_BIAS] = 1}},
    {"qwen3", false, {[S_BASE] = 1, [S_BIAS] = 1, [S_QKNORM] = 1}},
    {"qwen2moe", false, {[S_BASE] = 1, [S_BIAS] = 1, [S_QWENMOE] = 1, [S_SHEXP] = 1}},
    {"qwen3moe", false, {[S_BASE] = 1, [S_BIAS] = 1, [S_QKNORM] = 1, [S_QWENMOE] = 1}},
};
#define N_MAPS (sizeof maps / sizeof maps[0])

static const int layers[] = {0, 1, 7, 10, 39, 99999, 100000};
static const int experts[] = {0, 1, 5, 10, 127, 100000};
#define N_LAYERS (sizeof layers / sizeof layers[0])
#define N_EXPERTS (sizeof experts / sizeof experts[0])

static const ck_name_map *map_of(const char *name) {
    const ck_name_map *m = ck_name_map_named(name);
    if (!m) fail_msg("no map called %s", name);
    return m;
}

static void fmt(char *out, size_t n, const char *f, int layer, int expert) {
    int k = snprintf(out, n, f, layer, expert);
    assert_true(k > 0 && (size_t)k < n);
}

static ck_permute want_perm(const map_expect *e, const pair *p) {
    if (!e->permutes || !p->perm) return CK_PERMUTE_NONE;
    return p->perm == 'q' ? CK_PERMUTE_HEADS : CK_PERMUTE_KV_HEADS;
}

/* The map turns hf into gguf, and gguf (with the expert) back into hf. */
static void expect_pair(const ck_name_map *m, const char *hf, const char *gguf, int expert, ck_permute perm) {
    ck_mapped_name mn;
    memset(&mn, 0x5a, sizeof mn);
    if (!ck_name_map_to_gguf(m, hf, strlen(hf), &mn))
        fail_msg("%s: %s does not map", ck_name_map_name(m), hf);
    if (strcmp(mn.gguf, gguf) != 0)
        fail_msg("%s: %s maps to %s, not %s", ck_name_map_name(m), hf, mn.gguf, gguf);
    assert_int_equal(mn.expert, expert);
    assert_int_equal(mn.permute, perm);
    char back[256];
    if (!ck_name_map_to_hf(m, gguf, strlen(gguf), expert, back, sizeof back))
        fail_msg("%s: %s (expert %d) does not map back", ck_name_map_name(m), gguf, expert);
    if (strcmp(back, hf) != 0)
        fail_msg("%s: %s (expert %d) maps back to %s, not %s", ck_name_map_name(m), gguf, expert, back, hf);
}

/* Whether gguf is one of the GGUF names of the sets that map e knows. */
static bool gguf_known(const map_expect *e, const char *gguf_fmt) {
    for (int s = 0; s < S_COUNT; s++) {
        if (!e->has[s]) continue;
        for (size_t i = 0; i < sets[s].n; i++)
            if (strcmp(sets[s].pairs[i].gguf, gguf_fmt) == 0) return true;
    }
    return false;
}

/* ===== maps: names and lookup ===== */

static void test_map_list(void **state) {
    (void)state;
    size_t n = 0;
    const ck_name_map *const *all = ck_name_maps(&n);
    assert_non_null(all);
    assert_int_equal(n, N_MAPS);
    for (size_t i = 0; i < N_MAPS; i++) {
        const ck_name_map *m = ck_name_map_named(maps[i].name);
        assert_non_null(m);
        assert_string_equal(ck_name_map_name(m), maps[i].name);
        bool listed = false;
        for (size_t j = 0; j < n; j++) listed |= all[j] == m;
        assert_true(listed);
    }
    assert_non_null(ck_name_maps(NULL));
    assert_null(ck_name_map_named("gemma"));
    assert_null(ck_name_map_named(""));
    assert_null(ck_name_map_named(NULL));
    assert_null(ck_name_map_named("Llama"));
    assert_null(ck_name_map_name(NULL));
}

static void test_for_arch(void **state) {
    (void)state;
    static const struct {
        const char *arch, *map;
    } archs[] = {
        /* GGUF general.architecture */
        {"llama", "llama"}, {"qwen2", "qwen2"}, {"qwen3", "qwen3"},
        {"qwen2moe", "qwen2moe"}, {"qwen3moe", "qwen3moe"},
        /* config.json model_type */
        {"mistral", "mistral"}, {"mixtral", "mixtral"},
        {"qwen2_moe", "qwen2moe"}, {"qwen3_moe", "qwen3moe"},
    };
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        const ck_name_map *m = ck_name_map_for_arch(archs[i].arch);
        assert_non_null(m);
        assert_string_equal(ck_name_map_name(m), archs[i].map);
    }
    assert_null(ck_name_map_for_arch("gemma2"));
    assert_null(ck_name_map_for_arch("LLAMA"));
    assert_null(ck_name_map_for_arch(""));
    assert_null(ck_name_map_for_arch(NULL));
}

/* ===== every pattern, both ways ===== */

static void test_every_pattern(void **state) {
    (void)state;
    char hf[256], gguf[256];
    size_t checked = 0;
    for (size_t i = 0; i < N_MAPS; i++) {
        const map_expect *e = &maps[i];
        const ck_name_map *m = map_of(e->name);
        for (int s = 0; s < S_COUNT; s++) {
            if (!e->has[s]) continue;
            for (size_t p = 0; p < sets[s].n; p++) {
                const pair *pr = &sets[s].pairs[p];
                for (size_t l = 0; l < N_LAYERS; l++) {
                    size_t ne = pr->stacked ? N_EXPERTS : 1;
                    for (size_t x = 0; x < ne; x++) {
                        int ex = pr->stacked ? experts[x] : -1;
                        fmt(hf, sizeof hf, pr->hf, layers[l], ex);
                        fmt(gguf, sizeof gguf, pr->gguf, layers[l], ex);
                        expect_pair(m, hf, gguf, ex, want_perm(e, pr));
                        checked++;
                    }
                }
            }
        }
    }
    assert_true(checked > 1000);
}

/* A map refuses the names of the sets it does not know (they are compared
 * as they are), and gives no Hugging Face name for GGUF names of theirs. */
static void test_foreign_patterns(void **state) {
    (void)state;
    char hf[256], gguf[256], back[256];
    for (size_t i = 0; i < N_MAPS; i++) {
        const map_expect *e = &maps[i];
        const ck_name_map *m = map_of(e->name);
        for (int s = 0; s < S_COUNT; s++) {
            if (e->has[s]) continue;
            for (size_t p = 0; p < sets[s].n; p++) {
                const pair *pr = &sets[s].pairs[p];
                int ex = pr->stacked ? 3 : -1;
                fmt(hf, sizeof hf, pr->hf, 2, ex);
                fmt(gguf, sizeof gguf, pr->gguf, 2, ex);
                ck_mapped_name mn;
                if (ck_name_map_to_gguf(m, hf, strlen(hf), &mn))
                    fail_msg("%s maps %s (of %s) to %s", e->name, hf, sets[s].what, mn.gguf);
                if (!gguf_known(e, pr->gguf))
                    assert_false(ck_name_map_to_hf(m, gguf, strlen(gguf), ex, back, sizeof back));
            }
        }
    }
}

/* Where two families share a GGUF name, each map answers with its own. */
static void test_shared_gguf_names(void **state) {
    (void)state;
    char out[256];
    const char *inp = "blk.4.ffn_gate_inp.weight";
    const char *exps = "blk.4.ffn_down_exps.weight";
    assert_true(ck_name_map_to_hf(map_of("llama"), inp, strlen(inp), -1, out, sizeof out));
    assert_string_equal(out, "model.layers.4.block_sparse_moe.gate.weight");
    assert_true(ck_name_map_to_hf(map_of("llama"), exps, strlen(exps), 6, out, sizeof out));
    assert_string_equal(out, "model.layers.4.block_sparse_moe.experts.6.w2.weight");
    assert_true(ck_name_map_to_hf(map_of("qwen3moe"), inp, strlen(inp), -1, out, sizeof out));
    assert_string_equal(out, "model.layers.4.mlp.gate.weight");
    assert_true(ck_name_map_to_hf(map_of("qwen2moe"), exps, strlen(exps), 6, out, sizeof out));
    assert_string_equal(out, "model.layers.4.mlp.experts.6.down_proj.weight");
    /* The dense llama names, not some other family's. */
    const char *q = "blk.0.attn_q.weight";
    assert_true(ck_name_map_to_hf(map_of("llama"), q, strlen(q), -1, out, sizeof out));
    assert_string_equal(out, "model.layers.0.self_attn.q_proj.weight");
}

/* ===== permutation ===== */

static void test_permute_flags(void **state) {
    (void)state;
    static const struct {
        const char *map;
        ck_permute q, k;
    } want[] = {
        {"llama", CK_PERMUTE_HEADS, CK_PERMUTE_KV_HEADS},
        {"mistral", CK_PERMUTE_HEADS, CK_PERMUTE_KV_HEADS},
        {"mixtral", CK_PERMUTE_HEADS, CK_PERMUTE_KV_HEADS},
        {"qwen2", CK_PERMUTE_NONE, CK_PERMUTE_NONE},
        {"qwen3", CK_PERMUTE_NONE, CK_PERMUTE_NONE},
        {"qwen2moe", CK_PERMUTE_NONE, CK_PERMUTE_NONE},
        {"qwen3moe", CK_PERMUTE_NONE, CK_PERMUTE_NONE},
    };
    static const char *const others[] = {
        "model.layers.3.self_attn.v_proj.weight", "model.layers.3.self_attn.o_proj.weight",
        "model.layers.3.mlp.gate_proj.weight",    "model.embed_tokens.weight",
        "lm_head.weight",                         "model.layers.3.input_layernorm.weight",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const ck_name_map *m = map_of(want[i].map);
        ck_mapped_name mn;
        const char *q = "model.layers.3.self_attn.q_proj.weight";
        const char *k = "model.layers.3.self_attn.k_proj.weight";
        const char *qb = "model.layers.3.self_attn.q_proj.bias";
        const char *kb = "model.layers.3.self_attn.k_proj.bias";
        assert_true(ck_name_map_to_gguf(m, q, strlen(q), &mn));
        assert_int_equal(mn.permute, want[i].q);
        assert_true(ck_name_map_to_gguf(m, k, strlen(k), &mn));
        assert_int_equal(mn.permute, want[i].k);
        assert_true(ck_name_map_to_gguf(m, qb, strlen(qb), &mn));
        assert_int_equal(mn.permute, want[i].q);
        assert_true(ck_name_map_to_gguf(m, kb, strlen(kb), &mn));
        assert_int_equal(mn.permute, want[i].k);
        for (size_t j = 0; j < sizeof others / sizeof others[0]; j++) {
            assert_true(ck_name_map_to_gguf(m, others[j], strlen(others[j]), &mn));
            assert_int_equal(mn.permute, CK_PERMUTE_NONE);
        }
    }
}

/* ===== experts ===== */

static void test_expert_indices(void **state) {
    (void)state;
    const ck_name_map *mx = map_of("mixtral");
    const ck_name_map *qm = map_of("qwen3moe");
    ck_mapped_name mn;
    char out[256];
    const char *a = "model.layers.12.block_sparse_moe.experts.7.w3.weight";
    assert_true(ck_name_map_to_gguf(mx, a, strlen(a), &mn));
    assert_string_equal(mn.gguf, "blk.12.ffn_up_exps.weight");
    assert_int_equal(mn.expert, 7);
    const char *b = "model.layers.0.mlp.experts.127.gate_proj.weight";
    assert_true(ck_name_map_to_gguf(qm, b, strlen(b), &mn));
    assert_string_equal(mn.gguf, "blk.0.ffn_gate_exps.weight");
    assert_int_equal(mn.expert, 127);
    /* Not an expert: -1. */
    const char *c = "model.layers.0.mlp.gate.weight";
    assert_true(ck_name_map_to_gguf(qm, c, strlen(c), &mn));
    assert_int_equal(mn.expert, -1);

    /* Bad expert numbers in names. */
    static const char *const bad[] = {
        "model.layers.0.mlp.experts.100001.gate_proj.weight",
        "model.layers.0.mlp.experts.01.gate_proj.weight",
        "model.layers.0.mlp.experts.-1.gate_proj.weight",
        "model.layers.0.mlp.experts..gate_proj.weight",
        "model.layers.0.mlp.experts.gate_proj.weight",   /* merged form: not a per-expert name */
        "model.layers.0.mlp.experts.99999999999999999999999.gate_proj.weight",
        "model.layers.0.mlp.experts.1e3.gate_proj.weight",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ck_name_map_to_gguf(qm, bad[i], strlen(bad[i]), &mn)) fail_msg("%s maps", bad[i]);

    /* to_hf: a stacked tensor needs an expert, anything else must have none. */
    const char *exps = "blk.2.ffn_gate_exps.weight";
    const char *dense = "blk.2.ffn_gate.weight";
    assert_false(ck_name_map_to_hf(qm, exps, strlen(exps), -1, out, sizeof out));
    assert_false(ck_name_map_to_hf(qm, exps, strlen(exps), 100001, out, sizeof out));
    assert_false(ck_name_map_to_hf(qm, exps, strlen(exps), -2, out, sizeof out));
    assert_false(ck_name_map_to_hf(qm, exps, strlen(exps), INT32_MIN, out, sizeof out));
    assert_false(ck_name_map_to_hf(qm, dense, strlen(dense), 0, out, sizeof out));
    assert_true(ck_name_map_to_hf(qm, exps, strlen(exps), 100000, out, sizeof out));
    assert_string_equal(out, "model.layers.2.mlp.experts.100000.gate_proj.weight");
    assert_true(ck_name_map_to_hf(qm, dense, strlen(dense), -1, out, sizeof out));
    assert_string_equal(out, "model.layers.2.mlp.gate_proj.weight");
}

/* ===== round trip ===== */

/* Whatever to_gguf makes of a name, to_hf makes the same name again. */
static void test_round_trip(void **state) {
    (void)state;
    char hf[256], back[256];
    for (size_t i = 0; i < N_MAPS; i++) {
        const ck_name_map *m = map_of(maps[i].name);
        for (int s = 0; s < S_COUNT; s++) {
            if (!maps[i].has[s]) continue;
            for (size_t p = 0; p < sets[s].n; p++) {
                for (int layer = 0; layer < 64; layer++) {
                    int ex = sets[s].pairs[p].stacked ? (layer * 7) % 61 : -1;
                    fmt(hf, sizeof hf, sets[s].pairs[p].hf, layer, ex);
                    ck_mapped_name mn;
                    assert_true(ck_name_map_to_gguf(m, hf, strlen(hf), &mn));
                    assert_true(ck_name_map_to_hf(m, mn.gguf, strlen(mn.gguf), mn.expert, back, sizeof back));
                    assert_string_equal(back, hf);
                }
            }
        }
    }
}

/* The converter skips every name ending in .rotary_emb.inv_freq: it maps to
 * an empty name, and no GGUF name maps back to it. */
static void test_dropped(void **state) {
    (void)state;
    static const char *const drop[] = {
        "model.layers.0.self_attn.rotary_emb.inv_freq",
        "model.layers.31.self_attn.rotary_emb.inv_freq",
        "model.rotary_emb.inv_freq",   /* where newer transformers keep it */
    };
    char out[64];
    for (size_t i = 0; i < N_MAPS; i++) {
        const ck_name_map *m = map_of(maps[i].name);
        for (size_t j = 0; j < sizeof drop / sizeof drop[0]; j++) {
            ck_mapped_name mn;
            memset(&mn, 0x5a, sizeof mn);
            assert_true(ck_name_map_to_gguf(m, drop[j], strlen(drop[j]), &mn));
            assert_string_equal(mn.gguf, "");
            assert_int_equal(mn.expert, -1);
            assert_int_equal(mn.permute, CK_PERMUTE_NONE);
        }
        assert_false(ck_name_map_to_hf(m, "", 0, -1, out, sizeof out));
    }
}

/* ===== the corpus pair: a Hugging Face model and its GGUF ===== */

static ck_model *open_model(const char *rel) { return open_model_in(g_corpus, rel); }

static void test_corpus_pair(void **state) {
    (void)state;
    ck_model *hf = open_model("safetensors/hf-f32.safetensors");
    ck_model *gg = open_model("gguf/corpus-f32.gguf");
    assert_int_equal(hf->format, CK_FORMAT_SAFETENSORS);
    assert_int_equal(gg->format, CK_FORMAT_GGUF);
    assert_int_equal(hf->n_tensors, 12);
    assert_int_equal(gg->n_tensors, 12);
    /* The GGUF says llama, and the llama map is what it picks. */
    const ck_name_map *m = ck_name_map_for_arch(gg->hparams.arch);
    assert_non_null(m);
    assert_string_equal(ck_name_map_name(m), "llama");

    bool used[12] = {false};
    int permuted_q = 0, permuted_k = 0;
    for (size_t i = 0; i < hf->n_tensors; i++) {
        const ck_tensor *t = &hf->tensors[i];
        ck_mapped_name mn;
        if (!ck_name_map_to_gguf(m, t->name, t->name_len, &mn)) fail_msg("%s does not map", t->name);
        assert_int_equal(mn.expert, -1);
        const ck_tensor *g = ck_model_tensor(gg, mn.gguf, strlen(mn.gguf));
        if (!g) fail_msg("%s maps to %s, which the GGUF does not have", t->name, mn.gguf);
        size_t gi = (size_t)(g - gg->tensors);
        assert_false(used[gi]);
        used[gi] = true;
        /* Both readers give row-major shapes. */
        assert_int_equal(g->rank, t->rank);
        for (uint32_t r = 0; r < t->rank; r++) assert_int_equal(g->shape[r], t->shape[r]);
        if (strcmp(t->name, "model.layers.0.self_attn.q_proj.weight") == 0) {
            assert_int_equal(mn.permute, CK_PERMUTE_HEADS);
            permuted_q++;
        } else if (strcmp(t->name, "model.layers.0.self_attn.k_proj.weight") == 0) {
            assert_int_equal(mn.permute, CK_PERMUTE_KV_HEADS);
            permuted_k++;
        } else {
            assert_int_equal(mn.permute, CK_PERMUTE_NONE);
        }
        /* And back. */
        char back[256];
        assert_true(ck_name_map_to_hf(m, g->name, g->name_len, -1, back, sizeof back));
        assert_string_equal(back, t->name);
    }
    assert_int_equal(permuted_q, 1);
    assert_int_equal(permuted_k, 1);
    for (size_t i = 0; i < 12; i++) assert_true(used[i]);

    /* Every GGUF name maps to a tensor of the Hugging Face model. */
    for (size_t i = 0; i < gg->n_tensors; i++) {
        char back[256];
        assert_true(ck_name_map_to_hf(m, gg->tensors[i].name, gg->tensors[i].name_len, -1, back, sizeof back));
        assert_non_null(ck_model_tensor(hf, back, strlen(back)));
    }
    ck_model_free(hf);
    ck_model_free(gg);
}

/* ===== roles and layers ===== */

typedef struct role_case {
    const char *name;
    int layer;
    ck_role role;
} role_case;

static void expect_role(const char *name, size_t len, int layer, ck_role role) {
    int l = 12345;
    ck_role r = CK_ROLE_COUNT;
    ck_gguf_name_role(name, len, &l, &r);
    if (l != layer || r != role)
        fail_msg("%.*s: layer %d role %s, want layer %d role %s", (int)(len > 200 ? 200 : len), name ? name : "",
                 l, ck_role_name(r), layer, ck_role_name(role));
}

static void test_roles_gguf(void **state) {
    (void)state;
    static const role_case cases[] = {
        {"token_embd.weight", -1, CK_ROLE_EMBED},
        {"output.weight", -1, CK_ROLE_OUTPUT},
        {"output_norm.weight", -1, CK_ROLE_OUTPUT},
        {"blk.0.attn_q.weight", 0, CK_ROLE_ATTN_Q},
        {"blk.0.attn_q.bias", 0, CK_ROLE_ATTN_Q},
        {"blk.1.attn_k.weight", 1, CK_ROLE_ATTN_K},
        {"blk.1.attn_k.bias", 1, CK_ROLE_ATTN_K},
        {"blk.2.attn_v.weight", 2, CK_ROLE_ATTN_V},
        {"blk.2.attn_v.bias", 2, CK_ROLE_ATTN_V},
        {"blk.3.attn_output.weight", 3, CK_ROLE_ATTN_O},
        {"blk.3.attn_output.bias", 3, CK_ROLE_ATTN_O},
        {"blk.4.ffn_gate.weight", 4, CK_ROLE_FFN_GATE},
        {"blk.5.ffn_up.weight", 5, CK_ROLE_FFN_UP},
        {"blk.6.ffn_down.weight", 6, CK_ROLE_FFN_DOWN},
        {"blk.7.attn_norm.weight", 7, CK_ROLE_NORM},
        {"blk.8.ffn_norm.weight", 8, CK_ROLE_NORM},
        {"blk.9.attn_q_norm.weight", 9, CK_ROLE_NORM},
        {"blk.10.attn_k_norm.weight", 10, CK_ROLE_NORM},
        {"blk.11.ffn_gate_inp.weight", 11, CK_ROLE_EXPERTS},
        {"blk.12.ffn_gate_exps.weight", 12, CK_ROLE_EXPERTS},
        {"blk.13.ffn_up_exps.weight", 13, CK_ROLE_EXPERTS},
        {"blk.14.ffn_down_exps.weight", 14, CK_ROLE_EXPERTS},
        {"blk.15.ffn_gate_shexp.weight", 15, CK_ROLE_EXPERTS},
        {"blk.16.ffn_up_shexp.weight", 16, CK_ROLE_EXPERTS},
        {"blk.17.ffn_down_shexp.weight", 17, CK_ROLE_EXPERTS},
        {"blk.18.ffn_gate_inp_shexp.weight", 18, CK_ROLE_EXPERTS},
        {"blk.100000.attn_q.weight", 100000, CK_ROLE_ATTN_Q},
        /* Without a suffix. */
        {"blk.3.attn_q", 3, CK_ROLE_ATTN_Q},
        {"token_embd", -1, CK_ROLE_EMBED},
        /* Block tensors of other kinds keep their layer. */
        {"blk.3.attn_rot_embd", 3, CK_ROLE_OTHER},
        {"blk.3.attn_qkv.weight", 3, CK_ROLE_OTHER},
        {"blk.3.ffn_gate_up.weight", 3, CK_ROLE_OTHER},
        {"blk.0..weight", 0, CK_ROLE_OTHER},
        {"blk.0.", 0, CK_ROLE_OTHER},
        /* Names that only start like a known kind. */
        {"blk.3.attn_qq.weight", 3, CK_ROLE_OTHER},
        {"blk.3.attn.weight", 3, CK_ROLE_OTHER},
        {"token_embd_norm.weight", -1, CK_ROLE_OTHER},
        {"outputs.weight", -1, CK_ROLE_OTHER},
        {"rope_freqs.weight", -1, CK_ROLE_OTHER},
        {"", -1, CK_ROLE_OTHER},
        /* Bad layer numbers: no layer. */
        {"blk.100001.attn_q.weight", -1, CK_ROLE_OTHER},
        {"blk.07.attn_q.weight", -1, CK_ROLE_OTHER},
        {"blk.-1.attn_q.weight", -1, CK_ROLE_OTHER},
        {"blk.+1.attn_q.weight", -1, CK_ROLE_OTHER},
        {"blk. 1.attn_q.weight", -1, CK_ROLE_OTHER},
        {"blk.1x.attn_q.weight", -1, CK_ROLE_OTHER},
        {"blk..attn_q.weight", -1, CK_ROLE_OTHER},
        {"blk.0", -1, CK_ROLE_OTHER},
        {"blk.", -1, CK_ROLE_OTHER},
        {"blk", -1, CK_ROLE_OTHER},
        {"blk.4294967296.attn_q.weight", -1, CK_ROLE_OTHER},
        {"blk.99999999999999999999999999999999.attn_q.weight", -1, CK_ROLE_OTHER},
        {"BLK.1.attn_q.weight", -1, CK_ROLE_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_role(cases[i].name, strlen(cases[i].name), cases[i].layer, cases[i].role);
}

/* Other architectures' norms and experts group by their look. */
static void test_roles_other_kinds(void **state) {
    (void)state;
    expect_role("blk.2.post_attention_norm.weight", strlen("blk.2.post_attention_norm.weight"), 2, CK_ROLE_NORM);
    expect_role("blk.2.post_ffw_norm.weight", strlen("blk.2.post_ffw_norm.weight"), 2, CK_ROLE_NORM);
    expect_role("blk.2.ffn_gate_up_exps.weight", strlen("blk.2.ffn_gate_up_exps.weight"), 2, CK_ROLE_EXPERTS);
}

/* Hugging Face names, without a map. */
static void test_roles_hf(void **state) {
    (void)state;
    static const role_case cases[] = {
        {"model.embed_tokens.weight", -1, CK_ROLE_EMBED},
        {"lm_head.weight", -1, CK_ROLE_OUTPUT},
        {"model.norm.weight", -1, CK_ROLE_OUTPUT},
        {"model.layers.0.self_attn.q_proj.weight", 0, CK_ROLE_ATTN_Q},
        {"model.layers.0.self_attn.q_proj.bias", 0, CK_ROLE_ATTN_Q},
        {"model.layers.1.self_attn.k_proj.weight", 1, CK_ROLE_ATTN_K},
        {"model.layers.2.self_attn.v_proj.weight", 2, CK_ROLE_ATTN_V},
        {"model.layers.3.self_attn.o_proj.weight", 3, CK_ROLE_ATTN_O},
        {"model.layers.4.mlp.gate_proj.weight", 4, CK_ROLE_FFN_GATE},
        {"model.layers.5.mlp.up_proj.weight", 5, CK_ROLE_FFN_UP},
        {"model.layers.6.mlp.down_proj.weight", 6, CK_ROLE_FFN_DOWN},
        {"model.layers.7.input_layernorm.weight", 7, CK_ROLE_NORM},
        {"model.layers.8.post_attention_layernorm.weight", 8, CK_ROLE_NORM},
        {"model.layers.9.self_attn.q_norm.weight", 9, CK_ROLE_NORM},
        {"model.layers.9.self_attn.k_norm.weight", 9, CK_ROLE_NORM},
        {"model.layers.10.block_sparse_moe.gate.weight", 10, CK_ROLE_EXPERTS},
        {"model.layers.10.block_sparse_moe.experts.3.w1.weight", 10, CK_ROLE_EXPERTS},
        {"model.layers.11.mlp.gate.weight", 11, CK_ROLE_EXPERTS},
        {"model.layers.11.mlp.experts.60.down_proj.weight", 11, CK_ROLE_EXPERTS},
        {"model.layers.12.mlp.shared_expert.up_proj.weight", 12, CK_ROLE_EXPERTS},
        {"model.layers.12.mlp.shared_expert_gate.weight", 12, CK_ROLE_EXPERTS},
        {"model.layers.13.self_attn.rotary_emb.inv_freq", 13, CK_ROLE_OTHER},
        {"model.layers.14.some_adapter.lora_A.weight", 14, CK_ROLE_OTHER},
        {"model.layers.100001.self_attn.q_proj.weight", -1, CK_ROLE_OTHER},
        {"model.layers.01.self_attn.q_proj.weight", -1, CK_ROLE_OTHER},
        {"model.layers.x.self_attn.q_proj.weight", -1, CK_ROLE_OTHER},
        {"model.layers.3", -1, CK_ROLE_OTHER},
        {"transformer.h.0.attn.c_attn.weight", -1, CK_ROLE_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_role(cases[i].name, strlen(cases[i].name), cases[i].layer, cases[i].role);
    /* The out-pointers are optional. */
    ck_gguf_name_role("blk.1.attn_q.weight", 19, NULL, NULL);
    ck_gguf_name_role(NULL, 0, NULL, NULL);
    expect_role(NULL, 0, -1, CK_ROLE_OTHER);
}

static void test_role_names(void **state) {
    (void)state;
    static const char *const want[] = {"q", "k", "v", "o", "gate", "up", "down", "norm", "experts"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(ck_role_name((ck_role)i), want[i]);
    for (int a = 0; a < CK_ROLE_COUNT; a++) {
        assert_non_null(ck_role_name((ck_role)a));
        assert_true(ck_role_name((ck_role)a)[0] != 0);
        for (int b = 0; b < a; b++) assert_string_not_equal(ck_role_name((ck_role)a), ck_role_name((ck_role)b));
    }
    assert_non_null(ck_role_name(CK_ROLE_COUNT));
    assert_non_null(ck_role_name((ck_role)-1));
}

/* ===== hostile names ===== */

/* The names are read through their length only: each test name sits in a
 * buffer of exactly its length, without a NUL, where ASan sees any overread. */
static bool to_gguf_exact(const ck_name_map *m, const char *name, size_t len, ck_mapped_name *mn) {
    uint8_t *p = exact_copy(name, len);
    bool ok = ck_name_map_to_gguf(m, (const char *)p, len, mn);
    free(p);
    return ok;
}

static void test_length_not_nul(void **state) {
    (void)state;
    const ck_name_map *m = map_of("llama");
    ck_mapped_name mn;
    const char *name = "model.layers.5.self_attn.q_proj.weight";
    size_t n = strlen(name);
    assert_true(to_gguf_exact(m, name, n, &mn));
    assert_string_equal(mn.gguf, "blk.5.attn_q.weight");
    /* Bytes after len are not part of the name. */
    const char *longer = "model.layers.5.self_attn.q_proj.weight.extra";
    assert_true(ck_name_map_to_gguf(m, longer, n, &mn));
    assert_string_equal(mn.gguf, "blk.5.attn_q.weight");
    /* Every proper prefix is refused, and so is every one-byte extension. */
    for (size_t k = 0; k < n; k++) assert_false(to_gguf_exact(m, name, k, &mn));
    char buf[64];
    memcpy(buf, name, n);
    for (int c = 0; c < 256; c++) {
        buf[n] = (char)c;
        assert_false(to_gguf_exact(m, buf, n + 1, &mn));
    }
    /* NUL bytes inside. */
    static const char nul1[] = "model.layers.5.self_attn.q_proj.weight\0";
    static const char nul2[] = "model.layers.5\0.self_attn.q_proj.weight";
    static const char nul3[] = "model.layers.\0005.self_attn.q_proj.weight";
    assert_false(to_gguf_exact(m, nul1, sizeof nul1 - 1, &mn));
    assert_false(to_gguf_exact(m, nul2, sizeof nul2 - 1, &mn));
    assert_false(to_gguf_exact(m, nul3, sizeof nul3 - 1, &mn));
    /* The GGUF side too. */
    char out[256];
    static const char g1[] = "blk.5.attn_q.weight\0";
    static const char g2[] = "blk.5\0.attn_q.weight";
    assert_false(ck_name_map_to_hf(m, g1, sizeof g1 - 1, -1, out, sizeof out));
    assert_false(ck_name_map_to_hf(m, g2, sizeof g2 - 1, -1, out, sizeof out));
    expect_role(g2, sizeof g2 - 1, -1, CK_ROLE_OTHER);
    static const char g3[] = "blk.5.attn_q\0.weight";
    expect_role(g3, sizeof g3 - 1, 5, CK_ROLE_OTHER);
    uint8_t *p = exact_copy("blk.5.attn_q", 12);
    expect_role((const char *)p, 12, 5, CK_ROLE_ATTN_Q);
    free(p);
    p = exact_copy("blk.5", 5);
    expect_role((const char *)p, 5, -1, CK_ROLE_OTHER);
    free(p);
    p = exact_copy("blk.12345", 9);
    expect_role((const char *)p, 9, -1, CK_ROLE_OTHER);
    free(p);
    p = exact_copy("model.layers.12", 15);
    expect_role((const char *)p, 15, -1, CK_ROLE_OTHER);
    free(p);
}

static void test_hostile_layers(void **state) {
    (void)state;
    static const char *const bad[] = {
        "model.layers.100001.self_attn.q_proj.weight",
        "model.layers.1000000.self_attn.q_proj.weight",
        "model.layers.4294967297.self_attn.q_proj.weight",
        "model.layers.18446744073709551617.self_attn.q_proj.weight",
        "model.layers.99999999999999999999999999999999999999.self_attn.q_proj.weight",
        "model.layers.007.self_attn.q_proj.weight",
        "model.layers.00.self_attn.q_proj.weight",
        "model.layers.-0.self_attn.q_proj.weight",
        "model.layers.+3.self_attn.q_proj.weight",
        "model.layers. 3.self_attn.q_proj.weight",
        "model.layers.3 .self_attn.q_proj.weight",
        "model.layers.0x10.self_attn.q_proj.weight",
        "model.layers..self_attn.q_proj.weight",
        "model.layers.3.self_attn.q_proj.weights",
        "model.layers.3.self_attn.q_proj.Weight",
        "model.layers.3.self_attn.q_proj.weight_scale",
        "model.layers.3.self_attn.q_proj",
        "model.layers.3.self_attn.q_proj.",
        "model.layers.3.self_attn.q_proj.bia",
        "Model.layers.3.self_attn.q_proj.weight",
        "layers.3.self_attn.q_proj.weight",
        "blk.3.attn_q.weight",
        "model.embed_tokens",
        "model.embed_tokens.weight.weight",
        "",
    };
    for (size_t i = 0; i < N_MAPS; i++) {
        const ck_name_map *m = map_of(maps[i].name);
        for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
            ck_mapped_name mn;
            if (to_gguf_exact(m, bad[j], strlen(bad[j]), &mn))
                fail_msg("%s maps %s to %s", maps[i].name, bad[j], mn.gguf);
        }
    }
    /* The same on the GGUF side. */
    static const char *const bad_gguf[] = {
        "blk.100001.attn_q.weight", "blk.007.attn_q.weight", "blk.-1.attn_q.weight",
        "blk.18446744073709551617.attn_q.weight", "blk.3.attn_q.weights", "blk.3.attn_q",
        "model.layers.3.self_attn.q_proj.weight", "token_embd", "", "blk.3.attn_q_norm.weight",
    };
    const ck_name_map *m = map_of("llama");
    char out[256];
    for (size_t j = 0; j < sizeof bad_gguf / sizeof bad_gguf[0]; j++) {
        uint8_t *p = exact_copy(bad_gguf[j], strlen(bad_gguf[j]));
        memset(out, 'x', sizeof out);
        assert_false(ck_name_map_to_hf(m, (const char *)p, strlen(bad_gguf[j]), -1, out, sizeof out));
        assert_int_equal(out[0], 0);
        free(p);
    }
}

static void test_long_names(void **state) {
    (void)state;
    const size_t big = 1 << 20;
    const ck_name_map *m = map_of("qwen3moe");
    ck_mapped_name mn;
    char out[256];
    /* A megabyte of digits where the layer number goes. */
    char *s = malloc(big);
    assert_non_null(s);
    memcpy(s, "model.layers.", 13);
    memset(s + 13, '1', big - 13);
    assert_false(to_gguf_exact(m, s, big, &mn));
    expect_role(s, big, -1, CK_ROLE_OTHER);
    memcpy(s, "blk.", 4);
    memset(s + 4, '9', big - 4);
    assert_false(ck_name_map_to_hf(m, s, big, -1, out, sizeof out));
    expect_role(s, big, -1, CK_ROLE_OTHER);
    /* A megabyte of zeros after "blk.". */
    memset(s + 4, '0', big - 4);
    expect_role(s, big, -1, CK_ROLE_OTHER);
    /* A valid prefix, then a megabyte of name. */
    int k = snprintf(s, big, "model.layers.3.self_attn.q_proj.");
    memset(s + k, 'w', big - (size_t)k);
    assert_false(to_gguf_exact(m, s, big, &mn));
    expect_role(s, big, 3, CK_ROLE_OTHER);
    k = snprintf(s, big, "blk.3.attn_q.");
    memset(s + k, 'w', big - (size_t)k);
    expect_role(s, big, 3, CK_ROLE_ATTN_Q);
    assert_false(ck_name_map_to_hf(m, s, big, -1, out, sizeof out));
    /* A megabyte-long kind. */
    k = snprintf(s, big, "blk.3.");
    memset(s + k, 'a', big - (size_t)k);
    expect_role(s, big, 3, CK_ROLE_OTHER);
    /* A megabyte of NULs. */
    memset(s, 0, big);
    assert_false(to_gguf_exact(m, s, big, &mn));
    expect_role(s, big, -1, CK_ROLE_OTHER);
    free(s);
}

/* Small output buffers: refused, never overrun, always terminated. */
static void test_small_buffers(void **state) {
    (void)state;
    const ck_name_map *m = map_of("mixtral");
    const char *g = "blk.31.ffn_down_exps.weight";
    const char *want = "model.layers.31.block_sparse_moe.experts.7.w2.weight";
    size_t need = strlen(want) + 1;
    char *out = malloc(need);
    assert_non_null(out);
    assert_true(ck_name_map_to_hf(m, g, strlen(g), 7, out, need));
    assert_string_equal(out, want);
    free(out);
    for (size_t n = 1; n < need; n++) {
        out = malloc(n);   /* exact size: ASan sees an overrun */
        assert_non_null(out);
        assert_false(ck_name_map_to_hf(m, g, strlen(g), 7, out, n));
        assert_int_equal(out[0], 0);
        free(out);
    }
    char one;
    assert_false(ck_name_map_to_hf(m, g, strlen(g), 7, &one, 0));
    assert_false(ck_name_map_to_hf(m, g, strlen(g), 7, NULL, 0));
    /* NULL arguments. */
    ck_mapped_name mn;
    const char *h = "lm_head.weight";
    assert_false(ck_name_map_to_gguf(NULL, h, strlen(h), &mn));
    assert_false(ck_name_map_to_gguf(m, h, strlen(h), NULL));
    assert_false(ck_name_map_to_gguf(m, NULL, 5, &mn));
    assert_false(ck_name_map_to_gguf(m, NULL, 0, &mn));
    char buf[64];
    assert_false(ck_name_map_to_hf(NULL, "output.weight", 13, -1, buf, sizeof buf));
    assert_false(ck_name_map_to_hf(m, NULL, 13, -1, buf, sizeof buf));
}

/* The permutation as convert_hf_to_gguf.py writes it, simulated on index
 * arrays: w.reshape(n, 2, half, cols).swapaxes(1, 2).reshape(rows, cols),
 * so out[h][i][j] = in[h][j][i] with out viewed as (n, half, 2). */
static void test_permute_rows(void **state) {
    (void)state;
    const uint64_t cases[][2] = {{8, 1}, {8, 2}, {8, 4}, {256, 4}, {64, 8}, {12, 3}, {2, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint64_t rows = cases[c][0], n = cases[c][1], half = rows / n / 2;
        uint64_t *out_src = malloc(rows * sizeof *out_src);
        for (uint64_t h = 0; h < n; h++)
            for (uint64_t i = 0; i < half; i++)
                for (uint64_t j = 0; j < 2; j++)
                    out_src[h * half * 2 + i * 2 + j] = h * 2 * half + j * half + i;
        uint8_t *seen = calloc(rows, 1);
        for (uint64_t s = 0; s < rows; s++) {
            /* stored row s holds Hugging Face row out_src[s] */
            assert_int_equal(ck_permute_to_hf(s, rows, n), out_src[s]);
            assert_int_equal(ck_permute_to_gguf(out_src[s], rows, n), s);
            seen[ck_permute_to_gguf(s, rows, n)]++;
        }
        for (uint64_t s = 0; s < rows; s++) assert_int_equal(seen[s], 1);
        free(seen);
        free(out_src);
    }
    /* Worked by hand: 8 rows, 1 head, half 4. Stored order 0 4 1 5 2 6 3 7. */
    const uint64_t want[8] = {0, 4, 1, 5, 2, 6, 3, 7};
    for (uint64_t s = 0; s < 8; s++) assert_int_equal(ck_permute_to_hf(s, 8, 1), want[s]);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_list),
        cmocka_unit_test(test_for_arch),
        cmocka_unit_test(test_every_pattern),
        cmocka_unit_test(test_foreign_patterns),
        cmocka_unit_test(test_shared_gguf_names),
        cmocka_unit_test(test_permute_flags),
        cmocka_unit_test(test_expert_indices),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_dropped),
        cmocka_unit_test(test_corpus_pair),
        cmocka_unit_test(test_roles_gguf),
        cmocka_unit_test(test_roles_other_kinds),
        cmocka_unit_test(test_roles_hf),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_length_not_nul),
        cmocka_unit_test(test_hostile_layers),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_small_buffers),
        cmocka_unit_test(test_permute_rows),
    };
    return cmocka_run_group_tests_name("namemap", tests, NULL, NULL) ? 1 : 0;
}
