/* A bump allocator: many small allocations, one owner, one free. */
#ifndef CK_IO_ARENA_H
#define CK_IO_ARENA_H

#include <stddef.h>

typedef struct ck_arena ck_arena;

ck_arena *ck_arena_new(void);
void ck_arena_free(ck_arena *a);
/* n bytes aligned to 16, or NULL when out of memory or n is absurd. */
void *ck_arena_alloc(ck_arena *a, size_t n);
/* A NUL-terminated copy of n bytes. */
char *ck_arena_strndup(ck_arena *a, const char *s, size_t n);

#endif
