/* Terminal output: colour, escaping of untrusted text, number formatting. */
#ifndef CK_CLI_TERM_H
#define CK_CLI_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color_mode;

/* Decide once whether stdout gets colour: --color, then NO_COLOR, then isatty. */
void term_setup(color_mode mode);
bool term_color(void);

/* SGR sequences, or "" when colour is off. */
const char *term_bold(void);
const char *term_dim(void);
const char *term_cyan(void);
const char *term_green(void);
const char *term_yellow(void);
const char *term_red(void);
const char *term_reset(void);

/* Write untrusted bytes so that they cannot move the cursor, change colours
 * or hide text: control characters, DEL, C1 controls and invalid UTF-8 come
 * out as escapes (\n, \x1b, ...). At most max_cols characters are written
 * (0: no limit); returns the number written, and sets *cut if it stopped early. */
size_t term_put_escaped(FILE *out, const char *s, size_t len, size_t max_cols, bool *cut);

/* 1234567 -> "1,234,567" into buf. */
const char *fmt_thousands(char *buf, size_t n, uint64_t v);
/* 7241732096 -> "7.24 B" (counts) ... K, M, B, T. */
const char *fmt_count(char *buf, size_t n, uint64_t v);
/* 4370000000 -> "4.37 GB" (decimal units, as the Hugging Face Hub shows sizes). */
const char *fmt_bytes(char *buf, size_t n, uint64_t v);

#endif
