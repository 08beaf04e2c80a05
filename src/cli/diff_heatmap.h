/* The layer-by-role picture of a diff, for the terminal and for HTML. */
#ifndef CK_CLI_DIFF_HEATMAP_H
#define CK_CLI_DIFF_HEATMAP_H

#include <stdbool.h>
#include <stdio.h>

#include "ckpt/diff.h"

/* Columns: q k v o gate up down norm experts. Rows: the layers, then one row
 * for the tensors outside layers (embeddings, output, others). */
#define HEAT_COLS 9
#define HEAT_LEVELS 9   /* 0: unchanged; 1..8: more change, or worse SNR */

typedef struct heatmap {
    int rows;              /* n_layers + 1 */
    bool snr;              /* cells hold SNR in dB (quantized), else rel_l2 */
    double *value;         /* rows x HEAT_COLS; NaN: no tensor there */
    int *level;            /* rows x HEAT_COLS; -1: no tensor there */
} heatmap;

/* Aggregate a result: per cell the largest rel_l2 (or the lowest SNR). */
bool heatmap_build(const ck_diff_result *r, heatmap *h);
void heatmap_free(heatmap *h);

const char *heatmap_col_name(int col);
/* The bounds of a level, as text ("0.1%-0.3%", "30-35 dB"). */
const char *heatmap_level_label(const heatmap *h, int level);
/* An RGB colour of a level, for SVG. */
const char *heatmap_level_rgb(int level);

/* Draw it on a terminal (colour blocks, or plain characters when colour is
 * off), with a legend. */
void heatmap_print(FILE *out, const heatmap *h, int n_layers);

#endif
