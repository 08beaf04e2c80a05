/* Unit tests: the SIMD dequantization kernels (dequant_avx2.c,
 * dequant_avx512.c) against the scalar references, bit for bit.
 *
 * Blocks are random bytes (every nibble and bit pattern turns up) with their
 * scale fields drawn to hit the cases where float arithmetic is delicate:
 * NaN (quiet and signalling, either sign, any payload), infinities, zeros of
 * both signs, subnormals, the largest and smallest normals. Each SIMD level
 * the CPU runs decodes them at unaligned addresses, in odd block counts, and
 * must give exactly the bytes the scalar kernel gives. Every one of the
 * 65536 f16 patterns is also tried as a scale (and as F16 / BF16 data).
 */
#include "unit.h"

#include "dequant_check.h"
#include "bytes.h"
#include "ckpt/dtype.h"
#include "core/cpu.h"
#include "core/decode.h"

/* ===== the kernels under test ===== */

typedef struct kcase {
    ck_dtype dtype;
    int half_at[2];  /* byte offsets of f16 fields in a block, -1: none */
    int e8m0_at;     /* byte offset of an E8M0 scale, -1: none */
    bool bf16;       /* the 2-byte fields are bfloat16, not f16 */
} kcase;

static const kcase cases[] = {
    {CK_DT_F16, {0, -1}, -1, false},
    {CK_DT_BF16, {0, -1}, -1, true},
    {CK_DT_Q8_0, {0, -1}, -1, false},
    {CK_DT_Q4_0, {0, -1}, -1, false},
    {CK_DT_Q4_K, {0, 2}, -1, false},
    {CK_DT_Q5_K, {0, 2}, -1, false},
    {CK_DT_Q6_K, {208, -1}, -1, false},
    {CK_DT_IQ4_XS, {0, -1}, -1, false},
    {CK_DT_MXFP4, {-1, -1}, 0, false},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* ===== random blocks ===== */

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint32_t next32(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* A binary16 pattern: random bits half the time, else a special one. */
static uint16_t random_f16(void) {
    uint32_t r = next32();
    uint16_t sign = (r >> 8 & 1) ? 0x8000 : 0;
    uint16_t man = (uint16_t)(next32() & 0x3FF);
    switch (r % 16) {
    case 8: return sign | 0x7C00 | (man ? man : 1);          /* NaN, any payload */
    case 9: return sign | 0x7E00 | (man & 0x1FF);            /* quiet NaN */
    case 10: return sign | 0x7C00;                           /* infinity */
    case 11: return sign;                                    /* zero */
    case 12: return sign | man;                              /* subnormal */
    case 13: return sign | (uint16_t)(0x7800 | man);         /* huge: 2^15 .. 65504 */
    case 14: return sign | (uint16_t)(0x0400 | man);         /* tiny normal */
    case 15: return sign | (uint16_t)(0x3C00 + (man & 0x7)); /* about 1 */
    default: return (uint16_t)next32();
    }
}

/* A bfloat16 pattern, the same way. */
static uint16_t random_bf16(void) {
    uint32_t r = next32();
    uint16_t sign = (r >> 8 & 1) ? 0x8000 : 0;
    uint16_t man = (uint16_t)(next32() & 0x7F);
    switch (r % 8) {
    case 4: return sign | 0x7F80 | (man ? man : 1); /* NaN */
    case 5: return sign | 0x7F80;                   /* infinity */
    case 6: return sign | (r % 3 ? man : 0);        /* subnormal or zero */
    default: return (uint16_t)next32();
    }
}

/* An E8M0 byte: the ends of the range half the time. */
static uint8_t random_e8m0(void) {
    static const uint8_t special[] = {0, 1, 2, 3, 126, 127, 128, 129, 253, 254, 255};
    uint32_t r = next32();
    return r % 2 ? special[(r >> 1) % sizeof special] : (uint8_t)(r >> 8);
}

static void fill_blocks(const kcase *kc, uint8_t *p, size_t nblocks) {
    const size_t bb = ck_dtype_info_of(kc->dtype)->block_bytes;
    for (size_t i = 0; i < nblocks * bb; i++) p[i] = (uint8_t)next32();
    for (size_t b = 0; b < nblocks; b++, p += bb) {
        for (int k = 0; k < 2; k++)
            if (kc->half_at[k] >= 0) put16(p + kc->half_at[k], kc->bf16 ? random_bf16() : random_f16());
        if (kc->e8m0_at >= 0) p[kc->e8m0_at] = random_e8m0();
    }
}

/* ===== decoding both ways ===== */

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* Decode the nblocks blocks at blocks with the scalar kernel and with fn,
 * the latter from src_off bytes into an exact-size buffer (ASan sees a read
 * past the end) to dst_off floats into another (a write past the end or
 * before the start shows too): the same bytes. */
static void compare(const kcase *kc, ck_isa isa, ck_dequant_fn fn, const uint8_t *blocks, size_t nblocks,
                    size_t src_off, size_t dst_off) {
    const ck_dtype_info *di = ck_dtype_info_of(kc->dtype);
    const size_t nbytes = nblocks * di->block_bytes, nvals = nblocks * di->block_elems;
    uint8_t *src = malloc(src_off + nbytes);
    float *want = malloc(nvals * sizeof *want);
    float *got = malloc((dst_off + nvals) * sizeof *got);
    assert_non_null(src);
    assert_non_null(want);
    assert_non_null(got);
    memset(src, 0xEE, src_off);
    memcpy(src + src_off, blocks, nbytes);
    memset(got, 0xA5, (dst_off + nvals) * sizeof *got);

    di->dequant(blocks, want, nblocks);
    fn(src + src_off, got + dst_off, nblocks);

    for (size_t i = 0; i < dst_off; i++)
        if (bits_of(got[i]) != 0xA5A5A5A5u) fail_msg("%s/%s wrote before dst", di->name, ck_isa_name(isa));
    if (memcmp(got + dst_off, want, nvals * sizeof *want) != 0) {
        for (size_t i = 0; i < nvals; i++) {
            const uint32_t g = bits_of(got[dst_off + i]), w = bits_of(want[i]);
            if (g == w) continue;
            const size_t b = i / di->block_elems;
            print_error("block %zu of %zu:", b, nblocks);
            for (size_t k = 0; k < di->block_bytes; k++) print_error(" %02x", blocks[b * di->block_bytes + k]);
            print_error("\n");
            fail_msg("%s/%s, %zu blocks, value %zu: 0x%08x (%.9g), scalar 0x%08x (%.9g)", di->name,
                     ck_isa_name(isa), nblocks, i, g, (double)got[dst_off + i], w, (double)want[i]);
        }
    }
    free(src);
    free(want);
    free(got);
}

/* The SIMD levels to test: those this CPU runs, above scalar. */
static int levels(ck_isa out[2]) {
    int n = 0;
    for (int isa = CK_ISA_AVX2; isa <= (int)ck_cpu_isa(); isa++) out[n++] = (ck_isa)isa;
    return n;
}

/* ===== tests ===== */

/* The dispatcher: a variant for each kernel at each level the CPU runs, the
 * best one by default; none for a type without one. */
static void test_dispatch(void **state) {
    (void)state;
    ck_isa isa[2];
    int nl = levels(isa);
    if (nl == 0) skip();
    for (size_t c = 0; c < NCASES; c++) {
        for (int l = 0; l < nl; l++)
            if (!ck_dequant_kernel_at(cases[c].dtype, isa[l]))
                fail_msg("no %s kernel for %s", ck_isa_name(isa[l]), ck_dtype_name(cases[c].dtype));
        assert_ptr_equal(ck_dequant_kernel(cases[c].dtype), ck_dequant_kernel_at(cases[c].dtype, ck_cpu_isa()));
        assert_ptr_equal(ck_dequant_kernel_at(cases[c].dtype, CK_ISA_SCALAR),
                         ck_dtype_info_of(cases[c].dtype)->dequant);
    }
    assert_null(ck_dequant_kernel_at(CK_DT_Q2_K, CK_ISA_AVX2));
    assert_null(ck_dequant_kernel_at(CK_DT_Q2_K, CK_ISA_AVX512));
    assert_ptr_equal(ck_dequant_kernel(CK_DT_Q2_K), ck_dtype_info_of(CK_DT_Q2_K)->dequant);
}

/* Random blocks, odd counts, odd addresses. */
static void test_random_blocks(void **state) {
    (void)state;
    static const size_t counts[] = {1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 65, 1001};
    ck_isa isa[2];
    int nl = levels(isa);
    if (nl == 0) skip();
    for (size_t c = 0; c < NCASES; c++) {
        const kcase *kc = &cases[c];
        const size_t bb = ck_dtype_info_of(kc->dtype)->block_bytes;
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            const size_t n = counts[k];
            uint8_t *blocks = malloc(n * bb);
            assert_non_null(blocks);
            for (int round = 0; round < 8; round++) {
                fill_blocks(kc, blocks, n);
                /* round 0 aligned, then random byte and float offsets */
                const size_t so = round ? 1 + next32() % 63 : 0, fo = round ? next32() % 16 : 0;
                for (int l = 0; l < nl; l++)
                    compare(kc, isa[l], ck_dequant_kernel_at(kc->dtype, isa[l]), blocks, n, so, fo);
            }
            free(blocks);
        }
    }
}

/* Every f16 pattern as the (first) scale of a block, and as F16 data;
 * every bfloat16 pattern; every E8M0 byte. */
static void test_every_scale(void **state) {
    (void)state;
    ck_isa isa[2];
    int nl = levels(isa);
    if (nl == 0) skip();
    for (size_t c = 0; c < NCASES; c++) {
        const kcase *kc = &cases[c];
        const size_t bb = ck_dtype_info_of(kc->dtype)->block_bytes;
        const size_t n = kc->e8m0_at >= 0 ? 256 : 65536;
        uint8_t *blocks = malloc(n * bb);
        assert_non_null(blocks);
        fill_blocks(kc, blocks, n);
        for (size_t i = 0; i < n; i++) {
            uint8_t *p = blocks + i * bb;
            if (kc->e8m0_at >= 0) p[kc->e8m0_at] = (uint8_t)i;
            if (kc->half_at[0] >= 0) put16(p + kc->half_at[0], (uint16_t)i);
            /* the min too, reversed, so NaN meets NaN in d1 * q - m1 */
            if (kc->half_at[1] >= 0) put16(p + kc->half_at[1], (uint16_t)(i % 2 ? i : 0xFFFF - i));
        }
        for (int l = 0; l < nl; l++) compare(kc, isa[l], ck_dequant_kernel_at(kc->dtype, isa[l]), blocks, n, 3, 1);
        free(blocks);
    }
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    print_message("SIMD level: %s\n", ck_isa_name(ck_cpu_isa()));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_random_blocks),
        cmocka_unit_test(test_every_scale),
    };
    return cmocka_run_group_tests_name("dequant_simd", tests, NULL, NULL) ? 1 : 0;
}
