/* Sharded safetensors: model.safetensors.index.json and its shards.
 *
 * {"metadata": {"total_size": <sum of tensor bytes>}, "weight_map": {tensor: shard}}
 * Shard names come from an untrusted file: they must stay inside the folder.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/rules.h"
#include "io/strmap.h"
#include "path.h"
#include "safetensors.h"

#define INDEX_MAX_BYTES 100000000ull

void ck_st_index_free(ck_st_index *idx) {
    for (size_t i = 0; i < idx->n; i++) free(idx->tensor[i]);
    for (size_t i = 0; i < idx->n_shards; i++) free(idx->shards[i]);
    free(idx->tensor);
    free(idx->shard);
    free(idx->shards);
    memset(idx, 0, sizeof *idx);
}

/* Why a shard name would leave the folder, or NULL when it stays inside. */
static const char *shard_name_problem(const char *s) {
    if (!*s) return "is empty";
    if (s[0] == '/') return "is an absolute path";
    if (strchr(s, '\\')) return "contains a backslash";
    if (((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) && s[1] == ':')
        return "starts with a drive letter";
    for (const char *p = s; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') return "has a '..' component";
        p += n + (e ? 1 : 0);
    }
    return NULL;
}

static int str_ptr_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static ck_status index_fail(ck_diag *d, const ck_rule *rule, const char *path, int64_t offset,
                            const char *tensor, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static ck_status index_fail(ck_diag *d, const ck_rule *rule, const char *path, int64_t offset,
                            const char *tensor, const char *fmt, ...) {
    ck_where w = {.file = path, .offset = offset, .tensor = tensor,
                  .tensor_len = tensor ? strlen(tensor) : 0};
    va_list ap;
    va_start(ap, fmt);
    ck_vreport(d, rule, CK_ERR_FORMAT, 0, &w, fmt, ap);
    va_end(ap);
    return CK_ERR_FORMAT;
}

static ck_status parse_total_size(ck_st_index *idx, json_t *root, const char *path, ck_diag *d) {
    json_t *meta = json_object_get(root, "metadata");
    if (!meta || json_is_null(meta)) return CK_OK;
    if (!json_is_object(meta))
        return index_fail(d, &CK_RULE_INDEX_JSON, path, CK_NO_OFFSET, NULL, "metadata is not an object");
    json_t *ts = json_object_get(meta, "total_size");
    if (!ts) return CK_OK;
    /* Some writers store total_size as a float; an integral one is fine. */
    double r = json_is_real(ts) ? json_real_value(ts) : -1;
    if (json_is_integer(ts) && json_integer_value(ts) >= 0) {
        idx->total_size = (uint64_t)json_integer_value(ts);
    } else if (json_is_real(ts) && r >= 0 && r < 9007199254740992.0 && r == (double)(uint64_t)r) {
        idx->total_size = (uint64_t)r;
    } else {
        return index_fail(d, &CK_RULE_INDEX_TOTAL_SIZE, path, CK_NO_OFFSET, NULL,
                          "metadata.total_size is not a non-negative integer");
    }
    idx->has_total_size = true;
    return CK_OK;
}

ck_status ck_st_index_parse(ck_st_index *idx, const char *path, const void *data, size_t size,
                            ck_diag *d) {
    memset(idx, 0, sizeof *idx);
    if (size > INDEX_MAX_BYTES)
        return index_fail(d, &CK_RULE_INDEX_JSON, path, CK_NO_OFFSET, NULL,
                          "index is over 100,000,000 bytes");
    json_error_t err;
    json_t *root = json_loadb(data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root || !json_is_object(root)) {
        ck_status st = index_fail(d, &CK_RULE_INDEX_JSON, path, root ? CK_NO_OFFSET : err.position,
                                  NULL, "index is not a JSON object%s%s", root ? "" : ": ",
                                  root ? "" : err.text);
        json_decref(root);
        return st;
    }
    ck_status st = parse_total_size(idx, root, path, d);
    json_t *wm = json_object_get(root, "weight_map");
    if (st == CK_OK && !json_is_object(wm))
        st = index_fail(d, &CK_RULE_INDEX_WEIGHT_MAP, path, CK_NO_OFFSET, NULL,
                        "index has no weight_map object");
    size_t n = st == CK_OK ? json_object_size(wm) : 0;
    if (st == CK_OK) {
        idx->tensor = calloc(n ? n : 1, sizeof(char *));
        idx->shard = calloc(n ? n : 1, sizeof(char *));
        idx->shards = calloc(n ? n : 1, sizeof(char *));
        if (!idx->tensor || !idx->shard || !idx->shards) st = CK_ERR_NOMEM;
    }
    ck_strmap *seen = st == CK_OK ? ck_strmap_new(16) : NULL;
    if (st == CK_OK && !seen) st = CK_ERR_NOMEM;
    const char *k;
    json_t *v;
    if (st == CK_OK) {
        json_object_foreach(wm, k, v) {
            if (!json_is_string(v)) {
                st = index_fail(d, &CK_RULE_INDEX_WEIGHT_MAP, path, CK_NO_OFFSET, k,
                                "weight_map entry is not a shard file name");
                break;
            }
            const char *shard = json_string_value(v);
            const char *why = shard_name_problem(shard);
            if (why) {
                st = index_fail(d, &CK_RULE_INDEX_SHARD_NAME, path, CK_NO_OFFSET, k,
                                "shard name '%.200s' %s: it would leave the folder", shard, why);
                break;
            }
            char *t = strdup(k);
            if (!t) {
                st = CK_ERR_NOMEM;
                break;
            }
            idx->tensor[idx->n++] = t;
            uint32_t si;
            if (!ck_strmap_get(seen, shard, strlen(shard), &si)) {
                char *s = strdup(shard);
                if (!s || ck_strmap_put(seen, s, strlen(s), (uint32_t)idx->n_shards, NULL) < 0) {
                    free(s);
                    st = CK_ERR_NOMEM;
                    break;
                }
                si = (uint32_t)idx->n_shards;
                idx->shards[idx->n_shards++] = s;
            }
            idx->shard[idx->n - 1] = idx->shards[si];
        }
    }
    ck_strmap_free(seen);
    json_decref(root);
    if (st != CK_OK) {
        ck_st_index_free(idx);
        return st;
    }
    /* Shards open in name order: model-00001-of-00002 before -00002. */
    qsort(idx->shards, idx->n_shards, sizeof(char *), str_ptr_cmp);
    return CK_OK;
}

/* Every tensor of every shard is where the index says, and only there. */
static ck_status check_placement(ck_model *m, const ck_st_index *idx, const char *path,
                                 const uint32_t *shard_file, ck_diag *d) {
    ck_strmap *where = ck_strmap_new(idx->n);
    if (!where) return CK_ERR_NOMEM;
    ck_status st = CK_OK;
    for (size_t i = 0; i < idx->n && st == CK_OK; i++)
        if (ck_strmap_put(where, idx->tensor[i], strlen(idx->tensor[i]), (uint32_t)i, NULL) < 0)
            st = CK_ERR_NOMEM;
    for (size_t i = 0; i < m->n_tensors && st == CK_OK; i++) {
        const ck_tensor *t = &m->tensors[i];
        /* A second copy of a name (collect mode) is reported as a duplicate. */
        if (ck_model_tensor(m, t->name, t->name_len) != t) continue;
        const char *file = m->files[t->file].map.path;
        uint32_t e;
        if (!ck_strmap_get(where, t->name, t->name_len, &e)) {
            st = index_fail(d, &CK_RULE_INDEX_TENSOR_UNLISTED, file, (int64_t)t->offset, t->name,
                            "tensor is in this shard but not in the index %s", path);
            break;
        }
        size_t s = 0;
        while (s < idx->n_shards && idx->shards[s] != idx->shard[e]) s++;
        if (shard_file[s] != t->file) {
            st = index_fail(d, &CK_RULE_INDEX_TENSOR_MISSING, file, (int64_t)t->offset, t->name,
                            "tensor is in this shard but the index puts it in %s", idx->shard[e]);
            break;
        }
    }
    for (size_t i = 0; i < idx->n && st == CK_OK; i++) {
        if (!ck_model_tensor(m, idx->tensor[i], strlen(idx->tensor[i])))
            st = index_fail(d, &CK_RULE_INDEX_TENSOR_MISSING, path, CK_NO_OFFSET, idx->tensor[i],
                            "the index puts this tensor in %s, which does not hold it",
                            idx->shard[i]);
    }
    ck_strmap_free(where);
    return st;
}

static ck_status check_total_size(const ck_model *m, const ck_st_index *idx, const char *path,
                                  ck_diag *d) {
    if (!idx->has_total_size) return CK_OK;
    uint64_t sum = 0;
    for (size_t i = 0; i < m->n_tensors; i++) sum += m->tensors[i].nbytes;
    if (sum == idx->total_size) return CK_OK;
    ck_where w = {.file = path, .offset = CK_NO_OFFSET, .key = "metadata.total_size", .key_len = 19};
    ck_report(d, &CK_RULE_INDEX_TOTAL_SIZE, CK_ERR_FORMAT, 0, &w,
              "metadata.total_size is %llu but the shards' tensors hold %llu bytes",
              (unsigned long long)idx->total_size, (unsigned long long)sum);
    return CK_ERR_FORMAT;
}

static ck_status open_shards(ck_model *m, const ck_st_index *idx, const char *path, const char *dir,
                             uint32_t *shard_file, ck_diag *d) {
    for (size_t s = 0; s < idx->n_shards; s++) {
        char *sp = ck_path_join(dir, idx->shards[s]);
        if (!sp) return CK_ERR_NOMEM;
        ck_diag probe;
        ck_diag_init(&probe, 0);
        ck_status st = ck_model_add_file(m, sp, &shard_file[s], &probe);
        if (st != CK_OK) {
            ck_where w = {.file = path, .offset = CK_NO_OFFSET};
            ck_report(d, &CK_RULE_INDEX_SHARD_MISSING, CK_ERR_FORMAT, 0, &w,
                      "shard %s cannot be opened: %s", idx->shards[s],
                      probe.count ? probe.items[0].message : "unknown error");
            ck_diag_free(&probe);
            free(sp);
            return CK_ERR_FORMAT;
        }
        ck_diag_free(&probe);
        free(sp);
        st = ck_st_read(m, shard_file[s], s == 0, d);
        if (st != CK_OK) return st;
    }
    return CK_OK;
}

ck_status ck_st_open_index(ck_model **out, const char *path, ck_diag *d) {
    *out = NULL;
    ck_file f;
    ck_status st = ck_file_open(&f, path, d);
    if (st != CK_OK) return st;
    ck_st_index idx;
    st = ck_st_index_parse(&idx, path, f.data ? (const void *)f.data : "", (size_t)f.size, d);
    ck_file_close(&f);
    if (st != CK_OK) return st;
    ck_model *m = ck_model_new(CK_FORMAT_SAFETENSORS, path);
    char *dir = ck_path_dir(path);
    uint32_t *shard_file = calloc(idx.n_shards ? idx.n_shards : 1, sizeof *shard_file);
    if (!m || !dir || !shard_file) st = CK_ERR_NOMEM;
    if (st == CK_OK) st = open_shards(m, &idx, path, dir, shard_file, d);
    if (st == CK_OK) st = check_placement(m, &idx, path, shard_file, d);
    if (st == CK_OK) st = check_total_size(m, &idx, path, d);
    if (st == CK_OK) st = ck_model_index_kvs(m);
    if (st == CK_OK) st = ck_st_load_config(m, dir, d);
    free(shard_file);
    free(dir);
    ck_st_index_free(&idx);
    if (st != CK_OK) {
        ck_model_free(m);
        return st;
    }
    *out = m;
    return CK_OK;
}
