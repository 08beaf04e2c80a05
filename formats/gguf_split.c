/* GGUF splits as gguf-split writes them: PREFIX-00001-of-00003.gguf and so
 * on, each part a whole GGUF file with split.no (UINT16, 0-based),
 * split.count (UINT16) and split.tensors.count (INT32, over all parts). All
 * other metadata is in the first part, which is the model's metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/rules.h"
#include "gguf.h"
#include "hparams.h"

#define SPLIT_SUFFIX_LEN 20 /* "-00001-of-00003.gguf" */

/* Parse PREFIX-NNNNN-of-MMMMM.gguf. False when path does not end that way. */
static bool parse_split_name(const char *path, size_t *prefix_len, unsigned *no, unsigned *count) {
    size_t n = strlen(path);
    if (n < SPLIT_SUFFIX_LEN) return false;
    const char *s = path + n - SPLIT_SUFFIX_LEN;
    unsigned a = 0, b = 0;
    if (s[0] != '-' || memcmp(s + 6, "-of-", 4) != 0 || memcmp(s + 15, ".gguf", 5) != 0) return false;
    for (int i = 0; i < 5; i++) {
        if (s[1 + i] < '0' || s[1 + i] > '9' || s[10 + i] < '0' || s[10 + i] > '9') return false;
        a = a * 10 + (unsigned)(s[1 + i] - '0');
        b = b * 10 + (unsigned)(s[10 + i] - '0');
    }
    *prefix_len = n - SPLIT_SUFFIX_LEN;
    *no = a;
    *count = b;
    return true;
}

typedef struct split_keys {
    const ck_kv *no, *count, *tensors;
} split_keys;

static void find_split_keys(const ck_model *m, size_t first_kv, size_t end_kv, split_keys *k) {
    memset(k, 0, sizeof *k);
    for (size_t i = first_kv; i < end_kv; i++) {
        const ck_kv *kv = &m->kvs[i];
        if (kv->key.len == 8 && memcmp(kv->key.ptr, "split.no", 8) == 0) k->no = kv;
        else if (kv->key.len == 11 && memcmp(kv->key.ptr, "split.count", 11) == 0) k->count = kv;
        else if (kv->key.len == 19 && memcmp(kv->key.ptr, "split.tensors.count", 19) == 0)
            k->tensors = kv;
    }
}

static ck_status keys_fail(ck_diag *d, const char *path, const ck_kv *kv, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static ck_status keys_fail(ck_diag *d, const char *path, const ck_kv *kv, const char *fmt, ...) {
    ck_where w = {.file = path, .offset = kv ? kv->offset : CK_NO_OFFSET};
    if (kv) {
        w.key = kv->key.ptr;
        w.key_len = (size_t)kv->key.len;
    }
    va_list ap;
    va_start(ap, fmt);
    ck_vreport(d, &CK_RULE_SPLIT_KEYS, CK_ERR_FORMAT, 0, &w, fmt, ap);
    va_end(ap);
    return CK_ERR_FORMAT;
}

/* Check part `no` (0-based) of `count` against its split.* keys. */
static ck_status check_part_keys(ck_diag *d, const char *path, const split_keys *k, unsigned no,
                                 unsigned count) {
    if (!k->no || !k->count)
        return keys_fail(d, path, NULL, "part %u of %u has no %s key", no + 1, count,
                         !k->no ? "split.no" : "split.count");
    if (k->no->value.type != CK_V_U16)
        return keys_fail(d, path, k->no, "split.no is a %s, not a UINT16",
                         ck_vtype_name(k->no->value.type));
    if (k->count->value.type != CK_V_U16)
        return keys_fail(d, path, k->count, "split.count is a %s, not a UINT16",
                         ck_vtype_name(k->count->value.type));
    if (k->no->value.v.u != no)
        return keys_fail(d, path, k->no, "split.no is %llu but the file name says part %u (split.no %u)",
                         (unsigned long long)k->no->value.v.u, no + 1, no);
    if (k->count->value.v.u != count)
        return keys_fail(d, path, k->count, "split.count is %llu but the file name says %u parts",
                         (unsigned long long)k->count->value.v.u, count);
    if (k->tensors && k->tensors->value.type != CK_V_I32)
        return keys_fail(d, path, k->tensors, "split.tensors.count is a %s, not an INT32",
                         ck_vtype_name(k->tensors->value.type));
    if (no == 0 && !k->tensors)
        return keys_fail(d, path, NULL, "the first part has no split.tensors.count key");
    return CK_OK;
}

/* Read part path into m; check its keys; keep its metadata only if it is the
 * first part. */
static ck_status read_part(ck_model *m, const char *path, unsigned no, unsigned count,
                           int64_t *tensors_count, ck_diag *d) {
    uint32_t fi;
    ck_diag probe;
    ck_diag_init(&probe, 0);
    ck_status st = ck_model_add_file(m, path, &fi, &probe);
    if (st != CK_OK) {
        ck_where w = {.file = path, .offset = CK_NO_OFFSET};
        ck_report(d, &CK_RULE_SPLIT_MISSING, CK_ERR_FORMAT, 0, &w,
                  "part %u of %u cannot be opened: %s", no + 1, count,
                  probe.count ? probe.items[0].message : "unknown error");
        ck_diag_free(&probe);
        return CK_ERR_FORMAT;
    }
    ck_diag_free(&probe);
    size_t first_kv = m->n_kvs;
    st = ck_gguf_read(m, fi, d);
    if (st != CK_OK) return st;
    split_keys k;
    find_split_keys(m, first_kv, m->n_kvs, &k);
    st = check_part_keys(d, path, &k, no, count);
    if (st != CK_OK) return st;
    if (k.tensors) {
        if (*tensors_count >= 0 && k.tensors->value.v.i != *tensors_count)
            return keys_fail(d, path, k.tensors, "split.tensors.count is %lld here but %lld in the first part",
                             (long long)k.tensors->value.v.i, (long long)*tensors_count);
        *tensors_count = k.tensors->value.v.i;
    }
    if (no > 0) m->n_kvs = first_kv;
    return CK_OK;
}

static ck_status open_split(ck_model *m, const char *path, size_t prefix_len, unsigned count,
                            ck_diag *d) {
    int64_t tensors_count = -1;
    ck_status st = read_part(m, path, 0, count, &tensors_count, d);
    size_t plen = prefix_len + SPLIT_SUFFIX_LEN + 1;
    char *part = malloc(plen);
    if (!part) return CK_ERR_NOMEM;
    for (unsigned no = 1; st == CK_OK && no < count; no++) {
        snprintf(part, plen, "%.*s-%05u-of-%05u.gguf", (int)prefix_len, path, no + 1, count);
        st = read_part(m, part, no, count, &tensors_count, d);
    }
    free(part);
    if (st == CK_OK && (uint64_t)tensors_count != m->n_tensors) {
        ck_where w = {.file = path, .offset = CK_NO_OFFSET, .key = "split.tensors.count",
                      .key_len = 19};
        ck_report(d, &CK_RULE_SPLIT_TENSORS_COUNT, CK_ERR_FORMAT, 0, &w,
                  "split.tensors.count says %lld tensors but the %u parts hold %zu",
                  (long long)tensors_count, count, m->n_tensors);
        st = CK_ERR_FORMAT;
    }
    return st;
}

ck_status ck_gguf_open(ck_model **out, const char *path, ck_diag *d) {
    *out = NULL;
    ck_model *m = ck_model_new(CK_FORMAT_GGUF, path);
    if (!m) return CK_ERR_NOMEM;
    size_t prefix_len;
    unsigned no, count;
    ck_status st;
    if (parse_split_name(path, &prefix_len, &no, &count) && count > 1) {
        if (no != 1) {
            ck_where w = {.file = path, .offset = CK_NO_OFFSET};
            ck_report(d, &CK_RULE_SPLIT_PART, CK_ERR_FORMAT, 0, &w,
                      "is part %u of %u of a split; open the first part, %.*s-00001-of-%05u.gguf",
                      no, count, (int)prefix_len, path, count);
            ck_model_free(m);
            return CK_ERR_FORMAT;
        }
        st = open_split(m, path, prefix_len, count, d);
    } else {
        uint32_t fi;
        st = ck_model_add_file(m, path, &fi, d);
        if (st == CK_OK) st = ck_gguf_read(m, fi, d);
        if (st == CK_OK) {
            split_keys k;
            find_split_keys(m, 0, m->n_kvs, &k);
            if (k.count && k.count->value.type == CK_V_U16 && k.count->value.v.u > 1)
                st = keys_fail(d, path, k.count,
                               "split.count is %llu but the file name is not PREFIX-00001-of-%05llu.gguf",
                               (unsigned long long)k.count->value.v.u,
                               (unsigned long long)k.count->value.v.u);
        }
    }
    if (st == CK_OK) st = ck_model_index_kvs(m);
    if (st == CK_OK) ck_hparams_from_gguf(m);
    if (st != CK_OK) {
        ck_model_free(m);
        return st;
    }
    *out = m;
    return CK_OK;
}
