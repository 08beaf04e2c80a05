/* ===== 'diff': what a fine-tune, merge or quantization changed ===== */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "ckpt/diff.h"
#include "ckpt/out.h"
#include "cli.h"
#include "diff_heatmap.h"
#include "diff_html.h"
#include "json_writer.h"
#include "progress.h"

enum { OPT_HTML = OPT_COMMAND_BASE, OPT_RANK, OPT_MAP, OPT_TOP, OPT_FORCE };

static const char usage[] =
    "usage: ckpt diff [OPTIONS] MODEL_A MODEL_B\n\n"
    "What B (a fine-tune, a merge, a quantization) changed relative to its base A,\n"
    "tensor by tensor, from the dequantized values: cosine, rel_l2, rmse, max_abs,\n"
    "snr_db and the share of values changed, a layer-by-role heatmap, and a verdict\n"
    "(identical, reencoded, quantized, finetuned, merged, unrelated, restructured)\n"
    "with its evidence. Tensors pair up across naming schemes: a GGUF made by\n"
    "llama.cpp against its Hugging Face base, with the q/k row permutation undone.\n\n"
    "exit status: 0 the same values, 1 a difference, 2 trouble\n\n"
    "options:\n"
    "  --rank             the numerical rank of every changed 2-D tensor's delta\n"
    "  --map NAME         the name map to use (llama, mistral, mixtral, qwen2, qwen3,\n"
    "                     qwen2moe, qwen3moe), or none; default: from the metadata\n"
    "  --top N            the N most changed tensors in the text output (default 10)\n"
    "  --html FILE        also write a self-contained HTML report to FILE\n"
    "  --force            replace FILE if it exists\n";

typedef struct diff_cli {
    cli_common common;
    const char *html, *map;
    bool rank, force;
    long top;
} diff_cli;

/* ===== JSON ===== */

static void jnum(jw *w, const char *key, double v) {
    jw_key(w, key);
    jw_double(w, v);
}

static void jshape(jw *w, const int64_t *shape, uint32_t rank) { jw_int_array(w, shape, rank < 8 ? rank : 8); }

static void json_tensor(jw *w, const ck_diff_tensor *t) {
    jw_obj(w);
    jw_key(w, "name");
    jw_str(w, t->name);
    jw_key(w, "b_name");
    jw_str(w, t->b_name ? t->b_name : t->status == CK_DIFF_ADDED ? t->name : NULL);
    jw_key(w, "status");
    jw_str(w, ck_diff_status_name(t->status));
    jw_key(w, "a_dtype");
    jw_str(w, t->a_dtype >= 0 ? ck_dtype_name((ck_dtype)t->a_dtype) : NULL);
    jw_key(w, "b_dtype");
    jw_str(w, t->b_dtype >= 0 ? ck_dtype_name((ck_dtype)t->b_dtype) : NULL);
    jw_key(w, "shape");
    jshape(w, t->shape, t->rank);
    if (t->status == CK_DIFF_SHAPE_CHANGED) {
        jw_key(w, "b_shape");
        jshape(w, t->b_shape, t->b_rank);
    }
    jnum(w, "cosine", t->cosine);
    jnum(w, "rel_l2", t->rel_l2);
    jnum(w, "rmse", t->rmse);
    jnum(w, "max_abs", t->max_abs);
    jnum(w, "snr_db", t->snr_db);
    jnum(w, "changed_share", t->count ? (double)t->changed / (double)t->count : NAN);
    jw_key(w, "delta_rank");
    if (t->rank_estimated && t->delta_rank >= 0) jw_int(w, t->delta_rank);
    else jw_null(w);
    if (t->rank_estimated) {
        jw_key(w, "singular_values");
        jw_arr_inline(w);
        for (size_t k = 0; k < t->n_sv; k++) jw_double(w, t->sv[k]);
        jw_arr_end(w);
    }
    jw_key(w, "layer");
    if (t->layer >= 0) jw_int(w, t->layer);
    else jw_null(w);
    jw_key(w, "role");
    jw_str(w, ck_role_name(t->role));
    jw_obj_end(w);
}

static void json_meta(jw *w, const ck_diff_result *r) {
    jw_key(w, "metadata");
    jw_obj(w);
    static const char *const keys[] = {"added", "removed"};
    for (int k = 0; k < 2; k++) {
        jw_key(w, keys[k]);
        jw_arr(w);
        for (size_t i = 0; i < r->n_meta; i++)
            if ((int)r->meta[i].kind == (k ? CK_META_REMOVED : CK_META_ADDED)) jw_str(w, r->meta[i].key);
        jw_arr_end(w);
    }
    jw_key(w, "changed");
    jw_arr(w);
    for (size_t i = 0; i < r->n_meta; i++) {
        if (r->meta[i].kind != CK_META_CHANGED) continue;
        jw_obj(w);
        jw_key(w, "key");
        jw_str(w, r->meta[i].key);
        jw_key(w, "a");
        jw_str(w, r->meta[i].a_value);
        jw_key(w, "b");
        jw_str(w, r->meta[i].b_value);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

static void print_json(const ck_diff_result *r, const char *a, const char *b) {
    jw w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "schema");
    jw_str(&w, "ckpt.diff/1");
    jw_key(&w, "a");
    jw_str(&w, a);
    jw_key(&w, "b");
    jw_str(&w, b);
    jw_key(&w, "map");
    jw_str(&w, r->map);
    jw_key(&w, "summary");
    jw_obj(&w);
    jw_key(&w, "verdict");
    jw_str(&w, ck_verdict_name(r->verdict));
    jw_key(&w, "evidence");
    jw_str(&w, r->evidence);
    static const struct {
        const char *key;
        size_t off;
    } counts[] = {
        {"tensors", offsetof(ck_diff_result, n)},
        {"identical", offsetof(ck_diff_result, identical)},
        {"changed", offsetof(ck_diff_result, changed)},
        {"added", offsetof(ck_diff_result, added)},
        {"removed", offsetof(ck_diff_result, removed)},
        {"shape_changed", offsetof(ck_diff_result, shape_changed)},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        jw_key(&w, counts[i].key);
        jw_uint(&w, *(const size_t *)((const char *)r + counts[i].off));
    }
    jw_obj_end(&w);
    json_meta(&w, r);
    jw_key(&w, "tensors");
    jw_arr(&w);
    for (size_t i = 0; i < r->n; i++) json_tensor(&w, &r->tensors[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_done(&w);
}

/* ===== text ===== */

static int by_change(const void *x, const void *y, void *ctx) {
    const ck_diff_result *r = ctx;
    const ck_diff_tensor *a = &r->tensors[*(const size_t *)x], *b = &r->tensors[*(const size_t *)y];
    double u = isnan(a->rel_l2) ? -1 : a->rel_l2, v = isnan(b->rel_l2) ? -1 : b->rel_l2;
    if (u != v) return u > v ? -1 : 1;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static void fig(char *buf, size_t n, const char *fmt, double v) {
    if (isnan(v)) snprintf(buf, n, "-");
    else snprintf(buf, n, fmt, v);
}

static void print_top(const ck_diff_result *r, long top) {
    size_t *order = malloc((r->n ? r->n : 1) * sizeof *order), k = 0;
    if (!order) return;
    for (size_t i = 0; i < r->n; i++)
        if (r->tensors[i].status == CK_DIFF_CHANGED) order[k++] = i;
    qsort_r(order, k, sizeof *order, by_change, (void *)r);
    if (k) {
        printf("\n%smost changed%s (%zu of %zu changed)\n", term_bold(), term_reset(), (size_t)(k < (size_t)top ? k : (size_t)top), k);
        printf("  %s%-40s %-13s %9s %9s %8s %8s %5s%s\n", term_dim(), "tensor", "dtypes", "rel_l2", "cosine", "snr_db",
               "changed", "rank", term_reset());
    }
    for (size_t i = 0; i < k && (long)i < top; i++) {
        const ck_diff_tensor *t = &r->tensors[order[i]];
        char rel[24], cosv[24], snr[24], ch[24], rank[16], dt[32];
        fig(rel, sizeof rel, t->rel_l2 >= 1e-4 ? "%.3f%%" : "%.2e%%", t->rel_l2 * 100);
        fig(cosv, sizeof cosv, "%.6f", t->cosine);
        fig(snr, sizeof snr, "%.1f", t->snr_db);
        fig(ch, sizeof ch, "%.1f%%", t->count ? 100.0 * (double)t->changed / (double)t->count : NAN);
        snprintf(rank, sizeof rank, "%s", !t->rank_estimated ? "" : t->delta_rank < 0 ? "full" : "");
        if (t->rank_estimated && t->delta_rank >= 0) snprintf(rank, sizeof rank, "%d", t->delta_rank);
        snprintf(dt, sizeof dt, "%s>%s", ck_dtype_name((ck_dtype)t->a_dtype), ck_dtype_name((ck_dtype)t->b_dtype));
        if (t->a_dtype == t->b_dtype) snprintf(dt, sizeof dt, "%s", ck_dtype_name((ck_dtype)t->a_dtype));
        printf("  ");
        size_t cols = term_put_escaped(stdout, t->name, strlen(t->name), 40, NULL);
        printf("%*s %-13s %9s %9s %8s %8s %5s\n", (int)(40 - (cols < 40 ? cols : 40)), "", dt, rel, cosv, snr, ch, rank);
    }
    free(order);
}

static void print_structure(const ck_diff_result *r) {
    static const char *const tags[] = {"", "", "ADDED", "REMOVED", "RESHAPED"};
    for (size_t i = 0; i < r->n; i++) {
        const ck_diff_tensor *t = &r->tensors[i];
        if (t->status < CK_DIFF_ADDED) continue;
        printf("  %s%-9s%s ", term_yellow(), tags[t->status], term_reset());
        term_put_escaped(stdout, t->name, strlen(t->name), 80, NULL);
        if (t->status == CK_DIFF_SHAPE_CHANGED) {
            printf(" [");
            for (uint32_t j = 0; j < t->rank; j++) printf("%s%lld", j ? ", " : "", (long long)t->shape[j]);
            printf("] -> [");
            for (uint32_t j = 0; j < t->b_rank; j++) printf("%s%lld", j ? ", " : "", (long long)t->b_shape[j]);
            printf("]");
        }
        putchar('\n');
    }
}

static void print_meta(const ck_diff_result *r) {
    if (!r->n_meta) return;
    printf("\n%smetadata%s (%zu change%s)\n", term_bold(), term_reset(), r->n_meta, r->n_meta == 1 ? "" : "s");
    for (size_t i = 0; i < r->n_meta && i < 40; i++) {
        const ck_meta_change *c = &r->meta[i];
        const char *mark = c->kind == CK_META_ADDED ? "+" : c->kind == CK_META_REMOVED ? "-" : "~";
        printf("  %s ", mark);
        term_put_escaped(stdout, c->key, strlen(c->key), 60, NULL);
        const char *v = c->kind == CK_META_ADDED ? c->b_value : c->a_value;
        printf(" %s", c->kind == CK_META_CHANGED ? ": " : "= ");
        if (v) term_put_escaped(stdout, v, strlen(v), 60, NULL);
        if (c->kind == CK_META_CHANGED && c->b_value) {
            printf(" -> ");
            term_put_escaped(stdout, c->b_value, strlen(c->b_value), 60, NULL);
        }
        putchar('\n');
    }
    if (r->n_meta > 40) printf("  ... and %zu more\n", r->n_meta - 40);
}

static void print_text(const ck_diff_result *r, const char *a, const char *b, long top) {
    printf("%sdiff%s  ", term_bold(), term_reset());
    term_put_escaped(stdout, a, strlen(a), 0, NULL);
    printf("  ->  ");
    term_put_escaped(stdout, b, strlen(b), 0, NULL);
    printf("\n  %s%-9s%s%s%s%s\n", term_cyan(), "verdict", term_reset(), term_bold(), ck_verdict_name(r->verdict),
           term_reset());
    printf("  %s%-9s%s", term_cyan(), "why", term_reset());
    term_put_escaped(stdout, r->evidence, strlen(r->evidence), 0, NULL);
    printf("\n  %s%-9s%s%zu identical, %zu changed, %zu added, %zu removed, %zu reshaped (name map: %s)\n",
           term_cyan(), "tensors", term_reset(), r->identical, r->changed, r->added, r->removed, r->shape_changed,
           r->map);
    heatmap h;
    if (heatmap_build(r, &h)) {
        heatmap_print(stdout, &h, r->n_layers);
        heatmap_free(&h);
    }
    print_top(r, top);
    print_structure(r);
    print_meta(r);
}

static int write_html(const ck_diff_result *r, const diff_cli *o, const char *a, const char *b) {
    ck_out out;
    ck_diag d;
    ck_diag_init(&d, 0);
    int rc = EXIT_SAME;
    if (ck_out_open(&out, o->html, o->force, &d) != CK_OK) {
        rc = cli_fail(&d, o->html);
    } else if (diff_html_write(out.f, r, a, b) != 0) {
        ck_out_abort(&out);
        fprintf(stderr, "ckpt: out of memory\n");
        rc = EXIT_TROUBLE;
    } else if (ck_out_commit(&out, &d) != CK_OK) {
        rc = cli_fail(&d, o->html);
    }
    ck_diag_free(&d);
    return rc;
}

static int take_option(void *ctx, int opt, const char *arg) {
    diff_cli *o = ctx;
    switch (opt) {
    case OPT_HTML: o->html = arg; return 0;
    case OPT_RANK: o->rank = true; return 0;
    case OPT_FORCE: o->force = true; return 0;
    case OPT_MAP:
        if (strcmp(arg, "none") != 0 && !ck_name_map_named(arg))
            return cli_usage_error(usage, "--map takes a known map name or none, not '%s'", arg);
        o->map = arg;
        return 0;
    case OPT_TOP: {
        char *end;
        errno = 0;
        o->top = strtol(arg, &end, 10);
        if (errno || *end || o->top < 0 || o->top > 1000000)
            return cli_usage_error(usage, "--top takes a whole number, not '%s'", arg);
        return 0;
    }
    default: return CLI_OPT_UNKNOWN;
    }
}

int cmd_diff(int argc, char **argv) {
    static const struct option longopts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"html", required_argument, NULL, OPT_HTML},
        {"rank", no_argument, NULL, OPT_RANK},
        {"map", required_argument, NULL, OPT_MAP},
        {"top", required_argument, NULL, OPT_TOP},
        {"force", no_argument, NULL, OPT_FORCE},
        {NULL, 0, NULL, 0},
    };
    diff_cli o = {.top = 10};
    int bad = cli_parse_options(argc, argv, longopts, &o.common, usage, take_option, &o);
    if (bad) return bad;
    if (argc - optind != 2) return cli_usage_error(usage, "diff takes two models (got %d)", argc - optind);
    term_setup(o.common.json ? COLOR_NEVER : o.common.color);
    const char *pa = argv[optind], *pb = argv[optind + 1];
    ck_model *a, *b;
    int rc = cli_open_model(pa, &a);
    if (rc != EXIT_SAME) return rc;
    rc = cli_open_model(pb, &b);
    if (rc != EXIT_SAME) {
        ck_model_free(a);
        return rc;
    }
    progress bar;
    progress_init(&bar, "diff", !o.common.no_progress && !o.common.quiet);
    ck_diff_opts dopts = {.map = o.map, .rank = o.rank, .threads = o.common.threads, .progress = progress_update,
                          .progress_ctx = &bar};
    ck_diff_result r;
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = ck_diff_models(a, b, &dopts, &r, &d);
    progress_done(&bar);
    if (st != CK_OK) {
        rc = cli_fail(&d, pb);
    } else {
        if (o.html) rc = write_html(&r, &o, pa, pb);
        if (rc == EXIT_SAME) {
            if (o.common.json) print_json(&r, pa, pb);
            else print_text(&r, pa, pb, o.top);
            bool same = r.changed == 0 && r.added == 0 && r.removed == 0 && r.shape_changed == 0;
            rc = same ? EXIT_SAME : EXIT_DIFFER;
        }
        ck_diff_result_free(&r);
    }
    ck_diag_free(&d);
    ck_model_free(a);
    ck_model_free(b);
    return cli_flush_stdout(rc);
}
