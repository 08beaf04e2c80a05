/* Test helper: temporary folders under /tmp, removed with their files.
 *
 * A test that fails jumps out before its tmpdir_remove; tmpdir_teardown
 * (a cmocka group teardown) removes whatever such tests left behind.
 */
#ifndef CK_TESTS_TMPDIR_H
#define CK_TESTS_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMPDIR_MAX 64
static char *tmpdir_live[TMPDIR_MAX];

/* Remove path: a file, or a folder and what it holds. */
static inline void tmpdir_rm(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    DIR *dh = opendir(path);
    if (dh) {
        struct dirent *e;
        while ((e = readdir(dh))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            size_t a = strlen(path), b = strlen(e->d_name);
            char *p = malloc(a + b + 2);
            if (!p) continue;
            memcpy(p, path, a);
            p[a] = '/';
            memcpy(p + a + 1, e->d_name, b + 1);
            tmpdir_rm(p);
            free(p);
        }
        closedir(dh);
    }
    rmdir(path);
}

/* A new empty folder; its path is malloc'd. NULL on failure. */
static inline char *tmpdir_new(void) {
    char tmpl[] = "/tmp/ckpt-unit-XXXXXX";
    if (!mkdtemp(tmpl)) return NULL;
    size_t n = strlen(tmpl);
    char *r = malloc(n + 1);
    if (!r) {
        rmdir(tmpl);
        return NULL;
    }
    memcpy(r, tmpl, n + 1);
    for (int i = 0; i < TMPDIR_MAX; i++) {
        if (!tmpdir_live[i]) {
            tmpdir_live[i] = r;
            break;
        }
    }
    return r;
}

/* Remove a folder made by tmpdir_new with everything in it, and free its
 * path. */
static inline void tmpdir_remove(char *dir) {
    if (!dir) return;
    for (int i = 0; i < TMPDIR_MAX; i++)
        if (tmpdir_live[i] == dir) tmpdir_live[i] = NULL;
    tmpdir_rm(dir);
    free(dir);
}

/* cmocka group teardown: remove the folders that failed tests left. */
static inline int tmpdir_teardown(void **state) {
    (void)state;
    for (int i = 0; i < TMPDIR_MAX; i++) tmpdir_remove(tmpdir_live[i]);
    return 0;
}

#endif
