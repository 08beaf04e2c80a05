/* A cursor over a byte range of a file: every read is bounds-checked. */
#include "ckpt/io.h"

#include <string.h>

void ck_cursor_init(ck_cursor *c, const ck_file *f, uint64_t start, uint64_t end,
                    ck_diag *d, const ck_rule *truncation_rule) {
    c->file = f;
    c->pos = start;
    c->end = end > f->size ? f->size : end;
    c->big_endian = false;
    c->diag = d;
    c->rule = truncation_rule;
}

static bool short_read(ck_cursor *c, uint64_t n, const char *what) {
    ck_where w = {.file = c->file->path, .offset = (int64_t)c->pos};
    ck_report(c->diag, c->rule, CK_ERR_FORMAT, 0, &w,
              "file ends inside %s (needs %llu bytes, %llu left)", what,
              (unsigned long long)n, (unsigned long long)ck_cursor_left(c));
    return false;
}

uint16_t ck_load_u16(const uint8_t *p, bool be) {
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t ck_load_u32(const uint8_t *p, bool be) {
    uint32_t v;
    memcpy(&v, p, 4);
    return be ? __builtin_bswap32(v) : v;
}

uint64_t ck_load_u64(const uint8_t *p, bool be) {
    uint64_t v;
    memcpy(&v, p, 8);
    return be ? __builtin_bswap64(v) : v;
}

bool ck_cur_bytes(ck_cursor *c, uint64_t n, const uint8_t **p, const char *what) {
    if (n > ck_cursor_left(c)) return short_read(c, n, what);
    *p = c->file->data + c->pos;
    c->pos += n;
    return true;
}

bool ck_cur_skip(ck_cursor *c, uint64_t n, const char *what) {
    const uint8_t *p;
    return ck_cur_bytes(c, n, &p, what);
}

bool ck_cur_u8(ck_cursor *c, uint8_t *v, const char *what) {
    const uint8_t *p;
    if (!ck_cur_bytes(c, 1, &p, what)) return false;
    *v = p[0];
    return true;
}

bool ck_cur_u16(ck_cursor *c, uint16_t *v, const char *what) {
    const uint8_t *p;
    if (!ck_cur_bytes(c, 2, &p, what)) return false;
    *v = ck_load_u16(p, c->big_endian);
    return true;
}

bool ck_cur_u32(ck_cursor *c, uint32_t *v, const char *what) {
    const uint8_t *p;
    if (!ck_cur_bytes(c, 4, &p, what)) return false;
    *v = ck_load_u32(p, c->big_endian);
    return true;
}

bool ck_cur_u64(ck_cursor *c, uint64_t *v, const char *what) {
    const uint8_t *p;
    if (!ck_cur_bytes(c, 8, &p, what)) return false;
    *v = ck_load_u64(p, c->big_endian);
    return true;
}

bool ck_cur_i32(ck_cursor *c, int32_t *v, const char *what) {
    uint32_t u;
    if (!ck_cur_u32(c, &u, what)) return false;
    memcpy(v, &u, 4);
    return true;
}

bool ck_cur_i64(ck_cursor *c, int64_t *v, const char *what) {
    uint64_t u;
    if (!ck_cur_u64(c, &u, what)) return false;
    memcpy(v, &u, 8);
    return true;
}
