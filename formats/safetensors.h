/* safetensors: single files and sharded sets with their index. */
#ifndef CK_FORMATS_SAFETENSORS_H
#define CK_FORMATS_SAFETENSORS_H

#include "model_build.h"

/* Read the safetensors file m->files[fi] and append its tensors, and its
 * __metadata__ entries if keep_metadata. */
ck_status ck_st_read(ck_model *m, uint32_t fi, bool keep_metadata, ck_diag *d);

/* Hyper-parameters from dir/config.json, when there is one. */
ck_status ck_st_load_config(ck_model *m, const char *dir, ck_diag *d);

/* Open one .safetensors file (and the config.json beside it). */
ck_status ck_st_open(ck_model **out, const char *path, ck_diag *d);

/* Open a shard set from its index (model.safetensors.index.json). */
ck_status ck_st_open_index(ck_model **out, const char *index_path, ck_diag *d);

/* Parse index JSON bytes: the shard file of every tensor, in file order.
 * Exposed for the fuzzer; see st_index.c. */
typedef struct ck_st_index {
    size_t n;
    char **tensor;           /* n tensor names */
    char **shard;            /* the shard of each tensor */
    size_t n_shards;
    char **shards;           /* distinct shard names, in order of first use */
    bool has_total_size;
    uint64_t total_size;
} ck_st_index;

ck_status ck_st_index_parse(ck_st_index *idx, const char *path, const void *data, size_t size,
                            ck_diag *d);
void ck_st_index_free(ck_st_index *idx);

#endif
