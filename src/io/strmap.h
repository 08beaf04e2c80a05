/* A hash map from byte strings to 32-bit values, for O(1) lookups of tensor
 * names and metadata keys. Keys are not copied: they must outlive the map. */
#ifndef CK_IO_STRMAP_H
#define CK_IO_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ck_strmap ck_strmap;

ck_strmap *ck_strmap_new(size_t expected);
void ck_strmap_free(ck_strmap *m);

/* Insert key -> val. Returns 1 when inserted, 0 when the key was already
 * there (its value goes to *existing if not NULL), -1 when out of memory. */
int ck_strmap_put(ck_strmap *m, const char *key, size_t len, uint32_t val, uint32_t *existing);

/* Look a key up; false when absent. */
bool ck_strmap_get(const ck_strmap *m, const char *key, size_t len, uint32_t *val);

size_t ck_strmap_count(const ck_strmap *m);

#endif
