/* ckpt: read-only mapped files and a bounds-checked cursor.
 *
 * Every byte that ckpt reads from a model file is read through a ck_cursor,
 * which knows where its range ends. Every size taken from a file goes through
 * the checked arithmetic below before it is used.
 */
#ifndef CKPT_IO_H
#define CKPT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===== checked arithmetic ===== */

/* Each returns true and stores the result when it fits, false on overflow. */
static inline bool ck_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_add_overflow(a, b, out);
}
static inline bool ck_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
/* Round x up to a multiple of align (a power of two). False on overflow. */
static inline bool ck_align_up(uint64_t x, uint64_t align, uint64_t *out) {
    uint64_t t;
    if (!ck_add_u64(x, align - 1, &t)) return false;
    *out = t & ~(align - 1);
    return true;
}

/* ===== mapped files ===== */

typedef struct ck_file {
    char *path;              /* as opened (owned) */
    const uint8_t *data;     /* the whole file, read-only; NULL when size is 0 */
    uint64_t size;
    int mapped;              /* 1: data is an mmap to unmap on close */
    int fd;                  /* the read-only descriptor, kept for in-kernel copies, when has_fd */
    bool has_fd;
} ck_file;

/* Open a regular file read-only and map it. The file is never opened for
 * writing. Returns CK_OK, or CK_ERR_IO with a finding in d. */
ck_status ck_file_open(ck_file *f, const char *path, ck_diag *d);

/* Wrap a memory buffer (not copied, not freed) as a file named name. */
ck_status ck_file_from_memory(ck_file *f, const char *name, const void *data, size_t size);

void ck_file_close(ck_file *f);

/* Advise the kernel that [offset, offset+len) will be read in order soon. */
void ck_file_will_read(const ck_file *f, uint64_t offset, uint64_t len);

/* ===== cursor ===== */

typedef struct ck_cursor {
    const ck_file *file;
    uint64_t pos;            /* absolute offset of the next byte */
    uint64_t end;            /* reads never go at or past this offset */
    bool big_endian;         /* multi-byte numbers are stored big-endian */
    ck_diag *diag;
    const ck_rule *rule;     /* reported when a read runs off the end */
} ck_cursor;

void ck_cursor_init(ck_cursor *c, const ck_file *f, uint64_t start, uint64_t end,
                    ck_diag *d, const ck_rule *truncation_rule);

static inline uint64_t ck_cursor_left(const ck_cursor *c) {
    return c->pos < c->end ? c->end - c->pos : 0;
}

/* Each reader returns true on success. On failure it records a finding that
 * names what was being read ("what") and the offset, and returns false; the
 * cursor does not move. */
bool ck_cur_u8(ck_cursor *c, uint8_t *v, const char *what);
bool ck_cur_u16(ck_cursor *c, uint16_t *v, const char *what);
bool ck_cur_u32(ck_cursor *c, uint32_t *v, const char *what);
bool ck_cur_u64(ck_cursor *c, uint64_t *v, const char *what);
bool ck_cur_i32(ck_cursor *c, int32_t *v, const char *what);
bool ck_cur_i64(ck_cursor *c, int64_t *v, const char *what);
/* n bytes in place: *p points into the mapping. */
bool ck_cur_bytes(ck_cursor *c, uint64_t n, const uint8_t **p, const char *what);
bool ck_cur_skip(ck_cursor *c, uint64_t n, const char *what);

/* Byte-order helpers for values already known to be inside the mapping. */
uint16_t ck_load_u16(const uint8_t *p, bool big_endian);
uint32_t ck_load_u32(const uint8_t *p, bool big_endian);
uint64_t ck_load_u64(const uint8_t *p, bool big_endian);

#ifdef __cplusplus
}
#endif

#endif
