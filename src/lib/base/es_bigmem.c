#include "es_bigmem.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

static size_t mapped_size(size_t n)
{
	return (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *es_big_alloc(size_t n)
{
	if (n == 0 || n > SIZE_MAX - 2 * HUGE_PAGE)
		return NULL;
	size_t len = mapped_size(n);
	/* map a huge page more, and keep the aligned part */
	unsigned char *raw = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	uintptr_t a = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	unsigned char *p = (unsigned char *)a;
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	size_t tail = (size_t)(raw + len + HUGE_PAGE - (p + len));
	if (tail)
		munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE); /* advice only: no huge pages is fine */
#endif
	/* a write first: a read would map the shared zero page, which the
	 * first write then copies */
	for (size_t o = 0; o < len; o += HUGE_PAGE)
		p[o] = 0;
	return p;
}

void es_big_free(void *p, size_t n)
{
	if (p)
		munmap(p, mapped_size(n));
}
