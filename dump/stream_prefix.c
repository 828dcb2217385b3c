#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "../lib/crc32c.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "stream.h"
#include "stream_prefix.h"

/* docs/stream-format.md#header: each field has one legal value */
static int header_ok(const unsigned char *h)
{
	if (memcmp(h, DUMP_STREAM_MAGIC, DUMP_STREAM_MAGIC_LEN))
		return -SALVAGE_E_STREAM_BAD_MAGIC;
	if (le32_get(h + 8) != DUMP_STREAM_VERSION)
		return -SALVAGE_E_STREAM_BAD_VERSION;
	return le32_get(h + 12) == DUMP_STREAM_PAGE_SIZE ? 0 : -SALVAGE_E_STREAM_BAD_HEADER;
}

/* docs/stream-format.md#records, #limits: a length no writer emits is
 * the cut (zeroed or stale bytes), not a record */
static int plausible(uint32_t type, uint32_t len)
{
	if (type == DUMP_STREAM_PAGES)
		return len <= DUMP_STREAM_PAGES_HEAD + DUMP_STREAM_MAX_ENTRIES *
		       (DUMP_STREAM_ENTRY_SIZE + DUMP_STREAM_PAGE_SIZE);
	return type && len <= DUMP_STREAM_MAX_META;
}

/* One record at pos, copied to dst while its CRC is computed: its size,
 * 0 when it is not whole (the caller truncates what was copied), or
 * -errno. */
static long record(int src, uint64_t pos, uint64_t end, int dst,
                   unsigned char *buf, size_t bufsize, uint32_t *type)
{
	uint64_t left, size;
	uint32_t crc;
	long n = io_preadall(src, buf, 8, (off_t)pos);
	int r;

	if (n < 0)
		return n;
	if (n < 8)
		return 0;
	*type = le32_get(buf);
	left = le32_get(buf + 4);
	size = DUMP_STREAM_RECORD_OVERHEAD + left;
	if (!plausible(*type, (uint32_t)left) || end - pos < size)
		return 0;
	crc = crc32c(0, buf, 8);
	if ((r = io_writeall(dst, buf, 8)))
		return r;
	for (pos += 8; left; pos += (uint64_t)n, left -= (uint64_t)n) {
		size_t want = left < bufsize ? (size_t)left : bufsize;
		if ((n = io_preadall(src, buf, want, (off_t)pos)) < 0)
			return n;
		if ((size_t)n < want)
			return 0;
		crc = crc32c(crc, buf, want);
		if ((r = io_writeall(dst, buf, want)))
			return r;
	}
	if ((n = io_preadall(src, buf, 4, (off_t)pos)) < 0)
		return n;
	if (n < 4 || le32_get(buf) != crc)
		return 0;
	return (r = io_writeall(dst, buf, 4)) ? r : (long)size;
}

int dump_stream_prefix_copy(int src, uint64_t off, uint64_t end, int dst,
                            void *buf, size_t bufsize, struct dump_stream_prefix *p)
{
	off_t start = lseek(dst, 0, SEEK_CUR);
	uint32_t type = 0;
	long n;
	int r;

	memset(p, 0, sizeof *p);
	if (start < 0)
		return -errno;
	if (end < off + DUMP_STREAM_HEADER_SIZE)
		return -SALVAGE_E_STREAM_BAD_MAGIC;
	if ((n = io_preadall(src, buf, DUMP_STREAM_HEADER_SIZE, (off_t)off)) < 0)
		return (int)n;
	if (n < DUMP_STREAM_HEADER_SIZE)
		return -SALVAGE_E_STREAM_BAD_MAGIC;
	if ((r = header_ok(buf)) || (r = io_writeall(dst, buf, DUMP_STREAM_HEADER_SIZE)))
		return r;
	p->kept = DUMP_STREAM_HEADER_SIZE;
	while (!p->whole) {
		if ((n = record(src, off + p->kept, end, dst, buf, bufsize, &type)) < 0)
			return (int)n;
		if (!n)
			break;
		if (type == DUMP_STREAM_DMESG && !p->dmesg_len) {
			p->dmesg_off = p->kept + 8;
			p->dmesg_len = (uint32_t)n - DUMP_STREAM_RECORD_OVERHEAD;
		}
		p->kept += (uint64_t)n;
		p->records++;
		p->whole = type == DUMP_STREAM_TRAILER;
	}
	return ftruncate(dst, start + (off_t)p->kept) < 0 ? -errno : 0;
}
