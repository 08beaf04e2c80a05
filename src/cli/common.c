/* Options and error output shared by every command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_common_help[] =
    "  --json             one JSON document on stdout\n"
    "  --threads N        worker threads (default: OMP_NUM_THREADS, else all cores)\n"
    "  --quiet            no messages on stderr but errors\n"
    "  --no-progress      no progress bar (it only ever shows on a terminal)\n"
    "  --color WHEN       auto, always or never (NO_COLOR is honoured)\n"
    "  --help             this help\n";

int cli_usage_error(const char *usage, const char *fmt, ...) {
    va_list ap;
    fputs("ckpt: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return EXIT_TROUBLE;
}

int cli_common_option(cli_common *c, int opt, const char *arg, const char *usage) {
    switch (opt) {
    case OPT_JSON: c->json = true; return 1;
    case OPT_QUIET: c->quiet = true; return 1;
    case OPT_NO_PROGRESS: c->no_progress = true; return 1;
    case OPT_THREADS: {
        char *end;
        errno = 0;
        long n = strtol(arg, &end, 10);
        if (errno || *end || n < 1 || n > 4096) {
            cli_usage_error(usage, "--threads takes a whole number from 1 to 4096, not '%s'", arg);
            return -1;
        }
        c->threads = (int)n;
        return 1;
    }
    case OPT_COLOR:
        if (strcmp(arg, "auto") == 0) c->color = COLOR_AUTO;
        else if (strcmp(arg, "always") == 0) c->color = COLOR_ALWAYS;
        else if (strcmp(arg, "never") == 0) c->color = COLOR_NEVER;
        else {
            cli_usage_error(usage, "--color takes auto, always or never, not '%s'", arg);
            return -1;
        }
        return 1;
    case OPT_HELP:
        fputs(usage, stdout);
        exit(EXIT_SAME);
    default:
        return 0;
    }
}

int cli_parse_options(int argc, char **argv, const struct option *longopts, cli_common *common, const char *usage,
                      cli_option_fn take, void *ctx) {
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int r = cli_common_option(common, opt, optarg, usage);
        if (r < 0) return EXIT_TROUBLE;
        if (r > 0) continue;
        r = take(ctx, opt, optarg);
        if (r == CLI_OPT_UNKNOWN) {
            fprintf(stderr, "%s", usage);
            return EXIT_TROUBLE;
        }
        if (r != 0) return r;
    }
    return 0;
}

int cli_flush_stdout(int rc) {
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ckpt: cannot write the output\n");
        return EXIT_TROUBLE;
    }
    return rc;
}

static void put_name(FILE *o, const char *what, const char *name) {
    fprintf(o, "%s '", what);
    term_put_escaped(o, name, strlen(name), 120, NULL);
    fputs("': ", o);
}

void cli_print_findings(const ck_diag *d, ck_severity min) {
    for (size_t i = 0; i < d->count; i++) {
        const ck_finding *f = &d->items[i];
        if (f->rule->severity < min) continue;
        fputs("ckpt: ", stderr);
        if (f->file) {
            term_put_escaped(stderr, f->file, strlen(f->file), 0, NULL);
            fputs(": ", stderr);
        }
        if (f->offset != CK_NO_OFFSET) fprintf(stderr, "byte %lld: ", (long long)f->offset);
        if (f->tensor) put_name(stderr, "tensor", f->tensor);
        if (f->key) put_name(stderr, "key", f->key);
        term_put_escaped(stderr, f->message, strlen(f->message), 0, NULL);
        fprintf(stderr, " [%s]\n", f->rule->code);
    }
}

int cli_fail(const ck_diag *d, const char *path) {
    const ck_finding *f = ck_diag_first_error(d);
    if (f) {
        ck_diag one = {.items = (ck_finding *)f, .count = 1};
        cli_print_findings(&one, CK_SEV_INFO);
    } else {
        fprintf(stderr, "ckpt: %s: %s\n", path,
                d->status == CK_ERR_NOMEM ? "out of memory" : "cannot be read");
    }
    return EXIT_TROUBLE;
}

int cli_open_model(const char *path, ck_model **m) {
    ck_diag d;
    ck_diag_init(&d, 0);
    *m = NULL;
    int rc = ck_model_open(m, path, &d) == CK_OK ? EXIT_SAME : cli_fail(&d, path);
    ck_diag_free(&d);
    return rc;
}
