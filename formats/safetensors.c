/* safetensors reader: one file into a ck_model, with every rule of the
 * reference crate (SafeTensors::deserialize), plus duplicate keys refused.
 *
 * Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON, then
 * the data buffer, which the tensors must tile exactly: sorted by offsets
 * they start at 0, leave no hole, share no byte, and end at end of file.
 */
#include "safetensors.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/rules.h"
#include "hparams.h"
#include "io/utf8.h"
#include "path.h"

#define ST_MAX_HEADER 100000000ull

typedef struct st_entry {
    const char *name;        /* jansson key, alive until the root is freed */
    size_t name_len;
    ck_dtype dtype;
    uint32_t rank;
    int64_t *shape;          /* in the model's arena */
    uint64_t nelems, nbytes;
    uint64_t begin, end;     /* relative to the data buffer */
} st_entry;

typedef struct st_reader {
    ck_model *m;
    uint32_t fi;
    ck_diag *d;
    const char *path;
    uint64_t data_start;     /* 8 + N */
} st_reader;

static int st_fail(st_reader *r, const ck_rule *rule, int can_continue, int64_t offset,
                   const char *tensor, size_t tensor_len, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int st_fail(st_reader *r, const ck_rule *rule, int can_continue, int64_t offset,
                   const char *tensor, size_t tensor_len, const char *fmt, ...) {
    ck_where w = {.file = r->path, .offset = offset, .tensor = tensor, .tensor_len = tensor_len};
    va_list ap;
    va_start(ap, fmt);
    int go_on = ck_vreport(r->d, rule, CK_ERR_FORMAT, can_continue, &w, fmt, ap);
    va_end(ap);
    return go_on;
}

static ck_status st_status(const st_reader *r) {
    return r->d->status != CK_OK ? r->d->status : CK_ERR_FORMAT;
}

/* ===== header ===== */

/* Parse the JSON header into *root. */
static ck_status parse_header(st_reader *r, const ck_file *f, json_t **root) {
    *root = NULL;
    if (f->size < 8) {
        st_fail(r, &CK_RULE_ST_TOO_SMALL, 0, 0, NULL, 0,
                "file is %llu bytes, too short for the 8-byte header length",
                (unsigned long long)f->size);
        return st_status(r);
    }
    uint64_t n = ck_load_u64(f->data, false);
    if (n > ST_MAX_HEADER) {
        st_fail(r, &CK_RULE_ST_HEADER_TOO_LARGE, 0, 0, NULL, 0,
                "header length %llu is over the limit of 100,000,000 bytes", (unsigned long long)n);
        return st_status(r);
    }
    if (n > f->size - 8) {
        st_fail(r, &CK_RULE_ST_HEADER_BOUNDS, 0, 0, NULL, 0,
                "header length %llu runs past the end of the file (%llu bytes)",
                (unsigned long long)n, (unsigned long long)f->size);
        return st_status(r);
    }
    r->data_start = 8 + n;
    r->m->files[r->fi].st_header_len = n;
    r->m->files[r->fi].header_end = 8 + n;
    r->m->files[r->fi].data_offset = 8 + n;
    const uint8_t *h = f->data + 8;
    size_t bad = ck_utf8_invalid_at(h, (size_t)n);
    if (bad < n) {
        st_fail(r, &CK_RULE_ST_HEADER_UTF8, 0, (int64_t)(8 + bad), NULL, 0,
                "header is not valid UTF-8 (byte 0x%02x)", h[bad]);
        return st_status(r);
    }
    json_error_t err;
    json_t *j = json_loadb((const char *)h, (size_t)n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!j) {
        enum json_error_code code = json_error_code(&err);
        int64_t at = (int64_t)(8 + (err.position > 0 ? err.position - 1 : 0));
        if (code == json_error_duplicate_key) {
            st_fail(r, &CK_RULE_ST_KEY_DUPLICATE, 0, at, NULL, 0, "header has a duplicate key: %s", err.text);
        } else if (code == json_error_numeric_overflow) {
            /* No size or offset of a real file reaches 2^63. */
            st_fail(r, &CK_RULE_ST_SIZE_OVERFLOW, 0, at, NULL, 0,
                    "header holds an integer over 2^63 - 1, more than any size or offset can be");
        } else {
            bool nul = memchr(h, 0, (size_t)n) != NULL;
            st_fail(r, &CK_RULE_ST_HEADER_JSON, 0, at, NULL, 0, "header is not valid JSON: %s",
                    nul ? "it holds NUL bytes (pad with spaces, not NUL)" : err.text);
        }
        return st_status(r);
    }
    if (!json_is_object(j)) {
        st_fail(r, &CK_RULE_ST_HEADER_OBJECT, 0, 8, NULL, 0, "header is JSON but not an object");
        json_decref(j);
        return st_status(r);
    }
    *root = j;
    return CK_OK;
}

static ck_status read_metadata(st_reader *r, json_t *meta, bool keep) {
    if (json_is_null(meta)) return CK_OK;
    if (!json_is_object(meta)) {
        st_fail(r, &CK_RULE_ST_METADATA, 0, 8, NULL, 0, "__metadata__ is not an object");
        return st_status(r);
    }
    const char *k;
    json_t *v;
    json_object_foreach(meta, k, v) {
        if (!json_is_string(v)) {
            ck_where w = {.file = r->path, .offset = 8, .key = k, .key_len = strlen(k)};
            if (!ck_report(r->d, &CK_RULE_ST_METADATA, CK_ERR_FORMAT, 1, &w,
                           "__metadata__ value is not a string"))
                return st_status(r);
            continue;
        }
        if (!keep) continue;
        ck_arena *a = ck_model_arena(r->m);
        size_t klen = strlen(k), vlen = json_string_length(v);
        char *kc = ck_arena_strndup(a, k, klen);
        char *vc = ck_arena_strndup(a, json_string_value(v), vlen);
        ck_kv *kv = ck_model_push_kv(r->m);
        if (!kc || !vc || !kv) return CK_ERR_NOMEM;
        kv->key = (ck_str){kc, klen};
        kv->value.type = CK_V_STR;
        kv->value.v.s = (ck_str){vc, vlen};
        kv->file = r->fi;
    }
    return CK_OK;
}

/* A JSON integer >= 0; jansson keeps integers as long long. */
static bool get_uint(json_t *v, uint64_t *out) {
    if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* Parse one tensor entry. Returns 1 if *e is a valid entry, 0 if it was
 * reported and skipped (collect mode), -1 to stop. */
static int parse_entry(st_reader *r, const char *name, json_t *v, st_entry *e) {
    size_t nlen = strlen(name);
    memset(e, 0, sizeof *e);
    e->name = name;
    e->name_len = nlen;
#define ENTRY_FAIL(rule, ...) \
    return st_fail(r, &(rule), 1, CK_NO_OFFSET, name, nlen, __VA_ARGS__) ? 0 : -1
    if (!json_is_object(v)) ENTRY_FAIL(CK_RULE_ST_TENSOR_INFO, "entry is not a JSON object");
    json_t *dt = json_object_get(v, "dtype");
    json_t *shape = json_object_get(v, "shape");
    json_t *offs = json_object_get(v, "data_offsets");
    if (!json_is_string(dt)) ENTRY_FAIL(CK_RULE_ST_TENSOR_INFO, "entry has no dtype string");
    if (!json_is_array(shape)) ENTRY_FAIL(CK_RULE_ST_TENSOR_INFO, "entry has no shape array");
    if (!json_is_array(offs) || json_array_size(offs) != 2)
        ENTRY_FAIL(CK_RULE_ST_TENSOR_INFO, "entry has no data_offsets pair [begin, end]");
    if (!ck_dtype_from_st(json_string_value(dt), json_string_length(dt), &e->dtype))
        ENTRY_FAIL(CK_RULE_ST_DTYPE, "dtype '%.40s' is not a safetensors dtype", json_string_value(dt));
    size_t rank = json_array_size(shape);
    if (rank > UINT32_MAX) ENTRY_FAIL(CK_RULE_ST_SHAPE, "shape has too many dimensions");
    e->rank = (uint32_t)rank;
    e->shape = ck_arena_alloc(ck_model_arena(r->m), (rank ? rank : 1) * sizeof(int64_t));
    if (!e->shape) return -1;
    e->nelems = 1;
    bool overflow = false;
    for (size_t i = 0; i < rank; i++) {
        uint64_t dim;
        if (!get_uint(json_array_get(shape, i), &dim))
            ENTRY_FAIL(CK_RULE_ST_SHAPE, "shape entry %zu is not a non-negative integer", i);
        e->shape[i] = (int64_t)dim;
        if (!ck_mul_u64(e->nelems, dim, &e->nelems)) overflow = true;
    }
    if (!get_uint(json_array_get(offs, 0), &e->begin) || !get_uint(json_array_get(offs, 1), &e->end))
        ENTRY_FAIL(CK_RULE_ST_OFFSETS, "data_offsets are not non-negative integers");
    if (e->begin > e->end)
        ENTRY_FAIL(CK_RULE_ST_OFFSETS, "data_offsets [%llu, %llu] end before they begin",
                   (unsigned long long)e->begin, (unsigned long long)e->end);
    if (overflow) ENTRY_FAIL(CK_RULE_ST_SIZE_OVERFLOW, "element count overflows 64 bits");
    const ck_dtype_info *di = ck_dtype_info_of(e->dtype);
    if (e->nelems % di->block_elems)
        ENTRY_FAIL(CK_RULE_ST_SIZE_MISMATCH, "%llu %s elements are not a whole number of bytes",
                   (unsigned long long)e->nelems, di->name);
    if (!ck_dtype_nbytes(e->dtype, e->nelems, &e->nbytes))
        ENTRY_FAIL(CK_RULE_ST_SIZE_OVERFLOW, "byte size of %llu %s elements overflows 64 bits",
                   (unsigned long long)e->nelems, di->name);
    if (e->end - e->begin != e->nbytes)
        ENTRY_FAIL(CK_RULE_ST_SIZE_MISMATCH,
                   "data_offsets [%llu, %llu] span %llu bytes but %llu %s elements take %llu",
                   (unsigned long long)e->begin, (unsigned long long)e->end,
                   (unsigned long long)(e->end - e->begin), (unsigned long long)e->nelems,
                   di->name, (unsigned long long)e->nbytes);
#undef ENTRY_FAIL
    return 1;
}

static int entry_cmp(const void *a, const void *b) {
    const st_entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* Check that the sorted entries tile [0, end) and that it ends at EOF.
 * Entries whose bytes are past EOF are marked (end = UINT64_MAX) in collect
 * mode. */
static ck_status check_tiling(st_reader *r, st_entry *e, size_t n, uint64_t file_size) {
    uint64_t reach = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t at = (int64_t)(r->data_start + (e[i].begin < file_size ? e[i].begin : 0));
        if (e[i].begin > reach) {
            if (!st_fail(r, &CK_RULE_ST_OFFSET_GAP, 1, at, e[i].name, e[i].name_len,
                         "data begins at %llu, leaving a hole of %llu bytes after %s",
                         (unsigned long long)e[i].begin, (unsigned long long)(e[i].begin - reach),
                         i ? "the previous tensor" : "the start of the buffer"))
                return st_status(r);
        } else if (e[i].begin < reach) {
            if (!st_fail(r, &CK_RULE_ST_OFFSET_OVERLAP, 1, at, e[i].name, e[i].name_len,
                         "data [%llu, %llu) overlaps the previous tensor, which ends at %llu",
                         (unsigned long long)e[i].begin, (unsigned long long)e[i].end,
                         (unsigned long long)reach))
                return st_status(r);
        }
        if (e[i].end > reach) reach = e[i].end;
    }
    uint64_t buffer = file_size - r->data_start;
    if (reach > buffer) {
        if (!st_fail(r, &CK_RULE_ST_BUFFER_BOUNDS, 1, (int64_t)file_size, NULL, 0,
                     "tensor data runs to byte %llu of the buffer but the file leaves only %llu",
                     (unsigned long long)reach, (unsigned long long)buffer))
            return st_status(r);
        for (size_t i = 0; i < n; i++)
            if (e[i].end > buffer) e[i].end = UINT64_MAX;
    } else if (reach < buffer) {
        if (!st_fail(r, &CK_RULE_ST_TRAILING_BYTES, 1, (int64_t)(r->data_start + reach), NULL, 0,
                     "%llu bytes follow the last tensor's data",
                     (unsigned long long)(buffer - reach)))
            return st_status(r);
    }
    r->m->files[r->fi].data_end = r->data_start + (reach < buffer ? reach : buffer);
    return CK_OK;
}

static ck_status add_tensors(st_reader *r, const st_entry *e, size_t n) {
    ck_model *m = r->m;
    for (size_t i = 0; i < n; i++) {
        if (e[i].end == UINT64_MAX) continue;
        ck_tensor *t = ck_model_push_tensor(m);
        if (!t) return CK_ERR_NOMEM;
        t->dtype = e[i].dtype;
        t->rank = e[i].rank;
        t->shape = e[i].shape;
        t->nelems = e[i].nelems;
        t->nbytes = e[i].nbytes;
        t->file = r->fi;
        t->offset = r->data_start + e[i].begin;
        uint32_t holder;
        int named = ck_model_name_tensor(m, e[i].name, e[i].name_len, &holder);
        if (named < 0) return CK_ERR_NOMEM;
        if (named == 0) {
            /* Within a file JSON keys are unique: the holder is in another shard. */
            ck_where w = {.file = r->path, .offset = (int64_t)t->offset, .tensor = t->name,
                          .tensor_len = t->name_len};
            if (!ck_report(r->d, &CK_RULE_INDEX_TENSOR_DUPLICATE, CK_ERR_FORMAT, 1, &w,
                           "tensor is also in %s", m->files[m->tensors[holder].file].map.path))
                return st_status(r);
        }
    }
    return CK_OK;
}

ck_status ck_st_read(ck_model *m, uint32_t fi, bool keep_metadata, ck_diag *d) {
    st_reader r = {.m = m, .fi = fi, .d = d, .path = m->files[fi].map.path};
    const ck_file *f = &m->files[fi].map;
    json_t *root;
    ck_status st = parse_header(&r, f, &root);
    if (st != CK_OK) return st;
    size_t cap = json_object_size(root);
    st_entry *entries = malloc((cap ? cap : 1) * sizeof *entries);
    if (!entries) {
        json_decref(root);
        return CK_ERR_NOMEM;
    }
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (strcmp(k, "__metadata__") == 0) {
            st = read_metadata(&r, v, keep_metadata);
        } else {
            int ok = parse_entry(&r, k, v, &entries[n]);
            if (ok < 0) st = st_status(&r);
            if (ok > 0) n++;
        }
        if (st != CK_OK) break;
    }
    if (st == CK_OK) {
        qsort(entries, n, sizeof *entries, entry_cmp);
        st = check_tiling(&r, entries, n, f->size);
    }
    if (st == CK_OK) st = add_tensors(&r, entries, n);
    free(entries);
    json_decref(root);
    return st;
}

ck_status ck_st_load_config(ck_model *m, const char *dir, ck_diag *d) {
    char *cfg = ck_path_join(dir, "config.json");
    if (!cfg) return CK_ERR_NOMEM;
    ck_status st = ck_hparams_from_config(m, cfg, d);
    free(cfg);
    /* Without a config.json: the GGUF keys ckpt convert carried over. */
    if (st == CK_OK) ck_hparams_from_st_metadata(m);
    return st;
}

ck_status ck_st_open(ck_model **out, const char *path, ck_diag *d) {
    *out = NULL;
    ck_model *m = ck_model_new(CK_FORMAT_SAFETENSORS, path);
    if (!m) return CK_ERR_NOMEM;
    uint32_t fi;
    ck_status st = ck_model_add_file(m, path, &fi, d);
    if (st == CK_OK) st = ck_st_read(m, fi, true, d);
    if (st == CK_OK) st = ck_model_index_kvs(m);
    if (st == CK_OK) {
        char *dir = ck_path_dir(path);
        st = dir ? ck_st_load_config(m, dir, d) : CK_ERR_NOMEM;
        free(dir);
    }
    if (st != CK_OK) {
        ck_model_free(m);
        return st;
    }
    *out = m;
    return CK_OK;
}
