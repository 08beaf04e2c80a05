/* Path helpers for models made of several files. */
#include "path.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *ck_path_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *src = ".";
    size_t n = 1;
    if (slash == path) {
        src = "/";
    } else if (slash) {
        src = path;
        n = (size_t)(slash - path);
    }
    char *dir = malloc(n + 1);
    if (!dir) return NULL;
    memcpy(dir, src, n);
    dir[n] = 0;
    return dir;
}

char *ck_path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    bool sep = a > 0 && dir[a - 1] != '/';
    char *r = malloc(a + sep + b + 1);
    if (!r) return NULL;
    memcpy(r, dir, a);
    if (sep) r[a] = '/';
    memcpy(r + a + sep, name, b + 1);
    return r;
}

bool ck_path_ends_with(const char *path, const char *suffix) {
    size_t a = strlen(path), b = strlen(suffix);
    return a >= b && strcmp(path + a - b, suffix) == 0;
}

bool ck_path_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
