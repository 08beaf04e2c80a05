/* Test helper: open a file of the reference corpus (or any folder given on
 * the command line), or fail the test with its path. Include after unit.h
 * and bytes.h. */
#ifndef CK_TESTS_CORPUS_MODEL_H
#define CK_TESTS_CORPUS_MODEL_H

#include "ckpt/model.h"

/* dir/rel opened; the test fails when it does not open. */
static inline ck_model *open_model_in(const char *dir, const char *rel) {
    char *path = path_join2(dir, rel);
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_model *m = NULL;
    if (ck_model_open(&m, path, &d) != CK_OK) fail_msg("cannot open %s", path);
    ck_diag_free(&d);
    free(path);
    return m;
}

#endif
