/* The ckpt manifest parser: the JSON `ckpt hash --json` writes
 * (schema ckpt.hash/1), read as untrusted input into a ck_evidence.
 */
#include "evidence_parse.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/hash.h"
#include "ckpt/rules.h"
#include "io/strmap.h"

/* ===== ckpt manifest (ckpt hash --json) ===== */

static ck_status man_fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ck_status man_fail(parser *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ck_status st = ev_vfail(p, &CK_RULE_EVIDENCE_MANIFEST, CK_NO_OFFSET, fmt, ap);
    va_end(ap);
    return st;
}

/* Fields are named in messages as at + key: at is "" for the top level,
 * "tensors[3]." inside an array. */

static ck_status j_str(parser *p, json_t *o, const char *at, const char *key, const char **out) {
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v) return CK_OK;
    if (!json_is_string(v)) return man_fail(p, "%s%s is not a string", at, key);
    *out = json_string_value(v);
    return CK_OK;
}

static ck_status j_uint(parser *p, json_t *o, const char *at, const char *key, bool *has, uint64_t *out) {
    json_t *v = json_object_get(o, key);
    *has = false;
    if (!v) return CK_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return man_fail(p, "%s%s is not a non-negative integer", at, key);
    *out = (uint64_t)json_integer_value(v);
    *has = true;
    return CK_OK;
}

static ck_status j_hex(parser *p, json_t *o, const char *at, const char *key, size_t nbytes, bool *has,
                       uint8_t *out) {
    json_t *v = json_object_get(o, key);
    *has = false;
    if (!v) return CK_OK;
    if (!json_is_string(v) || !ck_unhex(json_string_value(v), json_string_length(v), out, nbytes))
        return man_fail(p, "%s%s is not %zu hex digits", at, key, 2 * nbytes);
    *has = true;
    return CK_OK;
}

/* Why a relative name from a manifest would leave the model's folder, or
 * NULL. ckpt writes names relative to the folder; anything else is forged. */
static const char *name_escapes(const char *s) {
    if (s[0] == '/') return "is an absolute path";
    for (const char *c = s; *c;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.') return "has a '..' component";
        c += n + (e ? 1 : 0);
    }
    return NULL;
}

static ck_status man_file(parser *p, json_t *f, size_t i, ck_strmap *seen) {
    char at[48];
    snprintf(at, sizeof at, "files[%zu].", i);
    if (!json_is_object(f)) return man_fail(p, "files[%zu] is not an object", i);
    const char *name, *path;
    ck_status st;
    if ((st = j_str(p, f, at, "name", &name)) != CK_OK || (st = j_str(p, f, at, "path", &path)) != CK_OK)
        return st;
    if (!name && path) {
        const char *slash = strrchr(path, '/');
        name = slash ? slash + 1 : path;
    }
    if (!name) return man_fail(p, "files[%zu] has neither name nor path", i);
    if (!*name) return man_fail(p, "files[%zu] has an empty name", i);
    const char *why = name_escapes(name);
    if (why) return man_fail(p, "files[%zu].name '%.*s' %s", i, MSG_NAME, name, why);
    ck_ev_file *e = ev_push_file(p);
    if (!e || !(e->name = ev_dup_bytes(name, strlen(name)))) return CK_ERR_NOMEM;
    int r = ck_strmap_put(seen, e->name, strlen(e->name), (uint32_t)i, NULL);
    if (r < 0) return CK_ERR_NOMEM;
    if (r == 0) return man_fail(p, "files[%zu].name '%.*s' appears twice", i, MSG_NAME, name);
    bool has_hb, has_hs;
    if ((st = j_uint(p, f, at, "size", &e->has_size, &e->size)) != CK_OK ||
        (st = j_hex(p, f, at, "sha256", 32, &e->has_sha256, e->sha256)) != CK_OK ||
        (st = j_uint(p, f, at, "header_bytes", &has_hb, &e->header_bytes)) != CK_OK ||
        (st = j_hex(p, f, at, "header_sha256", 32, &has_hs, e->header_sha256)) != CK_OK)
        return st;
    e->has_header = has_hb && has_hs;
    return CK_OK;
}

static ck_status man_tensor(parser *p, json_t *t, size_t i, ck_strmap *seen) {
    char at[48];
    snprintf(at, sizeof at, "tensors[%zu].", i);
    if (!json_is_object(t)) return man_fail(p, "tensors[%zu] is not an object", i);
    json_t *jn = json_object_get(t, "name");
    if (!jn) return man_fail(p, "tensors[%zu] has no name", i);
    if (!json_is_string(jn)) return man_fail(p, "tensors[%zu].name is not a string", i);
    ck_ev_tensor *e = ev_push_tensor(p);
    if (!e) return CK_ERR_NOMEM;
    /* jansson refuses \u0000 in strings: the length is the C length. */
    if (!(e->name = ev_dup_bytes(json_string_value(jn), json_string_length(jn)))) return CK_ERR_NOMEM;
    int r = ck_strmap_put(seen, e->name, json_string_length(jn), (uint32_t)i, NULL);
    if (r < 0) return CK_ERR_NOMEM;
    if (r == 0) return man_fail(p, "tensors[%zu].name '%.*s' appears twice", i, MSG_NAME, e->name);

    const char *file, *dtype;
    ck_status st;
    if ((st = j_str(p, t, at, "file", &file)) != CK_OK || (st = j_str(p, t, at, "dtype", &dtype)) != CK_OK)
        return st;
    if (file) {
        if (!*file) return man_fail(p, "tensors[%zu].file is empty", i);
        const char *why = name_escapes(file);
        if (why) return man_fail(p, "tensors[%zu].file '%.*s' %s", i, MSG_NAME, file, why);
        if (!(e->file = ev_dup_bytes(file, strlen(file)))) return CK_ERR_NOMEM;
    }
    if (dtype) {
        if (!*dtype) return man_fail(p, "tensors[%zu].dtype is empty", i);
        if (!(e->dtype = ev_dup_bytes(dtype, strlen(dtype)))) return CK_ERR_NOMEM;
    }
    json_t *shape = json_object_get(t, "shape");
    if (shape) {
        if (!json_is_array(shape)) return man_fail(p, "tensors[%zu].shape is not an array", i);
        size_t rank = json_array_size(shape);
        if (rank > UINT32_MAX) return man_fail(p, "tensors[%zu].shape has too many dimensions", i);
        if (!(e->shape = malloc((rank ? rank : 1) * sizeof *e->shape))) return CK_ERR_NOMEM;
        e->rank = (uint32_t)rank;
        for (size_t k = 0; k < rank; k++) {
            json_t *v = json_array_get(shape, k);
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                return man_fail(p, "tensors[%zu].shape[%zu] is not a non-negative integer", i, k);
            e->shape[k] = (int64_t)json_integer_value(v);
        }
    }
    bool has_off, has_nb;
    if ((st = j_uint(p, t, at, "offset", &has_off, &e->offset)) != CK_OK ||
        (st = j_uint(p, t, at, "nbytes", &has_nb, &e->nbytes)) != CK_OK ||
        (st = j_hex(p, t, at, "xxh3_128", 16, &e->has_xxh3, e->xxh3_128)) != CK_OK ||
        (st = j_hex(p, t, at, "sha256", 32, &e->has_sha256, e->sha256)) != CK_OK)
        return st;
    /* Both are below 2^63: their sum cannot wrap. */
    e->has_range = has_off && has_nb;
    return CK_OK;
}

/* One ckpt.hash/1 object. */
static ck_status man_object(parser *p, json_t *root) {
    ck_status st;
    json_t *files = json_object_get(root, "files");
    json_t *tensors = json_object_get(root, "tensors");
    if (!files) return man_fail(p, "has no files array");
    if (!json_is_array(files)) return man_fail(p, "files is not an array");
    if (!tensors) return man_fail(p, "has no tensors array");
    if (!json_is_array(tensors)) return man_fail(p, "tensors is not an array");
    const char *s;
    if ((st = j_str(p, root, "", "path", &s)) != CK_OK || (st = j_str(p, root, "", "format", &s)) != CK_OK)
        return st;
    if ((st = j_hex(p, root, "", "model_digest", 32, &p->ev->has_model_digest, p->ev->model_digest)) != CK_OK)
        return st;

    size_t nf = json_array_size(files), nt = json_array_size(tensors);
    ck_strmap *seen_f = ck_strmap_new(nf), *seen_t = ck_strmap_new(nt);
    st = seen_f && seen_t ? CK_OK : CK_ERR_NOMEM;
    for (size_t i = 0; i < nf && st == CK_OK; i++) st = man_file(p, json_array_get(files, i), i, seen_f);
    for (size_t i = 0; i < nt && st == CK_OK; i++) st = man_tensor(p, json_array_get(tensors, i), i, seen_t);
    ck_strmap_free(seen_f);
    ck_strmap_free(seen_t);
    return st;
}

/* The schema of a JSON value: its "schema" string, or NULL. */
static const char *schema_of(json_t *v) {
    json_t *s = json_is_object(v) ? json_object_get(v, "schema") : NULL;
    return json_is_string(s) ? json_string_value(s) : NULL;
}

static bool is_manifest(json_t *v) {
    const char *s = schema_of(v);
    return s && strcmp(s, "ckpt.hash/1") == 0;
}

ck_status ev_parse_manifest(parser *p, const char *data, size_t size) {
    p->ev->kind = CK_EV_MANIFEST;
    json_error_t err;
    json_t *root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return ev_fail(p, &CK_RULE_EVIDENCE_MANIFEST, (int64_t)(p->base + (size_t)err.position),
                    "is not valid JSON: %s (line %d, column %d)", err.text, err.line, err.column);
    ck_status st;
    json_t *one = root;
    if (json_is_array(root)) {
        size_t n = json_array_size(root), manifests = 0;
        for (size_t i = 0; i < n; i++) manifests += is_manifest(json_array_get(root, i));
        one = n == 1 && manifests == 1 ? json_array_get(root, 0) : NULL;
        if (!one) {
            st = n > 1 && manifests == n ? man_fail(p, "describes %zu models; verify against one", n)
                                         : man_fail(p, "is a JSON array, not a ckpt manifest");
            json_decref(root);
            return st;
        }
    }
    const char *schema = schema_of(one);
    if (!schema)
        st = man_fail(p, "is JSON without \"schema\": \"ckpt.hash/1\": not a ckpt manifest");
    else if (strcmp(schema, "ckpt.hash/1") != 0)
        st = man_fail(p, "has schema '%.*s', not ckpt.hash/1: not a ckpt manifest", MSG_NAME, schema);
    else
        st = man_object(p, one);
    json_decref(root);
    return st;
}
