/* ===== 'stats': what the numbers look like ===== */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "ckpt/stats.h"
#include "cli.h"
#include "json_writer.h"
#include "progress.h"
#include "render_value.h"

enum { OPT_TENSOR = OPT_COMMAND_BASE, OPT_HIST };

#define HIST_BINS 32
#define MAX_PATTERNS 64
#define TOP_OUTLIERS 5

static const char usage[] =
    "usage: ckpt stats [OPTIONS] MODEL\n\n"
    "Per-tensor figures over the dequantized values: count, min, max, mean,\n"
    "standard deviation, rms, absmax, NaN, Inf and zero counts. NaN and Inf are\n"
    "counted and left out of the other figures.\n\n"
    "options:\n"
    "  --tensor PATTERN   only tensors whose name matches the glob (repeatable)\n"
    "  --hist             a histogram of each tensor's values\n";

typedef struct stats_opts {
    cli_common common;
    const char *patterns[MAX_PATTERNS];
    size_t n_patterns;
    bool hist;
} stats_opts;

/* ===== summary ===== */

typedef struct summary {
    uint64_t count, nan, inf, zeros;
    size_t outlier[TOP_OUTLIERS];   /* result indices, largest absmax/std first */
    size_t n_outliers;
} summary;

static double outlier_ratio(const ck_tensor_stats *s) {
    return s->std > 0 && isfinite(s->absmax) ? s->absmax / s->std : -1;
}

/* Larger absmax/std first; ties in model order. */
static int outlier_cmp(const void *a, const void *b, void *ctx) {
    const ck_stats_result *r = ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = outlier_ratio(&r->tensors[i]), y = outlier_ratio(&r->tensors[j]);
    if (x != y) return x > y ? -1 : 1;
    return i < j ? -1 : i > j;
}

static int summarise(const ck_stats_result *r, summary *s) {
    memset(s, 0, sizeof *s);
    size_t *order = malloc((r->n ? r->n : 1) * sizeof *order), n = 0;
    if (!order) return -1;
    for (size_t i = 0; i < r->n; i++) {
        const ck_tensor_stats *t = &r->tensors[i];
        s->count += t->count;
        s->nan += t->nan;
        s->inf += t->inf;
        s->zeros += t->zeros;
        if (outlier_ratio(t) >= 0) order[n++] = i;
    }
    qsort_r(order, n, sizeof *order, outlier_cmp, (void *)r);
    s->n_outliers = n < TOP_OUTLIERS ? n : TOP_OUTLIERS;
    memcpy(s->outlier, order, s->n_outliers * sizeof *order);
    free(order);
    return 0;
}

/* Quantized dtypes among the selected tensors, for their bits per weight. */
static void quant_dtypes(const ck_model *m, const ck_stats_result *r, bool present[CK_DT_COUNT]) {
    memset(present, 0, CK_DT_COUNT * sizeof present[0]);
    for (size_t i = 0; i < r->n; i++) {
        ck_dtype d = m->tensors[r->tensors[i].tensor].dtype;
        if (ck_dtype_info_of(d)->kind == CK_KIND_QUANT) present[d] = true;
    }
}

/* ===== JSON ===== */

static void json_tensor(jw *w, const ck_model *m, const ck_tensor_stats *s) {
    const ck_tensor *t = &m->tensors[s->tensor];
    jw_obj(w);
    render_tensor_head_json(w, t);
    static const struct {
        const char *key;
        size_t off;
    } figures[] = {
        {"min", offsetof(ck_tensor_stats, min)},   {"max", offsetof(ck_tensor_stats, max)},
        {"mean", offsetof(ck_tensor_stats, mean)}, {"std", offsetof(ck_tensor_stats, std)},
        {"rms", offsetof(ck_tensor_stats, rms)},   {"absmax", offsetof(ck_tensor_stats, absmax)},
    };
    jw_key(w, "count");
    jw_uint(w, s->count);
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        jw_key(w, figures[i].key);
        jw_double(w, *(const double *)((const char *)s + figures[i].off));
    }
    jw_key(w, "nan");
    jw_uint(w, s->nan);
    jw_key(w, "inf");
    jw_uint(w, s->inf);
    jw_key(w, "zeros");
    jw_uint(w, s->zeros);
    if (s->hist) {
        jw_key(w, "hist");
        jw_obj(w);
        jw_key(w, "lo");
        jw_double(w, s->min);
        jw_key(w, "hi");
        jw_double(w, s->max);
        jw_key(w, "counts");
        jw_arr_inline(w);
        for (uint32_t k = 0; k < s->hist_bins; k++) jw_uint(w, s->hist[k]);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

static void print_json(const ck_model *m, const ck_stats_result *r, const summary *s) {
    jw w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "schema");
    jw_str(&w, "ckpt.stats/1");
    jw_key(&w, "path");
    jw_str(&w, m->path);
    jw_key(&w, "summary");
    jw_obj(&w);
    jw_key(&w, "tensors");
    jw_uint(&w, r->n);
    jw_key(&w, "count");
    jw_uint(&w, s->count);
    jw_key(&w, "nan");
    jw_uint(&w, s->nan);
    jw_key(&w, "inf");
    jw_uint(&w, s->inf);
    jw_key(&w, "zeros");
    jw_uint(&w, s->zeros);
    jw_key(&w, "outliers");
    jw_arr(&w);
    for (size_t i = 0; i < s->n_outliers; i++) {
        const ck_tensor_stats *t = &r->tensors[s->outlier[i]];
        const ck_tensor *mt = &m->tensors[t->tensor];
        jw_obj(&w);
        jw_key(&w, "name");
        jw_strn(&w, mt->name, mt->name_len);
        jw_key(&w, "absmax_over_std");
        jw_double(&w, outlier_ratio(t));
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    bool present[CK_DT_COUNT];
    quant_dtypes(m, r, present);
    jw_key(&w, "bits_per_weight");
    jw_obj(&w);
    for (int dt = 0; dt < CK_DT_COUNT; dt++) {
        if (!present[dt]) continue;
        jw_key(&w, ck_dtype_name((ck_dtype)dt));
        jw_double(&w, ck_dtype_bits((ck_dtype)dt));
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_key(&w, "tensors");
    jw_arr(&w);
    for (size_t i = 0; i < r->n; i++) json_tensor(&w, m, &r->tensors[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_done(&w);
}

/* ===== text ===== */

static void num(char *buf, size_t n, double v) {
    if (isnan(v)) snprintf(buf, n, "-");
    else snprintf(buf, n, "%.4g", v);
}

/* Eight block heights, lowest first; a bin with no value stays blank. */
static void print_hist(const ck_tensor_stats *s) {
    static const char *const blocks[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
                                         "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
    uint64_t top = 0;
    for (uint32_t k = 0; k < s->hist_bins; k++) top = s->hist[k] > top ? s->hist[k] : top;
    char lo[32], hi[32];
    num(lo, sizeof lo, s->min);
    num(hi, sizeof hi, s->max);
    printf("      %s%10s %s", term_dim(), lo, term_reset());
    for (uint32_t k = 0; k < s->hist_bins; k++) {
        if (!s->hist[k] || !top) {
            putchar(' ');
            continue;
        }
        /* Heights on a log scale: the tails of weight distributions are
         * orders of magnitude below the peak and should still show. */
        double f = log1p((double)s->hist[k]) / log1p((double)top);
        int h = (int)(f * 7 + 0.5);
        fputs(term_cyan(), stdout);
        fputs(blocks[h < 0 ? 0 : h > 7 ? 7 : h], stdout);
        fputs(term_reset(), stdout);
    }
    printf(" %s%s%s\n", term_dim(), hi, term_reset());
}

static void print_text(const ck_model *m, const ck_stats_result *r, const summary *s, bool hist) {
    char a[32], b[32], c[32], d[32], e[32], f[32];
    printf("%s", term_bold());
    term_put_escaped(stdout, m->path, strlen(m->path), 0, NULL);
    printf("%s\n", term_reset());
    printf("  %s%-14s%s%zu tensor%s, %s values\n", term_cyan(), "selected", term_reset(), r->n,
           r->n == 1 ? "" : "s", fmt_thousands(a, sizeof a, s->count));
    printf("  %s%-14s%s%s%s NaN, %s Inf%s, %s exact zeros\n", term_cyan(), "non-finite", term_reset(),
           s->nan || s->inf ? term_red() : "", fmt_thousands(a, sizeof a, s->nan),
           fmt_thousands(b, sizeof b, s->inf), term_reset(), fmt_thousands(c, sizeof c, s->zeros));
    bool present[CK_DT_COUNT], any = false;
    quant_dtypes(m, r, present);
    for (int dt = 0; dt < CK_DT_COUNT; dt++) {
        if (!present[dt]) continue;
        if (!any) printf("  %s%-14s%s", term_cyan(), "bits/weight", term_reset());
        printf("%s%s %.2f", any ? ", " : "", ck_dtype_name((ck_dtype)dt), ck_dtype_bits((ck_dtype)dt));
        any = true;
    }
    if (any) putchar('\n');
    for (size_t i = 0; i < s->n_outliers; i++) {
        const ck_tensor_stats *t = &r->tensors[s->outlier[i]];
        const ck_tensor *mt = &m->tensors[t->tensor];
        printf("  %s%-14s%s%6.1fx  ", term_cyan(), i ? "" : "absmax/std", term_reset(), outlier_ratio(t));
        term_put_escaped(stdout, mt->name, mt->name_len, 60, NULL);
        putchar('\n');
    }
    size_t width = 4;
    for (size_t i = 0; i < r->n; i++) {
        size_t len = m->tensors[r->tensors[i].tensor].name_len;
        width = len > width ? len : width;
    }
    width = width > 48 ? 48 : width;
    printf("\n  %s%-*s  %-7s %10s %10s %10s %10s %10s %10s %9s %9s %11s%s\n", term_dim(), (int)width, "tensor",
           "dtype", "min", "max", "mean", "std", "rms", "absmax", "nan", "inf", "zeros", term_reset());
    for (size_t i = 0; i < r->n; i++) {
        const ck_tensor_stats *t = &r->tensors[i];
        const ck_tensor *mt = &m->tensors[t->tensor];
        printf("  ");
        size_t cols = term_put_escaped(stdout, mt->name, mt->name_len, width, NULL);
        num(a, sizeof a, t->min);
        num(b, sizeof b, t->max);
        num(c, sizeof c, t->mean);
        num(d, sizeof d, t->std);
        num(e, sizeof e, t->rms);
        num(f, sizeof f, t->absmax);
        printf("%*s  %-7s %10s %10s %10s %10s %10s %10s %s%9llu %9llu%s %11llu\n", (int)(width - cols), "",
               ck_dtype_name(mt->dtype), a, b, c, d, e, f, t->nan || t->inf ? term_red() : "",
               (unsigned long long)t->nan, (unsigned long long)t->inf, term_reset(),
               (unsigned long long)t->zeros);
        if (hist && t->hist) print_hist(t);
    }
}

static int take_option(void *ctx, int opt, const char *arg) {
    stats_opts *o = ctx;
    switch (opt) {
    case OPT_TENSOR:
        if (o->n_patterns == MAX_PATTERNS) return cli_usage_error(usage, "at most %d --tensor patterns", MAX_PATTERNS);
        o->patterns[o->n_patterns++] = arg;
        return 0;
    case OPT_HIST: o->hist = true; return 0;
    default: return CLI_OPT_UNKNOWN;
    }
}

int cmd_stats(int argc, char **argv) {
    static const struct option longopts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"tensor", required_argument, NULL, OPT_TENSOR},
        {"hist", no_argument, NULL, OPT_HIST},
        {NULL, 0, NULL, 0},
    };
    stats_opts o = {0};
    int bad = cli_parse_options(argc, argv, longopts, &o.common, usage, take_option, &o);
    if (bad) return bad;
    if (argc - optind != 1)
        return cli_usage_error(usage, "stats takes exactly one MODEL (got %d)", argc - optind);
    term_setup(o.common.json ? COLOR_NEVER : o.common.color);
    const char *path = argv[optind];
    ck_model *m;
    int open_rc = cli_open_model(path, &m);
    if (open_rc != EXIT_SAME) return open_rc;
    progress bar;
    progress_init(&bar, "stats", !o.common.no_progress && !o.common.quiet);
    ck_stats_opts so = {
        .patterns = o.patterns, .n_patterns = o.n_patterns, .threads = o.common.threads,
        .hist_bins = o.hist ? HIST_BINS : 0, .progress = progress_update, .progress_ctx = &bar,
    };
    ck_stats_result r;
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = ck_stats_run(m, &so, &r, &d);
    progress_done(&bar);
    int rc = EXIT_SAME;
    if (st != CK_OK) {
        rc = cli_fail(&d, path);
    } else if (o.n_patterns && r.n == 0) {
        fprintf(stderr, "ckpt: no tensor matches the --tensor pattern%s\n", o.n_patterns > 1 ? "s" : "");
        rc = EXIT_TROUBLE;
    } else {
        summary s;
        if (summarise(&r, &s) != 0) {
            fprintf(stderr, "ckpt: out of memory\n");
            rc = EXIT_TROUBLE;
        } else if (o.common.json) {
            print_json(m, &r, &s);
        } else {
            print_text(m, &r, &s, o.hist);
        }
        if (rc == EXIT_SAME) rc = cli_flush_stdout(rc);
    }
    if (st == CK_OK) ck_stats_result_free(&r);
    ck_model_free(m);
    ck_diag_free(&d);
    return rc;
}
