/* A growable byte buffer, little-endian numbers. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

static bool reserve(ck_buf *b, size_t n) {
    if (b->failed) return false;
    if (n <= b->cap - b->len) return true;
    size_t want = b->cap ? b->cap : 256;
    while (want - b->len < n) {
        if (want > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        want *= 2;
    }
    uint8_t *p = realloc(b->data, want);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = want;
    return true;
}

void ck_buf_put(ck_buf *b, const void *p, size_t n) {
    if (!n || !reserve(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void ck_buf_zeros(ck_buf *b, size_t n) {
    if (!n || !reserve(b, n)) return;
    memset(b->data + b->len, 0, n);
    b->len += n;
}

static void put_le(ck_buf *b, uint64_t v, size_t n) {
    uint8_t t[8];
    for (size_t i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * i));
    ck_buf_put(b, t, n);
}

void ck_buf_u8(ck_buf *b, uint8_t v) { ck_buf_put(b, &v, 1); }
void ck_buf_u16(ck_buf *b, uint16_t v) { put_le(b, v, 2); }
void ck_buf_u32(ck_buf *b, uint32_t v) { put_le(b, v, 4); }
void ck_buf_u64(ck_buf *b, uint64_t v) { put_le(b, v, 8); }

void ck_buf_free(ck_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
