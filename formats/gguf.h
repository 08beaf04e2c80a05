/* GGUF: single files and gguf-split sets. */
#ifndef CK_FORMATS_GGUF_H
#define CK_FORMATS_GGUF_H

#include "model_build.h"

/* Read the GGUF file m->files[fi] and append its metadata and tensors. */
ck_status ck_gguf_read(ck_model *m, uint32_t fi, ck_diag *d);

/* Open a GGUF file; the first part of a split (PREFIX-00001-of-0000N.gguf)
 * opens every part as one model. */
ck_status ck_gguf_open(ck_model **out, const char *path, ck_diag *d);

#endif
