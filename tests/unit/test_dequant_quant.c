/* Unit tests: ggml's legacy quants (dequant_legacy.c) and k-quants
 * (dequant_kquant.c).
 *
 * Blocks are built here byte by byte from the layouts of ggml-common.h: an
 * encoder places chosen quant codes and scales where the format says, and the
 * expected floats follow from the format's formula (with scales that are
 * powers of two or small, every product is exact, so the expected values do
 * not depend on the order of operations). A few blocks are also checked
 * against values worked out by hand, to pin down bit and nibble order.
 * Floats are compared bit for bit.
 */
#include "unit.h"

#include <math.h>

#include "dequant_check.h"
#include "bytes.h"
#include "core/dequant.h"

/* ===== helpers ===== */

/* Some binary16 patterns and their values. */
#define H_1 0x3C00       /* 1.0 */
#define H_HALF 0x3800    /* 0.5 */
#define H_QUARTER 0x3400 /* 0.25 */
#define H_2 0x4000       /* 2.0 */
#define H_M1 0xBC00      /* -1.0 */
#define H_M2 0xC000      /* -2.0 */
#define H_M8 0xC800      /* -8.0 */
#define H_TINY 0x0001    /* 2^-24, subnormal */
#define H_NEG0 0x8000
#define H_INF 0x7C00


/* ===== Q4_0: d f16, qs[16]; element j low nibble of qs[j], j+16 high ===== */

static void test_q4_0(void **state) {
    (void)state;
    uint8_t blk[2 * 18];
    float out[64], want[64];
    /* block 0: d = 0.5, qs[j] = j | (15 - j) << 4 */
    put16(blk, H_HALF);
    for (int j = 0; j < 16; j++) blk[2 + j] = (uint8_t)(j | (15 - j) << 4);
    /* block 1: d = -2, every nibble 0 (q - 8 = -8) */
    put16(blk + 18, H_M2);
    memset(blk + 20, 0, 16);
    for (int j = 0; j < 16; j++) {
        want[j] = (float)(j - 8) * 0.5f;
        want[j + 16] = (float)(7 - j) * 0.5f;
    }
    for (int j = 32; j < 64; j++) want[j] = 16.0f;
    run_kernel(ck_dq_q4_0, blk, sizeof blk, 2, out, 64);
    check_all(out, want, 64, "q4_0");
    /* by hand */
    check_f32_at(out[0], -4.0f, "q4_0", 0);   /* nibble 0 */
    check_f32_at(out[8], 0.0f, "q4_0", 8);    /* nibble 8 */
    check_f32_at(out[15], 3.5f, "q4_0", 15);  /* nibble 15 */
    check_f32_at(out[16], 3.5f, "q4_0", 16);  /* high nibble of qs[0] = 15 */
    check_f32_at(out[31], -4.0f, "q4_0", 31); /* high nibble of qs[15] = 0 */

    /* a subnormal scale, and an infinite one: 0 * inf is NaN */
    uint8_t b2[18];
    put16(b2, H_TINY);
    for (int j = 0; j < 16; j++) b2[2 + j] = 0xF0; /* low 0 -> -8, high 15 -> 7 */
    run_kernel(ck_dq_q4_0, b2, 18, 1, out, 32);
    check_f32_at(out[0], -ldexpf(1, -21), "q4_0 tiny", 0);
    check_f32_at(out[16], 7 * ldexpf(1, -24), "q4_0 tiny", 16);
    put16(b2, H_INF);
    b2[2] = 0x08; /* element 0: q - 8 = 0; element 16: q - 8 = -8 */
    run_kernel(ck_dq_q4_0, b2, 18, 1, out, 32);
    assert_true(isnan(out[0]));
    check_f32_at(out[16], -INFINITY, "q4_0 inf", 16);
    check_f32_at(out[1], -INFINITY, "q4_0 inf", 1);
    check_f32_at(out[17], INFINITY, "q4_0 inf", 17);
}

/* ===== Q4_1: d, m f16, qs[16]; value q * d + m ===== */

static void test_q4_1(void **state) {
    (void)state;
    uint8_t blk[20];
    float out[32], want[32];
    put16(blk, H_QUARTER);
    put16(blk + 2, H_M1);
    for (int j = 0; j < 16; j++) blk[4 + j] = (uint8_t)((15 - j) | j << 4);
    for (int j = 0; j < 16; j++) {
        want[j] = (float)(15 - j) * 0.25f - 1.0f;
        want[j + 16] = (float)j * 0.25f - 1.0f;
    }
    run_kernel(ck_dq_q4_1, blk, 20, 1, out, 32);
    check_all(out, want, 32, "q4_1");
    check_f32_at(out[0], 2.75f, "q4_1", 0);   /* 15 * 0.25 - 1 */
    check_f32_at(out[4], 1.75f, "q4_1", 4);   /* 11 * 0.25 - 1 */
    check_f32_at(out[16], -1.0f, "q4_1", 16); /* 0 * 0.25 - 1 */

    /* the min is added after the product: q = 0 with m = -0 gives -0 + ... */
    put16(blk, H_1);
    put16(blk + 2, H_NEG0);
    memset(blk + 4, 0, 16);
    run_kernel(ck_dq_q4_1, blk, 20, 1, out, 32);
    check_f32_at(out[0], 0.0f, "q4_1 zero", 0); /* +0 + -0 = +0 */
}

/* ===== Q5_0: d, qh[4] (u32 LE, bit j = 5th bit of element j), qs[16] ===== */

static void build_q5(uint8_t *qh4, uint8_t *qs16, const int *q /* 32 codes, 0..31 */) {
    uint32_t qh = 0;
    memset(qs16, 0, 16);
    for (int i = 0; i < 32; i++) {
        int lo = q[i] & 15;
        if (i < 16) qs16[i] |= (uint8_t)lo;
        else qs16[i - 16] |= (uint8_t)(lo << 4);
        if (q[i] & 16) qh |= 1u << i;
    }
    qh4[0] = (uint8_t)qh;
    qh4[1] = (uint8_t)(qh >> 8);
    qh4[2] = (uint8_t)(qh >> 16);
    qh4[3] = (uint8_t)(qh >> 24);
}

static void test_q5_0(void **state) {
    (void)state;
    int q[32];
    for (int i = 0; i < 32; i++) q[i] = (i * 13 + 5) % 32;
    uint8_t blk[22];
    float out[32], want[32];
    put16(blk, H_2);
    build_q5(blk + 2, blk + 6, q);
    for (int i = 0; i < 32; i++) want[i] = (float)(q[i] - 16) * 2.0f;
    run_kernel(ck_dq_q5_0, blk, 22, 1, out, 32);
    check_all(out, want, 32, "q5_0");

    /* by hand: qh = 0x80000001 (bytes 01 00 00 80): elements 0 and 31 get the
     * 5th bit; qs[0] = 0x0F, qs[15] = 0xF0: element 0 low nibble 15, element 31
     * high nibble 15 */
    put16(blk, H_1);
    blk[2] = 0x01;
    blk[3] = 0x00;
    blk[4] = 0x00;
    blk[5] = 0x80;
    memset(blk + 6, 0, 16);
    blk[6] = 0x0F;
    blk[6 + 15] = 0xF0;
    run_kernel(ck_dq_q5_0, blk, 22, 1, out, 32);
    check_f32_at(out[0], 15.0f, "q5_0 hand", 0);   /* 31 - 16 */
    check_f32_at(out[31], 15.0f, "q5_0 hand", 31); /* 31 - 16 */
    check_f32_at(out[15], -16.0f, "q5_0 hand", 15); /* 0 - 16 */
    check_f32_at(out[16], -16.0f, "q5_0 hand", 16);
    check_f32_at(out[1], -16.0f, "q5_0 hand", 1);
}

static void test_q5_1(void **state) {
    (void)state;
    int q[32];
    for (int i = 0; i < 32; i++) q[i] = (i * 7 + 3) % 32;
    uint8_t blk[2 * 24];
    float out[64], want[64];
    put16(blk, H_HALF);
    put16(blk + 2, H_M8);
    build_q5(blk + 4, blk + 8, q);
    /* second block: d = 1, m = 2, all codes 31 */
    int q31[32];
    for (int i = 0; i < 32; i++) q31[i] = 31;
    put16(blk + 24, H_1);
    put16(blk + 26, H_2);
    build_q5(blk + 28, blk + 32, q31);
    for (int i = 0; i < 32; i++) want[i] = (float)q[i] * 0.5f - 8.0f;
    for (int i = 32; i < 64; i++) want[i] = 33.0f;
    run_kernel(ck_dq_q5_1, blk, sizeof blk, 2, out, 64);
    check_all(out, want, 64, "q5_1");
    check_f32_at(out[0], -6.5f, "q5_1", 0); /* code 3: 1.5 - 8 */
}

/* ===== Q8_0 / Q8_1 ===== */

static void test_q8_0(void **state) {
    (void)state;
    uint8_t blk[34];
    float out[32], want[32];
    put16(blk, H_HALF);
    for (int j = 0; j < 32; j++) blk[2 + j] = (uint8_t)(int8_t)(j * 8 - 128); /* -128 .. 120 */
    for (int j = 0; j < 32; j++) want[j] = (float)(j * 8 - 128) * 0.5f;
    run_kernel(ck_dq_q8_0, blk, 34, 1, out, 32);
    check_all(out, want, 32, "q8_0");
    check_f32_at(out[0], -64.0f, "q8_0", 0);

    /* d = -0: the sign of each zero follows the sign of q */
    put16(blk, H_NEG0);
    blk[2] = 5;
    blk[3] = (uint8_t)-5;
    blk[4] = 0;
    run_kernel(ck_dq_q8_0, blk, 34, 1, out, 32);
    check_f32_at(out[0], -0.0f, "q8_0 -0", 0);
    check_f32_at(out[1], 0.0f, "q8_0 -0", 1);
    check_f32_at(out[2], -0.0f, "q8_0 -0", 2);
}

static void test_q8_1(void **state) {
    (void)state;
    uint8_t blk[2 * 36];
    float out[64];
    put16(blk, H_QUARTER);
    put16(blk + 2, H_INF); /* s is for dot products only; it must not leak in */
    for (int j = 0; j < 32; j++) blk[4 + j] = (uint8_t)(int8_t)(127 - j * 8);
    put16(blk + 36, H_M1);
    put16(blk + 38, 0);
    for (int j = 0; j < 32; j++) blk[40 + j] = (uint8_t)j;
    run_kernel(ck_dq_q8_1, blk, sizeof blk, 2, out, 64);
    for (int j = 0; j < 32; j++) {
        check_f32_at(out[j], (float)(127 - j * 8) * 0.25f, "q8_1", (size_t)j);
        check_f32_at(out[32 + j], -(float)j, "q8_1", (size_t)(32 + j));
    }
    check_f32_at(out[0], 31.75f, "q8_1", 0);
}

/* ===== k-quant encoders: where element e's bits live ===== */

/* The 2-bit low part of element e (0..255) as Q2_K, Q3_K store it: in half
 * h = e / 128, group g = (e % 128) / 32, the byte qs[32h + e % 32] at bits
 * 2g..2g+1. */
static void put_2bit(uint8_t *qs, int e, int v) {
    int h = e / 128, g = (e % 128) / 32;
    qs[32 * h + e % 32] |= (uint8_t)((v & 3) << (2 * g));
}

/* The 4-bit part of element e as Q4_K, Q5_K store it: chunk c = e / 64 uses
 * qs[32c .. 32c+31]; its first 32 elements take the low nibbles, the next 32
 * the high nibbles. */
static void put_4bit(uint8_t *qs, int e, int v) {
    int c = e / 64, r = e % 64;
    qs[32 * c + r % 32] |= (uint8_t)((v & 15) << (r < 32 ? 0 : 4));
}

/* The 6-bit scales and mins of Q4_K / Q5_K (8 each, 0..63) in 12 bytes:
 * bytes 0..3 scales 0..3, bytes 4..7 mins 0..3 (low 6 bits); bytes 8..11
 * hold the low 4 bits of scale 4+i (low nibble) and min 4+i (high nibble);
 * the top 2 bits of scale 4+i / min 4+i go to bits 6..7 of byte i / 4+i. */
static void put_scales_k4(uint8_t *s, const int *sc, const int *mn) {
    memset(s, 0, 12);
    for (int i = 0; i < 4; i++) {
        s[i] = (uint8_t)(sc[i] | (sc[4 + i] >> 4) << 6);
        s[4 + i] = (uint8_t)(mn[i] | (mn[4 + i] >> 4) << 6);
        s[8 + i] = (uint8_t)((sc[4 + i] & 15) | (mn[4 + i] & 15) << 4);
    }
}

/* ===== Q2_K: scales[16], qs[64], d, dmin ===== */

static void test_q2_k(void **state) {
    (void)state;
    uint8_t blk[84];
    int L[256], sc[16], mn[16];
    memset(blk, 0, sizeof blk);
    for (int i = 0; i < 16; i++) {
        sc[i] = i;
        mn[i] = 15 - i;
        blk[i] = (uint8_t)(sc[i] | mn[i] << 4); /* low nibble scale, high nibble min */
    }
    for (int e = 0; e < 256; e++) {
        L[e] = (e * 7 + e / 5) & 3;
        put_2bit(blk + 16, e, L[e]);
    }
    put16(blk + 80, H_HALF);  /* d */
    put16(blk + 82, H_QUARTER); /* dmin */
    float out[256], want[256];
    for (int e = 0; e < 256; e++) want[e] = 0.5f * (float)(sc[e / 16] * L[e]) - 0.25f * (float)mn[e / 16];
    run_kernel(ck_dq_q2_k, blk, 84, 1, out, 256);
    check_all(out, want, 256, "q2_k");

    /* by hand: only qs[0] = 0b11100100 (fields 0,1,2,3 at shifts 0,2,4,6) and
     * qs[16] = 0x03; scales[2] = 0x15 (scale 5, min 1), scales[4] = 0x02,
     * scales[6] = 0x31 (scale 1, min 3), scales[1] = 0x40 (min 4);
     * d = 2, dmin = -1 (a negative super-block min) */
    memset(blk, 0, sizeof blk);
    blk[16 + 0] = 0xE4;
    blk[16 + 16] = 0x03;
    blk[1] = 0x40;
    blk[2] = 0x15;
    blk[4] = 0x02;
    blk[6] = 0x31;
    put16(blk + 80, H_2);
    put16(blk + 82, H_M1);
    run_kernel(ck_dq_q2_k, blk, 84, 1, out, 256);
    check_f32_at(out[0], 0.0f, "q2_k hand", 0);     /* q 0, scale 0, min 0: 0 - (-0) */
    check_f32_at(out[16], 2 * 0 * 3 + 4.0f, "q2_k hand", 16); /* sub-block 1: q 3, scale 0, min 4 */
    check_f32_at(out[32], 10.0f + 1.0f, "q2_k hand", 32);     /* q 1 * (2*5) - (-1*1) */
    check_f32_at(out[33], 1.0f, "q2_k hand", 33);             /* q 0: 0 + 1 */
    check_f32_at(out[64], 8.0f, "q2_k hand", 64);             /* q 2 * (2*2) */
    check_f32_at(out[96], 6.0f + 3.0f, "q2_k hand", 96);      /* q 3 * (2*1) + 3 */
    check_f32_at(out[128], 0.0f, "q2_k hand", 128);
}

/* ===== Q3_K: hmask[32], qs[64], scales[12], d ===== */

/* 16 signed scales (-32..31) in 12 bytes, stored + 32 as 6 bits: low 4 bits
 * of scale j in the low nibble of byte j (j < 8) or the high nibble of byte
 * j - 8; top 2 bits at bits 2*(j/4) of byte 8 + j%4. */
static void put_scales_q3(uint8_t *s, const int *sc) {
    memset(s, 0, 12);
    for (int j = 0; j < 16; j++) {
        int u = sc[j] + 32;
        if (j < 8) s[j] |= (uint8_t)(u & 15);
        else s[j - 8] |= (uint8_t)((u & 15) << 4);
        s[8 + j % 4] |= (uint8_t)((u >> 4) << (2 * (j / 4)));
    }
}

static void test_q3_k(void **state) {
    (void)state;
    uint8_t blk[110];
    float out[256], want[256];

    /* all-zero block, d = 1: every scale is 0 - 32, every hmask bit clear
     * (q = 0 - 4): value (-32) * (-4) = 128 */
    memset(blk, 0, sizeof blk);
    put16(blk + 108, H_1);
    run_kernel(ck_dq_q3_k, blk, 110, 1, out, 256);
    for (int e = 0; e < 256; e++) check_f32_at(out[e], 128.0f, "q3_k zero", (size_t)e);

    /* by hand: scales bytes: s[0] = 0x0F, s[8] = 0x03 -> scale 0 = 63 - 32 =
     * 31; s[0] high nibble 0 and s[8] bits 4..5 = 0 -> scale 8 = -32; hmask[0]
     * bit 0 set (element 0 keeps its q), qs[0] field 0 = 3 */
    memset(blk, 0, sizeof blk);
    blk[96 + 0] = 0x0F;
    blk[96 + 8] = 0x03;
    blk[0] = 0x01;
    blk[32] = 0x03;
    put16(blk + 108, H_HALF);
    run_kernel(ck_dq_q3_k, blk, 110, 1, out, 256);
    check_f32_at(out[0], 0.5f * 31 * 3, "q3_k hand", 0);       /* q 3 */
    check_f32_at(out[1], 0.5f * 31 * -4, "q3_k hand", 1);      /* q 0 - 4 */
    check_f32_at(out[128], 0.5f * -32 * -4, "q3_k hand", 128); /* scale 8 */

    /* every element and scale through the encoder */
    int L[256], sc[16];
    for (int j = 0; j < 16; j++) sc[j] = (j * 11 + 3) % 64 - 32; /* covers negatives, -32 .. 31 */
    sc[0] = -32;
    sc[15] = 31;
    memset(blk, 0, sizeof blk);
    put_scales_q3(blk + 96, sc);
    for (int e = 0; e < 256; e++) {
        L[e] = (e * 5 + e / 7) % 8 - 4; /* -4 .. 3 */
        int u = L[e] + 4;
        put_2bit(blk + 32, e, u & 3);
        if (u & 4) blk[e % 32] |= (uint8_t)(1u << (e / 32)); /* hmask: bit e/32 of byte e%32 */
    }
    put16(blk + 108, H_M2);
    /* (d * scale) * q: the order fixes the sign of a zero, q = 0 with a
     * negative scale gives (-2 * -32) * 0 = +0 */
    for (int e = 0; e < 256; e++) want[e] = (-2.0f * (float)sc[e / 16]) * (float)L[e];
    run_kernel(ck_dq_q3_k, blk, 110, 1, out, 256);
    check_all(out, want, 256, "q3_k");
    assert_int_equal(sc[0] * L[4], 0);
    check_f32_at(out[4], 0.0f, "q3_k +0", 4);
}

/* ===== Q4_K: d, dmin, scales[12], qs[128] ===== */

static void test_q4_k_scales(void **state) {
    (void)state;
    /* by hand: scales bytes 0xC1,2,3,4, 0x45,6,7,8, 0x21,0x43,0x65,0x87:
     * scales 0..3 = 1,2,3,4 (low 6 bits), mins 0..3 = 5,6,7,8;
     * scale 4 = 0x21 & 15 | (0xC1 >> 6) << 4 = 1 | 48 = 49,
     * min 4 = 0x21 >> 4 | (0x45 >> 6) << 4 = 2 | 16 = 18;
     * scale 5..7 = 3, 5, 7; min 5..7 = 4, 6, 8.
     * d = 1, dmin = 0.5, every quant 1: value = scale - 0.5 * min */
    uint8_t blk[144];
    memset(blk, 0, sizeof blk);
    put16(blk, H_1);
    put16(blk + 2, H_HALF);
    static const uint8_t s[12] = {0xC1, 2, 3, 4, 0x45, 6, 7, 8, 0x21, 0x43, 0x65, 0x87};
    memcpy(blk + 4, s, 12);
    memset(blk + 16, 0x11, 128);
    static const float scale[8] = {1, 2, 3, 4, 49, 3, 5, 7};
    static const float min[8] = {5, 6, 7, 8, 18, 4, 6, 8};
    float out[256];
    run_kernel(ck_dq_q4_k, blk, 144, 1, out, 256);
    for (int e = 0; e < 256; e++) check_f32_at(out[e], scale[e / 32] - 0.5f * min[e / 32], "q4_k hand", (size_t)e);
}

static void test_q4_k(void **state) {
    (void)state;
    uint8_t blk[2 * 144];
    int L[256], sc[8], mn[8];
    float out[512], want[512];
    memset(blk, 0, sizeof blk);
    for (int j = 0; j < 8; j++) {
        sc[j] = (j * 23 + 7) % 64;
        mn[j] = (j * 41 + 60) % 64;
    }
    sc[7] = 63;
    mn[7] = 63;
    put16(blk, H_QUARTER);
    put16(blk + 2, H_HALF);
    put_scales_k4(blk + 4, sc, mn);
    for (int e = 0; e < 256; e++) {
        L[e] = (e * 3 + e / 16) % 16;
        put_4bit(blk + 16, e, L[e]);
    }
    for (int e = 0; e < 256; e++) want[e] = 0.25f * (float)(sc[e / 32] * L[e]) - 0.5f * (float)mn[e / 32];
    /* second block: same quants and scales, d = -1, dmin = -2 */
    memcpy(blk + 144, blk, 144);
    put16(blk + 144, H_M1);
    put16(blk + 146, H_M2);
    for (int e = 0; e < 256; e++) want[256 + e] = -1.0f * (float)(sc[e / 32] * L[e]) + 2.0f * (float)mn[e / 32];
    run_kernel(ck_dq_q4_k, blk, sizeof blk, 2, out, 512);
    check_all(out, want, 512, "q4_k");
    /* element 32 is the high nibble of qs[0], element 64 the low nibble of qs[32] */
    assert_int_equal(blk[16] >> 4, L[32]);
    assert_int_equal(blk[16 + 32] & 15, L[64]);
}

/* ===== Q5_K: d, dmin, scales[12], qh[32], qs[128] ===== */

static void test_q5_k(void **state) {
    (void)state;
    uint8_t blk[176];
    int L[256], sc[8], mn[8];
    float out[256], want[256];
    memset(blk, 0, sizeof blk);
    for (int j = 0; j < 8; j++) {
        sc[j] = 63 - j * 5;
        mn[j] = j * 9;
    }
    put16(blk, H_HALF);
    put16(blk + 2, H_1);
    put_scales_k4(blk + 4, sc, mn);
    for (int e = 0; e < 256; e++) {
        L[e] = (e * 11 + e / 9) % 32;
        put_4bit(blk + 48, e, L[e] & 15);
        if (L[e] & 16) blk[16 + e % 32] |= (uint8_t)(1u << (e / 32)); /* qh: bit e/32 of byte e%32 */
    }
    for (int e = 0; e < 256; e++) want[e] = 0.5f * (float)(sc[e / 32] * L[e]) - (float)mn[e / 32];
    run_kernel(ck_dq_q5_k, blk, 176, 1, out, 256);
    check_all(out, want, 256, "q5_k");

    /* by hand: d = 1, dmin = 0, scales all 1; qh[0] = 0x81: elements 0 and
     * 224 get +16; qs all zero */
    memset(blk, 0, sizeof blk);
    put16(blk, H_1);
    int ones[8] = {1, 1, 1, 1, 1, 1, 1, 1}, zeros[8] = {0};
    put_scales_k4(blk + 4, ones, zeros);
    blk[16] = 0x81;
    run_kernel(ck_dq_q5_k, blk, 176, 1, out, 256);
    check_f32_at(out[0], 16.0f, "q5_k hand", 0);
    check_f32_at(out[224], 16.0f, "q5_k hand", 224);
    check_f32_at(out[32], 0.0f, "q5_k hand", 32);
    check_f32_at(out[1], 0.0f, "q5_k hand", 1);
}

/* ===== Q6_K: ql[128], qh[64], scales[16] int8, d ===== */

/* Element e: half h = e/128, group g = (e%128)/32, l = e%32. Low 4 bits:
 * g 0: low nibble of ql[64h+l], g 1: low nibble of ql[64h+l+32], g 2: high
 * nibble of ql[64h+l], g 3: high nibble of ql[64h+l+32]; high 2 bits at bits
 * 2g of qh[32h+l]. Stored q + 32; scale e/16. */
static void put_q6(uint8_t *blk, int e, int q) {
    int h = e / 128, g = (e % 128) / 32, l = e % 32, u = q + 32;
    uint8_t *ql = blk + 64 * h + l + (g & 1) * 32;
    *ql |= (uint8_t)((u & 15) << (g >= 2 ? 4 : 0));
    blk[128 + 32 * h + l] |= (uint8_t)((u >> 4) << (2 * g));
}

static void test_q6_k(void **state) {
    (void)state;
    uint8_t blk[210];
    float out[256], want[256];

    /* by hand: all zero but scales[0] = -1 and d = 1: elements 0..15 are
     * (-1) * (0 - 32) = 32, the rest 0 * -32 = -0 */
    memset(blk, 0, sizeof blk);
    blk[192] = 0xFF;
    put16(blk + 208, H_1);
    run_kernel(ck_dq_q6_k, blk, 210, 1, out, 256);
    for (int e = 0; e < 16; e++) check_f32_at(out[e], 32.0f, "q6_k hand", (size_t)e);
    for (int e = 16; e < 256; e++) check_f32_at(out[e], -0.0f, "q6_k hand", (size_t)e);

    /* signed scales -128..127 and every quant through the encoder */
    int L[256], sc[16];
    memset(blk, 0, sizeof blk);
    for (int j = 0; j < 16; j++) sc[j] = j * 17 - 128; /* -128 .. 127 */
    for (int j = 0; j < 16; j++) blk[192 + j] = (uint8_t)(int8_t)sc[j];
    for (int e = 0; e < 256; e++) {
        L[e] = (e * 13 + e / 3) % 64 - 32; /* -32 .. 31 */
        put_q6(blk, e, L[e]);
    }
    put16(blk + 208, H_QUARTER);
    for (int e = 0; e < 256; e++) want[e] = 0.25f * (float)sc[e / 16] * (float)L[e];
    run_kernel(ck_dq_q6_k, blk, 210, 1, out, 256);
    check_all(out, want, 256, "q6_k");
    check_f32_at(out[255], 0.25f * 127.0f * (float)L[255], "q6_k", 255);
}

/* ===== Q8_K: d float32, qs[256] int8, bsums[16] ===== */

static void test_q8_k(void **state) {
    (void)state;
    uint8_t blk[292];
    float out[256];
    /* d = -3.0f = 0xC0400000, little-endian */
    blk[0] = 0x00;
    blk[1] = 0x00;
    blk[2] = 0x40;
    blk[3] = 0xC0;
    for (int j = 0; j < 256; j++) blk[4 + j] = (uint8_t)j; /* as int8: 0..127, -128..-1 */
    memset(blk + 260, 0xAB, 32);                           /* bsums do not enter */
    run_kernel(ck_dq_q8_k, blk, 292, 1, out, 256);
    for (int j = 0; j < 256; j++) check_f32_at(out[j], -3.0f * (float)(int8_t)(uint8_t)j, "q8_k", (size_t)j);
    check_f32_at(out[128], 384.0f, "q8_k", 128);
    check_f32_at(out[0], -0.0f, "q8_k", 0);
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q4_0), cmocka_unit_test(test_q4_1),        cmocka_unit_test(test_q5_0),
        cmocka_unit_test(test_q5_1), cmocka_unit_test(test_q8_0),        cmocka_unit_test(test_q8_1),
        cmocka_unit_test(test_q2_k), cmocka_unit_test(test_q3_k),        cmocka_unit_test(test_q4_k_scales),
        cmocka_unit_test(test_q4_k), cmocka_unit_test(test_q5_k),        cmocka_unit_test(test_q6_k),
        cmocka_unit_test(test_q8_k),
    };
    return cmocka_run_group_tests_name("dequant_quant", tests, NULL, NULL) ? 1 : 0;
}
