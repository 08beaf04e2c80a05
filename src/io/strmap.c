/* Open addressing with linear probing, kept at most half full. */
#include "io/strmap.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

typedef struct slot {
    const char *key;  /* NULL: empty */
    size_t len;
    uint64_t hash;
    uint32_t val;
} slot;

struct ck_strmap {
    slot *slots;
    size_t cap;       /* a power of two */
    size_t count;
};

static size_t cap_for(size_t n) {
    size_t cap = 16;
    while (cap < n * 2 && cap < ((size_t)1 << 62)) cap <<= 1;
    return cap;
}

ck_strmap *ck_strmap_new(size_t expected) {
    ck_strmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->cap = cap_for(expected);
    m->slots = calloc(m->cap, sizeof(slot));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void ck_strmap_free(ck_strmap *m) {
    if (!m) return;
    free(m->slots);
    free(m);
}

static slot *find(slot *slots, size_t cap, const char *key, size_t len, uint64_t h) {
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        slot *s = &slots[i];
        if (!s->key) return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s;
        i = (i + 1) & (cap - 1);
    }
}

static int grow(ck_strmap *m) {
    size_t ncap = m->cap * 2;
    slot *n = calloc(ncap, sizeof(slot));
    if (!n) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        slot *s = &m->slots[i];
        if (s->key) *find(n, ncap, s->key, s->len, s->hash) = *s;
    }
    free(m->slots);
    m->slots = n;
    m->cap = ncap;
    return 0;
}

int ck_strmap_put(ck_strmap *m, const char *key, size_t len, uint32_t val, uint32_t *existing) {
    if (!key) key = "";
    if ((m->count + 1) * 2 > m->cap && grow(m) != 0) return -1;
    uint64_t h = XXH3_64bits(key, len);
    slot *s = find(m->slots, m->cap, key, len, h);
    if (s->key) {
        if (existing) *existing = s->val;
        return 0;
    }
    s->key = key;
    s->len = len;
    s->hash = h;
    s->val = val;
    m->count++;
    return 1;
}

bool ck_strmap_get(const ck_strmap *m, const char *key, size_t len, uint32_t *val) {
    if (!m) return false;
    if (!key) key = "";
    uint64_t h = XXH3_64bits(key, len);
    const slot *s = find(m->slots, m->cap, key, len, h);
    if (!s->key) return false;
    *val = s->val;
    return true;
}

size_t ck_strmap_count(const ck_strmap *m) { return m ? m->count : 0; }
