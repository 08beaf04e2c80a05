/* Hashing a model in one pass over its mapped files.
 *
 * The work is a list of jobs: the serial SHA-256 of each file (longest
 * first, so that the critical path starts at once), the serial hashes of all
 * tensor data in file order (llama-gguf-hash's whole-model lines), then one
 * job per tensor. Threads take jobs in that order from a shared counter. Each
 * job writes its own slot, so results do not depend on the thread count.
 */
#include "ckpt/hash.h"
#include "core/cpu.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Bytes hashed between progress reports in a serial job. */
#define STEP (8u << 20)

typedef enum { JOB_FILE, JOB_STREAM, JOB_TENSOR } job_kind;

typedef struct job {
    job_kind kind;
    size_t index;
    uint64_t bytes;
} job;

typedef struct run {
    const ck_model *m;
    const ck_hash_opts *o;
    ck_hash_result *r;
    uint64_t done, total;
    int failed;
} run;

static void progress(run *rn, uint64_t bytes) {
    uint64_t now;
#pragma omp atomic capture
    now = rn->done += bytes;
#ifdef _OPENMP
    if (omp_get_thread_num() != 0) return;
#endif
    if (rn->o->progress) rn->o->progress(rn->o->progress_ctx, now, rn->total);
}

/* One-shot digest of a buffer with an EVP algorithm. */
static int evp_once(const EVP_MD *md, const uint8_t *p, uint64_t n, uint8_t *out) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, p, (size_t)n) &&
             EVP_DigestFinal_ex(c, out, NULL);
    EVP_MD_CTX_free(c);
    return ok;
}

/* ===== whole files ===== */

static int hash_file(run *rn, size_t fi) {
    const ck_model_file *f = &rn->m->files[fi];
    ck_file_digest *out = &rn->r->files[fi];
    unsigned what = rn->o->what;
    uint64_t size = f->map.size;
    uint64_t split = f->data_offset < size ? f->data_offset : size;
    const uint8_t *p = f->map.data;
    EVP_MD_CTX *whole = EVP_MD_CTX_new(), *data = EVP_MD_CTX_new();
    int ok = whole && data && EVP_DigestInit_ex(whole, EVP_sha256(), NULL) &&
             EVP_DigestInit_ex(data, EVP_sha256(), NULL);
    for (uint64_t pos = 0; ok && pos < size;) {
        uint64_t end = size - pos < STEP ? size : pos + STEP;
        /* Stop at the end of the header to take its digest on the way. */
        if (pos < split && end > split) end = split;
        ok = EVP_DigestUpdate(whole, p + pos, (size_t)(end - pos));
        if (ok && pos >= split && (what & CK_HASH_FILE_DATA)) ok = EVP_DigestUpdate(data, p + pos, (size_t)(end - pos));
        if (ok && end == split && (what & CK_HASH_FILE_HEADER)) {
            EVP_MD_CTX *copy = EVP_MD_CTX_new();
            ok = copy && EVP_MD_CTX_copy_ex(copy, whole) && EVP_DigestFinal_ex(copy, out->header_sha256, NULL);
            EVP_MD_CTX_free(copy);
        }
        progress(rn, end - pos);
        pos = end;
    }
    /* A file whose header is all of it: the header digest is the file's. */
    if (ok && split == 0 && (what & CK_HASH_FILE_HEADER))
        ok = evp_once(EVP_sha256(), p, 0, out->header_sha256);
    if (ok) ok = EVP_DigestFinal_ex(whole, out->sha256, NULL);
    if (ok && (what & CK_HASH_FILE_DATA)) ok = EVP_DigestFinal_ex(data, out->data_sha256, NULL);
    EVP_MD_CTX_free(whole);
    EVP_MD_CTX_free(data);
    return ok;
}

/* ===== a file's tensor data, in tensor-info order ===== */

/* llama-gguf-hash's namespace for the whole-model UUIDv5. */
static const uint8_t uuid_namespace[16] = {0xef, 0x00, 0x12, 0x06, 0xda, 0xdc, 0x5f, 0x6d,
                                           0xa1, 0x5f, 0x33, 0x59, 0xe5, 0x77, 0xd4, 0xe5};

static int hash_stream(run *rn, size_t fi) {
    const ck_model *m = rn->m;
    ck_stream_digest *out = &rn->r->files[fi].stream;
    XXH64_state_t *x = XXH64_createState();
    EVP_MD_CTX *s1 = EVP_MD_CTX_new(), *s256 = EVP_MD_CTX_new(), *u = EVP_MD_CTX_new();
    int ok = x && s1 && s256 && u && XXH64_reset(x, 0) == XXH_OK && EVP_DigestInit_ex(s1, EVP_sha1(), NULL) &&
             EVP_DigestInit_ex(s256, EVP_sha256(), NULL) && EVP_DigestInit_ex(u, EVP_sha1(), NULL) &&
             EVP_DigestUpdate(u, uuid_namespace, sizeof uuid_namespace);
    for (size_t i = 0; ok && i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        if (t->file != fi) continue;
        const uint8_t *p = ck_tensor_data(m, t);
        for (uint64_t pos = 0; ok && pos < t->nbytes; pos += STEP) {
            size_t n = (size_t)(t->nbytes - pos < STEP ? t->nbytes - pos : STEP);
            ok = XXH64_update(x, p + pos, n) == XXH_OK && EVP_DigestUpdate(s1, p + pos, n) &&
                 EVP_DigestUpdate(s256, p + pos, n) && EVP_DigestUpdate(u, p + pos, n);
            progress(rn, n);
        }
    }
    uint8_t sha1[20];
    if (ok) {
        out->xxh64 = XXH64_digest(x);
        ok = EVP_DigestFinal_ex(s1, out->sha1, NULL) && EVP_DigestFinal_ex(s256, out->sha256, NULL) &&
             EVP_DigestFinal_ex(u, sha1, NULL);
    }
    if (ok) {
        /* UUIDv5: the first 16 bytes of the SHA-1, version 5, RFC 4122 variant. */
        memcpy(out->uuid, sha1, 16);
        out->uuid[6] = (uint8_t)((out->uuid[6] & 0x0F) | 0x50);
        out->uuid[8] = (uint8_t)((out->uuid[8] & 0x3F) | 0x80);
    }
    XXH64_freeState(x);
    EVP_MD_CTX_free(s1);
    EVP_MD_CTX_free(s256);
    EVP_MD_CTX_free(u);
    return ok;
}

/* ===== one tensor ===== */

static int hash_tensor(run *rn, size_t ti) {
    const ck_model *m = rn->m;
    const ck_tensor *t = &m->tensors[ti];
    ck_tensor_digest *out = &rn->r->tensors[ti];
    const uint8_t *p = ck_tensor_data(m, t);
    unsigned what = rn->o->what;
    int ok = 1;
    if (what & CK_HASH_TENSOR_XXH3) {
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits(p, (size_t)t->nbytes));
        memcpy(out->xxh3_128, c.digest, 16);
    }
    if (what & CK_HASH_TENSOR_XXH64) out->xxh64 = XXH64(p, (size_t)t->nbytes, 0);
    if (what & CK_HASH_TENSOR_SHA256) ok = ok && evp_once(EVP_sha256(), p, t->nbytes, out->sha256);
    if (what & CK_HASH_TENSOR_SHA1) ok = ok && evp_once(EVP_sha1(), p, t->nbytes, out->sha1);
    progress(rn, t->nbytes);
    return ok;
}

/* ===== the job list ===== */

static int job_cmp(const void *a, const void *b) {
    const job *x = a, *y = b;
    if (x->kind != y->kind) return (int)x->kind - (int)y->kind;
    if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static job *make_jobs(const ck_model *m, unsigned what, size_t *n, uint64_t *total) {
    unsigned file_what = CK_HASH_FILE_SHA256 | CK_HASH_FILE_HEADER | CK_HASH_FILE_DATA;
    unsigned tensor_what = CK_HASH_TENSOR_XXH3 | CK_HASH_TENSOR_SHA256 | CK_HASH_TENSOR_XXH64 | CK_HASH_TENSOR_SHA1;
    size_t cap = 2 * (size_t)m->n_files + m->n_tensors;
    job *jobs = malloc(cap * sizeof *jobs);
    if (!jobs) return NULL;
    *n = 0;
    *total = 0;
    if (what & file_what)
        for (uint32_t i = 0; i < m->n_files; i++) {
            jobs[(*n)++] = (job){JOB_FILE, i, m->files[i].map.size};
            *total += m->files[i].map.size;
        }
    uint64_t tensor_bytes = 0;
    for (size_t i = 0; i < m->n_tensors; i++) tensor_bytes += m->tensors[i].nbytes;
    if (what & CK_HASH_FILE_STREAM) {
        for (uint32_t f = 0; f < m->n_files; f++) {
            uint64_t bytes = 0;
            for (size_t i = 0; i < m->n_tensors; i++)
                if (m->tensors[i].file == f) bytes += m->tensors[i].nbytes;
            jobs[(*n)++] = (job){JOB_STREAM, f, bytes};
        }
        *total += tensor_bytes;
    }
    if (what & tensor_what) {
        for (size_t i = 0; i < m->n_tensors; i++) jobs[(*n)++] = (job){JOB_TENSOR, i, m->tensors[i].nbytes};
        *total += tensor_bytes;
    }
    qsort(jobs, *n, sizeof *jobs, job_cmp);
    return jobs;
}

static int run_job(run *rn, const job *j) {
    switch (j->kind) {
    case JOB_FILE: return hash_file(rn, j->index);
    case JOB_STREAM: return hash_stream(rn, j->index);
    default: return hash_tensor(rn, j->index);
    }
}

void ck_hash_result_free(ck_hash_result *r) {
    free(r->files);
    free(r->tensors);
    memset(r, 0, sizeof *r);
}

ck_status ck_hash_model(const ck_model *m, const ck_hash_opts *o, ck_hash_result *r, ck_diag *d) {
    (void)d;
    memset(r, 0, sizeof *r);
    r->what = o->what;
    r->files = calloc(m->n_files ? m->n_files : 1, sizeof *r->files);
    r->tensors = calloc(m->n_tensors ? m->n_tensors : 1, sizeof *r->tensors);
    size_t n_jobs = 0;
    uint64_t total = 0;
    job *jobs = r->files && r->tensors ? make_jobs(m, o->what, &n_jobs, &total) : NULL;
    if (!jobs) {
        ck_hash_result_free(r);
        return CK_ERR_NOMEM;
    }
    run rn = {m, o, r, 0, total, 0};
    size_t next = 0;
    int threads = ck_thread_count(o->threads);
#pragma omp parallel num_threads(threads)
    for (;;) {
        size_t k;
#pragma omp atomic capture
        k = next++;
        if (k >= n_jobs) break;
        if (!run_job(&rn, &jobs[k])) {
#pragma omp atomic write
            rn.failed = 1;
        }
    }
    free(jobs);
    if (rn.failed) {
        ck_hash_result_free(r);
        return CK_ERR_NOMEM;
    }
    if (o->what & CK_HASH_MODEL_DIGEST) ck_model_digest(m, r->tensors, r->model_digest);
    return CK_OK;
}

/* ===== the model digest ===== */

static int name_cmp(const void *a, const void *b, void *ctx) {
    const ck_model *m = ctx;
    const ck_tensor *x = &m->tensors[*(const size_t *)a], *y = &m->tensors[*(const size_t *)b];
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c) return c;
    return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static void put_u64(EVP_MD_CTX *c, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    EVP_DigestUpdate(c, b, 8);
}

void ck_model_digest(const ck_model *m, const ck_tensor_digest *tensors, uint8_t out[32]) {
    size_t *order = malloc((m->n_tensors ? m->n_tensors : 1) * sizeof *order);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!order || !c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
        memset(out, 0, 32);
        free(order);
        EVP_MD_CTX_free(c);
        return;
    }
    for (size_t i = 0; i < m->n_tensors; i++) order[i] = i;
    qsort_r(order, m->n_tensors, sizeof *order, name_cmp, (void *)m);
    static const char tag[] = "ckpt-model-digest-v1";
    EVP_DigestUpdate(c, tag, sizeof tag - 1);
    put_u64(c, m->n_tensors);
    for (size_t k = 0; k < m->n_tensors; k++) {
        const ck_tensor *t = &m->tensors[order[k]];
        const char *dt = ck_dtype_name(t->dtype);
        put_u64(c, t->name_len);
        EVP_DigestUpdate(c, t->name, t->name_len);
        put_u64(c, strlen(dt));
        EVP_DigestUpdate(c, dt, strlen(dt));
        put_u64(c, t->rank);
        for (uint32_t j = 0; j < t->rank; j++) put_u64(c, (uint64_t)t->shape[j]);
        EVP_DigestUpdate(c, tensors[order[k]].xxh3_128, 16);
    }
    EVP_DigestFinal_ex(c, out, NULL);
    EVP_MD_CTX_free(c);
    free(order);
}
