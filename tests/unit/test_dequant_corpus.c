/* Unit tests: dequantization against the reference corpus.
 *
 * Every tensor of every corpus GGUF carries `dequant_sha256_f32le` in its
 * ref.json: the SHA-256 of its values as little-endian float32, computed by
 * gguf-py and checked bit for bit against ggml's own decoder (the newer
 * ggml's, for MXFP4, NVFP4, Q1_0 and Q2_0). Each tensor is decoded here with
 * the scalar reference kernel and with every SIMD variant this CPU runs, and
 * every hash must match.
 */
#include "unit.h"

#include <dirent.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "bytes.h"
#include "ckpt/model.h"
#include "core/cpu.h"
#include "core/decode.h"

static void hex(const unsigned char *d, char *out) {
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* SHA-256 of the tensor decoded by fn, as little-endian float32. */
static void decoded_sha(const ck_model *m, const ck_tensor *t, ck_dequant_fn fn, char out[65]) {
    const ck_dtype_info *di = ck_dtype_info_of(t->dtype);
    size_t nblocks = (size_t)(t->nelems / di->block_elems);
    size_t nvals = (size_t)t->nelems * (di->kind == CK_KIND_COMPLEX ? 2 : 1);
    float *v = malloc((nvals ? nvals : 1) * sizeof *v);
    assert_non_null(v);
    fn(ck_tensor_data(m, t), v, nblocks);
    unsigned char dg[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)v, nvals * sizeof *v, dg);
    hex(dg, out);
    free(v);
}

static int types_seen[CK_DT_COUNT];

static void check_file(const char *path, const char *refpath, size_t *checked) {
    json_error_t err;
    json_t *ref = json_load_file(refpath, 0, &err);
    assert_non_null(ref);
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_model *m = NULL;
    assert_int_equal(ck_model_open(&m, path, &d), CK_OK);
    json_t *tensors = json_object_get(ref, "tensors");
    size_t i;
    json_t *rt;
    json_array_foreach(tensors, i, rt) {
        const char *name = json_string_value(json_object_get(rt, "name"));
        const char *want = json_string_value(json_object_get(rt, "dequant_sha256_f32le"));
        const ck_tensor *t = ck_model_tensor(m, name, strlen(name));
        assert_non_null(t);
        assert_non_null(want);
        types_seen[t->dtype] = 1;
        for (int isa = CK_ISA_SCALAR; isa <= (int)ck_cpu_isa(); isa++) {
            ck_dequant_fn fn = ck_dequant_kernel_at(t->dtype, (ck_isa)isa);
            if (!fn) continue;
            char got[65];
            decoded_sha(m, t, fn, got);
            if (strcmp(got, want) != 0)
                fail_msg("%s: %s (%s) decoded by the %s kernel: sha256 %s, reference %s", path, name,
                         ck_dtype_name(t->dtype), ck_isa_name((ck_isa)isa), got, want);
            (*checked)++;
        }
    }
    ck_model_free(m);
    ck_diag_free(&d);
    json_decref(ref);
}

static void test_corpus_bitexact(void **state) {
    (void)state;
    char *dir = path_join2(g_corpus, "gguf");
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    struct dirent *e;
    size_t files = 0, checked = 0;
    while ((e = readdir(dh))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".gguf") != 0) continue;
        char *path = path_join2(dir, e->d_name);
        size_t plen = strlen(path);
        char *refpath = malloc(plen + sizeof ".ref.json");
        assert_non_null(refpath);
        memcpy(refpath, path, plen);
        memcpy(refpath + plen, ".ref.json", sizeof ".ref.json");
        check_file(path, refpath, &checked);
        files++;
        free(refpath);
        free(path);
    }
    closedir(dh);
    free(dir);
    assert_true(files >= 24);
    /* Every ggml type the reference quantizer produced, and the newer ones. */
    static const ck_dtype expected[] = {
        CK_DT_F32, CK_DT_F16, CK_DT_BF16, CK_DT_Q4_0, CK_DT_Q4_1, CK_DT_Q5_0, CK_DT_Q5_1,
        CK_DT_Q8_0, CK_DT_Q2_K, CK_DT_Q3_K, CK_DT_Q4_K, CK_DT_Q5_K, CK_DT_Q6_K,
        CK_DT_IQ2_XXS, CK_DT_IQ2_XS, CK_DT_IQ2_S, CK_DT_IQ3_XXS, CK_DT_IQ3_S, CK_DT_IQ1_S,
        CK_DT_IQ1_M, CK_DT_IQ4_NL, CK_DT_IQ4_XS, CK_DT_TQ1_0, CK_DT_TQ2_0, CK_DT_MXFP4,
        CK_DT_NVFP4, CK_DT_Q1_0, CK_DT_Q2_0,
    };
    for (size_t k = 0; k < sizeof expected / sizeof expected[0]; k++)
        if (!types_seen[expected[k]]) fail_msg("the corpus has no %s tensor", ck_dtype_name(expected[k]));
    print_message("%zu files, %zu tensor decodings bit-exact\n", files, checked);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_bitexact),
    };
    return cmocka_run_group_tests_name("dequant_corpus", tests, NULL, NULL) ? 1 : 0;
}
