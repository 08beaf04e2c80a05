/* The manifest: what `ckpt hash --json` writes and `ckpt verify` reads. */
#ifndef CK_CLI_MANIFEST_H
#define CK_CLI_MANIFEST_H

#include "ckpt/hash.h"
#include "json_writer.h"

/* Write the ckpt.hash/1 document of model m with its hashes r. */
void manifest_write(jw *w, const ck_model *m, const ck_hash_result *r);

#endif
