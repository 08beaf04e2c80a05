/* Output files written atomically: an unnamed file linked into place when
 * complete (Linux O_TMPFILE), else a temporary name renamed into place. */
#include "ckpt/out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/rules.h"

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static ck_status fail(ck_diag *d, const ck_rule *rule, const char *path, const char *what, int err) {
    ck_where w = {.file = path, .offset = CK_NO_OFFSET};
    ck_report(d, rule, CK_ERR_IO, 0, &w, "%s%s%s", what, err ? ": " : "", err ? strerror(err) : "");
    return CK_ERR_IO;
}

ck_status ck_out_open(ck_out *o, const char *path, bool force, ck_diag *d) {
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->force = force;
    struct stat st;
    if (!force && lstat(path, &st) == 0) return fail(d, &CK_RULE_OUT_EXISTS, path, "exists (use --force to replace it)", 0);
    o->path = strdup(path);
    char *dir = dir_of(path);
    if (!o->path || !dir) {
        free(dir);
        ck_out_abort(o);
        return CK_ERR_NOMEM;
    }
#ifdef O_TMPFILE
    o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
#endif
    if (o->fd < 0) {
        /* No O_TMPFILE here (or not on this file system): a hidden temporary
         * name beside the target. */
        size_t n = strlen(path) + sizeof ".ckpt-XXXXXX";
        o->tmp = malloc(n);
        if (o->tmp) {
            snprintf(o->tmp, n, "%s.ckpt-XXXXXX", path);
            o->fd = mkostemp(o->tmp, O_CLOEXEC);
        }
        if (o->fd < 0) {
            int e = errno;
            free(dir);
            ck_out_abort(o);
            return fail(d, &CK_RULE_OUT_WRITE, path, "cannot create the output", e);
        }
        fchmod(o->fd, 0644);
    }
    free(dir);
    o->has_fd = true;
    o->f = fdopen(o->fd, "wb");
    if (!o->f) {
        int e = errno;
        ck_out_abort(o);
        return fail(d, &CK_RULE_OUT_WRITE, path, "cannot open the output", e);
    }
    return CK_OK;
}

static void sync_dir_of(const char *path) {
    char *dir = dir_of(path);
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Link the unnamed file at proc over path in one step: linked to a fresh
 * name beside it first, then renamed over it, so that path never goes
 * missing and never holds a partial file. */
static int link_replacing(const char *proc, const char *path) {
    size_t n = strlen(path) + sizeof ".ckpt-0000000000000000";
    char *tmp = malloc(n);
    if (!tmp) return -1;
    int rc = -1;
    for (unsigned tries = 0; tries < 100 && rc != 0; tries++) {
        snprintf(tmp, n, "%s.ckpt-%08x%08x", path, (unsigned)getpid(), (unsigned)random() ^ tries);
        rc = linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW);
        if (rc != 0 && errno != EEXIST) break;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        rc = -1;
    }
    free(tmp);
    return rc;
}

ck_status ck_out_sync(ck_out *o, ck_diag *d) {
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) e = errno ? errno : EIO;
    if (!e && !o->no_sync && fsync(o->fd) != 0) e = errno;
    if (!e) return CK_OK;
    ck_status st = fail(d, &CK_RULE_OUT_WRITE, o->path ? o->path : "?", "cannot write the output", e);
    ck_out_abort(o);
    return st;
}

ck_status ck_out_commit(ck_out *o, ck_diag *d) {
    ck_status st = ck_out_sync(o, d);
    if (st != CK_OK) return st;
    int e, rc;
    if (o->tmp) {
        rc = rename(o->tmp, o->path);
    } else {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
        rc = o->force ? link_replacing(proc, o->path) : linkat(AT_FDCWD, proc, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW);
    }
    if (rc != 0) {
        e = errno;
        st = fail(d, e == EEXIST ? &CK_RULE_OUT_EXISTS : &CK_RULE_OUT_WRITE, o->path,
                            e == EEXIST ? "appeared while writing; not replaced" : "cannot put the output in place", e == EEXIST ? 0 : e);
        ck_out_abort(o);
        return st;
    }
    /* The new name is an entry of the folder: sync that too. */
    if (!o->no_sync) sync_dir_of(o->path);
    free(o->tmp);
    o->tmp = NULL;
    fclose(o->f);
    o->f = NULL;
    o->has_fd = false;
    free(o->path);
    o->path = NULL;
    return CK_OK;
}

void ck_out_abort(ck_out *o) {
    if (o->f) fclose(o->f);
    else if (o->has_fd) close(o->fd);
    if (o->tmp) unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}
