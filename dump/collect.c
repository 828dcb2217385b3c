#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h> /* BLKGETSIZE64 */
#include <sys/stat.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "../lib/log.h"
#include "collect.h"
#include "copy.h"
#include "raw_header.h"
#include "stream_prefix.h"

/* The names a dump has: the unfiltered ELF vmcore, or the salvage stream
 * (docs/raw-target.md); one its writer did not finish has .partial after
 * them (what dump_fs_begin leaves, and what a partial collect writes). */
static const char *const names[] = { "vmcore", "vmcore.salvage" };
static const char *const partial_names[] = { "vmcore.partial", "vmcore.salvage.partial" };

struct out {
	char tmp[512], dir[512];
	int fd;
};

/* Opens outdir/.NAME.tmp: an interrupted collect never leaves a
 * plausible-looking file. */
static int out_open(struct out *o, const char *outdir, const char *name)
{
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(o->dir, sizeof o->dir, "%s", outdir);
	snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp", outdir, name);
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	return o->fd < 0 ? -errno : 0;
}

/* Publishes the file as outdir/name once e (its writing) is 0. */
static int out_commit(struct out *o, int e, const char *name)
{
	char final[576];

	snprintf(final, sizeof final, "%s/%s", o->dir, name);
	return io_commit(AT_FDCWD, o->fd, e, o->tmp, final);
}

/* Copies len bytes of src from src_off into outdir/name. */
static int save(int src, off_t src_off, uint64_t len, const char *outdir,
                const char *name, void *buf, size_t bufsize)
{
	struct out o;
	int r;

	if (lseek(src, src_off, SEEK_SET) < 0)
		return -errno;
	if ((r = out_open(&o, outdir, name)))
		return r;
	r = out_commit(&o, dump_copy(src, o.fd, 0, len, buf, bufsize, "collect"), name);
	if (!r)
		log_info("saved ", outdir, "/", name, " (", U64(len), " bytes)");
	return r;
}

/* outdir/PARTIAL: what was kept of a dump its writer did not finish. */
static int say_partial(const char *outdir, const char *text)
{
	char path[576], line[1024];
	int n = snprintf(line, sizeof line, "%s\n", text);

	snprintf(path, sizeof path, "%s/PARTIAL", outdir);
	log_warn("partial dump: ", text);
	return io_writefile(path, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

/* A stream whose writer did not finish: its sound prefix
 * (dump/stream_prefix.h) as vmcore.salvage.partial and its log as
 * dmesg.txt; vmcore.salvage when the trailer was written after all. */
static int stream_partial(int src, uint64_t off, uint64_t end, const char *outdir,
                          const char *why, void *buf, size_t bufsize)
{
	struct dump_stream_prefix p;
	struct out o;
	char text[1024];
	int r;

	if ((r = out_open(&o, outdir, names[1])))
		return r;
	r = dump_stream_prefix_copy(src, off, end, o.fd, buf, bufsize, &p);
	if ((r = out_commit(&o, r, p.whole ? names[1] : partial_names[1])))
		return r;
	if (p.whole) {
		log_info(why, ", but the stream is whole up to its trailer: saved ",
		         outdir, "/", names[1]);
		return 0;
	}
	if (p.dmesg_len &&
	    (r = save(src, (off_t)(off + p.dmesg_off), p.dmesg_len, outdir, "dmesg.txt", buf, bufsize)))
		return r;
	snprintf(text, sizeof text, "%s: %s holds the stream's first %llu bytes, its header "
	         "and %llu whole records%s; the rest was never written or is damaged",
	         why, partial_names[1], (unsigned long long)p.kept, (unsigned long long)p.records,
	         p.dmesg_len ? " (the log among them: dmesg.txt)" : " (no log among them)");
	return (r = say_partial(outdir, text)) ? r : DUMP_COLLECT_PARTIAL;
}

/* How far an ELF vmcore at off reaches by its program headers; 0 when
 * the bytes there are not one. */
static uint64_t elf_extent(int src, uint64_t off, unsigned char *b, size_t bufsize)
{
	uint64_t phoff, ext;
	unsigned phent, phnum;

	if (io_preadall(src, b, 64, (off_t)off) != 64 || memcmp(b, "\177ELF\2\1", 6))
		return 0;
	phoff = le64_get(b + 32);
	phent = b[54] | (unsigned)b[55] << 8;
	phnum = b[56] | (unsigned)b[57] << 8;
	if (phent != 56 || (size_t)phnum * 56 > bufsize || phoff > (1ull << 40) ||
	    io_preadall(src, b, (size_t)phnum * 56, (off_t)(off + phoff)) != (long)phnum * 56)
		return 0;
	ext = phoff + (uint64_t)phnum * 56;
	for (unsigned i = 0; i < phnum; i++) {
		uint64_t o = le64_get(b + i * 56 + 8), n = le64_get(b + i * 56 + 32);
		if (o > (1ull << 56) || n > (1ull << 56))
			return 0;
		ext = o + n > ext ? o + n : ext;
	}
	return ext;
}

/* An ELF vmcore whose copy did not finish: no checksums say how far it
 * got, so all its program headers cover is kept, as vmcore.partial. */
static int elf_partial(int src, uint64_t off, uint64_t end, const char *outdir,
                       const char *why, void *buf, size_t bufsize)
{
	uint64_t len = elf_extent(src, off, buf, bufsize);
	char text[1024];
	int r;

	if (!len)
		return -SALVAGE_E_RAW_INCOMPLETE;
	len = len < end - off ? len : end - off;
	if ((r = save(src, (off_t)off, len, outdir, partial_names[0], buf, bufsize)))
		return r;
	snprintf(text, sizeof text, "%s: %s holds the %llu bytes its ELF headers cover; an ELF "
	         "copy has no checksums, so the bytes past where the writer stopped are "
	         "whatever was there before", why, partial_names[0], (unsigned long long)len);
	return (r = say_partial(outdir, text)) ? r : DUMP_COLLECT_PARTIAL;
}

/* Where the bytes of a raw device or image end. */
static int source_end(int fd, uint64_t *end)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, end) < 0 ? -errno : 0;
	*end = (uint64_t)st.st_size;
	return 0;
}

/* A COMPLETE header whose dump lies within the device, past the header. */
static int fits(const struct dump_raw_header *h, uint64_t end)
{
	return h->data_length && h->data_offset >= DUMP_RAW_HEADER_SIZE && h->data_offset <= end &&
	       h->data_length <= end - h->data_offset;
}

static int collect_raw(int fd, const char *outdir, void *buf, size_t bufsize)
{
	unsigned char b[DUMP_RAW_HEADER_SIZE];
	struct dump_raw_header h;
	const char *why = "the crash kernel did not finish writing (raw header WRITING)";
	uint64_t end;
	long n = io_preadall(fd, b, sizeof b, 0);
	int r;

	if (n < 0)
		return (int)n;
	if (n < (long)sizeof b)
		return -SALVAGE_E_RAW_BAD_MAGIC;
	if ((r = dump_raw_header_decode(&h, b)))
		return r;
	if (h.collected)
		return -SALVAGE_E_RAW_COLLECTED;
	if ((r = source_end(fd, &end)))
		return r;
	if (h.state == DUMP_RAW_COMPLETE && fits(&h, end))
		return save(fd, (off_t)h.data_offset, h.data_length, outdir,
		            names[h.format == DUMP_RAW_FORMAT_STREAM], buf, bufsize);
	/* a device cut short (an image copied in part, a partition shrunk):
	 * what it holds is read as from a writer that stopped, not refused
	 * whole at every boot */
	if (h.state == DUMP_RAW_COMPLETE)
		why = "the raw header says COMPLETE but its dump does not lie within the device";
	if (end <= h.data_offset)
		return -SALVAGE_E_RAW_INCOMPLETE;
	if (h.format == DUMP_RAW_FORMAT_STREAM)
		r = stream_partial(fd, h.data_offset, end, outdir, why, buf, bufsize);
	else if (h.format == DUMP_RAW_FORMAT_ELF)
		r = elf_partial(fd, h.data_offset, end, outdir, why, buf, bufsize);
	else
		r = -SALVAGE_E_RAW_INCOMPLETE;
	/* a stream that does not even start: nothing to keep */
	return r == -SALVAGE_E_STREAM_BAD_MAGIC || r == -SALVAGE_E_STREAM_BAD_VERSION ||
	       r == -SALVAGE_E_STREAM_BAD_HEADER ? -SALVAGE_E_RAW_INCOMPLETE : r;
}

/* The first of names[] (or partial_names[]) in dir: its index, or -1. */
static int dump_in(const char *dir, const char *const *which, char *out, size_t outlen)
{
	struct stat st;

	for (unsigned i = 0; i < 2; i++) {
		snprintf(out, outlen, "%s/%s", dir, which[i]);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return (int)i;
	}
	return -1;
}

/* A dump directory holds a complete "vmcore" or "vmcore.salvage" (a
 * .partial is never taken here); dump_fs_write names them by UTC time, so
 * the greatest name is the newest. */
static int newest_dump(const char *dir, char *out, size_t outlen)
{
	char path[512], best[256] = "";
	struct dirent *e;
	DIR *d;
	int kind;

	if ((kind = dump_in(dir, names, out, outlen)) >= 0)
		return kind;
	if (!(d = opendir(dir)))
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, best) <= 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (dump_in(path, names, out, outlen) >= 0)
			snprintf(best, sizeof best, "%s", e->d_name);
	}
	closedir(d);
	if (!best[0])
		return -SALVAGE_E_NO_DUMP;
	snprintf(path, sizeof path, "%s/%s", dir, best);
	return dump_in(path, names, out, outlen);
}

/* A dump directory holding only what the crash kernel did not finish. */
static int collect_partial_file(const char *file, int kind, const char *outdir,
                                void *buf, size_t bufsize)
{
	char why[640];
	struct stat st;
	int fd = open(file, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	snprintf(why, sizeof why, "the crash kernel did not finish %s", file);
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (kind)
		r = stream_partial(fd, 0, (uint64_t)st.st_size, outdir, why, buf, bufsize);
	else
		r = elf_partial(fd, 0, (uint64_t)st.st_size, outdir, why, buf, bufsize);
	close(fd);
	return r == -SALVAGE_E_STREAM_BAD_MAGIC || r == -SALVAGE_E_STREAM_BAD_VERSION ||
	       r == -SALVAGE_E_STREAM_BAD_HEADER ? -SALVAGE_E_RAW_INCOMPLETE : r;
}

static int collect_dir(const char *dir, const char *outdir, void *buf, size_t bufsize)
{
	char file[512];
	struct stat st;
	int kind = newest_dump(dir, file, sizeof file), fd, r;

	if (kind == -SALVAGE_E_NO_DUMP &&
	    (kind = dump_in(dir, partial_names, file, sizeof file)) >= 0)
		return collect_partial_file(file, kind, outdir, buf, bufsize);
	if (kind < 0)
		return kind == -1 ? -SALVAGE_E_NO_DUMP : kind;
	log_info("collecting ", file);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else
		r = save(fd, 0, (uint64_t)st.st_size, outdir, names[kind], buf, bufsize);
	close(fd);
	return r;
}

int dump_collect(const char *source, const char *outdir, void *buf, size_t bufsize)
{
	struct stat st;
	int fd, r;

	if (stat(source, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return collect_dir(source, outdir, buf, bufsize);
	if ((fd = open(source, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	r = collect_raw(fd, outdir, buf, bufsize);
	close(fd);
	return r;
}
