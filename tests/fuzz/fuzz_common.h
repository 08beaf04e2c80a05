/* What every reader harness does with a model that was read: walk all of it,
 * so that a reader that accepted bad bytes shows up as a sanitizer report. */
#ifndef CK_FUZZ_COMMON_H
#define CK_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>

#include "ckpt/ckpt.h"
#include "core/decode.h"
#include "model_build.h"

/* Decode a small tensor whole: every kernel must stay inside its blocks
 * whatever their bytes. */
static void decode_tensor(const ck_model *m, const ck_tensor *t) {
    ck_decoder dec;
    if (t->nelems > (1u << 16) || ck_decoder_init(&dec, t->dtype, m->files[t->file].big_endian) != CK_OK) return;
    size_t nblocks = (size_t)(t->nelems / ck_dtype_info_of(t->dtype)->block_elems);
    float *v = malloc((nblocks ? nblocks : 1) * dec.block_values * sizeof *v);
    uint8_t *scratch = malloc(t->nbytes ? (size_t)t->nbytes : 1);
    if (v && scratch) ck_decode(&dec, ck_tensor_data(m, t), nblocks, scratch, v);
    free(v);
    free(scratch);
}

static void walk_value(const ck_value *v, int depth) {
    if (v->type != CK_V_ARR || depth > 8) return;
    ck_array_iter it;
    ck_value e;
    ck_array_iter_init(&it, &v->v.a);
    while (ck_array_next(&it, &e)) walk_value(&e, depth + 1);
}

static void walk_model(const ck_model *m) {
    for (size_t i = 0; i < m->n_kvs; i++) walk_value(&m->kvs[i].value, 0);
    volatile uint64_t sum = 0;
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        const uint8_t *p = ck_tensor_data(m, t);
        /* Touch the first and last byte: both must be inside the input. */
        if (t->nbytes) sum += p[0] + p[t->nbytes - 1];
        if (ck_model_tensor(m, t->name, t->name_len) == NULL) __builtin_trap();
        decode_tensor(m, t);
    }
    ck_inspect s;
    ck_inspect_model(m, &s);
    (void)sum;
}

/* Read data as one file of format fmt with read(), strictly and in collect
 * mode. */
static void fuzz_reader(const uint8_t *data, size_t size, ck_format fmt,
                        ck_status (*read)(ck_model *, uint32_t, ck_diag *)) {
    for (int collect = 0; collect < 2; collect++) {
        ck_model *m = ck_model_new(fmt, "fuzz");
        if (!m) return;
        ck_file f;
        uint32_t fi;
        ck_diag d;
        ck_diag_init(&d, collect);
        if (ck_file_from_memory(&f, "fuzz", data, size) == CK_OK && ck_model_adopt_file(m, &f, &fi) == CK_OK &&
            read(m, fi, &d) == CK_OK && ck_model_index_kvs(m) == CK_OK)
            walk_model(m);
        ck_diag_free(&d);
        ck_model_free(m);
    }
}

#endif
