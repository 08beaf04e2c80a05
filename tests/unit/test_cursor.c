/* Unit tests: checked arithmetic, the bounds-checked cursor, mapped files. */
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "ckpt/io.h"
#include "ckpt/rules.h"
#include "tmpdir.h"

#define U64_MAX UINT64_MAX
#define TWO63 (UINT64_C(1) << 63)
#define TWO32 (UINT64_C(1) << 32)

/* ===== checked arithmetic ===== */

static void test_add_u64(void **state) {
    (void)state;
    uint64_t r = 12345;
    assert_true(ck_add_u64(0, 0, &r));
    assert_int_equal(r, 0);
    assert_true(ck_add_u64(U64_MAX, 0, &r));
    assert_int_equal(r, U64_MAX);
    assert_true(ck_add_u64(TWO63, TWO63 - 1, &r));
    assert_int_equal(r, U64_MAX);
    assert_true(ck_add_u64(U64_MAX - 5, 5, &r));
    assert_int_equal(r, U64_MAX);

    assert_false(ck_add_u64(U64_MAX, 1, &r));
    assert_false(ck_add_u64(1, U64_MAX, &r));
    assert_false(ck_add_u64(TWO63, TWO63, &r));
    assert_false(ck_add_u64(U64_MAX, U64_MAX, &r));
    assert_false(ck_add_u64(U64_MAX - 5, 6, &r));
}

static void test_mul_u64(void **state) {
    (void)state;
    uint64_t r = 0;
    assert_true(ck_mul_u64(U64_MAX, 1, &r));
    assert_int_equal(r, U64_MAX);
    assert_true(ck_mul_u64(U64_MAX, 0, &r));
    assert_int_equal(r, 0);
    assert_true(ck_mul_u64(0, U64_MAX, &r));
    assert_int_equal(r, 0);
    assert_true(ck_mul_u64(TWO32, TWO32 - 1, &r));
    assert_int_equal(r, U64_MAX - (TWO32 - 1));
    assert_true(ck_mul_u64(TWO63, 1, &r));
    assert_int_equal(r, TWO63);
    /* 2^64 - 1 = 3 x 5 x 17 x 257 x 641 x 65537 x 6700417: exact fit. */
    assert_true(ck_mul_u64(UINT64_C(4294967295), UINT64_C(4294967297), &r));
    assert_int_equal(r, U64_MAX);

    assert_false(ck_mul_u64(TWO32, TWO32, &r));
    assert_false(ck_mul_u64(TWO63, 2, &r));
    assert_false(ck_mul_u64(U64_MAX, 2, &r));
    assert_false(ck_mul_u64(UINT64_C(4294967296), UINT64_C(4294967297), &r));
    assert_false(ck_mul_u64(U64_MAX / 18 + 1, 18, &r));
    assert_true(ck_mul_u64(U64_MAX / 18, 18, &r));
    assert_int_equal(r, U64_MAX / 18 * 18);
}

static void test_align_up(void **state) {
    (void)state;
    uint64_t r = 0;
    assert_true(ck_align_up(0, 32, &r));
    assert_int_equal(r, 0);
    assert_true(ck_align_up(1, 32, &r));
    assert_int_equal(r, 32);
    assert_true(ck_align_up(31, 32, &r));
    assert_int_equal(r, 32);
    assert_true(ck_align_up(32, 32, &r));
    assert_int_equal(r, 32);
    assert_true(ck_align_up(33, 32, &r));
    assert_int_equal(r, 64);
    assert_true(ck_align_up(77, 1, &r));
    assert_int_equal(r, 77);
    assert_true(ck_align_up(U64_MAX, 1, &r));
    assert_int_equal(r, U64_MAX);

    /* The last multiple of 32 below 2^64 is 2^64 - 32. */
    assert_true(ck_align_up(U64_MAX - 31, 32, &r));
    assert_int_equal(r, U64_MAX - 31);
    assert_true(ck_align_up(U64_MAX - 40, 32, &r));
    assert_int_equal(r, U64_MAX - 31);
    assert_false(ck_align_up(U64_MAX - 30, 32, &r));
    assert_false(ck_align_up(U64_MAX, 32, &r));
    assert_false(ck_align_up(U64_MAX, 2, &r));
    assert_true(ck_align_up(U64_MAX - 1, 2, &r));
    assert_int_equal(r, U64_MAX - 1);

    /* The biggest power of two. */
    assert_true(ck_align_up(TWO63, TWO63, &r));
    assert_int_equal(r, TWO63);
    assert_true(ck_align_up(1, TWO63, &r));
    assert_int_equal(r, TWO63);
    assert_false(ck_align_up(TWO63 + 1, TWO63, &r));
}

/* ===== the cursor ===== */

/* A file over an exact-size copy of 16 bytes 01 02 .. 10. */
typedef struct cfix {
    uint8_t *bytes;
    ck_file f;
    ck_diag d;
    ck_cursor c;
} cfix;

static const char CURSOR_FILE[] = "mem/cursor.bin";

static void cfix_init(cfix *x, uint64_t start, uint64_t end, bool big_endian) {
    uint8_t b[16];
    for (int i = 0; i < 16; i++) b[i] = (uint8_t)(i + 1);
    x->bytes = exact_copy(b, sizeof b);
    assert_int_equal(ck_file_from_memory(&x->f, CURSOR_FILE, x->bytes, sizeof b), CK_OK);
    ck_diag_init(&x->d, 0);
    ck_cursor_init(&x->c, &x->f, start, end, &x->d, &CK_RULE_GGUF_TRUNCATED);
    x->c.big_endian = big_endian;
}

static void cfix_free(cfix *x) {
    ck_diag_free(&x->d);
    ck_file_close(&x->f);
    free(x->bytes);
}

/* The cursor's one truncation finding: its rule, file, offset and what. */
static void assert_truncation(const cfix *x, int64_t offset, const char *what) {
    assert_int_equal(x->d.count, 1);
    assert_int_equal(x->d.status, CK_ERR_FORMAT);
    const ck_finding *f = &x->d.items[0];
    assert_ptr_equal(f->rule, &CK_RULE_GGUF_TRUNCATED);
    assert_non_null(f->file);
    assert_string_equal(f->file, CURSOR_FILE);
    assert_int_equal(f->offset, offset);
    assert_non_null(strstr(f->message, what));
    assert_null(f->key);
    assert_null(f->tensor);
}

static void test_cursor_init(void **state) {
    (void)state;
    cfix x;
    cfix_init(&x, 3, 10, false);
    assert_int_equal(x.c.pos, 3);
    assert_int_equal(x.c.end, 10);
    assert_int_equal(ck_cursor_left(&x.c), 7);
    cfix_free(&x);

    /* An end past the file is clamped to the file. */
    cfix_init(&x, 0, 1000, false);
    assert_int_equal(x.c.end, 16);
    assert_int_equal(ck_cursor_left(&x.c), 16);
    cfix_free(&x);

    /* A start past the end leaves nothing to read. */
    cfix_init(&x, 20, 16, false);
    assert_int_equal(ck_cursor_left(&x.c), 0);
    uint8_t v;
    assert_false(ck_cur_u8(&x.c, &v, "a byte"));
    assert_int_equal(x.c.pos, 20);
    assert_truncation(&x, 20, "a byte");
    cfix_free(&x);
}

static void test_cursor_reads_le(void **state) {
    (void)state;
    cfix x;
    cfix_init(&x, 0, 16, false);
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint64_t e;
    assert_true(ck_cur_u8(&x.c, &a, "u8"));
    assert_int_equal(a, 0x01);
    assert_true(ck_cur_u16(&x.c, &b, "u16"));
    assert_int_equal(b, 0x0302);
    assert_true(ck_cur_u32(&x.c, &c, "u32"));
    assert_int_equal(c, 0x07060504);
    assert_true(ck_cur_u64(&x.c, &e, "u64"));
    assert_int_equal(e, UINT64_C(0x0f0e0d0c0b0a0908));
    assert_int_equal(x.c.pos, 15);
    assert_true(ck_cur_u8(&x.c, &a, "u8"));
    assert_int_equal(a, 0x10);
    assert_int_equal(ck_cursor_left(&x.c), 0);
    assert_int_equal(x.d.count, 0);
    assert_int_equal(x.d.status, CK_OK);
    cfix_free(&x);
}

static void test_cursor_reads_be(void **state) {
    (void)state;
    cfix x;
    cfix_init(&x, 1, 16, true);
    uint16_t b;
    uint32_t c;
    uint64_t e;
    assert_true(ck_cur_u16(&x.c, &b, "u16"));
    assert_int_equal(b, 0x0203);
    assert_true(ck_cur_u32(&x.c, &c, "u32"));
    assert_int_equal(c, 0x04050607);
    assert_true(ck_cur_u64(&x.c, &e, "u64"));
    assert_int_equal(e, UINT64_C(0x08090a0b0c0d0e0f));
    assert_int_equal(x.c.pos, 15);
    cfix_free(&x);
}

/* Signed readers: two's complement in both byte orders. */
static void test_cursor_signed(void **state) {
    (void)state;
    static const uint8_t le[] = {0xfe, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80};
    static const uint8_t be[] = {0xff, 0xff, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    const uint8_t *bufs[2] = {le, be};
    for (int k = 0; k < 2; k++) {
        uint8_t *copy = exact_copy(bufs[k], sizeof le);
        ck_file f;
        ck_diag d;
        ck_cursor c;
        assert_int_equal(ck_file_from_memory(&f, "signed", copy, sizeof le), CK_OK);
        ck_diag_init(&d, 0);
        ck_cursor_init(&c, &f, 0, sizeof le, &d, &CK_RULE_GGUF_TRUNCATED);
        c.big_endian = k == 1;
        int32_t i32;
        int64_t i64;
        assert_true(ck_cur_i32(&c, &i32, "i32"));
        assert_int_equal(i32, -2);
        assert_true(ck_cur_i64(&c, &i64, "i64"));
        assert_true(i64 == INT64_MIN);
        assert_int_equal(d.count, 0);
        ck_diag_free(&d);
        ck_file_close(&f);
        free(copy);
    }
}

/* Every reader at exactly the end succeeds and leaves 0 bytes; one byte
 * short it fails, does not move, and names the file, offset and what. */
typedef enum rk { RK_U8, RK_U16, RK_U32, RK_U64, RK_I32, RK_I64, RK_BYTES, RK_SKIP } rk;

static const struct reader_case {
    rk kind;
    uint64_t size;
    const char *what;
} reader_cases[] = {
    {RK_U8, 1, "the u8"}, {RK_U16, 2, "the u16"}, {RK_U32, 4, "the u32"},
    {RK_U64, 8, "the u64"}, {RK_I32, 4, "the i32"}, {RK_I64, 8, "the i64"},
    {RK_BYTES, 5, "the bytes"}, {RK_SKIP, 7, "the skip"},
};

static bool read_one(ck_cursor *c, rk kind, uint64_t n, const char *what) {
    uint8_t a;
    uint16_t b;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    const uint8_t *p = NULL;
    switch (kind) {
    case RK_U8: return ck_cur_u8(c, &a, what);
    case RK_U16: return ck_cur_u16(c, &b, what);
    case RK_U32: return ck_cur_u32(c, &u32, what);
    case RK_U64: return ck_cur_u64(c, &u64, what);
    case RK_I32: return ck_cur_i32(c, &i32, what);
    case RK_I64: return ck_cur_i64(c, &i64, what);
    case RK_BYTES: return ck_cur_bytes(c, n, &p, what);
    case RK_SKIP: return ck_cur_skip(c, n, what);
    }
    return false;
}

static void test_cursor_exact_end(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof reader_cases / sizeof reader_cases[0]; i++) {
        const struct reader_case *rc = &reader_cases[i];
        for (int be = 0; be < 2; be++) {
            /* [start, start + size) is exactly what is left. */
            uint64_t start = 16 - rc->size;
            cfix x;
            cfix_init(&x, start, 16, be);
            assert_true(read_one(&x.c, rc->kind, rc->size, rc->what));
            assert_int_equal(x.c.pos, 16);
            assert_int_equal(ck_cursor_left(&x.c), 0);
            assert_int_equal(x.d.count, 0);
            cfix_free(&x);

            /* The same range ends one byte earlier: the read fails. */
            cfix_init(&x, start, 15, be);
            assert_false(read_one(&x.c, rc->kind, rc->size, rc->what));
            assert_int_equal(x.c.pos, start);
            assert_truncation(&x, (int64_t)start, rc->what);
            cfix_free(&x);

            /* Starting one byte later in the file: the same. */
            cfix_init(&x, start + 1, 16, be);
            assert_false(read_one(&x.c, rc->kind, rc->size, rc->what));
            assert_int_equal(x.c.pos, start + 1);
            assert_truncation(&x, (int64_t)(start + 1), rc->what);
            cfix_free(&x);
        }
    }
}

static void test_cursor_bytes(void **state) {
    (void)state;
    cfix x;
    cfix_init(&x, 4, 16, false);
    const uint8_t *p = NULL;
    assert_true(ck_cur_bytes(&x.c, 3, &p, "three bytes"));
    assert_ptr_equal(p, x.bytes + 4);
    assert_int_equal(p[0], 5);
    assert_int_equal(x.c.pos, 7);
    /* Zero bytes always fit, even at the end. */
    assert_true(ck_cur_skip(&x.c, 9, "the rest"));
    assert_int_equal(x.c.pos, 16);
    assert_true(ck_cur_bytes(&x.c, 0, &p, "nothing"));
    assert_ptr_equal(p, x.bytes + 16);
    assert_int_equal(x.c.pos, 16);
    assert_int_equal(x.d.count, 0);
    cfix_free(&x);

    /* Lengths that would wrap pos + n are refused, not wrapped. */
    uint64_t huge[] = {U64_MAX, U64_MAX - 3, TWO63, 13};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        cfix_init(&x, 4, 16, false);
        p = NULL;
        assert_false(ck_cur_bytes(&x.c, huge[i], &p, "a huge run"));
        assert_null(p);
        assert_int_equal(x.c.pos, 4);
        assert_truncation(&x, 4, "a huge run");
        cfix_free(&x);
        cfix_init(&x, 4, 16, false);
        assert_false(ck_cur_skip(&x.c, huge[i], "a huge skip"));
        assert_int_equal(x.c.pos, 4);
        assert_truncation(&x, 4, "a huge skip");
        cfix_free(&x);
    }
}

/* A failed read leaves the cursor usable: smaller reads still succeed. */
static void test_cursor_after_failure(void **state) {
    (void)state;
    cfix x;
    cfix_init(&x, 12, 16, false);
    uint64_t v64;
    uint32_t v32;
    assert_false(ck_cur_u64(&x.c, &v64, "u64"));
    assert_int_equal(x.c.pos, 12);
    assert_true(ck_cur_u32(&x.c, &v32, "u32"));
    assert_int_equal(v32, 0x100f0e0d);
    assert_int_equal(x.d.count, 1);
    cfix_free(&x);
}

/* The finding uses the rule the cursor was given. */
static void test_cursor_rule(void **state) {
    (void)state;
    uint8_t b[2] = {1, 2};
    ck_file f;
    ck_diag d;
    ck_cursor c;
    assert_int_equal(ck_file_from_memory(&f, "st", b, sizeof b), CK_OK);
    ck_diag_init(&d, 1);
    ck_cursor_init(&c, &f, 0, 2, &d, &CK_RULE_ST_TOO_SMALL);
    uint32_t v;
    assert_false(ck_cur_u32(&c, &v, "a length"));
    assert_int_equal(d.count, 1);
    assert_finding(&d.items[0], "st.too_small", 0, NULL, NULL);
    ck_diag_free(&d);
    ck_file_close(&f);
}

static void test_load(void **state) {
    (void)state;
    static const uint8_t b[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    assert_int_equal(ck_load_u16(b, false), 0x2211);
    assert_int_equal(ck_load_u16(b, true), 0x1122);
    assert_int_equal(ck_load_u32(b, false), 0x44332211);
    assert_int_equal(ck_load_u32(b, true), 0x11223344);
    assert_int_equal(ck_load_u64(b, false), UINT64_C(0x8877665544332211));
    assert_int_equal(ck_load_u64(b, true), UINT64_C(0x1122334455667788));
    /* Unaligned addresses. */
    static const uint8_t u[9] = {0, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0};
    assert_int_equal(ck_load_u32(u + 1, false), 0xddccbbaa);
    assert_int_equal(ck_load_u16(u + 1, true), 0xaabb);
}

/* ===== files ===== */

static void assert_io_failure(const ck_diag *d, const char *code, const char *path) {
    assert_int_equal(d->count, 1);
    assert_int_equal(d->status, CK_ERR_IO);
    assert_finding(&d->items[0], code, CK_NO_OFFSET, NULL, NULL);
    assert_non_null(d->items[0].file);
    assert_string_equal(d->items[0].file, path);
}

static void test_file_open_missing(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    char *path = path_join2(dir, "no-such-file.gguf");
    ck_file f;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_file_open(&f, path, &d), CK_ERR_IO);
    assert_io_failure(&d, "io.open", path);
    assert_null(f.data);
    assert_null(f.path);
    ck_diag_free(&d);
    free(path);
    tmpdir_remove(dir);
}

static void test_file_open_directory(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    ck_file f;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_file_open(&f, dir, &d), CK_ERR_IO);
    assert_io_failure(&d, "io.not_regular", dir);
    assert_null(f.path);
    ck_diag_free(&d);
    tmpdir_remove(dir);
}

static void test_file_open_device(void **state) {
    (void)state;
    ck_file f;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_file_open(&f, "/dev/null", &d), CK_ERR_IO);
    assert_io_failure(&d, "io.not_regular", "/dev/null");
    ck_diag_free(&d);
}

/* A FIFO with a writer attached (so that opening it for reading returns at
 * once): refused as not a regular file. */
static void test_file_open_fifo(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    char *path = path_join2(dir, "pipe.gguf");
    assert_int_equal(mkfifo(path, 0600), 0);
    int keep = open(path, O_RDWR | O_NONBLOCK);
    assert_true(keep >= 0);
    ck_file f;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_file_open(&f, path, &d), CK_ERR_IO);
    assert_io_failure(&d, "io.not_regular", path);
    ck_diag_free(&d);
    close(keep);
    free(path);
    tmpdir_remove(dir);
}

/* A FIFO that no process writes to: opening it for reading must not wait
 * for a writer (`ckpt inspect some-fifo` once hung). The open runs in a child
 * process so that a regression fails the test instead of hanging it. */
static void test_file_open_fifo_no_writer(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    char *path = path_join2(dir, "pipe.gguf");
    assert_int_equal(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ck_file f;
        ck_diag d;
        ck_diag_init(&d, 0);
        ck_status st = ck_file_open(&f, path, &d);
        int ok = st == CK_ERR_IO && d.count == 1 &&
                 strcmp(d.items[0].rule->code, "io.not_regular") == 0;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 200 && done == 0; i++) {
        done = waitpid(pid, &status, WNOHANG);
        if (done == 0) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    free(path);
    tmpdir_remove(dir);
    assert_true(done == pid);  /* false: ck_file_open blocked for 2 s */
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_file_open_empty(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    char *path = path_join2(dir, "empty.gguf");
    assert_true(write_file(path, "", 0));
    ck_file f;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_file_open(&f, path, &d), CK_OK);
    assert_int_equal(d.count, 0);
    assert_int_equal(f.size, 0);
    assert_null(f.data);
    assert_non_null(f.path);
    assert_string_equal(f.path, path);
    /* A cursor over an empty file has nothing to read. */
    ck_cursor c;
    ck_cursor_init(&c, &f, 0, 100, &d, &CK_RULE_GGUF_TRUNCATED);
    assert_int_equal(ck_cursor_left(&c), 0);
    uint8_t v;
    assert_false(ck_cur_u8(&c, &v, "the magic"));
    assert_int_equal(d.count, 1);
    assert_finding(&d.items[0], "gguf.truncated", 0, NULL, NULL);
    ck_file_close(&f);
    assert_null(f.path);
    ck_diag_free(&d);
    free(path);
    tmpdir_remove(dir);
}

static void test_file_open_regular(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    char *path = path_join2(dir, "data.bin");
    uint8_t bytes[5000];
    for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)(i * 7);
    assert_true(write_file(path, bytes, sizeof bytes));
    ck_file f;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_file_open(&f, path, &d), CK_OK);
    assert_int_equal(f.size, sizeof bytes);
    assert_non_null(f.data);
    assert_int_equal(f.mapped, 1);
    assert_memory_equal(f.data, bytes, sizeof bytes);
    assert_ptr_not_equal(f.path, path);
    assert_string_equal(f.path, path);
    ck_file_will_read(&f, 100, 4000);
    ck_file_will_read(&f, 4999, 1000000);
    ck_file_will_read(&f, 5000, 10);
    /* A cursor reads the mapping. */
    ck_cursor c;
    ck_cursor_init(&c, &f, 4996, U64_MAX, &d, &CK_RULE_GGUF_TRUNCATED);
    uint32_t v;
    assert_true(ck_cur_u32(&c, &v, "the tail"));
    assert_int_equal(v, ck_load_u32(bytes + 4996, false));
    assert_false(ck_cur_u8(&c, (uint8_t *)&v, "past the end"));
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].offset, 5000);
    ck_file_close(&f);
    ck_diag_free(&d);
    free(path);
    tmpdir_remove(dir);
}

static void test_file_from_memory(void **state) {
    (void)state;
    char name[] = "model.gguf";
    uint8_t *buf = exact_copy("GGUFxyz", 7);
    ck_file f;
    assert_int_equal(ck_file_from_memory(&f, name, buf, 7), CK_OK);
    assert_ptr_equal(f.data, buf);
    assert_int_equal(f.size, 7);
    assert_int_equal(f.mapped, 0);
    /* The name is copied. */
    assert_ptr_not_equal(f.path, name);
    name[0] = 'X';
    assert_string_equal(f.path, "model.gguf");
    ck_file_will_read(&f, 0, 7);
    ck_file_close(&f);
    assert_null(f.path);
    assert_null(f.data);
    /* The buffer is not freed by close: it is still ours. */
    assert_memory_equal(buf, "GGUFxyz", 7);
    free(buf);

    /* Zero bytes. */
    assert_int_equal(ck_file_from_memory(&f, "", NULL, 0), CK_OK);
    assert_int_equal(f.size, 0);
    assert_string_equal(f.path, "");
    ck_file_close(&f);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_u64),
        cmocka_unit_test(test_mul_u64),
        cmocka_unit_test(test_align_up),
        cmocka_unit_test(test_cursor_init),
        cmocka_unit_test(test_cursor_reads_le),
        cmocka_unit_test(test_cursor_reads_be),
        cmocka_unit_test(test_cursor_signed),
        cmocka_unit_test(test_cursor_exact_end),
        cmocka_unit_test(test_cursor_bytes),
        cmocka_unit_test(test_cursor_after_failure),
        cmocka_unit_test(test_cursor_rule),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_file_open_missing),
        cmocka_unit_test(test_file_open_directory),
        cmocka_unit_test(test_file_open_device),
        cmocka_unit_test(test_file_open_fifo),
        cmocka_unit_test(test_file_open_fifo_no_writer),
        cmocka_unit_test(test_file_open_empty),
        cmocka_unit_test(test_file_open_regular),
        cmocka_unit_test(test_file_from_memory),
    };
    return cmocka_run_group_tests_name("cursor", tests, NULL, tmpdir_teardown) ? 1 : 0;
}
