/* `ckpt lint`: the readers in collect mode, then the checks of what the
 * formats allow but an operator wants to know. This file: the driver, and
 * the structural checks the readers do not make (padding and trailing bytes,
 * names and arrays ggml refuses, the quantization version, stray shards). */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_internal.h"
#include "path.h"

void lint_report(ck_diag *d, const ck_rule *rule, const char *file, int64_t offset, const char *key, size_t key_len,
                 const char *tensor, const char *fmt, ...) {
    ck_where w = {.file = file, .offset = offset, .key = key, .key_len = key_len, .tensor = tensor,
                  .tensor_len = tensor ? strlen(tensor) : 0};
    va_list ap;
    va_start(ap, fmt);
    ck_vreport(d, rule, rule->severity == CK_SEV_ERROR ? CK_ERR_FORMAT : CK_OK, 1, &w, fmt, ap);
    va_end(ap);
}

static bool is_signed(ck_vtype t) { return t == CK_V_I8 || t == CK_V_I16 || t == CK_V_I32 || t == CK_V_I64; }
static bool is_unsigned(ck_vtype t) { return t == CK_V_U8 || t == CK_V_U16 || t == CK_V_U32 || t == CK_V_U64; }

bool lint_value_is(const ck_value *v, int64_t want) {
    if (is_unsigned(v->type)) return want >= 0 && v->v.u == (uint64_t)want;
    return is_signed(v->type) && v->v.i == want;
}

void lint_value_text(const ck_value *v, char *buf, size_t n) {
    if (is_unsigned(v->type)) snprintf(buf, n, "%llu", (unsigned long long)v->v.u);
    else if (is_signed(v->type)) snprintf(buf, n, "%lld", (long long)v->v.i);
    else snprintf(buf, n, "a %s", ck_vtype_name(v->type));
}

/* ===== GGUF layout ===== */

/* The first non-zero byte of [from, to) of a file, or -1. */
static int64_t first_nonzero(const ck_file *f, uint64_t from, uint64_t to) {
    if (to > f->size) to = f->size;
    for (uint64_t i = from; i < to; i++)
        if (f->data[i]) return (int64_t)i;
    return -1;
}

static int by_offset(const void *a, const void *b) {
    const ck_tensor *x = *(const ck_tensor *const *)a, *y = *(const ck_tensor *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Zero padding between the header and the data, between tensors, and after
 * the last one (at most alignment - 1 bytes). */
static ck_status gguf_padding(const ck_model *m, uint32_t fi, ck_diag *d) {
    const ck_model_file *mf = &m->files[fi];
    const ck_file *f = &mf->map;
    size_t n = 0;
    const ck_tensor **ts = malloc((m->n_tensors ? m->n_tensors : 1) * sizeof *ts);
    if (!ts) return CK_ERR_NOMEM;
    for (size_t i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].file == fi) ts[n++] = &m->tensors[i];
    qsort(ts, n, sizeof *ts, by_offset);
    uint64_t at = mf->header_end;
    for (size_t i = 0; i <= n; i++) {
        uint64_t next = i < n ? ts[i]->offset : f->size;
        if (i == n) {
            /* After the last tensor: zeros up to the alignment are padding. */
            int64_t nz = first_nonzero(f, at, next);
            if (nz >= 0 || next - at >= mf->alignment)
                lint_report(d, &CK_RULE_GGUF_TRAILING_BYTES, f->path, (int64_t)at, NULL, 0, NULL,
                            "%llu bytes follow the %s%s", (unsigned long long)(next - at),
                            n ? "last tensor's data" : "header", nz >= 0 ? ", not all zero" : "");
        } else if (next > at) {
            int64_t nz = first_nonzero(f, at, next);
            if (nz >= 0)
                lint_report(d, &CK_RULE_GGUF_PADDING, f->path, nz, NULL, 0, i ? ts[i - 1]->name : NULL,
                            "non-zero byte 0x%02x in the %llu bytes of padding before %s", f->data[nz],
                            (unsigned long long)(next - at), ts[i]->name);
        }
        if (i < n && ts[i]->offset + ts[i]->nbytes > at) at = ts[i]->offset + ts[i]->nbytes;
    }
    free(ts);
    return CK_OK;
}

static bool is_quantized(const ck_model *m) {
    for (size_t i = 0; i < m->n_tensors; i++)
        if (ck_dtype_info_of(m->tensors[i].dtype)->kind == CK_KIND_QUANT) return true;
    return false;
}

static void gguf_names_and_keys(const ck_model *m, ck_diag *d) {
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        if (t->name_len > 63)
            lint_report(d, &CK_RULE_GGUF_NAME_LENGTH, m->files[t->file].map.path, t->info_offset, NULL, 0, t->name,
                        "the name is %zu bytes; ggml refuses names of 64 bytes or more", t->name_len);
    }
    for (size_t i = 0; i < m->n_kvs; i++) {
        const ck_kv *kv = &m->kvs[i];
        if (kv->value.type == CK_V_ARR && kv->value.v.a.elem == CK_V_ARR)
            lint_report(d, &CK_RULE_GGUF_NESTED_ARRAY, m->files[kv->file].map.path, kv->offset, kv->key.ptr,
                        (size_t)kv->key.len, NULL, "an array of %llu arrays; ggml's reader refuses it",
                        (unsigned long long)kv->value.v.a.count);
    }
    if (!is_quantized(m)) return;
    const ck_kv *qv = ck_model_kv(m, "general.quantization_version");
    if (!qv)
        lint_report(d, &CK_RULE_GGUF_QUANT_VERSION, m->files[0].map.path, CK_NO_OFFSET, "general.quantization_version",
                    28, NULL, "quantized tensors, and no general.quantization_version");
    else if (!lint_value_is(&qv->value, 2)) {
        char val[40];
        lint_value_text(&qv->value, val, sizeof val);
        lint_report(d, &CK_RULE_GGUF_QUANT_VERSION, m->files[qv->file].map.path, qv->offset, qv->key.ptr,
                    (size_t)qv->key.len, NULL, "general.quantization_version is %s, not 2", val);
    }
}

/* ===== shard sets ===== */

static bool digits5(const char *s, unsigned *v) {
    *v = 0;
    for (int i = 0; i < 5; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        *v = *v * 10 + (unsigned)(s[i] - '0');
    }
    return true;
}

/* Whether name is PREFIX-NNNNN-of-MMMMM.safetensors; sets the prefix length
 * and the total. */
static bool shard_name(const char *name, size_t *prefix, unsigned *total) {
    static const char ext[] = ".safetensors";
    size_t n = strlen(name), e = sizeof ext - 1, tail = sizeof "-00001-of-00002" - 1;
    if (n < e + tail + 1 || strcmp(name + n - e, ext) != 0) return false;
    const char *t = name + n - e - tail;
    unsigned no;
    if (t[0] != '-' || !digits5(t + 1, &no) || memcmp(t + 6, "-of-", 4) != 0 || !digits5(t + 10, total)) return false;
    *prefix = (size_t)(t - name);
    return true;
}

/* Files beside a sharded safetensors set that look like its shards but are
 * not among them. */
static ck_status extra_shards(const ck_model *m, ck_diag *d) {
    /* Only a set opened through its index (or its folder) has a list of shards. */
    if (m->format != CK_FORMAT_SAFETENSORS || m->n_files < 1 || !m->root ||
        !(ck_path_ends_with(m->path, ".json") || ck_path_is_dir(m->path)))
        return CK_OK;
    const char *first = ck_model_file_name(m, 0);
    size_t prefix;
    unsigned total;
    if (!first || !shard_name(first, &prefix, &total)) return CK_OK;
    DIR *dh = opendir(m->root);
    if (!dh) return CK_OK;
    struct dirent *e;
    while ((e = readdir(dh))) {
        size_t p2;
        unsigned t2;
        if (!shard_name(e->d_name, &p2, &t2) || p2 != prefix || strncmp(e->d_name, first, prefix) != 0) continue;
        bool known = false;
        for (uint32_t i = 0; i < m->n_files && !known; i++) {
            const char *fn = ck_model_file_name(m, i);
            known = fn && strcmp(fn, e->d_name) == 0;
        }
        if (known) continue;
        size_t len = strlen(m->root) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (!path) {
            closedir(dh);
            return CK_ERR_NOMEM;
        }
        snprintf(path, len, "%s/%s", m->root, e->d_name);
        lint_report(d, &CK_RULE_INDEX_EXTRA_SHARD, path, CK_NO_OFFSET, NULL, 0, NULL,
                    "looks like a shard of this set (%u parts) but the index does not name it", total);
        free(path);
    }
    closedir(dh);
    return CK_OK;
}

/* ===== the driver ===== */

static bool cannot_open(const ck_diag *d) {
    const ck_finding *f = ck_diag_first_error(d);
    return f && (strcmp(f->rule->code, "io.open") == 0 || strcmp(f->rule->code, "io.not_regular") == 0) &&
           d->count == 1;
}

ck_status ck_lint(const char *path, const ck_lint_opts *o, ck_diag *d) {
    ck_model *m = NULL;
    ck_status st = ck_model_open(&m, path, d);
    if (!m) return st == CK_ERR_NOMEM ? CK_ERR_NOMEM : cannot_open(d) ? CK_ERR_IO : CK_OK;
    st = CK_OK;
    if (m->format == CK_FORMAT_GGUF) {
        for (uint32_t i = 0; st == CK_OK && i < m->n_files; i++) st = gguf_padding(m, i, d);
        gguf_names_and_keys(m, d);
    }
    if (st == CK_OK) st = extra_shards(m, d);
    if (st == CK_OK) st = lint_metadata(m, d);
    if (st == CK_OK) st = lint_templates(m, d);
    if (st == CK_OK && !o->no_data) st = lint_data(m, o, d);
    ck_model_free(m);
    return st;
}
