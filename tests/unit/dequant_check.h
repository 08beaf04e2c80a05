/* Test helper for the dequantization tests: float bit patterns,
 * little-endian stores to build blocks by hand, bit-for-bit comparisons and
 * a kernel run that ASan and misalignment can catch. Include after unit.h
 * (it fails tests through cmocka). */
#ifndef CK_TESTS_DEQUANT_CHECK_H
#define CK_TESTS_DEQUANT_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "core/dequant.h"

static inline uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* got[i] equals want bit for bit (so the sign of zero counts). */
static inline void check_f32_at(float got, float want, const char *what, size_t i) {
    if (f32_bits(got) != f32_bits(want)) {
        print_error("%s[%zu]: got %.9g (0x%08x), want %.9g (0x%08x)\n", what, i, (double)got, f32_bits(got),
                    (double)want, f32_bits(want));
        fail();
    }
}

static inline void check_all(const float *got, const float *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) check_f32_at(got[i], want[i], what, i);
}

static inline void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v) {
    for (int k = 0; k < 4; k++) p[k] = (uint8_t)(v >> (8 * k));
}

/* Run a kernel on an exact-size copy of the bytes (so that ASan sees any
 * read past the end) into out, which takes nvals floats, and again on a copy
 * at an odd address (the kernels must not assume alignment): both runs must
 * agree bit for bit. */
static inline void run_kernel(ck_dequant_fn fn, const uint8_t *bytes, size_t nbytes, size_t nblocks, float *out,
                              size_t nvals) {
    uint8_t *exact = exact_copy(bytes, nbytes);
    fn(exact, out, nblocks);
    free(exact);
    uint8_t *odd = malloc(nbytes + 1);
    float *out2 = malloc(nvals ? nvals * sizeof(float) : 1);
    assert_non_null(odd);
    assert_non_null(out2);
    memcpy(odd + 1, bytes, nbytes);
    fn(odd + 1, out2, nblocks);
    assert_memory_equal(out, out2, nvals * sizeof(float));
    free(odd);
    free(out2);
}

#endif
