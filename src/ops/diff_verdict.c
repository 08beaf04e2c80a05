/* The verdict of `ckpt diff`, with its evidence.
 *
 * The rules, in order (the man page and README carry the same list):
 *  unrelated     no tensor pairs up, or the changed tensors' median cosine is
 *                below 0.5
 *  restructured  a tensor changed shape, or tensors added or removed hold
 *                more than 1% of the parameters
 *  identical     every tensor the same bytes in the same dtype, laid out in
 *                the same files of the same format
 *  reencoded     every tensor the same values (another dtype, sharding or
 *                format)
 *  quantized     every changed tensor changed dtype to one of fewer bits
 *  merged        at least 90% of the tensors changed, by similar amounts
 *                (the spread of rel_l2 across matrices under half its mean),
 *                and the deltas are not low-rank
 *  finetuned     anything else that changed
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"

const char *ck_verdict_name(ck_verdict v) {
    static const char *const names[] = {"identical", "reencoded", "quantized", "finetuned",
                                        "merged",    "unrelated", "restructured"};
    return names[v];
}

const char *ck_diff_status_name(ck_diff_status s) {
    static const char *const names[] = {"identical", "changed", "added", "removed", "shape_changed"};
    return names[s];
}

static int dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of the non-NaN values; NaN when there are none. */
static double median(double *v, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) v[k++] = v[i];
    if (!k) return NAN;
    qsort(v, k, sizeof *v, dbl_cmp);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/* "layer 3", "layers 0-31", "layers 0, 4, 8-11" into out. */
static void layer_ranges(const bool *seen, int n_layers, char *out, size_t n) {
    size_t used = 0, groups = 0, count = 0;
    for (int l = 0; l < n_layers; l++) count += seen[l];
    out[0] = 0;
    if (!count) return;
    used += (size_t)snprintf(out, n, "%s ", count == 1 ? "layer" : "layers");
    for (int l = 0; l < n_layers && used < n - 16; l++) {
        if (!seen[l] || (l > 0 && seen[l - 1])) continue;
        int e = l;
        while (e + 1 < n_layers && seen[e + 1]) e++;
        used += (size_t)snprintf(out + used, n - used, e > l ? "%s%d-%d" : "%s%d", groups++ ? ", " : "", l, e);
    }
}

/* Which kinds of tensor changed: "attention and ffn", "norms", ... */
static void roles_text(const bool *roles, char *out, size_t n) {
    static const struct {
        ck_role from, to;
        const char *name;
    } groups[] = {
        {CK_ROLE_ATTN_Q, CK_ROLE_ATTN_O, "attention"}, {CK_ROLE_FFN_GATE, CK_ROLE_FFN_DOWN, "ffn"},
        {CK_ROLE_NORM, CK_ROLE_NORM, "norms"},          {CK_ROLE_EXPERTS, CK_ROLE_EXPERTS, "experts"},
        {CK_ROLE_EMBED, CK_ROLE_EMBED, "embeddings"},   {CK_ROLE_OUTPUT, CK_ROLE_OUTPUT, "output"},
        {CK_ROLE_OTHER, CK_ROLE_OTHER, "other tensors"},
    };
    const char *names[8];
    size_t k = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        bool any = false;
        for (int r = groups[g].from; r <= (int)groups[g].to; r++) any |= roles[r];
        if (any) names[k++] = groups[g].name;
    }
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < k && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s%s", i == 0 ? "" : i + 1 == k ? " and " : ", ", names[i]);
}

typedef struct facts {
    size_t matched, changed, added, removed, reshaped;
    uint64_t params, params_moved;    /* all values; values in added or removed tensors */
    double median_cos, median_rel, cv_rel, median_snr;
    size_t quant_changes;             /* changed tensors that went to a dtype of fewer bits */
    size_t ranked, low_rank;          /* rank estimated; with a cliff */
    int median_rank;
    size_t matrices_changed;
} facts;

static void collect(const ck_diff_result *r, facts *f, double *scratch) {
    memset(f, 0, sizeof *f);
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        const ck_diff_tensor *t = &r->tensors[i];
        f->params += t->count;
        switch (t->status) {
        case CK_DIFF_ADDED: f->added++; break;
        case CK_DIFF_REMOVED: f->removed++; break;
        case CK_DIFF_SHAPE_CHANGED: f->reshaped++; f->matched++; break;
        case CK_DIFF_IDENTICAL: f->matched++; break;
        case CK_DIFF_CHANGED:
            f->matched++;
            f->changed++;
            scratch[k++] = t->cosine;
            if (t->a_dtype >= 0 && t->b_dtype >= 0 && t->a_dtype != t->b_dtype &&
                ck_dtype_bits((ck_dtype)t->b_dtype) < ck_dtype_bits((ck_dtype)t->a_dtype))
                f->quant_changes++;
            break;
        }
        if (t->status == CK_DIFF_ADDED || t->status == CK_DIFF_REMOVED) {
            /* Added and removed tensors were not compared: count their size. */
            uint64_t n = 1;
            for (uint32_t j = 0; j < t->rank; j++) n *= (uint64_t)t->shape[j];
            f->params_moved += n;
            f->params += n;
        }
    }
    f->median_cos = median(scratch, k);
    k = 0;
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < r->n; i++) {
        const ck_diff_tensor *t = &r->tensors[i];
        if (t->status != CK_DIFF_CHANGED || t->rank < 2 || isnan(t->rel_l2)) continue;
        scratch[k++] = t->rel_l2;
        sum += t->rel_l2;
        sum2 += t->rel_l2 * t->rel_l2;
    }
    f->matrices_changed = k;
    double mean = k ? sum / (double)k : NAN;
    f->cv_rel = k > 1 && mean > 0 ? sqrt(fmax(sum2 / (double)k - mean * mean, 0)) / mean : NAN;
    f->median_rel = median(scratch, k);
    k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->tensors[i].status == CK_DIFF_CHANGED) scratch[k++] = r->tensors[i].snr_db;
    f->median_snr = median(scratch, k);
    k = 0;
    for (size_t i = 0; i < r->n; i++) {
        const ck_diff_tensor *t = &r->tensors[i];
        if (!t->rank_estimated) continue;
        f->ranked++;
        if (t->delta_rank >= 0) {
            f->low_rank++;
            scratch[k++] = t->delta_rank;
        }
    }
    f->median_rank = k ? (int)median(scratch, k) : -1;
}

/* Whether the two models are laid out alike: the same format and files. */
static bool same_layout(const ck_model *a, const ck_model *b, const ck_diff_result *r) {
    if (a->format != b->format || a->n_files != b->n_files) return false;
    for (size_t i = 0; i < r->n; i++)
        if (!r->tensors[i].bytes_identical || r->tensors[i].a_dtype != r->tensors[i].b_dtype) return false;
    return true;
}

/* "F32 -> BF16" or "F32 -> Q4_K, Q6_K, Q8_0": the dtypes of changed or
 * re-encoded tensors. */
static void dtype_change(const ck_diff_result *r, char *out, size_t n) {
    bool from[CK_DT_COUNT] = {0}, to[CK_DT_COUNT] = {0};
    for (size_t i = 0; i < r->n; i++) {
        const ck_diff_tensor *t = &r->tensors[i];
        if (t->a_dtype >= 0 && t->b_dtype >= 0 && t->a_dtype != t->b_dtype) {
            from[t->a_dtype] = true;
            to[t->b_dtype] = true;
        }
    }
    size_t used = 0;
    out[0] = 0;
    for (int pass = 0; pass < 2; pass++) {
        const bool *set = pass ? to : from;
        int k = 0;
        for (int dt = 0; dt < CK_DT_COUNT && used < n; dt++)
            if (set[dt]) used += (size_t)snprintf(out + used, n - used, "%s%s", k++ ? ", " : "", ck_dtype_name((ck_dtype)dt));
        if (!pass && used < n) used += (size_t)snprintf(out + used, n - used, " -> ");
    }
}

void diff_verdict(const ck_model *a, const ck_model *b, ck_diff_result *r) {
    double *scratch = malloc((r->n ? r->n : 1) * sizeof *scratch);
    facts f;
    if (!scratch) {
        r->verdict = CK_VERDICT_FINETUNED;
        snprintf(r->evidence, sizeof r->evidence, "out of memory while weighing the evidence");
        return;
    }
    collect(r, &f, scratch);
    free(scratch);
    bool *seen = calloc((size_t)(r->n_layers > 0 ? r->n_layers : 1), 1);
    bool roles[CK_ROLE_COUNT] = {0};
    for (size_t i = 0; i < r->n; i++) {
        const ck_diff_tensor *t = &r->tensors[i];
        if (t->status != CK_DIFF_CHANGED) continue;
        roles[t->role] = true;
        if (seen && t->layer >= 0 && t->layer < r->n_layers) seen[t->layer] = true;
    }
    char where[200] = "", layers[160] = "", types[200];
    roles_text(roles, where, sizeof where);
    if (seen) layer_ranges(seen, r->n_layers, layers, sizeof layers);
    free(seen);
    dtype_change(r, types, sizeof types);
    char *e = r->evidence;
    size_t n = sizeof r->evidence;
    if (f.matched == 0) {
        r->verdict = CK_VERDICT_UNRELATED;
        snprintf(e, n, "no tensor of A pairs with a tensor of B (%zu in A, %zu in B); try --map", f.removed, f.added);
    } else if (f.changed && f.median_cos < 0.5) {
        r->verdict = CK_VERDICT_UNRELATED;
        snprintf(e, n, "median cosine %.3f over %zu changed tensors: the values are not related", f.median_cos, f.changed);
    } else if (f.reshaped || (f.params && (double)f.params_moved > 0.01 * (double)f.params)) {
        r->verdict = CK_VERDICT_RESTRUCTURED;
        snprintf(e, n, "%zu tensor%s reshaped, %zu added, %zu removed (%.1f%% of the parameters); %zu of %zu matched tensors changed",
                 f.reshaped, f.reshaped == 1 ? "" : "s", f.added, f.removed,
                 f.params ? 100.0 * (double)f.params_moved / (double)f.params : 0.0, f.changed, f.matched);
    } else if (!f.changed && same_layout(a, b, r) && !f.added && !f.removed) {
        r->verdict = CK_VERDICT_IDENTICAL;
        snprintf(e, n, "all %zu tensors byte-identical", f.matched);
    } else if (!f.changed) {
        r->verdict = CK_VERDICT_REENCODED;
        int w = snprintf(e, n, "all %zu matched tensors hold the same values", f.matched);
        if (types[0] && strcmp(types, " -> ") != 0) w += snprintf(e + w, n - (size_t)w, "; dtypes %s", types);
        if (a->format != b->format)
            w += snprintf(e + w, n - (size_t)w, "; %s -> %s", ck_format_name(a->format), ck_format_name(b->format));
        else if (a->n_files != b->n_files)
            w += snprintf(e + w, n - (size_t)w, "; %u file%s -> %u", a->n_files, a->n_files == 1 ? "" : "s", b->n_files);
        if (f.added || f.removed) snprintf(e + w, n - (size_t)w, "; %zu added, %zu removed", f.added, f.removed);
    } else if (f.quant_changes == f.changed) {
        r->verdict = CK_VERDICT_QUANTIZED;
        snprintf(e, n, "%zu of %zu tensors re-encoded with fewer bits (%s); median SNR %.1f dB, median cosine %.4f; %zu unchanged",
                 f.changed, f.matched, types, f.median_snr, f.median_cos, f.matched - f.changed);
    } else {
        bool most = (double)f.changed >= 0.9 * (double)f.matched;
        bool even = !isnan(f.cv_rel) && f.cv_rel < 0.5;
        bool low_rank = f.ranked && f.low_rank * 2 > f.ranked;
        r->verdict = most && even && !low_rank ? CK_VERDICT_MERGED : CK_VERDICT_FINETUNED;
        int w = snprintf(e, n, "%zu of %zu tensors changed", f.changed, f.matched);
        if (where[0]) w += snprintf(e + w, n - (size_t)w, ", in %s%s%s", where, layers[0] ? " of " : "", layers);
        if (!isnan(f.median_rel))
            w += snprintf(e + w, n - (size_t)w, f.median_rel >= 1e-4 ? "; median rel_l2 %.2f%%" : "; median rel_l2 %.2e%%",
                          100 * f.median_rel);
        if (r->verdict == CK_VERDICT_MERGED && !isnan(f.cv_rel))
            w += snprintf(e + w, n - (size_t)w, " with a spread of %.0f%% across matrices", 100 * f.cv_rel);
        if (f.low_rank)
            w += snprintf(e + w, n - (size_t)w, "; rank-%d updates (%zu of %zu estimated)", f.median_rank, f.low_rank, f.ranked);
        else if (f.ranked)
            w += snprintf(e + w, n - (size_t)w, "; full-rank updates (%zu estimated)", f.ranked);
        snprintf(e + w, n - (size_t)w, "; median cosine %.4f", f.median_cos);
    }
}
