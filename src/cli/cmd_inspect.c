/* ===== 'inspect': what a model file is ===== */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "cli.h"
#include "json_writer.h"
#include "render_value.h"

enum { OPT_TENSORS = OPT_COMMAND_BASE, OPT_FULL };

static const char usage[] =
    "usage: ckpt inspect [OPTIONS] MODEL\n\n"
    "What a model is: format, architecture, parameter count, file type, bits per\n"
    "weight, the dtype and quantization mix, hyper-parameters and metadata.\n\n"
    "options:\n"
    "  --tensors          list every tensor (name, dtype, shape, offset, size)\n"
    "  --full             show long arrays and strings (token lists, templates) in full\n";

typedef struct inspect_opts {
    cli_common common;
    bool tensors, full;
} inspect_opts;

/* A string-valued metadata entry, or NULL. */
static const ck_str *kv_string(const ck_model *m, const char *key) {
    const ck_kv *kv = ck_model_kv(m, key);
    return kv && kv->value.type == CK_V_STR ? &kv->value.v.s : NULL;
}

/* ===== JSON ===== */

static void json_int_or_null(jw *w, const char *key, int64_t v) {
    jw_key(w, key);
    if (v < 0) jw_null(w);
    else jw_int(w, v);
}

/* GGUF's ne: the shape, innermost dimension first. */
static void json_ne(jw *w, const ck_tensor *t) {
    jw_arr_inline(w);
    for (uint32_t j = 0; j < t->rank; j++) jw_int(w, t->shape[t->rank - 1 - j]);
    jw_arr_end(w);
}

/* The header facts of a GGUF file. */
static void json_gguf_fields(jw *w, const ck_model_file *f) {
    jw_key(w, "version");
    jw_uint(w, f->gguf_version);
    jw_key(w, "byte_order");
    jw_str(w, f->big_endian ? "big" : "little");
    jw_key(w, "alignment");
    jw_uint(w, f->alignment);
    jw_key(w, "data_offset");
    jw_uint(w, f->data_offset);
    jw_key(w, "kv_count");
    jw_uint(w, f->kv_count);
    jw_key(w, "tensor_count");
    jw_uint(w, f->tensor_count);
}

static void json_files(jw *w, const ck_model *m) {
    jw_key(w, "files");
    jw_arr(w);
    for (uint32_t i = 0; i < m->n_files; i++) {
        const ck_model_file *f = &m->files[i];
        jw_obj(w);
        jw_key(w, "path");
        jw_str(w, f->map.path);
        jw_key(w, "size");
        jw_uint(w, f->map.size);
        if (m->format == CK_FORMAT_GGUF) {
            json_gguf_fields(w, f);
        } else {
            jw_key(w, "header_length");
            jw_uint(w, f->st_header_len);
            jw_key(w, "data_offset");
            jw_uint(w, f->data_offset);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (m->format == CK_FORMAT_GGUF && m->n_files > 0) {
        jw_key(w, "gguf");
        jw_obj(w);
        json_gguf_fields(w, &m->files[0]);
        jw_obj_end(w);
    }
}

static void json_metadata(jw *w, const ck_model *m, bool full) {
    jw_key(w, "metadata");
    jw_obj(w);
    for (size_t i = 0; i < m->n_kvs; i++) {
        jw_keyn(w, m->kvs[i].key.ptr, (size_t)m->kvs[i].key.len);
        render_value_json(w, &m->kvs[i].value, full);
    }
    jw_obj_end(w);
    jw_key(w, "metadata_types");
    jw_obj(w);
    for (size_t i = 0; i < m->n_kvs; i++) {
        char type[48];
        render_type_name(type, sizeof type, &m->kvs[i].value);
        jw_keyn(w, m->kvs[i].key.ptr, (size_t)m->kvs[i].key.len);
        jw_str(w, type);
    }
    jw_obj_end(w);
}

static void json_opt_string(jw *w, const char *key, const ck_str *s) {
    jw_key(w, key);
    if (s) jw_strn(w, s->ptr, (size_t)s->len);
    else jw_null(w);
}

static void json_hparams(jw *w, const ck_hparams *h) {
    jw_key(w, "hparams");
    jw_obj(w);
    jw_key(w, "source");
    jw_str(w, h->source[0] ? h->source : NULL);
    json_int_or_null(w, "layers", h->n_layer);
    json_int_or_null(w, "context_length", h->n_ctx);
    json_int_or_null(w, "embedding_length", h->n_embd);
    json_int_or_null(w, "feed_forward_length", h->n_ff);
    json_int_or_null(w, "head_count", h->n_head);
    json_int_or_null(w, "head_count_kv", h->n_head_kv);
    json_int_or_null(w, "expert_count", h->n_expert);
    json_int_or_null(w, "expert_used_count", h->n_expert_used);
    json_int_or_null(w, "vocab_size", h->n_vocab);
    jw_key(w, "rope_freq_base");
    jw_double(w, h->rope_theta);
    jw_key(w, "norm_eps");
    jw_double(w, h->norm_eps);
    jw_obj_end(w);
}

static void json_tensors(jw *w, const ck_model *m) {
    jw_key(w, "tensors");
    jw_arr(w);
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        jw_obj(w);
        render_tensor_head_json(w, t);
        jw_key(w, "ne");
        json_ne(w, t);
        jw_key(w, "file");
        jw_str(w, m->files[t->file].map.path);
        jw_key(w, "offset");
        jw_uint(w, t->offset);
        jw_key(w, "nbytes");
        jw_uint(w, t->nbytes);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void print_json(const ck_model *m, const ck_inspect *s, const inspect_opts *o) {
    jw w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "schema");
    jw_str(&w, "ckpt.inspect/1");
    jw_key(&w, "format");
    jw_str(&w, ck_format_name(m->format));
    jw_key(&w, "path");
    jw_str(&w, m->path);
    json_files(&w, m);
    json_metadata(&w, m, o->full);
    jw_key(&w, "architecture");
    jw_str(&w, m->hparams.arch[0] ? m->hparams.arch : NULL);
    json_opt_string(&w, "name", kv_string(m, "general.name"));
    json_opt_string(&w, "license", kv_string(m, "general.license"));
    jw_key(&w, "tensor_count");
    jw_uint(&w, m->n_tensors);
    jw_key(&w, "param_count");
    jw_uint(&w, s->param_count);
    jw_key(&w, "tensor_bytes");
    jw_uint(&w, s->tensor_bytes);
    jw_key(&w, "file_bytes");
    jw_uint(&w, s->file_bytes);
    jw_key(&w, "bits_per_weight");
    jw_double(&w, s->bits_per_weight);
    jw_key(&w, "file_type");
    jw_str(&w, s->file_type);
    jw_key(&w, "file_type_guessed");
    jw_bool(&w, s->file_type_guessed);
    json_hparams(&w, &m->hparams);
    jw_key(&w, "dtypes");
    jw_obj(&w);
    for (size_t i = 0; i < s->n_mix; i++) {
        jw_key(&w, ck_dtype_name(s->mix[i].dtype));
        jw_obj(&w);
        jw_key(&w, "tensors");
        jw_uint(&w, s->mix[i].tensors);
        jw_key(&w, "params");
        jw_uint(&w, s->mix[i].params);
        jw_key(&w, "bytes");
        jw_uint(&w, s->mix[i].bytes);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    json_tensors(&w, m);
    jw_obj_end(&w);
    jw_done(&w);
}

/* ===== text ===== */

static void heading(const char *title) {
    printf("\n%s%s%s\n", term_bold(), title, term_reset());
}

static void field(const char *label) { printf("  %s%-14s%s", term_cyan(), label, term_reset()); }

static void text_escaped_line(const ck_str *s) {
    term_put_escaped(stdout, s->ptr, (size_t)s->len, 100, NULL);
    putchar('\n');
}

static void text_summary(const ck_model *m, const ck_inspect *s) {
    char a[64], b[64];
    printf("%s", term_bold());
    term_put_escaped(stdout, m->path, strlen(m->path), 0, NULL);
    printf("%s\n", term_reset());
    const ck_model_file *f0 = &m->files[0];
    field("format");
    if (m->format == CK_FORMAT_GGUF)
        printf("GGUF v%u, %s-endian, alignment %u%s\n", f0->gguf_version,
               f0->big_endian ? "big" : "little", f0->alignment,
               m->n_files > 1 ? ", split" : "");
    else
        printf("safetensors%s\n", m->n_files > 1 ? ", sharded" : "");
    field("architecture");
    printf("%s\n", m->hparams.arch[0] ? m->hparams.arch : "-");
    const ck_str *name = kv_string(m, "general.name");
    if (name) {
        field("name");
        text_escaped_line(name);
    }
    const ck_str *lic = kv_string(m, "general.license");
    if (lic) {
        field("license");
        text_escaped_line(lic);
    }
    field("parameters");
    printf("%s (%s)\n", fmt_count(a, sizeof a, s->param_count), fmt_thousands(b, sizeof b, s->param_count));
    field("file type");
    if (s->file_type)
        printf("%s%s\n", s->file_type, s->file_type_guessed ? " (guessed from the most common tensor type)" : "");
    else if (s->file_type_id >= 0)
        printf("unknown (general.file_type = %lld)\n", (long long)s->file_type_id);
    else
        printf("-\n");
    field("size");
    printf("%s in %u file%s (%s bytes)\n", fmt_bytes(a, sizeof a, s->file_bytes), m->n_files,
           m->n_files == 1 ? "" : "s", fmt_thousands(b, sizeof b, s->file_bytes));
    field("tensors");
    printf("%zu, %s of data", m->n_tensors, fmt_bytes(a, sizeof a, s->tensor_bytes));
    if (!isnan(s->bits_per_weight)) printf(", %.2f bits per weight", s->bits_per_weight);
    putchar('\n');
}

static void text_hparams(const ck_hparams *h) {
    static const struct {
        const char *label;
        size_t field;
    } rows[] = {
        {"layers", offsetof(ck_hparams, n_layer)},
        {"context", offsetof(ck_hparams, n_ctx)},
        {"embedding", offsetof(ck_hparams, n_embd)},
        {"feed-forward", offsetof(ck_hparams, n_ff)},
        {"heads", offsetof(ck_hparams, n_head)},
        {"kv heads", offsetof(ck_hparams, n_head_kv)},
        {"experts", offsetof(ck_hparams, n_expert)},
        {"experts used", offsetof(ck_hparams, n_expert_used)},
        {"vocabulary", offsetof(ck_hparams, n_vocab)},
    };
    if (!h->source[0]) return;
    char title[64];
    snprintf(title, sizeof title, "hyper-parameters (from %s)", h->source);
    heading(title);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t v = *(const int64_t *)((const char *)h + rows[i].field);
        if (v < 0) continue;
        field(rows[i].label);
        printf("%lld\n", (long long)v);
    }
    if (!isnan(h->rope_theta)) {
        field("rope base");
        printf("%g\n", h->rope_theta);
    }
    if (!isnan(h->norm_eps)) {
        field("norm epsilon");
        printf("%g\n", h->norm_eps);
    }
}

static void text_mix(const ck_inspect *s) {
    if (!s->n_mix) return;
    heading("dtype mix");
    printf("  %s%-12s %8s %16s %7s %16s %6s%s\n", term_dim(), "dtype", "tensors", "params", "share",
           "bytes", "bits", term_reset());
    for (size_t i = 0; i < s->n_mix; i++) {
        const ck_dtype_mix *x = &s->mix[i];
        char p[32], b[32];
        double share = s->param_count ? 100.0 * (double)x->params / (double)s->param_count : 0;
        printf("  %-12s %8llu %16s %6.1f%% %16s %6.2f\n", ck_dtype_name(x->dtype),
               (unsigned long long)x->tensors, fmt_thousands(p, sizeof p, x->params), share,
               fmt_thousands(b, sizeof b, x->bytes), ck_dtype_bits(x->dtype));
    }
}

static void text_metadata(const ck_model *m, bool full) {
    if (!m->n_kvs) return;
    char title[64];
    snprintf(title, sizeof title, "metadata (%zu key%s)", m->n_kvs, m->n_kvs == 1 ? "" : "s");
    heading(title);
    size_t width = 0;
    for (size_t i = 0; i < m->n_kvs; i++)
        if (m->kvs[i].key.len > width) width = (size_t)m->kvs[i].key.len;
    if (width > 48) width = 48;
    for (size_t i = 0; i < m->n_kvs; i++) {
        const ck_kv *kv = &m->kvs[i];
        char type[48];
        render_type_name(type, sizeof type, &kv->value);
        printf("  %s", term_cyan());
        size_t cols = term_put_escaped(stdout, kv->key.ptr, (size_t)kv->key.len, 64, NULL);
        printf("%s%*s  %s%-15s%s ", term_reset(), (int)(cols < width ? width - cols : 0), "", term_dim(),
               type, term_reset());
        render_value_text(stdout, &kv->value, full, 70);
        putchar('\n');
    }
}

static void text_tensors(const ck_model *m) {
    char title[64];
    snprintf(title, sizeof title, "tensors (%zu)", m->n_tensors);
    heading(title);
    size_t width = 4;
    for (size_t i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].name_len > width) width = m->tensors[i].name_len;
    if (width > 60) width = 60;
    printf("  %s%-*s  %-8s %-22s %14s %14s%s%s\n", term_dim(), (int)width, "name", "dtype", "shape",
           "offset", "bytes", m->n_files > 1 ? "  file" : "", term_reset());
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        char shape[96] = "[";
        size_t used = 1;
        for (uint32_t j = 0; j < t->rank && used < sizeof shape - 24; j++)
            used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%lld", j ? ", " : "",
                                     (long long)t->shape[j]);
        snprintf(shape + used, sizeof shape - used, "]");
        char b[32];
        putchar(' ');
        putchar(' ');
        size_t cols = term_put_escaped(stdout, t->name, t->name_len, 0, NULL);
        printf("%*s  %-8s %-22s %14llu %14s", (int)(cols < width ? width - cols : 0), "",
               ck_dtype_name(t->dtype), shape, (unsigned long long)t->offset,
               fmt_thousands(b, sizeof b, t->nbytes));
        if (m->n_files > 1) {
            const char *p = m->files[t->file].map.path, *slash = strrchr(p, '/');
            printf("  ");
            term_put_escaped(stdout, slash ? slash + 1 : p, strlen(slash ? slash + 1 : p), 0, NULL);
        }
        putchar('\n');
    }
}

static void print_text(const ck_model *m, const ck_inspect *s, const inspect_opts *o) {
    text_summary(m, s);
    text_hparams(&m->hparams);
    text_mix(s);
    text_metadata(m, o->full);
    if (o->tensors) text_tensors(m);
    else if (m->n_tensors && !o->common.quiet)
        printf("\n%s(--tensors lists the %zu tensors)%s\n", term_dim(), m->n_tensors, term_reset());
}

static int take_option(void *ctx, int opt, const char *arg) {
    inspect_opts *o = ctx;
    (void)arg;
    switch (opt) {
    case OPT_TENSORS: o->tensors = true; return 0;
    case OPT_FULL: o->full = true; return 0;
    default: return CLI_OPT_UNKNOWN;
    }
}

int cmd_inspect(int argc, char **argv) {
    static const struct option longopts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"tensors", no_argument, NULL, OPT_TENSORS},
        {"full", no_argument, NULL, OPT_FULL},
        {NULL, 0, NULL, 0},
    };
    inspect_opts o = {0};
    int bad = cli_parse_options(argc, argv, longopts, &o.common, usage, take_option, &o);
    if (bad) return bad;
    if (argc - optind != 1)
        return cli_usage_error(usage, "inspect takes exactly one MODEL (got %d)", argc - optind);
    term_setup(o.common.json ? COLOR_NEVER : o.common.color);
    const char *path = argv[optind];
    ck_model *m;
    int open_rc = cli_open_model(path, &m);
    if (open_rc != EXIT_SAME) return open_rc;
    ck_inspect s;
    ck_inspect_model(m, &s);
    if (o.common.json) print_json(m, &s, &o);
    else print_text(m, &s, &o);
    ck_model_free(m);
    return cli_flush_stdout(EXIT_SAME);
}
