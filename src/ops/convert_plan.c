/* Which tensors `ckpt convert` writes: their names, the input elements each
 * is made of, their shapes and dtypes.
 *
 * Names go one of three ways. Kept: one output tensor per input tensor.
 * To llama.cpp's scheme (a safetensors input, GGUF names): through the name
 * map, experts stacked into one 3-D tensor, q/k rows permuted as
 * convert_hf_to_gguf.py does. To Hugging Face's scheme (a GGUF input): the
 * map backwards, stacked experts split apart, the permutation undone.
 */
#include <stdlib.h>
#include <string.h>

#include "ckpt/rules.h"
#include "convert_internal.h"
#include "core/quant.h"
#include "io/strmap.h"

/* ===== dtypes ===== */

/* llama-quantize's stand-ins for a type whose blocks do not fit a row. */
static ck_dtype fallback_of(ck_dtype d) {
    switch (d) {
    case CK_DT_TQ1_0: case CK_DT_TQ2_0: return CK_DT_Q4_0;
    case CK_DT_Q2_K: case CK_DT_Q3_K: case CK_DT_IQ4_XS: return CK_DT_IQ4_NL;
    case CK_DT_Q4_K: return CK_DT_Q5_0;
    case CK_DT_Q5_K: return CK_DT_Q5_1;
    case CK_DT_Q6_K: return CK_DT_Q8_0;
    default: return CK_DT_F16;
    }
}

static bool fits(ck_dtype d, int64_t cols) { return cols % ck_dtype_info_of(d)->block_elems == 0; }

static bool floatish(ck_dtype d) {
    ck_dtype_kind k = ck_dtype_info_of(d)->kind;
    return k == CK_KIND_FLOAT || k == CK_KIND_QUANT;
}

static bool format_holds(ck_format f, ck_dtype d) {
    const ck_dtype_info *i = ck_dtype_info_of(d);
    return f == CK_FORMAT_GGUF ? i->gguf_id >= 0 : i->st_name != NULL;
}

/* A mixture-of-experts router: llama.cpp keeps it in F32. */
static bool is_router(const char *name) {
    size_t n = strlen(name);
    return strstr(name, "ffn_gate_inp") || (n >= 12 && strcmp(name + n - 12, ".gate.weight") == 0);
}

/* The dtype a float tensor is written in when none is asked for: its own
 * when the output format holds it, else one that holds its values exactly. */
static ck_dtype default_dtype(ck_format to, ck_dtype from) {
    if (format_holds(to, from)) return from;
    switch (from) {
    /* 8-, 6- and 4-bit floats are exact in F16 (at most 5 exponent bits). */
    case CK_DT_F8_E4M3: case CK_DT_F8_E5M2: case CK_DT_F8_E4M3FNUZ: case CK_DT_F8_E5M2FNUZ:
    case CK_DT_F6_E2M3: case CK_DT_F6_E3M2: case CK_DT_F4:
        return CK_DT_F16;
    default: return CK_DT_F32;
    }
}

/* asked: the dtype asked for this tensor (o->dtype, or its mix's choice). */
static void choose_dtype(const conv_plan *p, ck_convert_tensor *t, ck_dtype asked) {
    const ck_convert_opts *o = p->o;
    t->to = t->from;
    t->asked = t->from;
    if (!floatish(t->from)) return;   /* integers, booleans and complex stay as they are */
    if (!o->has_dtype) {
        t->to = t->asked = default_dtype(o->to, t->from);
        return;
    }
    t->asked = asked;
    int64_t cols = t->rank ? t->shape[t->rank - 1] : 1;
    /* llama.cpp keeps norms, biases and routers in F32. */
    if (o->to == CK_FORMAT_GGUF && (t->rank < 2 || is_router(t->name))) {
        t->to = t->asked = CK_DT_F32;
        return;
    }
    t->to = asked;
    if (fits(t->to, cols)) return;
    t->fallback = true;
    t->to = fallback_of(asked);
    if (!fits(t->to, cols)) t->to = CK_DT_F16;
}

/* ===== building the list ===== */

typedef struct builder {
    conv_plan *p;
    ck_convert_tensor *t;
    ctensor *c;
    size_t n, cap;
    ck_strmap *names;        /* output name -> index */
} builder;

static ck_status grow(builder *b) {
    if (b->n < b->cap) return CK_OK;
    size_t cap = b->cap ? b->cap * 2 : 64;
    ck_convert_tensor *t = realloc(b->t, cap * sizeof *t);
    if (t) b->t = t;
    ctensor *c = t ? realloc(b->c, cap * sizeof *c) : NULL;
    if (c) b->c = c;
    if (!t || !c) return CK_ERR_NOMEM;
    b->cap = cap;
    return CK_OK;
}

static bool add_piece(ctensor *c, size_t tensor, uint64_t elem0, uint64_t n) {
    cpiece *g = realloc(c->pieces, (c->n_pieces + 1) * sizeof *g);
    if (!g) return false;
    c->pieces = g;
    c->pieces[c->n_pieces++] = (cpiece){.tensor = tensor, .elem0 = elem0, .nelems = n};
    return true;
}

static void set_shape(ck_convert_tensor *t, uint32_t rank, const int64_t *shape) {
    t->rank = rank;
    t->nelems = 1;
    for (uint32_t j = 0; j < rank; j++) {
        t->shape[j] = shape[j];
        t->nelems *= (uint64_t)shape[j];
    }
}

/* A new output tensor called name, made of elements [elem0, elem0 + n) of
 * input tensor ti, shaped rank/shape. Returns its index in *at. */
static ck_status add_output(builder *b, const char *name, size_t ti, uint64_t elem0, uint32_t rank,
                            const int64_t *shape, size_t *at) {
    const ck_tensor *in = &b->p->m->tensors[ti];
    if (rank > 8) return convert_fail(b->p, &CK_RULE_CONVERT_STORE, in->name, "more than 8 dimensions");
    ck_status st = grow(b);
    if (st != CK_OK) return st;
    ck_convert_tensor *t = &b->t[b->n];
    ctensor *c = &b->c[b->n];
    memset(t, 0, sizeof *t);
    memset(c, 0, sizeof *c);
    t->name = strdup(name);
    t->source = strdup(in->name);
    t->n_sources = 1;
    t->expert = -1;
    t->from = in->dtype;
    set_shape(t, rank, shape);
    b->n++;
    if (!t->name || !t->source || !add_piece(c, ti, elem0, t->nelems)) return CK_ERR_NOMEM;
    uint32_t other;
    int put = ck_strmap_put(b->names, t->name, strlen(t->name), (uint32_t)(b->n - 1), &other);
    if (put < 0) return CK_ERR_NOMEM;
    if (put == 0)
        return convert_fail(b->p, &CK_RULE_CONVERT_NAMES, in->name, "is written as %s, and so is %s", t->name,
                            b->t[other].source);
    *at = b->n - 1;
    return CK_OK;
}

static int64_t heads_for(const conv_plan *p, ck_permute perm) {
    const ck_hparams *h = &p->m->hparams;
    if (perm == CK_PERMUTE_KV_HEADS && h->n_head_kv > 0) return h->n_head_kv;
    return h->n_head;
}

/* Rows of output tensor i permuted by perm's head count. */
static ck_status set_permutation(builder *b, size_t i, ck_permute perm, bool to_gguf) {
    if (perm == CK_PERMUTE_NONE) return CK_OK;
    ck_convert_tensor *t = &b->t[i];
    int64_t heads = heads_for(b->p, perm);
    if (heads <= 0)
        return convert_fail(b->p, &CK_RULE_CONVERT_PERMUTE, t->source,
                            "needs the number of %s heads (config.json or GGUF metadata) to be permuted",
                            perm == CK_PERMUTE_HEADS ? "attention" : "key/value");
    if (t->rank < 1 || t->rank > 2 || t->shape[0] % (2 * heads) != 0)
        return convert_fail(b->p, &CK_RULE_CONVERT_PERMUTE, t->source,
                            "has %lld rows, not a multiple of 2 x %lld heads", t->rank ? (long long)t->shape[0] : 0LL,
                            (long long)heads);
    t->permute_heads = (int)heads;
    b->c[i].rows = (uint64_t)t->shape[0];
    b->c[i].row_len = t->nelems / (uint64_t)t->shape[0];
    b->c[i].to_gguf_order = to_gguf;
    return CK_OK;
}

/* ===== the three naming schemes ===== */

static ck_status keep_names(builder *b) {
    const ck_model *m = b->p->m;
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *in = &m->tensors[i];
        size_t at;
        ck_status st = add_output(b, in->name, i, 0, in->rank, in->shape, &at);
        if (st != CK_OK) return st;
    }
    return CK_OK;
}

static ck_status add_dropped(conv_plan *p, const char *name) {
    ck_convert_result *r = p->r;
    char **g = realloc(r->dropped, (r->n_dropped + 1) * sizeof *g);
    if (!g) return CK_ERR_NOMEM;
    r->dropped = g;
    r->dropped[r->n_dropped] = strdup(name);
    return r->dropped[r->n_dropped++] ? CK_OK : CK_ERR_NOMEM;
}

/* Add expert `expert` (input tensor ti) to the stacked tensor called name. */
static ck_status add_expert(builder *b, const char *name, size_t ti, int expert) {
    uint32_t at;
    const ck_tensor *in = &b->p->m->tensors[ti];
    if (!ck_strmap_get(b->names, name, strlen(name), &at)) {
        size_t i;
        ck_status st = add_output(b, name, ti, 0, in->rank, in->shape, &i);
        if (st != CK_OK) return st;
        b->t[i].expert = expert;   /* while gathering: the first piece's expert */
        b->c[i].pieces[0].elem0 = (uint64_t)expert;
        return CK_OK;
    }
    ctensor *c = &b->c[at];
    if (b->t[at].n_sources == 0 || c->pieces[0].nelems != in->nelems || b->t[at].expert < 0)
        return convert_fail(b->p, &CK_RULE_CONVERT_NAMES, in->name, "is written as %s, and so is %s", name,
                            b->t[at].source);
    b->t[at].n_sources++;
    /* elem0 holds the expert index until the stack is put in order. */
    return add_piece(c, ti, (uint64_t)expert, in->nelems) ? CK_OK : CK_ERR_NOMEM;
}

/* Put a gathered stack's experts in order 0..n-1, all alike, and give the
 * tensor its stacked shape. */
static ck_status finish_stack(builder *b, size_t i) {
    ck_convert_tensor *t = &b->t[i];
    ctensor *c = &b->c[i];
    const ck_model *m = b->p->m;
    size_t n = c->n_pieces;
    cpiece *sorted = calloc(n, sizeof *sorted);
    if (!sorted) return CK_ERR_NOMEM;
    const ck_tensor *t0 = &m->tensors[c->pieces[0].tensor];
    for (size_t k = 0; k < n; k++) {
        const cpiece *pc = &c->pieces[k];
        const ck_tensor *in = &m->tensors[pc->tensor];
        bool alike = in->dtype == t0->dtype && in->rank == t0->rank &&
                     memcmp(in->shape, t0->shape, in->rank * sizeof *in->shape) == 0;
        if (pc->elem0 >= n || sorted[pc->elem0].nelems || !alike) {
            free(sorted);
            return convert_fail(b->p, &CK_RULE_CONVERT_EXPERTS, in->name,
                                !alike ? "differs in dtype or shape from expert 0 of %s"
                                       : "is a repeated or out-of-range expert of %s (%zu experts found)",
                                t->name, n);
        }
        sorted[pc->elem0] = (cpiece){.tensor = pc->tensor, .elem0 = 0, .nelems = in->nelems};
    }
    free(c->pieces);
    c->pieces = sorted;
    int64_t shape[9];
    shape[0] = (int64_t)n;
    memcpy(shape + 1, t0->shape, t0->rank * sizeof *shape);
    set_shape(t, t0->rank + 1, shape);
    free(t->source);
    t->source = strdup(t0->name);
    t->expert = -1;
    return t->source ? CK_OK : CK_ERR_NOMEM;
}

static ck_status to_gguf_names(builder *b) {
    const ck_model *m = b->p->m;
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *in = &m->tensors[i];
        ck_mapped_name mn;
        ck_status st;
        size_t at;
        if (!ck_name_map_to_gguf(b->p->map, in->name, in->name_len, &mn)) {
            b->p->r->n_unmapped++;
            st = add_output(b, in->name, i, 0, in->rank, in->shape, &at);
        } else if (!mn.gguf[0]) {
            st = add_dropped(b->p, in->name);
        } else if (mn.expert >= 0) {
            st = add_expert(b, mn.gguf, i, mn.expert);
        } else {
            st = add_output(b, mn.gguf, i, 0, in->rank, in->shape, &at);
            if (st == CK_OK) st = set_permutation(b, at, mn.permute, true);
        }
        if (st != CK_OK) return st;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->t[i].expert < 0) continue;
        ck_status st = finish_stack(b, i);
        if (st != CK_OK) return st;
    }
    return CK_OK;
}

/* The permutation llama.cpp applied to the tensor now called hf. */
static ck_permute permutation_of(const ck_name_map *map, const char *hf) {
    ck_mapped_name mn;
    return ck_name_map_to_gguf(map, hf, strlen(hf), &mn) ? mn.permute : CK_PERMUTE_NONE;
}

static ck_status to_hf_names(builder *b) {
    const ck_model *m = b->p->m;
    char hf[512];
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *in = &m->tensors[i];
        size_t at;
        ck_status st = CK_OK;
        if (ck_name_map_to_hf(b->p->map, in->name, in->name_len, -1, hf, sizeof hf)) {
            st = add_output(b, hf, i, 0, in->rank, in->shape, &at);
            if (st == CK_OK) st = set_permutation(b, at, permutation_of(b->p->map, hf), false);
        } else if (in->rank >= 2 && ck_name_map_to_hf(b->p->map, in->name, in->name_len, 0, hf, sizeof hf)) {
            /* A stack of experts: one tensor each. */
            uint64_t per = (uint64_t)in->shape[0] ? in->nelems / (uint64_t)in->shape[0] : 0;
            for (int64_t e = 0; e < in->shape[0] && st == CK_OK; e++) {
                if (!ck_name_map_to_hf(b->p->map, in->name, in->name_len, (int)e, hf, sizeof hf)) {
                    st = convert_fail(b->p, &CK_RULE_CONVERT_EXPERTS, in->name, "has too many experts to name");
                    break;
                }
                st = add_output(b, hf, i, (uint64_t)e * per, in->rank - 1, in->shape + 1, &at);
                if (st == CK_OK) b->t[at].expert = (int)e;
            }
        } else {
            b->p->r->n_unmapped++;
            st = add_output(b, in->name, i, 0, in->rank, in->shape, &at);
        }
        if (st != CK_OK) return st;
    }
    return CK_OK;
}

/* ===== dtypes, decoders, sizes ===== */

static ck_status finish_tensor(conv_plan *p, size_t i, ck_dtype asked) {
    ck_convert_tensor *t = &p->r->tensors[i];
    ctensor *c = &p->t[i];
    const ck_model *m = p->m;
    /* GGUF has no rank 0: a scalar is a 1-element vector. */
    if (p->o->to == CK_FORMAT_GGUF && t->rank == 0) {
        t->rank = 1;
        t->shape[0] = 1;
    }
    choose_dtype(p, t, asked);
    c->raw = t->to == t->from;
    if (!c->raw && !ck_quant_kernel(t->to))
        return convert_fail(p, &CK_RULE_CONVERT_STORE, t->source, "ckpt cannot write %s values", ck_dtype_name(t->to));
    if (!ck_dtype_nbytes(t->to, t->nelems, &t->nbytes))
        return convert_fail(p, &CK_RULE_CONVERT_STORE, t->source, "%llu values are not whole %s blocks",
                            (unsigned long long)t->nelems, ck_dtype_name(t->to));
    /* A permuted row is read and written whole: it must be whole blocks. */
    if (t->permute_heads && (c->row_len % ck_dtype_info_of(t->from)->block_elems ||
                             c->row_len % ck_dtype_info_of(t->to)->block_elems))
        return convert_fail(p, &CK_RULE_CONVERT_PERMUTE, t->source, "rows of %llu values are not whole blocks",
                            (unsigned long long)c->row_len);
    for (size_t k = 0; k < c->n_pieces; k++) {
        const ck_tensor *in = &m->tensors[c->pieces[k].tensor];
        if (ck_decoder_init(&c->pieces[k].dec, in->dtype, m->files[in->file].big_endian) != CK_OK)
            return convert_fail(p, &CK_RULE_DATA_BYTE_ORDER, in->name, "big-endian %s blocks have no defined layout",
                                ck_dtype_name(in->dtype));
    }
    t->exact = c->raw || t->to == CK_DT_F32 ||
               (t->to == CK_DT_F16 && default_dtype(CK_FORMAT_GGUF, t->from) == CK_DT_F16 && t->from != CK_DT_F16);
    if (ck_dtype_info_of(t->from)->kind == CK_KIND_QUANT && ck_dtype_info_of(t->to)->kind == CK_KIND_QUANT && !c->raw)
        p->r->requantized = true;
    p->r->params += t->nelems;
    return CK_OK;
}

ck_status convert_plan_tensors(conv_plan *p) {
    const ck_model *m = p->m;
    ck_convert_result *r = p->r;
    builder b = {.p = p, .names = ck_strmap_new(m->n_tensors)};
    if (!b.names) return CK_ERR_NOMEM;
    ck_status st;
    switch (r->names) {
    case CK_NAMES_GGUF: st = m->format == CK_FORMAT_GGUF ? keep_names(&b) : to_gguf_names(&b); break;
    case CK_NAMES_HF: st = m->format == CK_FORMAT_GGUF ? to_hf_names(&b) : keep_names(&b); break;
    default: st = keep_names(&b); break;
    }
    ck_strmap_free(b.names);
    r->tensors = b.t;
    r->n_tensors = b.n;
    p->t = b.c;
    for (size_t i = 0; st == CK_OK && i < m->n_tensors; i++) r->bytes_in += m->tensors[i].nbytes;
    ck_dtype *asked = st == CK_OK && p->o->mix != CK_MIX_NONE ? malloc((r->n_tensors + 1) * sizeof *asked) : NULL;
    if (st == CK_OK && p->o->mix != CK_MIX_NONE) st = asked ? convert_mix_types(p, asked) : CK_ERR_NOMEM;
    for (size_t i = 0; st == CK_OK && i < r->n_tensors; i++) {
        if (strlen(r->tensors[i].name) == 0 || strlen(r->tensors[i].source) != m->tensors[p->t[i].pieces[0].tensor].name_len)
            st = convert_fail(p, &CK_RULE_CONVERT_NAMES, NULL, "a tensor name is empty or holds a NUL byte");
        else
            st = finish_tensor(p, i, asked ? asked[i] : p->o->dtype);
    }
    free(asked);
    return st;
}
