/* The parts of `ckpt convert`: the tensor plan (convert_plan.c), the
 * metadata (convert_meta.c), the output files (convert_files.c) and the
 * parallel copy, cast and quantization of the values (convert_run.c). */
#ifndef CK_OPS_CONVERT_INTERNAL_H
#define CK_OPS_CONVERT_INTERNAL_H

#include "ckpt/convert.h"
#include "ckpt/out.h"
#include "ckpt/write.h"
#include "core/decode.h"
#include "io/arena.h"

/* A run of an input tensor's elements that an output tensor is made of. */
typedef struct cpiece {
    size_t tensor;           /* index in the input's tensors */
    uint64_t elem0, nelems;
    ck_decoder dec;
} cpiece;

/* How one output tensor is made. Its result entry is r->tensors[i] for the
 * plan's tensor i. */
typedef struct ctensor {
    cpiece *pieces;          /* concatenated in order (experts stacked) */
    size_t n_pieces;
    uint64_t row_len;        /* with a permutation: elements a permuted row */
    uint64_t rows;           /* with a permutation: rows */
    bool to_gguf_order;      /* output rows in llama.cpp's order (else Hugging Face's) */
    bool raw;                /* stored bytes carried over as they are */
} ctensor;

typedef struct conv_plan {
    const ck_model *m;
    const ck_convert_opts *o;
    ck_convert_result *r;
    ck_diag *d;
    const ck_name_map *map;
    ctensor *t;              /* r->n_tensors of them */
    ck_arena *arena;
    ck_kv *kvs;              /* metadata to write: GGUF kvs, or safetensors strings */
    size_t n_kvs, cap_kvs;
    /* output files: r->n_files of them, then the index when there is one */
    ck_out *outs;
    size_t n_outs;
    char *index_text;        /* the safetensors index, written at commit */
} conv_plan;

/* The output tensors: names, sources, shapes, dtypes, sizes. */
ck_status convert_plan_tensors(conv_plan *p);
/* The type each output tensor gets under the mix of o->mix, before any
 * fallback: asked[i] for tensor i. */
ck_status convert_mix_types(const conv_plan *p, ck_dtype *asked);
/* The llama_ftype (general.file_type) of a mix. */
uint32_t convert_mix_ftype(ck_quant_mix mix);
/* The metadata of the output. */
ck_status convert_plan_metadata(conv_plan *p);
/* Paths, shards, headers; the files opened and their headers written. */
ck_status convert_open_files(conv_plan *p, const char *out_path);
/* Write len bytes at offset off of output file `file`. */
ck_status convert_write(conv_plan *p, uint32_t file, const void *buf, size_t len, uint64_t off);
/* Copy len bytes at in_off of input file in to offset off of output file
 * `file` (in the kernel where it can). */
ck_status convert_copy(conv_plan *p, uint32_t file, const ck_file *in, uint64_t in_off, size_t len, uint64_t off);
/* Every tensor's bytes, in parallel, into the open files. */
ck_status convert_run(conv_plan *p);
/* Sync every file and put all of them in place, or none. */
ck_status convert_commit_files(conv_plan *p);
void convert_abort_files(conv_plan *p);

/* Append a kv to the plan (key and value must outlive the plan). */
ck_status convert_push_kv(conv_plan *p, const char *key, size_t key_len, const ck_value *v);

/* Report a finding of a conversion rule about a tensor (name may be NULL). */
ck_status convert_fail(conv_plan *p, const ck_rule *rule, const char *tensor, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
