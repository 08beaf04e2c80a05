/* UTF-8 validation (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF). */
#ifndef CK_IO_UTF8_H
#define CK_IO_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid sequence at p (1..4), or 0 if the bytes at p are not
 * valid UTF-8. n is how many bytes are available. */
size_t ck_utf8_seq_len(const uint8_t *p, size_t n);

/* Index of the first byte that is not part of valid UTF-8, or n. */
size_t ck_utf8_invalid_at(const uint8_t *p, size_t n);

#endif
