/* The inspect summary: parameter count, dtype mix, bits per weight, file type. */
#include "ckpt/inspect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int mix_cmp(const void *a, const void *b) {
    const ck_dtype_mix *x = a, *y = b;
    if (x->params != y->params) return x->params > y->params ? -1 : 1;
    if (x->tensors != y->tensors) return x->tensors > y->tensors ? -1 : 1;
    return (int)x->dtype - (int)y->dtype;
}

void ck_inspect_model(const ck_model *m, ck_inspect *out) {
    memset(out, 0, sizeof *out);
    out->file_type_id = -1;
    ck_dtype_mix all[CK_DT_COUNT];
    memset(all, 0, sizeof all);
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        all[t->dtype].tensors++;
        all[t->dtype].params += t->nelems;
        all[t->dtype].bytes += t->nbytes;
        out->param_count += t->nelems;
        out->tensor_bytes += t->nbytes;
    }
    for (uint32_t i = 0; i < m->n_files; i++) out->file_bytes += m->files[i].map.size;
    out->bits_per_weight = out->param_count ? 8.0 * (double)out->tensor_bytes / (double)out->param_count : NAN;

    /* The most common type by tensor count, as llama.cpp's loader counts. */
    int most = -1;
    for (int d = 0; d < CK_DT_COUNT; d++) {
        if (!all[d].tensors) continue;
        all[d].dtype = (ck_dtype)d;
        out->mix[out->n_mix++] = all[d];
        if (most < 0 || all[d].tensors > all[most].tensors) most = d;
    }
    qsort(out->mix, out->n_mix, sizeof out->mix[0], mix_cmp);

    const ck_kv *ft = m->format == CK_FORMAT_GGUF ? ck_model_kv(m, "general.file_type") : NULL;
    if (ft && (ft->value.type == CK_V_U32 || ft->value.type == CK_V_U64 ||
               ft->value.type == CK_V_U16 || ft->value.type == CK_V_U8) &&
        ft->value.v.u <= UINT32_MAX) {
        out->file_type_id = (int64_t)ft->value.v.u;
        out->file_type = ck_ftype_name((uint32_t)ft->value.v.u);
        out->file_type_guessed = (ft->value.v.u & 1024) != 0;
    } else if (ft && (ft->value.type == CK_V_I32 || ft->value.type == CK_V_I64) &&
               ft->value.v.i >= 0 && ft->value.v.i <= UINT32_MAX) {
        out->file_type_id = ft->value.v.i;
        out->file_type = ck_ftype_name((uint32_t)ft->value.v.i);
        out->file_type_guessed = (ft->value.v.i & 1024) != 0;
    } else if (most >= 0) {
        uint32_t g;
        if (ck_ftype_guess((ck_dtype)most, &g)) {
            out->file_type = ck_ftype_name(g);
            out->file_type_guessed = true;
        }
    }
}
