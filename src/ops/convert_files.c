/* The files `ckpt convert` writes: their paths, which tensors go in which
 * shard, their headers, and putting them in place all together.
 *
 * Shards follow the conventions their readers expect: Hugging Face's
 * model-00001-of-00003.safetensors with model.safetensors.index.json, and
 * llama.cpp's gguf-split NAME-00001-of-00003.gguf, whose first part holds
 * the metadata and every part split.no, split.count and split.tensors.count.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/rules.h"
#include "convert_internal.h"
#include "path.h"

#define ST_INDEX_SUFFIX ".safetensors.index.json"
#define MAX_SHARDS 99999u    /* five digits in the names; GGUF's split.count is a UINT16 */

/* ===== paths ===== */

static char *strip(const char *s, const char *suffix) {
    size_t n = strlen(s);
    if (ck_path_ends_with(s, suffix)) n -= strlen(suffix);
    return strndup(s, n);
}

static ck_status set_paths(conv_plan *p, const char *out) {
    ck_convert_result *r = p->r;
    const char *ext = r->to == CK_FORMAT_GGUF ? ".gguf" : ".safetensors";
    char model[32];
    snprintf(model, sizeof model, "model%s", ext);
    char *base = ck_path_is_dir(out) || ck_path_ends_with(out, "/") ? ck_path_join(out, model) : strdup(out);
    if (!base) return CK_ERR_NOMEM;
    bool want_index = r->to == CK_FORMAT_SAFETENSORS && ck_path_ends_with(base, ST_INDEX_SUFFIX);
    char *stem = strip(base, want_index ? ST_INDEX_SUFFIX : ext);
    ck_status st = stem ? CK_OK : CK_ERR_NOMEM;
    if (st == CK_OK && r->n_files == 1 && !want_index) {
        r->files[0].path = base;
        base = NULL;
    } else {
        for (uint32_t i = 0; st == CK_OK && i < r->n_files; i++) {
            size_t n = strlen(stem) + 32;
            r->files[i].path = malloc(n);
            if (!r->files[i].path) st = CK_ERR_NOMEM;
            else snprintf(r->files[i].path, n, "%s-%05u-of-%05u%s", stem, i + 1, r->n_files, ext);
        }
        if (st == CK_OK && r->to == CK_FORMAT_SAFETENSORS) {
            size_t n = strlen(stem) + sizeof ST_INDEX_SUFFIX;
            r->index = malloc(n);
            if (!r->index) st = CK_ERR_NOMEM;
            else snprintf(r->index, n, "%s%s", stem, ST_INDEX_SUFFIX);
        }
    }
    free(base);
    free(stem);
    return st;
}

static bool same_file(const struct stat *a, const char *path) {
    struct stat b;
    return stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* An output path that is one of the input's files is refused, --force or not. */
static ck_status check_not_input(conv_plan *p, const char *out) {
    struct stat o;
    if (stat(out, &o) != 0) return CK_OK;
    bool hit = same_file(&o, p->m->path);
    for (uint32_t i = 0; !hit && i < p->m->n_files; i++) hit = same_file(&o, p->m->files[i].map.path);
    if (!hit) return CK_OK;
    ck_where w = {.file = out, .offset = CK_NO_OFFSET};
    ck_report(p->d, &CK_RULE_OUT_INPUT, CK_ERR_USAGE, 0, &w, "is a file of the input model; it is never written over");
    return CK_ERR_USAGE;
}

/* ===== shards ===== */

static ck_status assign_shards(conv_plan *p) {
    ck_convert_result *r = p->r;
    uint64_t limit = p->o->shard_size, used = 0;
    uint32_t file = 0;
    for (size_t i = 0; i < r->n_tensors; i++) {
        ck_convert_tensor *t = &r->tensors[i];
        if (limit && used > 0 && t->nbytes > limit - used) {
            file++;
            used = 0;
        }
        if (file >= MAX_SHARDS)
            return convert_fail(p, &CK_RULE_CONVERT_STORE, NULL, "more than %u shards: use a larger --shard-size", MAX_SHARDS);
        t->file = file;
        used += t->nbytes < limit - used || !limit ? t->nbytes : limit - used;
    }
    r->n_files = file + 1;
    r->files = calloc(r->n_files, sizeof *r->files);
    return r->files ? CK_OK : CK_ERR_NOMEM;
}

/* ===== headers ===== */

/* The tensors of file f, in order, for the writer. */
static ck_wtensor *file_tensors(conv_plan *p, uint32_t f, size_t *n) {
    ck_convert_result *r = p->r;
    *n = 0;
    ck_wtensor *w = malloc((r->n_tensors ? r->n_tensors : 1) * sizeof *w);
    if (!w) return NULL;
    for (size_t i = 0; i < r->n_tensors; i++) {
        ck_convert_tensor *t = &r->tensors[i];
        if (t->file != f) continue;
        w[(*n)++] = (ck_wtensor){t->name, t->to, t->rank, t->shape, t->nbytes, 0};
    }
    return w;
}

static ck_status gguf_header(conv_plan *p, uint32_t f, ck_wtensor *w, size_t n, ck_header *h) {
    ck_convert_result *r = p->r;
    if (r->n_files == 1) return ck_gguf_layout(p->kvs, p->n_kvs, w, n, CK_GGUF_DEFAULT_ALIGNMENT, h, p->d);
    /* gguf-split: the first part has every kv, the others the split keys only. */
    size_t nk = (f == 0 ? p->n_kvs : 0) + 3;
    ck_kv *kvs = calloc(nk, sizeof *kvs);
    if (!kvs) return CK_ERR_NOMEM;
    if (f == 0) memcpy(kvs, p->kvs, p->n_kvs * sizeof *kvs);
    ck_kv *s = kvs + nk - 3;
    s[0] = (ck_kv){.key = {"split.no", 8}, .value = {.type = CK_V_U16, .v.u = f}};
    s[1] = (ck_kv){.key = {"split.count", 11}, .value = {.type = CK_V_U16, .v.u = r->n_files}};
    s[2] = (ck_kv){.key = {"split.tensors.count", 19}, .value = {.type = CK_V_I32, .v.i = (int64_t)r->n_tensors}};
    ck_status st = ck_gguf_layout(kvs, nk, w, n, CK_GGUF_DEFAULT_ALIGNMENT, h, p->d);
    free(kvs);
    return st;
}

static ck_status st_header(conv_plan *p, uint32_t f, ck_wtensor *w, size_t n, ck_header *h) {
    if (f == 0) return ck_st_layout(p->kvs, p->n_kvs, w, n, h, p->d);
    /* Later shards: only the format marker, as Hugging Face writes them. */
    for (size_t i = 0; i < p->n_kvs; i++)
        if (p->kvs[i].key.len == 6 && memcmp(p->kvs[i].key.ptr, "format", 6) == 0)
            return ck_st_layout(&p->kvs[i], 1, w, n, h, p->d);
    return ck_st_layout(NULL, 0, w, n, h, p->d);
}

static ck_status write_all(int fd, const void *buf, size_t len, uint64_t off) {
    const uint8_t *b = buf;
    while (len) {
        ssize_t k = pwrite(fd, b, len, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return CK_ERR_IO;
        b += k;
        len -= (size_t)k;
        off += (uint64_t)k;
    }
    return CK_OK;
}

static ck_status io_fail(conv_plan *p, const char *path, int e) {
    ck_where w = {.file = path, .offset = CK_NO_OFFSET};
    ck_report(p->d, &CK_RULE_OUT_WRITE, CK_ERR_IO, 0, &w, "cannot write the output: %s", strerror(e));
    return CK_ERR_IO;
}

/* Lay file f out, open it and write its header. */
static ck_status open_file(conv_plan *p, uint32_t f) {
    ck_convert_result *r = p->r;
    size_t n;
    ck_wtensor *w = file_tensors(p, f, &n);
    if (!w) return CK_ERR_NOMEM;
    ck_header h;
    ck_status st = r->to == CK_FORMAT_GGUF ? gguf_header(p, f, w, n, &h) : st_header(p, f, w, n, &h);
    if (st == CK_OK) {
        size_t k = 0;
        for (size_t i = 0; i < r->n_tensors; i++)
            if (r->tensors[i].file == f) r->tensors[i].offset = w[k++].offset;
        r->files[f].bytes = h.file_size;
        r->files[f].n_tensors = n;
        r->bytes_out += h.file_size;
        st = ck_out_open(&p->outs[f], r->files[f].path, p->o->force, p->d);
    }
    if (st == CK_OK) {
        /* The full size at once: alignment gaps read as zeros, and the
         * tensors can be written in any order. */
        int fd = p->outs[f].fd;
        if (ftruncate(fd, (off_t)h.file_size) != 0 || write_all(fd, h.bytes, h.len, 0) != CK_OK)
            st = io_fail(p, r->files[f].path, errno ? errno : EIO);
    }
    ck_header_free(&h);
    free(w);
    return st;
}

/* model.safetensors.index.json, as transformers writes it. */
static ck_status index_text(conv_plan *p) {
    ck_convert_result *r = p->r;
    uint64_t total = 0;
    json_t *map = json_object();
    for (size_t i = 0; map && i < r->n_tensors; i++) {
        const char *file = strrchr(r->files[r->tensors[i].file].path, '/');
        file = file ? file + 1 : r->files[r->tensors[i].file].path;
        total += r->tensors[i].nbytes;
        if (json_object_set_new(map, r->tensors[i].name, json_string(file)) != 0) {
            json_decref(map);
            map = NULL;
        }
    }
    json_t *root = map ? json_pack("{s:{s:I}, s:o}", "metadata", "total_size", (json_int_t)total, "weight_map", map) : NULL;
    p->index_text = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    return p->index_text ? CK_OK : CK_ERR_NOMEM;
}

ck_status convert_open_files(conv_plan *p, const char *out_path) {
    ck_convert_result *r = p->r;
    ck_status st = assign_shards(p);
    if (st == CK_OK) st = set_paths(p, out_path);
    if (st != CK_OK) return st;
    p->n_outs = r->n_files + (r->index ? 1 : 0);
    p->outs = calloc(p->n_outs, sizeof *p->outs);
    if (!p->outs) return CK_ERR_NOMEM;
    for (uint32_t f = 0; st == CK_OK && f < r->n_files; f++) st = check_not_input(p, r->files[f].path);
    if (st == CK_OK && r->index) st = check_not_input(p, r->index);
    for (uint32_t f = 0; st == CK_OK && f < r->n_files; f++) st = open_file(p, f);
    if (st == CK_OK && r->index) {
        st = index_text(p);
        if (st == CK_OK) st = ck_out_open(&p->outs[r->n_files], r->index, p->o->force, p->d);
        if (st == CK_OK) {
            ck_out *o = &p->outs[r->n_files];
            if (write_all(o->fd, p->index_text, strlen(p->index_text), 0) != CK_OK ||
                write_all(o->fd, "\n", 1, strlen(p->index_text)) != CK_OK)
                st = io_fail(p, r->index, errno ? errno : EIO);
        }
    }
    return st;
}

/* Start writing a finished stretch back to disk now, so that the sync at
 * the end waits for little. */
static void write_back(const conv_plan *p, uint32_t file, size_t len, uint64_t off) {
    if (!p->o->no_sync) sync_file_range(p->outs[file].fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
}

ck_status convert_write(conv_plan *p, uint32_t file, const void *buf, size_t len, uint64_t off) {
    if (write_all(p->outs[file].fd, buf, len, off) != CK_OK) return CK_ERR_IO;
    write_back(p, file, len, off);
    return CK_OK;
}

ck_status convert_copy(conv_plan *p, uint32_t file, const ck_file *in, uint64_t in_off, size_t len, uint64_t off) {
    size_t done = 0;
    /* In the kernel, file to file, when the file system allows it. */
    while (in->has_fd && done < len) {
        loff_t from = (loff_t)(in_off + done), to = (loff_t)(off + done);
        ssize_t k = copy_file_range(in->fd, &from, p->outs[file].fd, &to, len - done, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        done += (size_t)k;
    }
    if (done < len && write_all(p->outs[file].fd, in->data + in_off + done, len - done, off + done) != CK_OK)
        return CK_ERR_IO;
    write_back(p, file, len, off);
    return CK_OK;
}

/* ===== in place, all or none ===== */

ck_status convert_commit_files(conv_plan *p) {
    for (size_t i = 0; i < p->n_outs; i++) p->outs[i].no_sync = p->o->no_sync;
    for (size_t i = 0; i < p->n_outs; i++) {
        ck_status st = ck_out_sync(&p->outs[i], p->d);
        if (st != CK_OK) return st;
    }
    for (size_t i = 0; i < p->n_outs; i++) {
        char *path = strdup(p->outs[i].path);
        ck_status st = path ? ck_out_commit(&p->outs[i], p->d) : CK_ERR_NOMEM;
        if (st != CK_OK) {
            /* Take back the files already in place. */
            for (size_t k = 0; k < i; k++) unlink(k < p->r->n_files ? p->r->files[k].path : p->r->index);
            free(path);
            return st;
        }
        free(path);
    }
    return CK_OK;
}

void convert_abort_files(conv_plan *p) {
    for (size_t i = 0; p->outs && i < p->n_outs; i++) ck_out_abort(&p->outs[i]);
}
