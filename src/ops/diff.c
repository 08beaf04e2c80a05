/* `ckpt diff`: what a fine-tune, merge or quantization changed.
 *
 * Match the tensors (diff_match.c), compare their values in one parallel
 * pass (diff_values.c), estimate the rank of the deltas when asked, compare
 * the metadata (diff_meta.c), and weigh the evidence (diff_verdict.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"

void ck_diff_result_free(ck_diff_result *r) {
    for (size_t i = 0; i < r->n; i++) {
        free(r->tensors[i].name);
        free(r->tensors[i].b_name);
        free(r->tensors[i].key);
    }
    for (size_t i = 0; i < r->n_meta; i++) {
        free(r->meta[i].key);
        free(r->meta[i].a_value);
        free(r->meta[i].b_value);
    }
    free(r->tensors);
    free(r->meta);
    memset(r, 0, sizeof *r);
}

static void copy_shape(const side *s, int64_t *shape, uint32_t *rank) {
    *rank = s->rank;
    memcpy(shape, s->shape, sizeof s->shape);
}

static char *name_of(const side *s) {
    const ck_tensor *t = &s->m->tensors[s->pieces[0].tensor];
    /* Experts gathered from separate tensors: the first expert's name. */
    return strndup(t->name, t->name_len);
}

static bool same_shape(const side *a, const side *b) {
    if (a->rank != b->rank) return false;
    for (uint32_t j = 0; j < a->rank; j++)
        if (a->shape[j] != b->shape[j]) return false;
    return true;
}

/* Fill the entries every pair gets before any value is read. */
static ck_status entries(const diff_plan *plan, ck_diff_result *r) {
    r->tensors = calloc(plan->n ? plan->n : 1, sizeof *r->tensors);
    if (!r->tensors) return CK_ERR_NOMEM;
    r->n = plan->n;
    for (size_t i = 0; i < plan->n; i++) {
        const pair *p = &plan->pairs[i];
        ck_diff_tensor *t = &r->tensors[i];
        t->a_dtype = p->has_a ? (int)p->a.m->tensors[p->a.pieces[0].tensor].dtype : -1;
        t->b_dtype = p->has_b ? (int)p->b.m->tensors[p->b.pieces[0].tensor].dtype : -1;
        t->name = name_of(p->has_a ? &p->a : &p->b);
        t->b_name = p->has_a && p->has_b ? name_of(&p->b) : NULL;
        t->key = strdup(p->key);
        if (!t->name || !t->key || (p->has_a && p->has_b && !t->b_name)) return CK_ERR_NOMEM;
        copy_shape(p->has_a ? &p->a : &p->b, t->shape, &t->rank);
        t->delta_rank = -1;
        t->cosine = t->rel_l2 = t->rmse = t->max_abs = t->snr_db = t->a_rms = t->b_rms = NAN;
        if (!p->has_a) t->status = CK_DIFF_ADDED;
        else if (!p->has_b) t->status = CK_DIFF_REMOVED;
        else if (!same_shape(&p->a, &p->b)) {
            t->status = CK_DIFF_SHAPE_CHANGED;
            copy_shape(&p->b, t->b_shape, &t->b_rank);
        } else {
            t->status = CK_DIFF_IDENTICAL;  /* until the values say otherwise */
        }
        ck_gguf_name_role(t->key, strlen(t->key), &t->layer, &t->role);
        if (t->layer >= r->n_layers) r->n_layers = t->layer + 1;
    }
    return CK_OK;
}

ck_status ck_diff_models(const ck_model *a, const ck_model *b, const ck_diff_opts *o, ck_diff_result *r,
                         ck_diag *d) {
    memset(r, 0, sizeof *r);
    diff_plan plan;
    ck_status st = diff_match(a, b, o, &plan, d);
    if (st != CK_OK) return st;
    snprintf(r->map, sizeof r->map, "%s", plan.map ? ck_name_map_name(plan.map) : "none");
    st = entries(&plan, r);
    if (st == CK_OK) st = diff_values(&plan, o, r);
    if (st == CK_OK && o->rank) st = diff_ranks(&plan, o, r);
    diff_plan_free(&plan);
    if (st == CK_OK) st = diff_metadata(a, b, r);
    if (st != CK_OK) {
        ck_diff_result_free(r);
        return st;
    }
    for (size_t i = 0; i < r->n; i++) {
        switch (r->tensors[i].status) {
        case CK_DIFF_IDENTICAL: r->identical++; break;
        case CK_DIFF_CHANGED: r->changed++; break;
        case CK_DIFF_ADDED: r->added++; break;
        case CK_DIFF_REMOVED: r->removed++; break;
        case CK_DIFF_SHAPE_CHANGED: r->shape_changed++; break;
        }
    }
    diff_verdict(a, b, r);
    return CK_OK;
}
