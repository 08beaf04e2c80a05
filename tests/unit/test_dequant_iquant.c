/* Unit tests: ggml's i-quants (dequant_iquant.c), ternary and micro-scaling
 * quants (dequant_mx.c) and their lookup tables (iq_grids.c).
 *
 * Blocks are built here byte by byte from the layouts of ggml-common.h, and
 * the expected floats are worked out from the format's definition: the grid
 * entries used are written below as the published ggml-common.h tables give
 * them (a 64-bit entry holds element j in byte j), and the scales are small
 * or powers of two so every product is exact and the expected values do not
 * depend on the order of operations. Several groups are spelled out value by
 * value, to pin down bit packing, sign handling and element order. Floats are
 * compared bit for bit. (Bit-exactness against ggml on real files is the job
 * of test_dequant_corpus.)
 */
#include "unit.h"

#include <float.h>
#include <math.h>

#include "dequant_check.h"
#include "bytes.h"
#include "core/dequant.h"
#include "core/iq_grids.h"

/* ===== helpers ===== */

static void fill(float *p, size_t n, float v) {
    for (size_t i = 0; i < n; i++) p[i] = v;
}

/* Some binary16 patterns and their values. */
#define H_1 0x3C00       /* 1.0 */
#define H_HALF 0x3800    /* 0.5 */
#define H_QUARTER 0x3400 /* 0.25 */
#define H_1_5 0x3E00     /* 1.5 */
#define H_2 0x4000       /* 2.0 */
#define H_M2 0xC000      /* -2.0 */
#define H_NEG0 0x8000


/* A deterministic byte stream. */
static uint32_t lcg(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s >> 24;
}

/* E2M1 (OCP MX) value of a 4-bit code: sign in bit 3, magnitudes
 * 0, 0.5, 1, 1.5, 2, 3, 4, 6. Code 8 is -0 in the spec, but ggml's table of
 * doubled values is of integers and has no -0: it decodes as +0 (0 - 0). */
static double e2m1(int code) {
    static const double mag[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
    return (code & 8) ? 0.0 - mag[code & 7] : mag[code & 7];
}

/* x as a float; beyond the float range, the infinity of its sign (what the
 * float product in the decoder gives). */
static float to_f32(double x) {
    if (x > FLT_MAX) return INFINITY;
    if (x < -FLT_MAX) return -INFINITY;
    return (float)x;
}

/* ===== the published tables ===== */

/* Entries read in ggml-common.h, at their indices. */
static void test_grid_spot_values(void **state) {
    (void)state;
    assert_true(ck_iq2xxs_grid[0] == 0x0808080808080808u);
    assert_true(ck_iq2xxs_grid[1] == 0x080808080808082bu);
    assert_true(ck_iq2xxs_grid[128] == 0x082b2b0808082b08u);
    assert_true(ck_iq2xxs_grid[255] == 0x2b2b2b1908081908u);

    assert_true(ck_iq2xs_grid[1] == 0x080808080808082bu);
    assert_true(ck_iq2xs_grid[7] == 0x080808080819192bu);
    assert_true(ck_iq2xs_grid[204] == 0x08192b2b2b2b2b19u);
    assert_true(ck_iq2xs_grid[256] == 0x190808080808192bu);
    assert_true(ck_iq2xs_grid[375] == 0x19192b2b2b081919u);

    assert_true(ck_iq2s_grid[338] == 0x0819192b2b2b2b2bu);
    assert_true(ck_iq2s_grid[471] == 0x1908080808080819u);
    assert_true(ck_iq2s_grid[756] == 0x19192b2b2b2b2b08u);
    assert_true(ck_iq2s_grid[819] == 0x2b08080808080808u);
    assert_true(ck_iq2s_grid[1020] == 0x2b2b2b2b082b082bu);
    assert_true(ck_iq2s_grid[1023] == 0x2b2b2b2b2b2b2b2bu);

    assert_true(ck_iq3xxs_grid[0] == 0x04040404u);
    assert_true(ck_iq3xxs_grid[5] == 0x04040c3eu);
    assert_true(ck_iq3xxs_grid[128] == 0x141c3e04u);
    assert_true(ck_iq3xxs_grid[255] == 0x3e341c04u);

    assert_true(ck_iq3s_grid[0] == 0x01010101u);
    assert_true(ck_iq3s_grid[3] == 0x0101010bu);
    assert_true(ck_iq3s_grid[256] == 0x05090507u);
    assert_true(ck_iq3s_grid[257] == 0x05090705u);
    assert_true(ck_iq3s_grid[511] == 0x0f0f0101u);

    assert_true(ck_iq1s_grid[0] == 0xffffffffffffffffu);
    assert_true(ck_iq1s_grid[1] == 0xffffffffffffff01u);
    assert_true(ck_iq1s_grid[2] == 0xffffffffffff0000u);
    assert_true(ck_iq1s_grid[11] == 0xffffffff00ff0000u);
    assert_true(ck_iq1s_grid[100] == 0xffff000000000000u);
    assert_true(ck_iq1s_grid[2040] == 0x0101010101ffff01u);
    assert_true(ck_iq1s_grid[2047] == 0x0101010101010101u);

    static const int8_t iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    static const int8_t fp4x2[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
    assert_memory_equal(ck_kvalues_iq4nl, iq4nl, 16);
    assert_memory_equal(ck_kvalues_mxfp4, fp4x2, 16);
    /* kvalues_mxfp4 is E2M1 doubled */
    for (int k = 0; k < 16; k++) assert_true(ck_kvalues_mxfp4[k] == 2 * e2m1(k));

    static const uint8_t ksigns_head[16] = {0, 129, 130, 3, 132, 5, 6, 135, 136, 9, 10, 139, 12, 141, 142, 15};
    assert_memory_equal(ck_ksigns_iq2xs, ksigns_head, 16);
    assert_int_equal(ck_ksigns_iq2xs[127], 255);
    for (int j = 0; j < 8; j++) assert_int_equal(ck_kmask_iq2xs[j], 1 << j);
}

static int popcount8(unsigned v) {
    int n = 0;
    for (; v; v >>= 1) n += (int)(v & 1);
    return n;
}

static int level_index(const uint8_t *levels, int n, unsigned v) {
    for (int k = 0; k < n; k++)
        if (levels[k] == v) return k;
    return -1;
}

/* Every grid byte is one of the format's levels; ggml lists the points in
 * increasing order of their level codes read with element 0 as the least
 * significant digit, so the codes must strictly increase (no point twice). */
static void check_grid64(const uint64_t *g, int n, const uint8_t *levels, int nlevels) {
    uint64_t prev = 0;
    for (int i = 0; i < n; i++) {
        uint64_t code = 0;
        for (int j = 7; j >= 0; j--) {
            const int k = level_index(levels, nlevels, ck_grid_u8(g[i], j));
            assert_true(k >= 0);
            code = code * 4 + (uint64_t)k;
        }
        if (i > 0) assert_true(code > prev);
        prev = code;
    }
}

static void check_grid32(const uint32_t *g, int n, const uint8_t *levels) {
    uint32_t prev = 0;
    for (int i = 0; i < n; i++) {
        uint32_t code = 0;
        for (int j = 3; j >= 0; j--) {
            const int k = level_index(levels, 8, (uint8_t)(g[i] >> (8 * j)));
            assert_true(k >= 0);
            code = code * 8 + (uint32_t)k;
        }
        if (i > 0) assert_true(code > prev);
        prev = code;
    }
}

static void test_grid_structure(void **state) {
    (void)state;
    static const uint8_t l2[3] = {0x08, 0x19, 0x2b};
    static const uint8_t l1[3] = {0xff, 0x00, 0x01}; /* -1, 0, +1 */
    static const uint8_t l3xxs[8] = {4, 12, 20, 28, 36, 44, 52, 62};
    static const uint8_t l3s[8] = {1, 3, 5, 7, 9, 11, 13, 15};
    check_grid64(ck_iq2xxs_grid, 256, l2, 3);
    check_grid64(ck_iq2xs_grid, 512, l2, 3);
    check_grid64(ck_iq2s_grid, 1024, l2, 3);
    check_grid64(ck_iq1s_grid, 2048, l1, 3);
    check_grid32(ck_iq3xxs_grid, 256, l3xxs);
    check_grid32(ck_iq3s_grid, 512, l3s);
    /* ksigns: the 7 given bits, and bit 7 makes the parity even */
    for (unsigned i = 0; i < 128; i++) {
        assert_int_equal(ck_ksigns_iq2xs[i] & 127, i);
        assert_int_equal(popcount8(ck_ksigns_iq2xs[i]) % 2, 0);
    }
    /* grid element accessors */
    assert_int_equal(ck_grid_u8(0x2b2b2b1908081908u, 0), 0x08);
    assert_int_equal(ck_grid_u8(0x2b2b2b1908081908u, 1), 0x19);
    assert_int_equal(ck_grid_u8(0x2b2b2b1908081908u, 7), 0x2b);
    assert_int_equal(ck_grid_i8(0xffffffffffffff01u, 0), 1);
    assert_int_equal(ck_grid_i8(0xffffffffffffff01u, 1), -1);
    assert_int_equal(ck_grid_i8(0xffff000000000000u, 5), 0);
}

/* ===== IQ4_NL: d f16, qs[16]; element j low nibble of qs[j], j+16 high ===== */

static const int kv4[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

static void test_iq4_nl(void **state) {
    (void)state;
    uint8_t blk[2 * 18] = {0};
    float out[64], want[64];
    /* block 0: d = 1, qs[j] = j | (15 - j) << 4: the table itself, then reversed */
    put16(blk, H_1);
    for (int j = 0; j < 16; j++) blk[2 + j] = (uint8_t)(j | (15 - j) << 4);
    /* block 1: d = -0.5, qs[j] = 8 (level 1) low, j high */
    put16(blk + 18, 0xB800);
    for (int j = 0; j < 16; j++) blk[20 + j] = (uint8_t)(8 | j << 4);
    for (int j = 0; j < 16; j++) {
        want[j] = (float)kv4[j];
        want[j + 16] = (float)kv4[15 - j];
        want[32 + j] = -0.5f;
        want[48 + j] = (float)(-0.5 * kv4[j]);
    }
    run_kernel(ck_dq_iq4_nl, blk, sizeof blk, 2, out, 64);
    check_all(out, want, 64, "iq4_nl");
    /* by hand: */
    assert_true(out[0] == -127.0f && out[15] == 113.0f && out[16] == 113.0f && out[31] == -127.0f);
    assert_true(out[32 + 16] == 63.5f && out[63] == -56.5f);
}

/* ===== IQ4_XS: d f16, scales_h u16, scales_l[4], qs[128] ===== */

static void test_iq4_xs(void **state) {
    (void)state;
    uint8_t blk[136] = {0};
    float out[256], want[256];
    /* 6-bit scales ls (stored + 32), one per group: extremes and both nibbles */
    static const int ls[8] = {0, 63, 32, 33, 17, 48, 31, 40};
    put16(blk, H_QUARTER);
    uint16_t sh = 0;
    for (int ib = 0; ib < 8; ib++) {
        blk[4 + ib / 2] |= (uint8_t)((ls[ib] & 15) << (4 * (ib % 2)));
        sh |= (uint16_t)((ls[ib] >> 4) << (2 * ib));
    }
    put16(blk + 2, sh);
    for (int ib = 0; ib < 8; ib++)
        for (int j = 0; j < 16; j++) blk[8 + 16 * ib + j] = (uint8_t)(j | ((j + ib) & 15) << 4);
    for (int ib = 0; ib < 8; ib++)
        for (int j = 0; j < 16; j++) {
            const double dl = 0.25 * (ls[ib] - 32);
            want[32 * ib + j] = (float)(dl * kv4[j]);
            want[32 * ib + 16 + j] = (float)(dl * kv4[(j + ib) & 15]);
        }
    run_kernel(ck_dq_iq4_xs, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "iq4_xs");
    /* by hand: group 0 has scale -32 * 0.25 = -8, group 1 31 * 0.25 = 7.75 */
    assert_true(out[0] == 1016.0f && out[32] == -984.25f && out[32 + 16] == -806.0f);
    /* a zero scale times a negative level is -0, as in ggml */
    assert_true(signbit(out[64]) && out[64] == 0.0f);
}

/* ===== IQ2_XXS: d f16, then per group of 32: 4 grid bytes, u32 aux ===== */

static void test_iq2_xxs(void **state) {
    (void)state;
    uint8_t blk[66] = {0};
    float out[256], want[256];
    put16(blk, H_1);
    /* group 0: grid indices 0, 1, 255, 1; sign indices 0, 1, 3, 127; scale 3 */
    static const uint8_t idx[4] = {0, 1, 255, 1};
    memcpy(blk + 2, idx, 4);
    put32(blk + 6, 0u | 1u << 7 | 3u << 14 | 127u << 21 | 3u << 28);
    /* group 7: indices 0, scale 15 */
    put32(blk + 2 + 56 + 4, 15u << 28);
    /* db = (0.5 + 3) / 4 = 0.875. grid 1 = {43, 8 x7}; grid 255 = {8, 25, 8, 8,
     * 25, 43, 43, 43}; ksigns[1] = 0x81 (elements 0, 7), ksigns[3] = 0x03,
     * ksigns[127] = 0xff */
    static const float g0[32] = {
        7, 7, 7, 7, 7, 7, 7, 7,
        -37.625f, 7, 7, 7, 7, 7, 7, -7,
        -7, -21.875f, 7, 7, 21.875f, 37.625f, 37.625f, 37.625f,
        -37.625f, -7, -7, -7, -7, -7, -7, -7,
    };
    memcpy(want, g0, sizeof g0);
    fill(want + 32, 192, 1.0f);  /* scale 0: db = 0.125, 8 * 0.125 */
    fill(want + 224, 32, 31.0f); /* scale 15: db = 3.875 */
    run_kernel(ck_dq_iq2_xxs, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "iq2_xxs");
}

/* ===== IQ2_XS: d f16, qs[32] u16 (9-bit index, 7-bit signs), scales[8] ===== */

static void test_iq2_xs(void **state) {
    (void)state;
    uint8_t blk[74] = {0};
    float out[256], want[256];
    put16(blk, H_1);
    /* group 0: runs 0-1 scale 2 (db 0.625), runs 2-3 scale 5 (db 1.375) */
    blk[66] = 0x52;
    put16(blk + 2, 375);                 /* {25, 25, 8, 43, 43, 43, 25, 25} */
    put16(blk + 4, 256 | 2 << 9);        /* {43, 25, 8, 8, 8, 8, 8, 25}, signs 0x82 */
    put16(blk + 6, 204);                 /* {25, 43, 43, 43, 43, 43, 25, 8} */
    put16(blk + 8, 1 | 64 << 9);         /* {43, 8 x7}, signs 0xc0 */
    static const float g0[32] = {
        15.625f, 15.625f, 5, 26.875f, 26.875f, 26.875f, 15.625f, 15.625f,
        26.875f, -15.625f, 5, 5, 5, 5, 5, -15.625f,
        34.375f, 59.125f, 59.125f, 59.125f, 59.125f, 59.125f, 34.375f, 11,
        59.125f, 11, 11, 11, 11, 11, -11, -11,
    };
    memcpy(want, g0, sizeof g0);
    fill(want + 32, 224, 1.0f);
    /* group 7: high nibble of scales[7] only: runs 2-3 of it scaled by 15.5 / 4 */
    blk[73] = 0xF0;
    fill(want + 224 + 16, 16, 31.0f);
    run_kernel(ck_dq_iq2_xs, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "iq2_xs");
}

/* ===== IQ2_S: d f16, qs[32] + signs[32], qh[8], scales[8] ===== */

static void test_iq2_s(void **state) {
    (void)state;
    uint8_t blk[82] = {0};
    float out[256], want[256];
    put16(blk, H_2);
    uint8_t *qs = blk + 2, *signs = blk + 34, *qh = blk + 66, *scales = blk + 74;
    /* group 0: indices 471, 756, 819, 338: high bits 1, 2, 3, 1 in qh[0] */
    qs[0] = 471 & 255;
    qs[1] = 756 & 255;
    qs[2] = 819 & 255;
    qs[3] = 338 & 255;
    qh[0] = 1 | 2 << 2 | 3 << 4 | 1 << 6;
    signs[0] = 0x01;
    signs[1] = 0x80;
    signs[2] = 0xFF;
    signs[3] = 0x5A;
    scales[0] = 0x31; /* db = 2 * 1.5 / 4 = 0.75, 2 * 3.5 / 4 = 1.75 */
    /* 471 = {25, 8 x6, 25}, 756 = {8, 43 x5, 25, 25}, 819 = {8 x7, 43},
     * 338 = {43 x5, 25, 25, 8} */
    static const float g0[32] = {
        -18.75f, 6, 6, 6, 6, 6, 6, 18.75f,
        6, 32.25f, 32.25f, 32.25f, 32.25f, 32.25f, 18.75f, -18.75f,
        -14, -14, -14, -14, -14, -14, -14, -75.25f,
        75.25f, -75.25f, 75.25f, -75.25f, -75.25f, 43.75f, -43.75f, 14,
    };
    memcpy(want, g0, sizeof g0);
    fill(want + 32, 224, 2.0f); /* index 0 = 8 x8, db = 0.25 */
    /* group 1, run 0: index 819 from qh[1], sign bit 1 from signs[4] */
    qs[4] = 819 & 255;
    qh[1] = 3;
    signs[4] = 0x02;
    static const float g1r0[8] = {2, -2, 2, 2, 2, 2, 2, 10.75f};
    memcpy(want + 32, g1r0, sizeof g1r0);
    run_kernel(ck_dq_iq2_s, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "iq2_s");
}

/* ===== IQ3_XXS: d f16, qs[64] (index per 4), 8 x u32 signs + scale ===== */

static void test_iq3_xxs(void **state) {
    (void)state;
    uint8_t blk[98] = {0};
    float out[256], want[256];
    put16(blk, H_1);
    static const uint8_t idx[8] = {5, 255, 128, 0, 0, 0, 0, 0};
    memcpy(blk + 2, idx, 8);
    put32(blk + 66, 0u | 1u << 7 | 0u << 14 | 127u << 21 | 1u << 28); /* db = 1.5 / 2 */
    /* 5 = {62, 12, 4, 4}, 255 = {4, 28, 52, 62}, 128 = {4, 62, 28, 20}:
     * the first entry of a run takes sign bits 0..3, the second 4..7 */
    static const float g0[32] = {
        46.5f, 9, 3, 3, 3, 21, 39, 46.5f,
        -3, 46.5f, 21, 15, 3, 3, 3, -3,
        3, 3, 3, 3, 3, 3, 3, 3,
        -3, -3, -3, -3, -3, -3, -3, -3,
    };
    memcpy(want, g0, sizeof g0);
    fill(want + 32, 224, 1.0f); /* 4 * 0.5 / 2 */
    run_kernel(ck_dq_iq3_xxs, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "iq3_xxs");
}

/* ===== IQ3_S: d f16, qs[64], qh[8], signs[32], scales[4] ===== */

static void test_iq3_s(void **state) {
    (void)state;
    uint8_t blk[110] = {0};
    float out[256], want[256];
    put16(blk, H_1);
    uint8_t *qs = blk + 2, *qh = blk + 66, *signs = blk + 74, *scales = blk + 106;
    scales[0] = 0x21; /* group 0: 1 + 2 * 1 = 3, group 1: 1 + 2 * 2 = 5 */
    scales[3] = 0xF0; /* group 7: 31 */
    /* group 0: indices 3, 256, 511, 0 (bit 8 from qh[0] bits 1 and 2) */
    qs[0] = 3;
    qs[2] = 0xFF;
    qh[0] = 0x06;
    signs[0] = 0x81;
    signs[1] = 0xF0;
    /* 3 = {11, 1, 1, 1}, 256 = {7, 5, 9, 5}, 511 = {1, 1, 15, 15} */
    static const float g0[32] = {
        -33, 3, 3, 3, 21, 15, 27, -15,
        3, 3, 45, 45, -3, -3, -3, -3,
        3, 3, 3, 3, 3, 3, 3, 3,
        3, 3, 3, 3, 3, 3, 3, 3,
    };
    /* group 1: indices 256, 511 from qh[1] */
    qs[8] = 0;
    qs[9] = 0xFF;
    qh[1] = 0x03;
    static const float g1[8] = {35, 25, 45, 25, 5, 5, 75, 75};
    memcpy(want, g0, sizeof g0);
    memcpy(want + 32, g1, sizeof g1);
    fill(want + 40, 24, 5.0f);
    fill(want + 64, 160, 1.0f);
    fill(want + 224, 32, 31.0f);
    signs[28] = 0xFF; /* group 7, run 0 */
    fill(want + 224, 8, -31.0f);
    run_kernel(ck_dq_iq3_s, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "iq3_s");
}

/* ===== IQ1_S: d f16, qs[32], qh[8] u16 ===== */

static void test_iq1_s(void **state) {
    (void)state;
    uint8_t blk[50] = {0};
    float out[256], want[256];
    put16(blk, H_1);
    uint8_t *qs = blk + 2;
    /* group 0: indices 1, 2047, 100, 0; scale 2 (dl = 5); delta +1/8 */
    qs[0] = 1;
    qs[1] = 0xFF;
    qs[2] = 100;
    put16(blk + 34, 7 << 3 | 2 << 12);
    /* 1 = {1, -1 x7}, 2047 = {1 x8}, 100 = {0 x6, -1, -1}, 0 = {-1 x8} */
    static const float g0[32] = {
        5.625f, -4.375f, -4.375f, -4.375f, -4.375f, -4.375f, -4.375f, -4.375f,
        5.625f, 5.625f, 5.625f, 5.625f, 5.625f, 5.625f, 5.625f, 5.625f,
        0.625f, 0.625f, 0.625f, 0.625f, 0.625f, 0.625f, -4.375f, -4.375f,
        -4.375f, -4.375f, -4.375f, -4.375f, -4.375f, -4.375f, -4.375f, -4.375f,
    };
    /* group 1: indices 2047, 0, 2040, 2047 (high bits in every field); scale 0;
     * delta -1/8. 2040 = {1, -1, -1, 1, 1, 1, 1, 1} */
    qs[4] = 0xFF;
    qs[6] = 0xF8;
    qs[7] = 0xFF;
    put16(blk + 36, 7 | 7 << 6 | 7 << 9 | 0x8000);
    static const float g1[32] = {
        0.875f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f,
        -1.125f, -1.125f, -1.125f, -1.125f, -1.125f, -1.125f, -1.125f, -1.125f,
        0.875f, -1.125f, -1.125f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f,
        0.875f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f,
    };
    /* group 7: scale 7 (dl = 15) */
    put16(blk + 48, 7 << 12);
    memcpy(want, g0, sizeof g0);
    memcpy(want + 32, g1, sizeof g1);
    fill(want + 64, 160, -0.875f);
    fill(want + 224, 32, -13.125f);
    run_kernel(ck_dq_iq1_s, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "iq1_s");
}

/* ===== IQ1_M: qs[32], qh[16], scales[8] (4 x u16, f16 scale in top nibbles) ===== */

static void iq1_expect(float *y, double dl, const int g[8], double delta) {
    for (int j = 0; j < 8; j++) y[j] = (float)(dl * (g[j] + delta));
}

static void test_iq1_m(void **state) {
    (void)state;
    uint8_t blk[56] = {0};
    float out[256], want[256];
    uint8_t *qs = blk, *qh = blk + 32;
    /* d = 0x3E12 = 1 + 530/1024: its nibbles 2, 1, E, 3 go to the top of
     * sc[0], sc[1], sc[2], sc[3] */
    const double d = 1.517578125;
    /* sc[0]: group 0 scales 1 (runs 0-1) and 4 (runs 2-3), group 1 scales 7
     * and 2; sc[3]: group 7 scales 5 and 6 */
    put16(blk + 48, 0x2000 | (1 | 4 << 3) | (7 | 2 << 3) << 6);
    put16(blk + 50, 0x1000);
    put16(blk + 52, 0xE000);
    put16(blk + 54, 0x3000 | (5 | 6 << 3) << 6);
    /* group 0: indices 2047, 1, 2040, 0; deltas +, -, -, + */
    qs[0] = 0xFF;
    qs[1] = 1;
    qs[2] = 0xF8;
    qh[0] = 0x07 | 0x80;
    qh[1] = 0x07 | 0x08;
    /* group 1: run 3 index 2047 (high bits in the top nibble of qh[3]) */
    qs[7] = 0xFF;
    qh[3] = 0x70;
    static const int gm1[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    static const int gp1[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    static const int g1[8] = {1, -1, -1, -1, -1, -1, -1, -1};
    static const int g2040[8] = {1, -1, -1, 1, 1, 1, 1, 1};
    iq1_expect(want + 0, 3 * d, gp1, 0.125);
    iq1_expect(want + 8, 3 * d, g1, -0.125);
    iq1_expect(want + 16, 9 * d, g2040, -0.125);
    iq1_expect(want + 24, 9 * d, gm1, 0.125);
    iq1_expect(want + 32, 15 * d, gm1, 0.125);
    iq1_expect(want + 40, 15 * d, gm1, 0.125);
    iq1_expect(want + 48, 5 * d, gm1, 0.125);
    iq1_expect(want + 56, 5 * d, gp1, 0.125);
    for (int r = 8; r < 28; r++) iq1_expect(want + 8 * r, d, gm1, 0.125);
    iq1_expect(want + 224, 11 * d, gm1, 0.125);
    iq1_expect(want + 232, 11 * d, gm1, 0.125);
    iq1_expect(want + 240, 13 * d, gm1, 0.125);
    iq1_expect(want + 248, 13 * d, gm1, 0.125);
    run_kernel(ck_dq_iq1_m, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "iq1_m");
    /* by hand: 3 * d * 1.125 */
    assert_true(out[0] == 5.121826171875f);
}

/* ===== TQ1_0: qs[48], qh[4], d f16: base-3 digits, 5 (qh: 4) a byte ===== */

/* Pack digits t[0..n) (most significant first, 5 places) the way ggml
 * stores them: the number as a fraction of 243, rounded up to 8 bits. */
static uint8_t tq1_pack(const int *t, int n) {
    int v = 0;
    for (int k = 0; k < 5; k++) v = v * 3 + (k < n ? t[k] : 0);
    return (uint8_t)((v * 256 + 242) / 243);
}

static void test_tq1_0(void **state) {
    (void)state;
    uint8_t blk[2 * 54] = {0};
    float out[512], want[512];
    uint32_t s = 12345;
    for (int b = 0; b < 2; b++) {
        uint8_t *p = blk + 54 * b;
        int t[256];
        for (int e = 0; e < 256; e++) t[e] = (int)(lcg(&s) % 3);
        if (b == 0) {
            /* by hand: qs[0] holds elements 0, 32, 64, 96, 128 */
            t[0] = 2;
            t[32] = 0;
            t[64] = 1;
            t[96] = 2;
            t[128] = 1;
        }
        int dig[5];
        for (int m = 0; m < 32; m++) {
            for (int n = 0; n < 5; n++) dig[n] = t[n * 32 + m];
            p[m] = tq1_pack(dig, 5);
        }
        for (int m = 0; m < 16; m++) {
            for (int n = 0; n < 5; n++) dig[n] = t[160 + n * 16 + m];
            p[32 + m] = tq1_pack(dig, 5);
        }
        for (int j = 0; j < 4; j++) {
            for (int n = 0; n < 4; n++) dig[n] = t[240 + n * 4 + j];
            p[48 + j] = tq1_pack(dig, 4);
        }
        const double d = b == 0 ? 1.5 : -2.0;
        put16(p + 52, b == 0 ? H_1_5 : H_M2);
        for (int e = 0; e < 256; e++) want[256 * b + e] = (float)((t[e] - 1) * d);
    }
    assert_int_equal(blk[0], 188); /* 2*81 + 0*27 + 1*9 + 2*3 + 1 = 178; ceil(178 * 256 / 243) */
    run_kernel(ck_dq_tq1_0, blk, sizeof blk, 2, out, 512);
    check_all(out, want, 512, "tq1_0");
    assert_true(out[0] == 1.5f && out[32] == -1.5f && out[64] == 0.0f && out[96] == 1.5f);
    /* all-zero bytes are all -1 */
    uint8_t zero[54] = {0};
    put16(zero + 52, H_1);
    run_kernel(ck_dq_tq1_0, zero, sizeof zero, 1, out, 256);
    for (int e = 0; e < 256; e++) check_f32_at(out[e], -1.0f, "tq1_0 zero", (size_t)e);
}

/* ===== TQ2_0: qs[64], d f16: 2-bit codes, value code - 1 ===== */

static void test_tq2_0(void **state) {
    (void)state;
    uint8_t blk[66] = {0};
    float out[256], want[256];
    put16(blk + 64, H_M2);
    for (int e = 0; e < 256; e++) {
        const int c = (e + e / 5) & 3; /* 3 (value 2) is decoded too */
        const int half = e / 128, l = e % 128 / 32, m = e % 32;
        blk[32 * half + m] |= (uint8_t)(c << (2 * l));
        want[e] = (float)((c - 1) * -2.0);
    }
    run_kernel(ck_dq_tq2_0, blk, sizeof blk, 1, out, 256);
    check_all(out, want, 256, "tq2_0");
    /* by hand: element 32 is bits 2..3 of qs[0] (code 2); code 1 times -2 is -0 */
    assert_int_equal(blk[0] >> 2 & 3, 2);
    assert_true(out[0] == 2.0f && out[32] == -2.0f);
    assert_true(out[1] == 0.0f && signbit(out[1]));
}

/* ===== MXFP4: e (E8M0), qs[16]; element j low nibble, j+16 high ===== */

static void test_mxfp4(void **state) {
    (void)state;
    static const int es[6] = {128, 127, 0, 1, 254, 255};
    uint8_t blk[6 * 17] = {0};
    float out[192], want[192];
    for (int b = 0; b < 6; b++) {
        blk[17 * b] = (uint8_t)es[b];
        for (int j = 0; j < 16; j++) blk[17 * b + 1 + j] = (uint8_t)(j | (15 - j) << 4);
        /* scale 2^(e - 127); e = 255 (NaN in the OCP spec) is 2^128 in ggml */
        for (int j = 0; j < 16; j++) {
            want[32 * b + j] = to_f32(ldexp(e2m1(j), es[b] - 127));
            want[32 * b + 16 + j] = to_f32(ldexp(e2m1(15 - j), es[b] - 127));
        }
    }
    run_kernel(ck_dq_mxfp4, blk, sizeof blk, 6, out, 192);
    check_all(out, want, 192, "mxfp4");
    /* by hand: e = 128 (scale 2), code 7 (6.0): 12; e = 0: 0.5 * 2^-127, subnormal */
    assert_true(out[7] == 12.0f && out[16] == -12.0f);
    assert_true(out[64 + 1] == 0x1p-128f && fpclassify(out[64 + 1]) == FP_SUBNORMAL);
    assert_true(out[160 + 1] == 0x1p127f && isinf(out[160 + 7]));
    assert_false(signbit(out[8]));
}

/* ===== NVFP4: d[4] (UE4M3, one per 16), qs[32] ===== */

/* The value of an unsigned E4M3 scale byte as ggml decodes it. */
static double ue4m3(int x) {
    if (x == 0 || x == 0x7F) return 0;
    const int e = x >> 3 & 15, m = x & 7;
    return e == 0 ? ldexp(m, -9) : ldexp(1 + m / 8.0, e - 7);
}

static void test_nvfp4(void **state) {
    (void)state;
    /* 1.0, 2.0, 1.5, 2^-9 (subnormal); 0x7F and 0x80 are 0; 0xFF is 480
     * (bit 7 is not a sign); 0x7E is 448, the largest that ggml writes */
    static const uint8_t sc[2][4] = {{0x38, 0x40, 0x3C, 0x01}, {0x7F, 0x80, 0xFF, 0x7E}};
    uint8_t blk[2 * 36] = {0};
    float out[128], want[128];
    for (int b = 0; b < 2; b++) {
        uint8_t *p = blk + 36 * b;
        memcpy(p, sc[b], 4);
        for (int s = 0; s < 4; s++)
            for (int j = 0; j < 8; j++) {
                /* low nibble: element 16s + j; high: 16s + j + 8 */
                const int lo = (j + s) & 15, hi = (15 - j) & 15;
                p[4 + 8 * s + j] = (uint8_t)(lo | hi << 4);
                want[64 * b + 16 * s + j] = (float)(e2m1(lo) * ue4m3(sc[b][s]));
                want[64 * b + 16 * s + j + 8] = (float)(e2m1(hi) * ue4m3(sc[b][s]));
            }
    }
    run_kernel(ck_dq_nvfp4, blk, sizeof blk, 2, out, 128);
    check_all(out, want, 128, "nvfp4");
    /* by hand: sub-block 1 (scale 2.0): element 16 is code 1 (0.5) -> 1.0,
     * element 24 is code 15 (-6) -> -12 */
    assert_true(out[16] == 1.0f && out[24] == -12.0f);
    assert_true(out[48 + 1] == 0x1p-8f);          /* code 4 (2.0) * 2^-9 */
    assert_true(out[64 + 32 + 1] == 720.0f);      /* code 3 (1.5) * 480 */
    assert_true(out[64 + 48 + 7] == -448.0f);     /* code 10 (-1.0) * 448 */
    assert_true(out[64] == 0.0f && signbit(out[64 + 8])); /* scale 0: code 15 gives -0 */
}

/* ===== Q1_0: d f16, qs[16]: bit j%8 of qs[j/8] set -> +d, clear -> -d ===== */

static void test_q1_0(void **state) {
    (void)state;
    uint8_t blk[3 * 18] = {0};
    float out[384], want[384];
    static const uint16_t ds[3] = {H_HALF, 0x0000, H_NEG0};
    for (int b = 0; b < 3; b++) {
        put16(blk + 18 * b, ds[b]);
        for (int k = 0; k < 16; k++) blk[18 * b + 2 + k] = (uint8_t)(0xA5 ^ (k * 37));
        const float d = b == 0 ? 0.5f : b == 1 ? 0.0f : -0.0f;
        for (int j = 0; j < 128; j++) {
            const int bit = blk[18 * b + 2 + j / 8] >> (j % 8) & 1;
            want[128 * b + j] = bit ? d : -d;
        }
    }
    run_kernel(ck_dq_q1_0, blk, sizeof blk, 3, out, 384);
    check_all(out, want, 384, "q1_0");
    /* by hand: qs[0] = 0xA5 = 1010 0101: elements 0, 2, 5, 7 positive */
    assert_true(out[0] == 0.5f && out[1] == -0.5f && out[2] == 0.5f && out[5] == 0.5f && out[6] == -0.5f);
    /* d = 0: a clear bit gives -0 */
    assert_false(signbit(out[128]));
    assert_true(signbit(out[129]));
}

/* ===== Q2_0: d f16, qs[16]: 2-bit code of element j at bits 2(j%4) of qs[j/4] ===== */

static void test_q2_0(void **state) {
    (void)state;
    uint8_t blk[18] = {0};
    float out[64], want[64];
    put16(blk, H_1_5);
    for (int j = 0; j < 64; j++) {
        const int c = (j + j / 4) & 3;
        blk[2 + j / 4] |= (uint8_t)(c << (2 * (j % 4)));
        want[j] = (float)((c - 1) * 1.5);
    }
    assert_int_equal(blk[2], 0xE4);
    run_kernel(ck_dq_q2_0, blk, sizeof blk, 1, out, 64);
    check_all(out, want, 64, "q2_0");
    /* by hand: qs[0] = 0xE4: codes 0, 1, 2, 3 -> -1.5, 0, 1.5, 3 */
    assert_true(out[0] == -1.5f && out[1] == 0.0f && out[2] == 1.5f && out[3] == 3.0f);
}

/* ===== every kernel: blocks in sequence ===== */

typedef struct kernel_case {
    const char *name;
    ck_dequant_fn fn;
    ck_dtype dtype;
} kernel_case;

static const kernel_case kernels[] = {
    {"iq1_s", ck_dq_iq1_s, CK_DT_IQ1_S},       {"iq1_m", ck_dq_iq1_m, CK_DT_IQ1_M},
    {"iq2_xxs", ck_dq_iq2_xxs, CK_DT_IQ2_XXS}, {"iq2_xs", ck_dq_iq2_xs, CK_DT_IQ2_XS},
    {"iq2_s", ck_dq_iq2_s, CK_DT_IQ2_S},       {"iq3_xxs", ck_dq_iq3_xxs, CK_DT_IQ3_XXS},
    {"iq3_s", ck_dq_iq3_s, CK_DT_IQ3_S},       {"iq4_nl", ck_dq_iq4_nl, CK_DT_IQ4_NL},
    {"iq4_xs", ck_dq_iq4_xs, CK_DT_IQ4_XS},    {"tq1_0", ck_dq_tq1_0, CK_DT_TQ1_0},
    {"tq2_0", ck_dq_tq2_0, CK_DT_TQ2_0},       {"mxfp4", ck_dq_mxfp4, CK_DT_MXFP4},
    {"nvfp4", ck_dq_nvfp4, CK_DT_NVFP4},       {"q1_0", ck_dq_q1_0, CK_DT_Q1_0},
    {"q2_0", ck_dq_q2_0, CK_DT_Q2_0},
};

/* Decoding n blocks at once equals decoding them one by one, reads exactly
 * n * block_bytes and writes exactly n * block_elems (exact-size buffers). A
 * block with random bytes may have any f16 scale, NaN included: results are
 * compared as bytes. */
static void test_blocks_in_sequence(void **state) {
    (void)state;
    uint32_t s = 777;
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        const ck_dtype_info *di = ck_dtype_info_of(kernels[k].dtype);
        const size_t nb = 5, bb = di->block_bytes, be = di->block_elems;
        uint8_t *src = malloc(nb * bb);
        float *all = malloc(nb * be * sizeof(float));
        float *one = malloc(be * sizeof(float));
        assert_non_null(src);
        assert_non_null(all);
        assert_non_null(one);
        for (size_t i = 0; i < nb * bb; i++) src[i] = (uint8_t)lcg(&s);
        kernels[k].fn(src, all, nb);
        for (size_t b = 0; b < nb; b++) {
            uint8_t *blk = exact_copy(src + b * bb, bb);
            kernels[k].fn(blk, one, 1);
            if (memcmp(one, all + b * be, be * sizeof(float)) != 0) {
                print_error("%s: block %zu differs when decoded alone\n", kernels[k].name, b);
                fail();
            }
            free(blk);
        }
        kernels[k].fn(src, all, 0); /* no blocks: nothing read or written */
        free(src);
        free(all);
        free(one);
    }
}

int main(int argc, char **argv) {
    test_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_spot_values),
        cmocka_unit_test(test_grid_structure),
        cmocka_unit_test(test_iq4_nl),
        cmocka_unit_test(test_iq4_xs),
        cmocka_unit_test(test_iq2_xxs),
        cmocka_unit_test(test_iq2_xs),
        cmocka_unit_test(test_iq2_s),
        cmocka_unit_test(test_iq3_xxs),
        cmocka_unit_test(test_iq3_s),
        cmocka_unit_test(test_iq1_s),
        cmocka_unit_test(test_iq1_m),
        cmocka_unit_test(test_tq1_0),
        cmocka_unit_test(test_tq2_0),
        cmocka_unit_test(test_mxfp4),
        cmocka_unit_test(test_nvfp4),
        cmocka_unit_test(test_q1_0),
        cmocka_unit_test(test_q2_0),
        cmocka_unit_test(test_blocks_in_sequence),
    };
    return cmocka_run_group_tests_name("dequant_iquant", tests, NULL, NULL) ? 1 : 0;
}
