/* Unit tests: the io layer's helpers: string map, arena, UTF-8 validation. */
#include "unit.h"

#include "bytes.h"
#include "io/arena.h"
#include "io/strmap.h"
#include "io/utf8.h"

/* ===== strmap ===== */

static void test_strmap_basic(void **state) {
    (void)state;
    ck_strmap *m = ck_strmap_new(0);
    assert_non_null(m);
    assert_int_equal(ck_strmap_count(m), 0);
    uint32_t v = 777;
    assert_false(ck_strmap_get(m, "a", 1, &v));
    assert_int_equal(v, 777);

    assert_int_equal(ck_strmap_put(m, "alpha", 5, 1, NULL), 1);
    assert_int_equal(ck_strmap_put(m, "beta", 4, 2, NULL), 1);
    assert_int_equal(ck_strmap_count(m), 2);
    assert_true(ck_strmap_get(m, "alpha", 5, &v));
    assert_int_equal(v, 1);
    assert_true(ck_strmap_get(m, "beta", 4, &v));
    assert_int_equal(v, 2);

    /* Duplicate: not inserted, the first value is kept and reported. */
    uint32_t existing = 0;
    assert_int_equal(ck_strmap_put(m, "alpha", 5, 99, &existing), 0);
    assert_int_equal(existing, 1);
    assert_int_equal(ck_strmap_put(m, "alpha", 5, 98, NULL), 0);
    assert_true(ck_strmap_get(m, "alpha", 5, &v));
    assert_int_equal(v, 1);
    assert_int_equal(ck_strmap_count(m), 2);

    /* Absent keys: prefixes, extensions, other case, other bytes. */
    assert_false(ck_strmap_get(m, "alph", 4, &v));
    assert_false(ck_strmap_get(m, "alphab", 6, &v));
    assert_false(ck_strmap_get(m, "Alpha", 5, &v));
    assert_false(ck_strmap_get(m, "gamma", 5, &v));
    /* Only len bytes count. */
    assert_true(ck_strmap_get(m, "alphabet", 5, &v));
    assert_int_equal(v, 1);
    ck_strmap_free(m);
    ck_strmap_free(NULL);
}

static void test_strmap_empty_and_binary_keys(void **state) {
    (void)state;
    ck_strmap *m = ck_strmap_new(4);
    assert_non_null(m);
    uint32_t v;
    assert_false(ck_strmap_get(m, "", 0, &v));
    assert_int_equal(ck_strmap_put(m, "", 0, 5, NULL), 1);
    assert_true(ck_strmap_get(m, "", 0, &v));
    assert_int_equal(v, 5);
    /* Any pointer with length 0 is the empty key. */
    assert_true(ck_strmap_get(m, "xyz", 0, &v));
    assert_int_equal(v, 5);
    uint32_t existing = 0;
    assert_int_equal(ck_strmap_put(m, "q", 0, 6, &existing), 0);
    assert_int_equal(existing, 5);

    /* Keys with NUL bytes are compared by length, not as C strings. */
    static const char k1[] = {'a', 0, 'b'};
    static const char k2[] = {'a', 0, 'c'};
    assert_int_equal(ck_strmap_put(m, "a", 1, 10, NULL), 1);
    assert_int_equal(ck_strmap_put(m, k1, 3, 11, NULL), 1);
    assert_int_equal(ck_strmap_put(m, k2, 3, 12, NULL), 1);
    assert_int_equal(ck_strmap_put(m, k1, 2, 13, NULL), 1);  /* "a\0" */
    assert_true(ck_strmap_get(m, "a", 1, &v));
    assert_int_equal(v, 10);
    assert_true(ck_strmap_get(m, k1, 3, &v));
    assert_int_equal(v, 11);
    assert_true(ck_strmap_get(m, k2, 3, &v));
    assert_int_equal(v, 12);
    assert_true(ck_strmap_get(m, k2, 2, &v));
    assert_int_equal(v, 13);
    assert_int_equal(ck_strmap_count(m), 5);

    /* Keys are not copied: a key that is a byte of a bigger buffer works. */
    static const uint8_t bytes[] = {0x00, 0xff, 0x80, 0xfe};
    assert_int_equal(ck_strmap_put(m, (const char *)bytes + 1, 3, 14, NULL), 1);
    assert_true(ck_strmap_get(m, (const char *)bytes + 1, 3, &v));
    assert_int_equal(v, 14);
    assert_false(ck_strmap_get(m, (const char *)bytes, 3, &v));
    ck_strmap_free(m);
}

/* 100,000 keys in a map sized for 1: every key is found with its value
 * after growth, absent keys are not, duplicates are refused. */
#define N_KEYS 100000
#define KEY_W 16

static void test_strmap_growth(void **state) {
    (void)state;
    char *keys = malloc((size_t)N_KEYS * KEY_W);
    assert_non_null(keys);
    size_t *lens = malloc(N_KEYS * sizeof *lens);
    assert_non_null(lens);
    ck_strmap *m = ck_strmap_new(1);
    assert_non_null(m);
    for (uint32_t i = 0; i < N_KEYS; i++) {
        char *k = keys + (size_t)i * KEY_W;
        int n = snprintf(k, KEY_W, "blk.%u.w", i);
        lens[i] = (size_t)n;
        assert_int_equal(ck_strmap_put(m, k, lens[i], i * 3 + 1, NULL), 1);
    }
    assert_int_equal(ck_strmap_count(m), N_KEYS);
    for (uint32_t i = 0; i < N_KEYS; i++) {
        uint32_t v = 0;
        assert_true(ck_strmap_get(m, keys + (size_t)i * KEY_W, lens[i], &v));
        assert_int_equal(v, i * 3 + 1);
    }
    for (uint32_t i = 0; i < N_KEYS; i += 997) {
        uint32_t existing = 0;
        assert_int_equal(ck_strmap_put(m, keys + (size_t)i * KEY_W, lens[i], 0, &existing), 0);
        assert_int_equal(existing, i * 3 + 1);
    }
    assert_int_equal(ck_strmap_count(m), N_KEYS);
    for (uint32_t i = N_KEYS; i < N_KEYS + 1000; i++) {
        char k[KEY_W];
        int n = snprintf(k, sizeof k, "blk.%u.w", i);
        uint32_t v;
        assert_false(ck_strmap_get(m, k, (size_t)n, &v));
        n = snprintf(k, sizeof k, "blk.%u.x", i - N_KEYS);
        assert_false(ck_strmap_get(m, k, (size_t)n, &v));
    }
    ck_strmap_free(m);
    free(lens);
    free(keys);
}

/* ===== arena ===== */

static void assert_aligned16(const void *p) {
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
}

/* Small allocations: aligned, disjoint, and they keep their contents while
 * more are made. */
static void test_arena_small(void **state) {
    (void)state;
    ck_arena *a = ck_arena_new();
    assert_non_null(a);
    enum { N = 3000 };
    unsigned char **ptrs = malloc(N * sizeof *ptrs);
    assert_non_null(ptrs);
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 97;
        ptrs[i] = ck_arena_alloc(a, n);
        assert_aligned16(ptrs[i]);
        memset(ptrs[i], (int)(i & 0xff), n);
    }
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 97;
        for (size_t j = 0; j < n; j++) assert_int_equal(ptrs[i][j], i & 0xff);
    }
    free(ptrs);
    ck_arena_free(a);
    ck_arena_free(NULL);
}

/* Big allocations (over any chunk size) between small ones. */
static void test_arena_big(void **state) {
    (void)state;
    ck_arena *a = ck_arena_new();
    assert_non_null(a);
    unsigned char *small1 = ck_arena_alloc(a, 10);
    assert_aligned16(small1);
    memset(small1, 0x11, 10);
    const size_t sizes[] = {65536, 65537, 1 << 20, 3 * (1 << 20) + 5, 200000};
    unsigned char *big[5];
    for (size_t i = 0; i < 5; i++) {
        big[i] = ck_arena_alloc(a, sizes[i]);
        assert_aligned16(big[i]);
        memset(big[i], (int)(0x20 + i), sizes[i]);
    }
    unsigned char *small2 = ck_arena_alloc(a, 33);
    assert_aligned16(small2);
    memset(small2, 0x22, 33);
    /* The small allocations still sit in usable memory next to each other. */
    for (size_t i = 0; i < 10; i++) assert_int_equal(small1[i], 0x11);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(big[i][0], 0x20 + i);
        assert_int_equal(big[i][sizes[i] - 1], 0x20 + i);
    }
    /* Zero bytes is a valid request. */
    void *z = ck_arena_alloc(a, 0);
    assert_non_null(z);
    assert_aligned16(ck_arena_alloc(a, 1));
    ck_arena_free(a);
}

static void test_arena_absurd(void **state) {
    (void)state;
    ck_arena *a = ck_arena_new();
    assert_non_null(a);
    assert_null(ck_arena_alloc(a, SIZE_MAX));
    assert_null(ck_arena_alloc(a, SIZE_MAX - 15));
    assert_null(ck_arena_alloc(a, SIZE_MAX / 2 + 1));
    assert_null(ck_arena_strndup(a, "x", SIZE_MAX));
    /* Still usable afterwards. */
    char *s = ck_arena_strndup(a, "ok", 2);
    assert_non_null(s);
    assert_string_equal(s, "ok");
    ck_arena_free(a);
}

static void test_arena_strndup(void **state) {
    (void)state;
    ck_arena *a = ck_arena_new();
    assert_non_null(a);
    char *s = ck_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    char *e = ck_arena_strndup(a, "whatever", 0);
    assert_non_null(e);
    assert_string_equal(e, "");
    /* Bytes with NULs inside are copied as bytes, then terminated. */
    static const char bin[] = {'a', 0, 'b'};
    char *b = ck_arena_strndup(a, bin, 3);
    assert_memory_equal(b, bin, 3);
    assert_int_equal(b[3], 0);
    /* The source need not be terminated. */
    char *src = (char *)exact_copy("abcdef", 6);
    char *c = ck_arena_strndup(a, src, 6);
    free(src);
    assert_string_equal(c, "abcdef");
    /* A long string. */
    char *big = malloc(100001);
    assert_non_null(big);
    memset(big, 'z', 100000);
    char *d = ck_arena_strndup(a, big, 100000);
    free(big);
    assert_int_equal(strlen(d), 100000);
    assert_string_equal(s, "hello");
    ck_arena_free(a);
}

/* ===== UTF-8 ===== */

/* The length ck_utf8_seq_len gives for exactly these bytes (copied to a
 * buffer of that size, so that a read past them is caught by ASan). */
static size_t seq_len(const char *bytes, size_t n) {
    uint8_t *p = exact_copy(bytes, n);
    size_t r = ck_utf8_seq_len(p, n);
    free(p);
    return r;
}

static size_t invalid_at(const char *bytes, size_t n) {
    uint8_t *p = exact_copy(bytes, n);
    size_t r = ck_utf8_invalid_at(p, n);
    free(p);
    return r;
}

#define SEQ(s) seq_len(s, sizeof(s) - 1)
#define INVALID_AT(s) invalid_at(s, sizeof(s) - 1)

static void test_utf8_valid(void **state) {
    (void)state;
    /* One byte: U+0000 .. U+007F. */
    assert_int_equal(seq_len("\0", 1), 1);
    assert_int_equal(SEQ("A"), 1);
    assert_int_equal(SEQ("\x7f"), 1);
    /* Two bytes: U+0080 .. U+07FF. */
    assert_int_equal(SEQ("\xc2\x80"), 2);
    assert_int_equal(SEQ("\xc3\xa9"), 2);      /* é */
    assert_int_equal(SEQ("\xdf\xbf"), 2);
    /* Three bytes: U+0800 .. U+FFFF around the surrogates. */
    assert_int_equal(SEQ("\xe0\xa0\x80"), 3);
    assert_int_equal(SEQ("\xe2\x82\xac"), 3);  /* € */
    assert_int_equal(SEQ("\xed\x9f\xbf"), 3);  /* U+D7FF */
    assert_int_equal(SEQ("\xee\x80\x80"), 3);  /* U+E000 */
    assert_int_equal(SEQ("\xef\xbf\xbf"), 3);  /* U+FFFF */
    /* Four bytes: U+10000 .. U+10FFFF. */
    assert_int_equal(SEQ("\xf0\x90\x80\x80"), 4);
    assert_int_equal(SEQ("\xf0\x9f\xa6\x99"), 4);  /* llama */
    assert_int_equal(SEQ("\xf3\xbf\xbf\xbf"), 4);
    assert_int_equal(SEQ("\xf4\x8f\xbf\xbf"), 4);  /* U+10FFFF */
    /* Only the first sequence counts. */
    assert_int_equal(SEQ("\xc3\xa9\xff"), 2);
}

static void test_utf8_invalid(void **state) {
    (void)state;
    /* Overlong forms. */
    assert_int_equal(SEQ("\xc0\x80"), 0);
    assert_int_equal(SEQ("\xc0\xaf"), 0);
    assert_int_equal(SEQ("\xc1\xbf"), 0);
    assert_int_equal(SEQ("\xe0\x80\x80"), 0);
    assert_int_equal(SEQ("\xe0\x9f\xbf"), 0);
    assert_int_equal(SEQ("\xf0\x80\x80\x80"), 0);
    assert_int_equal(SEQ("\xf0\x8f\xbf\xbf"), 0);
    /* Surrogates U+D800 .. U+DFFF. */
    assert_int_equal(SEQ("\xed\xa0\x80"), 0);
    assert_int_equal(SEQ("\xed\xbf\xbf"), 0);
    /* Above U+10FFFF, and bytes never used. */
    assert_int_equal(SEQ("\xf4\x90\x80\x80"), 0);
    assert_int_equal(SEQ("\xf5\x80\x80\x80"), 0);
    assert_int_equal(SEQ("\xf7\xbf\xbf\xbf"), 0);
    assert_int_equal(SEQ("\xf8\x88\x80\x80\x80"), 0);
    assert_int_equal(SEQ("\xfe"), 0);
    assert_int_equal(SEQ("\xff"), 0);
    /* A continuation byte with no lead. */
    assert_int_equal(SEQ("\x80"), 0);
    assert_int_equal(SEQ("\xbf"), 0);
    /* Bad continuation bytes. */
    assert_int_equal(SEQ("\xc3\x28"), 0);
    assert_int_equal(SEQ("\xc3\xc3"), 0);
    assert_int_equal(SEQ("\xe2\x28\xa1"), 0);
    assert_int_equal(SEQ("\xe2\x82\x28"), 0);
    assert_int_equal(SEQ("\xf0\x9f\x28\x99"), 0);
    assert_int_equal(SEQ("\xf0\x9f\xa6\x28"), 0);
    assert_int_equal(SEQ("\xf0\x9f\xa6\xc0"), 0);
}

/* Sequences cut short by the end of the input. */
static void test_utf8_truncated(void **state) {
    (void)state;
    assert_int_equal(seq_len("\xc3", 1), 0);
    assert_int_equal(seq_len("\xe2\x82", 2), 0);
    assert_int_equal(seq_len("\xe2", 1), 0);
    assert_int_equal(seq_len("\xf0\x9f\xa6", 3), 0);
    assert_int_equal(seq_len("\xf0\x9f", 2), 0);
    assert_int_equal(seq_len("\xf0", 1), 0);
    /* n limits the sequence even when more bytes follow in memory. */
    uint8_t full[4] = {0xf0, 0x9f, 0xa6, 0x99};
    assert_int_equal(ck_utf8_seq_len(full, 3), 0);
    assert_int_equal(ck_utf8_seq_len(full, 4), 4);
}

static void test_utf8_invalid_at(void **state) {
    (void)state;
    assert_int_equal(invalid_at("", 0), 0);
    assert_int_equal(INVALID_AT("hello"), 5);
    assert_int_equal(INVALID_AT("{\"a\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\xa6\x99\"}"), 23);
    /* The first bad byte, wherever it falls around the 8-byte ASCII runs. */
    char buf[40];
    for (size_t bad = 0; bad < 24; bad++) {
        memset(buf, 'a', sizeof buf);
        buf[bad] = (char)0xff;
        assert_int_equal(invalid_at(buf, 24), bad);
        /* A valid multi-byte sequence just before it does not hide it. */
        if (bad >= 2) {
            buf[bad - 2] = (char)0xc3;
            buf[bad - 1] = (char)0xa9;
            assert_int_equal(invalid_at(buf, 24), bad);
        }
    }
    /* All ASCII of every length up to 40. */
    memset(buf, 'x', sizeof buf);
    for (size_t n = 0; n <= sizeof buf; n++) assert_int_equal(invalid_at(buf, n), n);
    /* A truncated sequence at the end: its first byte. */
    assert_int_equal(INVALID_AT("abcdefghij\xe2\x82"), 10);
    assert_int_equal(INVALID_AT("abcdefgh\xf0\x9f\xa6"), 8);
    assert_int_equal(INVALID_AT("ab\xc3"), 2);
    /* A surrogate and an overlong form in the middle. */
    assert_int_equal(INVALID_AT("0123456789\xed\xa0\x80xyz"), 10);
    assert_int_equal(INVALID_AT("\xc3\xa9\xc0\x80"), 2);
    /* NUL bytes are valid UTF-8. */
    assert_int_equal(invalid_at("a\0b\0\0\0\0\0\0\0c", 11), 11);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strmap_basic),
        cmocka_unit_test(test_strmap_empty_and_binary_keys),
        cmocka_unit_test(test_strmap_growth),
        cmocka_unit_test(test_arena_small),
        cmocka_unit_test(test_arena_big),
        cmocka_unit_test(test_arena_absurd),
        cmocka_unit_test(test_arena_strndup),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_utf8_truncated),
        cmocka_unit_test(test_utf8_invalid_at),
    };
    return cmocka_run_group_tests_name("io", tests, NULL, NULL) ? 1 : 0;
}
