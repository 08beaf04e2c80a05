/* The format-neutral model: ownership, lookups, and the builder readers use. */
#include "model_build.h"

#include "path.h"

#include <stdlib.h>
#include <string.h>

const char *ck_format_name(ck_format f) {
    return f == CK_FORMAT_GGUF ? "gguf" : "safetensors";
}

static void hparams_unknown(ck_hparams *h) {
    memset(h, 0, sizeof *h);
    h->n_layer = h->n_ctx = h->n_embd = h->n_ff = h->n_head = h->n_head_kv = -1;
    h->n_expert = h->n_expert_used = h->n_vocab = h->head_dim = -1;
    h->rope_theta = h->norm_eps = __builtin_nan("");
}

ck_model *ck_model_new(ck_format format, const char *path) {
    ck_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->format = format;
    m->arena = ck_arena_new();
    m->tensor_index = ck_strmap_new(64);
    size_t n = strlen(path);
    m->path = malloc(n + 1);
    if (!m->arena || !m->tensor_index || !m->path) {
        ck_model_free(m);
        return NULL;
    }
    memcpy(m->path, path, n + 1);
    m->root = ck_path_dir(path);
    if (!m->root) {
        ck_model_free(m);
        return NULL;
    }
    hparams_unknown(&m->hparams);
    return m;
}

void ck_model_free(ck_model *m) {
    if (!m) return;
    for (uint32_t i = 0; i < m->n_files; i++) ck_file_close(&m->files[i].map);
    free(m->files);
    free(m->kvs);
    free(m->tensors);
    ck_strmap_free(m->tensor_index);
    ck_strmap_free(m->kv_index);
    ck_arena_free(m->arena);
    free(m->path);
    free(m->root);
    free(m);
}

static ck_status grow_files(ck_model *m) {
    ck_model_file *n = realloc(m->files, (m->n_files + 1) * sizeof *n);
    if (!n) return CK_ERR_NOMEM;
    m->files = n;
    memset(&m->files[m->n_files], 0, sizeof *n);
    return CK_OK;
}

ck_status ck_model_add_file(ck_model *m, const char *path, uint32_t *index, ck_diag *d) {
    if (grow_files(m) != CK_OK) return CK_ERR_NOMEM;
    ck_status s = ck_file_open(&m->files[m->n_files].map, path, d);
    if (s != CK_OK) return s;
    *index = m->n_files++;
    return CK_OK;
}

ck_status ck_model_adopt_file(ck_model *m, ck_file *f, uint32_t *index) {
    if (grow_files(m) != CK_OK) return CK_ERR_NOMEM;
    m->files[m->n_files].map = *f;
    memset(f, 0, sizeof *f);
    *index = m->n_files++;
    return CK_OK;
}

/* Grow *arr (of elem-sized entries, *cap of them) to hold need entries. */
static ck_status reserve(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return CK_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem) return CK_ERR_NOMEM;
        ncap *= 2;
    }
    void *n = realloc(*arr, ncap * elem);
    if (!n) return CK_ERR_NOMEM;
    *arr = n;
    *cap = ncap;
    return CK_OK;
}

ck_status ck_model_reserve_kvs(ck_model *m, size_t n) {
    if (n > SIZE_MAX - m->n_kvs) return CK_ERR_NOMEM;
    return reserve((void **)&m->kvs, &m->kvs_cap, m->n_kvs + n, sizeof(ck_kv));
}

ck_status ck_model_reserve_tensors(ck_model *m, size_t n) {
    if (n > SIZE_MAX - m->n_tensors) return CK_ERR_NOMEM;
    return reserve((void **)&m->tensors, &m->tensors_cap, m->n_tensors + n, sizeof(ck_tensor));
}

ck_kv *ck_model_push_kv(ck_model *m) {
    if (m->n_kvs == m->kvs_cap && ck_model_reserve_kvs(m, 1) != CK_OK) return NULL;
    ck_kv *kv = &m->kvs[m->n_kvs++];
    memset(kv, 0, sizeof *kv);
    kv->offset = CK_NO_OFFSET;
    return kv;
}

ck_tensor *ck_model_push_tensor(ck_model *m) {
    if (m->n_tensors == m->tensors_cap && ck_model_reserve_tensors(m, 1) != CK_OK) return NULL;
    ck_tensor *t = &m->tensors[m->n_tensors++];
    memset(t, 0, sizeof *t);
    t->info_offset = CK_NO_OFFSET;
    return t;
}

int ck_model_name_tensor(ck_model *m, const char *name, size_t len, uint32_t *existing) {
    ck_tensor *t = &m->tensors[m->n_tensors - 1];
    char *copy = ck_arena_strndup(m->arena, name, len);
    if (!copy) return -1;
    t->name = copy;
    t->name_len = len;
    if (m->n_tensors - 1 > UINT32_MAX) return -1;
    return ck_strmap_put(m->tensor_index, copy, len, (uint32_t)(m->n_tensors - 1), existing);
}

ck_status ck_model_remove_tensors(ck_model *m, size_t first, const uint8_t *remove) {
    size_t w = first;
    for (size_t i = first; i < m->n_tensors; i++)
        if (!remove[i - first]) m->tensors[w++] = m->tensors[i];
    m->n_tensors = w;
    ck_strmap *idx = ck_strmap_new(m->n_tensors);
    if (!idx) return CK_ERR_NOMEM;
    for (size_t i = 0; i < m->n_tensors; i++)
        if (ck_strmap_put(idx, m->tensors[i].name, m->tensors[i].name_len, (uint32_t)i, NULL) < 0) {
            ck_strmap_free(idx);
            return CK_ERR_NOMEM;
        }
    ck_strmap_free(m->tensor_index);
    m->tensor_index = idx;
    return CK_OK;
}

ck_status ck_model_index_kvs(ck_model *m) {
    ck_strmap_free(m->kv_index);
    m->kv_index = ck_strmap_new(m->n_kvs);
    if (!m->kv_index) return CK_ERR_NOMEM;
    for (size_t i = 0; i < m->n_kvs; i++) {
        if (ck_strmap_put(m->kv_index, m->kvs[i].key.ptr, (size_t)m->kvs[i].key.len,
                          (uint32_t)i, NULL) < 0)
            return CK_ERR_NOMEM;
    }
    return CK_OK;
}

const char *ck_model_file_name(const ck_model *m, uint32_t i) {
    const char *p = m->files[i].map.path;
    size_t n = strlen(m->root);
    if (strcmp(m->root, ".") != 0 && strncmp(p, m->root, n) == 0 && p[n] == '/') return p + n + 1;
    if (strcmp(m->root, ".") == 0 && strncmp(p, "./", 2) == 0) return p + 2;
    if (strcmp(m->root, ".") == 0 && !strchr(p, '/')) return p;
    const char *slash = strrchr(p, '/');
    return slash ? slash + 1 : p;
}

const ck_tensor *ck_model_tensor(const ck_model *m, const char *name, size_t len) {
    uint32_t i;
    if (!ck_strmap_get(m->tensor_index, name, len, &i)) return NULL;
    return &m->tensors[i];
}

const ck_kv *ck_model_kv(const ck_model *m, const char *key) {
    uint32_t i;
    if (!ck_strmap_get(m->kv_index, key, strlen(key), &i)) return NULL;
    return &m->kvs[i];
}
