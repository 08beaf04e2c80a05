/* `ckpt convert`: plan the tensors and the metadata, open every output file,
 * write the values, then put all the files in place together. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ckpt/rules.h"
#include "convert_internal.h"
#include "core/quant.h"

const char *ck_names_mode_name(ck_names_mode m) {
    switch (m) {
    case CK_NAMES_KEEP: return "keep";
    case CK_NAMES_GGUF: return "gguf";
    case CK_NAMES_HF: return "hf";
    default: return "auto";
    }
}

ck_status convert_fail(conv_plan *p, const ck_rule *rule, const char *tensor, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ck_where w = {.offset = CK_NO_OFFSET, .tensor = tensor, .tensor_len = tensor ? strlen(tensor) : 0};
    ck_report(p->d, rule, CK_ERR_USAGE, 0, &w, "%s", msg);
    return CK_ERR_USAGE;
}

ck_status convert_push_kv(conv_plan *p, const char *key, size_t key_len, const ck_value *v) {
    if (p->n_kvs == p->cap_kvs) {
        size_t cap = p->cap_kvs ? p->cap_kvs * 2 : 64;
        ck_kv *g = realloc(p->kvs, cap * sizeof *g);
        if (!g) return CK_ERR_NOMEM;
        p->kvs = g;
        p->cap_kvs = cap;
    }
    p->kvs[p->n_kvs++] = (ck_kv){.key = {key, key_len}, .value = *v, .offset = CK_NO_OFFSET};
    p->r->n_kv = p->n_kvs;
    return CK_OK;
}

/* Which naming the output gets, and through which map. */
static ck_status resolve_names(conv_plan *p) {
    const ck_convert_opts *o = p->o;
    ck_convert_result *r = p->r;
    p->map = o->map ? ck_name_map_named(o->map) : ck_name_map_for_arch(p->m->hparams.arch);
    if (o->map && !p->map) return convert_fail(p, &CK_RULE_CONVERT_NAMES, NULL, "no name map called %s", o->map);
    bool from_gguf = p->m->format == CK_FORMAT_GGUF;
    r->names = o->names;
    if (r->names == CK_NAMES_AUTO) {
        if (o->to == CK_FORMAT_GGUF) r->names = !from_gguf && p->map ? CK_NAMES_GGUF : CK_NAMES_KEEP;
        else r->names = from_gguf && p->map ? CK_NAMES_HF : CK_NAMES_KEEP;
    }
    /* Renaming needs a map, unless the names are already in that scheme. */
    bool renames = (r->names == CK_NAMES_GGUF && !from_gguf) || (r->names == CK_NAMES_HF && from_gguf);
    if (renames && !p->map)
        return convert_fail(p, &CK_RULE_CONVERT_NAMES, NULL,
                            "no name map for architecture '%s' (--map NAME picks one, --names keep keeps the names)",
                            p->m->hparams.arch[0] ? p->m->hparams.arch : "unknown");
    r->map = renames ? ck_name_map_name(p->map) : NULL;
    return CK_OK;
}

static ck_status check_opts(conv_plan *p) {
    const ck_convert_opts *o = p->o;
    if (!o->has_dtype) return CK_OK;
    const ck_dtype_info *i = ck_dtype_info_of(o->dtype);
    if (o->mix != CK_MIX_NONE && o->to != CK_FORMAT_GGUF)
        return convert_fail(p, &CK_RULE_CONVERT_STORE, NULL, "ckpt cannot write %s tensors in %s",
                            ck_quant_mix_name(o->mix), ck_format_name(o->to));
    bool held = o->to == CK_FORMAT_GGUF ? i->gguf_id >= 0 : i->st_name != NULL;
    if (!held || !ck_quant_kernel(o->dtype) || (o->to == CK_FORMAT_SAFETENSORS && i->kind != CK_KIND_FLOAT))
        return convert_fail(p, &CK_RULE_CONVERT_STORE, NULL, "ckpt cannot write %s tensors in %s", i->name,
                            ck_format_name(o->to));
    return CK_OK;
}

static void plan_free(conv_plan *p) {
    for (size_t i = 0; p->t && i < p->r->n_tensors; i++) free(p->t[i].pieces);
    free(p->t);
    free(p->kvs);
    free(p->outs);
    free(p->index_text);
    ck_arena_free(p->arena);
}

ck_status ck_convert(const ck_model *m, const char *out_path, const ck_convert_opts *o, ck_convert_result *r,
                     ck_diag *d) {
    memset(r, 0, sizeof *r);
    r->to = o->to;
    conv_plan p = {.m = m, .o = o, .r = r, .d = d, .arena = ck_arena_new()};
    ck_status st = p.arena ? CK_OK : CK_ERR_NOMEM;
    if (st == CK_OK) st = check_opts(&p);
    if (st == CK_OK) st = resolve_names(&p);
    if (st == CK_OK) st = convert_plan_tensors(&p);
    if (st == CK_OK) st = convert_plan_metadata(&p);
    if (st == CK_OK) st = convert_open_files(&p, out_path);
    if (st == CK_OK) st = convert_run(&p);
    if (st == CK_OK) st = convert_commit_files(&p);
    if (st != CK_OK) convert_abort_files(&p);
    plan_free(&p);
    if (st != CK_OK) ck_convert_result_free(r);
    return st;
}

void ck_convert_result_free(ck_convert_result *r) {
    for (size_t i = 0; i < r->n_tensors; i++) {
        free(r->tensors[i].name);
        free(r->tensors[i].source);
    }
    free(r->tensors);
    for (uint32_t i = 0; i < r->n_files; i++) free(r->files[i].path);
    free(r->files);
    free(r->index);
    for (size_t i = 0; i < r->n_dropped; i++) free(r->dropped[i]);
    free(r->dropped);
    memset(r, 0, sizeof *r);
}

bool ck_parse_size(const char *s, uint64_t *out) {
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {
        {"", 1}, {"b", 1}, {"k", 1000}, {"kb", 1000}, {"m", 1000000}, {"mb", 1000000},
        {"g", 1000000000}, {"gb", 1000000000}, {"t", 1000000000000}, {"tb", 1000000000000},
        {"kib", 1ull << 10}, {"mib", 1ull << 20}, {"gib", 1ull << 30}, {"tib", 1ull << 40},
    };
    if (!s || !isdigit((unsigned char)*s)) return false;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ') end++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].unit) != 0) continue;
        double bytes = v * (double)units[i].mult;
        if (!(bytes >= 1) || bytes > 1.8e19) return false;
        *out = (uint64_t)bytes;
        return true;
    }
    return false;
}
