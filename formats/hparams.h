/* Architecture hyper-parameters from GGUF metadata or a config.json. */
#ifndef CK_FORMATS_HPARAMS_H
#define CK_FORMATS_HPARAMS_H

#include "model_build.h"

/* Fill m->hparams from the GGUF keys llama.cpp reads. */
void ck_hparams_from_gguf(ck_model *m);

/* When m->hparams are still unknown: from GGUF keys that a safetensors
 * __metadata__ holds as JSON (with their types in ckpt.gguf_types). */
void ck_hparams_from_st_metadata(ck_model *m);

/* Fill m->hparams from the config.json at path, if that file exists.
 * A config.json that is not a JSON object is an error (model.config). */
ck_status ck_hparams_from_config(ck_model *m, const char *path, ck_diag *d);

/* llama.cpp's architecture name for a Hugging Face model_type, or NULL. */
const char *ck_arch_for_model_type(const char *model_type);

#endif
