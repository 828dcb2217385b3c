#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"

int grow(void *arrayp, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t want = *cap ? 2 * *cap : first;
	void *old, *p;

	if (n < *cap)
		return 0;
	if (want > SIZE_MAX / elem)
		return -ENOMEM;
	memcpy(&old, arrayp, sizeof old);
	if (!(p = realloc(old, want * elem)))
		return -ENOMEM;
	memcpy(arrayp, &p, sizeof p);
	*cap = want;
	return 0;
}
