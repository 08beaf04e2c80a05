/* A progress bar on stderr with throughput. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "term.h"

/* Work shorter than this shows no bar at all. */
#define SHOW_AFTER 0.5
#define REDRAW_EVERY 0.1
#define BAR_WIDTH 30

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_init(progress *p, const char *label, bool enabled) {
    p->enabled = enabled && isatty(STDERR_FILENO);
    p->drawn = false;
    p->start = p->last = now();
    p->label = label;
}

void progress_update(void *ctx, uint64_t done, uint64_t total) {
    progress *p = ctx;
    if (!p->enabled) return;
    double t = now();
    if (t - p->start < SHOW_AFTER || t - p->last < REDRAW_EVERY) return;
    p->last = t;
    double frac = total ? (double)done / (double)total : 1.0;
    if (frac > 1) frac = 1;
    int fill = (int)(frac * BAR_WIDTH + 0.5);
    char bar[BAR_WIDTH * 3 + 1];
    int o = 0;
    for (int i = 0; i < BAR_WIDTH; i++) {
        const char *c = i < fill ? "\xe2\x96\x88" : "\xe2\x96\x91"; /* full block, light shade */
        for (int k = 0; k < 3; k++) bar[o++] = c[k];
    }
    bar[o] = 0;
    char d[32], tot[32], rate[32];
    fmt_bytes(d, sizeof d, done);
    fmt_bytes(tot, sizeof tot, total);
    fmt_bytes(rate, sizeof rate, (uint64_t)((double)done / (t - p->start)));
    fprintf(stderr, "\r\033[K%s %s %3.0f%%  %s / %s  %s/s", p->label, bar, frac * 100, d, tot, rate);
    fflush(stderr);
    p->drawn = true;
}

void progress_done(progress *p) {
    if (p->drawn) fputs("\r\033[K", stderr);
    fflush(stderr);
    p->drawn = false;
}
