/* ckpt: what a model is. The summary behind `ckpt inspect`. */
#ifndef CKPT_INSPECT_H
#define CKPT_INSPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "ckpt/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One row of the dtype / quantization mix. */
typedef struct ck_dtype_mix {
    ck_dtype dtype;
    uint64_t tensors, params, bytes;
} ck_dtype_mix;

typedef struct ck_inspect {
    uint64_t param_count;        /* elements over all tensors */
    uint64_t tensor_bytes;       /* stored bytes over all tensors */
    uint64_t file_bytes;         /* sizes of all files */
    double bits_per_weight;      /* tensor_bytes * 8 / param_count; NaN with no params */
    const char *file_type;       /* llama.cpp file type name, or NULL */
    bool file_type_guessed;      /* inferred from the most common tensor type */
    int64_t file_type_id;        /* general.file_type, or -1 */
    ck_dtype_mix mix[CK_DT_COUNT];
    size_t n_mix;                /* rows, most parameters first */
} ck_inspect;

void ck_inspect_model(const ck_model *m, ck_inspect *out);

/* llama.cpp's name of a general.file_type value ("Q4_K_M"), or NULL. */
const char *ck_ftype_name(uint32_t ftype);

/* The file type llama.cpp guesses when a model has a most common tensor type
 * d; false when it has none for d. */
bool ck_ftype_guess(ck_dtype d, uint32_t *ftype);

#ifdef __cplusplus
}
#endif

#endif
