/* ckpt: every rule and every known trap of a weight file, as a report.
 *
 * The readers run in collect mode, so that every broken rule of the format
 * is reported rather than the first; then come the checks of what the
 * formats allow but a careful operator wants to know: padding and trailing
 * bytes, names ggml refuses, NaN/Inf, all-zero and out-of-line tensors,
 * metadata with hidden characters, and chat templates that reach Python
 * internals or carry hidden instructions. Codes and severities are in the
 * rules table (rules.def).
 */
#ifndef CKPT_LINT_H
#define CKPT_LINT_H

#include <stdbool.h>

#include "ckpt/diag.h"
#include "ckpt/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ck_lint_opts {
    bool no_data;            /* skip the checks that read tensor values (data.*) */
    int threads;             /* <= 0: OpenMP's default */
    ck_progress_fn progress;
    void *progress_ctx;
} ck_lint_opts;

/* Lint the model at path; every finding goes to d, which must be in collect
 * mode. CK_OK when the checks ran, whatever they found; CK_ERR_IO when path
 * cannot be opened at all (it does not exist, is not a file or a folder);
 * CK_ERR_NOMEM. */
ck_status ck_lint(const char *path, const ck_lint_opts *o, ck_diag *d);

#ifdef __cplusplus
}
#endif

#endif
