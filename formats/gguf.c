/* GGUF reader: one file (v2 or v3, either byte order) into a ck_model.
 *
 * Every rule of ggml's gguf.cpp reader is checked, each under its own code
 * (rules.def), before a tensor reaches the model. Counts are checked against
 * the bytes that could hold them before anything is sized by them, and the
 * arrays grow only as entries are actually read.
 */
#include "gguf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/rules.h"
#include "gguf_value.h"
#include "io/strmap.h"

/* Smallest encodings: a kv is a key (8-byte length + at least 1 byte), a
 * 4-byte type and at least a 1-byte value; a tensor info is a name length,
 * n_dims, a type and an offset. */
#define MIN_KV_BYTES 14
#define MIN_TENSOR_INFO_BYTES 24
#define GGUF_HEADER_BYTES 24
#define GGUF_DEFAULT_ALIGNMENT 32

typedef struct reader {
    ck_model *m;
    uint32_t fi;
    ck_diag *d;
    ck_cursor c;
    const char *path;
    size_t first_tensor;    /* index in m->tensors of this file's first tensor */
    uint8_t *remove;        /* collect mode: tensors of this file to drop */
    size_t remove_cap;
} reader;

/* Report a broken rule. Returns 1 when reading may go on. */
static int fail(reader *r, const ck_rule *rule, int can_continue, int64_t offset,
                const ck_str *key, const char *tensor, size_t tensor_len, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static int fail(reader *r, const ck_rule *rule, int can_continue, int64_t offset,
                const ck_str *key, const char *tensor, size_t tensor_len, const char *fmt, ...) {
    ck_where w = {.file = r->path, .offset = offset};
    if (key) {
        w.key = key->ptr;
        w.key_len = (size_t)key->len;
    }
    if (tensor) {
        w.tensor = tensor;
        w.tensor_len = tensor_len;
    }
    va_list ap;
    va_start(ap, fmt);
    int go_on = ck_vreport(r->d, rule, CK_ERR_FORMAT, can_continue, &w, fmt, ap);
    va_end(ap);
    return go_on;
}

static ck_status status_of(reader *r) {
    return r->d->status != CK_OK ? r->d->status : CK_ERR_FORMAT;
}

/* ===== header ===== */

static ck_status read_header(reader *r, ck_model_file *f, uint64_t *n_tensors, uint64_t *n_kv) {
    const ck_file *file = &f->map;
    static const char magic[4] = {'G', 'G', 'U', 'F'};
    if (file->size < 4 || memcmp(file->data, magic, 4) != 0) {
        size_t n = file->size < 4 ? (size_t)file->size : 4;
        if (n < 4 && (n == 0 || memcmp(file->data, magic, n) == 0)) {
            fail(r, &CK_RULE_GGUF_TRUNCATED, 0, 0, NULL, NULL, 0,
                 "file is %zu bytes, too short for the GGUF magic", n);
        } else {
            char found[16] = "";
            for (size_t i = 0, used = 0; i < n; i++)
                used += (size_t)snprintf(found + used, sizeof found - used, "%s%02x", i ? " " : "",
                                         file->data[i]);
            fail(r, &CK_RULE_GGUF_MAGIC, 0, 0, NULL, NULL, 0,
                 "does not start with the GGUF magic 47 47 55 46 (found %s)", found);
        }
        return status_of(r);
    }
    ck_cursor *c = &r->c;
    c->pos = 4;
    uint32_t raw;
    if (!ck_cur_u32(c, &raw, "the version")) return status_of(r);
    uint32_t swapped = __builtin_bswap32(raw);
    if (raw == 2 || raw == 3) {
        f->gguf_version = raw;
    } else if (swapped == 2 || swapped == 3) {
        /* GGUF has no byte-order flag: a version that reads as 0x03000000 is
         * a big-endian file. */
        f->gguf_version = swapped;
        f->big_endian = true;
        c->big_endian = true;
    } else if (raw == 1 || swapped == 1) {
        fail(r, &CK_RULE_GGUF_VERSION, 0, 4, NULL, NULL, 0,
             "GGUF version 1 is not supported (it used 32-bit counts; ggml refuses it too)");
        return status_of(r);
    } else {
        fail(r, &CK_RULE_GGUF_VERSION, 0, 4, NULL, NULL, 0,
             "unknown GGUF version %u (ckpt reads versions 2 and 3)", raw);
        return status_of(r);
    }
    if (!ck_cur_u64(c, n_tensors, "the tensor count")) return status_of(r);
    if (!ck_cur_u64(c, n_kv, "the metadata count")) return status_of(r);
    f->tensor_count = *n_tensors;
    f->kv_count = *n_kv;
    /* ggml reads both counts as int64 and refuses negative ones. */
    if (*n_tensors > INT64_MAX) {
        fail(r, &CK_RULE_GGUF_COUNT, 0, 8, NULL, NULL, 0,
             "tensor count %llu is negative as a signed 64-bit count",
             (unsigned long long)*n_tensors);
        return status_of(r);
    }
    if (*n_kv > INT64_MAX) {
        fail(r, &CK_RULE_GGUF_COUNT, 0, 16, NULL, NULL, 0,
             "metadata count %llu is negative as a signed 64-bit count", (unsigned long long)*n_kv);
        return status_of(r);
    }
    uint64_t kv_bytes, ti_bytes, need;
    uint64_t left = ck_cursor_left(c);
    if (!ck_mul_u64(*n_kv, MIN_KV_BYTES, &kv_bytes) || kv_bytes > left) {
        fail(r, &CK_RULE_GGUF_COUNT, 0, 16, NULL, NULL, 0,
             "metadata count %llu cannot fit in the %llu bytes of the file",
             (unsigned long long)*n_kv, (unsigned long long)file->size);
        return status_of(r);
    }
    if (!ck_mul_u64(*n_tensors, MIN_TENSOR_INFO_BYTES, &ti_bytes) ||
        !ck_add_u64(kv_bytes, ti_bytes, &need) || need > left) {
        fail(r, &CK_RULE_GGUF_COUNT, 0, 8, NULL, NULL, 0,
             "tensor count %llu cannot fit in the %llu bytes of the file",
             (unsigned long long)*n_tensors, (unsigned long long)file->size);
        return status_of(r);
    }
    return CK_OK;
}

/* ===== metadata ===== */

static ck_status read_kvs(reader *r, uint64_t n_kv) {
    ck_cursor *c = &r->c;
    ck_strmap *seen = ck_strmap_new(n_kv < 1024 ? (size_t)n_kv : 1024);
    if (!seen) return CK_ERR_NOMEM;
    ck_status st = CK_OK;
    for (uint64_t i = 0; i < n_kv; i++) {
        int64_t entry = (int64_t)c->pos;
        ck_str key;
        ck_where w = {0};
        if (!ck_gguf_parse_string(c, &key, "a metadata key", &w)) {
            st = status_of(r);
            break;
        }
        bool keep = true;
        if (key.len == 0) {
            if (!fail(r, &CK_RULE_GGUF_KEY_EMPTY, 1, entry, NULL, NULL, 0,
                      "metadata entry %llu has an empty key", (unsigned long long)i)) {
                st = status_of(r);
                break;
            }
            keep = false;
        } else {
            int put = ck_strmap_put(seen, key.ptr, (size_t)key.len, (uint32_t)i, NULL);
            if (put < 0) {
                st = CK_ERR_NOMEM;
                break;
            }
            if (put == 0) {
                if (!fail(r, &CK_RULE_GGUF_KEY_DUPLICATE, 1, entry, &key, NULL, 0,
                          "the key appears a second time")) {
                    st = status_of(r);
                    break;
                }
                keep = false;
            }
        }
        int64_t type_at = (int64_t)c->pos;
        int32_t type;
        if (!ck_cur_i32(c, &type, "a metadata value type")) {
            st = status_of(r);
            break;
        }
        if (type < 0 || type >= CK_V_COUNT) {
            fail(r, &CK_RULE_GGUF_VALUE_TYPE, 0, type_at, &key, NULL, 0,
                 "value type %d is not a GGUF value type", type);
            st = status_of(r);
            break;
        }
        ck_value v;
        ck_where kw = {.key = key.ptr, .key_len = (size_t)key.len};
        if (!ck_gguf_parse_value(c, type, &v, &kw)) {
            st = status_of(r);
            break;
        }
        if (keep) {
            ck_kv *kv = ck_model_push_kv(r->m);
            if (!kv) {
                st = CK_ERR_NOMEM;
                break;
            }
            kv->key = key;
            kv->value = v;
            kv->file = r->fi;
            kv->offset = entry;
        }
    }
    ck_strmap_free(seen);
    return st;
}

/* The alignment this file declares in its metadata (kvs from first_kv on). */
static ck_status read_alignment(reader *r, size_t first_kv, uint32_t *alignment) {
    *alignment = GGUF_DEFAULT_ALIGNMENT;
    for (size_t i = first_kv; i < r->m->n_kvs; i++) {
        const ck_kv *kv = &r->m->kvs[i];
        if (kv->key.len != 17 || memcmp(kv->key.ptr, "general.alignment", 17) != 0) continue;
        if (kv->value.type != CK_V_U32) {
            fail(r, &CK_RULE_GGUF_ALIGNMENT, 0, kv->offset, &kv->key, NULL, 0,
                 "general.alignment is a %s, not a UINT32", ck_vtype_name(kv->value.type));
            return status_of(r);
        }
        uint64_t a = kv->value.v.u;
        if (a == 0 || (a & (a - 1)) != 0) {
            fail(r, &CK_RULE_GGUF_ALIGNMENT, 0, kv->offset, &kv->key, NULL, 0,
                 "general.alignment %llu is not a non-zero power of two", (unsigned long long)a);
            return status_of(r);
        }
        *alignment = (uint32_t)a;
    }
    return CK_OK;
}

/* ===== tensor infos ===== */

/* Make the drop flags cover tensors [first_tensor, first_tensor + n). */
static ck_status cover_remove(reader *r, size_t n) {
    size_t i = n ? n - 1 : 0;
    if (i >= r->remove_cap) {
        size_t ncap = r->remove_cap ? r->remove_cap : 64;
        while (ncap <= i) ncap *= 2;
        uint8_t *p = realloc(r->remove, ncap);
        if (!p) return CK_ERR_NOMEM;
        memset(p + r->remove_cap, 0, ncap - r->remove_cap);
        r->remove = p;
        r->remove_cap = ncap;
    }
    return CK_OK;
}

static ck_status mark_remove(reader *r, size_t tensor_index) {
    size_t i = tensor_index - r->first_tensor;
    ck_status st = cover_remove(r, i + 1);
    if (st == CK_OK) r->remove[i] = 1;
    return st;
}

/* Report a tensor-level breach. In collect mode reading goes on, and the
 * tensor is dropped when its bytes cannot be located (drop). Returns CK_OK to
 * go on, an error status to stop. */
static ck_status tensor_fail(reader *r, const ck_rule *rule, size_t ti, int64_t offset, bool drop,
                             const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static ck_status tensor_fail(reader *r, const ck_rule *rule, size_t ti, int64_t offset, bool drop,
                             const char *fmt, ...) {
    const ck_tensor *t = &r->m->tensors[ti];
    ck_where w = {.file = r->path, .offset = offset, .tensor = t->name, .tensor_len = t->name_len};
    va_list ap;
    va_start(ap, fmt);
    int go_on = ck_vreport(r->d, rule, CK_ERR_FORMAT, 1, &w, fmt, ap);
    va_end(ap);
    if (!go_on) return status_of(r);
    return drop ? mark_remove(r, ti) : CK_OK;
}

static ck_status read_tensor_info(reader *r) {
    ck_cursor *c = &r->c;
    ck_model *m = r->m;
    int64_t info_at = (int64_t)c->pos;
    ck_str name;
    ck_where w = {0};
    if (!ck_gguf_parse_string(c, &name, "a tensor name", &w)) return status_of(r);
    ck_tensor *t = ck_model_push_tensor(m);
    if (!t) return CK_ERR_NOMEM;
    t->file = r->fi;
    t->info_offset = info_at;
    size_t ti = m->n_tensors - 1;
    uint32_t holder;
    int named = ck_model_name_tensor(m, name.ptr, (size_t)name.len, &holder);
    if (named < 0) return CK_ERR_NOMEM;
    if (named == 0) {
        bool same_file = m->tensors[holder].file == r->fi;
        ck_status s = tensor_fail(r, same_file ? &CK_RULE_GGUF_TENSOR_DUPLICATE : &CK_RULE_SPLIT_TENSOR_DUPLICATE,
                                  ti, info_at, true, "tensor name appears twice%s",
                                  same_file ? "" : " (also in another part of the split)");
        if (s != CK_OK) return s;
    }
    t = &m->tensors[ti];

    int64_t dims_at = (int64_t)c->pos;
    uint32_t n_dims;
    if (!ck_cur_u32(c, &n_dims, "a tensor's dimension count")) return status_of(r);
    if (n_dims > CK_GGUF_MAX_DIMS) {
        fail(r, &CK_RULE_GGUF_NDIMS, 0, dims_at, NULL, t->name, t->name_len,
             "tensor has %u dimensions (at most %d)", n_dims, CK_GGUF_MAX_DIMS);
        return status_of(r);
    }
    int64_t ne[CK_GGUF_MAX_DIMS] = {1, 1, 1, 1};
    bool bad = false;
    for (uint32_t j = 0; j < n_dims; j++) {
        int64_t at = (int64_t)c->pos;
        if (!ck_cur_i64(c, &ne[j], "a tensor dimension")) return status_of(r);
        if (ne[j] < 0 && !bad) {
            ck_status s = tensor_fail(r, &CK_RULE_GGUF_DIM_NEGATIVE, ti, at, true,
                                      "dimension %u is %lld, negative", j, (long long)ne[j]);
            if (s != CK_OK) return s;
            bad = true;
        }
    }
    uint64_t nelems = 1;
    if (!bad) {
        for (uint32_t j = 0; j < CK_GGUF_MAX_DIMS; j++) {
            if (!ck_mul_u64(nelems, (uint64_t)ne[j], &nelems) || nelems > INT64_MAX) {
                ck_status s = tensor_fail(r, &CK_RULE_GGUF_SIZE_OVERFLOW, ti, dims_at, true,
                                          "element count %lld x %lld x %lld x %lld overflows 63 bits",
                                          (long long)ne[0], (long long)ne[1], (long long)ne[2],
                                          (long long)ne[3]);
                if (s != CK_OK) return s;
                bad = true;
                break;
            }
        }
    }
    int64_t type_at = (int64_t)c->pos;
    int32_t type_id;
    if (!ck_cur_i32(c, &type_id, "a tensor type")) return status_of(r);
    ck_dtype dt = CK_DT_F32;
    const char *retired = NULL;
    ck_gguf_type_status ts = ck_dtype_from_gguf(type_id, &dt, &retired);
    if (ts == CK_GGUF_TYPE_RETIRED) {
        ck_status s = tensor_fail(r, &CK_RULE_GGUF_TYPE_RETIRED, ti, type_at, true,
                                  "ggml type %d (%s) was removed from ggml and has no layout today",
                                  type_id, retired);
        if (s != CK_OK) return s;
        bad = true;
    } else if (ts == CK_GGUF_TYPE_UNKNOWN) {
        ck_status s = tensor_fail(r, &CK_RULE_GGUF_TYPE_UNKNOWN, ti, type_at, true,
                                  "ggml type %d is unknown", type_id);
        if (s != CK_OK) return s;
        bad = true;
    }
    uint64_t nbytes = 0;
    if (!bad) {
        const ck_dtype_info *di = ck_dtype_info_of(dt);
        if ((uint64_t)ne[0] % di->block_elems != 0) {
            ck_status s = tensor_fail(r, &CK_RULE_GGUF_BLOCK_MULTIPLE, ti, dims_at, true,
                                      "row length %lld is not a multiple of the %s block size %u",
                                      (long long)ne[0], di->name, di->block_elems);
            if (s != CK_OK) return s;
            bad = true;
        } else if (!ck_dtype_nbytes(dt, nelems, &nbytes) || nbytes > INT64_MAX) {
            ck_status s = tensor_fail(r, &CK_RULE_GGUF_SIZE_OVERFLOW, ti, dims_at, true,
                                      "byte size of %llu %s elements overflows 63 bits",
                                      (unsigned long long)nelems, di->name);
            if (s != CK_OK) return s;
            bad = true;
        }
    }
    uint64_t rel;
    if (!ck_cur_u64(c, &rel, "a tensor offset")) return status_of(r);

    int64_t *shape = ck_arena_alloc(m->arena, (n_dims ? n_dims : 1) * sizeof(int64_t));
    if (!shape) return CK_ERR_NOMEM;
    for (uint32_t j = 0; j < n_dims; j++) shape[j] = ne[n_dims - 1 - j];
    t->dtype = dt;
    t->rank = n_dims;
    t->shape = shape;
    t->nelems = bad ? 0 : nelems;
    t->nbytes = nbytes;
    /* Relative for now; made absolute once the data section is known. */
    t->offset = rel;
    return CK_OK;
}

/* ===== data section ===== */

typedef struct span {
    uint64_t start, end;
    size_t ti;
} span;

static int span_cmp(const void *a, const void *b) {
    const span *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->ti < y->ti ? -1 : x->ti > y->ti;
}

static bool removed(const reader *r, size_t ti) {
    size_t i = ti - r->first_tensor;
    return i < r->remove_cap && r->remove[i];
}

static ck_status place_tensors(reader *r, ck_model_file *f) {
    ck_model *m = r->m;
    size_t n = m->n_tensors - r->first_tensor;
    f->data_end = f->data_offset;
    for (size_t k = 0; k < n; k++) {
        size_t ti = r->first_tensor + k;
        ck_tensor *t = &m->tensors[ti];
        if (removed(r, ti)) continue;
        uint64_t rel = t->offset, abs_start, abs_end;
        if (rel % f->alignment != 0) {
            ck_status s = tensor_fail(r, &CK_RULE_GGUF_TENSOR_MISALIGNED, ti, t->info_offset, false,
                                      "data offset %llu is not a multiple of the alignment (%u)",
                                      (unsigned long long)rel, f->alignment);
            if (s != CK_OK) return s;
        }
        if (!ck_add_u64(f->data_offset, rel, &abs_start) ||
            !ck_add_u64(abs_start, t->nbytes, &abs_end) || abs_end > f->map.size) {
            ck_status s = tensor_fail(r, &CK_RULE_GGUF_TENSOR_BOUNDS, ti, t->info_offset, true,
                                      "data [%llu, +%llu) relative to the data section at %llu "
                                      "runs past the end of the file (%llu bytes)",
                                      (unsigned long long)rel, (unsigned long long)t->nbytes,
                                      (unsigned long long)f->data_offset,
                                      (unsigned long long)f->map.size);
            if (s != CK_OK) return s;
            continue;
        }
        t->offset = abs_start;
        if (abs_end > f->data_end) f->data_end = abs_end;
    }
    /* Overlaps: sort the tensors that have bytes by where they start. */
    span *sp = malloc((n ? n : 1) * sizeof *sp);
    if (!sp) return CK_ERR_NOMEM;
    size_t ns = 0;
    for (size_t k = 0; k < n; k++) {
        size_t ti = r->first_tensor + k;
        const ck_tensor *t = &m->tensors[ti];
        if (removed(r, ti) || t->nbytes == 0) continue;
        sp[ns++] = (span){t->offset, t->offset + t->nbytes, ti};
    }
    qsort(sp, ns, sizeof *sp, span_cmp);
    ck_status st = CK_OK;
    uint64_t reach = 0;
    size_t reach_ti = 0;
    for (size_t k = 0; k < ns; k++) {
        if (k > 0 && sp[k].start < reach) {
            const ck_tensor *other = &m->tensors[reach_ti];
            ck_where w = {.file = r->path, .offset = m->tensors[sp[k].ti].info_offset,
                          .tensor = m->tensors[sp[k].ti].name,
                          .tensor_len = m->tensors[sp[k].ti].name_len};
            if (!ck_report(r->d, &CK_RULE_GGUF_TENSOR_OVERLAP, CK_ERR_FORMAT, 1, &w,
                           "bytes [%llu, %llu) overlap those of tensor '%.*s' [%llu, %llu)",
                           (unsigned long long)sp[k].start, (unsigned long long)sp[k].end,
                           (int)(other->name_len > 200 ? 200 : other->name_len), other->name,
                           (unsigned long long)other->offset,
                           (unsigned long long)(other->offset + other->nbytes))) {
                st = status_of(r);
                break;
            }
        }
        if (sp[k].end > reach) {
            reach = sp[k].end;
            reach_ti = sp[k].ti;
        }
    }
    free(sp);
    return st;
}

ck_status ck_gguf_read(ck_model *m, uint32_t fi, ck_diag *d) {
    reader r = {.m = m, .fi = fi, .d = d, .first_tensor = m->n_tensors};
    ck_model_file *f = &m->files[fi];
    r.path = f->map.path;
    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    ck_cursor_init(&r.c, &f->map, 0, f->map.size, d, &CK_RULE_GGUF_TRUNCATED);
    uint64_t n_tensors = 0, n_kv = 0;
    size_t first_kv = m->n_kvs;
    ck_status st = read_header(&r, f, &n_tensors, &n_kv);
    if (st == CK_OK) st = read_kvs(&r, n_kv);
    uint32_t alignment = GGUF_DEFAULT_ALIGNMENT;
    if (st == CK_OK) st = read_alignment(&r, first_kv, &alignment);
    f->alignment = alignment;
    for (uint64_t i = 0; st == CK_OK && i < n_tensors; i++) st = read_tensor_info(&r);
    if (st == CK_OK) {
        f->header_end = r.c.pos;
        /* ggml pads to the data section only when there are tensors: files
         * with none (vocab files) may end right after the metadata. */
        f->data_offset = f->header_end;
        if (n_tensors > 0 &&
            (!ck_align_up(f->header_end, alignment, &f->data_offset) || f->data_offset > f->map.size)) {
            fail(&r, &CK_RULE_GGUF_DATA_OFFSET, 0, (int64_t)f->header_end, NULL, NULL, 0,
                 "the data section would start at the aligned end of the header (%llu rounded "
                 "up to %u), past the end of the file (%llu bytes)",
                 (unsigned long long)f->header_end, alignment, (unsigned long long)f->map.size);
            st = status_of(&r);
        }
    }
    if (st == CK_OK) st = place_tensors(&r, f);
    if (st == CK_OK && r.remove) {
        st = cover_remove(&r, m->n_tensors - r.first_tensor);
        if (st == CK_OK) st = ck_model_remove_tensors(m, r.first_tensor, r.remove);
    }
    free(r.remove);
    return st;
}
