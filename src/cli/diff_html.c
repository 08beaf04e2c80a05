/* The HTML report of a diff: one self-contained file that a browser opens
 * with no network at all. Inline CSS (light and dark), the layer-by-role
 * heatmap as inline SVG, a table of every tensor that a few lines of inline
 * script sort and filter, and the metadata changes. Every byte that comes from
 * a model (names, paths, metadata values) goes through html_text(). The output
 * depends on the result alone: no dates, no random ids. */
#include "diff_html.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "diff_heatmap.h"
#include "io/utf8.h"
#include "json_writer.h"

/* ===== escaping ===== */

/* Bytes written as they are: printable ASCII but the five that HTML gives a
 * meaning to, and the whitespace controls. */
static bool plain_byte(uint8_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return true;
    return c >= 0x20 && c < 0x7F && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

/* Write len bytes of s as HTML text or as a quoted attribute value: the
 * markup characters as entities; bytes that are not UTF-8, and control
 * characters (which HTML calls parse errors), as U+FFFD. */
static void html_textn(FILE *o, const char *s, size_t len) {
    static const char fffd[] = "\xEF\xBF\xBD";
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && plain_byte(p[j])) j++;
        if (j > i) {
            fwrite(p + i, 1, j - i, o);
            i = j;
            continue;
        }
        switch (p[i]) {
        case '&': fputs("&amp;", o); i++; continue;
        case '<': fputs("&lt;", o); i++; continue;
        case '>': fputs("&gt;", o); i++; continue;
        case '"': fputs("&quot;", o); i++; continue;
        case '\'': fputs("&#39;", o); i++; continue;
        default: break;
        }
        if (p[i] < 0x80) { /* C0 controls and DEL */
            fputs(fffd, o);
            i++;
            continue;
        }
        size_t n = ck_utf8_seq_len(p + i, len - i);
        if (n == 0) {
            fputs(fffd, o); /* one U+FFFD a stray byte */
            i++;
        } else if (n == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0) {
            fputs(fffd, o); /* C1 controls U+0080..U+009F */
            i += 2;
        } else {
            fwrite(p + i, 1, n, o);
            i += n;
        }
    }
}

/* html_textn() of a C string; "-" for NULL. */
static void html_text(FILE *o, const char *s) {
    if (!s) fputs("-", o);
    else html_textn(o, s, strlen(s));
}

/* ===== numbers ===== */

/* The opening of a numeric table cell: the raw value in data-v (the
 * shortest decimal that reads back; empty when v has no value), for the
 * sorting script. */
static void td_num_class(FILE *o, double v, const char *cls) {
    char buf[40] = "";
    if (isfinite(v)) jw_format_double(buf, sizeof buf, v, false);
    fprintf(o, "<td class=\"%s\" data-v=\"%s\">", cls, buf);
}

static void td_num(FILE *o, double v) { td_num_class(o, v, "n"); }

/* A numeric cell: v shown with fmt, or "-" when v has no value. */
static void td_fig(FILE *o, double v, const char *fmt) {
    td_num(o, v);
    if (isfinite(v)) fprintf(o, fmt, v);
    else fputs("-", o);
    fputs("</td>", o);
}

/* A cosine: six decimals, more when six would round a changed tensor to 1. */
static void td_cosine(FILE *o, double v) {
    td_num(o, v);
    if (!isfinite(v)) fputs("-", o);
    else fprintf(o, v != 1.0 && fabs(v) > 0.9999995 ? "%.10f" : "%.6f", v);
    fputs("</td>", o);
}

/* A fraction as a percentage: three decimals, or three significant digits
 * when tiny (the text report's form). */
static void td_pct(FILE *o, double v) {
    td_num(o, v);
    if (!isfinite(v)) fputs("-", o);
    else fprintf(o, v == 0 || fabs(v) >= 1e-4 ? "%.3f%%" : "%.2e%%", v * 100);
    fputs("</td>", o);
}

/* A shape as "4096×11008", "scalar" for rank 0. */
static void put_shape(FILE *o, const int64_t *shape, uint32_t rank) {
    if (rank == 0) fputs("scalar", o);
    for (uint32_t i = 0; i < rank && i < 8; i++) fprintf(o, "%s%lld", i ? "\xC3\x97" : "", (long long)shape[i]);
}

static double elements(const int64_t *shape, uint32_t rank) {
    double n = 1;
    for (uint32_t i = 0; i < rank && i < 8; i++) n *= (double)shape[i];
    return n;
}

static const char *dtype_name(int d) {
    return d >= 0 && d < CK_DT_COUNT ? ck_dtype_name((ck_dtype)d) : NULL;
}

/* ===== style and script ===== */

static const char css[] =
    ":root{color-scheme:light dark;--fg:#1c2128;--bg:#fff;--bg2:#f2f4f7;--line:#d9dee4;--dim:#687280;"
    "--identical:#1a7f37;--reencoded:#0e7490;--quantized:#1d4ed8;--finetuned:#b45309;--merged:#7e22ce;"
    "--unrelated:#b91c1c;--restructured:#be185d}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e4e8ee;--bg:#15181d;--bg2:#1f242c;--line:#363d48;"
    "--dim:#9aa4b0;--identical:#4ade80;--reencoded:#22d3ee;--quantized:#82a8ff;--finetuned:#fbbf24;"
    "--merged:#c79bff;--unrelated:#f87171;--restructured:#f472b6}}\n"
    "body{margin:0 auto;max-width:1500px;padding:1.25rem 1.5rem 3rem;font:14px/1.45 system-ui,sans-serif;"
    "color:var(--fg);background:var(--bg)}\n"
    "h1{font-size:1.3rem;margin:0 0 .6rem}h2{font-size:1.1rem;margin:2rem 0 .6rem}\n"
    "code,.nm{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}\n"
    ".nm{min-width:10em}.dim{color:var(--dim)}\n"
    "dl.paths{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:0 0 1rem}"
    "dl.paths dt{font-weight:600}dl.paths dd{margin:0;overflow-wrap:anywhere}\n"
    ".verdict{font-size:2.4rem;font-weight:700;line-height:1.1;margin:.4rem 0 .2rem;color:var(--vc)}\n"
    ".evidence{max-width:70rem;margin:0 0 1rem;border-left:4px solid var(--vc);padding:.1rem .7rem}\n"
    ".counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:0;padding:0;list-style:none}\n"
    ".counts li{background:var(--bg2);border:1px solid var(--line);border-radius:6px;padding:.3rem .7rem}"
    ".counts b{display:block;font-size:1.25rem;font-variant-numeric:tabular-nums}\n"
    ".v-identical,.s-identical{--vc:var(--identical)}.v-reencoded{--vc:var(--reencoded)}"
    ".v-quantized,.s-added{--vc:var(--quantized)}.v-finetuned,.s-changed{--vc:var(--finetuned)}"
    ".v-merged,.s-shape_changed{--vc:var(--merged)}.v-unrelated,.s-removed{--vc:var(--unrelated)}"
    ".v-restructured{--vc:var(--restructured)}.st{color:var(--vc);font-weight:600}\n"
    "svg.heat{display:block;max-width:100%;height:auto}svg.heat text{fill:currentColor;font-size:11px}"
    "svg.heat .grid{fill:var(--bg2)}svg.heat rect{shape-rendering:crispEdges}\n"
    ".tools{display:flex;gap:1rem;align-items:center;margin:0 0 .5rem}"
    ".tools input{font:inherit;padding:.25rem .5rem;min-width:18rem;color:inherit;background:var(--bg);"
    "border:1px solid var(--line);border-radius:4px}\n"
    ".tw{max-height:80vh;overflow:auto;border:1px solid var(--line)}\n"
    "table{border-collapse:collapse;font-size:12.5px;min-width:100%}\n"
    "th,td{padding:.2rem .45rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.sv{font-size:.9em;min-width:8em}td.sh{white-space:normal}#tensors td{overflow-wrap:anywhere}\n"
    "#tensors th{position:sticky;top:0;background:var(--bg2);cursor:pointer;user-select:none;vertical-align:bottom}\n"
    "#tensors th.n{text-align:right}#tensors th:focus-visible{outline:2px solid var(--quantized)}\n"
    "#tensors th[aria-sort=ascending]::after{content:\" \\25B2\"}"
    "#tensors th[aria-sort=descending]::after{content:\" \\25BC\"}\n"
    "tbody tr:hover{background:var(--bg2)}\n"
    "table.meta td{overflow-wrap:anywhere}table.meta td:first-child{white-space:nowrap}\n"
    "footer{margin-top:2rem;color:var(--dim);font-size:.85rem}\n";

/* Sort the tensor table by the clicked column (numbers by data-v, empty
 * values last either way, ties in the original order), and hide the rows
 * whose names do not contain the filter text. */
static const char script[] =
    "(function () {\n"
    "  var table = document.getElementById('tensors'), body = table.tBodies[0];\n"
    "  var heads = table.tHead.rows[0].cells, rows = Array.prototype.slice.call(body.rows);\n"
    "  var filter = document.getElementById('filter'), shown = document.getElementById('shown');\n"
    "  function key(row, i, num) {\n"
    "    var c = row.cells[i];\n"
    "    if (!num) return c.textContent;\n"
    "    var v = c.getAttribute('data-v');\n"
    "    return v === null || v === '' ? null : parseFloat(v);\n"
    "  }\n"
    "  function sortBy(i) {\n"
    "    var h = heads[i], num = h.classList.contains('n');\n"
    "    var asc = h.getAttribute('aria-sort') !== 'ascending';\n"
    "    for (var j = 0; j < heads.length; j++) heads[j].removeAttribute('aria-sort');\n"
    "    h.setAttribute('aria-sort', asc ? 'ascending' : 'descending');\n"
    "    var keyed = rows.map(function (r, n) { return [key(r, i, num), n, r]; });\n"
    "    keyed.sort(function (a, b) {\n"
    "      if (a[0] === null || b[0] === null) {\n"
    "        if (a[0] === b[0]) return a[1] - b[1];\n"
    "        return a[0] === null ? 1 : -1;\n"
    "      }\n"
    "      var d = num ? a[0] - b[0] : a[0].localeCompare(b[0], undefined, {numeric: true});\n"
    "      return (asc ? d : -d) || a[1] - b[1];\n"
    "    });\n"
    "    keyed.forEach(function (k) { body.appendChild(k[2]); });\n"
    "  }\n"
    "  Array.prototype.forEach.call(heads, function (h, i) {\n"
    "    h.tabIndex = 0;\n"
    "    h.addEventListener('click', function () { sortBy(i); });\n"
    "    h.addEventListener('keydown', function (e) {\n"
    "      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(i); }\n"
    "    });\n"
    "  });\n"
    "  filter.addEventListener('input', function () {\n"
    "    var s = filter.value.toLowerCase(), n = 0;\n"
    "    rows.forEach(function (r) {\n"
    "      var names = r.cells[0].textContent + '\\n' + r.cells[1].textContent;\n"
    "      r.hidden = s !== '' && names.toLowerCase().indexOf(s) < 0;\n"
    "      if (!r.hidden) n++;\n"
    "    });\n"
    "    shown.textContent = n + ' of ' + rows.length;\n"
    "  });\n"
    "})();\n";

/* ===== header ===== */

static void write_header(FILE *o, const ck_diff_result *r, const char *a_path, const char *b_path) {
    const char *verdict = ck_verdict_name(r->verdict);
    fputs("<header>\n<h1>ckpt diff</h1>\n<dl class=\"paths\"><dt>A</dt><dd><code>", o);
    html_text(o, a_path);
    fputs("</code> <span class=\"dim\">(base)</span></dd><dt>B</dt><dd><code>", o);
    html_text(o, b_path);
    fputs("</code></dd><dt>name map</dt><dd><code>", o);
    if (r->map[0]) html_textn(o, r->map, strnlen(r->map, sizeof r->map));
    else fputs("none", o);
    fputs("</code></dd></dl>\n", o);
    fprintf(o, "<p class=\"verdict v-%s\">", verdict);
    html_text(o, verdict);
    fprintf(o, "</p>\n<p class=\"evidence v-%s\">", verdict);
    html_textn(o, r->evidence, strnlen(r->evidence, sizeof r->evidence));
    fputs("</p>\n<ul class=\"counts\">", o);
    const struct { const char *label; size_t n; } counts[] = {
        {"tensors", r->n},         {"identical", r->identical}, {"changed", r->changed},
        {"added", r->added},       {"removed", r->removed},     {"shape changed", r->shape_changed},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        fprintf(o, "<li><b>%zu</b>%s</li>", counts[i].n, counts[i].label);
    fputs("</ul>\n</header>\n", o);
}

/* ===== heatmap ===== */

enum {
    CELL_W = 34,   /* wide enough for a column name above it */
    CELL_H = 16,
    LEFT = 36,     /* room for the row labels */
    TOP = 20,      /* room for the column labels */
    LEGEND_GAP = 24,
    LEGEND_W = 120,
    LEGEND_ROW = 16,
    BOTTOM_LABELS_FROM = 40  /* repeat the column labels below a grid this tall */
};

/* The tooltip value of a cell: rel_l2 as a percentage, or SNR in dB. */
static void put_cell_value(FILE *o, const heatmap *h, double v) {
    if (h->snr) {
        if (isinf(v)) fputs("exact", o);
        else fprintf(o, "%.1f dB", v);
    } else if (v == 0) {
        fputs("unchanged", o);
    } else {
        fprintf(o, v >= 1e-4 ? "%.3f%%" : "%.2e%%", v * 100);
    }
}

static void put_col_labels(FILE *o, int y) {
    for (int c = 0; c < HEAT_COLS; c++)
        fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", LEFT + c * CELL_W + CELL_W / 2, y,
                heatmap_col_name(c));
    fputc('\n', o);
}

static void write_heatmap(FILE *o, const ck_diff_result *r, const heatmap *h) {
    const char *what = h->snr ? "SNR" : "rel_l2";
    fprintf(o, "<section id=\"heatmap\">\n<h2>%s by layer and role</h2>\n", what);
    bool any = false;
    for (int i = 0; i < h->rows * HEAT_COLS; i++) any |= h->level[i] >= 0;
    if (!any) {
        fputs("<p class=\"dim\">Nothing to draw: no tensor with a layer and role was compared in both "
              "models.</p>\n</section>\n",
              o);
        return;
    }
    int grid_w = HEAT_COLS * CELL_W, grid_h = h->rows * CELL_H;
    bool bottom = h->rows > BOTTOM_LABELS_FROM;
    int legend_x = LEFT + grid_w + LEGEND_GAP;
    int width = legend_x + LEGEND_W;
    int height = TOP + grid_h + (bottom ? 16 : 4);
    if (height < TOP + HEAT_LEVELS * LEGEND_ROW + 4) height = TOP + HEAT_LEVELS * LEGEND_ROW + 4;
    fprintf(o,
            "<svg class=\"heat\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "aria-label=\"%s by layer and role\">\n",
            width, height, width, height, what);
    fprintf(o, "<rect class=\"grid\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", LEFT, TOP, grid_w - 1,
            grid_h - 1);
    put_col_labels(o, TOP - 5);
    for (int row = 0; row < h->rows; row++) {
        int y = TOP + row * CELL_H;
        bool out_row = row >= r->n_layers;
        if (out_row) fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">out</text>", LEFT - 4, y + 12);
        else fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>", LEFT - 4, y + 12, row);
        for (int c = 0; c < HEAT_COLS; c++) {
            size_t at = (size_t)row * HEAT_COLS + (size_t)c;
            int level = h->level[at];
            if (level < 0) continue;
            fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>", LEFT + c * CELL_W, y,
                    CELL_W - 1, CELL_H - 1, heatmap_level_rgb(level));
            if (!out_row) fprintf(o, "layer %d, %s: ", row, heatmap_col_name(c));
            else if (c == 0) fputs("out, embeddings: ", o);
            else if (c == 3) fputs("out, output: ", o);
            else if (c == 7) fputs("out, final norm: ", o);
            else fprintf(o, "out, %s: ", heatmap_col_name(c));
            put_cell_value(o, h, h->value[at]);
            fputs("</title></rect>", o);
        }
        fputc('\n', o);
    }
    if (bottom) put_col_labels(o, TOP + grid_h + 12);
    fprintf(o, "<text x=\"%d\" y=\"%d\">%s</text>\n", legend_x, TOP - 5, what);
    for (int l = 0; l < HEAT_LEVELS; l++) {
        int y = TOP + l * LEGEND_ROW;
        fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\"/>", legend_x, y,
                heatmap_level_rgb(l));
        fprintf(o, "<text x=\"%d\" y=\"%d\">", legend_x + 20, y + 10);
        html_text(o, heatmap_level_label(h, l));
        fputs("</text>\n", o);
    }
    fputs("</svg>\n<p class=\"dim\">Each cell is the most changed tensor of its layer and role; hover for its "
          "value. Row <i>out</i>: the embeddings under q, the output under o, the final norm under norm.</p>\n</section>\n",
          o);
}

/* ===== tensors ===== */

static void write_tensor_row(FILE *o, const ck_diff_tensor *t, bool sv_col) {
    const char *status = ck_diff_status_name(t->status);
    fputs("<tr><td class=\"nm\">", o);
    html_text(o, t->name);
    fprintf(o, "</td><td class=\"nm%s\">", t->b_name && t->name && strcmp(t->b_name, t->name) == 0 ? " dim" : "");
    html_text(o, t->b_name);
    fprintf(o, "</td><td><span class=\"st s-%s\">%s</span></td><td>", status, status);
    html_text(o, dtype_name(t->a_dtype));
    fputs("</td><td>", o);
    html_text(o, dtype_name(t->b_dtype));
    fputs("</td>", o);
    td_num_class(o, elements(t->shape, t->rank), "n sh");
    put_shape(o, t->shape, t->rank);
    if (t->status == CK_DIFF_SHAPE_CHANGED) {
        fputs(" \xE2\x86\x92 ", o);
        put_shape(o, t->b_shape, t->b_rank);
    }
    fputs("</td>", o);
    td_cosine(o, t->cosine);
    td_pct(o, t->rel_l2);
    td_fig(o, t->rmse, "%.3g");
    td_fig(o, t->max_abs, "%.3g");
    td_fig(o, t->snr_db, "%.1f");
    td_pct(o, t->count ? (double)t->changed / (double)t->count : NAN);
    if (t->rank_estimated && t->delta_rank < 0) {
        fputs("<td class=\"n\" data-v=\"\" title=\"no cliff in the leading singular values\">full</td>", o);
    } else {
        td_fig(o, t->rank_estimated ? (double)t->delta_rank : NAN, "%.0f");
    }
    if (sv_col) {
        fputs("<td class=\"sv\">", o);
        if (!t->rank_estimated || t->n_sv == 0) fputs("-", o);
        for (size_t i = 0; t->rank_estimated && i < t->n_sv && i < CK_DIFF_SV; i++)
            fprintf(o, "%s%.3g", i ? " " : "", t->sv[i]);
        fputs("</td>", o);
    }
    fputs("</tr>\n", o);
}

static void write_tensors(FILE *o, const ck_diff_result *r) {
    bool sv_col = false;
    for (size_t i = 0; i < r->n; i++) sv_col |= r->tensors[i].rank_estimated;
    /* Columns: a name, and whether it sorts by data-v (else by its text). */
    static const struct { const char *name; bool num; } cols[] = {
        {"name", false},    {"b_name", false}, {"status", false}, {"a_dtype", false},
        {"b_dtype", false}, {"shape", true},   {"cosine", true},  {"rel_l2", true},
        {"rmse", true},     {"max_abs", true}, {"snr_db", true},  {"changed", true},
        {"delta_rank", true},
    };
    fputs("<section id=\"tensor-table\">\n<h2>Tensors</h2>\n<div class=\"tools\"><input id=\"filter\" "
          "type=\"search\" placeholder=\"filter by name\" aria-label=\"filter tensors by name\"> ",
          o);
    fprintf(o, "<span class=\"dim\"><span id=\"shown\">%zu of %zu</span> tensors; click a column to sort</span>"
               "</div>\n",
            r->n, r->n);
    fputs("<div class=\"tw\"><table id=\"tensors\">\n<thead><tr>", o);
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
        fprintf(o, "<th%s>%s</th>", cols[c].num ? " class=\"n\"" : "", cols[c].name);
    if (sv_col) fputs("<th>singular values</th>", o);
    fputs("</tr></thead>\n<tbody>\n", o);
    for (size_t i = 0; i < r->n; i++) write_tensor_row(o, &r->tensors[i], sv_col);
    fputs("</tbody>\n</table></div>\n<p class=\"dim\">rel_l2 and changed (the share of values that differ) in "
          "percent; shape sorts by element count; figures without a meaning are shown as -.</p>\n</section>\n",
          o);
}

/* ===== metadata ===== */

static void write_meta(FILE *o, const ck_diff_result *r) {
    static const char *const kinds[] = {"added", "removed", "changed"};
    size_t n[3] = {0, 0, 0};
    for (size_t i = 0; i < r->n_meta; i++)
        if ((unsigned)r->meta[i].kind < 3) n[r->meta[i].kind]++;
    fputs("<section id=\"metadata\">\n<h2>Metadata</h2>\n", o);
    if (!r->n_meta) {
        fputs("<p class=\"dim\">No metadata changes.</p>\n</section>\n", o);
        return;
    }
    fprintf(o, "<p>%zu added, %zu removed, %zu changed.</p>\n", n[0], n[1], n[2]);
    fputs("<table class=\"meta\">\n<thead><tr><th>key</th><th>change</th><th>A</th><th>B</th></tr></thead>\n"
          "<tbody>\n",
          o);
    /* Added keys first, then removed, then changed; each in the result's order. */
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < r->n_meta; i++) {
            const ck_meta_change *m = &r->meta[i];
            if ((int)m->kind != kind) continue;
            fputs("<tr><td><code>", o);
            html_text(o, m->key);
            fprintf(o, "</code></td><td><span class=\"st s-%s\">%s</span></td><td><code>", kinds[kind], kinds[kind]);
            html_text(o, m->a_value);
            fputs("</code></td><td><code>", o);
            html_text(o, m->b_value);
            fputs("</code></td></tr>\n", o);
        }
    }
    fputs("</tbody>\n</table>\n</section>\n", o);
}

/* ===== the document ===== */

int diff_html_write(FILE *out, const ck_diff_result *r, const char *a_path, const char *b_path) {
    heatmap h;
    if (!heatmap_build(r, &h)) return -1;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"color-scheme\" content=\"light dark\">\n<title>ckpt diff: ",
          out);
    html_text(out, ck_verdict_name(r->verdict));
    fputs("</title>\n<style>\n", out);
    fputs(css, out);
    fputs("</style>\n</head>\n<body>\n", out);
    write_header(out, r, a_path, b_path);
    fputs("<main>\n", out);
    write_heatmap(out, r, &h);
    write_tensors(out, r);
    write_meta(out, r);
    fputs("</main>\n<footer>Written by ckpt " CKPT_VERSION ".</footer>\n<script>\n", out);
    fputs(script, out);
    fputs("</script>\n</body>\n</html>\n", out);
    heatmap_free(&h);
    return 0;
}
