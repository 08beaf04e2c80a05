/* The manifest (schema ckpt.hash/1): files with their SHA-256 and header
 * digest, tensors with their XXH3-128 and where they are, the model digest.
 * Names are relative to the model's folder, so that a manifest checks a
 * copy anywhere (a mirror, another disk). */
#include "manifest.h"

#include "render_value.h"

static void hex_field(jw *w, const char *key, const uint8_t *b, size_t n) {
    char hex[65];
    ck_hex(b, n, hex);
    jw_key(w, key);
    jw_str(w, hex);
}

static void files(jw *w, const ck_model *m, const ck_hash_result *r) {
    jw_key(w, "files");
    jw_arr(w);
    for (uint32_t i = 0; i < m->n_files; i++) {
        const ck_model_file *f = &m->files[i];
        jw_obj(w);
        jw_key(w, "path");
        jw_str(w, f->map.path);
        jw_key(w, "name");
        jw_str(w, ck_model_file_name(m, i));
        jw_key(w, "size");
        jw_uint(w, f->map.size);
        if (r->what & CK_HASH_FILE_SHA256) hex_field(w, "sha256", r->files[i].sha256, 32);
        if (r->what & CK_HASH_FILE_HEADER) {
            jw_key(w, "header_bytes");
            jw_uint(w, f->data_offset < f->map.size ? f->data_offset : f->map.size);
            hex_field(w, "header_sha256", r->files[i].header_sha256, 32);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void tensors(jw *w, const ck_model *m, const ck_hash_result *r) {
    jw_key(w, "tensors");
    jw_arr(w);
    for (size_t i = 0; i < m->n_tensors; i++) {
        const ck_tensor *t = &m->tensors[i];
        jw_obj(w);
        render_tensor_head_json(w, t);
        jw_key(w, "file");
        jw_str(w, ck_model_file_name(m, t->file));
        jw_key(w, "offset");
        jw_uint(w, t->offset);
        jw_key(w, "nbytes");
        jw_uint(w, t->nbytes);
        if (r->what & CK_HASH_TENSOR_XXH3) hex_field(w, "xxh3_128", r->tensors[i].xxh3_128, 16);
        if (r->what & CK_HASH_TENSOR_SHA256) hex_field(w, "sha256", r->tensors[i].sha256, 32);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void manifest_write(jw *w, const ck_model *m, const ck_hash_result *r) {
    jw_obj(w);
    jw_key(w, "schema");
    jw_str(w, "ckpt.hash/1");
    jw_key(w, "path");
    jw_str(w, m->path);
    jw_key(w, "format");
    jw_str(w, ck_format_name(m->format));
    files(w, m, r);
    tensors(w, m, r);
    if (r->what & CK_HASH_MODEL_DIGEST) hex_field(w, "model_digest", r->model_digest, 32);
    jw_obj_end(w);
}
