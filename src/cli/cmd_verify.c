/* ===== 'verify': is this copy the original, and if not, what is damaged ===== */
#include <stdio.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "ckpt/evidence.h"
#include "ckpt/hash.h"
#include "ckpt/verify.h"
#include "cli.h"
#include "json_writer.h"
#include "progress.h"

enum { OPT_SHA256 = OPT_COMMAND_BASE };

static const char usage[] =
    "usage: ckpt verify [OPTIONS] EVIDENCE MODEL\n"
    "       ckpt verify [OPTIONS] MODEL_A MODEL_B\n"
    "       ckpt verify [OPTIONS] --sha256 HEX FILE\n"
    "       ckpt verify [OPTIONS] MODEL\n\n"
    "Check a model against evidence and say exactly what does not match: each file\n"
    "and tensor is ok, mismatch, missing or extra, and a file whose SHA-256 differs\n"
    "is narrowed down to a damaged header, damaged tensors (named) or a size change.\n"
    "EVIDENCE is a manifest from 'ckpt hash --json', a sha256sum file, a Git LFS\n"
    "pointer or a llama-gguf-hash manifest. Two models: copy B is checked against\n"
    "copy A tensor by tensor (they may be sharded differently). One model: the\n"
    "evidence it carries (a safetensors modelspec.hash_sha256), which is checked in\n"
    "every form.\n\n"
    "exit status: 0 everything matches, 1 a mismatch, 2 trouble\n\n"
    "options:\n"
    "  --sha256 HEX       the expected SHA-256 of FILE\n";

static const char *kind_label(const char *kind) {
    static const struct {
        const char *kind, *label;
    } labels[] = {
        {"manifest", "ckpt manifest"}, {"model", "the model"}, {"sha256sum", "sha256sum file"},
        {"lfs", "Git LFS pointer"},    {"gguf-hash", "llama-gguf-hash manifest"},
        {"sha256", "--sha256"},        {"modelspec", "its modelspec.hash_sha256"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].kind, kind) == 0) return labels[i].label;
    return kind;
}

/* ===== JSON ===== */

static void json_list(jw *w, const char *key, const char *name_key, const ck_vlist *l) {
    jw_key(w, key);
    jw_arr(w);
    for (size_t i = 0; i < l->n; i++) {
        jw_obj(w);
        jw_key(w, name_key);
        jw_str(w, l->items[i].name);
        jw_key(w, "status");
        jw_str(w, ck_vstatus_name(l->items[i].status));
        jw_key(w, "detail");
        jw_str(w, l->items[i].detail);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void print_json(const ck_verify_result *r, const char *model) {
    jw w;
    char hex[65];
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "schema");
    jw_str(&w, "ckpt.verify/1");
    jw_key(&w, "ok");
    jw_bool(&w, r->ok);
    jw_key(&w, "model");
    jw_str(&w, model);
    jw_key(&w, "evidence");
    jw_obj(&w);
    jw_key(&w, "kind");
    jw_str(&w, r->kind);
    jw_key(&w, "path");
    jw_str(&w, r->evidence);
    jw_obj_end(&w);
    json_list(&w, "files", "path", &r->files);
    json_list(&w, "tensors", "name", &r->tensors);
    if (r->streams.n) json_list(&w, "model_lines", "file", &r->streams);
    if (r->embedded.n) json_list(&w, "modelspec", "file", &r->embedded);
    if (r->has_digest) {
        jw_key(&w, "model_digest");
        jw_obj(&w);
        jw_key(&w, "status");
        jw_str(&w, ck_vstatus_name(r->digest_status));
        ck_hex(r->digest_expected, 32, hex);
        jw_key(&w, "expected");
        jw_str(&w, hex);
        ck_hex(r->digest_actual, 32, hex);
        jw_key(&w, "actual");
        jw_str(&w, hex);
        jw_obj_end(&w);
    }
    jw_key(&w, "unchecked");
    jw_arr(&w);
    for (size_t i = 0; i < r->ev.n_skipped; i++) {
        jw_obj(&w);
        jw_key(&w, "line");
        jw_int(&w, r->ev.skipped[i].line);
        jw_key(&w, "text");
        jw_str(&w, r->ev.skipped[i].text);
        jw_key(&w, "why");
        jw_str(&w, r->ev.skipped[i].why);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_done(&w);
}

/* ===== text ===== */

static void count_line(const char *label, const ck_vlist *l) {
    size_t n[4] = {0};
    for (size_t i = 0; i < l->n; i++) n[l->items[i].status]++;
    printf("  %s%-10s%s%zu ok", term_cyan(), label, term_reset(), n[CK_VS_OK]);
    static const char *const words[] = {"", "mismatched", "missing", "extra"};
    for (int s = CK_VS_MISMATCH; s <= CK_VS_EXTRA; s++)
        if (n[s]) printf(", %s%zu %s%s", term_red(), n[s], words[s], term_reset());
    putchar('\n');
}

static void problems(const char *what, const ck_vlist *l) {
    static const char *const tags[] = {"OK", "MISMATCH", "MISSING", "EXTRA"};
    for (size_t i = 0; i < l->n; i++) {
        const ck_vitem *it = &l->items[i];
        if (it->status == CK_VS_OK && !it->detail) continue;
        printf("%s%-9s%s %s ", it->status == CK_VS_OK ? term_yellow() : term_red(), tags[it->status], term_reset(),
               what);
        term_put_escaped(stdout, it->name, strlen(it->name), 0, NULL);
        if (it->detail) {
            fputs(": ", stdout);
            term_put_escaped(stdout, it->detail, strlen(it->detail), 0, NULL);
        }
        putchar('\n');
    }
}

static void print_text(const ck_verify_result *r, const char *model) {
    printf("%sverify%s  ", term_bold(), term_reset());
    term_put_escaped(stdout, model, strlen(model), 0, NULL);
    printf("\n  %s%-10s%s", term_cyan(), "against", term_reset());
    if (r->evidence) {
        term_put_escaped(stdout, r->evidence, strlen(r->evidence), 0, NULL);
        printf(" (%s)\n", kind_label(r->kind));
    } else {
        printf("%s\n", kind_label(r->kind));
    }
    if (r->files.n) count_line("files", &r->files);
    if (r->tensors.n) count_line("tensors", &r->tensors);
    if (r->streams.n) count_line("all data", &r->streams);
    if (r->embedded.n) count_line("modelspec", &r->embedded);
    if (r->has_digest)
        printf("  %s%-10s%s%s%s%s\n", term_cyan(), "digest", term_reset(),
               r->digest_status == CK_VS_OK ? "" : term_red(), r->digest_status == CK_VS_OK ? "ok" : "differs",
               term_reset());
    problems("file", &r->files);
    problems("tensor", &r->tensors);
    problems("data of", &r->streams);
    problems("modelspec of", &r->embedded);
    for (size_t i = 0; i < r->ev.n_skipped; i++) {
        const ck_ev_skipped *s = &r->ev.skipped[i];
        printf("%s%-9s%s line %d: ", term_yellow(), "UNCHECKED", term_reset(), s->line);
        term_put_escaped(stdout, s->text, strlen(s->text), 80, NULL);
        printf(": %s\n", s->why);
    }
    printf("%sresult%s  %s%s%s\n", term_bold(), term_reset(), r->ok ? term_green() : term_red(),
           r->ok ? "OK" : "MISMATCH", term_reset());
}

/* --sha256 HEX */
static int take_option(void *ctx, int opt, const char *arg) {
    if (opt != OPT_SHA256) return CLI_OPT_UNKNOWN;
    *(const char **)ctx = arg;
    return 0;
}

int cmd_verify(int argc, char **argv) {
    static const struct option longopts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"sha256", required_argument, NULL, OPT_SHA256},
        {NULL, 0, NULL, 0},
    };
    cli_common common = {0};
    const char *sha256 = NULL;
    int bad = cli_parse_options(argc, argv, longopts, &common, usage, take_option, &sha256);
    if (bad) return bad;
    int npos = argc - optind;
    if (sha256 ? npos != 1 : npos < 1 || npos > 2)
        return cli_usage_error(usage, sha256 ? "--sha256 HEX takes exactly one FILE" : "verify takes one or two arguments");
    term_setup(common.json ? COLOR_NEVER : common.color);
    progress bar;
    progress_init(&bar, "verify", !common.no_progress && !common.quiet);
    ck_verify_opts vo = {.threads = common.threads, .progress = progress_update, .progress_ctx = &bar};
    ck_verify_result r = {0};
    ck_evidence ev = {0};
    ck_diag d;
    ck_diag_init(&d, 0);
    const char *model = argv[argc - 1];
    ck_status st;
    if (sha256) {
        st = ck_evidence_sha256(&ev, sha256, &d);
        if (st == CK_OK) st = ck_verify_evidence(&ev, model, &vo, &r, &d);
    } else if (npos == 1) {
        st = ck_verify_embedded(model, &vo, &r, &d);
    } else if (ck_evidence_sniff(argv[optind])) {
        st = ck_evidence_load(&ev, argv[optind], &d);
        if (st == CK_OK) st = ck_verify_evidence(&ev, model, &vo, &r, &d);
    } else {
        st = ck_verify_models(argv[optind], model, &vo, &r, &d);
    }
    progress_done(&bar);
    int rc;
    if (st != CK_OK) {
        rc = cli_fail(&d, model);
    } else if (r.checked == 0 && r.ok) {
        fprintf(stderr, "ckpt: %s: nothing in the evidence could be checked against this model\n", model);
        rc = EXIT_TROUBLE;
    } else {
        if (common.json) print_json(&r, model);
        else print_text(&r, model);
        rc = r.ok ? EXIT_SAME : EXIT_DIFFER;
    }
    ck_verify_result_free(&r);
    ck_evidence_free(&ev);
    ck_diag_free(&d);
    return cli_flush_stdout(rc);
}
