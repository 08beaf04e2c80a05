/* The metadata `ckpt convert` writes.
 *
 * To GGUF: a GGUF input's kvs as they are; from safetensors, the GGUF keys
 * llama.cpp reads, made from config.json, and __metadata__ carried over:
 * entries that an earlier conversion stored as JSON (their types listed in
 * ckpt.gguf_types) come back as the typed GGUF values they were, the others
 * as strings under "safetensors.<key>". general.file_type,
 * general.quantization_version and general.alignment are always written
 * anew, as are split.* (per file, convert_files.c).
 *
 * To safetensors: a safetensors input's __metadata__ as it is; from GGUF,
 * every kv as a JSON-encoded string, with its GGUF type in ckpt.gguf_types,
 * and "format": "pt", which transformers requires.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/inspect.h"
#include "ckpt/rules.h"
#include "convert_internal.h"
#include "kv_json.h"
#include "io/strmap.h"

#define TYPES_KEY "ckpt.gguf_types"
#define CARRIED_PREFIX "safetensors."
#define GGUF_QUANT_VERSION 2   /* ggml's GGML_QNT_VERSION */

static bool key_is(const ck_kv *kv, const char *s) {
    return kv->key.len == strlen(s) && memcmp(kv->key.ptr, s, kv->key.len) == 0;
}

static bool key_starts(const ck_str *k, const char *s) {
    size_t n = strlen(s);
    return k->len >= n && memcmp(k->ptr, s, n) == 0;
}

/* Keys that describe a file's layout or quantization, written anew. */
static bool recomputed(const conv_plan *p, const ck_str *k) {
    static const char *const exact[] = {"general.alignment", "general.file_type", "general.quantization_version"};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (k->len == strlen(exact[i]) && memcmp(k->ptr, exact[i], k->len) == 0) return true;
    if (key_starts(k, "split.")) return true;
    /* The importance matrix of the input's quantization does not describe
     * a new one. */
    return p->r->requantized && key_starts(k, "quantize.imatrix.");
}

static char *arena_str(conv_plan *p, const char *s, size_t n) { return ck_arena_strndup(p->arena, s, n); }

static ck_status push_str(conv_plan *p, const char *key, const char *val, size_t len) {
    char *k = arena_str(p, key, strlen(key)), *v = arena_str(p, val, len);
    if (!k || !v) return CK_ERR_NOMEM;
    ck_value value = {.type = CK_V_STR, .v.s = {v, len}};
    return convert_push_kv(p, k, strlen(k), &value);
}

/* ===== GGUF ===== */

typedef struct kvset {
    conv_plan *p;
    ck_strmap *keys;         /* keys written so far */
} kvset;

static bool has_key(const kvset *s, const char *key) {
    uint32_t at;
    return ck_strmap_get(s->keys, key, strlen(key), &at);
}

static ck_status add(kvset *s, const char *key, size_t len, const ck_value *v) {
    uint32_t at;
    if (ck_strmap_get(s->keys, key, len, &at)) return CK_OK;
    ck_status st = convert_push_kv(s->p, key, len, v);
    if (st == CK_OK && ck_strmap_put(s->keys, key, len, 0, NULL) < 0) st = CK_ERR_NOMEM;
    return st;
}

static ck_status add_new(kvset *s, const char *key, const ck_value *v) {
    char *k = arena_str(s->p, key, strlen(key));
    return k ? add(s, k, strlen(k), v) : CK_ERR_NOMEM;
}

static ck_status add_u32(kvset *s, const char *arch, const char *suffix, int64_t v) {
    if (v < 0 || v > UINT32_MAX) return CK_OK;
    char key[192];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    ck_value val = {.type = CK_V_U32, .v.u = (uint64_t)v};
    return add_new(s, key, &val);
}

static ck_status add_f32(kvset *s, const char *arch, const char *suffix, double v) {
    if (v != v) return CK_OK;
    char key[192];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    ck_value val = {.type = CK_V_F32, .v.f = (float)v};
    return add_new(s, key, &val);
}

/* The hyper-parameters llama.cpp reads, from config.json. */
static ck_status add_hparams(kvset *s) {
    const ck_hparams *h = &s->p->m->hparams;
    /* Hyper-parameters read back from carried GGUF keys are already there. */
    if (!h->arch[0] || strcmp(h->source, "config.json") != 0) return CK_OK;
    ck_value arch = {.type = CK_V_STR, .v.s = {h->arch, strlen(h->arch)}};
    size_t before = s->p->n_kvs;
    ck_status st = add_new(s, "general.architecture", &arch);
    const char *a = h->arch;
    int64_t head_dim = h->head_dim > 0 ? h->head_dim : h->n_embd > 0 && h->n_head > 0 ? h->n_embd / h->n_head : -1;
    if (st == CK_OK) st = add_u32(s, a, "block_count", h->n_layer);
    if (st == CK_OK) st = add_u32(s, a, "context_length", h->n_ctx);
    if (st == CK_OK) st = add_u32(s, a, "embedding_length", h->n_embd);
    if (st == CK_OK) st = add_u32(s, a, "feed_forward_length", h->n_ff);
    if (st == CK_OK) st = add_u32(s, a, "attention.head_count", h->n_head);
    if (st == CK_OK) st = add_u32(s, a, "attention.head_count_kv", h->n_head_kv);
    if (st == CK_OK) st = add_f32(s, a, "rope.freq_base", h->rope_theta);
    if (st == CK_OK)
        st = add_f32(s, a, h->norm_rms ? "attention.layer_norm_rms_epsilon" : "attention.layer_norm_epsilon", h->norm_eps);
    if (st == CK_OK) st = add_u32(s, a, "rope.dimension_count", head_dim);
    /* A head size that is not n_embd / n_head must be said (qwen3). */
    if (st == CK_OK && h->head_dim > 0 && h->n_head > 0 && h->head_dim * h->n_head != h->n_embd) {
        st = add_u32(s, a, "attention.key_length", h->head_dim);
        if (st == CK_OK) st = add_u32(s, a, "attention.value_length", h->head_dim);
    }
    if (st == CK_OK && h->n_expert > 0) st = add_u32(s, a, "expert_count", h->n_expert);
    if (st == CK_OK && h->n_expert > 0) st = add_u32(s, a, "expert_used_count", h->n_expert_used);
    if (st == CK_OK) st = add_u32(s, a, "vocab_size", h->n_vocab);
    s->p->r->n_kv_config += s->p->n_kvs - before;
    return st;
}

/* general.name: the model's folder, as llama.cpp's converter names it. */
static ck_status add_name(kvset *s) {
    const ck_model *m = s->p->m;
    if (has_key(s, "general.name")) return CK_OK;
    const char *root = m->root ? m->root : ".";
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') n--;
    const char *base = root + n;
    while (base > root && base[-1] != '/') base--;
    size_t len = (size_t)(root + n - base);
    if (!len || (len == 1 && *base == '.') || (len == 2 && base[0] == '.' && base[1] == '.')) {
        /* No folder name to go by (a file in the working folder): the file's. */
        const char *f = strrchr(m->path, '/');
        base = f ? f + 1 : m->path;
        const char *dot = strchr(base, '.');
        len = dot ? (size_t)(dot - base) : strlen(base);
        if (!len) return CK_OK;
    }
    char *v = arena_str(s->p, base, len);
    if (!v) return CK_ERR_NOMEM;
    ck_value val = {.type = CK_V_STR, .v.s = {v, len}};
    return add_new(s, "general.name", &val);
}

/* llama_ftype of the output: from the dtype asked for, else the most common
 * dtype of its matrices. Uniform k-quants are llama.cpp's "_S" mixes. */
static uint32_t file_type(const conv_plan *p) {
    if (p->o->mix != CK_MIX_NONE) return convert_mix_ftype(p->o->mix);
    ck_dtype d = CK_DT_F32;
    if (p->o->has_dtype) {
        d = p->o->dtype;
    } else {
        size_t count[CK_DT_COUNT] = {0}, best = 0;
        for (size_t i = 0; i < p->r->n_tensors; i++)
            if (p->r->tensors[i].rank >= 2) count[p->r->tensors[i].to]++;
        for (int k = 0; k < CK_DT_COUNT; k++)
            if (count[k] > best) best = count[k], d = (ck_dtype)k;
    }
    switch (d) {
    case CK_DT_Q3_K: return 11;
    case CK_DT_Q4_K: return 14;
    case CK_DT_Q5_K: return 16;
    default: break;
    }
    uint32_t ft = 0;
    return ck_ftype_guess(d, &ft) ? ft : 0;
}

static ck_status add_layout_keys(kvset *s) {
    s->p->r->file_type = file_type(s->p);
    ck_value ft = {.type = CK_V_U32, .v.u = s->p->r->file_type};
    ck_value qv = {.type = CK_V_U32, .v.u = GGUF_QUANT_VERSION};
    ck_value al = {.type = CK_V_U32, .v.u = CK_GGUF_DEFAULT_ALIGNMENT};
    ck_status st = add_new(s, "general.file_type", &ft);
    if (st == CK_OK) st = add_new(s, "general.quantization_version", &qv);
    if (st == CK_OK) st = add_new(s, "general.alignment", &al);
    return st;
}

/* The types of the JSON-encoded entries, or NULL when there are none. */
static ck_status load_types(conv_plan *p, json_t **types) {
    *types = NULL;
    const ck_kv *kv = ck_model_kv(p->m, TYPES_KEY);
    if (!kv) return CK_OK;
    json_error_t err;
    *types = kv->value.type == CK_V_STR ? json_loadb(kv->value.v.s.ptr, (size_t)kv->value.v.s.len, 0, &err) : NULL;
    if (!json_is_object(*types)) {
        json_decref(*types);
        *types = NULL;
        return convert_fail(p, &CK_RULE_CONVERT_METADATA, NULL, "%s is not a JSON object of type names", TYPES_KEY);
    }
    return CK_OK;
}

/* A safetensors __metadata__ entry into the GGUF kvs. */
static ck_status carry_entry(kvset *s, const ck_kv *kv, json_t *types) {
    conv_plan *p = s->p;
    if (key_is(kv, TYPES_KEY)) return CK_OK;
    char *key = arena_str(p, kv->key.ptr, (size_t)kv->key.len);
    if (!key) return CK_ERR_NOMEM;
    json_t *spec = types ? json_object_get(types, key) : NULL;
    if (spec) {
        ck_value v;
        const char *why = "";
        if (!json_is_string(spec) ||
            !ck_value_from_json(kv->value.v.s.ptr, (size_t)kv->value.v.s.len, json_string_value(spec), p->arena, &v, &why))
            return convert_fail(p, &CK_RULE_CONVERT_METADATA, NULL, "__metadata__ entry %s: %s", key,
                                json_is_string(spec) ? why : "its type is not a string");
        ck_str k = {key, strlen(key)};
        return recomputed(p, &k) ? CK_OK : add(s, key, k.len, &v);
    }
    /* The "format" ckpt adds for transformers goes back out. */
    if (types && strcmp(key, "format") == 0 && kv->value.v.s.len == 2 && memcmp(kv->value.v.s.ptr, "pt", 2) == 0)
        return CK_OK;
    size_t n = strlen(CARRIED_PREFIX) + kv->key.len + 1;
    char *gk = ck_arena_alloc(p->arena, n);
    if (!gk) return CK_ERR_NOMEM;
    snprintf(gk, n, "%s%s", CARRIED_PREFIX, key);
    return add(s, gk, n - 1, &kv->value);
}

static ck_status gguf_metadata(conv_plan *p) {
    const ck_model *m = p->m;
    kvset s = {p, ck_strmap_new(m->n_kvs + 32)};
    if (!s.keys) return CK_ERR_NOMEM;
    ck_status st = CK_OK;
    if (m->format == CK_FORMAT_GGUF) {
        for (size_t i = 0; st == CK_OK && i < m->n_kvs; i++)
            if (!recomputed(p, &m->kvs[i].key)) st = add(&s, m->kvs[i].key.ptr, (size_t)m->kvs[i].key.len, &m->kvs[i].value);
    } else {
        json_t *types;
        st = load_types(p, &types);
        /* Restored GGUF values first, then what config.json says, then the
         * other entries carried as strings. */
        for (int pass = 0; st == CK_OK && pass < 2; pass++) {
            for (size_t i = 0; st == CK_OK && i < m->n_kvs; i++) {
                const ck_kv *kv = &m->kvs[i];
                char key[1024];
                bool typed = false;
                if (types && kv->key.len < sizeof key) {
                    memcpy(key, kv->key.ptr, (size_t)kv->key.len);
                    key[kv->key.len] = 0;
                    typed = json_object_get(types, key) != NULL;
                }
                if (typed == (pass == 0)) st = carry_entry(&s, kv, types);
            }
            if (st == CK_OK && pass == 0) st = add_hparams(&s);
            if (st == CK_OK && pass == 0) st = add_name(&s);
        }
        json_decref(types);
    }
    if (st == CK_OK) st = add_layout_keys(&s);
    ck_strmap_free(s.keys);
    return st;
}

/* ===== safetensors ===== */

static ck_status st_metadata(conv_plan *p) {
    const ck_model *m = p->m;
    if (m->format == CK_FORMAT_SAFETENSORS) {
        for (size_t i = 0; i < m->n_kvs; i++) {
            ck_status st = convert_push_kv(p, m->kvs[i].key.ptr, (size_t)m->kvs[i].key.len, &m->kvs[i].value);
            if (st != CK_OK) return st;
        }
        return CK_OK;
    }
    bool has_format = ck_model_kv(m, CARRIED_PREFIX "format") != NULL;
    ck_status st = has_format ? CK_OK : push_str(p, "format", "pt", 2);
    json_t *types = json_object();
    if (!types) return CK_ERR_NOMEM;
    for (size_t i = 0; st == CK_OK && i < m->n_kvs; i++) {
        const ck_kv *kv = &m->kvs[i];
        if (recomputed(p, &kv->key)) continue;
        char *key = arena_str(p, kv->key.ptr, (size_t)kv->key.len);
        if (!key) {
            st = CK_ERR_NOMEM;
            break;
        }
        if (key_starts(&kv->key, CARRIED_PREFIX) && kv->value.type == CK_V_STR) {
            st = push_str(p, key + strlen(CARRIED_PREFIX), kv->value.v.s.ptr, (size_t)kv->value.v.s.len);
            continue;
        }
        char *json = ck_value_json(&kv->value), *spec = ck_value_spec(&kv->value);
        if (!json || !spec || json_object_set_new(types, key, json_string(spec)) != 0) st = CK_ERR_NOMEM;
        if (st == CK_OK) st = push_str(p, key, json, strlen(json));
        free(json);
        free(spec);
    }
    if (st == CK_OK && json_object_size(types)) {
        char *t = json_dumps(types, JSON_COMPACT);
        st = t ? push_str(p, TYPES_KEY, t, strlen(t)) : CK_ERR_NOMEM;
        free(t);
    }
    json_decref(types);
    return st;
}

ck_status convert_plan_metadata(conv_plan *p) {
    return p->o->to == CK_FORMAT_GGUF ? gguf_metadata(p) : st_metadata(p);
}
