/* The figures of tensors: one streaming pass over the stored bytes.
 *
 * Each selected tensor is cut into work items of a fixed number of values
 * (whole blocks), and each item into chunks that fit in the L1/L2 cache.
 * Threads take items in any order, but an item's figures depend only on its
 * values and items are merged in order, so the result is identical for any
 * number of threads.
 */
#include "ckpt/stats.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ckpt/rules.h"
#include "core/decode.h"
#include "core/reduce.h"
#include "core/cpu.h"

/* Values a chunk (decoded at once into a thread's buffer) and a work item
 * hold. Both are multiples of every block's value count (at most 256). */
#define CHUNK_VALUES 4096
#define ITEM_VALUES (4u << 20)

typedef struct work {
    size_t ts;          /* index in the result */
    uint64_t block0;    /* first block of the item */
    uint64_t nblocks;
} work;

typedef struct plan {
    work *items;
    size_t n_items;
    ck_decoder *dec;    /* per result */
    ck_src *direct;     /* per result: read the stored values in place, or CK_SRC_COUNT */
    uint64_t total_bytes;
} plan;

/* F32, F16 and BF16 in file order need no decoding: the chunk kernels read
 * them where they are mapped. */
static ck_src direct_source(const ck_decoder *dec) {
    if (dec->to_little) return CK_SRC_COUNT;
    switch (dec->dtype) {
    case CK_DT_F32: return CK_SRC_F32;
    case CK_DT_F16: return CK_SRC_F16;
    case CK_DT_BF16: return CK_SRC_BF16;
    default: return CK_SRC_COUNT;
    }
}

int ck_name_selected(const char *name, const char *const *patterns, size_t n_patterns) {
    if (n_patterns == 0) return 1;
    for (size_t i = 0; i < n_patterns; i++)
        if (fnmatch(patterns[i], name, 0) == 0) return 1;
    return 0;
}

void ck_stats_result_free(ck_stats_result *r) {
    for (size_t i = 0; i < r->n; i++) free(r->tensors[i].hist);
    free(r->tensors);
    r->tensors = NULL;
    r->n = 0;
}

static ck_status make_plan(const ck_model *m, ck_stats_result *out, plan *p, ck_diag *d) {
    memset(p, 0, sizeof *p);
    size_t cap = 0;
    p->dec = calloc(out->n ? out->n : 1, sizeof *p->dec);
    p->direct = calloc(out->n ? out->n : 1, sizeof *p->direct);
    if (!p->dec || !p->direct) return CK_ERR_NOMEM;
    for (size_t i = 0; i < out->n; i++) {
        const ck_tensor *t = &m->tensors[out->tensors[i].tensor];
        const ck_model_file *f = &m->files[t->file];
        if (ck_decoder_init(&p->dec[i], t->dtype, f->big_endian) != CK_OK) {
            ck_where w = {.file = f->map.path, .offset = (int64_t)t->offset, .tensor = t->name,
                          .tensor_len = t->name_len};
            ck_report(d, &CK_RULE_DATA_BYTE_ORDER, CK_ERR_FORMAT, 0, &w,
                      "big-endian %s blocks have no defined layout", ck_dtype_name(t->dtype));
            return CK_ERR_FORMAT;
        }
        p->direct[i] = direct_source(&p->dec[i]);
        const ck_dtype_info *di = ck_dtype_info_of(t->dtype);
        uint64_t nblocks = t->nelems / di->block_elems;
        uint64_t per_item = ITEM_VALUES / p->dec[i].block_values;
        p->total_bytes += t->nbytes;
        for (uint64_t b = 0; b < nblocks || (b == 0 && nblocks == 0); b += per_item) {
            if (p->n_items == cap) {
                cap = cap ? cap * 2 : 64;
                work *n = realloc(p->items, cap * sizeof *n);
                if (!n) return CK_ERR_NOMEM;
                p->items = n;
            }
            uint64_t nb = nblocks - b < per_item ? nblocks - b : per_item;
            p->items[p->n_items++] = (work){i, b, nb};
            if (nblocks == 0) break;
        }
    }
    return CK_OK;
}

/* Per-thread buffers. */
typedef struct scratch {
    float *values;
    uint8_t *bytes;     /* for byte swapping */
} scratch;

/* Run fn over every chunk of item w: the values in place when `direct` is a
 * source, else decoded to float32 in the thread's buffer. */
static void for_each_chunk(const ck_model *m, const ck_stats_result *out, const plan *p,
                           const work *w, scratch *s, ck_src direct,
                           void (*fn)(void *ctx, const void *v, size_t n, ck_src kind), void *ctx) {
    const ck_tensor *t = &m->tensors[out->tensors[w->ts].tensor];
    const ck_decoder *dec = &p->dec[w->ts];
    const uint8_t *src = ck_tensor_data(m, t) + w->block0 * dec->block_bytes;
    uint64_t per_chunk = CHUNK_VALUES / dec->block_values;
    for (uint64_t b = 0; b < w->nblocks; b += per_chunk) {
        uint64_t nb = w->nblocks - b < per_chunk ? w->nblocks - b : per_chunk;
        const uint8_t *at = src + b * dec->block_bytes;
        size_t n = (size_t)(nb * dec->block_values);
        if (direct != CK_SRC_COUNT) {
            fn(ctx, at, n, direct);
        } else {
            ck_decode(dec, at, (size_t)nb, s->bytes, s->values);
            fn(ctx, s->values, n, CK_SRC_F32);
        }
    }
}

typedef struct moments_ctx {
    ck_chunk_fn kernel[CK_SRC_COUNT];
    ck_moments *m;
} moments_ctx;

static void add_chunk(void *ctx, const void *v, size_t n, ck_src kind) {
    moments_ctx *c = ctx;
    ck_chunk_stats cs;
    c->kernel[kind](v, n, &cs);
    ck_moments_add(c->m, &cs);
}

typedef struct hist_ctx {
    double lo, scale;   /* bin = (x - lo) * scale */
    uint32_t bins;
    uint64_t *counts;
} hist_ctx;

static void add_hist(void *ctx, const void *values, size_t n, ck_src kind) {
    hist_ctx *h = ctx;
    const float *v = values;
    (void)kind; /* the histogram pass always decodes to float32 */
    for (size_t i = 0; i < n; i++) {
        if (!(fabsf(v[i]) <= 3.4028234663852886e38f)) continue;
        double b = ((double)v[i] - h->lo) * h->scale;
        uint32_t k = b <= 0 ? 0 : b >= h->bins ? h->bins - 1 : (uint32_t)b;
        h->counts[k]++;
    }
}

typedef struct progress_state {
    const ck_stats_opts *o;
    uint64_t done, total;
} progress_state;

/* Count an item's bytes as done; report from the master thread only. */
static void progress_item(progress_state *ps, const plan *p, const work *w) {
    uint64_t bytes = w->nblocks * p->dec[w->ts].block_bytes, now;
#pragma omp atomic capture
    now = ps->done += bytes;
#ifdef _OPENMP
    if (omp_get_thread_num() != 0) return;
#endif
    if (ps->o->progress) ps->o->progress(ps->o->progress_ctx, now, ps->total);
}

static int alloc_scratch(scratch *s) {
    s->values = malloc(CHUNK_VALUES * sizeof(float));
    /* The largest block is 292 bytes; a chunk holds at most 4096 blocks. */
    s->bytes = malloc(CHUNK_VALUES * 292);
    return s->values && s->bytes;
}

static ck_status pass_moments(const ck_model *m, ck_stats_result *out, const plan *p,
                              ck_moments *item_m, progress_state *ps, int threads) {
    moments_ctx proto = {.m = NULL};
    for (int k = 0; k < CK_SRC_COUNT; k++) proto.kernel[k] = ck_chunk_stats_kernel((ck_src)k);
    int failed = 0;
#pragma omp parallel num_threads(threads)
    {
        scratch s = {0};
        int ok = alloc_scratch(&s);
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < p->n_items; i++) {
            if (!ok) continue;
            ck_moments_init(&item_m[i]);
            moments_ctx c = proto;
            c.m = &item_m[i];
            for_each_chunk(m, out, p, &p->items[i], &s, p->direct[p->items[i].ts], add_chunk, &c);
            progress_item(ps, p, &p->items[i]);
        }
        free(s.values);
        free(s.bytes);
    }
    return failed ? CK_ERR_NOMEM : CK_OK;
}

static ck_status pass_hist(const ck_model *m, ck_stats_result *out, const plan *p, int threads) {
    int failed = 0;
#pragma omp parallel num_threads(threads)
    {
        scratch s = {0};
        uint32_t bins = out->n ? out->tensors[0].hist_bins : 0;
        uint64_t *local = calloc(bins ? bins : 1, sizeof *local);
        int ok = alloc_scratch(&s) && local;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < p->n_items; i++) {
            ck_tensor_stats *ts = &out->tensors[p->items[i].ts];
            if (!ok || !(ts->max > ts->min)) continue;
            memset(local, 0, bins * sizeof *local);
            hist_ctx h = {ts->min, bins / (ts->max - ts->min), bins, local};
            for_each_chunk(m, out, p, &p->items[i], &s, CK_SRC_COUNT, add_hist, &h);
            /* Integer counts: the order of these additions does not matter. */
            for (uint32_t k = 0; k < bins; k++) {
#pragma omp atomic
                ts->hist[k] += local[k];
            }
        }
        free(local);
        free(s.values);
        free(s.bytes);
    }
    /* A tensor whose finite values are all equal has them all in one bin. */
    for (size_t i = 0; i < out->n; i++) {
        ck_tensor_stats *ts = &out->tensors[i];
        if (ts->hist && ts->finite && ts->max == ts->min) ts->hist[0] = ts->finite;
    }
    return failed ? CK_ERR_NOMEM : CK_OK;
}

static void finish(ck_stats_result *out, const plan *p, const ck_moments *item_m) {
    size_t i = 0;
    for (size_t r = 0; r < out->n; r++) {
        ck_moments mo;
        ck_moments_init(&mo);
        for (; i < p->n_items && p->items[i].ts == r; i++) ck_moments_merge(&mo, &item_m[i]);
        ck_tensor_stats *ts = &out->tensors[r];
        ts->count = mo.n;
        ts->finite = mo.finite;
        ts->nan = mo.nan;
        ts->inf = mo.inf;
        ts->zeros = mo.zeros;
        ts->min = mo.finite ? mo.min : NAN;
        ts->max = mo.finite ? mo.max : NAN;
        ts->mean = ck_moments_mean(&mo);
        ts->std = ck_moments_std(&mo);
        ts->rms = ck_moments_rms(&mo);
        ts->absmax = mo.finite ? fmax(fabs(mo.min), fabs(mo.max)) : NAN;
    }
}

ck_status ck_stats_run(const ck_model *m, const ck_stats_opts *o, ck_stats_result *out, ck_diag *d) {
    memset(out, 0, sizeof *out);
    out->tensors = calloc(m->n_tensors ? m->n_tensors : 1, sizeof *out->tensors);
    if (!out->tensors) return CK_ERR_NOMEM;
    for (size_t i = 0; i < m->n_tensors; i++) {
        if (!ck_name_selected(m->tensors[i].name, o->patterns, o->n_patterns) || (o->only && !o->only[i])) continue;
        ck_tensor_stats *ts = &out->tensors[out->n++];
        ts->tensor = i;
        ts->hist_bins = o->hist_bins;
        if (o->hist_bins && !(ts->hist = calloc(o->hist_bins, sizeof *ts->hist))) {
            ck_stats_result_free(out);
            return CK_ERR_NOMEM;
        }
    }
    plan p;
    ck_status st = make_plan(m, out, &p, d);
    ck_moments *item_m = st == CK_OK ? calloc(p.n_items ? p.n_items : 1, sizeof *item_m) : NULL;
    if (st == CK_OK && !item_m) st = CK_ERR_NOMEM;
    int threads = ck_thread_count(o->threads);
    progress_state ps = {o, 0, p.total_bytes};
    if (st == CK_OK) st = pass_moments(m, out, &p, item_m, &ps, threads);
    if (st == CK_OK) finish(out, &p, item_m);
    if (st == CK_OK && o->hist_bins) st = pass_hist(m, out, &p, threads);
    free(item_m);
    free(p.items);
    free(p.dec);
    free(p.direct);
    if (st != CK_OK) ck_stats_result_free(out);
    return st;
}
