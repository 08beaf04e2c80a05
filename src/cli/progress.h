/* A progress bar on stderr, drawn only when stderr is a terminal and the
 * work has run for a while. */
#ifndef CK_CLI_PROGRESS_H
#define CK_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct progress {
    bool enabled;
    bool drawn;
    double start, last;
    const char *label;
} progress;

/* enabled: the user did not turn it off (--no-progress, --quiet). */
void progress_init(progress *p, const char *label, bool enabled);
/* A ck_progress_fn: done and total are bytes. */
void progress_update(void *ctx, uint64_t done, uint64_t total);
/* Erase the bar, if one was drawn. */
void progress_done(progress *p);

#endif
