/* The HTML report of a diff: one self-contained file (inline CSS, JS and
 * SVG, no external resources). */
#ifndef CK_CLI_DIFF_HTML_H
#define CK_CLI_DIFF_HTML_H

#include <stdio.h>

#include "ckpt/diff.h"

/* Write the report of r (A at a_path, B at b_path) to out. Returns 0, or -1
 * when out of memory. */
int diff_html_write(FILE *out, const ck_diff_result *r, const char *a_path, const char *b_path);

#endif
