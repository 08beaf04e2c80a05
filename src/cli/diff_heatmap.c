/* The layer-by-role picture of a diff: rel_l2 on a log scale (a fine-tune,
 * a merge), or the SNR of a quantization. */
#include "diff_heatmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

static const char *const col_names[HEAT_COLS] = {"q", "k", "v", "o", "gate", "up", "down", "norm", "exp"};
/* One letter a column, for the terminal. */
static const char col_letters[HEAT_COLS] = {'q', 'k', 'v', 'o', 'g', 'u', 'd', 'n', 'e'};

const char *heatmap_col_name(int col) { return col_names[col]; }

/* The column of a role; the embeddings and output go in the last row. */
static int col_of(ck_role role) {
    switch (role) {
    case CK_ROLE_ATTN_Q: return 0;
    case CK_ROLE_ATTN_K: return 1;
    case CK_ROLE_ATTN_V: return 2;
    case CK_ROLE_ATTN_O: return 3;
    case CK_ROLE_FFN_GATE: return 4;
    case CK_ROLE_FFN_UP: return 5;
    case CK_ROLE_FFN_DOWN: return 6;
    case CK_ROLE_NORM: case CK_ROLE_OUTPUT: return 7;
    case CK_ROLE_EXPERTS: return 8;
    default: return -1;
    }
}

/* rel_l2 bounds of levels 1..8 (level 8: at least the last). */
static const double rel_bounds[] = {1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1};
/* SNR bounds in dB of levels 1..8, best first. */
static const double snr_bounds[] = {60, 50, 40, 35, 30, 25, 20};

static int level_of(const heatmap *h, double v) {
    if (isnan(v)) return -1;
    int l = 1;
    if (h->snr) {
        if (isinf(v)) return 0;
        while (l < 8 && v < snr_bounds[l - 1]) l++;
    } else {
        if (v == 0) return 0;
        while (l < 8 && v >= rel_bounds[l - 1]) l++;
    }
    return l;
}

bool heatmap_build(const ck_diff_result *r, heatmap *h) {
    memset(h, 0, sizeof *h);
    h->rows = r->n_layers + 1;
    h->snr = r->verdict == CK_VERDICT_QUANTIZED;
    size_t cells = (size_t)h->rows * HEAT_COLS;
    h->value = malloc(cells * sizeof *h->value);
    h->level = malloc(cells * sizeof *h->level);
    if (!h->value || !h->level) {
        heatmap_free(h);
        return false;
    }
    for (size_t i = 0; i < cells; i++) h->value[i] = NAN;
    for (size_t i = 0; i < r->n; i++) {
        const ck_diff_tensor *t = &r->tensors[i];
        int c = col_of(t->role);
        /* Outside the layers: embeddings under q, the output under o, the
         * final norm under norm. */
        if (t->role == CK_ROLE_EMBED) c = 0;
        if (t->role == CK_ROLE_OUTPUT && !strstr(t->key, "norm")) c = 3;
        if (c < 0 || (t->status != CK_DIFF_CHANGED && t->status != CK_DIFF_IDENTICAL)) continue;
        int row = t->layer >= 0 ? t->layer : r->n_layers;
        double v = h->snr ? (t->status == CK_DIFF_IDENTICAL ? INFINITY : t->snr_db)
                          : (t->status == CK_DIFF_IDENTICAL ? 0.0 : t->rel_l2);
        if (isnan(v)) continue;
        double *cell = &h->value[(size_t)row * HEAT_COLS + (size_t)c];
        /* The worst tensor of a cell speaks for it. */
        if (isnan(*cell) || (h->snr ? v < *cell : v > *cell)) *cell = v;
    }
    for (size_t i = 0; i < cells; i++) h->level[i] = level_of(h, h->value[i]);
    return true;
}

void heatmap_free(heatmap *h) {
    free(h->value);
    free(h->level);
    memset(h, 0, sizeof *h);
}

const char *heatmap_level_label(const heatmap *h, int level) {
    static const char *const rel[] = {"unchanged", "< 0.01%", "0.01-0.03%", "0.03-0.1%", "0.1-0.3%",
                                      "0.3-1%",    "1-3%",    "3-10%",      ">= 10%"};
    static const char *const snr[] = {"exact",    ">= 60 dB", "50-60 dB", "40-50 dB", "35-40 dB",
                                      "30-35 dB", "25-30 dB", "20-25 dB", "< 20 dB"};
    return (h->snr ? snr : rel)[level];
}

const char *heatmap_level_rgb(int level) {
    static const char *const rgb[] = {"#e8eef4", "#c6dbef", "#9ecae1", "#6baed6", "#74c476",
                                      "#c7e048", "#fdd835", "#fb8c00", "#e53935"};
    return rgb[level];
}

/* 256-colour codes for the levels: blue to green to yellow to red. */
static const int ansi[] = {254, 153, 110, 74, 71, 149, 220, 208, 196};
/* Plain characters for the levels when there is no colour. */
static const char plain[] = ".123456789";

static void cell(FILE *out, int level) {
    if (level < 0) {
        fputs("   ", out);
        return;
    }
    if (term_color()) fprintf(out, "\033[38;5;%dm\xe2\x96\x88\xe2\x96\x88\033[0m ", ansi[level]);
    else fprintf(out, "%c%c ", level ? plain[level] : '.', level ? plain[level] : '.');
}

void heatmap_print(FILE *out, const heatmap *h, int n_layers) {
    bool any = false;
    for (int i = 0; i < h->rows * HEAT_COLS; i++) any |= h->level[i] >= 0;
    if (!any) return;
    fprintf(out, "\n%s%s by layer and role%s\n      ", term_bold(), h->snr ? "SNR" : "rel_l2", term_reset());
    for (int c = 0; c < HEAT_COLS; c++) fprintf(out, "%c  ", col_letters[c]);
    fputc('\n', out);
    for (int row = 0; row < h->rows; row++) {
        bool used = false;
        for (int c = 0; c < HEAT_COLS; c++) used |= h->level[row * HEAT_COLS + c] >= 0;
        if (!used) continue;
        if (row < n_layers) fprintf(out, "  %3d ", row);
        else fprintf(out, "  %s ", "out");
        for (int c = 0; c < HEAT_COLS; c++) cell(out, h->level[row * HEAT_COLS + c]);
        fputc('\n', out);
    }
    fprintf(out, "  %sq k v o: attention, g u d: ffn gate/up/down, n: norms, e: experts;\n"
                 "  row out: the embeddings under q, the output under o, the final norm under n%s\n  ",
            term_dim(), term_reset());
    for (int l = 0; l < HEAT_LEVELS; l++) {
        cell(out, l);
        fprintf(out, "%s%s%s  ", term_dim(), heatmap_level_label(h, l), term_reset());
        if (l == 4) fputs("\n  ", out);
    }
    fputc('\n', out);
}
