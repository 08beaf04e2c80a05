/* ===== 'convert': the model in another format, dtype, naming or sharding ===== */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/convert.h"
#include "ckpt/inspect.h"
#include "cli.h"
#include "json_writer.h"
#include "progress.h"

enum { OPT_TO = OPT_COMMAND_BASE, OPT_DTYPE, OPT_NAMES, OPT_MAP, OPT_SHARD_SIZE, OPT_FORCE, OPT_NO_SYNC, OPT_LIST };

static const char usage[] =
    "usage: ckpt convert [OPTIONS] MODEL OUT\n\n"
    "Write MODEL in another format, dtype, naming or sharding: safetensors <-> GGUF,\n"
    "float casts and ggml quantization. Every tensor that can lose precision is\n"
    "decoded again as it is written and its SNR against the input reported. The\n"
    "output format comes from OUT's name (.gguf, .safetensors,\n"
    ".safetensors.index.json; a folder needs --to). A failed or killed conversion\n"
    "leaves nothing at OUT; the input is never written over.\n\n"
    "options:\n"
    "  --to FORMAT        gguf or safetensors\n"
    "  --dtype TYPE       f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k\n"
    "                     q6_k iq4_nl iq4_xs tq1_0 tq2_0 mxfp4 (safetensors: f32 f16\n"
    "                     bf16), every weight in TYPE; or llama-quantize's mixes\n"
    "                     q3_k_s q3_k_m q3_k_l q4_k_s q4_k_m q5_k_s q5_k_m, which give\n"
    "                     output, attn_v, ffn_down and attn_output more bits by its\n"
    "                     rules. GGUF: 1-D tensors and MoE routers stay F32, and a\n"
    "                     row that is not whole blocks of TYPE falls back as\n"
    "                     llama-quantize does. Default: each tensor's own dtype, or\n"
    "                     F32 for quantized tensors going to safetensors.\n"
    "  --names SCHEME     gguf: llama.cpp's names, q/k rows permuted, experts\n"
    "                     stacked; hf: Hugging Face's names, permutation undone;\n"
    "                     keep. Default: gguf from safetensors to GGUF, hf from GGUF\n"
    "                     to safetensors, else keep.\n"
    "  --map NAME         the name map (llama, mistral, mixtral, qwen2, qwen3,\n"
    "                     qwen2moe, qwen3moe); default: from the architecture\n"
    "  --shard-size SIZE  at most SIZE of tensor bytes a file (5GB, 500MiB, ...):\n"
    "                     safetensors shards with their index, or GGUF splits\n"
    "  --force            replace existing output files\n"
    "  --no-sync          put the files in place without waiting for the disk\n"
    "                     (faster; a power loss may then leave a damaged file)\n"
    "  --list             list every tensor written\n";

typedef struct convert_cli {
    cli_common common;
    ck_convert_opts o;
    bool to_set, list;
} convert_cli;

/* ===== text ===== */

static int snr_cmp(const void *x, const void *y) {
    const ck_convert_tensor *a = *(ck_convert_tensor *const *)x, *b = *(ck_convert_tensor *const *)y;
    return a->snr_db < b->snr_db ? -1 : a->snr_db > b->snr_db;
}

static bool same_fallback(const ck_convert_tensor *a, const ck_convert_tensor *b) {
    return a->to == b->to && a->asked == b->asked && a->shape[a->rank - 1] == b->shape[b->rank - 1];
}

/* One line for each kind of fallback (dtype asked, dtype written, row
 * length), naming its first tensors: a model has many alike. */
#define FALLBACK_NAMES 3

static void print_fallbacks(const ck_convert_result *r) {
    for (size_t i = 0; i < r->n_tensors; i++) {
        const ck_convert_tensor *t = &r->tensors[i];
        bool first = t->fallback;
        for (size_t k = 0; first && k < i; k++) first = !(r->tensors[k].fallback && same_fallback(&r->tensors[k], t));
        if (!first) continue;
        size_t n = 0;
        printf("  %-10s%s for %s (rows of %lld values, blocks of %u): ", "fallback", ck_dtype_name(t->to),
               ck_dtype_name(t->asked), (long long)t->shape[t->rank - 1], ck_dtype_info_of(t->asked)->block_elems);
        for (size_t k = i; k < r->n_tensors; k++) {
            if (!r->tensors[k].fallback || !same_fallback(&r->tensors[k], t)) continue;
            if (n < FALLBACK_NAMES) printf("%s%s", n ? ", " : "", r->tensors[k].name);
            n++;
        }
        if (n > FALLBACK_NAMES) printf(" and %zu more", n - FALLBACK_NAMES);
        putchar('\n');
    }
}

static void print_dtypes(const ck_convert_result *r, ck_quant_mix mix) {
    size_t count[CK_DT_COUNT] = {0}, fallbacks = 0;
    for (size_t i = 0; i < r->n_tensors; i++) {
        count[r->tensors[i].to]++;
        fallbacks += r->tensors[i].fallback;
    }
    printf("  %-10s", "dtypes");
    if (mix != CK_MIX_NONE) printf("%s mix: ", ck_quant_mix_name(mix));
    const char *sep = "";
    for (int d = 0; d < CK_DT_COUNT; d++) {
        if (!count[d]) continue;
        printf("%s%s %zu", sep, ck_dtype_name((ck_dtype)d), count[d]);
        sep = ", ";
    }
    if (fallbacks) printf("  (%zu fallback%s)", fallbacks, fallbacks == 1 ? "" : "s");
    if (r->requantized) printf("  %srequantized%s", term_yellow(), term_reset());
    putchar('\n');
    print_fallbacks(r);
}

static void print_quality(const ck_convert_result *r) {
    const ck_convert_tensor **lossy = malloc((r->n_tensors ? r->n_tensors : 1) * sizeof *lossy);
    size_t n = 0, exact = 0;
    uint64_t nonfinite = 0, overflow = 0;
    for (size_t i = 0; lossy && i < r->n_tensors; i++) {
        const ck_convert_tensor *t = &r->tensors[i];
        nonfinite += t->nonfinite;
        overflow += t->overflow;
        if (t->exact) exact++;
        else if (!isnan(t->snr_db)) lossy[n++] = t;
    }
    printf("  %-10s%zu tensors exact", "values", exact);
    if (n && lossy) {
        qsort(lossy, n, sizeof *lossy, snr_cmp);
        printf(", %zu lossy: SNR %.2f dB worst (%s), %.2f dB median", n, lossy[0]->snr_db, lossy[0]->name,
               lossy[n / 2]->snr_db);
    }
    if (nonfinite) printf(", %s%llu NaN/Inf in the input%s", term_yellow(), (unsigned long long)nonfinite, term_reset());
    if (overflow)
        printf(", %s%llu values out of the output dtype's range (now Inf/NaN)%s", term_red(), (unsigned long long)overflow,
               term_reset());
    putchar('\n');
    free(lossy);
}

static void print_list(const ck_convert_result *r) {
    size_t width = 6;
    for (size_t i = 0; i < r->n_tensors; i++) width = strlen(r->tensors[i].name) > width ? strlen(r->tensors[i].name) : width;
    width = width > 48 ? 48 : width;
    printf("\n%s%-*s  %-8s %-8s %-22s %10s%s\n", term_dim(), (int)width, "tensor", "from", "to", "shape", "SNR dB",
           term_reset());
    for (size_t i = 0; i < r->n_tensors; i++) {
        const ck_convert_tensor *t = &r->tensors[i];
        size_t cols = term_put_escaped(stdout, t->name, strlen(t->name), width, NULL);
        char shape[64] = "[";
        for (uint32_t j = 0; j < t->rank; j++) {
            size_t l = strlen(shape);
            snprintf(shape + l, sizeof shape - l, "%s%lld", j ? ", " : "", (long long)t->shape[j]);
        }
        strncat(shape, "]", sizeof shape - strlen(shape) - 1);
        char snr[32] = "exact";
        if (!t->exact) snprintf(snr, sizeof snr, isnan(t->snr_db) ? "-" : "%.2f", t->snr_db);
        printf("%*s  %-8s %-8s %-22s %10s%s\n", (int)(width - cols), "", ck_dtype_name(t->from), ck_dtype_name(t->to),
               shape, snr, t->permute_heads ? "  permuted" : t->n_sources > 1 ? "  stacked" : "");
    }
}

static void print_text(const char *in, const ck_convert_result *r, const convert_cli *c) {
    char b1[32], b2[32];
    printf("%sckpt convert%s  %s -> %s\n", term_bold(), term_reset(), in, r->index ? r->index : r->files[0].path);
    printf("  %-10s%s, %u file%s, %zu tensors, %s -> %s", "output", r->to == CK_FORMAT_GGUF ? "GGUF" : "safetensors",
           r->n_files, r->n_files == 1 ? "" : "s", r->n_tensors, fmt_bytes(b1, sizeof b1, r->bytes_in),
           fmt_bytes(b2, sizeof b2, r->bytes_out));
    uint64_t tensor_bytes = 0;
    for (size_t i = 0; i < r->n_tensors; i++) tensor_bytes += r->tensors[i].nbytes;
    if (r->params) printf(" (%.2f bits per weight)", 8.0 * (double)tensor_bytes / (double)r->params);
    putchar('\n');
    size_t permuted = 0, stacked = 0, split = 0;
    for (size_t i = 0; i < r->n_tensors; i++) {
        permuted += r->tensors[i].permute_heads > 0;
        stacked += r->tensors[i].n_sources > 1;
        split += r->tensors[i].expert >= 0;
    }
    printf("  %-10s%s", "names", ck_names_mode_name(r->names));
    if (r->map) printf(" (map %s): %zu permuted, %zu stacked, %zu experts apart, %zu dropped, %zu unmapped", r->map,
                       permuted, stacked, split, r->n_dropped, r->n_unmapped);
    putchar('\n');
    print_dtypes(r, c->o.mix);
    printf("  %-10s%zu entries", "metadata", r->n_kv);
    if (r->n_kv_config) printf(" (%zu from config.json)", r->n_kv_config);
    if (r->to == CK_FORMAT_GGUF) {
        const char *ft = ck_ftype_name(r->file_type);
        printf(", general.file_type %u", r->file_type);
        if (ft) printf(" (%s)", ft);
    }
    putchar('\n');
    print_quality(r);
    if (c->list) print_list(r);
    if (r->n_files > 1 || r->index) {
        putchar('\n');
        for (uint32_t i = 0; i < r->n_files; i++)
            printf("  %s  %s\n", r->files[i].path, fmt_bytes(b1, sizeof b1, r->files[i].bytes));
    }
}

/* ===== JSON ===== */

static void json_dtype_or_null(jw *w, bool set, ck_dtype d) {
    if (set) jw_str(w, ck_dtype_name(d));
    else jw_null(w);
}

static void json_num_or_null(jw *w, double v) {
    if (isnan(v)) jw_null(w);
    else jw_double(w, v);
}

static void json_tensor(jw *w, const ck_convert_tensor *t) {
    jw_obj(w);
    jw_key(w, "name"); jw_str(w, t->name);
    jw_key(w, "source"); jw_str(w, t->source);
    jw_key(w, "experts_stacked"); jw_uint(w, t->n_sources > 1 ? t->n_sources : 0);
    jw_key(w, "expert");
    if (t->expert >= 0) jw_int(w, t->expert);
    else jw_null(w);
    jw_key(w, "dtype_in"); jw_str(w, ck_dtype_name(t->from));
    jw_key(w, "dtype"); jw_str(w, ck_dtype_name(t->to));
    jw_key(w, "fallback_for"); json_dtype_or_null(w, t->fallback, t->asked);
    jw_key(w, "permuted_heads");
    if (t->permute_heads) jw_int(w, t->permute_heads);
    else jw_null(w);
    jw_key(w, "shape");
    jw_int_array(w, t->shape, t->rank);
    jw_key(w, "bytes"); jw_uint(w, t->nbytes);
    jw_key(w, "file"); jw_uint(w, t->file);
    jw_key(w, "offset"); jw_uint(w, t->offset);
    jw_key(w, "exact"); jw_bool(w, t->exact);
    jw_key(w, "snr_db"); json_num_or_null(w, t->snr_db);
    jw_key(w, "rel_l2"); json_num_or_null(w, t->rel_l2);
    jw_key(w, "nonfinite"); jw_uint(w, t->nonfinite);
    jw_key(w, "overflow"); jw_uint(w, t->overflow);
    jw_obj_end(w);
}

static void print_json(const char *in, const ck_convert_result *r, const convert_cli *c) {
    jw w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "schema"); jw_str(&w, "ckpt.convert/1");
    jw_key(&w, "input"); jw_str(&w, in);
    jw_key(&w, "output"); jw_str(&w, r->index ? r->index : r->files[0].path);
    jw_key(&w, "format"); jw_str(&w, ck_format_name(r->to));
    jw_key(&w, "names"); jw_str(&w, ck_names_mode_name(r->names));
    jw_key(&w, "map");
    if (r->map) jw_str(&w, r->map);
    else jw_null(&w);
    jw_key(&w, "dtype"); json_dtype_or_null(&w, c->o.has_dtype, c->o.dtype);
    jw_key(&w, "mix");
    if (c->o.mix != CK_MIX_NONE) jw_str(&w, ck_quant_mix_name(c->o.mix));
    else jw_null(&w);
    jw_key(&w, "index");
    if (r->index) jw_str(&w, r->index);
    else jw_null(&w);
    jw_key(&w, "files");
    jw_arr(&w);
    for (uint32_t i = 0; i < r->n_files; i++) {
        jw_obj(&w);
        jw_key(&w, "path"); jw_str(&w, r->files[i].path);
        jw_key(&w, "bytes"); jw_uint(&w, r->files[i].bytes);
        jw_key(&w, "tensors"); jw_uint(&w, r->files[i].n_tensors);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "params"); jw_uint(&w, r->params);
    jw_key(&w, "bytes_in"); jw_uint(&w, r->bytes_in);
    jw_key(&w, "bytes_out"); jw_uint(&w, r->bytes_out);
    jw_key(&w, "file_type");
    if (r->to == CK_FORMAT_GGUF) jw_uint(&w, r->file_type);
    else jw_null(&w);
    jw_key(&w, "metadata_count"); jw_uint(&w, r->n_kv);
    jw_key(&w, "metadata_from_config"); jw_uint(&w, r->n_kv_config);
    jw_key(&w, "requantized"); jw_bool(&w, r->requantized);
    jw_key(&w, "unmapped"); jw_uint(&w, r->n_unmapped);
    jw_key(&w, "dropped");
    jw_arr(&w);
    for (size_t i = 0; i < r->n_dropped; i++) jw_str(&w, r->dropped[i]);
    jw_arr_end(&w);
    double worst = NAN;
    for (size_t i = 0; i < r->n_tensors; i++)
        if (!isnan(r->tensors[i].snr_db) && !(r->tensors[i].snr_db >= worst)) worst = r->tensors[i].snr_db;
    jw_key(&w, "min_snr_db"); json_num_or_null(&w, worst);
    jw_key(&w, "tensors");
    jw_arr(&w);
    for (size_t i = 0; i < r->n_tensors; i++) json_tensor(&w, &r->tensors[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_done(&w);
}

/* ===== options ===== */

static int take_option(void *ctx, int opt, const char *arg) {
    convert_cli *c = ctx;
    switch (opt) {
    case OPT_TO:
        c->to_set = true;
        if (strcmp(arg, "gguf") == 0) c->o.to = CK_FORMAT_GGUF;
        else if (strcmp(arg, "safetensors") == 0) c->o.to = CK_FORMAT_SAFETENSORS;
        else return cli_usage_error(usage, "--to takes gguf or safetensors, not '%s'", arg);
        return 0;
    case OPT_DTYPE:
        c->o.has_dtype = true;
        c->o.mix = CK_MIX_NONE;
        if (!ck_dtype_from_name(arg, &c->o.dtype) && !ck_quant_mix_from_name(arg, &c->o.mix, &c->o.dtype))
            return cli_usage_error(usage, "unknown --dtype '%s'", arg);
        return 0;
    case OPT_NAMES:
        if (strcmp(arg, "gguf") == 0) c->o.names = CK_NAMES_GGUF;
        else if (strcmp(arg, "hf") == 0) c->o.names = CK_NAMES_HF;
        else if (strcmp(arg, "keep") == 0) c->o.names = CK_NAMES_KEEP;
        else return cli_usage_error(usage, "--names takes gguf, hf or keep, not '%s'", arg);
        return 0;
    case OPT_MAP:
        if (!ck_name_map_named(arg)) return cli_usage_error(usage, "no name map called '%s'", arg);
        c->o.map = arg;
        return 0;
    case OPT_SHARD_SIZE:
        if (!ck_parse_size(arg, &c->o.shard_size)) return cli_usage_error(usage, "--shard-size takes a size such as 5GB, not '%s'", arg);
        return 0;
    case OPT_FORCE: c->o.force = true; return 0;
    case OPT_NO_SYNC: c->o.no_sync = true; return 0;
    case OPT_LIST: c->list = true; return 0;
    default: return CLI_OPT_UNKNOWN;
    }
}

static bool format_from_name(const char *out, ck_format *f) {
    size_t n = strlen(out);
    if (n >= 5 && strcmp(out + n - 5, ".gguf") == 0) *f = CK_FORMAT_GGUF;
    else if ((n >= 12 && strcmp(out + n - 12, ".safetensors") == 0) ||
             (n >= 23 && strcmp(out + n - 23, ".safetensors.index.json") == 0))
        *f = CK_FORMAT_SAFETENSORS;
    else return false;
    return true;
}

int cmd_convert(int argc, char **argv) {
    static const struct option longopts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"to", required_argument, NULL, OPT_TO},
        {"dtype", required_argument, NULL, OPT_DTYPE},
        {"names", required_argument, NULL, OPT_NAMES},
        {"map", required_argument, NULL, OPT_MAP},
        {"shard-size", required_argument, NULL, OPT_SHARD_SIZE},
        {"force", no_argument, NULL, OPT_FORCE},
        {"no-sync", no_argument, NULL, OPT_NO_SYNC},
        {"list", no_argument, NULL, OPT_LIST},
        {NULL, 0, NULL, 0},
    };
    convert_cli c = {0};
    int bad = cli_parse_options(argc, argv, longopts, &c.common, usage, take_option, &c);
    if (bad) return bad;
    if (argc - optind != 2) return cli_usage_error(usage, "convert takes a MODEL and an OUT");
    const char *in = argv[optind], *out = argv[optind + 1];
    if (!c.to_set && !format_from_name(out, &c.o.to))
        return cli_usage_error(usage, "cannot tell the output format from '%s': use --to gguf or --to safetensors", out);
    term_setup(c.common.json ? COLOR_NEVER : c.common.color);
    ck_model *m;
    int rc = cli_open_model(in, &m);
    if (rc != EXIT_SAME) return rc;
    progress bar;
    progress_init(&bar, "convert", !c.common.no_progress && !c.common.quiet);
    c.o.threads = c.common.threads;
    c.o.progress = progress_update;
    c.o.progress_ctx = &bar;
    ck_convert_result r;
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = ck_convert(m, out, &c.o, &r, &d);
    progress_done(&bar);
    if (st != CK_OK) {
        rc = cli_fail(&d, in);
    } else {
        if (c.common.json) print_json(in, &r, &c);
        else if (!c.common.quiet) print_text(in, &r, &c);
        ck_convert_result_free(&r);
    }
    ck_diag_free(&d);
    ck_model_free(m);
    return cli_flush_stdout(rc);
}
