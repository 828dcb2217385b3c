#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "estimate.h"

#define PAGE 4096ull

static uint64_t round_up(uint64_t v, uint64_t step)
{
	return (v + step - 1) / step * step;
}

/* "6.1.0-57-amd64 (debian-kernel@...) #1 SMP ...": major and minor */
static void parse_version(struct load_kernel *k)
{
	const char *p = k->version;

	while (*p >= '0' && *p <= '9')
		k->major = k->major * 10 + (unsigned)(*p++ - '0');
	if (*p++ != '.')
		return;
	while (*p >= '0' && *p <= '9')
		k->minor = k->minor * 10 + (unsigned)(*p++ - '0');
}

int load_kernel_parse(const unsigned char *head, size_t len, struct load_kernel *k)
{
	size_t v, n = 0;

	memset(k, 0, sizeof *k);
	/* boot.rst: "HdrS" at 0x202, the protocol version at 0x206; init_size
	 * came with 2.10 */
	if (len < 0x264 || memcmp(head + 0x202, "HdrS", 4) || le16_get(head + 0x206) < 0x20a)
		return -SALVAGE_E_NOT_BZIMAGE;
	k->init_size = le32_get(head + 0x260);
	if (!k->init_size)
		return -SALVAGE_E_NOT_BZIMAGE;
	k->file_min = ((uint64_t)(head[0x1f1] ? head[0x1f1] : 4) + 1) * 512 +
	              (uint64_t)le32_get(head + 0x1f4) * 16;
	v = le16_get(head + 0x20e);
	if (v) {
		for (v += 0x200; v + n < len && n < sizeof k->version - 1; n++) {
			unsigned char c = head[v + n];
			if (c <= ' ' || c > '~')
				break;
			k->version[n] = (char)c;
		}
	}
	k->version[n] = 0;
	parse_version(k);
	return 0;
}

static int hex8(const unsigned char *p, uint64_t *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		                  c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (uint64_t)d;
	}
	return 0;
}

/* A newc cpio (docs: the kernel's early-userspace buffer-format.rst): 110
 * bytes of header, the name, padding to 4, the data, padding to 4, up to
 * the entry named TRAILER!!!. Regular files' data in whole pages; *end
 * past the trailer. Returns 1 if it is one and *bytes is set, 0 if not,
 * -errno on a read error. */
static int cpio_files(int fd, uint64_t size, uint64_t *bytes, uint64_t *end)
{
	unsigned char h[110 + 12];
	uint64_t off = 0, mode, filesize, namesize;
	long n;

	*bytes = 0;
	while (off + 110 <= size) {
		if ((n = io_preadall(fd, h, sizeof h, (off_t)off)) < 0)
			return (int)n;
		if (n < 110 || memcmp(h, "07070", 5) || (h[5] != '1' && h[5] != '2') ||
		    hex8(h + 14, &mode) || hex8(h + 54, &filesize) || hex8(h + 94, &namesize))
			return 0;
		if (namesize == 11 && n >= 110 + 11 && !memcmp(h + 110, "TRAILER!!!", 11)) {
			*end = round_up(off + 110 + namesize, 4);
			return 1;
		}
		if ((mode & 0170000) == 0100000)
			*bytes += round_up(filesize, PAGE);
		off = round_up(round_up(off + 110 + namesize, 4) + filesize, 4);
	}
	return 0;
}

/* RFC 8878 3.1.1: the magic, then Frame_Header_Descriptor (bits 7-6 the
 * content size's field size, bit 5 single segment, bits 1-0 the
 * dictionary id's), Window_Descriptor unless single segment,
 * Dictionary_ID, Frame_Content_Size. Returns 1 and sets *bytes if the
 * frame records its content size. */
static int zstd_content_size(const unsigned char *h, size_t len, uint64_t *bytes)
{
	static const unsigned dict_len[4] = { 0, 1, 2, 4 };
	unsigned fcs_flag, single, fcs_len, at;

	if (len < 5 || le32_get(h) != 0xfd2fb528u)
		return 0;
	fcs_flag = h[4] >> 6, single = h[4] >> 5 & 1;
	fcs_len = fcs_flag ? 1u << fcs_flag : single;
	if (!fcs_len)
		return 0;
	at = 5 + !single + dict_len[h[4] & 3];
	if (at + fcs_len > len)
		return 0;
	*bytes = 0;
	for (unsigned i = fcs_len; i-- > 0;)
		*bytes = *bytes << 8 | h[at + i];
	if (fcs_len == 2)
		*bytes += 256;
	return 1;
}

/* What follows an uncompressed cpio from off on (an early cpio, such as
 * microcode, before the compressed main one: the kernel unpacks each
 * archive in turn, NULs between them skipped): the content size of a zstd
 * frame there, else the guess for the rest; 0 for padding alone. */
static int after_cpio(int fd, uint64_t size, uint64_t off, struct load_initrd *i)
{
	unsigned char h[4096];
	uint64_t more;
	long n;
	size_t at = 0;

	if (off >= size)
		return 0;
	if ((n = io_preadall(fd, h, sizeof h, (off_t)off)) < 0)
		return (int)n;
	while (at < (size_t)n && !h[at])
		at++;
	if (at == (size_t)n && off + (uint64_t)n >= size)
		return 0;
	if (zstd_content_size(h + at, (size_t)n - at, &more)) {
		if (more > LOAD_INITRD_MAX)
			return -EFBIG;
	} else {
		more = (size - off - at) * LOAD_UNPACKED_GUESS_FACTOR;
		i->how = LOAD_UNPACKED_GUESS;
	}
	i->unpacked += more;
	return 0;
}

int load_initrd_sizes(int fd, uint64_t size, struct load_initrd *i)
{
	unsigned char h[18];
	long n = io_preadall(fd, h, sizeof h, 0);
	uint64_t end = 0;
	int r;

	if (n < 0)
		return (int)n;
	if (size > LOAD_INITRD_MAX)
		return -EFBIG;
	i->packed = size;
	if (zstd_content_size(h, (size_t)n, &i->unpacked)) {
		i->how = LOAD_UNPACKED_ZSTD;
		return i->unpacked > LOAD_INITRD_MAX ? -EFBIG : 0;
	}
	if ((r = cpio_files(fd, size, &i->unpacked, &end)) < 0)
		return r;
	if (r) {
		i->how = LOAD_UNPACKED_CPIO;
		return after_cpio(fd, size, end, i);
	}
	i->unpacked = size * LOAD_UNPACKED_GUESS_FACTOR;
	i->how = LOAD_UNPACKED_GUESS;
	return 0;
}

void load_initrd_typical(int kind, struct load_initrd *i)
{
	/* docs/crashkernel.md, from docs/shim.md's "Memory in the crash
	 * kernel": the larger of 6.1's and 7.3's, in KiB */
	if (kind == TARGET_TLS) {
		i->packed += 300 << 10;
		i->unpacked += 900 << 10;
	} else if (kind == TARGET_FS || kind == TARGET_RAW) {
		i->packed += 1000 << 10;
		i->unpacked += 4800 << 10;
	}
	i->how = LOAD_UNPACKED_GUESS;
}

/* bench/crashkernel.sh on the 2 GB test guest (docs/shim.md, "Memory in
 * the crash kernel"): the smallest size that dumped, 8 MiB below failed. */
static const struct {
	unsigned major, minor;
	int kind;
	unsigned mib;
} measured[] = {
	{ 6, 1, TARGET_FS, 96 },
	{ 6, 1, TARGET_TLS, 96 },
	{ 7, 3, TARGET_FS, 96 },
	{ 7, 3, TARGET_TLS, 88 },
};

uint64_t load_estimate_measured(const struct load_kernel *k, int kind)
{
	if (kind == TARGET_RAW)
		kind = TARGET_FS;
	for (size_t i = 0; i < sizeof measured / sizeof measured[0]; i++)
		if (measured[i].major == k->major && measured[i].minor == k->minor && measured[i].kind == kind)
			return (uint64_t)measured[i].mib * LOAD_MIB;
	return 0;
}

void load_estimate(const struct load_kernel *k, const struct load_initrd *i, uint64_t floor,
                   uint64_t workers, struct load_estimate *e)
{
	memset(e, 0, sizeof *e);
	e->sum = k->init_size + i->packed + i->unpacked + LOAD_ESTIMATE_RUN + workers;
	e->floor = floor;
	e->workers = workers;
	e->total = round_up(e->sum, LOAD_ESTIMATE_STEP);
	/* the floors were measured with one CPU: no workers */
	if (floor && e->total < floor + workers)
		e->total = round_up(floor + workers, LOAD_ESTIMATE_STEP);
	/* crashkernel=SIZE,cma came with 6.17 */
	e->cma = k->major > 6 || (k->major == 6 && k->minor >= 17);
	e->kexec = k->init_size + i->packed + LOAD_ESTIMATE_KEXEC_EXTRA;
	if (e->cma) {
		e->fixed = round_up(e->kexec, LOAD_ESTIMATE_STEP);
		e->rest = e->total > e->fixed ? e->total - e->fixed : 0;
	}
}
