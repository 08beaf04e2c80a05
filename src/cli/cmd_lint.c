/* ===== 'lint': every rule and every known trap, as a report ===== */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/lint.h"
#include "cli.h"
#include "json_writer.h"
#include "progress.h"

enum { OPT_STRICT = OPT_COMMAND_BASE, OPT_NO_DATA };

static const char usage[] =
    "usage: ckpt lint [OPTIONS] MODEL...\n\n"
    "Every rule of the format (reported all, not only the first) and the traps a\n"
    "file can carry: bytes hidden in padding or after the data, names and arrays\n"
    "ggml refuses, NaN/Inf, all-zero and out-of-line tensors, metadata with hidden\n"
    "characters, and chat templates that reach Python internals or carry hidden\n"
    "instructions. 'man ckpt' has the table of rule codes.\n"
    "Exit status: 0 no error-level finding, 1 an error (--strict: or a warning),\n"
    "2 a MODEL that cannot be opened or a usage error.\n\n"
    "options:\n"
    "  --strict           warnings count as errors\n"
    "  --no-data          skip the checks that read tensor values (data.*)\n";

static const char *sev_name(ck_severity s) {
    return s == CK_SEV_ERROR ? "error" : s == CK_SEV_WARNING ? "warning" : "info";
}

static const char *sev_color(ck_severity s) {
    return s == CK_SEV_ERROR ? term_red() : s == CK_SEV_WARNING ? term_yellow() : term_dim();
}

static void put_where(const char *label, const char *s) {
    printf(" %s '", label);
    term_put_escaped(stdout, s, strlen(s), 0, NULL);
    putchar('\'');
}

static void print_text(const char *path, const ck_diag *d) {
    printf("%slint%s  ", term_bold(), term_reset());
    term_put_escaped(stdout, path, strlen(path), 0, NULL);
    putchar('\n');
    for (int sev = CK_SEV_ERROR; sev >= CK_SEV_INFO; sev--) {
        for (size_t i = 0; i < d->count; i++) {
            const ck_finding *f = &d->items[i];
            if ((int)f->rule->severity != sev) continue;
            printf("  %s%-7s%s  %-23s", sev_color(f->rule->severity), sev_name(f->rule->severity), term_reset(),
                   f->rule->code);
            bool placed = (f->file && strcmp(f->file, path) != 0) || f->offset != CK_NO_OFFSET || f->key || f->tensor;
            if (f->file && strcmp(f->file, path) != 0) put_where("file", f->file);
            if (f->offset != CK_NO_OFFSET) printf(" byte %lld", (long long)f->offset);
            if (f->key) put_where("key", f->key);
            if (f->tensor) put_where("tensor", f->tensor);
            fputs(placed ? ": " : " ", stdout);
            term_put_escaped(stdout, f->message, strlen(f->message), 0, NULL);
            putchar('\n');
        }
    }
    size_t e = ck_diag_count(d, CK_SEV_ERROR), w = ck_diag_count(d, CK_SEV_WARNING) - e, n = d->count - e - w;
    printf("%sresult%s  %zu error%s, %zu warning%s, %zu info%s\n", term_bold(), term_reset(), e, e == 1 ? "" : "s", w,
           w == 1 ? "" : "s", n, n == 1 ? "" : "s");
}

static void json_str_or_null(jw *w, const char *s) {
    if (s) jw_str(w, s);
    else jw_null(w);
}

static void json_findings(jw *w, const ck_diag *d) {
    for (size_t i = 0; i < d->count; i++) {
        const ck_finding *f = &d->items[i];
        jw_obj(w);
        jw_key(w, "severity"); jw_str(w, sev_name(f->rule->severity));
        jw_key(w, "code"); jw_str(w, f->rule->code);
        jw_key(w, "message"); jw_str(w, f->message);
        jw_key(w, "file"); json_str_or_null(w, f->file);
        jw_key(w, "offset");
        if (f->offset == CK_NO_OFFSET) jw_null(w);
        else jw_int(w, f->offset);
        jw_key(w, "tensor"); json_str_or_null(w, f->tensor);
        jw_key(w, "key"); json_str_or_null(w, f->key);
        jw_obj_end(w);
    }
}

typedef struct lint_cli {
    bool strict;
    ck_lint_opts lo;
} lint_cli;

static int take_option(void *ctx, int opt, const char *arg) {
    lint_cli *l = ctx;
    (void)arg;
    switch (opt) {
    case OPT_STRICT: l->strict = true; return 0;
    case OPT_NO_DATA: l->lo.no_data = true; return 0;
    default: return CLI_OPT_UNKNOWN;
    }
}

int cmd_lint(int argc, char **argv) {
    static const struct option longopts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"strict", no_argument, NULL, OPT_STRICT},
        {"no-data", no_argument, NULL, OPT_NO_DATA},
        {NULL, 0, NULL, 0},
    };
    cli_common c = {0};
    lint_cli l = {0};
    int parse_rc = cli_parse_options(argc, argv, longopts, &c, usage, take_option, &l);
    if (parse_rc) return parse_rc;
    const bool strict = l.strict;
    ck_lint_opts lo = l.lo;
    if (optind >= argc) return cli_usage_error(usage, "lint takes one or more MODELs");
    term_setup(c.json ? COLOR_NEVER : c.color);
    int n = argc - optind;
    ck_diag *ds = calloc((size_t)n, sizeof *ds);
    if (!ds) return EXIT_TROUBLE;
    int rc = EXIT_SAME;
    lo.threads = c.threads;
    for (int i = 0; i < n; i++) {
        ck_diag_init(&ds[i], 1);
        progress bar;
        progress_init(&bar, "lint", !c.no_progress && !c.quiet);
        lo.progress = progress_update;
        lo.progress_ctx = &bar;
        ck_status st = ck_lint(argv[optind + i], &lo, &ds[i]);
        progress_done(&bar);
        if (st != CK_OK) {
            /* A path that cannot be opened at all is trouble, not a finding. */
            if (ds[i].count) cli_print_findings(&ds[i], CK_SEV_ERROR);
            else fprintf(stderr, "ckpt: %s: out of memory\n", argv[optind + i]);
            rc = EXIT_TROUBLE;
            break;
        }
        size_t bad = ck_diag_count(&ds[i], strict ? CK_SEV_WARNING : CK_SEV_ERROR);
        if (bad && rc == EXIT_SAME) rc = EXIT_DIFFER;
        if (!c.json && !c.quiet) {
            if (i) putchar('\n');
            print_text(argv[optind + i], &ds[i]);
        }
    }
    if (c.json && rc != EXIT_TROUBLE) {
        jw w;
        jw_init(&w, stdout);
        jw_obj(&w);
        jw_key(&w, "schema"); jw_str(&w, "ckpt.lint/1");
        jw_key(&w, "models");
        jw_arr(&w);
        for (int i = 0; i < n; i++) {
            size_t e = ck_diag_count(&ds[i], CK_SEV_ERROR), wn = ck_diag_count(&ds[i], CK_SEV_WARNING) - e;
            jw_obj(&w);
            jw_key(&w, "path"); jw_str(&w, argv[optind + i]);
            jw_key(&w, "errors"); jw_uint(&w, e);
            jw_key(&w, "warnings"); jw_uint(&w, wn);
            jw_key(&w, "infos"); jw_uint(&w, ds[i].count - e - wn);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_key(&w, "findings");
        jw_arr(&w);
        for (int i = 0; i < n; i++) json_findings(&w, &ds[i]);
        jw_arr_end(&w);
        jw_obj_end(&w);
        jw_done(&w);
    }
    for (int i = 0; i < n; i++) ck_diag_free(&ds[i]);
    free(ds);
    return cli_flush_stdout(rc);
}
