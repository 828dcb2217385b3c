/* Growing a heap array, for host-side code only (the crash kernel's dump
 * path allocates nothing). */
#ifndef SALVAGE_GROW_H
#define SALVAGE_GROW_H
#include <stddef.h>

/* Makes room for element n of the array whose pointer is at arrayp (a
 * `T **`), elem bytes each: when n == *cap the capacity doubles (from
 * first). 0, or -ENOMEM with the array unchanged. */
int grow(void *arrayp, size_t *cap, size_t n, size_t elem, size_t first);

#endif
