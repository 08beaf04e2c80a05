/* Test helper: float bit patterns and little-endian stores, for the tests
 * that build blocks by hand and compare values bit for bit. Include after
 * unit.h (it fails tests through cmocka). */
#ifndef CK_TESTS_BITS_H
#define CK_TESTS_BITS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

#endif
