/* A bump allocator: many small allocations, one owner, one free. */
#include "io/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

struct ck_arena {
    chunk *head;
};

#define CHUNK_MIN (64 * 1024)

ck_arena *ck_arena_new(void) { return calloc(1, sizeof(ck_arena)); }

void ck_arena_free(ck_arena *a) {
    if (!a) return;
    for (chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void *ck_arena_alloc(ck_arena *a, size_t n) {
    if (n > SIZE_MAX / 2) return NULL;
    n = (n + 15) & ~(size_t)15;
    chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        chunk *nc = malloc(sizeof(chunk) + cap);
        if (!nc) return NULL;
        nc->used = 0;
        nc->cap = cap;
        /* A big allocation gets its own chunk behind the current one, so the
         * free space of the current chunk is not wasted. */
        if (c && n > CHUNK_MIN) {
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            a->head = nc;
        }
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

char *ck_arena_strndup(ck_arena *a, const char *s, size_t n) {
    if (n == SIZE_MAX) return NULL;
    char *r = ck_arena_alloc(a, n + 1);
    if (!r) return NULL;
    if (n) memcpy(r, s, n);
    r[n] = 0;
    return r;
}
