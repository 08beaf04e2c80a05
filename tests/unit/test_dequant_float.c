/* Unit tests: the plain-type kernels of dequant_float.c.
 *
 * Expected values are worked out from the format definitions (IEEE 754
 * binary16/bfloat16, the OCP 8-bit and MX 6/4-bit float specs, C's integer
 * to float conversion), either written out by hand or computed here by
 * ldexp() from sign, exponent and mantissa fields: never taken from the
 * kernels' own output. Floats are compared bit for bit, so -0 differs from +0
 * and NaN payloads count.
 */
#include "unit.h"

#include <math.h>
#include <stdio.h>

#include "dequant_check.h"
#include "bytes.h"
#include "core/dequant.h"

/* ===== helpers ===== */

/* got has exactly the bit pattern want_bits. */
static void check_bits_at(float got, uint32_t want_bits, const char *what, unsigned code) {
    if (f32_bits(got) != want_bits) {
        print_error("%s 0x%x: got bits 0x%08x (%g), want 0x%08x\n", what, code, f32_bits(got), (double)got,
                    want_bits);
        fail();
    }
}

/* got equals want bit for bit (so the sign of zero counts). */
static void check_f32_code(float got, float want, const char *what, unsigned code) {
    check_bits_at(got, f32_bits(want), what, code);
}

/* The value (-1)^s * mag * 2^e as a float; used for expected values that are
 * exactly representable. */
static float fval(int neg, double mag, int e) {
    double v = ldexp(mag, e);
    return (float)(neg ? -v : v);
}

/* The common case: one float a block (plain types). */
#define run_unaligned(fn, bytes, nbytes, n, out) run_kernel(fn, bytes, nbytes, n, out, n)

#define QNAN 0x7FC00000u
#define NEG_QNAN 0xFFC00000u

/* ===== binary16 ===== */

static void test_f16_values(void **state) {
    (void)state;
    static const struct {
        uint16_t h;
        uint32_t bits;
    } cases[] = {
        {0x0000, 0x00000000u},  /* +0 */
        {0x8000, 0x80000000u},  /* -0 */
        {0x3C00, 0x3F800000u},  /* 1 */
        {0xBC00, 0xBF800000u},  /* -1 */
        {0xC000, 0xC0000000u},  /* -2 */
        {0x3800, 0x3F000000u},  /* 0.5 */
        {0x0001, 0x33800000u},  /* 2^-24, smallest subnormal */
        {0x8001, 0xB3800000u},  /* -2^-24 */
        {0x0002, 0x34000000u},  /* 2^-23 */
        {0x0200, 0x38000000u},  /* 2^-15, a subnormal with the top mantissa bit */
        {0x03FF, 0x387FC000u},  /* largest subnormal 1023 * 2^-24 */
        {0x0400, 0x38800000u},  /* 2^-14, smallest normal */
        {0x7BFF, 0x477FE000u},  /* 65504, largest finite */
        {0xFBFF, 0xC77FE000u},  /* -65504 */
        {0x7C00, 0x7F800000u},  /* +inf */
        {0xFC00, 0xFF800000u},  /* -inf */
        {0x7E00, 0x7FC00000u},  /* quiet NaN */
        {0xFE00, 0xFFC00000u},  /* negative quiet NaN */
        {0x7E01, 0x7FC02000u},  /* quiet NaN with payload 1 */
        {0x7C01, 0x7FC02000u},  /* signalling NaN payload 1: payload kept, made quiet */
        {0x7D55, 0x7FEAA000u},  /* payload 0x155 shifted up by 13 */
        {0xFDFF, 0xFFFFE000u},  /* all payload bits */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_bits_at(ck_f16_to_f32(cases[i].h), cases[i].bits, "f16", cases[i].h);
}

/* Every binary16 pattern against the definition: (-1)^s 2^(e-15) (1 + m/1024)
 * for 0 < e < 31, (-1)^s 2^-14 (m/1024) for e = 0. */
static void test_f16_exhaustive(void **state) {
    (void)state;
    for (uint32_t h = 0; h < 0x10000; h++) {
        int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
        float got = ck_f16_to_f32((uint16_t)h);
        if (e == 31) {
            uint32_t want = (uint32_t)s << 31 | 0x7F800000u;
            if (m) want |= 0x00400000u | (uint32_t)m << 13;
            check_bits_at(got, want, "f16", h);
        } else if (e == 0) {
            check_f32_code(got, fval(s, m, -24), "f16", h);
        } else {
            check_f32_code(got, fval(s, 1024 + m, e - 25), "f16", h);
        }
    }
}

static void test_dq_f16_bytes(void **state) {
    (void)state;
    /* little-endian: 00 3C is 0x3C00 = 1.0; 3C 00 would be 0x003C, a subnormal */
    static const uint8_t bytes[] = {0x00, 0x3C, 0x3C, 0x00, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x80};
    float out[5];
    run_unaligned(ck_dq_f16, bytes, sizeof bytes, 5, out);
    check_f32_code(out[0], 1.0f, "f16[0]", 0);
    check_f32_code(out[1], fval(0, 60, -24), "f16[1]", 1);
    check_f32_code(out[2], -2.0f, "f16[2]", 2);
    check_f32_code(out[3], 65504.0f, "f16[3]", 3);
    check_f32_code(out[4], fval(1, 1, -24), "f16[4]", 4);
}

/* ===== bfloat16 ===== */

static void test_bf16_values(void **state) {
    (void)state;
    static const struct {
        uint16_t h;
        uint32_t bits;
    } cases[] = {
        {0x0000, 0x00000000u}, {0x8000, 0x80000000u}, {0x3F80, 0x3F800000u}, /* 1 */
        {0xC040, 0xC0400000u},                                               /* -3 */
        {0x0001, 0x00010000u},                                               /* subnormal 2^-133 */
        {0x007F, 0x007F0000u},                                               /* largest subnormal */
        {0x0080, 0x00800000u},                                               /* 2^-126 */
        {0x7F7F, 0x7F7F0000u},                                               /* largest finite */
        {0x7F80, 0x7F800000u}, {0xFF80, 0xFF800000u},                        /* +-inf */
        {0x7FC0, 0x7FC00000u},                                               /* quiet NaN */
        {0xFF81, 0xFF810000u},  /* signalling NaN: payload and signal bit kept as they are */
        {0x7FFF, 0x7FFF0000u},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_bits_at(ck_bf16_to_f32(cases[i].h), cases[i].bits, "bf16", cases[i].h);
    check_f32_code(ck_bf16_to_f32(0x0001), fval(0, 1, -133), "bf16", 1);
    check_f32_code(ck_bf16_to_f32(0x7F7F), fval(0, 255, 127 - 7), "bf16", 0x7F7F);
}

static void test_dq_bf16_bytes(void **state) {
    (void)state;
    static const uint8_t bytes[] = {0x80, 0x3F, 0x81, 0xFF, 0x49, 0x40, 0x00, 0x80};
    float out[4];
    run_unaligned(ck_dq_bf16, bytes, sizeof bytes, 4, out);
    check_bits_at(out[0], 0x3F800000u, "bf16[0]", 0);
    check_bits_at(out[1], 0xFF810000u, "bf16[1]", 1);
    check_f32_code(out[2], 3.140625f, "bf16[2]", 2); /* 0x4049: 2 * (1 + 73/128) */
    check_bits_at(out[3], 0x80000000u, "bf16[3]", 3);
    /* every pattern: the top half of a float32 */
    for (uint32_t h = 0; h < 0x10000; h++) check_bits_at(ck_bf16_to_f32((uint16_t)h), h << 16, "bf16", h);
}

/* ===== float32 and float64 ===== */

static void test_dq_f32(void **state) {
    (void)state;
    static const uint8_t bytes[] = {
        0x00, 0x00, 0x80, 0x3F,  /* 1.0 */
        0x01, 0x00, 0xA0, 0x7F,  /* signalling NaN with payload: copied as is */
        0x01, 0x00, 0x00, 0x80,  /* -2^-149 */
        0xFF, 0xFF, 0x7F, 0x7F,  /* FLT_MAX */
    };
    float out[4];
    run_unaligned(ck_dq_f32, bytes, sizeof bytes, 4, out);
    check_f32_code(out[0], 1.0f, "f32", 0);
    check_bits_at(out[1], 0x7FA00001u, "f32", 1);
    check_f32_code(out[2], fval(1, 1, -149), "f32", 2);
    check_bits_at(out[3], 0x7F7FFFFFu, "f32", 3);
}

static void put_f64(uint8_t *p, double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(u >> (8 * i));
}

static void test_dq_f64(void **state) {
    (void)state;
    const double in[] = {
        1.0,
        1.0 + ldexp(1, -24),                    /* halfway 1 and 1+2^-23: to even, 1 */
        1.0 + 3 * ldexp(1, -24),                /* halfway 1+2^-23 and 1+2^-22: to even, 1+2^-22 */
        1.0 + ldexp(1, -24) + ldexp(1, -50),    /* above halfway: up */
        -1e300,                                  /* overflow: -inf */
        1e-50,                                   /* underflow: +0 */
        -1e-50,                                  /* -0 */
        ldexp(1, -149),                          /* smallest float subnormal */
        ldexp(3, -150),                          /* 1.5 * 2^-149: tie between 1 and 2 units, to even: 2 */
        -INFINITY,
        0.1,
    };
    const float want[] = {
        1.0f, 1.0f, fval(0, 1 + ldexp(1, -22), 0), fval(0, 1 + ldexp(1, -23), 0), -INFINITY, 0.0f, -0.0f,
        fval(0, 1, -149), fval(0, 1, -148), -INFINITY,
        fval(0, 13421773, -27), /* 0.1 = 0x3DCCCCCD: 13421773 * 2^-27 */
    };
    enum { N = sizeof in / sizeof in[0] };
    uint8_t bytes[8 * (N + 1)];
    for (int i = 0; i < N; i++) put_f64(bytes + 8 * i, in[i]);
    put_f64(bytes + 8 * N, NAN);
    float out[N + 1];
    run_unaligned(ck_dq_f64, bytes, sizeof bytes, N + 1, out);
    for (int i = 0; i < N; i++) check_f32_code(out[i], want[i], "f64", (unsigned)i);
    assert_true(isnan(out[N]));
}

/* ===== complex64 ===== */

static void test_dq_c64(void **state) {
    (void)state;
    static const uint8_t bytes[] = {
        0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,  /* 1 - 2i */
        0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0x40,  /* -0 + 3i */
    };
    float out[4];
    run_kernel(ck_dq_c64, bytes, sizeof bytes, 2, out, 4);
    check_f32_code(out[0], 1.0f, "c64 re", 0);
    check_f32_code(out[1], -2.0f, "c64 im", 0);
    check_f32_code(out[2], -0.0f, "c64 re", 1);
    check_f32_code(out[3], 3.0f, "c64 im", 1);
}

/* ===== integers and bool ===== */

static void test_dq_ints(void **state) {
    (void)state;
    float out[8];

    static const uint8_t i8[] = {0x00, 0x7F, 0x80, 0xFF};
    run_unaligned(ck_dq_i8, i8, 4, 4, out);
    check_f32_code(out[0], 0.0f, "i8", 0);
    check_f32_code(out[1], 127.0f, "i8", 1);
    check_f32_code(out[2], -128.0f, "i8", 2);
    check_f32_code(out[3], -1.0f, "i8", 3);

    static const uint8_t u8[] = {0x00, 0x80, 0xFF};
    run_unaligned(ck_dq_u8, u8, 3, 3, out);
    check_f32_code(out[1], 128.0f, "u8", 1);
    check_f32_code(out[2], 255.0f, "u8", 2);

    static const uint8_t i16[] = {0x00, 0x80, 0xFF, 0x7F, 0xFE, 0xFF, 0x34, 0x12};
    run_unaligned(ck_dq_i16, i16, 8, 4, out);
    check_f32_code(out[0], -32768.0f, "i16", 0);
    check_f32_code(out[1], 32767.0f, "i16", 1);
    check_f32_code(out[2], -2.0f, "i16", 2);
    check_f32_code(out[3], 4660.0f, "i16", 3); /* 0x1234 */

    static const uint8_t u16[] = {0xFF, 0xFF, 0x00, 0x80};
    run_unaligned(ck_dq_u16, u16, 4, 2, out);
    check_f32_code(out[0], 65535.0f, "u16", 0);
    check_f32_code(out[1], 32768.0f, "u16", 1);

    static const uint8_t i32[] = {
        0x01, 0x00, 0x00, 0x80,  /* -2147483647: rounds to -2^31 */
        0x01, 0x00, 0x00, 0x01,  /* 2^24 + 1: halfway, to even 2^24 */
        0x03, 0x00, 0x00, 0x01,  /* 2^24 + 3: halfway, to even 2^24 + 4 */
        0xFF, 0xFF, 0xFF, 0xFF,  /* -1 */
    };
    run_unaligned(ck_dq_i32, i32, 16, 4, out);
    check_f32_code(out[0], fval(1, 1, 31), "i32", 0);
    check_f32_code(out[1], 16777216.0f, "i32", 1);
    check_f32_code(out[2], 16777220.0f, "i32", 2);
    check_f32_code(out[3], -1.0f, "i32", 3);

    static const uint8_t u32[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x05, 0x00, 0x00, 0x01};
    run_unaligned(ck_dq_u32, u32, 8, 2, out);
    check_f32_code(out[0], fval(0, 1, 32), "u32", 0);
    check_f32_code(out[1], 16777220.0f, "u32", 1); /* 2^24 + 5: halfway 2^24+4 and +6, to even */

    static const uint8_t i64[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,  /* INT64_MIN = -2^63 */
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00,  /* 2^53 + 1 */
        0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  /* -2 */
    };
    run_unaligned(ck_dq_i64, i64, 24, 3, out);
    check_f32_code(out[0], fval(1, 1, 63), "i64", 0);
    check_f32_code(out[1], fval(0, 1, 53), "i64", 1);
    check_f32_code(out[2], -2.0f, "i64", 2);

    static const uint8_t u64[] = {
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  /* 2^64 - 1: rounds to 2^64 */
        0x2A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 42 */
    };
    run_unaligned(ck_dq_u64, u64, 16, 2, out);
    check_f32_code(out[0], fval(0, 1, 64), "u64", 0);
    check_f32_code(out[1], 42.0f, "u64", 1);
}

static void test_dq_bool(void **state) {
    (void)state;
    static const uint8_t b[] = {0x00, 0x01, 0x02, 0xFF, 0x00};
    float out[5];
    run_unaligned(ck_dq_bool, b, 5, 5, out);
    check_f32_code(out[0], 0.0f, "bool", 0);
    check_f32_code(out[1], 1.0f, "bool", 1);
    check_f32_code(out[2], 1.0f, "bool", 2);
    check_f32_code(out[3], 1.0f, "bool", 3);
    check_f32_code(out[4], 0.0f, "bool", 4);
}

/* ===== 8-bit floats ===== */

/* The finite value of an s.e.m pattern by the definition: subnormal
 * m * 2^(1-bias-M) for e = 0, else (2^M + m) * 2^(e-bias-M). */
static float small_float(unsigned s, unsigned e, unsigned m, int mbits, int bias) {
    if (e == 0) return fval((int)s, m, 1 - bias - mbits);
    return fval((int)s, (double)((1u << mbits) + m), (int)e - bias - mbits);
}

/* Every byte value through an 8-bit kernel into out[256]: once as a short
 * run and once inside a long run (kernels may take another path for long
 * runs); both must give the same bits. */
static void dq8(ck_dequant_fn fn, float out[256]) {
    enum { LONG = 5 * 256 };
    uint8_t bytes[LONG];
    for (int i = 0; i < LONG; i++) bytes[i] = (uint8_t)(i + 7);
    float *lng = malloc(LONG * sizeof(float));
    assert_non_null(lng);
    run_unaligned(fn, bytes, LONG, LONG, lng);
    run_unaligned(fn, bytes + 249, 256, 256, out); /* bytes 249.. are 0, 1, ..., 255 */
    for (int i = 0; i < LONG; i++) assert_int_equal(f32_bits(lng[i]), f32_bits(out[(i + 7) & 255]));
    free(lng);
}

static void test_f8_e4m3(void **state) {
    (void)state;
    float out[256];
    dq8(ck_dq_f8_e4m3, out);
    check_f32_code(out[0x00], 0.0f, "e4m3", 0x00);
    check_f32_code(out[0x80], -0.0f, "e4m3", 0x80);
    check_f32_code(out[0x01], fval(0, 1, -9), "e4m3", 0x01);   /* smallest subnormal */
    check_f32_code(out[0x07], fval(0, 7, -9), "e4m3", 0x07);   /* largest subnormal 0.875 * 2^-6 */
    check_f32_code(out[0x08], fval(0, 1, -6), "e4m3", 0x08);   /* smallest normal */
    check_f32_code(out[0x38], 1.0f, "e4m3", 0x38);
    check_f32_code(out[0xB8], -1.0f, "e4m3", 0xB8);
    check_f32_code(out[0x40], 2.0f, "e4m3", 0x40);
    check_f32_code(out[0x78], 256.0f, "e4m3", 0x78);           /* exponent all ones is finite */
    check_f32_code(out[0x7E], 448.0f, "e4m3", 0x7E);           /* largest */
    check_f32_code(out[0xFE], -448.0f, "e4m3", 0xFE);
    check_bits_at(out[0x7F], QNAN, "e4m3", 0x7F);            /* S.1111.111 is NaN */
    check_bits_at(out[0xFF], NEG_QNAN, "e4m3", 0xFF);
    for (unsigned v = 0; v < 256; v++) {
        if ((v & 0x7F) == 0x7F) continue;
        check_f32_code(out[v], small_float(v >> 7, v >> 3 & 15, v & 7, 3, 7), "e4m3", v);
    }
}

static void test_f8_e5m2(void **state) {
    (void)state;
    float out[256];
    dq8(ck_dq_f8_e5m2, out);
    check_f32_code(out[0x3C], 1.0f, "e5m2", 0x3C);
    check_f32_code(out[0x80], -0.0f, "e5m2", 0x80);
    check_f32_code(out[0x01], fval(0, 1, -16), "e5m2", 0x01);
    check_f32_code(out[0x04], fval(0, 1, -14), "e5m2", 0x04);
    check_f32_code(out[0x7B], 57344.0f, "e5m2", 0x7B);
    check_f32_code(out[0xFB], -57344.0f, "e5m2", 0xFB);
    check_bits_at(out[0x7C], 0x7F800000u, "e5m2", 0x7C);
    check_bits_at(out[0xFC], 0xFF800000u, "e5m2", 0xFC);
    check_bits_at(out[0x7D], QNAN, "e5m2", 0x7D);
    check_bits_at(out[0x7E], QNAN, "e5m2", 0x7E);
    check_bits_at(out[0x7F], QNAN, "e5m2", 0x7F);
    check_bits_at(out[0xFD], NEG_QNAN, "e5m2", 0xFD);
    for (unsigned v = 0; v < 256; v++) {
        if ((v & 0x7C) == 0x7C) continue;
        check_f32_code(out[v], small_float(v >> 7, v >> 2 & 31, v & 3, 2, 15), "e5m2", v);
        /* E5M2 is the top byte of a binary16 */
        check_f32_code(out[v], ck_f16_to_f32((uint16_t)(v << 8)), "e5m2 vs f16", v);
    }
}

static void test_f8_e8m0(void **state) {
    (void)state;
    float out[256];
    dq8(ck_dq_f8_e8m0, out);
    check_f32_code(out[127], 1.0f, "e8m0", 127);
    check_f32_code(out[128], 2.0f, "e8m0", 128);
    check_f32_code(out[126], 0.5f, "e8m0", 126);
    check_bits_at(out[0], 0x00400000u, "e8m0", 0);   /* 2^-127, a float32 subnormal */
    check_f32_code(out[1], fval(0, 1, -126), "e8m0", 1);
    check_f32_code(out[254], fval(0, 1, 127), "e8m0", 254);
    check_bits_at(out[255], QNAN, "e8m0", 255);
    for (unsigned v = 0; v < 255; v++) check_f32_code(out[v], fval(0, 1, (int)v - 127), "e8m0", v);
}

static void test_f8_fnuz(void **state) {
    (void)state;
    float out[256];
    dq8(ck_dq_f8_e4m3fnuz, out);
    check_f32_code(out[0x00], 0.0f, "e4m3fnuz", 0);
    check_bits_at(out[0x80], NEG_QNAN, "e4m3fnuz", 0x80);    /* the only NaN; no -0 */
    check_f32_code(out[0x40], 1.0f, "e4m3fnuz", 0x40);         /* bias 8 */
    check_f32_code(out[0x01], fval(0, 1, -10), "e4m3fnuz", 0x01);
    check_f32_code(out[0x78], 128.0f, "e4m3fnuz", 0x78);
    check_f32_code(out[0x7F], 240.0f, "e4m3fnuz", 0x7F);       /* largest: no NaN at 0x7F */
    check_f32_code(out[0xFF], -240.0f, "e4m3fnuz", 0xFF);
    for (unsigned v = 0; v < 256; v++) {
        if (v == 0x80) continue;
        check_f32_code(out[v], small_float(v >> 7, v >> 3 & 15, v & 7, 3, 8), "e4m3fnuz", v);
    }

    dq8(ck_dq_f8_e5m2fnuz, out);
    check_f32_code(out[0x00], 0.0f, "e5m2fnuz", 0);
    check_bits_at(out[0x80], NEG_QNAN, "e5m2fnuz", 0x80);
    check_f32_code(out[0x40], 1.0f, "e5m2fnuz", 0x40);         /* bias 16 */
    check_f32_code(out[0x01], fval(0, 1, -17), "e5m2fnuz", 0x01);
    check_f32_code(out[0x7C], 32768.0f, "e5m2fnuz", 0x7C);     /* no infinity */
    check_f32_code(out[0x7F], 57344.0f, "e5m2fnuz", 0x7F);
    check_f32_code(out[0xFF], -57344.0f, "e5m2fnuz", 0xFF);
    for (unsigned v = 0; v < 256; v++) {
        if (v == 0x80) continue;
        check_f32_code(out[v], small_float(v >> 7, v >> 2 & 31, v & 3, 2, 16), "e5m2fnuz", v);
    }
}

/* ===== sub-byte floats ===== */

static void test_f4(void **state) {
    (void)state;
    static const float mag[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
    /* every pair of codes: element 0 = low nibble, element 1 = high nibble */
    uint8_t bytes[256];
    for (int i = 0; i < 256; i++) bytes[i] = (uint8_t)i;
    float out[512];
    run_kernel(ck_dq_f4, bytes, 256, 256, out, 512);
    for (unsigned b = 0; b < 256; b++) {
        unsigned lo = b & 15, hi = b >> 4;
        check_f32_code(out[2 * b], (lo & 8) ? -mag[lo & 7] : mag[lo & 7], "f4 lo", b);
        check_f32_code(out[2 * b + 1], (hi & 8) ? -mag[hi & 7] : mag[hi & 7], "f4 hi", b);
    }
    /* 0x71: element 0 is code 1 (0.5), element 1 is code 7 (6) */
    check_f32_code(out[2 * 0x71], 0.5f, "f4", 0x71);
    check_f32_code(out[2 * 0x71 + 1], 6.0f, "f4", 0x71);
    check_f32_code(out[2 * 0xF8], -0.0f, "f4", 0xF8);
    check_f32_code(out[2 * 0xF8 + 1], -6.0f, "f4", 0xF8);
}

/* Four 6-bit codes c0..c3 packed as w = c0 | c1 << 6 | c2 << 12 | c3 << 18,
 * stored little-endian in 3 bytes. */
static void test_f6_e2m3(void **state) {
    (void)state;
    /* codes 0x08 (1.0), 0x3F (-7.5), 0x21 (-0.125), 0x10 (2.0):
     * w = 0x08 + 0xFC0 + 0x21000 + 0x400000 = 0x421FC8 */
    static const uint8_t bytes[] = {0xC8, 0x1F, 0x42, 0x00, 0x00, 0x00};
    float out[8];
    run_kernel(ck_dq_f6_e2m3, bytes, sizeof bytes, 2, out, 8);
    check_f32_code(out[0], 1.0f, "e2m3", 0);
    check_f32_code(out[1], -7.5f, "e2m3", 1);
    check_f32_code(out[2], -0.125f, "e2m3", 2);
    check_f32_code(out[3], 2.0f, "e2m3", 3);
    for (int i = 4; i < 8; i++) check_f32_code(out[i], 0.0f, "e2m3", (unsigned)i);

    /* every code, in each of the 4 positions: E2M3, bias 1, no inf/NaN */
    for (unsigned c = 0; c < 64; c++) {
        float want = small_float(c >> 5, c >> 3 & 3, c & 7, 3, 1);
        for (int pos = 0; pos < 4; pos++) {
            uint32_t w = c << (6 * pos);
            uint8_t b3[3] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16)};
            float o[4];
            ck_dq_f6_e2m3(b3, o, 1);
            check_f32_code(o[pos], want, "e2m3 code", c);
        }
    }
    check_f32_code(small_float(0, 3, 7, 3, 1), 7.5f, "e2m3 max", 0x1F);
    check_f32_code(small_float(0, 0, 1, 3, 1), 0.125f, "e2m3 min", 0x01);
}

static void test_f6_e3m2(void **state) {
    (void)state;
    /* codes 0x1F (28), 0x0C (1.0), 0x01 (0.0625), 0x3F (-28):
     * w = 0x1F + 0x300 + 0x1000 + 0xFC0000 = 0xFC131F */
    static const uint8_t bytes[] = {0x1F, 0x13, 0xFC};
    float out[4];
    run_kernel(ck_dq_f6_e3m2, bytes, sizeof bytes, 1, out, 4);
    check_f32_code(out[0], 28.0f, "e3m2", 0);
    check_f32_code(out[1], 1.0f, "e3m2", 1);
    check_f32_code(out[2], 0.0625f, "e3m2", 2);
    check_f32_code(out[3], -28.0f, "e3m2", 3);

    for (unsigned c = 0; c < 64; c++) {
        float want = small_float(c >> 5, c >> 2 & 7, c & 3, 2, 3);
        for (int pos = 0; pos < 4; pos++) {
            uint32_t w = c << (6 * pos);
            uint8_t b3[3] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16)};
            float o[4];
            ck_dq_f6_e3m2(b3, o, 1);
            check_f32_code(o[pos], want, "e3m2 code", c);
        }
    }
    check_f32_code(small_float(0, 1, 0, 2, 3), 0.25f, "e3m2 min normal", 0x04);
    check_f32_code(small_float(1, 0, 0, 2, 3), -0.0f, "e3m2 -0", 0x20);
}

/* Zero blocks write nothing and read nothing. */
static void test_zero_count(void **state) {
    (void)state;
    float sentinel = 12345.0f;
    uint8_t one = 0;
    ck_dq_f32(&one, &sentinel, 0);
    ck_dq_f4(&one, &sentinel, 0);
    ck_dq_f6_e2m3(&one, &sentinel, 0);
    ck_dq_c64(&one, &sentinel, 0);
    check_f32_code(sentinel, 12345.0f, "zero count", 0);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f16_values),   cmocka_unit_test(test_f16_exhaustive),
        cmocka_unit_test(test_dq_f16_bytes), cmocka_unit_test(test_bf16_values),
        cmocka_unit_test(test_dq_bf16_bytes), cmocka_unit_test(test_dq_f32),
        cmocka_unit_test(test_dq_f64),       cmocka_unit_test(test_dq_c64),
        cmocka_unit_test(test_dq_ints),      cmocka_unit_test(test_dq_bool),
        cmocka_unit_test(test_f8_e4m3),      cmocka_unit_test(test_f8_e5m2),
        cmocka_unit_test(test_f8_e8m0),      cmocka_unit_test(test_f8_fnuz),
        cmocka_unit_test(test_f4),           cmocka_unit_test(test_f6_e2m3),
        cmocka_unit_test(test_f6_e3m2),      cmocka_unit_test(test_zero_count),
    };
    return cmocka_run_group_tests_name("dequant_float", tests, NULL, NULL) ? 1 : 0;
}
