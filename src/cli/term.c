/* Terminal output: colour, escaping of untrusted text, number formatting. */
#include "term.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/utf8.h"

static bool use_color;

void term_setup(color_mode mode) {
    if (mode == COLOR_ALWAYS) use_color = true;
    else if (mode == COLOR_NEVER) use_color = false;
    else {
        const char *nc = getenv("NO_COLOR");
        const char *term = getenv("TERM");
        use_color = !(nc && *nc) && isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0);
    }
}

bool term_color(void) { return use_color; }
const char *term_bold(void) { return use_color ? "\033[1m" : ""; }
const char *term_dim(void) { return use_color ? "\033[2m" : ""; }
const char *term_cyan(void) { return use_color ? "\033[36m" : ""; }
const char *term_green(void) { return use_color ? "\033[32m" : ""; }
const char *term_yellow(void) { return use_color ? "\033[33m" : ""; }
const char *term_red(void) { return use_color ? "\033[31m" : ""; }
const char *term_reset(void) { return use_color ? "\033[0m" : ""; }

size_t term_put_escaped(FILE *out, const char *s, size_t len, size_t max_cols, bool *cut) {
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, cols = 0;
    if (cut) *cut = false;
    while (i < len) {
        if (max_cols && cols >= max_cols) {
            if (cut) *cut = true;
            break;
        }
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            fputc(c, out);
            i++;
            cols++;
            continue;
        }
        char esc[8];
        const char *e = NULL;
        switch (c) {
        case '\n': e = "\\n"; break;
        case '\t': e = "\\t"; break;
        case '\r': e = "\\r"; break;
        case '\\': e = "\\\\"; break;
        default: break;
        }
        if (e) {
            fputs(e, out);
            cols += 2;
            i++;
            continue;
        }
        size_t n = c >= 0x80 ? ck_utf8_seq_len(p + i, len - i) : 0;
        /* U+0080..U+009F (C1 controls, encoded C2 80..C2 9F) act on terminals. */
        bool c1 = n == 2 && c == 0xC2 && p[i + 1] < 0xA0;
        if (n > 0 && !c1) {
            fwrite(p + i, 1, n, out);
            i += n;
            cols++;
            continue;
        }
        snprintf(esc, sizeof esc, "\\x%02x", c);
        fputs(esc, out);
        cols += 4;
        i++;
    }
    return cols;
}

const char *fmt_thousands(char *buf, size_t n, uint64_t v) {
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

static const char *fmt_scaled(char *buf, size_t n, uint64_t v, const char *const *units, const char *unit0) {
    if (v < 1000) {
        snprintf(buf, n, "%llu%s%s", (unsigned long long)v, *unit0 ? " " : "", unit0);
        return buf;
    }
    double x = (double)v;
    int u = 0;
    while (x >= 999.995 && units[u + 1]) {
        x /= 1000.0;
        u++;
    }
    snprintf(buf, n, "%.2f %s", x, units[u]);
    return buf;
}

const char *fmt_count(char *buf, size_t n, uint64_t v) {
    static const char *const units[] = {"", "K", "M", "B", "T", NULL};
    return fmt_scaled(buf, n, v, units, "");
}

const char *fmt_bytes(char *buf, size_t n, uint64_t v) {
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB", NULL};
    return fmt_scaled(buf, n, v, units, "B");
}
