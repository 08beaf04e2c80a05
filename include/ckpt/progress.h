/* ckpt: progress reports from long operations. */
#ifndef CKPT_PROGRESS_H
#define CKPT_PROGRESS_H

#include <stdint.h>

/* Called from one thread as work completes; done and total are bytes. */
typedef void (*ck_progress_fn)(void *ctx, uint64_t done, uint64_t total);

#endif
