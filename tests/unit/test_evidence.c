/* Unit tests: evidence to verify against (ckpt manifests, sha256sum files,
 * Git LFS pointers, llama-gguf-hash manifests, --sha256), parsed from memory
 * and from files; the real llama-gguf-hash outputs of the reference corpus
 * (argv[2]) against their ref.json; sniffing evidence from models.
 */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "ckpt/evidence.h"
#include "ckpt/hash.h"
#include "ckpt/rules.h"
#include "tmpdir.h"

static const char EV_NAME[] = "mem/evidence.txt";

/* Digests used by the tests: a distinct hex string per letter. */
#define H8(c) c c c c c c c c
#define H16(c) H8(c) H8(c)
#define H32(c) H16(c) H16(c)
#define H40(c) H32(c) H8(c)
#define H64(c) H32(c) H32(c)

/* ===== helpers ===== */

static void unhex_t(const char *hex, uint8_t *out, size_t n) {
    assert_true(ck_unhex(hex, strlen(hex), out, n));
}

static void assert_digest(const uint8_t *got, const char *hex, size_t n) {
    uint8_t want[64];
    unhex_t(hex, want, n);
    assert_memory_equal(got, want, n);
}

/* Parse n bytes from an exact-size copy (so that the sanitizers see any
 * read past the end; the evidence keeps copies of what it needs). */
static ck_status parse_mem(ck_evidence *ev, const void *data, size_t n, ck_diag *d) {
    uint8_t *copy = exact_copy(data, n);
    ck_status st = ck_evidence_parse(ev, EV_NAME, (const char *)copy, n, d);
    free(copy);
    return st;
}

/* Accepted with no finding, of this kind. */
static void parse_ok_n(ck_evidence *ev, const char *text, size_t n, ck_evidence_kind kind) {
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = parse_mem(ev, text, n, &d);
    if (d.count) print_error("unexpected finding %s: %s\n", d.items[0].rule->code, d.items[0].message);
    assert_int_equal(st, CK_OK);
    assert_int_equal(d.count, 0);
    assert_int_equal(ev->kind, kind);
    assert_string_equal(ev->source, EV_NAME);
    ck_diag_free(&d);
}

static void parse_ok(ck_evidence *ev, const char *text, ck_evidence_kind kind) {
    parse_ok_n(ev, text, strlen(text), kind);
}

/* Refused with exactly one finding of rule code; the message names line
 * `line` (when > 0) and contains `part` (when not NULL). Nothing is left. */
static void expect_refused_n(const char *text, size_t n, const char *code, int line, const char *part) {
    ck_evidence ev;
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = parse_mem(&ev, text, n, &d);
    if (d.count && strcmp(d.items[0].rule->code, code) != 0)
        print_error("%.*s\n-> %s: %s\n", (int)(n > 300 ? 300 : n), text, d.items[0].rule->code,
                    d.items[0].message);
    assert_int_equal(st, CK_ERR_FORMAT);
    assert_strict_failure(&d, code, ANY_OFFSET, ANY, ANY);
    assert_string_equal(d.items[0].file, EV_NAME);
    const char *msg = d.items[0].message;
    if (line > 0) {
        char want[32];
        snprintf(want, sizeof want, "line %d: ", line);
        if (strncmp(msg, want, strlen(want)) != 0) fail_msg("message '%s' does not start with '%s'", msg, want);
        assert_true(d.items[0].offset >= 0);
    }
    if (part && !strstr(msg, part)) fail_msg("message '%s' does not say '%s'", msg, part);
    assert_null(ev.files);
    assert_null(ev.tensors);
    assert_null(ev.streams);
    assert_null(ev.skipped);
    assert_null(ev.source);
    assert_int_equal(ev.n_files + ev.n_tensors + ev.n_streams + ev.n_skipped, 0);
    ck_evidence_free(&ev);
    ck_diag_free(&d);
}

static void expect_refused(const char *text, const char *code, int line, const char *part) {
    expect_refused_n(text, strlen(text), code, line, part);
}

static const ck_ev_tensor *find_tensor(const ck_evidence *ev, const char *file, const char *name) {
    for (size_t i = 0; i < ev->n_tensors; i++)
        if (strcmp(ev->tensors[i].name, name) == 0 &&
            (!file || (ev->tensors[i].file && strcmp(ev->tensors[i].file, file) == 0)))
            return &ev->tensors[i];
    return NULL;
}

/* ===== ckpt manifest ===== */

#define MAN_HEAD "{\"schema\":\"ckpt.hash/1\",\"path\":\"m\",\"format\":\"gguf\","

static void test_manifest(void **state) {
    (void)state;
    const char *json =
        "\n  " MAN_HEAD
        "\"files\":[{\"path\":\"dir/model-00001-of-00002.safetensors\",\"name\":\"model-00001-of-00002.safetensors\","
        "\"size\":1024,\"sha256\":\"" H64("a") "\",\"header_bytes\":128,\"header_sha256\":\"" H64("B") "\"},"
        "{\"path\":\"some/dir/model-00002-of-00002.safetensors\",\"size\":2048,\"header_bytes\":8},"
        "{\"path\":\"plain.gguf\"}],"
        "\"tensors\":[{\"name\":\"a.weight\",\"dtype\":\"BF16\",\"shape\":[4,8],"
        "\"file\":\"model-00001-of-00002.safetensors\",\"offset\":136,\"nbytes\":64,"
        "\"xxh3_128\":\"" H32("c") "\",\"sha256\":\"" H64("d") "\"},"
        "{\"name\":\"scalar\",\"dtype\":\"F32\",\"shape\":[],\"offset\":200},"
        "{\"name\":\"bare\"}],"
        "\"model_digest\":\"" H64("e") "\",\"future_field\":[1,2]}\n";
    ck_evidence ev;
    parse_ok(&ev, json, CK_EV_MANIFEST);
    assert_int_equal(ev.n_files, 3);
    assert_string_equal(ev.files[0].name, "model-00001-of-00002.safetensors");
    assert_true(ev.files[0].has_size && ev.files[0].has_sha256 && ev.files[0].has_header);
    assert_int_equal(ev.files[0].size, 1024);
    assert_digest(ev.files[0].sha256, H64("a"), 32);
    assert_int_equal(ev.files[0].header_bytes, 128);
    assert_digest(ev.files[0].header_sha256, H64("b"), 32);
    assert_int_equal(ev.files[0].line, 0);
    /* No name: the base name of the path. Only header_bytes: no header. */
    assert_string_equal(ev.files[1].name, "model-00002-of-00002.safetensors");
    assert_true(ev.files[1].has_size);
    assert_false(ev.files[1].has_sha256);
    assert_false(ev.files[1].has_header);
    assert_int_equal(ev.files[1].size, 2048);
    assert_string_equal(ev.files[2].name, "plain.gguf");
    assert_false(ev.files[2].has_size);

    assert_int_equal(ev.n_tensors, 3);
    const ck_ev_tensor *t = &ev.tensors[0];
    assert_string_equal(t->name, "a.weight");
    assert_string_equal(t->file, "model-00001-of-00002.safetensors");
    assert_string_equal(t->dtype, "BF16");
    assert_int_equal(t->rank, 2);
    assert_int_equal(t->shape[0], 4);
    assert_int_equal(t->shape[1], 8);
    assert_true(t->has_range && t->has_xxh3 && t->has_sha256);
    assert_false(t->has_xxh64 || t->has_sha1);
    assert_int_equal(t->offset, 136);
    assert_int_equal(t->nbytes, 64);
    assert_digest(t->xxh3_128, H32("c"), 16);
    assert_digest(t->sha256, H64("d"), 32);
    t = &ev.tensors[1];
    assert_non_null(t->shape); /* a scalar's shape is stated: [] */
    assert_int_equal(t->rank, 0);
    assert_false(t->has_range); /* offset without nbytes */
    assert_null(t->file);
    t = &ev.tensors[2];
    assert_string_equal(t->name, "bare");
    assert_null(t->dtype);
    assert_null(t->shape);
    assert_false(t->has_xxh3 || t->has_sha256 || t->has_range);
    assert_true(ev.has_model_digest);
    assert_digest(ev.model_digest, H64("e"), 32);
    assert_int_equal(ev.n_streams + ev.n_skipped, 0);
    ck_evidence_free(&ev);
    ck_evidence_free(&ev); /* freeing twice is harmless: free zeroes */

    /* An array of one manifest is that manifest; no model_digest is fine. */
    parse_ok(&ev, "[" MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"x\"}]}]", CK_EV_MANIFEST);
    assert_int_equal(ev.n_tensors, 1);
    assert_false(ev.has_model_digest);
    ck_evidence_free(&ev);
}

static void test_manifest_refused(void **state) {
    (void)state;
    const char *M = "evidence.manifest";
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},"
                            "{\"name\":\"d\",\"xxh3_128\":\"" H32("0") "0\"}]}",
                   M, 0, "tensors[3].xxh3_128 is not 32 hex digits");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"xxh3_128\":\"" H32("g") "\"}]}", M, 0,
                   "tensors[0].xxh3_128 is not 32 hex digits");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"sha256\":7}]}", M, 0,
                   "tensors[0].sha256 is not 64 hex digits");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"f\",\"size\":-1}],\"tensors\":[]}", M, 0,
                   "files[0].size is not a non-negative integer");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"f\",\"size\":1.0}],\"tensors\":[]}", M, 0,
                   "files[0].size is not a non-negative integer");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"f\",\"size\":\"12\"}],\"tensors\":[]}", M, 0,
                   "files[0].size is not a non-negative integer");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"f\"},{\"name\":\"g\",\"header_bytes\":true}],\"tensors\":[]}",
                   M, 0, "files[1].header_bytes is not a non-negative integer");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"f\",\"header_sha256\":\"" H64("a") "a\"}],\"tensors\":[]}", M,
                   0, "files[0].header_sha256 is not 64 hex digits");
    expect_refused(MAN_HEAD "\"files\":[{\"size\":1}],\"tensors\":[]}", M, 0, "files[0] has neither name nor path");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":3}],\"tensors\":[]}", M, 0, "files[0].name is not a string");
    expect_refused(MAN_HEAD "\"files\":[{\"path\":\"dir/\"}],\"tensors\":[]}", M, 0, "files[0] has an empty name");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"../x.gguf\"}],\"tensors\":[]}", M, 0, "'..'");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"/etc/x\"}],\"tensors\":[]}", M, 0, "absolute");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"f\"},{\"path\":\"x/f\"}],\"tensors\":[]}", M, 0,
                   "files[1].name 'f' appears twice");
    expect_refused(MAN_HEAD "\"files\":[7],\"tensors\":[]}", M, 0, "files[0] is not an object");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", M, 0,
                   "tensors[1].name 'a' appears twice");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"dtype\":\"F32\"}]}", M, 0, "tensors[0] has no name");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":null}]}", M, 0, "tensors[0].name is not a string");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"shape\":[2,-3]}]}", M, 0,
                   "tensors[0].shape[1] is not a non-negative integer");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"shape\":[2,3.5]}]}", M, 0,
                   "tensors[0].shape[1] is not a non-negative integer");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"shape\":\"2x3\"}]}", M, 0,
                   "tensors[0].shape is not an array");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"offset\":1e3,\"nbytes\":4}]}", M, 0,
                   "tensors[0].offset is not a non-negative integer");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"nbytes\":-4}]}", M, 0,
                   "tensors[0].nbytes is not a non-negative integer");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"dtype\":[]}]}", M, 0,
                   "tensors[0].dtype is not a string");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"file\":\"../../x\"}]}", M, 0,
                   "tensors[0].file");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[7]}", M, 0, "tensors[0] is not an object");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[{\"name\":\"a\",\"file\":\"\"}]}", M, 0,
                   "tensors[0].file is empty");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[],\"model_digest\":\"abc\"}", M, 0,
                   "model_digest is not 64 hex digits");
    expect_refused(MAN_HEAD "\"tensors\":[]}", M, 0, "has no files array");
    expect_refused(MAN_HEAD "\"files\":{},\"tensors\":[]}", M, 0, "files is not an array");
    expect_refused(MAN_HEAD "\"files\":[]}", M, 0, "has no tensors array");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":{}}", M, 0, "tensors is not an array");
    /* Not JSON, duplicate keys, a number too big for an integer. */
    expect_refused("{\"schema\":\"ckpt.hash/1\",", M, 0, "is not valid JSON");
    expect_refused(MAN_HEAD "\"files\":[],\"files\":[],\"tensors\":[]}", M, 0, "is not valid JSON");
    expect_refused(MAN_HEAD "\"files\":[{\"name\":\"f\",\"size\":99999999999999999999}],\"tensors\":[]}", M, 0,
                   "is not valid JSON");
    expect_refused(MAN_HEAD "\"files\":[],\"tensors\":[]} trailing", M, 0, "is not valid JSON");
    /* Other JSON documents. */
    expect_refused("{\"schema\":\"ckpt.inspect/1\",\"files\":[]}", M, 0, "has schema 'ckpt.inspect/1'");
    expect_refused("{\"metadata\":{\"total_size\":4},\"weight_map\":{\"a\":\"m.safetensors\"}}", M, 0,
                   "not a ckpt manifest");
    expect_refused("[" MAN_HEAD "\"files\":[],\"tensors\":[]}," MAN_HEAD "\"files\":[],\"tensors\":[]}]", M, 0,
                   "describes 2 models; verify against one");
    expect_refused("[]", M, 0, "is a JSON array");
    expect_refused("[1,2]", M, 0, "is a JSON array");
}

/* ===== Git LFS pointer ===== */

#define LFS_V "version https://git-lfs.github.com/spec/v1\n"

static void test_lfs(void **state) {
    (void)state;
    ck_evidence ev;
    parse_ok(&ev, LFS_V "oid sha256:" H64("a") "\nsize 4368785\n", CK_EV_LFS);
    assert_int_equal(ev.n_files, 1);
    assert_null(ev.files[0].name);
    assert_true(ev.files[0].has_size && ev.files[0].has_sha256);
    assert_false(ev.files[0].has_header);
    assert_int_equal(ev.files[0].size, 4368785);
    assert_digest(ev.files[0].sha256, H64("a"), 32);
    assert_int_equal(ev.files[0].line, 2);
    assert_int_equal(ev.n_tensors + ev.n_streams + ev.n_skipped, 0);
    ck_evidence_free(&ev);

    /* Extension keys are ignored; CRLF; no final newline; a huge size. */
    parse_ok(&ev,
             "version https://git-lfs.github.com/spec/v1\r\next-0-foo sha256:" H64("1") "\r\noid sha256:" H64(
                 "C") "\r\nsize 9223372036854775807",
             CK_EV_LFS);
    assert_int_equal(ev.files[0].size, INT64_MAX);
    assert_digest(ev.files[0].sha256, H64("c"), 32);
    assert_int_equal(ev.files[0].line, 3);
    ck_evidence_free(&ev);
}

static void test_lfs_refused(void **state) {
    (void)state;
    const char *L = "evidence.lfs";
    expect_refused(LFS_V "size 12\n", L, 0, "has no oid line");
    expect_refused(LFS_V "oid sha256:" H64("a") "\n", L, 0, "has no size line");
    expect_refused(LFS_V "oid sha1:" H40("a") "\nsize 1\n", L, 2, "sha256:<64 hex digits>");
    expect_refused(LFS_V "oid sha256:" H64("a") "0\nsize 1\n", L, 2, "sha256:<64 hex digits>");
    expect_refused(LFS_V "oid sha256:" H64("a") "\nsize -5\n", L, 3, "size is not a decimal byte count");
    expect_refused(LFS_V "oid sha256:" H64("a") "\nsize 12a\n", L, 3, "size is not a decimal byte count");
    expect_refused(LFS_V "oid sha256:" H64("a") "\nsize \n", L, 3, "size is not a decimal byte count");
    expect_refused(LFS_V "oid sha256:" H64("a") "\nsize 9223372036854775808\n", L, 3, "decimal byte count");
    expect_refused(LFS_V "oid sha256:" H64("a") "\nsize 99999999999999999999\n", L, 3, "decimal byte count");
    expect_refused(LFS_V "oid sha256:" H64("a") "\noid sha256:" H64("b") "\nsize 1\n", L, 3, "oid twice");
    expect_refused(LFS_V "oid sha256:" H64("a") "\nsize 1\nsize 1\n", L, 4, "size twice");
    expect_refused(LFS_V LFS_V "oid sha256:" H64("a") "\nsize 1\n", L, 2, "version twice");
    expect_refused(LFS_V "garbage\n", L, 2, "'key value'");
    expect_refused(LFS_V "Oid sha256:" H64("a") "\n", L, 2, "'key value'");
    static const char nul[] = LFS_V "oid sha256:" H64("a") "\nsi\0e 1\n";
    expect_refused_n(nul, sizeof nul - 1, L, 3, "NUL");
}

/* ===== sha256sum ===== */

static void test_sha256sum(void **state) {
    (void)state;
    const char *text = H64("a") "  model-00001-of-00002.safetensors\n"     /* 1: text mode */
                       H64("B") " *model-00002-of-00002.safetensors\n"     /* 2: binary, upper case */
                       "\n"                                                /* 3 */
                       "# a comment\n"                                     /* 4 */
                       "\\" H64("c") "  dir\\\\with\\nnewline\\r\n"        /* 5: escaped */
                       "SHA256 (bsd name (1).gguf) = " H64("d") "\n"       /* 6: BSD tag */
                       "\\SHA256 (bsd\\\\esc) = " H64("e") "\n"            /* 7: escaped BSD */
                       H64("f") "  caf\xc3\xa9 \xff\\x.gguf\n"             /* 8: bytes kept */
                       H64("a") "  model-00001-of-00002.safetensors\n"     /* 9: the same again */
                       H64("0") "  trailing space \n"                      /* 10 */
                       "SHA2-256 (sha2) = " H64("1");                      /* 11: no final newline */
    ck_evidence ev;
    parse_ok(&ev, text, CK_EV_SHA256SUM);
    assert_int_equal(ev.n_files, 8);
    static const struct {
        const char *name, *hex;
        int line;
    } want[] = {
        {"model-00001-of-00002.safetensors", H64("a"), 1},
        {"model-00002-of-00002.safetensors", H64("b"), 2},
        {"dir\\with\nnewline\r", H64("c"), 5},
        {"bsd name (1).gguf", H64("d"), 6},
        {"bsd\\esc", H64("e"), 7},
        {"caf\xc3\xa9 \xff\\x.gguf", H64("f"), 8},
        {"trailing space ", H64("0"), 10},
        {"sha2", H64("1"), 11},
    };
    for (size_t i = 0; i < ev.n_files; i++) {
        assert_string_equal(ev.files[i].name, want[i].name);
        assert_true(ev.files[i].has_sha256);
        assert_false(ev.files[i].has_size || ev.files[i].has_header);
        assert_digest(ev.files[i].sha256, want[i].hex, 32);
        assert_int_equal(ev.files[i].line, want[i].line);
    }
    ck_evidence_free(&ev);

    /* CRLF line ends, and BSD-reversed "HEX NAME". */
    parse_ok(&ev, H64("a") "  a.gguf\r\n" H64("b") " b.gguf\r\n", CK_EV_SHA256SUM);
    assert_int_equal(ev.n_files, 2);
    assert_string_equal(ev.files[0].name, "a.gguf");
    assert_string_equal(ev.files[1].name, "b.gguf");
    ck_evidence_free(&ev);

    /* A UTF-8 byte order mark is skipped; a very long name is kept whole. */
    size_t long_n = 1u << 20;
    char *big = malloc(3 + 66 + long_n + 2);
    assert_non_null(big);
    memcpy(big, "\xEF\xBB\xBF" H64("a") "  ", 69);
    memset(big + 69, 'n', long_n);
    big[69 + long_n] = '\n';
    parse_ok_n(&ev, big, 69 + long_n + 1, CK_EV_SHA256SUM);
    assert_int_equal(ev.n_files, 1);
    assert_int_equal(strlen(ev.files[0].name), long_n);
    ck_evidence_free(&ev);
    free(big);
}

static void test_sha256sum_refused(void **state) {
    (void)state;
    const char *E = "evidence.line";
    expect_refused(H64("a") "  a\n" H64("b") "  b\n" H32("c") H32("c") "0  c\n", E, 3, "is not 64 hex digits");
    expect_refused(H64("a") "  a\n\n" H32("c") "  md5.gguf\n", E, 3, "is not 64 hex digits");
    expect_refused(H64("a") "  a.gguf\n" H64("b") "  b.gguf\n" H64("c") "  a.gguf\n", E, 3,
                   "states a second, different hash for a.gguf");
    expect_refused("\\" H64("a") "  x\\ty\n", E, 1, "invalid escape");
    expect_refused("\\" H64("a") "  x\\\n", E, 1, "invalid escape");
    expect_refused(H64("a") "  a\n" H64("b") "  \n", E, 2, "names no file");
    expect_refused(H64("a") "  a\nnot a checksum line\n", E, 2, "is not a sha256sum line");
    expect_refused(H64("a") "  a\nSHA256 (x = " H64("b") "\n", E, 2, "is not a sha256sum line");
    expect_refused(H64("a") "  a\nSHA256 (x) = " H64("b") "z\n", E, 2, "is not 64 hex digits");
    static const char nul[] = H64("a") "  a\n" H64("b") "  b\0c\n";
    expect_refused_n(nul, sizeof nul - 1, E, 2, "NUL");
    /* A sha512sum file: its first line is a checksum line of the wrong size. */
    expect_refused(H64("a") H64("b") "  big.gguf\n", E, 1, "is not 64 hex digits");
}

/* ===== llama-gguf-hash ===== */

#define UUID1 "7e316c62-cdf9-5c58-940f-d1d55b98ab0d"

static void test_gguf_hash(void **state) {
    (void)state;
    const char *text = "xxh64     2f60aa07ff80ce74  m.gguf:output.weight\n"                  /* 1 */
                       "sha1      " H40("1") "  m.gguf:output.weight\n"                     /* 2 */
                       "sha256    " H64("2") "  m.gguf:output.weight\n"                     /* 3 */
                       "xxh64     00000000000000FF  m.gguf:tok:with:colons\n"                /* 4 */
                       "uuid      " UUID1 "  m.gguf:output.weight\n"                         /* 5 */
                       "md5       " H32("3") "  m.gguf:output.weight\n"                      /* 6 */
                       "\n"                                                                 /* 7 */
                       "xxh64     0f7e749fc6752d39  m.gguf\n"                                /* 8 */
                       "sha1      " H40("4") "  m.gguf\n"                                    /* 9 */
                       "sha256    " H64("5") "  m.gguf\n"                                    /* 10 */
                       "uuid      " UUID1 "  m.gguf\r\n"                                     /* 11 */
                       "xxh64     2f60aa07ff80ce74  m.gguf:output.weight\n"                  /* 12: again */
                       "xxh64     0000000000000001  other dir/x.gguf:t\n";                   /* 13 */
    ck_evidence ev;
    parse_ok(&ev, text, CK_EV_GGUF_HASH);
    assert_int_equal(ev.n_files, 0);
    assert_int_equal(ev.n_tensors, 3);
    const ck_ev_tensor *t = &ev.tensors[0];
    assert_string_equal(t->name, "output.weight");
    assert_string_equal(t->file, "m.gguf");
    assert_int_equal(t->line, 1);
    assert_true(t->has_xxh64 && t->has_sha1 && t->has_sha256);
    assert_false(t->has_xxh3 || t->has_range);
    assert_null(t->dtype);
    assert_null(t->shape);
    assert_true(t->xxh64 == 0x2f60aa07ff80ce74ull);
    assert_digest(t->sha1, H40("1"), 20);
    assert_digest(t->sha256, H64("2"), 32);
    t = &ev.tensors[1];
    assert_string_equal(t->name, "tok:with:colons"); /* split at the first ':' */
    assert_string_equal(t->file, "m.gguf");
    assert_true(t->has_xxh64 && !t->has_sha1 && !t->has_sha256);
    assert_true(t->xxh64 == 0xff);
    assert_int_equal(t->line, 4);
    t = &ev.tensors[2];
    assert_string_equal(t->file, "other dir/x.gguf");
    assert_string_equal(t->name, "t");

    assert_int_equal(ev.n_streams, 1);
    const ck_ev_stream *s = &ev.streams[0];
    assert_string_equal(s->file, "m.gguf");
    assert_true(s->has_xxh64 && s->has_sha1 && s->has_sha256 && s->has_uuid);
    assert_true(s->xxh64 == 0x0f7e749fc6752d39ull);
    assert_digest(s->sha1, H40("4"), 20);
    assert_digest(s->sha256, H64("5"), 32);
    char u[37];
    ck_uuid_str(s->uuid, u);
    assert_string_equal(u, UUID1);
    assert_int_equal(s->line_xxh64, 8);
    assert_int_equal(s->line_sha1, 9);
    assert_int_equal(s->line_sha256, 10);
    assert_int_equal(s->line_uuid, 11);

    assert_int_equal(ev.n_skipped, 2);
    assert_int_equal(ev.skipped[0].line, 5);
    assert_string_equal(ev.skipped[0].text, "uuid      " UUID1 "  m.gguf:output.weight");
    assert_string_equal(ev.skipped[0].why, "llama-gguf-hash writes uuid lines for whole models only");
    assert_int_equal(ev.skipped[1].line, 6);
    assert_string_equal(ev.skipped[1].why, "unknown hash type 'md5'");
    ck_evidence_free(&ev);

    /* A manifest whose first line has an unknown type is still one. */
    parse_ok(&ev, "blake3    " H64("a") "  m.gguf\nsha256    " H64("b") "  m.gguf", CK_EV_GGUF_HASH);
    assert_int_equal(ev.n_streams, 1);
    assert_int_equal(ev.n_skipped, 1);
    assert_string_equal(ev.skipped[0].why, "unknown hash type 'blake3'");
    ck_evidence_free(&ev);
}

static void test_gguf_hash_refused(void **state) {
    (void)state;
    const char *E = "evidence.line";
    expect_refused("xxh64     2f60aa07ff80ce74  m.gguf:a\nxxh64     2f60aa07  m.gguf:b\n", E, 2,
                   "xxh64 hash '2f60aa07' is not 16 hex digits");
    expect_refused("xxh64     2f60aa07ff80ce74  m.gguf:a\n\nsha1      " H64("1") "  m.gguf:a\n", E, 3,
                   "sha1 hash");
    expect_refused("sha256    " H40("1") "  m.gguf\n", E, 1, "sha256 hash");
    expect_refused("xxh64     2f60aa07ff80ce7g  m.gguf\n", E, 1, "is not 16 hex digits");
    expect_refused("xxh64     2f60aa07ff80ce74  m.gguf\nuuid      7e316c62cdf95c58940fd1d55b98ab0d  m.gguf\n", E,
                   2, "is not a UUID");
    expect_refused("xxh64     2f60aa07ff80ce74  m.gguf:a\nxxh64     2f60aa07ff80ce75  m.gguf:a\n", E, 2,
                   "states a second, different hash for m.gguf:a");
    expect_refused("sha1      " H40("1") "  m.gguf\nsha1      " H40("2") "  m.gguf\n", E, 2,
                   "states a second, different hash for m.gguf");
    expect_refused("xxh64     2f60aa07ff80ce74  m.gguf:a\nxxh64     2f60aa07ff80ce74\n", E, 2,
                   "is not a llama-gguf-hash line");
    expect_refused("xxh64     2f60aa07ff80ce74  m.gguf:a\nxxh64     2f60aa07ff80ce74  \n", E, 2, "names no file");
    expect_refused("xxh64     2f60aa07ff80ce74  :a\n", E, 1, "no file before ':'");
    expect_refused("xxh64     2f60aa07ff80ce74  m.gguf:\n", E, 1, "no tensor after ':'");
    static const char nul[] = "xxh64     2f60aa07ff80ce74  m.gguf:a\nxxh64     2f60aa07ff80ce74  m.g\0uf\n";
    expect_refused_n(nul, sizeof nul - 1, E, 2, "NUL");
}

/* The real outputs of llama-gguf-hash --all --uuid in the corpus equal the
 * per-tensor and whole-model hashes of the matching ref.json. */
static void check_corpus_hash_file(const char *dir, const char *txt) {
    char *path = path_join2(dir, txt);
    size_t base_len = strlen(txt) - strlen(".gguf-hash.txt");
    char *gguf = malloc(base_len + 1);
    assert_non_null(gguf);
    memcpy(gguf, txt, base_len);
    gguf[base_len] = 0;
    char *ref_name = malloc(base_len + 10);
    assert_non_null(ref_name);
    snprintf(ref_name, base_len + 10, "%s.ref.json", gguf);
    char *ref_path = path_join2(dir, ref_name);
    json_error_t err;
    json_t *ref = json_load_file(ref_path, 0, &err);
    if (!ref) fail_msg("%s: %s", ref_path, err.text);

    ck_evidence ev;
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = ck_evidence_load(&ev, path, &d);
    if (st != CK_OK) fail_msg("%s: %s", path, d.count ? d.items[0].message : "?");
    assert_int_equal(ev.kind, CK_EV_GGUF_HASH);
    assert_string_equal(ev.source, path);
    assert_true(ck_evidence_sniff(path));

    json_t *tensors = json_object_get(ref, "tensors");
    assert_true(json_is_array(tensors));
    assert_int_equal(ev.n_tensors, json_array_size(tensors));
    assert_int_equal(ev.n_skipped, 0);
    size_t i;
    json_t *jt;
    json_array_foreach(tensors, i, jt) {
        const char *name = json_string_value(json_object_get(jt, "name"));
        assert_non_null(name);
        const ck_ev_tensor *t = find_tensor(&ev, gguf, name);
        if (!t) fail_msg("%s: no tensor %s", path, name);
        assert_true(t->has_xxh64 && t->has_sha1 && t->has_sha256);
        uint8_t x[8];
        unhex_t(json_string_value(json_object_get(jt, "xxh64")), x, 8);
        uint64_t want = 0;
        for (int k = 0; k < 8; k++) want = want << 8 | x[k];
        assert_true(t->xxh64 == want);
        assert_digest(t->sha256, json_string_value(json_object_get(jt, "sha256")), 32);
    }
    json_t *all = json_object_get(json_object_get(ref, "totals"), "all_tensor_data_hashes");
    assert_true(json_is_object(all));
    assert_int_equal(ev.n_streams, 1);
    const ck_ev_stream *s = &ev.streams[0];
    assert_string_equal(s->file, gguf);
    assert_true(s->has_xxh64 && s->has_sha1 && s->has_sha256 && s->has_uuid);
    char hex[65];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)s->xxh64);
    assert_string_equal(hex, json_string_value(json_object_get(all, "xxh64")));
    ck_hex(s->sha1, 20, hex);
    assert_string_equal(hex, json_string_value(json_object_get(all, "sha1")));
    ck_hex(s->sha256, 32, hex);
    assert_string_equal(hex, json_string_value(json_object_get(all, "sha256")));
    char u[37];
    ck_uuid_str(s->uuid, u);
    assert_string_equal(u, json_string_value(json_object_get(all, "uuid")));
    assert_true(s->line_xxh64 > 0 && s->line_sha1 > 0 && s->line_sha256 > 0 && s->line_uuid > 0);

    ck_evidence_free(&ev);
    ck_diag_free(&d);
    json_decref(ref);
    free(ref_path);
    free(ref_name);
    free(gguf);
    free(path);
}

static void test_gguf_hash_corpus(void **state) {
    (void)state;
    char *dir = path_join2(g_corpus, "gguf");
    DIR *dh = opendir(dir);
    if (!dh) fail_msg("cannot open %s", dir);
    size_t files = 0;
    struct dirent *e;
    const char *suffix = ".gguf-hash.txt";
    while ((e = readdir(dh))) {
        size_t n = strlen(e->d_name), k = strlen(suffix);
        if (n <= k || strcmp(e->d_name + n - k, suffix) != 0) continue;
        check_corpus_hash_file(dir, e->d_name);
        files++;
    }
    closedir(dh);
    free(dir);
    assert_true(files >= 10);
    print_message("%zu llama-gguf-hash manifests match their ref.json\n", files);
}

/* ===== what is none of them ===== */

static void test_not_evidence(void **state) {
    (void)state;
    const char *F = "evidence.format";
    expect_refused("", F, 0, "is not a ckpt manifest, a sha256sum file, a Git LFS pointer or a llama-gguf-hash manifest");
    expect_refused("\n\n  \n", F, 0, "is not a ckpt manifest");
    expect_refused("hello world\nthis is text\n", F, 0, "is not a ckpt manifest");
    expect_refused("# only a comment\n", F, 0, NULL);
    expect_refused("md5       " H32("3") "  m.gguf\n", F, 0, NULL); /* no known type */
    expect_refused("version https://git-lfs.github.com/spec/v2\noid sha256:" H64("a") "\nsize 1\n", F, 0, NULL);
    static const char gguf[] = "GGUF\x03\0\0\0\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0";
    expect_refused_n(gguf, sizeof gguf - 1, F, 0, NULL);
    static const char st[] = "\x10\0\0\0\0\0\0\0{}              ";
    expect_refused_n(st, sizeof st - 1, F, 0, NULL);
    static const char zeros[16] = {0};
    expect_refused_n(zeros, sizeof zeros, F, 0, NULL);

    ck_evidence ev;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_evidence_parse(&ev, "null", NULL, 0, &d), CK_ERR_FORMAT);
    assert_strict_failure(&d, F, ANY_OFFSET, ANY, ANY);
    ck_diag_free(&d);

    /* A zeroed evidence frees fine. */
    memset(&ev, 0, sizeof ev);
    ck_evidence_free(&ev);
}

/* ===== --sha256 ===== */

static void test_sha256_arg(void **state) {
    (void)state;
    ck_evidence ev;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_evidence_sha256(&ev, H32("aB"), &d), CK_OK);
    assert_int_equal(d.count, 0);
    assert_int_equal(ev.kind, CK_EV_SHA256);
    assert_string_equal(ev.source, "--sha256");
    assert_int_equal(ev.n_files, 1);
    assert_null(ev.files[0].name);
    assert_true(ev.files[0].has_sha256);
    assert_false(ev.files[0].has_size);
    assert_digest(ev.files[0].sha256, H32("ab"), 32);
    ck_evidence_free(&ev);

    static const char *bad[] = {"", H32("a"), H64("a") "0", H32("a") H32("g"), "sha256:" H64("a"), " " H64("a")};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_diag_init(&d, 0);
        assert_int_equal(ck_evidence_sha256(&ev, bad[i], &d), CK_ERR_FORMAT);
        assert_strict_failure(&d, "evidence.line", ANY_OFFSET, ANY, ANY);
        assert_string_equal(d.items[0].message, "--sha256 takes 64 hex digits");
        assert_null(ev.files);
        ck_evidence_free(&ev);
        ck_diag_free(&d);
    }
}

/* ===== large inputs: linear time, memory that grows with the input ===== */

static void test_many_lines(void **state) {
    (void)state;
    const size_t n = 1000000;
    bbuf b;
    bb_init(&b, false);
    char line[96];
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(line, sizeof line, "xxh64     %016zx  m.gguf:t%zu\n", i * 2654435761u, i);
        bb_raw(&b, line, (size_t)k);
    }
    ck_evidence ev;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_evidence_parse(&ev, EV_NAME, (const char *)b.p, b.len, &d), CK_OK);
    assert_int_equal(ev.n_tensors, n);
    assert_string_equal(ev.tensors[n - 1].name, "t999999");
    assert_int_equal(ev.tensors[n - 1].line, (int)n);
    ck_evidence_free(&ev);
    /* A conflict on the last line, about the first entry. */
    int k = snprintf(line, sizeof line, "xxh64     %016x  m.gguf:t0\n", 1);
    bb_raw(&b, line, (size_t)k);
    assert_int_equal(ck_evidence_parse(&ev, EV_NAME, (const char *)b.p, b.len, &d), CK_ERR_FORMAT);
    assert_non_null(strstr(d.items[0].message, "line 1000001: states a second, different hash for m.gguf:t0"));
    ck_diag_free(&d);
    bb_free(&b);

    /* The same count of sha256sum lines. */
    bb_init(&b, false);
    for (size_t i = 0; i < n; i++) {
        int m = snprintf(line, sizeof line, "%064zx  f%zu\n", i, i);
        bb_raw(&b, line, (size_t)m);
    }
    ck_diag_init(&d, 0);
    assert_int_equal(ck_evidence_parse(&ev, EV_NAME, (const char *)b.p, b.len, &d), CK_OK);
    assert_int_equal(ev.n_files, n);
    assert_int_equal(ev.files[n - 1].line, (int)n);
    ck_evidence_free(&ev);
    ck_diag_free(&d);
    bb_free(&b);
}

/* ===== files: load and sniff ===== */

static char *put_file(const char *dir, const char *name, const void *data, size_t n) {
    char *p = path_join2(dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    if (n) assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return p;
}

static void test_load(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    const char *lfs = LFS_V "oid sha256:" H64("a") "\nsize 7\n";
    char *p = put_file(dir, "model.gguf.lfs", lfs, strlen(lfs));
    ck_evidence ev;
    ck_diag d;
    ck_diag_init(&d, 0);
    assert_int_equal(ck_evidence_load(&ev, p, &d), CK_OK);
    assert_int_equal(ev.kind, CK_EV_LFS);
    assert_string_equal(ev.source, p);
    assert_int_equal(ev.files[0].size, 7);
    ck_evidence_free(&ev);
    free(p);

    /* An empty file is no evidence; a folder and a missing file cannot be
     * read. */
    p = put_file(dir, "empty", "", 0);
    assert_int_equal(ck_evidence_load(&ev, p, &d), CK_ERR_FORMAT);
    assert_strict_failure(&d, "evidence.format", ANY_OFFSET, ANY, ANY);
    ck_diag_free(&d);
    free(p);
    ck_diag_init(&d, 0);
    assert_int_equal(ck_evidence_load(&ev, dir, &d), CK_ERR_IO);
    assert_int_equal(d.count, 1);
    ck_diag_free(&d);
    ck_diag_init(&d, 0);
    p = path_join2(dir, "missing");
    assert_int_equal(ck_evidence_load(&ev, p, &d), CK_ERR_IO);
    ck_diag_free(&d);
    free(p);

    /* Over the size limit (a sparse file): refused before parsing. */
    p = path_join2(dir, "huge.sha256");
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 100000001), 0);
    close(fd);
    ck_diag_init(&d, 0);
    assert_int_equal(ck_evidence_load(&ev, p, &d), CK_ERR_FORMAT);
    assert_strict_failure(&d, "evidence.format", ANY_OFFSET, ANY, ANY);
    assert_non_null(strstr(d.items[0].message, "100,000,000"));
    assert_null(ev.source);
    ck_diag_free(&d);
    free(p);
    tmpdir_remove(dir);
}

static void expect_sniff(const char *dir, const char *name, const void *data, size_t n, bool want) {
    char *p = put_file(dir, name, data, n);
    if (ck_evidence_sniff(p) != want) fail_msg("sniff %s: expected %s", name, want ? "evidence" : "not evidence");
    free(p);
}

static void expect_sniff_s(const char *dir, const char *name, const char *text, bool want) {
    expect_sniff(dir, name, text, strlen(text), want);
}

static void test_sniff(void **state) {
    (void)state;
    char *dir = tmpdir_new();
    assert_non_null(dir);
    expect_sniff_s(dir, "m.json", "  {\"schema\": \"ckpt.hash/1\", \"files\": []}", true);
    expect_sniff_s(dir, "ms.json", "[{\"schema\":\"ckpt.hash/1\"},{\"schema\":\"ckpt.hash/1\"}]", true);
    expect_sniff_s(dir, "inspect.json", "{\"schema\":\"ckpt.inspect/1\"}", false);
    expect_sniff_s(dir, "index.json", "{\"metadata\":{},\"weight_map\":{\"ckpt.hash\":\"a.safetensors\"}}", false);
    expect_sniff_s(dir, "lfs", LFS_V "oid sha256:" H64("a") "\nsize 1\n", true);
    expect_sniff_s(dir, "lfs-crlf", "version https://git-lfs.github.com/spec/v1\r\noid sha256:" H64("a") "\r\n", true);
    expect_sniff_s(dir, "sums", "\n# made by sha256sum\n" H64("a") "  a.gguf\n", true);
    expect_sniff_s(dir, "sums-bin", H64("a") " *a.gguf\n", true);
    expect_sniff_s(dir, "sums-esc", "\\" H64("a") "  a\\\\b.gguf\n", true);
    expect_sniff_s(dir, "sums-bsd", "SHA256 (a.gguf) = " H64("a") "\n", true);
    expect_sniff_s(dir, "hashes", "xxh64     2f60aa07ff80ce74  m.gguf:output.weight\n", true);
    expect_sniff_s(dir, "text", "hello\n", false);
    expect_sniff_s(dir, "unknown-type", "md5       " H32("a") "  m.gguf\n", false);
    expect_sniff(dir, "empty", "", 0, false);
    static const char st[] = "\x10\0\0\0\0\0\0\0{}              ";
    expect_sniff(dir, "tiny.safetensors", st, sizeof st - 1, false);
    /* The first line is longer than what is read: still recognised. */
    size_t n = 10000;
    char *big = malloc(n);
    assert_non_null(big);
    static const char head[] = "sha256    " H64("a") "  m.gguf:";
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, 't', n - (sizeof head - 1));
    expect_sniff(dir, "long", big, n, true);
    free(big);
    /* A folder, and a missing file. */
    assert_false(ck_evidence_sniff(dir));
    char *missing = path_join2(dir, "missing");
    assert_false(ck_evidence_sniff(missing));
    free(missing);
    tmpdir_remove(dir);

    /* Models of the corpus are not evidence; its hash manifests are. */
    static const char *models[] = {
        "gguf/corpus-Q4_0.gguf",
        "gguf/corpus-F16.gguf",
        "safetensors/hf-bf16.safetensors",
        "safetensors/hf-f32.safetensors",
        "safetensors/sharded/model-00001-of-00002.safetensors",
        "safetensors/sharded/model.safetensors.index.json",
        "safetensors/config.json",
        "gguf/corpus-Q4_0.gguf.ref.json",
    };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        char *p = path_join2(g_corpus, models[i]);
        struct stat sb;
        if (stat(p, &sb) != 0) fail_msg("the corpus has no %s", p);
        if (ck_evidence_sniff(p)) fail_msg("%s sniffed as evidence", p);
        free(p);
    }
    char *p = path_join2(g_corpus, "gguf");
    assert_false(ck_evidence_sniff(p));
    free(p);
    p = path_join2(g_corpus, "gguf/corpus-Q4_0.gguf.gguf-hash.txt");
    assert_true(ck_evidence_sniff(p));
    free(p);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest),
        cmocka_unit_test(test_manifest_refused),
        cmocka_unit_test(test_lfs),
        cmocka_unit_test(test_lfs_refused),
        cmocka_unit_test(test_sha256sum),
        cmocka_unit_test(test_sha256sum_refused),
        cmocka_unit_test(test_gguf_hash),
        cmocka_unit_test(test_gguf_hash_refused),
        cmocka_unit_test(test_gguf_hash_corpus),
        cmocka_unit_test(test_not_evidence),
        cmocka_unit_test(test_sha256_arg),
        cmocka_unit_test(test_many_lines),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests_name("evidence", tests, NULL, tmpdir_teardown) ? 1 : 0;
}
