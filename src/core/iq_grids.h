/* Lookup tables of ggml's i-quants and 4-bit float quants.
 *
 * The values are those of ggml's ggml-common.h (iq2xxs_grid, iq2xs_grid,
 * iq2s_grid, iq3xxs_grid, iq3s_grid, iq1s_grid, ksigns_iq2xs, kmask_iq2xs,
 * kvalues_iq4nl, kvalues_mxfp4), kept in the same form: a grid entry packs
 * its 8 (or 4) magnitudes one per byte, element j in bits 8j..8j+7, so that
 * the tables read the same as the published ones. Read element j of entry g
 * with ck_grid_u8 / ck_grid_i8; that does not depend on the host byte order.
 */
#ifndef CK_CORE_IQ_GRIDS_H
#define CK_CORE_IQ_GRIDS_H

#include <stdint.h>

/* IQ2_XXS: 256 points of {8, 25, 43}^8 (bytes 0x08, 0x19, 0x2b). */
extern const uint64_t ck_iq2xxs_grid[256];
/* IQ2_XS: 512 points of {8, 25, 43}^8. */
extern const uint64_t ck_iq2xs_grid[512];
/* IQ2_S: 1024 points of {8, 25, 43}^8. */
extern const uint64_t ck_iq2s_grid[1024];
/* IQ3_XXS: 256 points of {4, 12, 20, 28, 36, 44, 52, 62}^4. */
extern const uint32_t ck_iq3xxs_grid[256];
/* IQ3_S: 512 points of {1, 3, 5, ..., 15}^4. */
extern const uint32_t ck_iq3s_grid[512];
/* IQ1_S and IQ1_M: 2048 points of {-1, 0, +1}^8, as signed bytes
 * (0xff = -1). */
extern const uint64_t ck_iq1s_grid[2048];

/* ksigns_iq2xs[i]: the 7 sign bits i plus an eighth that makes the count of
 * set bits even (bit j set: element j is negative). */
extern const uint8_t ck_ksigns_iq2xs[128];
/* kmask_iq2xs[j] = 1 << j */
extern const uint8_t ck_kmask_iq2xs[8];

/* IQ4_NL / IQ4_XS non-linear levels. */
extern const int8_t ck_kvalues_iq4nl[16];
/* E2M1 values doubled (0, 0.5, 1, 1.5, 2, 3, 4, 6 times 2; codes 8..15 are
 * the negatives, 8 being -0 stored as 0). MXFP4 and NVFP4 halve their scales
 * to make up for the doubling. */
extern const int8_t ck_kvalues_mxfp4[16];

/* Element j (0..7) of a 64-bit grid entry, unsigned and signed. */
static inline uint8_t ck_grid_u8(uint64_t e, int j) { return (uint8_t)(e >> (8 * j)); }
static inline int8_t ck_grid_i8(uint64_t e, int j) {
    const int v = (int)(e >> (8 * j) & 0xFF);
    return (int8_t)(v >= 128 ? v - 256 : v);
}

#endif
