/* Metadata values as JSON and as text. */
#ifndef CK_CLI_RENDER_VALUE_H
#define CK_CLI_RENDER_VALUE_H

#include <stdbool.h>
#include <stdio.h>

#include "ckpt/model.h"
#include "json_writer.h"

/* Arrays longer than this are summarised unless full output is asked for. */
#define RENDER_ARRAY_FULL_MAX 32
#define RENDER_ARRAY_HEAD 8

/* "UINT32", "STRING", "ARRAY[STRING]", "ARRAY[ARRAY]". */
void render_type_name(char *buf, size_t n, const ck_value *v);

/* The value in JSON; long arrays as {"type", "count", "head"} unless full. */
void render_value_json(jw *w, const ck_value *v, bool full);

/* A tensor's "name", "dtype" and "shape" (row-major) keys. */
void render_tensor_head_json(jw *w, const ck_tensor *t);

/* The value as text on one line, cut at about max_cols columns unless full. */
void render_value_text(FILE *o, const ck_value *v, bool full, size_t max_cols);

#endif
