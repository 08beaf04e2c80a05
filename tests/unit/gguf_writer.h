/* Test helper: a small GGUF writer over bytes.h, written from the format
 * facts (FORMATS.md), independently of ckpt's reader. Byte order is the
 * buffer's (bb_init(&b, big_endian)). */
#ifndef CK_TESTS_GGUF_WRITER_H
#define CK_TESTS_GGUF_WRITER_H

#include "bytes.h"

/* ggml type ids and GGUF value types (FORMATS.md). */
enum { T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_2 = 4, T_Q8_0 = 8, T_Q4_K = 12, T_I8 = 24,
       T_IQ4_NL_4_4 = 36 };
enum { V_U8 = 0, V_I8, V_U16, V_I16, V_U32, V_I32, V_F32, V_BOOL, V_STR, V_ARR, V_U64, V_I64, V_F64 };

static inline void g_header(bbuf *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    bb_raw(b, "GGUF", 4);
    bb_u32(b, version);
    bb_u64(b, n_tensors);
    bb_u64(b, n_kv);
}

/* A key and its value type; the value follows. */
static inline void g_key(bbuf *b, const char *key, int32_t type) {
    bb_gstr(b, key);
    bb_i32(b, type);
}

static inline void g_kv_u8(bbuf *b, const char *k, uint8_t v) { g_key(b, k, V_U8); bb_u8(b, v); }
static inline void g_kv_u16(bbuf *b, const char *k, uint16_t v) { g_key(b, k, V_U16); bb_u16(b, v); }
static inline void g_kv_u32(bbuf *b, const char *k, uint32_t v) { g_key(b, k, V_U32); bb_u32(b, v); }
static inline void g_kv_i32(bbuf *b, const char *k, int32_t v) { g_key(b, k, V_I32); bb_i32(b, v); }
static inline void g_kv_str(bbuf *b, const char *k, const char *v) { g_key(b, k, V_STR); bb_gstr(b, v); }

/* An array header: element type and count; the elements follow. */
static inline void g_arr(bbuf *b, int32_t elem, uint64_t count) {
    bb_i32(b, elem);
    bb_u64(b, count);
}

typedef struct tdesc {
    const char *name;
    uint32_t n_dims;
    int64_t ne[5];
    int32_t type;
    uint64_t offset;  /* relative to the data section */
} tdesc;

static inline void g_tensor(bbuf *b, const tdesc *t) {
    bb_gstr(b, t->name);
    bb_u32(b, t->n_dims);
    for (uint32_t i = 0; i < t->n_dims; i++) bb_i64(b, t->ne[i]);
    bb_i32(b, t->type);
    bb_u64(b, t->offset);
}

/* A whole file: header, the kvs already built in `kvs` (n_kv of them), the
 * tensor infos (their start offsets go to info_at when not NULL), zero
 * padding to `align`, then data_len bytes of data. Returns the data
 * section's offset. */
static inline uint64_t g_file(bbuf *b, uint32_t version, const bbuf *kvs, uint64_t n_kv,
                              const tdesc *t, size_t nt, uint32_t align, size_t data_len, int64_t *info_at) {
    g_header(b, version, nt, n_kv);
    if (kvs) bb_raw(b, kvs->p, kvs->len);
    for (size_t i = 0; i < nt; i++) {
        if (info_at) info_at[i] = (int64_t)b->len;
        g_tensor(b, &t[i]);
    }
    if (nt) bb_pad(b, align);
    uint64_t data_offset = b->len;
    bb_pattern(b, data_len, 7);
    return data_offset;
}

#endif
