/* Architecture hyper-parameters: GGUF keys (<arch>.block_count, ...) or the
 * fields of a Hugging Face config.json. */
#include "hparams.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt/rules.h"
#include "kv_json.h"

/* ===== GGUF ===== */

static bool int_of(const ck_value *v, int64_t *out) {
    switch (v->type) {
    case CK_V_U8: case CK_V_U16: case CK_V_U32: case CK_V_U64:
        if (v->v.u > INT64_MAX) return false;
        *out = (int64_t)v->v.u;
        return true;
    case CK_V_I8: case CK_V_I16: case CK_V_I32: case CK_V_I64:
        *out = v->v.i;
        return true;
    default:
        return false;
    }
}

/* Where GGUF values come from: a GGUF's kvs, or a safetensors __metadata__
 * that holds them as JSON with their types (what ckpt convert writes). */
typedef struct kv_source {
    const ck_model *m;
    json_t *types;           /* key -> GGUF type spec, or NULL for a GGUF */
    ck_arena *arena;         /* for decoded values */
} kv_source;

static bool lookup(const kv_source *s, const char *key, ck_value *out) {
    const ck_kv *kv = ck_model_kv(s->m, key);
    if (!kv) return false;
    if (!s->types) {
        *out = kv->value;
        return true;
    }
    json_t *spec = json_object_get(s->types, key);
    const char *why;
    return json_is_string(spec) && kv->value.type == CK_V_STR &&
           ck_value_from_json(kv->value.v.s.ptr, (size_t)kv->value.v.s.len, json_string_value(spec), s->arena, out,
                              &why);
}

/* An integer value; a per-layer array (some architectures vary head counts
 * by layer) gives its largest element. */
static bool kv_int(const kv_source *s, const char *key, int64_t *out) {
    ck_value v;
    if (!lookup(s, key, &v)) return false;
    if (v.type != CK_V_ARR) return int_of(&v, out);
    ck_array_iter it;
    ck_value e;
    int64_t best = INT64_MIN;
    ck_array_iter_init(&it, &v.v.a);
    while (ck_array_next(&it, &e)) {
        int64_t x;
        if (!int_of(&e, &x)) return false;
        if (x > best) best = x;
    }
    if (best == INT64_MIN) return false;
    *out = best;
    return true;
}

static bool kv_float(const kv_source *s, const char *key, double *out) {
    ck_value v;
    if (!lookup(s, key, &v) || (v.type != CK_V_F32 && v.type != CK_V_F64)) return false;
    *out = v.v.f;
    return true;
}

static void arch_key(char *buf, size_t n, const char *arch, const char *suffix) {
    snprintf(buf, n, "%s.%s", arch, suffix);
}

static void from_kvs(ck_model *m, const kv_source *src, const char *source) {
    ck_hparams *h = &m->hparams;
    ck_value a;
    if (!lookup(src, "general.architecture", &a) || a.type != CK_V_STR || a.v.s.len == 0 || a.v.s.len >= sizeof h->arch)
        return;
    memcpy(h->arch, a.v.s.ptr, (size_t)a.v.s.len);
    h->arch[a.v.s.len] = 0;
    snprintf(h->source, sizeof h->source, "%s", source);
    char key[160];
    static const struct {
        const char *suffix;
        size_t field;
    } ints[] = {
        {"block_count", offsetof(ck_hparams, n_layer)},
        {"context_length", offsetof(ck_hparams, n_ctx)},
        {"embedding_length", offsetof(ck_hparams, n_embd)},
        {"feed_forward_length", offsetof(ck_hparams, n_ff)},
        {"attention.head_count", offsetof(ck_hparams, n_head)},
        {"attention.head_count_kv", offsetof(ck_hparams, n_head_kv)},
        {"expert_count", offsetof(ck_hparams, n_expert)},
        {"expert_used_count", offsetof(ck_hparams, n_expert_used)},
        {"vocab_size", offsetof(ck_hparams, n_vocab)},
        {"attention.key_length", offsetof(ck_hparams, head_dim)},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        arch_key(key, sizeof key, h->arch, ints[i].suffix);
        int64_t v;
        if (kv_int(src, key, &v)) *(int64_t *)((char *)h + ints[i].field) = v;
    }
    /* llama.cpp: head_count_kv defaults to head_count. */
    if (h->n_head_kv < 0) h->n_head_kv = h->n_head;
    if (h->n_vocab < 0) {
        ck_value tok;
        if (lookup(src, "tokenizer.ggml.tokens", &tok) && tok.type == CK_V_ARR && tok.v.a.count <= INT64_MAX)
            h->n_vocab = (int64_t)tok.v.a.count;
    }
    arch_key(key, sizeof key, h->arch, "rope.freq_base");
    kv_float(src, key, &h->rope_theta);
    arch_key(key, sizeof key, h->arch, "attention.layer_norm_rms_epsilon");
    h->norm_rms = kv_float(src, key, &h->norm_eps);
    if (!h->norm_rms) {
        arch_key(key, sizeof key, h->arch, "attention.layer_norm_epsilon");
        kv_float(src, key, &h->norm_eps);
    }
}

void ck_hparams_from_gguf(ck_model *m) {
    kv_source src = {m, NULL, NULL};
    from_kvs(m, &src, "gguf");
}

void ck_hparams_from_st_metadata(ck_model *m) {
    const ck_kv *t = ck_model_kv(m, "ckpt.gguf_types");
    if (m->hparams.source[0] || !t || t->value.type != CK_V_STR) return;
    json_error_t err;
    json_t *types = json_loadb(t->value.v.s.ptr, (size_t)t->value.v.s.len, 0, &err);
    if (json_is_object(types)) {
        kv_source src = {m, types, ck_model_arena(m)};
        from_kvs(m, &src, "metadata");
    }
    json_decref(types);
}

/* ===== config.json ===== */

/* Hugging Face model_type -> llama.cpp architecture name, where they differ
 * or where the converter maps several types to one architecture. */
static const struct {
    const char *model_type, *arch;
} arch_names[] = {
    {"llama", "llama"},         {"mistral", "llama"},       {"mixtral", "llama"},
    {"qwen2", "qwen2"},         {"qwen2_moe", "qwen2moe"},  {"qwen3", "qwen3"},
    {"qwen3_moe", "qwen3moe"},  {"gemma", "gemma"},         {"gemma2", "gemma2"},
    {"gemma3", "gemma3"},       {"gemma3_text", "gemma3"},  {"phi3", "phi3"},
    {"phi", "phi2"},            {"starcoder2", "starcoder2"}, {"gpt2", "gpt2"},
    {"deepseek_v2", "deepseek2"}, {"deepseek_v3", "deepseek2"}, {"gpt_oss", "gpt-oss"},
    {"olmo", "olmo"},           {"olmo2", "olmo2"},         {"granite", "granite"},
    {"falcon", "falcon"},       {"gpt_neox", "gptneox"},    {"stablelm", "stablelm"},
};

const char *ck_arch_for_model_type(const char *model_type) {
    for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
        if (strcmp(arch_names[i].model_type, model_type) == 0) return arch_names[i].arch;
    return NULL;
}

static void cfg_int(json_t *cfg, const char *const *names, int64_t *out) {
    for (; *names; names++) {
        json_t *v = json_object_get(cfg, *names);
        if (json_is_integer(v)) {
            *out = json_integer_value(v);
            return;
        }
    }
}

static void cfg_float(json_t *cfg, const char *const *names, double *out) {
    for (; *names; names++) {
        json_t *v = json_object_get(cfg, *names);
        if (json_is_number(v)) {
            *out = json_number_value(v);
            return;
        }
    }
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
/* config.json files are a few KB; this bounds what a hostile one costs. */
#define CONFIG_MAX_BYTES (16u << 20)

ck_status ck_hparams_from_config(ck_model *m, const char *path, ck_diag *d) {
    struct stat st;
    if (stat(path, &st) != 0) return CK_OK;
    ck_where w = {.file = path, .offset = CK_NO_OFFSET};
    if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_BYTES) {
        ck_report(d, &CK_RULE_MODEL_CONFIG, CK_ERR_FORMAT, 0, &w,
                  "config.json is not a regular file of at most 16 MB");
        return CK_ERR_FORMAT;
    }
    json_error_t err;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root || !json_is_object(root)) {
        w.offset = root ? CK_NO_OFFSET : (int64_t)err.position;
        ck_report(d, &CK_RULE_MODEL_CONFIG, CK_ERR_FORMAT, 0, &w, "config.json is not a JSON object%s%s",
                  root ? "" : ": ", root ? "" : err.text);
        json_decref(root);
        return CK_ERR_FORMAT;
    }
    ck_hparams *h = &m->hparams;
    /* Multimodal models keep the language model's fields in text_config. */
    json_t *cfg = root;
    json_t *text = json_object_get(root, "text_config");
    if (json_is_object(text) && !json_object_get(root, "num_hidden_layers")) cfg = text;
    json_t *mt = json_object_get(cfg, "model_type");
    if (!json_is_string(mt)) mt = json_object_get(root, "model_type");
    if (json_is_string(mt)) {
        const char *arch = ck_arch_for_model_type(json_string_value(mt));
        snprintf(h->arch, sizeof h->arch, "%s", arch ? arch : json_string_value(mt));
    }
    snprintf(h->source, sizeof h->source, "config.json");
    cfg_int(cfg, NAMES("num_hidden_layers", "n_layer", "num_layers"), &h->n_layer);
    cfg_int(cfg, NAMES("max_position_embeddings", "n_positions", "max_sequence_length"), &h->n_ctx);
    cfg_int(cfg, NAMES("hidden_size", "n_embd", "d_model"), &h->n_embd);
    cfg_int(cfg, NAMES("intermediate_size", "n_inner", "ffn_dim"), &h->n_ff);
    cfg_int(cfg, NAMES("num_attention_heads", "n_head"), &h->n_head);
    cfg_int(cfg, NAMES("num_key_value_heads", "n_head_kv"), &h->n_head_kv);
    if (h->n_head_kv < 0) h->n_head_kv = h->n_head;
    cfg_int(cfg, NAMES("num_local_experts", "num_experts", "n_routed_experts"), &h->n_expert);
    cfg_int(cfg, NAMES("num_experts_per_tok", "num_experts_per_token"), &h->n_expert_used);
    cfg_int(cfg, NAMES("vocab_size"), &h->n_vocab);
    cfg_int(cfg, NAMES("head_dim"), &h->head_dim);
    if (h->n_vocab < 0) cfg_int(root, NAMES("vocab_size"), &h->n_vocab);
    cfg_float(cfg, NAMES("rope_theta"), &h->rope_theta);
    cfg_float(cfg, NAMES("rms_norm_eps"), &h->norm_eps);
    h->norm_rms = h->norm_eps == h->norm_eps;
    if (!h->norm_rms) cfg_float(cfg, NAMES("layer_norm_eps", "layer_norm_epsilon"), &h->norm_eps);
    json_decref(root);
    return CK_OK;
}
