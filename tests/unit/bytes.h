/* Test helper: a growable byte buffer to build model files byte by byte, and
 * small things every unit test program needs (argv folders, temporary
 * folders, exact-size copies for the sanitizers).
 *
 * Everything here is static inline so that each test program takes only what
 * it uses. Allocation failures abort: a test has nothing better to do.
 */
#ifndef CK_TESTS_BYTES_H
#define CK_TESTS_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===== growable buffer ===== */

typedef struct bbuf {
    uint8_t *p;
    size_t len, cap;
    bool be;  /* multi-byte integers are appended big-endian */
} bbuf;

static inline void bb_init(bbuf *b, bool big_endian) {
    memset(b, 0, sizeof *b);
    b->be = big_endian;
}

static inline void bb_free(bbuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

static inline void bb_reserve(bbuf *b, size_t n) {
    if (b->len + n <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) abort();
    b->p = p;
    b->cap = cap;
}

static inline void bb_raw(bbuf *b, const void *data, size_t n) {
    if (!n) return;
    bb_reserve(b, n);
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static inline void bb_fill(bbuf *b, uint8_t byte, size_t n) {
    if (!n) return;
    bb_reserve(b, n);
    memset(b->p + b->len, byte, n);
    b->len += n;
}

/* Append n bytes of the pattern 0, 1, 2, ... (mod 251) starting at seed. */
static inline void bb_pattern(bbuf *b, size_t n, unsigned seed) {
    if (!n) return;
    bb_reserve(b, n);
    for (size_t i = 0; i < n; i++) b->p[b->len + i] = (uint8_t)((seed + i) % 251);
    b->len += n;
}

/* Append an unsigned integer of `bytes` bytes in the buffer's byte order. */
static inline void bb_uint(bbuf *b, uint64_t v, int bytes) {
    uint8_t t[8];
    for (int i = 0; i < bytes; i++) {
        int shift = 8 * (b->be ? bytes - 1 - i : i);
        t[i] = (uint8_t)(v >> shift);
    }
    bb_raw(b, t, (size_t)bytes);
}

static inline void bb_u8(bbuf *b, uint8_t v) { bb_uint(b, v, 1); }
static inline void bb_u16(bbuf *b, uint16_t v) { bb_uint(b, v, 2); }
static inline void bb_u32(bbuf *b, uint32_t v) { bb_uint(b, v, 4); }
static inline void bb_u64(bbuf *b, uint64_t v) { bb_uint(b, v, 8); }
static inline void bb_i8(bbuf *b, int8_t v) { bb_uint(b, (uint8_t)v, 1); }
static inline void bb_i16(bbuf *b, int16_t v) { bb_uint(b, (uint16_t)v, 2); }
static inline void bb_i32(bbuf *b, int32_t v) { bb_uint(b, (uint32_t)v, 4); }
static inline void bb_i64(bbuf *b, int64_t v) { bb_uint(b, (uint64_t)v, 8); }

static inline void bb_f32(bbuf *b, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    bb_u32(b, u);
}

static inline void bb_f64(bbuf *b, double f) {
    uint64_t u;
    memcpy(&u, &f, 8);
    bb_u64(b, u);
}

/* A GGUF string: u64 length, then the bytes (no NUL). */
static inline void bb_gstr_n(bbuf *b, const char *s, size_t n) {
    bb_u64(b, n);
    bb_raw(b, s, n);
}
static inline void bb_gstr(bbuf *b, const char *s) { bb_gstr_n(b, s, strlen(s)); }

/* Pad with zero bytes up to a multiple of align. */
static inline void bb_pad(bbuf *b, size_t align) {
    size_t r = b->len % align;
    if (r) bb_fill(b, 0, align - r);
}

/* Overwrite an unsigned integer at an earlier position. */
static inline void bb_put_uint(bbuf *b, size_t at, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) {
        int shift = 8 * (b->be ? bytes - 1 - i : i);
        b->p[at + i] = (uint8_t)(v >> shift);
    }
}

/* A safetensors file: the 8-byte little-endian length of header, the header
 * as given, then data_len bytes of data. */
static inline void bb_st_file(bbuf *b, const char *header, size_t data_len) {
    bool be = b->be;
    b->be = false;
    bb_u64(b, strlen(header));
    b->be = be;
    bb_raw(b, header, strlen(header));
    bb_pattern(b, data_len, 3);
}

/* A malloc'd copy of exactly n bytes (at least one byte is allocated), so
 * that AddressSanitizer sees any read past the end. */
static inline uint8_t *exact_copy(const void *data, size_t n) {
    uint8_t *p = malloc(n ? n : 1);
    if (!p) abort();
    if (n) memcpy(p, data, n);
    else p[0] = 0;
    return p;
}

/* ===== command line of the test programs ===== */

/* argv[1]: the generated fixtures; argv[2]: the reference corpus. */
static const char *g_fixtures = "build/fixtures";
static const char *g_corpus = "testdata/corpus";

static inline void test_args(int argc, char **argv) {
    if (argc > 1) g_fixtures = argv[1];
    if (argc > 2) g_corpus = argv[2];
}

/* dir + "/" + name into a malloc'd string. */
static inline char *path_join2(const char *dir, const char *name) {
    size_t a = strlen(dir), n = strlen(name);
    char *r = malloc(a + 1 + n + 1);
    if (!r) abort();
    memcpy(r, dir, a);
    r[a] = '/';
    memcpy(r + a + 1, name, n + 1);
    return r;
}

/* Whole file into a malloc'd buffer; NULL if it cannot be read. */
static inline uint8_t *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    bbuf b;
    bb_init(&b, false);
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) bb_raw(&b, tmp, n);
    fclose(f);
    *size = b.len;
    if (!b.p) b.p = malloc(1);
    return b.p;
}

/* Write n bytes to path; true on success. */
static inline bool write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

#endif
