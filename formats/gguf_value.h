/* GGUF metadata values: parsing with every size checked, and decoding of the
 * arrays kept as raw bytes. */
#ifndef CK_FORMATS_GGUF_VALUE_H
#define CK_FORMATS_GGUF_VALUE_H

#include "ckpt/io.h"
#include "ckpt/model.h"

/* ggml's limits on strings and arrays (GGUF_MAX_STRING_LENGTH and
 * GGUF_MAX_ARRAY_ELEMENTS), and ckpt's limit on array nesting. */
#define CK_GGUF_MAX_STRING (1ull << 30)
#define CK_GGUF_MAX_ARRAY (1ull << 30)
#define CK_GGUF_MAX_NESTING 4

/* Parse a GGUF string at the cursor into *s (pointing into the mapping).
 * where names the key or tensor it belongs to. */
bool ck_gguf_parse_string(ck_cursor *c, ck_str *s, const char *what, const ck_where *where);

/* Parse a value of GGUF type `type` (already read) at the cursor. */
bool ck_gguf_parse_value(ck_cursor *c, int32_t type, ck_value *out, const ck_where *where);

/* Append v as GGUF stores it, without its type tag (the way array elements
 * are stored), little-endian. */
struct ck_buf;
void ck_gguf_put_value(struct ck_buf *b, const ck_value *v);

#endif
