/* The values of `ckpt convert`: every output tensor cut into work items of
 * about a million values, run in parallel over OpenMP threads, each written
 * at its final offset (pwrite), so memory stays bounded whatever the model.
 *
 * An item's values are copied as stored bytes when the dtype does not change
 * (byte-swapped from a big-endian GGUF); else decoded to float32, encoded in
 * the output dtype, and, when that can lose anything, decoded again and
 * measured against the input: the SNR of every tensor is known at the end.
 * Sums are per item and merged in item order: the figures do not depend on
 * the thread count.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ckpt/rules.h"
#include "convert_internal.h"
#include "core/quant.h"
#include "core/cpu.h"
#include "core/pairsum.h"

#define ITEM_VALUES (1u << 20)

typedef struct item {
    size_t t;                /* output tensor */
    uint64_t e0, n;          /* its values [e0, e0 + n) */
} item;

/* Error sums of an item. */
typedef struct err {
    double xx, dd;           /* sum of x^2 and (y - x)^2 where both are finite */
    uint64_t nonfinite;      /* inputs that are NaN or Inf */
    uint64_t overflow;       /* finite inputs whose output is not */
} err;

typedef struct bufs {
    float *in, *back;        /* a stretch's values */
    uint8_t *scratch;        /* a stretch's stored bytes, byte-swapped */
    size_t cap;              /* values */
    uint8_t *out;            /* the item's output bytes */
    size_t out_cap;
} bufs;

static uint64_t gcd(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* ===== cutting the work ===== */

typedef struct items {
    item *v;
    size_t n, cap;
} items;

static bool push(items *l, item it) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        item *g = realloc(l->v, cap * sizeof *g);
        if (!g) return false;
        l->v = g;
        l->cap = cap;
    }
    l->v[l->n++] = it;
    return true;
}

/* Items of tensor i: whole permuted rows, or runs of whole blocks of both
 * dtypes that stay inside one piece. */
static bool cut(const conv_plan *p, size_t i, items *l) {
    const ck_convert_tensor *t = &p->r->tensors[i];
    const ctensor *c = &p->t[i];
    if (t->permute_heads) {
        uint64_t per = ITEM_VALUES / c->row_len ? ITEM_VALUES / c->row_len : 1;
        for (uint64_t r = 0; r < c->rows; r += per)
            if (!push(l, (item){i, r * c->row_len, (c->rows - r < per ? c->rows - r : per) * c->row_len})) return false;
        return true;
    }
    uint64_t bi = ck_dtype_info_of(t->from)->block_elems, bo = ck_dtype_info_of(t->to)->block_elems;
    uint64_t unit = bi / gcd(bi, bo) * bo;
    uint64_t step = ITEM_VALUES / unit ? ITEM_VALUES / unit * unit : unit;
    uint64_t start = 0;
    for (size_t k = 0; k < c->n_pieces; k++) {
        uint64_t n = c->pieces[k].nelems;
        for (uint64_t e = 0; e < n; e += step)
            if (!push(l, (item){i, start + e, n - e < step ? n - e : step})) return false;
        start += n;
    }
    return true;
}

/* ===== reading the input ===== */

/* The piece holding value e of tensor c, and e's place in it. */
static const cpiece *piece_at(const ctensor *c, uint64_t e, uint64_t *local) {
    size_t k = 0;
    while (k + 1 < c->n_pieces && e >= c->pieces[k].nelems) e -= c->pieces[k++].nelems;
    *local = e;
    return &c->pieces[k];
}

static const uint8_t *stored(const conv_plan *p, const cpiece *pc, uint64_t e) {
    const ck_tensor *in = &p->m->tensors[pc->tensor];
    return ck_tensor_data(p->m, in) + (pc->elem0 + e) / ck_dtype_info_of(in->dtype)->block_elems * pc->dec.block_bytes;
}

/* A run of n input values starting at input value e of piece pc: raw bytes
 * into bytes (little-endian), or floats into vals. */
static void read_run(const conv_plan *p, const cpiece *pc, uint64_t e, uint64_t n, bool raw, uint8_t *bytes,
                     float *vals, uint8_t *scratch) {
    uint64_t per = ck_dtype_info_of(p->m->tensors[pc->tensor].dtype)->block_elems;
    size_t nblocks = (size_t)(n / per);
    const uint8_t *src = stored(p, pc, e);
    if (!raw) {
        ck_decode(&pc->dec, src, nblocks, scratch, vals);
        return;
    }
    memcpy(bytes, src, nblocks * pc->dec.block_bytes);
    if (pc->dec.to_little) pc->dec.to_little(bytes, nblocks);
}

/* The input row that output row r of a permuted tensor comes from. */
static uint64_t source_row(const ctensor *c, uint64_t r, uint64_t heads) {
    return c->to_gguf_order ? ck_permute_to_hf(r, c->rows, heads) : ck_permute_to_gguf(r, c->rows, heads);
}

/* A stretch of an item: n values from input value e of piece pc, which go
 * to byte offset at of the item's output. */
typedef struct stretch {
    const cpiece *pc;
    uint64_t e, n;
    size_t at;
} stretch;

/* Values a stretch holds at most (unless a permuted row is longer): the
 * float buffers of a stretch stay in the cache between decode, encode,
 * decode again and measure. */
#define STRETCH_VALUES 16384u

/* Stretch k of an item (false past the last): permuted rows one at a time,
 * else runs of whole blocks of both dtypes. */
static bool stretch_at(const conv_plan *p, const item *it, uint64_t k, stretch *s) {
    const ck_convert_tensor *t = &p->r->tensors[it->t];
    const ctensor *c = &p->t[it->t];
    const ck_dtype_info *to = ck_dtype_info_of(t->to);
    uint64_t v0, n;
    if (t->permute_heads) {
        v0 = k * c->row_len;
        if (v0 >= it->n) return false;
        uint64_t r = (it->e0 + v0) / c->row_len;
        *s = (stretch){&c->pieces[0], source_row(c, r, (uint64_t)t->permute_heads) * c->row_len, c->row_len, 0};
        n = c->row_len;
    } else {
        uint64_t bi = ck_dtype_info_of(t->from)->block_elems, bo = to->block_elems;
        uint64_t unit = bi / gcd(bi, bo) * bo, step = STRETCH_VALUES / unit ? STRETCH_VALUES / unit * unit : unit;
        v0 = k * step;
        if (v0 >= it->n) return false;
        n = it->n - v0 < step ? it->n - v0 : step;
        uint64_t local;
        const cpiece *pc = piece_at(c, it->e0 + v0, &local);
        *s = (stretch){pc, local, n, 0};
    }
    s->at = (size_t)(v0 / to->block_elems * to->block_bytes);
    return true;
}

/* ===== one item ===== */

/* The error of one stretch, x the input's values and y the output's, with
 * the pair kernel of diff: sums in fixed lanes, whatever the thread, and a
 * value that is NaN or Inf (counted apart) kept out of them. */
static void measure(ck_pairsum_fn sums, const float *x, const float *y, size_t n, err *e) {
    ck_pair_sums s;
    sums(x, y, n, &s);
    e->xx += s.aa;
    e->dd += s.dd;
    e->nonfinite += s.nonfinite_x;
    e->overflow += s.nonfinite_y;
}

static bool bufs_fit(bufs *w, size_t values, size_t out_bytes) {
    if (values > w->cap) {
        free(w->in);
        free(w->back);
        free(w->scratch);
        /* At most 8 bytes a value, in any dtype, stored or swapped. */
        w->in = malloc(values * sizeof(float));
        w->back = malloc(values * sizeof(float));
        w->scratch = malloc(values * 8);
        w->cap = w->in && w->back && w->scratch ? values : 0;
        if (!w->cap) return false;
    }
    if (out_bytes > w->out_cap) {
        free(w->out);
        w->out = malloc(out_bytes);
        w->out_cap = w->out ? out_bytes : 0;
        if (!w->out) return false;
    }
    return true;
}

static void bufs_free(bufs *w) {
    free(w->in);
    free(w->back);
    free(w->out);
    free(w->scratch);
}

static ck_status run_item(conv_plan *p, const item *it, bufs *w, err *e) {
    const ck_convert_tensor *t = &p->r->tensors[it->t];
    const ctensor *c = &p->t[it->t];
    const ck_dtype_info *to = ck_dtype_info_of(t->to);
    uint64_t off = t->offset + it->e0 / to->block_elems * to->block_bytes;
    size_t len = (size_t)(it->n / to->block_elems * to->block_bytes);
    /* Unchanged little-endian bytes go straight from the mapping. */
    if (c->raw && !t->permute_heads && !c->pieces[0].dec.to_little) {
        uint64_t local;
        const cpiece *pc = piece_at(c, it->e0, &local);
        const ck_model_file *in = &p->m->files[p->m->tensors[pc->tensor].file];
        return convert_copy(p, t->file, &in->map, (uint64_t)(stored(p, pc, local) - in->map.data), len, off);
    }
    uint64_t most = t->permute_heads ? p->t[it->t].row_len : STRETCH_VALUES;
    if (!bufs_fit(w, (size_t)most, len)) return CK_ERR_NOMEM;
    stretch s;
    ck_quant_fn encode = c->raw ? NULL : ck_quant_kernel(t->to);
    ck_dequant_fn decode = c->raw || t->exact ? NULL : ck_dequant_kernel(t->to);
    ck_pairsum_fn sums = ck_pairsum_kernel(CK_SRC_F32, CK_SRC_F32);
    for (uint64_t k = 0; stretch_at(p, it, k, &s); k++) {
        uint8_t *out = w->out + s.at;
        read_run(p, s.pc, s.e, s.n, c->raw, out, w->in, w->scratch);
        if (!encode) continue;
        encode(w->in, out, (size_t)(s.n / to->block_elems));
        if (!decode) continue;
        decode(out, w->back, (size_t)(s.n / to->block_elems));
        measure(sums, w->in, w->back, (size_t)s.n, e);
    }
    return convert_write(p, t->file, w->out, len, off);
}

/* ===== all of them ===== */

static void set_figures(ck_convert_tensor *t, const err *e) {
    t->nonfinite = e->nonfinite;
    t->overflow = e->overflow;
    t->snr_db = t->rel_l2 = NAN;
    /* Values that came through unchanged are exact, whatever the dtypes. */
    if (!t->exact && e->dd == 0 && e->overflow == 0) t->exact = true;
    if (t->exact) return;
    if (e->xx > 0) t->rel_l2 = sqrt(e->dd / e->xx);
    if (e->xx > 0 && e->dd > 0) t->snr_db = 10.0 * log10(e->xx / e->dd);
}

ck_status convert_run(conv_plan *p) {
    ck_convert_result *r = p->r;
    items l = {0};
    uint64_t total = 0;
    for (size_t i = 0; i < r->n_tensors; i++) {
        if (!cut(p, i, &l)) {
            free(l.v);
            return CK_ERR_NOMEM;
        }
        total += r->tensors[i].nbytes;
    }
    err *errs = calloc(l.n ? l.n : 1, sizeof *errs);
    if (!errs) {
        free(l.v);
        return CK_ERR_NOMEM;
    }
    int failed = CK_OK, err_no = 0;
    uint32_t fail_file = 0;
    uint64_t done = 0;
    int threads = ck_thread_count(p->o->threads);
#pragma omp parallel num_threads(threads)
    {
        bufs w = {0};
#pragma omp for schedule(dynamic, 1)
        for (size_t k = 0; k < l.n; k++) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop) continue;
            ck_status st = run_item(p, &l.v[k], &w, &errs[k]);
            if (st != CK_OK) {
                int e = errno;
#pragma omp critical(convert_fail)
                if (!failed) {
                    failed = st;
                    err_no = e;
                    fail_file = r->tensors[l.v[k].t].file;
                }
            }
            const ck_convert_tensor *t = &r->tensors[l.v[k].t];
            uint64_t now, bytes = l.v[k].n / ck_dtype_info_of(t->to)->block_elems * ck_dtype_info_of(t->to)->block_bytes;
#pragma omp atomic capture
            now = done += bytes;
#ifdef _OPENMP
            if (omp_get_thread_num() == 0 && p->o->progress) p->o->progress(p->o->progress_ctx, now, total);
#else
            if (p->o->progress) p->o->progress(p->o->progress_ctx, now, total);
#endif
        }
        bufs_free(&w);
    }
    for (size_t k = 0; !failed && k < l.n;) {
        size_t i = l.v[k].t;
        err sum = {0};
        for (; k < l.n && l.v[k].t == i; k++) {
            sum.xx += errs[k].xx;
            sum.dd += errs[k].dd;
            sum.nonfinite += errs[k].nonfinite;
            sum.overflow += errs[k].overflow;
        }
        set_figures(&r->tensors[i], &sum);
    }
    for (size_t i = 0; !failed && i < r->n_tensors; i++)
        if (r->tensors[i].nelems == 0) set_figures(&r->tensors[i], &(err){0});
    free(errs);
    free(l.v);
    if (failed == CK_ERR_IO) {
        ck_where w = {.file = r->files[fail_file].path, .offset = CK_NO_OFFSET};
        ck_report(p->d, &CK_RULE_OUT_WRITE, CK_ERR_IO, 0, &w, "cannot write the output: %s",
                  strerror(err_no ? err_no : EIO));
    }
    return (ck_status)failed;
}
