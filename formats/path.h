/* Path helpers for models made of several files. Results are malloc'd. */
#ifndef CK_FORMATS_PATH_H
#define CK_FORMATS_PATH_H

#include <stdbool.h>

/* The folder of path: "." when it has none, "/" for a file at the root. */
char *ck_path_dir(const char *path);
/* dir + "/" + name. */
char *ck_path_join(const char *dir, const char *name);
/* Whether path ends with suffix. */
bool ck_path_ends_with(const char *path, const char *suffix);
/* Whether path is a folder. */
bool ck_path_is_dir(const char *path);

#endif
