/* Matching the tensors of two models for `ckpt diff`.
 *
 * Every tensor gets a key: its GGUF-scheme name through the name map (a
 * GGUF name stays as it is), so that model.layers.3.self_attn.q_proj.weight
 * pairs with blk.3.attn_q.weight. Hugging Face experts (one 2-D tensor each)
 * gather into one logical tensor, experts outermost, to pair with GGUF's
 * stacked ffn_*_exps. When one side was converted by llama.cpp, its q/k rows
 * are read through the converter's permutation, so values line up.
 */
#include <stdlib.h>
#include <string.h>

#include "ckpt/rules.h"
#include "diff_internal.h"
#include "io/strmap.h"

/* A logical tensor while it is being gathered. */
typedef struct logical {
    char *key;
    size_t first;            /* the first stored tensor, for ordering */
    size_t *tensors;         /* stored tensors */
    int *experts;            /* their expert indices (-1: not an expert) */
    size_t n, cap;
    ck_permute permute;      /* how the converter permutes it, from its Hugging Face name */
    bool mapped;             /* its name went through the map (a Hugging Face name) */
} logical;

typedef struct gathered {
    logical *l;
    size_t n, cap;
    ck_strmap *index;
} gathered;

static void gathered_free(gathered *g) {
    for (size_t i = 0; i < g->n; i++) {
        free(g->l[i].key);
        free(g->l[i].tensors);
        free(g->l[i].experts);
    }
    free(g->l);
    ck_strmap_free(g->index);
    memset(g, 0, sizeof *g);
}

static logical *logical_for(gathered *g, const char *key) {
    uint32_t at;
    if (ck_strmap_get(g->index, key, strlen(key), &at)) return &g->l[at];
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 64;
        logical *n = realloc(g->l, ncap * sizeof *n);
        if (!n) return NULL;
        g->l = n;
        g->cap = ncap;
    }
    logical *l = &g->l[g->n];
    memset(l, 0, sizeof *l);
    l->key = strdup(key);
    if (!l->key || ck_strmap_put(g->index, l->key, strlen(l->key), (uint32_t)g->n, NULL) < 0) {
        free(l->key);
        return NULL;
    }
    g->n++;
    return l;
}

static bool logical_push(logical *l, size_t tensor, int expert) {
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 4;
        size_t *t = realloc(l->tensors, ncap * sizeof *t);
        if (!t) return false;
        l->tensors = t;
        int *e = realloc(l->experts, ncap * sizeof *e);
        if (!e) return false;
        l->experts = e;
        l->cap = ncap;
    }
    l->tensors[l->n] = tensor;
    l->experts[l->n++] = expert;
    return true;
}

/* Experts gather only when they are 0..E-1, once each, all alike. */
static bool experts_complete(const ck_model *m, const logical *l) {
    for (size_t i = 0; i < l->n; i++)
        if (l->experts[i] < 0 || (size_t)l->experts[i] >= l->n) return false;
    for (size_t e = 0; e < l->n; e++) {
        size_t found = 0;
        for (size_t i = 0; i < l->n; i++) found += (size_t)l->experts[i] == e;
        if (found != 1) return false;
    }
    const ck_tensor *t0 = &m->tensors[l->tensors[0]];
    for (size_t i = 1; i < l->n; i++) {
        const ck_tensor *t = &m->tensors[l->tensors[i]];
        if (t->dtype != t0->dtype || t->rank != t0->rank) return false;
        for (uint32_t j = 0; j < t->rank; j++)
            if (t->shape[j] != t0->shape[j]) return false;
    }
    return true;
}

static int logical_cmp(const void *x, const void *y) {
    const logical *a = x, *b = y;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* Gather the tensors of m into logical tensors under their keys. */
static ck_status gather(const ck_model *m, const ck_name_map *map, gathered *g) {
    memset(g, 0, sizeof *g);
    g->index = ck_strmap_new(m->n_tensors);
    if (!g->index) return CK_ERR_NOMEM;
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        ck_mapped_name mn;
        bool mapped = map && ck_name_map_to_gguf(map, t->name, t->name_len, &mn);
        if (mapped && !mn.gguf[0]) continue;  /* dropped by the converter */
        const char *key = mapped ? mn.gguf : t->name;
        /* A name with a NUL inside cannot be a key: it is its own. */
        if (!mapped && strlen(t->name) != t->name_len) continue;
        logical *l = logical_for(g, key);
        if (!l || !logical_push(l, i, mapped ? mn.expert : -1)) return CK_ERR_NOMEM;
        if (l->n == 1) {
            l->first = i;
            l->permute = mapped ? mn.permute : CK_PERMUTE_NONE;
            l->mapped = mapped;
        }
    }
    /* Expert sets that do not gather cleanly are compared tensor by tensor,
     * under their own names. */
    size_t n0 = g->n;
    for (size_t i = 0; i < n0; i++) {
        logical *l = &g->l[i];
        if (l->n == 1 && l->experts[0] < 0) continue;
        if (l->n >= 1 && experts_complete(m, l)) {
            /* Sort pieces by expert index. */
            for (size_t e = 0; e < l->n; e++)
                for (size_t k = e; k < l->n; k++)
                    if (l->experts[k] == (int)e) {
                        size_t tt = l->tensors[e];
                        int te = l->experts[e];
                        l->tensors[e] = l->tensors[k];
                        l->experts[e] = l->experts[k];
                        l->tensors[k] = tt;
                        l->experts[k] = te;
                    }
            continue;
        }
        for (size_t k = 1; k < g->l[i].n; k++) {
            size_t ti = g->l[i].tensors[k];
            logical *o = logical_for(g, m->tensors[ti].name);
            if (!o || !logical_push(o, ti, -1)) return CK_ERR_NOMEM;
            o->first = ti;
        }
        l = &g->l[i];
        l->n = 1;
        l->experts[0] = -1;
        char *own = strdup(m->tensors[l->tensors[0]].name);
        if (!own) return CK_ERR_NOMEM;
        free(l->key);
        l->key = own;
    }
    qsort(g->l, g->n, sizeof *g->l, logical_cmp);
    ck_strmap_free(g->index);
    g->index = ck_strmap_new(g->n);
    if (!g->index) return CK_ERR_NOMEM;
    for (size_t i = 0; i < g->n; i++)
        if (ck_strmap_put(g->index, g->l[i].key, strlen(g->l[i].key), (uint32_t)i, NULL) < 0) return CK_ERR_NOMEM;
    return CK_OK;
}

/* How many heads the converter permuted by, or 0 when unknown. */
static int perm_heads(ck_permute p, const ck_model *m, const ck_model *other) {
    if (p == CK_PERMUTE_NONE) return 0;
    int64_t n = p == CK_PERMUTE_HEADS ? m->hparams.n_head : m->hparams.n_head_kv;
    if (n <= 0) n = p == CK_PERMUTE_HEADS ? other->hparams.n_head : other->hparams.n_head_kv;
    return n > 0 && n < 1 << 20 ? (int)n : 0;
}

/* Build one side from a logical tensor. */
static ck_status side_make(side *s, const ck_model *m, const logical *l, int heads, ck_diag *d) {
    memset(s, 0, sizeof *s);
    s->m = m;
    s->n_pieces = l->n;
    s->pieces = calloc(l->n, sizeof *s->pieces);
    if (!s->pieces) return CK_ERR_NOMEM;
    for (size_t i = 0; i < l->n; i++) {
        const ck_tensor *t = &m->tensors[l->tensors[i]];
        s->pieces[i].tensor = l->tensors[i];
        if (ck_decoder_init(&s->pieces[i].dec, t->dtype, m->files[t->file].big_endian) != CK_OK) {
            ck_where w = {.file = m->files[t->file].map.path, .offset = (int64_t)t->offset, .tensor = t->name,
                          .tensor_len = t->name_len};
            ck_report(d, &CK_RULE_DATA_BYTE_ORDER, CK_ERR_FORMAT, 0, &w, "big-endian %s blocks have no defined layout",
                      ck_dtype_name(t->dtype));
            return CK_ERR_FORMAT;
        }
    }
    const ck_tensor *t0 = &m->tensors[l->tensors[0]];
    bool stacked = l->n > 1 || l->experts[0] >= 0;
    s->rank = t0->rank + (stacked ? 1 : 0);
    if (s->rank > 8) s->rank = 8;
    size_t j = 0;
    if (stacked) s->shape[j++] = (int64_t)l->n;
    for (uint32_t k = 0; k < t0->rank && j < 8; k++) s->shape[j++] = t0->shape[k];
    uint64_t per_piece = 1;
    s->cols = t0->rank ? (uint64_t)t0->shape[t0->rank - 1] : 1;
    for (uint32_t k = 0; k + 1 < t0->rank; k++) per_piece *= (uint64_t)t0->shape[k];
    if (t0->rank == 0) s->cols = 1;
    s->rows_per_piece = t0->rank ? per_piece : 1;
    s->rows = s->rows_per_piece * l->n;
    const ck_dtype_info *di = ck_dtype_info_of(t0->dtype);
    /* A permuted bias (1-D): each of its values is a row. */
    if (heads > 0 && l->n == 1 && t0->rank == 1 && di->block_elems == 1) {
        s->rows = s->rows_per_piece = s->cols;
        s->cols = 1;
    }
    /* llama.cpp's permutation acts on whole rows, in groups of 2 x half. */
    if (heads > 0 && l->n == 1 && t0->rank <= 2 && s->rows % (2 * (uint64_t)heads) == 0) s->perm_heads = heads;
    s->flat = l->n == 1 && s->perm_heads == 0;
    /* Rows must start on block boundaries to be read one by one. */
    if (!s->flat && s->cols % di->block_elems != 0) {
        s->perm_heads = 0;
        s->flat = l->n == 1;
    }
    return CK_OK;
}

static void side_free(side *s) { free(s->pieces); }

void diff_plan_free(diff_plan *plan) {
    for (size_t i = 0; i < plan->n; i++) {
        side_free(&plan->pairs[i].a);
        side_free(&plan->pairs[i].b);
        free(plan->pairs[i].key);
    }
    free(plan->pairs);
    memset(plan, 0, sizeof *plan);
}

ck_status diff_match(const ck_model *a, const ck_model *b, const ck_diff_opts *o, diff_plan *plan, ck_diag *d) {
    memset(plan, 0, sizeof *plan);
    if (!o->map) {
        plan->map = ck_name_map_for_arch(a->hparams.arch);
        if (!plan->map) plan->map = ck_name_map_for_arch(b->hparams.arch);
    } else if (strcmp(o->map, "none") != 0) {
        plan->map = ck_name_map_named(o->map);
    }
    gathered ga, gb;
    ck_status st = gather(a, plan->map, &ga);
    if (st == CK_OK) st = gather(b, plan->map, &gb);
    else memset(&gb, 0, sizeof gb);
    if (st == CK_OK) {
        plan->pairs = calloc(ga.n + gb.n + 1, sizeof *plan->pairs);
        if (!plan->pairs) st = CK_ERR_NOMEM;
    }
    uint8_t *b_used = st == CK_OK ? calloc(gb.n + 1, 1) : NULL;
    if (st == CK_OK && !b_used) st = CK_ERR_NOMEM;
    for (size_t i = 0; st == CK_OK && i < ga.n; i++) {
        const logical *la = &ga.l[i];
        pair *p = &plan->pairs[plan->n++];
        p->key = strdup(la->key);
        uint32_t bi;
        const logical *lb = ck_strmap_get(gb.index, la->key, strlen(la->key), &bi) ? &gb.l[bi] : NULL;
        if (lb) b_used[bi] = 1;
        /* The side stored by llama.cpp (a GGUF name, not mapped) carries the
         * permutation the other side's Hugging Face name calls for. */
        int pa = lb && !la->mapped && lb->mapped ? perm_heads(lb->permute, a, b) : 0;
        int pb = lb && la->mapped && !lb->mapped ? perm_heads(la->permute, b, a) : 0;
        p->has_a = true;
        st = side_make(&p->a, a, la, pa, d);
        if (st == CK_OK && lb) {
            p->has_b = true;
            st = side_make(&p->b, b, lb, pb, d);
        }
        /* A permuted bias is read value by value: so is its partner. */
        if (st == CK_OK && lb && p->a.rank == 1 && p->a.cols != p->b.cols) {
            side *flat = p->a.cols == 1 ? &p->b : &p->a;
            flat->rows = flat->rows_per_piece = flat->cols;
            flat->cols = 1;
            flat->flat = false;
        }
        if (st == CK_OK && !p->key) st = CK_ERR_NOMEM;
    }
    for (size_t i = 0; st == CK_OK && i < gb.n; i++) {
        if (b_used[i]) continue;
        pair *p = &plan->pairs[plan->n++];
        p->key = strdup(gb.l[i].key);
        p->has_b = true;
        st = p->key ? side_make(&p->b, b, &gb.l[i], 0, d) : CK_ERR_NOMEM;
    }
    free(b_used);
    gathered_free(&ga);
    gathered_free(&gb);
    if (st != CK_OK) diff_plan_free(plan);
    return st;
}

/* ===== reading values ===== */

/* The stored row of logical row r of a piece. */
static uint64_t stored_row(const side *s, uint64_t r) {
    return s->perm_heads ? ck_permute_to_gguf(r, s->rows_per_piece, (uint64_t)s->perm_heads) : r;
}

void side_read_rows(const side *s, uint64_t r0, uint64_t nr, float *out, uint8_t *scratch) {
    const ck_dtype_info *di = ck_dtype_info_of(s->m->tensors[s->pieces[0].tensor].dtype);
    uint64_t row_blocks = s->cols / di->block_elems;
    uint64_t row_values = row_blocks * s->pieces[0].dec.block_values;
    for (uint64_t k = 0; k < nr;) {
        uint64_t r = r0 + k;
        const piece *p = &s->pieces[r / s->rows_per_piece];
        uint64_t local = r % s->rows_per_piece;
        /* Without a permutation, consecutive rows of a piece are one run. */
        uint64_t run = 1;
        if (!s->perm_heads) {
            run = s->rows_per_piece - local;
            if (run > nr - k) run = nr - k;
        }
        const ck_tensor *t = &s->m->tensors[p->tensor];
        const uint8_t *src = ck_tensor_data(s->m, t) + stored_row(s, local) * row_blocks * p->dec.block_bytes;
        ck_decode(&p->dec, src, (size_t)(run * row_blocks), scratch, out + k * row_values);
        k += run;
    }
}

void side_read_flat(const side *s, uint64_t v0, uint64_t n, float *out, uint8_t *scratch) {
    const piece *p = &s->pieces[0];
    const ck_tensor *t = &s->m->tensors[p->tensor];
    uint64_t per_block = p->dec.block_values;
    ck_decode(&p->dec, ck_tensor_data(s->m, t) + v0 / per_block * p->dec.block_bytes, (size_t)(n / per_block),
              scratch, out);
}
