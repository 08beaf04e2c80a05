/* Opening a model: which format a path holds, and which model a folder holds.
 *
 * The format registry is a table: adding a format is one row here and one
 * reader file. A path is claimed by content first (the GGUF magic), then by
 * name, then by the shape of a safetensors header.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/model.h"
#include "ckpt/rules.h"
#include "gguf.h"
#include "path.h"
#include "safetensors.h"

typedef ck_status (*open_fn)(ck_model **out, const char *path, ck_diag *d);

/* What the first bytes of a file and its name say about its format. */
typedef struct probe {
    const char *path;
    uint8_t head[16];
    size_t n;          /* bytes in head */
    uint64_t size;
} probe;

static bool claims_gguf(const probe *p) {
    return (p->n >= 4 && memcmp(p->head, "GGUF", 4) == 0) || ck_path_ends_with(p->path, ".gguf");
}

static bool claims_index(const probe *p) { return ck_path_ends_with(p->path, ".json"); }

/* A .safetensors name, or an 8-byte length that fits the file followed by
 * JSON. */
static bool claims_safetensors(const probe *p) {
    if (ck_path_ends_with(p->path, ".safetensors")) return true;
    if (p->n < 9) return false;
    uint64_t hlen = ck_load_u64(p->head, false);
    size_t i = 8;
    while (i < p->n && (p->head[i] == ' ' || p->head[i] == '\n' || p->head[i] == '\t' || p->head[i] == '\r')) i++;
    return hlen <= p->size - 8 && i < p->n && p->head[i] == '{';
}

static const struct format_entry {
    const char *name;
    bool (*claims)(const probe *p);
    open_fn open;
} registry[] = {
    {"GGUF", claims_gguf, ck_gguf_open},
    {"safetensors index", claims_index, ck_st_open_index},
    {"safetensors", claims_safetensors, ck_st_open},
};

/* ===== folders ===== */

typedef struct names {
    char **v;
    size_t n, cap;
} names;

static bool names_push(names *l, const char *s) {
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        char **nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv) return false;
        l->v = nv;
        l->cap = ncap;
    }
    size_t len = strlen(s);
    l->v[l->n] = malloc(len + 1);
    if (!l->v[l->n]) return false;
    memcpy(l->v[l->n++], s, len + 1);
    return true;
}

static void names_free(names *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the GGUF files in l (sorted) are the parts of one split, part 1
 * included; *first gets part 1. */
static bool one_split(const names *l, const char **first) {
    size_t plen = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t n = strlen(l->v[i]);
        if (n < 20 || strstr(l->v[i] + n - 20, "-of-") != l->v[i] + n - 14) return false;
        if (i == 0) plen = n - 20;
        else if (n - 20 != plen || strncmp(l->v[i], l->v[0], plen) != 0) return false;
    }
    if (l->n == 0 || strncmp(l->v[0] + plen, "-00001-", 7) != 0) return false;
    *first = l->v[0];
    return true;
}

static ck_status folder_fail(ck_diag *d, const char *dir, const char *what, const names *l) {
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; l && i < l->n && i < 5; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : " (", l->v[i]);
        if (w < 0 || (size_t)w >= sizeof list - used) break;
        used += (size_t)w;
    }
    if (l && l->n) snprintf(list + used, sizeof list - used, "%s)", l->n > 5 ? ", ..." : "");
    ck_where w = {.file = dir, .offset = CK_NO_OFFSET};
    ck_report(d, &CK_RULE_MODEL_FOLDER, CK_ERR_FORMAT, 0, &w, "%s%s; name the model file", what, list);
    return CK_ERR_FORMAT;
}

/* The model file that folder dir holds, in *chosen (malloc'd). */
static ck_status resolve_folder(const char *dir, char **chosen, ck_diag *d) {
    DIR *dh = opendir(dir);
    if (!dh) {
        ck_where w = {.file = dir, .offset = CK_NO_OFFSET};
        ck_report(d, &CK_RULE_IO_OPEN, CK_ERR_IO, 0, &w, "cannot list the folder");
        return CK_ERR_IO;
    }
    names idx = {0}, st = {0}, gg = {0};
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(dh))) {
        if (e->d_name[0] == '.') continue;
        if (ck_path_ends_with(e->d_name, ".safetensors.index.json")) ok = names_push(&idx, e->d_name);
        else if (ck_path_ends_with(e->d_name, ".safetensors")) ok = names_push(&st, e->d_name);
        else if (ck_path_ends_with(e->d_name, ".gguf")) ok = names_push(&gg, e->d_name);
    }
    closedir(dh);
    ck_status r = ok ? CK_OK : CK_ERR_NOMEM;
    names *lists[] = {&idx, &st, &gg};
    for (size_t i = 0; i < 3; i++)
        if (lists[i]->n) qsort(lists[i]->v, lists[i]->n, sizeof(char *), name_cmp);
    const char *pick = NULL;
    if (r != CK_OK) {
    } else if (idx.n > 1) {
        r = folder_fail(d, dir, "the folder holds several safetensors indexes", &idx);
    } else if (idx.n == 1 && gg.n == 0) {
        pick = idx.v[0];
    } else if (idx.n == 0 && st.n == 1 && gg.n == 0) {
        pick = st.v[0];
    } else if (idx.n == 0 && st.n > 1 && gg.n == 0) {
        r = folder_fail(d, dir, "the folder holds several safetensors files and no index", &st);
    } else if (idx.n + st.n == 0 && gg.n > 0) {
        if (gg.n == 1) pick = gg.v[0];
        else if (!one_split(&gg, &pick))
            r = folder_fail(d, dir, "the folder holds several GGUF files (not the parts of one split)", &gg);
    } else if (gg.n > 0) {
        r = folder_fail(d, dir, "the folder holds both safetensors and GGUF files", &gg);
    } else {
        r = folder_fail(d, dir, "the folder holds no .gguf, .safetensors or safetensors index", NULL);
    }
    if (pick) {
        *chosen = ck_path_join(dir, pick);
        if (!*chosen) r = CK_ERR_NOMEM;
    }
    names_free(&idx);
    names_free(&st);
    names_free(&gg);
    return r;
}

/* ===== entry point ===== */

static ck_status probe_file(probe *p, const char *path, ck_diag *d) {
    memset(p, 0, sizeof *p);
    p->path = path;
    ck_file f;
    ck_status st = ck_file_open(&f, path, d);
    if (st != CK_OK) return st;
    p->size = f.size;
    p->n = f.size < sizeof p->head ? (size_t)f.size : sizeof p->head;
    if (p->n) memcpy(p->head, f.data, p->n);
    ck_file_close(&f);
    return CK_OK;
}

ck_status ck_model_open(ck_model **out, const char *path, ck_diag *d) {
    *out = NULL;
    if (ck_path_is_dir(path)) {
        char *file = NULL;
        ck_status st = resolve_folder(path, &file, d);
        if (st != CK_OK) return st;
        st = ck_model_open(out, file, d);
        free(file);
        /* The model is what the user named: the folder. */
        if (st == CK_OK) {
            char *p = strdup(path);
            if (!p) {
                ck_model_free(*out);
                *out = NULL;
                return CK_ERR_NOMEM;
            }
            free((*out)->path);
            (*out)->path = p;
        }
        return st;
    }
    probe p;
    ck_status st = probe_file(&p, path, d);
    if (st != CK_OK) return st;
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (registry[i].claims(&p)) return registry[i].open(out, path, d);
    ck_where w = {.file = path, .offset = 0};
    ck_report(d, &CK_RULE_MODEL_UNKNOWN_FORMAT, CK_ERR_FORMAT, 0, &w,
              "is neither GGUF (no GGUF magic) nor safetensors (no JSON header)");
    return CK_ERR_FORMAT;
}
