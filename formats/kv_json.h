/* GGUF metadata values as JSON text, and back.
 *
 * A safetensors file keeps metadata as strings only. ckpt stores a GGUF
 * value there as its JSON encoding ("llama", 32, 1e-05, ["a","b"]) and its
 * GGUF type as a spec ("UINT32", "ARRAY[STRING]"), so that the value comes
 * back with its type. Non-finite floats, which JSON has no numbers for, are
 * the strings "nan", "inf" and "-inf"; UINT64 values above 2^63 - 1 are
 * decimal strings (JSON readers commonly stop at int64).
 */
#ifndef CK_FORMATS_KV_JSON_H
#define CK_FORMATS_KV_JSON_H

#include "ckpt/model.h"
#include "io/arena.h"

/* The JSON text of v (malloc'd), or NULL when out of memory. */
char *ck_value_json(const ck_value *v);

/* The type spec of v (malloc'd): "UINT32", "ARRAY[STRING]", ... Nested
 * arrays take the element type of their first element. */
char *ck_value_spec(const ck_value *v);

/* Decode JSON text (len bytes) as a value of the type spec says, allocating
 * in a. False (with *why set) when the text does not hold such a value. */
bool ck_value_from_json(const char *json, size_t len, const char *spec, ck_arena *a, ck_value *out,
                        const char **why);

#endif
