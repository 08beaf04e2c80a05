/* Building a ck_model: what the readers use to fill one in. */
#ifndef CK_FORMATS_MODEL_BUILD_H
#define CK_FORMATS_MODEL_BUILD_H

#include "ckpt/model.h"
#include "io/arena.h"
#include "io/strmap.h"

/* A new, empty model; NULL when out of memory. */
ck_model *ck_model_new(ck_format format, const char *path);

/* Open path read-only and append it to the model's files. Returns its index
 * in *index. The m->files array may move: re-fetch pointers into it. */
ck_status ck_model_add_file(ck_model *m, const char *path, uint32_t *index, ck_diag *d);
/* Append an already wrapped file (fuzzing, tests). Takes ownership of f. */
ck_status ck_model_adopt_file(ck_model *m, ck_file *f, uint32_t *index);

/* Make room for n more entries, so that appends cannot fail half-way. */
ck_status ck_model_reserve_kvs(ck_model *m, size_t n);
ck_status ck_model_reserve_tensors(ck_model *m, size_t n);

/* Append a zeroed entry; the room must have been reserved. */
ck_kv *ck_model_push_kv(ck_model *m);
ck_tensor *ck_model_push_tensor(ck_model *m);

/* Give the last pushed tensor its name (copied) and index it. Returns 1 when
 * indexed, 0 when the name is taken (the holder's index in *existing), -1 when
 * out of memory. The tensor keeps its name either way. */
int ck_model_name_tensor(ck_model *m, const char *name, size_t len, uint32_t *existing);

/* Remove the tensors i >= first with remove[i - first] set, and re-index the
 * names (collect mode: a reader drops tensors whose bytes cannot be read). */
ck_status ck_model_remove_tensors(ck_model *m, size_t first, const uint8_t *remove);

/* Build the metadata key index once all entries are in. */
ck_status ck_model_index_kvs(ck_model *m);

static inline ck_arena *ck_model_arena(ck_model *m) { return m->arena; }

#endif
