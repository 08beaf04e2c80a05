/* A growable byte buffer. An allocation failure is remembered, and every
 * later append is ignored, so that a builder checks once at the end. */
#ifndef CK_IO_BUF_H
#define CK_IO_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ck_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} ck_buf;

void ck_buf_put(ck_buf *b, const void *p, size_t n);
void ck_buf_zeros(ck_buf *b, size_t n);
void ck_buf_u8(ck_buf *b, uint8_t v);
void ck_buf_u16(ck_buf *b, uint16_t v);   /* little-endian */
void ck_buf_u32(ck_buf *b, uint32_t v);
void ck_buf_u64(ck_buf *b, uint64_t v);
void ck_buf_free(ck_buf *b);

#endif
