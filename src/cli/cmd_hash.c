/* ===== 'hash': the evidence that identifies a copy ===== */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "ckpt/hash.h"
#include "cli.h"
#include "json_writer.h"
#include "manifest.h"
#include "progress.h"

enum { OPT_TENSOR_SHA256 = OPT_COMMAND_BASE, OPT_NO_FILE_HASH, OPT_SHA256SUM };

static const char usage[] =
    "usage: ckpt hash [OPTIONS] MODEL...\n\n"
    "The SHA-256 of every file (as sha256sum prints it, and the Hugging Face LFS\n"
    "object id), the XXH3-128 of every tensor's stored bytes, and the model digest\n"
    "(every tensor's name, dtype, shape and data; nothing else), in one pass.\n"
    "With --json the output is a manifest that 'ckpt verify' reads.\n\n"
    "options:\n"
    "  --tensor-sha256    a SHA-256 of every tensor too\n"
    "  --no-file-hash     tensors only: skip the whole-file SHA-256\n"
    "  --sha256sum        only the file lines, for sha256sum -c\n";

typedef struct hash_opts {
    cli_common common;
    bool tensor_sha256, no_file_hash, sha256sum;
} hash_opts;

static void print_text(const ck_model *m, const ck_hash_result *r, const hash_opts *o) {
    char hex[65];
    if (r->what & CK_HASH_FILE_SHA256) {
        for (uint32_t i = 0; i < m->n_files; i++) {
            ck_hex(r->files[i].sha256, 32, hex);
            /* sha256sum's format: a name with a newline or backslash gets a
             * leading backslash and escapes, which sha256sum -c undoes. */
            const char *p = m->files[i].map.path;
            bool esc = strpbrk(p, "\\\n\r") != NULL;
            printf("%s%s  ", esc ? "\\" : "", hex);
            for (; *p; p++) {
                if (esc && *p == '\\') fputs("\\\\", stdout);
                else if (esc && *p == '\n') fputs("\\n", stdout);
                else if (esc && *p == '\r') fputs("\\r", stdout);
                else putchar(*p);
            }
            putchar('\n');
        }
    }
    if (o->sha256sum) return;
    size_t width = 6;
    for (size_t i = 0; i < m->n_tensors; i++) width = m->tensors[i].name_len > width ? m->tensors[i].name_len : width;
    width = width > 48 ? 48 : width;
    printf("\n%s%-*s  %-8s %-32s%s%s\n", term_dim(), (int)width, "tensor", "dtype", "xxh3_128",
           o->tensor_sha256 ? "  sha256" : "", term_reset());
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        size_t cols = term_put_escaped(stdout, t->name, t->name_len, width, NULL);
        ck_hex(r->tensors[i].xxh3_128, 16, hex);
        printf("%*s  %-8s %s", (int)(width - cols), "", ck_dtype_name(t->dtype), hex);
        if (o->tensor_sha256) {
            ck_hex(r->tensors[i].sha256, 32, hex);
            printf("  %s", hex);
        }
        putchar('\n');
    }
    ck_hex(r->model_digest, 32, hex);
    printf("\n%smodel_digest%s  %s\n", term_bold(), term_reset(), hex);
}

static int hash_one(const char *path, const hash_opts *o, jw *w) {
    ck_model *m;
    int rc = cli_open_model(path, &m);
    if (rc != EXIT_SAME) return rc;
    progress bar;
    progress_init(&bar, "hash", !o->common.no_progress && !o->common.quiet);
    ck_hash_opts ho = {
        .what = CK_HASH_TENSOR_XXH3 | CK_HASH_MODEL_DIGEST |
                (o->no_file_hash ? 0 : CK_HASH_FILE_SHA256 | CK_HASH_FILE_HEADER) |
                (o->tensor_sha256 ? CK_HASH_TENSOR_SHA256 : 0),
        .threads = o->common.threads, .progress = progress_update, .progress_ctx = &bar,
    };
    ck_hash_result r;
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = ck_hash_model(m, &ho, &r, &d);
    progress_done(&bar);
    if (st != CK_OK) {
        rc = cli_fail(&d, path);
    } else {
        if (w) manifest_write(w, m, &r);
        else print_text(m, &r, o);
        ck_hash_result_free(&r);
    }
    ck_diag_free(&d);
    ck_model_free(m);
    return rc;
}

static int take_option(void *ctx, int opt, const char *arg) {
    hash_opts *o = ctx;
    (void)arg;
    switch (opt) {
    case OPT_TENSOR_SHA256: o->tensor_sha256 = true; return 0;
    case OPT_NO_FILE_HASH: o->no_file_hash = true; return 0;
    case OPT_SHA256SUM: o->sha256sum = true; return 0;
    default: return CLI_OPT_UNKNOWN;
    }
}

int cmd_hash(int argc, char **argv) {
    static const struct option longopts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"tensor-sha256", no_argument, NULL, OPT_TENSOR_SHA256},
        {"no-file-hash", no_argument, NULL, OPT_NO_FILE_HASH},
        {"sha256sum", no_argument, NULL, OPT_SHA256SUM},
        {NULL, 0, NULL, 0},
    };
    hash_opts o = {0};
    int bad = cli_parse_options(argc, argv, longopts, &o.common, usage, take_option, &o);
    if (bad) return bad;
    if (optind >= argc) return cli_usage_error(usage, "hash takes one or more MODELs");
    if (o.sha256sum && (o.no_file_hash || o.common.json))
        return cli_usage_error(usage, "--sha256sum prints file hashes as text: not with --no-file-hash or --json");
    term_setup(o.common.json ? COLOR_NEVER : o.common.color);
    jw w;
    bool many = argc - optind > 1;
    if (o.common.json) {
        jw_init(&w, stdout);
        /* Several models: an array of manifests, still one document. */
        if (many) jw_arr(&w);
    }
    int rc = EXIT_SAME;
    for (int i = optind; i < argc && rc == EXIT_SAME; i++) {
        if (!o.common.json && many && !o.sha256sum && i > optind) putchar('\n');
        rc = hash_one(argv[i], &o, o.common.json ? &w : NULL);
    }
    if (o.common.json && rc == EXIT_SAME) {
        if (many) jw_arr_end(&w);
        jw_done(&w);
    }
    return cli_flush_stdout(rc);
}
