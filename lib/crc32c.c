#include <string.h>
#include "crc32c.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>

/* SSE4.2's crc32 instruction computes CRC-32C itself, 8 bytes at a time. */
__attribute__((target("sse4.2")))
static uint32_t hw(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = crc;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
	}
	for (; len; p++, len--)
		c = _mm_crc32_u8((uint32_t)c, *p);
	return (uint32_t)c;
}

static int has_sse42(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
}
#endif

/* Without SSE4.2 (QEMU's default CPU, other architectures): slicing by 8,
 * eight table lookups per 8 bytes. table[k][b] is the CRC of byte b
 * followed by k zero bytes. */
static uint32_t table[8][256];

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
}

static uint32_t sw(uint32_t crc, const unsigned char *p, size_t len)
{
	if (!table[0][1])
		make_table();
	for (; len >= 8; p += 8, len -= 8) {
		uint32_t lo = crc ^ (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)(p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24);
		crc = table[7][lo & 0xff] ^ table[6][lo >> 8 & 0xff] ^
		      table[5][lo >> 16 & 0xff] ^ table[4][lo >> 24] ^
		      table[3][hi & 0xff] ^ table[2][hi >> 8 & 0xff] ^
		      table[1][hi >> 16 & 0xff] ^ table[0][hi >> 24];
	}
	while (len--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
	return ~sw(~crc, buf, len);
}

int crc32c_sse42(void)
{
#if defined(__x86_64__)
	static int cpu = -1;

	if (cpu < 0)
		cpu = has_sse42();
	return cpu;
#else
	return 0;
#endif
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (crc32c_sse42())
		return ~hw(~crc, buf, len);
#endif
	return ~sw(~crc, buf, len);
}
