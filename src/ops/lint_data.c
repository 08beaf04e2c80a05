/* `ckpt lint`, tensor values: NaN and Inf, all-zero matrices, norms that are
 * not positive, and tensors whose scale is far out of line with the same
 * tensor in the other layers. One pass over the data (the stats kernels). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/stats.h"
#include "core/decode.h"
#include "lint_internal.h"

/* A tensor's name with its layer number taken out ("blk.#.attn_q.weight",
 * "model.layers.#.mlp.up_proj.weight"): tensors of one role in every layer
 * share it. False when the name has no ".<digits>." part. */
static bool role_key(const char *name, char *out, size_t n) {
    for (const char *p = strchr(name, '.'); p; p = strchr(p + 1, '.')) {
        const char *q = p + 1;
        while (*q >= '0' && *q <= '9') q++;
        if (q == p + 1 || *q != '.') continue;
        size_t head = (size_t)(p + 1 - name);
        if (head + 1 + strlen(q) + 1 > n) return false;
        memcpy(out, name, head);
        out[head] = '#';
        strcpy(out + head + 1, q);
        return true;
    }
    return false;
}

typedef struct scaled {
    char key[256];
    double rms;
    size_t stat;             /* index in the stats */
} scaled;

static int by_key(const void *a, const void *b) {
    const scaled *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : x->rms < y->rms ? -1 : x->rms > y->rms;
}

/* Within each role seen in at least this many layers, an RMS more than
 * RATIO times the median, or less than 1/RATIO of it, is out of line. */
#define MIN_LAYERS 4
#define RATIO 10.0

static ck_status scale_outliers(const ck_model *m, const ck_stats_result *r, ck_diag *d) {
    scaled *v = malloc((r->n ? r->n : 1) * sizeof *v);
    if (!v) return CK_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const ck_tensor_stats *ts = &r->tensors[i];
        if (!(ts->rms > 0) || !isfinite(ts->rms)) continue;
        if (!role_key(m->tensors[ts->tensor].name, v[n].key, sizeof v[n].key)) continue;
        v[n].rms = ts->rms;
        v[n].stat = i;
        n++;
    }
    qsort(v, n, sizeof *v, by_key);
    for (size_t g = 0; g < n;) {
        size_t e = g;
        while (e < n && strcmp(v[e].key, v[g].key) == 0) e++;
        if (e - g >= MIN_LAYERS) {
            /* sorted by RMS within the group */
            size_t k = e - g;
            double median = k % 2 ? v[g + k / 2].rms : 0.5 * (v[g + k / 2 - 1].rms + v[g + k / 2].rms);
            for (size_t i = g; i < e; i++) {
                double ratio = v[i].rms / median;
                if (ratio <= RATIO && ratio >= 1.0 / RATIO) continue;
                const ck_tensor *t = &m->tensors[r->tensors[v[i].stat].tensor];
                lint_report(d, &CK_RULE_DATA_SCALE_OUTLIER, m->files[t->file].map.path, (int64_t)t->offset, NULL, 0,
                            t->name, "RMS %.4g is %.3gx the median %.4g of the %zu tensors %s", v[i].rms, ratio,
                            median, k, v[i].key);
            }
        }
        g = e;
    }
    free(v);
    return CK_OK;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void per_tensor(const ck_model *m, const ck_tensor_stats *ts, ck_diag *d) {
    const ck_tensor *t = &m->tensors[ts->tensor];
    const char *file = m->files[t->file].map.path;
    if (ts->nan || ts->inf)
        lint_report(d, &CK_RULE_DATA_NAN_INF, file, (int64_t)t->offset, NULL, 0, t->name,
                    "%llu NaN and %llu Inf among %llu values", (unsigned long long)ts->nan,
                    (unsigned long long)ts->inf, (unsigned long long)ts->count);
    if (t->rank >= 2 && ts->count > 0 && ts->zeros == ts->count)
        lint_report(d, &CK_RULE_DATA_ALL_ZERO, file, (int64_t)t->offset, NULL, 0, t->name,
                    "all %llu values are zero", (unsigned long long)ts->count);
    /* Hugging Face's Gemma stores norm scales as (scale - 1). */
    bool offset_norms = m->format == CK_FORMAT_SAFETENSORS && strncmp(m->hparams.arch, "gemma", 5) == 0;
    if (t->rank == 1 && ends_with(t->name, "norm.weight") && ts->finite > 0 && ts->min <= 0 && !offset_norms)
        lint_report(d, &CK_RULE_DATA_NORM_NONPOSITIVE, file, (int64_t)t->offset, NULL, 0, t->name,
                    "a norm scale of %g (the smallest of %llu)", ts->min, (unsigned long long)ts->count);
}

ck_status lint_data(const ck_model *m, const ck_lint_opts *o, ck_diag *d) {
    bool *only = calloc(m->n_tensors ? m->n_tensors : 1, sizeof *only);
    if (!only) return CK_ERR_NOMEM;
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        ck_decoder dec;
        only[i] = ck_decoder_init(&dec, t->dtype, m->files[t->file].big_endian) == CK_OK;
        if (!only[i])
            lint_report(d, &CK_RULE_DATA_BYTE_ORDER, m->files[t->file].map.path, (int64_t)t->offset, NULL, 0,
                        t->name, "big-endian %s blocks have no defined layout: its values are not checked",
                        ck_dtype_name(t->dtype));
    }
    ck_stats_opts so = {.only = only, .threads = o->threads, .progress = o->progress, .progress_ctx = o->progress_ctx};
    ck_stats_result r;
    ck_diag sd;
    ck_diag_init(&sd, 0);
    ck_status st = ck_stats_run(m, &so, &r, &sd);
    if (st == CK_OK) {
        for (size_t i = 0; i < r.n; i++) per_tensor(m, &r.tensors[i], d);
        st = scale_outliers(m, &r, d);
        ck_stats_result_free(&r);
    } else if (sd.count) {
        const ck_finding *f = &sd.items[0];
        lint_report(d, f->rule, f->file, f->offset, f->key, f->key ? strlen(f->key) : 0, f->tensor, "%s",
                    f->message);
        st = st == CK_ERR_NOMEM ? st : CK_OK;
    }
    ck_diag_free(&sd);
    free(only);
    return st;
}
