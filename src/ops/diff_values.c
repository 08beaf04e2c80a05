/* The figures of `ckpt diff`: one streaming pass over both tensors of every
 * pair, in parallel, with figures that do not depend on the thread count.
 *
 * A pair is cut into work items of a fixed number of values (whole rows, or
 * whole blocks of both dtypes), each into chunks. A chunk's values are read
 * where they are mapped when they are F32, F16 or BF16 in file order, and
 * are decoded into a float buffer otherwise; the pair kernels of
 * core/pairsum.h sum them in 16 double lanes (value i of a chunk in lane
 * i % 16). Chunks are merged in order with Neumaier's compensated summation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/lowrank.h"
#include "core/pairsum.h"
#include "diff_internal.h"
#include "core/cpu.h"

#define CHUNK_VALUES 65536
#define ITEM_VALUES (4u << 20)

/* Sums over one item. */
typedef struct acc {
    double aa, bb, ab, dd;       /* sum a^2, b^2, ab, (b-a)^2 over finite pairs */
    double aa_c, bb_c, ab_c, dd_c;
    double max_abs;
    uint64_t n, changed;
} acc;

static void neumaier(double *s, double *c, double x) {
    double t = *s + x;
    if (fabs(*s) >= fabs(x)) *c += (*s - t) + x;
    else *c += (x - t) + *s;
    *s = t;
}

static void acc_merge(acc *a, const acc *b) {
    neumaier(&a->aa, &a->aa_c, b->aa);
    neumaier(&a->aa, &a->aa_c, b->aa_c);
    neumaier(&a->bb, &a->bb_c, b->bb);
    neumaier(&a->bb, &a->bb_c, b->bb_c);
    neumaier(&a->ab, &a->ab_c, b->ab);
    neumaier(&a->ab, &a->ab_c, b->ab_c);
    neumaier(&a->dd, &a->dd_c, b->dd);
    neumaier(&a->dd, &a->dd_c, b->dd_c);
    if (b->max_abs > a->max_abs) a->max_abs = b->max_abs;
    a->n += b->n;
    a->changed += b->changed;
}

/* Fold a chunk's figures into out (chunks in order). */
static void acc_add(acc *out, const ck_pair_sums *s) {
    acc c = {.aa = s->aa, .bb = s->bb, .ab = s->ab, .dd = s->dd, .max_abs = s->max_abs, .n = s->n,
             .changed = s->changed};
    acc_merge(out, &c);
}

/* ===== work ===== */

typedef struct item {
    size_t pair;
    uint64_t start, count;   /* rows, or values when both sides are flat */
} item;

static bool both_flat(const pair *p) { return p->a.flat && p->b.flat; }

/* Values of the row (rows mode) or of the step that keeps both dtypes on
 * block boundaries (flat mode). */
static uint64_t unit_values(const pair *p) {
    if (!both_flat(p)) return p->a.cols * p->a.pieces[0].dec.block_values;
    uint64_t ba = ck_dtype_info_of(p->a.m->tensors[p->a.pieces[0].tensor].dtype)->block_elems;
    uint64_t bb = ck_dtype_info_of(p->b.m->tensors[p->b.pieces[0].tensor].dtype)->block_elems;
    /* Block sizes are 1, 2, 4 and powers of two: the larger is a multiple. */
    return ba > bb ? ba : bb;
}

static uint64_t total_units(const pair *p) {
    if (!both_flat(p)) return p->a.rows;
    const ck_tensor *t = &p->a.m->tensors[p->a.pieces[0].tensor];
    return t->nelems / unit_values(p);
}

/* Read units [u0, u0 + n) of one side into out. */
static void read_units(const pair *p, const side *s, uint64_t u0, uint64_t n, float *out, uint8_t *scratch) {
    if (both_flat(p)) {
        uint64_t per = unit_values(p);
        side_read_flat(s, u0 * per, n * per, out, scratch);
    } else {
        side_read_rows(s, u0, n, out, scratch);
    }
}

/* F32, F16 and BF16 of one piece in file order need no decoding: the pair
 * kernels read them where they are mapped. CK_SRC_COUNT for the rest. */
static ck_src direct_source(const side *s) {
    const ck_decoder *dec = &s->pieces[0].dec;
    if (!s->flat || dec->to_little) return CK_SRC_COUNT;
    switch (dec->dtype) {
    case CK_DT_F32: return CK_SRC_F32;
    case CK_DT_F16: return CK_SRC_F16;
    case CK_DT_BF16: return CK_SRC_BF16;
    default: return CK_SRC_COUNT;
    }
}

/* Where unit u0 of a direct side is mapped: one value a block, the values
 * of a flat side in row-major order. */
static const void *direct_at(const pair *p, const side *s, uint64_t u0) {
    const ck_tensor *t = &s->m->tensors[s->pieces[0].tensor];
    uint64_t v0 = both_flat(p) ? u0 * unit_values(p) : u0 * s->cols;
    return ck_tensor_data(s->m, t) + v0 * s->pieces[0].dec.block_bytes;
}

typedef struct bufs {
    float *a, *b;
    uint8_t *scratch;
    size_t cap;              /* floats per buffer */
} bufs;

static bool bufs_fit(bufs *w, size_t values) {
    if (values <= w->cap) return true;
    float *a = realloc(w->a, values * sizeof *a), *b = a ? realloc(w->b, values * sizeof *b) : NULL;
    if (a) w->a = a;
    if (b) w->b = b;
    /* Byte swapping needs at most 8 bytes a value (the widest element). */
    uint8_t *s = b ? realloc(w->scratch, values * 8) : NULL;
    if (s) w->scratch = s;
    if (!a || !b || !s) return false;
    w->cap = values;
    return true;
}

static bool run_item(const diff_plan *plan, const item *it, bufs *w, acc *out) {
    const pair *p = &plan->pairs[it->pair];
    uint64_t per = unit_values(p);
    uint64_t step = CHUNK_VALUES / per ? CHUNK_VALUES / per : 1;
    ck_src ka = direct_source(&p->a), kb = direct_source(&p->b);
    if ((ka == CK_SRC_COUNT || kb == CK_SRC_COUNT) && !bufs_fit(w, (size_t)(step * per))) return false;
    /* A decoded side is float32 in its buffer. */
    ck_pairsum_fn sums = ck_pairsum_kernel(ka == CK_SRC_COUNT ? CK_SRC_F32 : ka, kb == CK_SRC_COUNT ? CK_SRC_F32 : kb);
    for (uint64_t u = 0; u < it->count; u += step) {
        uint64_t n = it->count - u < step ? it->count - u : step, u0 = it->start + u;
        const void *va = w->a, *vb = w->b;
        if (ka != CK_SRC_COUNT) va = direct_at(p, &p->a, u0);
        else read_units(p, &p->a, u0, n, w->a, w->scratch);
        if (kb != CK_SRC_COUNT) vb = direct_at(p, &p->b, u0);
        else read_units(p, &p->b, u0, n, w->b, w->scratch);
        ck_pair_sums c;
        sums(va, vb, (size_t)(n * per), &c);
        acc_add(out, &c);
    }
    return true;
}

/* Whether the pair can be compared value by value. */
static bool comparable(const pair *p) {
    if (!p->has_a || !p->has_b || p->a.rank != p->b.rank) return false;
    for (uint32_t j = 0; j < p->a.rank; j++)
        if (p->a.shape[j] != p->b.shape[j]) return false;
    /* A complex element is two values: only comparable with a complex one. */
    return p->a.pieces[0].dec.block_values * ck_dtype_info_of(p->b.m->tensors[p->b.pieces[0].tensor].dtype)->block_elems ==
           p->b.pieces[0].dec.block_values * ck_dtype_info_of(p->a.m->tensors[p->a.pieces[0].tensor].dtype)->block_elems;
}

/* The same dtype and the same bytes, found without decoding. */
static bool same_bytes(const pair *p) {
    if (!both_flat(p)) return false;
    const ck_tensor *ta = &p->a.m->tensors[p->a.pieces[0].tensor], *tb = &p->b.m->tensors[p->b.pieces[0].tensor];
    if (ta->dtype != tb->dtype || ta->nbytes != tb->nbytes ||
        p->a.m->files[ta->file].big_endian != p->b.m->files[tb->file].big_endian)
        return false;
    return memcmp(ck_tensor_data(p->a.m, ta), ck_tensor_data(p->b.m, tb), (size_t)ta->nbytes) == 0;
}

/* Whether a tensor's bytes are all zero, and so its values (but for F8_E8M0,
 * which has no zero). */
static bool zero_bytes(const pair *p) {
    const ck_tensor *t = &p->a.m->tensors[p->a.pieces[0].tensor];
    if (t->dtype == CK_DT_F8_E8M0) return false;
    const uint8_t *d = ck_tensor_data(p->a.m, t);
    for (uint64_t i = 0; i < t->nbytes; i++)
        if (d[i]) return false;
    return true;
}

static void set_figures(ck_diff_tensor *t, const acc *s) {
    double aa = s->aa + s->aa_c, bb = s->bb + s->bb_c, ab = s->ab + s->ab_c, dd = s->dd + s->dd_c;
    t->count = s->n;
    t->changed = s->changed;
    t->cosine = aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : NAN;
    t->rel_l2 = aa > 0 ? sqrt(dd) / sqrt(aa) : NAN;
    t->rmse = s->n ? sqrt(dd / (double)s->n) : NAN;
    t->max_abs = s->n ? s->max_abs : NAN;
    t->snr_db = aa > 0 && dd > 0 ? 10.0 * log10(aa / dd) : NAN;
    t->a_rms = s->n ? sqrt(aa / (double)s->n) : NAN;
    t->b_rms = s->n ? sqrt(bb / (double)s->n) : NAN;
    t->status = s->changed ? CK_DIFF_CHANGED : CK_DIFF_IDENTICAL;
}

ck_status diff_values(const diff_plan *plan, const ck_diff_opts *o, ck_diff_result *r) {
    int threads = ck_thread_count(o->threads);
    /* Pairs with the same bytes need no decoding. They are found in
     * parallel: a model with few changed tensors is mostly such pairs, and
     * comparing their bytes is most of the reading. 1: the same bytes; 2:
     * the same bytes, all zero. */
    uint8_t *same = calloc(plan->n ? plan->n : 1, 1);
    if (!same) return CK_ERR_NOMEM;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t i = 0; i < plan->n; i++) {
        const pair *p = &plan->pairs[i];
        if (comparable(p) && same_bytes(p)) same[i] = zero_bytes(p) ? 2 : 1;
    }
    /* Items, in pair order; pairs known identical by their bytes need none. */
    size_t cap = 64, n = 0;
    item *items = malloc(cap * sizeof *items);
    uint64_t total = 0;
    if (!items) {
        free(same);
        return CK_ERR_NOMEM;
    }
    for (size_t i = 0; i < plan->n; i++) {
        const pair *p = &plan->pairs[i];
        ck_diff_tensor *t = &r->tensors[i];
        if (!comparable(p)) continue;
        if (same[i]) {
            t->bytes_identical = true;
            t->status = CK_DIFF_IDENTICAL;
            t->count = p->a.m->tensors[p->a.pieces[0].tensor].nelems * p->a.pieces[0].dec.block_values /
                       ck_dtype_info_of(p->a.m->tensors[p->a.pieces[0].tensor].dtype)->block_elems;
            bool zero = same[i] == 2;
            t->cosine = zero ? NAN : 1.0;
            t->rel_l2 = zero ? NAN : 0.0;
            t->rmse = t->max_abs = 0.0;
            t->snr_db = NAN;
            continue;
        }
        uint64_t units = total_units(p), per = unit_values(p);
        uint64_t step = ITEM_VALUES / per ? ITEM_VALUES / per : 1;
        for (uint64_t u = 0; u < units || units == 0; u += step) {
            if (n == cap) {
                item *g = realloc(items, (cap *= 2) * sizeof *items);
                if (!g) {
                    free(items);
                    free(same);
                    return CK_ERR_NOMEM;
                }
                items = g;
            }
            items[n++] = (item){i, u, units - u < step ? units - u : step};
            total += items[n - 1].count * per;
            if (units == 0) break;
        }
    }
    free(same);
    acc *parts = calloc(n ? n : 1, sizeof *parts);
    int failed = !parts;
    uint64_t done = 0;
#pragma omp parallel num_threads(threads) if (!failed)
    {
        bufs w = {0};
#pragma omp for schedule(dynamic, 1)
        for (size_t k = 0; k < n; k++) {
            if (!run_item(plan, &items[k], &w, &parts[k])) {
#pragma omp atomic write
                failed = 1;
            }
            uint64_t now, vals = items[k].count * unit_values(&plan->pairs[items[k].pair]);
#pragma omp atomic capture
            now = done += vals;
#ifdef _OPENMP
            if (omp_get_thread_num() == 0 && o->progress) o->progress(o->progress_ctx, now, total);
#else
            if (o->progress) o->progress(o->progress_ctx, now, total);
#endif
        }
        free(w.a);
        free(w.b);
        free(w.scratch);
    }
    for (size_t k = 0; !failed && k < n;) {
        size_t i = items[k].pair;
        acc s = {0};
        for (; k < n && items[k].pair == i; k++) acc_merge(&s, &parts[k]);
        set_figures(&r->tensors[i], &s);
    }
    free(items);
    free(parts);
    return failed ? CK_ERR_NOMEM : CK_OK;
}

/* ===== the rank of a delta ===== */

typedef struct delta_rows {
    const pair *p;
    float *a, *b;
    uint8_t *scratch;
    bool nonfinite;          /* a NaN or Inf in the delta: it has no rank */
} delta_rows;

static int delta_rows_fn(void *ctx, size_t r0, size_t nr, double *out) {
    delta_rows *dr = ctx;
    const pair *p = dr->p;
    uint64_t cols = p->a.cols;
    for (size_t k = 0; k < nr; k++) {
        side_read_rows(&p->a, r0 + k, 1, dr->a, dr->scratch);
        side_read_rows(&p->b, r0 + k, 1, dr->b, dr->scratch);
        for (uint64_t j = 0; j < cols; j++) {
            out[k * cols + j] = (double)dr->b[j] - (double)dr->a[j];
            if (!isfinite(out[k * cols + j])) dr->nonfinite = true;
        }
    }
    return 0;
}

ck_status diff_ranks(const diff_plan *plan, const ck_diff_opts *o, ck_diff_result *r) {
    int failed = 0;
    int threads = ck_thread_count(o->threads);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t i = 0; i < plan->n; i++) {
        const pair *p = &plan->pairs[i];
        ck_diff_tensor *t = &r->tensors[i];
        if (t->status != CK_DIFF_CHANGED || p->a.rank != 2 || p->a.n_pieces != 1 || p->b.n_pieces != 1) continue;
        uint64_t cols = p->a.cols;
        /* Rows are read one at a time: both sides need whole blocks a row. */
        if (cols % ck_dtype_info_of(p->a.m->tensors[p->a.pieces[0].tensor].dtype)->block_elems ||
            cols % ck_dtype_info_of(p->b.m->tensors[p->b.pieces[0].tensor].dtype)->block_elems)
            continue;
        delta_rows dr = {p, malloc(cols * sizeof(float)), malloc(cols * sizeof(float)), malloc(cols * 8), false};
        ck_lowrank lr;
        int rc = dr.a && dr.b && dr.scratch
                     ? ck_lowrank_estimate((size_t)p->a.rows, (size_t)cols, delta_rows_fn, &dr, CK_LOWRANK_MAX,
                                           0x636b7074u + i, &lr)
                     : -1;
        if (dr.nonfinite) {
            /* NaN or Inf in a tensor: its delta has no rank (null). */
        } else if (rc != 0) {
#pragma omp atomic write
            failed = 1;
        } else {
            t->rank_estimated = true;
            t->delta_rank = lr.rank;
            t->n_sv = lr.k < CK_DIFF_SV ? lr.k : CK_DIFF_SV;
            memcpy(t->sv, lr.sv, t->n_sv * sizeof *t->sv);
        }
        free(dr.a);
        free(dr.b);
        free(dr.scratch);
    }
    return failed ? CK_ERR_NOMEM : CK_OK;
}
