/* ckpt: output files written atomically.
 *
 * The bytes go to an unnamed file in the target's folder (O_TMPFILE on
 * Linux), which is synced and linked into place only once complete: a
 * failed or killed run leaves nothing behind, not even a temporary file.
 * Elsewhere a temporary name in the same folder is renamed into place.
 */
#ifndef CKPT_OUT_H
#define CKPT_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "ckpt/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ck_out {
    char *path;          /* where the file will be */
    char *tmp;           /* the temporary name, when O_TMPFILE was not available */
    int fd;              /* valid when has_fd */
    bool has_fd;
    FILE *f;             /* buffered stream on fd */
    bool force;          /* replace an existing file */
    bool no_sync;        /* put in place without waiting for the disk */
} ck_out;

/* Start writing path. Refuses an existing path unless force. */
ck_status ck_out_open(ck_out *o, const char *path, bool force, ck_diag *d);
/* Flush and sync, without putting the file in place yet (for several files
 * that go in place together). */
ck_status ck_out_sync(ck_out *o, ck_diag *d);
/* Flush, sync and put the file in place. */
ck_status ck_out_commit(ck_out *o, ck_diag *d);
/* Drop what was written (safe after commit, and on a zeroed ck_out). */
void ck_out_abort(ck_out *o);

#ifdef __cplusplus
}
#endif

#endif
