/* Verifying a model against evidence, and narrowing down what differs.
 *
 * Every form of `ckpt verify` comes down to one comparison: evidence (parsed
 * from a file, or made from the hashes of a reference copy) against a model.
 * The model is hashed in one pass for just what the evidence can check. When
 * the model cannot even be read, its files are still compared by their
 * digests, and tensors by the byte ranges a manifest records.
 */
#include "ckpt/verify.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ckpt/hash.h"
#include "ckpt/rules.h"
#include "io/strmap.h"
#include "path.h"

const char *ck_vstatus_name(ck_vstatus s) {
    static const char *const names[] = {"ok", "mismatch", "missing", "extra"};
    return names[s];
}

/* ===== result lists ===== */

static char *vfmt(const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static ck_vitem *vadd(ck_vlist *l, const char *name, size_t name_len, ck_vstatus st, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Append an item; fmt may be NULL for no detail. NULL when out of memory. */
static ck_vitem *vadd(ck_vlist *l, const char *name, size_t name_len, ck_vstatus st, const char *fmt, ...) {
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        ck_vitem *n = realloc(l->items, ncap * sizeof *n);
        if (!n) return NULL;
        l->items = n;
        l->cap = ncap;
    }
    ck_vitem *it = &l->items[l->n++];
    it->name = strndup(name, name_len);
    it->status = st;
    it->detail = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        it->detail = vfmt(fmt, ap);
        va_end(ap);
    }
    return it;
}

static void vlist_free(ck_vlist *l) {
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].detail);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

void ck_verify_result_free(ck_verify_result *r) {
    vlist_free(&r->files);
    vlist_free(&r->tensors);
    vlist_free(&r->streams);
    vlist_free(&r->embedded);
    ck_evidence_free(&r->ev);
    free(r->evidence);
    memset(r, 0, sizeof *r);
}

/* ===== digests of byte ranges ===== */

static void sha256_of(const uint8_t *p, uint64_t n, uint8_t out[32]) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) || !EVP_DigestUpdate(c, p, (size_t)n) ||
        !EVP_DigestFinal_ex(c, out, NULL))
        memset(out, 0, 32);
    EVP_MD_CTX_free(c);
}

static void xxh3_of(const uint8_t *p, uint64_t n, uint8_t out[16]) {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(p, (size_t)n));
    memcpy(out, c.digest, 16);
}

/* ===== what the model is ===== */

/* The files to compare: the model's own when it could be read, or the files
 * the evidence names, mapped as they are. */
typedef struct target {
    ck_model *m;             /* NULL when the model could not be read */
    char *root;              /* folder the evidence's names are relative to */
    char *single;            /* the one file given, when MODEL is a file */
    const ck_finding *why;   /* why the model could not be read */
    ck_diag open_diag;
} target;

static void target_free(target *t) {
    ck_model_free(t->m);
    free(t->root);
    free(t->single);
    ck_diag_free(&t->open_diag);
}

static ck_status target_open(target *t, const char *path, ck_diag *d) {
    memset(t, 0, sizeof *t);
    ck_diag_init(&t->open_diag, 0);
    if (ck_model_open(&t->m, path, &t->open_diag) == CK_OK) {
        t->root = strdup(t->m->root);
        if (ck_path_is_dir(path)) {
            free(t->root);
            t->root = strdup(path);
        } else {
            t->single = strdup(path);
        }
        return t->root ? CK_OK : CK_ERR_NOMEM;
    }
    t->why = ck_diag_first_error(&t->open_diag);
    /* A path that does not exist is a usage error, not a damaged model. */
    if (t->why && (t->why->rule == &CK_RULE_IO_OPEN || t->why->rule == &CK_RULE_IO_NOT_REGULAR) &&
        t->why->file && strcmp(t->why->file, path) == 0) {
        ck_where w = {.file = path, .offset = CK_NO_OFFSET};
        ck_report(d, t->why->rule, CK_ERR_IO, 0, &w, "%s", t->why->message);
        return CK_ERR_IO;
    }
    t->root = ck_path_is_dir(path) ? strdup(path) : ck_path_dir(path);
    if (!ck_path_is_dir(path)) t->single = strdup(path);
    return t->root ? CK_OK : CK_ERR_NOMEM;
}

/* The model file an evidence name refers to: the same relative name, or the
 * same base name; -1 when none. */
static int model_file(const ck_model *m, const char *name, size_t n_ev_files) {
    if (!name) return m->n_files == 1 ? 0 : -1;
    if (strncmp(name, "./", 2) == 0) name += 2;
    for (uint32_t i = 0; i < m->n_files; i++)
        if (strcmp(ck_model_file_name(m, i), name) == 0) return (int)i;
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    int found = -1;
    for (uint32_t i = 0; i < m->n_files; i++) {
        const char *p = ck_model_file_name(m, i), *b = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
        if (strcmp(b, base) == 0) {
            if (found >= 0) return -1;
            found = (int)i;
        }
    }
    /* One file described, one file given: a renamed copy. */
    if (found < 0 && n_ev_files == 1 && m->n_files == 1) found = 0;
    return found;
}

/* ===== comparing ===== */

typedef struct cmp {
    const ck_evidence *ev;
    target *t;
    const ck_hash_result *h;     /* hashes of t->m, when it was read */
    ck_verify_result *r;
    uint8_t *file_seen;          /* per model file */
    ck_status st;
} cmp;

static void oom(cmp *c) { c->st = CK_ERR_NOMEM; }

/* Record an item of the evidence that cannot be checked, and why. */
static void skip(cmp *c, int line, const char *text, const char *why) {
    ck_evidence *ev = &c->r->ev;
    ck_ev_skipped *n = realloc(ev->skipped, (ev->n_skipped + 1) * sizeof *n);
    if (!n) {
        oom(c);
        return;
    }
    ev->skipped = n;
    ck_ev_skipped *s = &n[ev->n_skipped++];
    s->line = line;
    s->text = strdup(text);
    s->why = strdup(why);
    if (!s->text || !s->why) oom(c);
}

/* The damaged tensors of model file fi, "'a', 'b' and 3 more", or NULL. */
static char *damaged_in(const cmp *c, const char *file) {
    char buf[512] = "";
    size_t used = 0, count = 0;
    for (size_t i = 0; i < c->r->tensors.n; i++) {
        const ck_vitem *it = &c->r->tensors.items[i];
        if (it->status != CK_VS_MISMATCH) continue;
        const ck_tensor *mt = c->t->m ? ck_model_tensor(c->t->m, it->name, strlen(it->name)) : NULL;
        if (!mt || strcmp(ck_model_file_name(c->t->m, mt->file), file) != 0) continue;
        if (count++ < 5 && used < sizeof buf - 80) {
            int w = snprintf(buf + used, sizeof buf - used, "%s'%.60s'", count > 1 ? ", " : "", it->name);
            if (w > 0) used += (size_t)w;
        }
    }
    if (!count) return NULL;
    if (count > 5) snprintf(buf + used, sizeof buf - used, " and %zu more", count - 5);
    return strdup(buf);
}

/* Why a file's SHA-256 differs, from the finer evidence. */
static void narrow(cmp *c, const ck_ev_file *ef, const uint8_t *data, uint64_t size, const char *name,
                   char *out, size_t n) {
    size_t used = 0;
    out[0] = 0;
    if (ef->has_size && ef->size != size)
        used += (size_t)snprintf(out + used, n - used, "; size %llu bytes, expected %llu%s",
                                 (unsigned long long)size, (unsigned long long)ef->size,
                                 size < ef->size ? " (truncated)" : " (bytes added)");
    bool header_ok = true;
    if (ef->has_header && used < n) {
        uint8_t h[32];
        sha256_of(data, ef->header_bytes <= size ? ef->header_bytes : size, h);
        header_ok = ef->header_bytes <= size && memcmp(h, ef->header_sha256, 32) == 0;
        if (!header_ok) used += (size_t)snprintf(out + used, n - used, "; the header (metadata and tensor table) is damaged");
    }
    char *dmg = c->t->m ? damaged_in(c, name) : NULL;
    if (dmg && used < n) used += (size_t)snprintf(out + used, n - used, "; damaged tensor%s %s", strchr(dmg, ',') ? "s" : "", dmg);
    free(dmg);
    bool finer = ef->has_header && c->ev->n_tensors > 0;
    if (used == 0 && finer && header_ok)
        snprintf(out, n, "; damage outside the header and the tensors (padding or trailing bytes)");
}

/* Whether a relative name could reach outside its folder. */
static bool leaves_folder(const char *name) {
    if (name[0] == '/') return true;
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') return true;
        p += n + (p[n] == '/');
    }
    return false;
}

/* One file of the evidence. */
static void check_file(cmp *c, const ck_ev_file *ef) {
    const char *label = ef->name ? ef->name : (c->t->single ? c->t->single : "?");
    const uint8_t *data = NULL;
    uint64_t size = 0;
    uint8_t sha[32];
    ck_file mapped = {0};
    int fi = c->t->m ? model_file(c->t->m, ef->name, c->ev->n_files) : -1;
    if (fi >= 0) {
        c->file_seen[fi] = 1;
        label = ck_model_file_name(c->t->m, (uint32_t)fi);
        data = c->t->m->files[fi].map.data;
        size = c->t->m->files[fi].map.size;
        memcpy(sha, c->h->files[fi].sha256, 32);
    } else {
        /* Not a model file (a README in a checksum file), or the model could
         * not be read: the file as it is on disk. */
        /* The one file given stands for the one file described, whatever
         * its name (a renamed copy); other names are found in the folder. */
        bool given = c->t->single && (!ef->name || (c->ev->n_files == 1 && !c->t->m));
        /* A checksum file is untrusted: it names no file outside the folder. */
        if (!given && ef->name && leaves_folder(ef->name)) {
            skip(c, ef->line, ef->name, "the name leaves the model's folder; not opened");
            return;
        }
        char *path = given ? strdup(c->t->single) : ef->name ? ck_path_join(c->t->root, ef->name) : strdup("");
        if (given) label = strrchr(c->t->single, '/') ? strrchr(c->t->single, '/') + 1 : c->t->single;
        ck_diag probe;
        ck_diag_init(&probe, 0);
        bool ok = path && ck_file_open(&mapped, path, &probe) == CK_OK;
        if (!ok) {
            if (!vadd(&c->r->files, label, strlen(label), CK_VS_MISSING, "%s",
                      probe.count ? probe.items[0].message : "cannot be opened"))
                oom(c);
            ck_diag_free(&probe);
            free(path);
            return;
        }
        ck_diag_free(&probe);
        free(path);
        data = mapped.data;
        size = mapped.size;
        if (ef->has_sha256) sha256_of(data, size, sha);
    }
    c->r->checked++;
    char why[768];
    bool same = (!ef->has_sha256 || memcmp(sha, ef->sha256, 32) == 0) && (!ef->has_size || ef->size == size);
    ck_vitem *it;
    if (same) {
        it = vadd(&c->r->files, label, strlen(label), CK_VS_OK, NULL);
    } else {
        /* why is "; part; part": the SHA-256 comes first when it differs. */
        narrow(c, ef, data, size, label, why, sizeof why);
        if (ef->has_sha256 && memcmp(sha, ef->sha256, 32) != 0)
            it = vadd(&c->r->files, label, strlen(label), CK_VS_MISMATCH, "SHA-256 differs%s%s",
                      why[0] ? ": " : "", why[0] ? why + 2 : "");
        else
            it = vadd(&c->r->files, label, strlen(label), CK_VS_MISMATCH, "%s", why[0] ? why + 2 : "size differs");
    }
    if (!it) oom(c);
    ck_file_close(&mapped);
}

/* The first hash of et that differs from the model tensor's, or NULL. */
static const char *tensor_diff(const ck_ev_tensor *et, const ck_tensor_digest *g) {
    if (et->has_xxh3 && memcmp(et->xxh3_128, g->xxh3_128, 16)) return "XXH3-128";
    if (et->has_sha256 && memcmp(et->sha256, g->sha256, 32)) return "SHA-256";
    if (et->has_sha1 && memcmp(et->sha1, g->sha1, 20)) return "SHA-1";
    if (et->has_xxh64 && et->xxh64 != g->xxh64) return "XXH64";
    return NULL;
}

static bool same_shape(const ck_ev_tensor *et, const ck_tensor *t) {
    if (!et->shape) return true;
    if (et->rank != t->rank) return false;
    for (uint32_t j = 0; j < t->rank; j++)
        if (et->shape[j] != t->shape[j]) return false;
    return true;
}

/* One tensor of the evidence, in a model that was read. */
static void check_tensor(cmp *c, const ck_ev_tensor *et, uint8_t *tensor_seen) {
    const ck_model *m = c->t->m;
    const ck_tensor *t = ck_model_tensor(m, et->name, strlen(et->name));
    size_t nl = strlen(et->name);
    ck_vitem *it;
    if (!t) {
        it = vadd(&c->r->tensors, et->name, nl, CK_VS_MISSING, "not in the model");
    } else {
        size_t ti = (size_t)(t - m->tensors);
        tensor_seen[ti] = 1;
        c->r->checked++;
        const char *dt = ck_dtype_name(t->dtype);
        const char *hash = tensor_diff(et, &c->h->tensors[ti]);
        if (et->dtype && strcmp(et->dtype, dt) != 0)
            it = vadd(&c->r->tensors, et->name, nl, CK_VS_MISMATCH, "dtype %s, expected %s", dt, et->dtype);
        else if (!same_shape(et, t))
            it = vadd(&c->r->tensors, et->name, nl, CK_VS_MISMATCH, "shape differs");
        else if (hash)
            it = vadd(&c->r->tensors, et->name, nl, CK_VS_MISMATCH, "%s differs (in %s)", hash,
                      ck_model_file_name(m, t->file));
        else
            it = vadd(&c->r->tensors, et->name, nl, CK_VS_OK, NULL);
    }
    if (!it) oom(c);
}

/* One tensor of a manifest in a model that could not be read: its bytes
 * where the manifest says they are. */
static void check_tensor_raw(cmp *c, const ck_ev_tensor *et) {
    size_t nl = strlen(et->name);
    if (!et->has_range || !et->has_xxh3 || !et->file) {
        skip(c, et->line, et->name, "the model cannot be read, and the evidence does not say where this tensor is");
        return;
    }
    char *path = c->t->single && c->ev->n_files <= 1 ? strdup(c->t->single) : ck_path_join(c->t->root, et->file);
    ck_file f = {0};
    ck_diag probe;
    ck_diag_init(&probe, 0);
    ck_vitem *it;
    uint64_t end;
    if (!path || ck_file_open(&f, path, &probe) != CK_OK) {
        it = vadd(&c->r->tensors, et->name, nl, CK_VS_MISSING, "its file %s cannot be opened", et->file);
    } else if (!ck_add_u64(et->offset, et->nbytes, &end) || end > f.size) {
        it = vadd(&c->r->tensors, et->name, nl, CK_VS_MISSING, "%s ends before the tensor's bytes", et->file);
    } else {
        uint8_t x[16];
        xxh3_of(f.data + et->offset, et->nbytes, x);
        c->r->checked++;
        it = memcmp(x, et->xxh3_128, 16) ? vadd(&c->r->tensors, et->name, nl, CK_VS_MISMATCH, "XXH3-128 differs (in %s)", et->file)
                                         : vadd(&c->r->tensors, et->name, nl, CK_VS_OK, NULL);
    }
    if (!it) oom(c);
    ck_diag_free(&probe);
    ck_file_close(&f);
    free(path);
}

static void check_stream(cmp *c, const ck_ev_stream *es) {
    const ck_model *m = c->t->m;
    int fi = model_file(m, es->file, 1);
    char label[320];
    snprintf(label, sizeof label, "%s (all tensor data)", es->file ? es->file : "?");
    ck_vitem *it;
    if (fi < 0) {
        it = vadd(&c->r->streams, label, strlen(label), CK_VS_MISSING, "no such file in the model");
    } else {
        const ck_stream_digest *g = &c->h->files[fi].stream;
        const char *diff = es->has_xxh64 && es->xxh64 != g->xxh64                 ? "XXH64"
                           : es->has_sha1 && memcmp(es->sha1, g->sha1, 20)       ? "SHA-1"
                           : es->has_sha256 && memcmp(es->sha256, g->sha256, 32) ? "SHA-256"
                           : es->has_uuid && memcmp(es->uuid, g->uuid, 16)       ? "UUID"
                                                                                 : NULL;
        c->r->checked++;
        it = diff ? vadd(&c->r->streams, label, strlen(label), CK_VS_MISMATCH, "%s differs", diff)
                  : vadd(&c->r->streams, label, strlen(label), CK_VS_OK, NULL);
    }
    if (!it) oom(c);
}

/* ModelSpec: "0x" + SHA-256 of the data section of a safetensors file. */
static void check_modelspec(cmp *c) {
    const ck_model *m = c->t->m;
    if (!m || m->format != CK_FORMAT_SAFETENSORS) return;
    const ck_kv *kv = ck_model_kv(m, "modelspec.hash_sha256");
    if (!kv || kv->value.type != CK_V_STR) return;
    const char *name = ck_model_file_name(m, 0);
    const ck_str *s = &kv->value.v.s;
    uint8_t want[32];
    ck_vitem *it;
    if (s->len != 66 || s->ptr[0] != '0' || (s->ptr[1] != 'x' && s->ptr[1] != 'X') ||
        !ck_unhex(s->ptr + 2, 64, want, 32)) {
        it = vadd(&c->r->embedded, name, strlen(name), CK_VS_MISMATCH,
                  "modelspec.hash_sha256 is not 0x and 64 hex digits");
    } else {
        c->r->checked++;
        it = memcmp(want, c->h->files[0].data_sha256, 32)
                 ? vadd(&c->r->embedded, name, strlen(name), CK_VS_MISMATCH,
                        "the data section's SHA-256 differs from modelspec.hash_sha256")
                 : vadd(&c->r->embedded, name, strlen(name), CK_VS_OK, NULL);
    }
    if (!it) oom(c);
}

/* What to hash for this evidence. */
static unsigned needed(const ck_evidence *ev, const ck_model *m) {
    unsigned what = 0;
    for (size_t i = 0; i < ev->n_files; i++)
        if (ev->files[i].has_sha256) what |= CK_HASH_FILE_SHA256;
    for (size_t i = 0; i < ev->n_tensors; i++) {
        const ck_ev_tensor *t = &ev->tensors[i];
        what |= (t->has_xxh3 ? CK_HASH_TENSOR_XXH3 : 0) | (t->has_sha256 ? CK_HASH_TENSOR_SHA256 : 0) |
                (t->has_sha1 ? CK_HASH_TENSOR_SHA1 : 0) | (t->has_xxh64 ? CK_HASH_TENSOR_XXH64 : 0);
    }
    if (ev->n_streams) what |= CK_HASH_FILE_STREAM;
    if (ev->has_model_digest) what |= CK_HASH_TENSOR_XXH3 | CK_HASH_MODEL_DIGEST;
    if (m && m->format == CK_FORMAT_SAFETENSORS && ck_model_kv(m, "modelspec.hash_sha256")) what |= CK_HASH_FILE_DATA;
    return what;
}

static void finish(ck_verify_result *r) {
    r->ok = true;
    const ck_vlist *lists[] = {&r->files, &r->tensors, &r->streams, &r->embedded};
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < lists[k]->n; i++)
            if (lists[k]->items[i].status != CK_VS_OK) r->ok = false;
    if (r->has_digest && r->digest_status != CK_VS_OK) r->ok = false;
}

/* The model could not be read: say so on its file's line (which may still
 * match the evidence, if the original was damaged the same way). */
static ck_status unreadable(ck_verify_result *r, const target *t) {
    const char *f = t->why->file ? t->why->file : t->root;
    const char *base = strrchr(f, '/') ? strrchr(f, '/') + 1 : f;
    char why[600];
    snprintf(why, sizeof why, "cannot be read as a model: %s [%s]", t->why->message, t->why->rule->code);
    for (size_t i = 0; i < r->files.n; i++) {
        ck_vitem *it = &r->files.items[i];
        const char *b = strrchr(it->name, '/') ? strrchr(it->name, '/') + 1 : it->name;
        if (strcmp(b, base) != 0 && !(t->single && r->files.n == 1)) continue;
        size_t n = (it->detail ? strlen(it->detail) + 2 : 0) + strlen(why) + 1;
        char *d = malloc(n);
        if (!d) return CK_ERR_NOMEM;
        snprintf(d, n, "%s%s%s", it->detail ? it->detail : "", it->detail ? "; " : "", why);
        free(it->detail);
        it->detail = d;
        return CK_OK;
    }
    return vadd(&r->files, base, strlen(base), CK_VS_MISMATCH, "%s", why) ? CK_OK : CK_ERR_NOMEM;
}

/* Compare the model of t with ev (owned by r from here on). */
static ck_status compare(target *t, const ck_verify_opts *o, ck_verify_result *r, ck_diag *d) {
    const ck_evidence *ev = &r->ev;
    ck_hash_result h = {0};
    cmp c = {ev, t, &h, r, NULL, CK_OK};
    if (t->m) {
        ck_hash_opts ho = {.what = needed(ev, t->m), .threads = o->threads, .progress = o->progress,
                           .progress_ctx = o->progress_ctx};
        ck_status st = ck_hash_model(t->m, &ho, &h, d);
        if (st != CK_OK) return st;
        c.file_seen = calloc(t->m->n_files ? t->m->n_files : 1, 1);
        uint8_t *tensor_seen = calloc(t->m->n_tensors ? t->m->n_tensors : 1, 1);
        if (!c.file_seen || !tensor_seen) c.st = CK_ERR_NOMEM;
        /* Tensors first: a file's mismatch is narrowed down by them. */
        for (size_t i = 0; c.st == CK_OK && i < ev->n_tensors; i++) check_tensor(&c, &ev->tensors[i], tensor_seen);
        /* A manifest lists the whole model; llama-gguf-hash the files it names. */
        for (size_t i = 0; c.st == CK_OK && ev->n_tensors && i < t->m->n_tensors; i++) {
            const ck_tensor *mt = &t->m->tensors[i];
            bool listed = ev->kind == CK_EV_MANIFEST;
            for (size_t k = 0; !listed && k < ev->n_tensors; k++)
                listed = ev->tensors[k].file && model_file(t->m, ev->tensors[k].file, 1) == (int)mt->file;
            if (!tensor_seen[i] && listed &&
                !vadd(&r->tensors, mt->name, mt->name_len, CK_VS_EXTRA, "not in the evidence (in %s)",
                      ck_model_file_name(t->m, mt->file)))
                c.st = CK_ERR_NOMEM;
        }
        free(tensor_seen);
        for (size_t i = 0; c.st == CK_OK && i < ev->n_streams; i++) check_stream(&c, &ev->streams[i]);
        check_modelspec(&c);
    } else {
        for (size_t i = 0; c.st == CK_OK && i < ev->n_tensors; i++) check_tensor_raw(&c, &ev->tensors[i]);
    }
    for (size_t i = 0; c.st == CK_OK && i < ev->n_files; i++) check_file(&c, &ev->files[i]);
    /* A manifest that lists files lists them all; a copy sharded otherwise
     * is compared tensor by tensor only. */
    if (t->m && ev->kind == CK_EV_MANIFEST && ev->n_files)
        for (uint32_t i = 0; c.st == CK_OK && i < t->m->n_files; i++) {
            const char *name = ck_model_file_name(t->m, i);
            if (!c.file_seen[i] && !vadd(&r->files, name, strlen(name), CK_VS_EXTRA, "not in the evidence")) c.st = CK_ERR_NOMEM;
        }
    /* A folder that holds no single model (a repository of several quants)
     * is no damage: the files a checksum file lists are checked all the same. */
    if (!t->m && t->why && t->why->rule != &CK_RULE_MODEL_FOLDER && c.st == CK_OK) c.st = unreadable(r, t);
    if (ev->has_model_digest && t->m) {
        r->has_digest = true;
        r->checked++;
        memcpy(r->digest_expected, ev->model_digest, 32);
        memcpy(r->digest_actual, h.model_digest, 32);
        r->digest_status = memcmp(ev->model_digest, h.model_digest, 32) ? CK_VS_MISMATCH : CK_VS_OK;
    }
    free(c.file_seen);
    ck_hash_result_free(&h);
    finish(r);
    return c.st;
}

static const char *kind_name(ck_evidence_kind k) {
    switch (k) {
    case CK_EV_MANIFEST: return "manifest";
    case CK_EV_SHA256SUM: return "sha256sum";
    case CK_EV_LFS: return "lfs";
    case CK_EV_GGUF_HASH: return "gguf-hash";
    default: return "sha256";
    }
}

ck_status ck_verify_evidence(ck_evidence *ev, const char *model, const ck_verify_opts *o, ck_verify_result *r,
                             ck_diag *d) {
    memset(r, 0, sizeof *r);
    r->ev = *ev;
    memset(ev, 0, sizeof *ev);
    r->kind = kind_name(r->ev.kind);
    r->evidence = r->ev.source ? strdup(r->ev.source) : NULL;
    target t;
    ck_status st = target_open(&t, model, d);
    if (st == CK_OK) st = compare(&t, o, r, d);
    target_free(&t);
    return st;
}

/* ===== two copies ===== */

static bool same_file_names(const ck_model *a, const ck_model *b) {
    if (a->n_files != b->n_files) return false;
    for (uint32_t i = 0; i < a->n_files; i++)
        if (strcmp(ck_model_file_name(a, i), ck_model_file_name(b, i)) != 0) return false;
    return true;
}

/* Evidence made from the hashes of reference model a. */
static ck_status evidence_of(const ck_model *a, const ck_hash_result *h, bool with_files, ck_evidence *ev) {
    memset(ev, 0, sizeof *ev);
    ev->kind = CK_EV_MANIFEST;
    ev->source = strdup(a->path);
    ev->tensors = calloc(a->n_tensors ? a->n_tensors : 1, sizeof *ev->tensors);
    ev->files = calloc(a->n_files, sizeof *ev->files);
    if (!ev->source || !ev->tensors || !ev->files) return CK_ERR_NOMEM;
    for (size_t i = 0; i < a->n_tensors; i++) {
        const ck_tensor *t = &a->tensors[i];
        ck_ev_tensor *e = &ev->tensors[ev->n_tensors++];
        e->name = strndup(t->name, t->name_len);
        e->dtype = strdup(ck_dtype_name(t->dtype));
        e->shape = malloc((t->rank ? t->rank : 1) * sizeof *e->shape);
        if (!e->name || !e->dtype || !e->shape) return CK_ERR_NOMEM;
        memcpy(e->shape, t->shape, t->rank * sizeof *e->shape);
        e->rank = t->rank;
        e->has_xxh3 = true;
        memcpy(e->xxh3_128, h->tensors[i].xxh3_128, 16);
    }
    for (uint32_t i = 0; with_files && i < a->n_files; i++) {
        ck_ev_file *f = &ev->files[ev->n_files++];
        const ck_model_file *mf = &a->files[i];
        f->name = strdup(ck_model_file_name(a, i));
        if (!f->name) return CK_ERR_NOMEM;
        f->has_size = f->has_sha256 = f->has_header = true;
        f->size = mf->map.size;
        memcpy(f->sha256, h->files[i].sha256, 32);
        f->header_bytes = mf->data_offset < mf->map.size ? mf->data_offset : mf->map.size;
        memcpy(f->header_sha256, h->files[i].header_sha256, 32);
    }
    ev->has_model_digest = true;
    memcpy(ev->model_digest, h->model_digest, 32);
    return CK_OK;
}

ck_status ck_verify_models(const char *a, const char *b, const ck_verify_opts *o, ck_verify_result *r, ck_diag *d) {
    memset(r, 0, sizeof *r);
    r->kind = "model";
    r->evidence = strdup(a);
    ck_model *ma = NULL;
    ck_status st = ck_model_open(&ma, a, d);
    target t = {0};
    if (st == CK_OK) st = target_open(&t, b, d);
    ck_hash_result h = {0};
    if (st == CK_OK) {
        bool with_files = t.m && same_file_names(ma, t.m);
        ck_hash_opts ho = {.what = CK_HASH_TENSOR_XXH3 | CK_HASH_MODEL_DIGEST |
                                   (with_files || !t.m ? CK_HASH_FILE_SHA256 | CK_HASH_FILE_HEADER : 0),
                           .threads = o->threads, .progress = o->progress, .progress_ctx = o->progress_ctx};
        st = ck_hash_model(ma, &ho, &h, d);
        if (st == CK_OK) st = evidence_of(ma, &h, with_files || !t.m, &r->ev);
        if (st == CK_OK) st = compare(&t, o, r, d);
    }
    ck_hash_result_free(&h);
    target_free(&t);
    ck_model_free(ma);
    return st;
}

ck_status ck_verify_embedded(const char *model, const ck_verify_opts *o, ck_verify_result *r, ck_diag *d) {
    memset(r, 0, sizeof *r);
    r->kind = "modelspec";
    r->ev.kind = CK_EV_SHA256;
    target t;
    ck_status st = target_open(&t, model, d);
    if (st == CK_OK && !t.m) {
        ck_report(d, t.why->rule, CK_ERR_FORMAT, 0, &(ck_where){.file = t.why->file, .offset = t.why->offset},
                  "%s", t.why->message);
        st = CK_ERR_FORMAT;
    }
    if (st == CK_OK) st = compare(&t, o, r, d);
    if (st == CK_OK && r->embedded.n == 0) {
        ck_where w = {.file = model, .offset = CK_NO_OFFSET};
        ck_report(d, &CK_RULE_EVIDENCE_FORMAT, CK_ERR_USAGE, 0, &w,
                  "carries no evidence of its own (no modelspec.hash_sha256): give a manifest, a checksum "
                  "file, an LFS pointer, a second copy or --sha256");
        st = CK_ERR_USAGE;
    }
    target_free(&t);
    return st;
}
