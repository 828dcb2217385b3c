/* The receiver's dump directories (docs/protocol.md#storage). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "../dump/convert.h"
#include "../dump/kdump_write.h"
#include "../dump/mem.h"
#include "../dump/stream.h"
#include "../dump/stream_read.h"
#include "../lib/crc32c.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "dumpindex.h"
#include "signature.h"
#include "store.h"
#include "../net/key.h"

#define PARTIAL "vmcore.salvage.partial"
#define STREAM "vmcore.salvage"
#define META "salvage.meta"
#define VMCORE "vmcore"
#define ROOM (64u << 10)
#define CLIENT_META 512

/* Appends "key=value\n" to buf while it stays under cap bytes, value cut
 * at 200 bytes and to printable ASCII: client text never shapes the file. */
static void meta_put(char *buf, size_t cap, const char *key, const char *v, size_t n)
{
	size_t len = strlen(buf), k = strlen(key);

	if (len + k + 3 + (n > 200 ? 200 : n) > cap)
		return;
	memcpy(buf + len, key, k);
	len += k;
	buf[len++] = '=';
	for (size_t i = 0; i < n && i < 200; i++)
		buf[len++] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	buf[len++] = '\n';
	buf[len] = 0;
}

static void meta_str(char *buf, size_t cap, const char *key, const char *v)
{
	meta_put(buf, cap, key, v, strlen(v));
}

/* HELLO's lines become client.KEY=VALUE; keys are [a-z0-9_], at most 32,
 * and all of them at most CLIENT_META bytes, so the receiver's own lines
 * always fit. */
static void meta_client(char *buf, const char *m, size_t len)
{
	const char *end = m + len;
	size_t cap = strlen(buf) + CLIENT_META;

	while (m < end) {
		const char *nl = memchr(m, '\n', (size_t)(end - m)), *eol = nl ? nl : end;
		const char *eq = memchr(m, '=', (size_t)(eol - m));
		char key[48] = "client.";
		size_t k = eq ? (size_t)(eq - m) : 0, i;

		for (i = 0; i < k && k <= 32; i++)
			if (!((m[i] >= 'a' && m[i] <= 'z') || (m[i] >= '0' && m[i] <= '9') || m[i] == '_'))
				break;
		if (k && k <= 32 && i == k) {
			memcpy(key + 7, m, k);
			key[7 + k] = 0;
			meta_put(buf, cap, key, eq + 1, (size_t)(eol - eq - 1));
		}
		m = nl ? nl + 1 : end;
	}
}

static void meta_sha(char *buf, size_t cap, const char *key, const unsigned char h[NET_SHA256_LEN])
{
	char hex[2 * NET_SHA256_LEN + 1];

	meta_str(buf, cap, key, net_hex(hex, h, NET_SHA256_LEN));
}

static int write_meta(struct net_store *d)
{
	char buf[NET_STORE_META_MAX + 1024];
	unsigned char h[NET_SHA256_LEN];
	size_t cap = sizeof buf;
	int fd;

	/* the fixed lines are bounded (CLIENT_META), so these always fit */
	strcpy(buf, d->info);
	meta_str(buf, cap, "client", d->peer);
	meta_str(buf, cap, "state", d->state);
	meta_str(buf, cap, "bytes", U64(d->durable));
	meta_str(buf, cap, "bytes_crc32c", HEX(d->durable_crc));
	net_store_prefix_sha(d, h);
	meta_sha(buf, cap, "bytes_sha256", h);
	if (!d->complete) {
		/* docs/protocol.md#storage: the hash's state at the last
		 * 64-byte block boundary, so a resume reads at most 63 bytes */
		br_sha256_state(&d->durable_sha, h);
		meta_sha(buf, cap, "bytes_sha256_mid", h);
	}
	if (d->complete) {
		meta_str(buf, cap, "total", U64(d->total));
		meta_str(buf, cap, "crc32c", HEX(d->total_crc));
		meta_sha(buf, cap, "sha256", d->total_sha);
	}
	if (d->reason[0])
		meta_str(buf, cap, "reason", d->reason);
	if (d->note[0])
		meta_str(buf, cap, "note", d->note);
	/* a new file renamed over the old: a reader never sees half of one */
	fd = openat(d->dirfd, META ".new", O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	return io_commit(d->dirfd, fd, io_writeall(fd, buf, strlen(buf)), META ".new", META);
}

/* The value of key in a salvage.meta text, copied into out. */
static int meta_get(const char *text, const char *key, char *out, size_t size)
{
	size_t k = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, k) && p[k] == '=') {
			const char *v = p + k + 1, *nl = strchr(v, '\n');
			size_t n = nl ? (size_t)(nl - v) : strlen(v);
			if (n >= size)
				return -1;
			memcpy(out, v, n);
			out[n] = 0;
			return 0;
		}
	}
	return -1;
}

/* Bytes [off, n) of fd into the CRC (if crc is not NULL) and the hash. */
static int sum_range(int fd, uint64_t off, uint64_t n, uint32_t *crc, br_sha256_context *sha)
{
	static unsigned char b[1 << 16];

	while (off < n) {
		long r = io_preadall(fd, b, n - off < sizeof b ? (size_t)(n - off) : sizeof b, (off_t)off);
		if (r <= 0)
			return r < 0 ? (int)r : -SALVAGE_E_SHORT_FILE;
		if (crc)
			*crc = crc32c(*crc, b, (size_t)r);
		br_sha256_update(sha, b, (size_t)r);
		off += (uint64_t)r;
	}
	return 0;
}

/* The CRC and the hash of the first n bytes of fd, read again. */
static int sum_prefix(int fd, uint64_t n, uint32_t *crc, br_sha256_context *sha)
{
	*crc = 0;
	br_sha256_init(sha);
	return sum_range(fd, 0, n, crc, sha);
}

/* The sums of the durable prefix from the metadata: the CRC as recorded,
 * the hash from its state at the last block boundary and the (at most 63)
 * bytes after it in the file, checked against the recorded hash. 0, or -1
 * when anything is missing or disagrees: then the file is read again. */
static int sums_from_meta(struct net_store *d, const char *text)
{
	char v[2 * NET_SHA256_LEN + 1];
	unsigned char mid[NET_SHA256_LEN], want[NET_SHA256_LEN], got[NET_SHA256_LEN];
	uint64_t block = d->durable & ~(uint64_t)63;

	if (meta_get(text, "bytes_crc32c", v, sizeof v))
		return -1;
	d->crc = (uint32_t)strtoul(v, NULL, 16);
	if (meta_get(text, "bytes_sha256_mid", v, sizeof v) || strlen(v) != 2 * NET_SHA256_LEN ||
	    net_unhex(mid, v, NET_SHA256_LEN) ||
	    meta_get(text, "bytes_sha256", v, sizeof v) || strlen(v) != 2 * NET_SHA256_LEN ||
	    net_unhex(want, v, NET_SHA256_LEN))
		return -1;
	br_sha256_init(&d->sha);
	br_sha256_set_state(&d->sha, mid, block);
	if (sum_range(d->fd, block, d->durable, NULL, &d->sha))
		return -1;
	br_sha256_out(&d->sha, got);
	return memcmp(got, want, NET_SHA256_LEN) ? -1 : 0;
}

static int is_dynamic(const char *line)
{
	static const char *const keys[] = { "state=", "bytes=", "bytes_crc32c=", "bytes_sha256=",
	                                    "bytes_sha256_mid=", "total=", "crc32c=", "sha256=",
	                                    "reason=", "client=", "note=" };

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strncmp(line, keys[i], strlen(keys[i])))
			return 1;
	return 0;
}

/* A file of a dump directory, opened only if it is a regular file: a FIFO
 * or a device planted there must not block the receiver's loop (O_NONBLOCK
 * keeps open() of a FIFO from waiting for a writer). */
static int open_regular(int dirfd, const char *name, int flags)
{
	struct stat st;
	int fd = openat(dirfd, name, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), e;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		e = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		e = -EINVAL;
	} else {
		/* back to blocking I/O (a regular file's never waits anyway) */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		return fd;
	}
	close(fd);
	return e;
}

static long read_meta(int dirfd, char *buf, size_t size)
{
	int fd = open_regular(dirfd, META, O_RDONLY);
	long n;

	if (fd < 0)
		return fd;
	n = io_readall(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/* The complete stream after a crash between its rename and the metadata
 * that says so: its length and CRC from the file itself. */
static int complete_from_file(struct net_store *d)
{
	struct stat st;
	int fd = open_regular(d->dirfd, STREAM, O_RDONLY), e;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		e = -errno;
	else
		e = sum_prefix(fd, (uint64_t)st.st_size, &d->total_crc, &d->sha);
	close(fd);
	if (e)
		return e;
	d->total = d->end = d->durable = (uint64_t)st.st_size;
	d->durable_crc = d->crc = d->total_crc;
	br_sha256_out(&d->sha, d->total_sha);
	d->durable_sha = d->sha;
	d->complete = 1;
	strcpy(d->state, "complete");
	return 0;
}

/* Picks up an earlier dump: its fixed lines, and its partial file cut back
 * to the last durable offset (bytes after it were never acknowledged). */
static int resume(struct net_store *d, const char *text)
{
	char v[2 * NET_SHA256_LEN + 1], state[16] = "";
	struct stat st;
	int e, have_sums = 0;

	d->info[0] = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (!is_dynamic(p) && strlen(d->info) + n < sizeof d->info)
			strncat(d->info, p, n);
		p += n;
	}
	meta_get(text, "state", state, sizeof state);
	meta_get(text, "client", d->peer, sizeof d->peer);
	meta_get(text, "note", d->note, sizeof d->note);
	if (!strcmp(state, "complete") || !strcmp(state, "stored") || !strcmp(state, "unconverted")) {
		if (meta_get(text, "total", v, sizeof v))
			return -SALVAGE_E_SHORT_FILE;
		d->total = d->end = d->durable = strtoull(v, NULL, 10);
		if (meta_get(text, "crc32c", v, sizeof v))
			return -SALVAGE_E_SHORT_FILE;
		d->total_crc = d->durable_crc = d->crc = (uint32_t)strtoul(v, NULL, 16);
		if (meta_get(text, "sha256", v, sizeof v) || strlen(v) != 2 * NET_SHA256_LEN ||
		    net_unhex(d->total_sha, v, NET_SHA256_LEN)) {
			/* recorded by a receiver of protocol version 1: hash the
			 * stream if it is still there; a converted one stays
			 * unconfirmable (all zeros match no client's hash) */
			if (!strcmp(state, "complete"))
				return complete_from_file(d);
			memset(d->total_sha, 0, sizeof d->total_sha);
		}
		d->complete = 1;
		strcpy(d->state, state);
		return 0;
	}
	d->durable = meta_get(text, "bytes", v, sizeof v) ? 0 : strtoull(v, NULL, 10);
	d->fd = open_regular(d->dirfd, PARTIAL, O_RDWR);
	if (d->fd < 0)
		return d->fd == -ENOENT ? complete_from_file(d) : d->fd;
	if (fstat(d->fd, &st) < 0)
		return -errno;
	/* never extend: a file shorter than the metadata says is resumed
	 * from what it holds, its sums computed again; otherwise they come
	 * from the metadata (a long read avoided) */
	if ((uint64_t)st.st_size < d->durable)
		d->durable = (uint64_t)st.st_size;
	else
		have_sums = !sums_from_meta(d, text);
	if (ftruncate(d->fd, (off_t)d->durable) < 0)
		return -errno;
	if (!have_sums && (e = sum_prefix(d->fd, d->durable, &d->crc, &d->sha)))
		return e;
	d->durable_crc = d->crc;
	d->durable_sha = d->sha;
	d->end = d->durable;
	return 0;
}

/* key's value in a salvage.meta text as a decimal number: 0, or -1 when
 * it is missing or anything but digits. */
static int meta_u64(const char *text, const char *key, uint64_t *out)
{
	char v[24], *end;

	if (meta_get(text, key, v, sizeof v) || v[0] < '0' || v[0] > '9')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return *end || errno ? -1 : 0;
}

static int is_regular(int dirfd, const char *name)
{
	struct stat st;

	return !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode);
}

/* Whether an earlier dump can be taken up again: its lengths are numbers,
 * and a dump not complete still has its file. One whose metadata was
 * damaged, or whose file was removed by hand (to make room), is left as it
 * is and the dump starts anew: resuming it would cut its file back to a
 * length misread (to nothing), or fail every HELLO of this dump id. */
static int resumable(int dirfd, const char *text)
{
	char state[16] = "", crc[16];
	uint64_t n;

	meta_get(text, "state", state, sizeof state);
	if (!strcmp(state, "complete") || !strcmp(state, "stored") || !strcmp(state, "unconverted"))
		return !meta_u64(text, "total", &n) && !meta_get(text, "crc32c", crc, sizeof crc);
	return !meta_u64(text, "bytes", &n) && (is_regular(dirfd, PARTIAL) || is_regular(dirfd, STREAM));
}

/* The index of a host directory an older receiver left without one: the
 * id of every dump there from its metadata, read once, then the index
 * renamed into place whole (docs/protocol.md#storage). */
static int index_build(int hostfd, char *text, size_t size)
{
	DIR *dir;
	struct dirent *de;
	char v[2 * NET_DUMP_ID_LEN + 1];
	int dup, ixfd, e = 0;

	if (mkdirat(hostfd, NET_DUMPINDEX ".new", 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((ixfd = openat(hostfd, NET_DUMPINDEX ".new", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	if ((dup = fcntl(hostfd, F_DUPFD_CLOEXEC, 0)) < 0 || !(dir = fdopendir(dup))) {
		e = -errno;
		if (dup >= 0)
			close(dup);
		close(ixfd);
		return e;
	}
	while (!e && (de = readdir(dir))) {
		int fd;
		if (de->d_name[0] == '.' || strlen(de->d_name) >= NET_DUMPINDEX_NAME)
			continue;
		fd = openat(hostfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read_meta(fd, text, size) > 0 && !meta_get(text, "dump_id", v, sizeof v) &&
		    strlen(v) == 2 * NET_DUMP_ID_LEN && !strchr(v, '/'))
			e = net_dumpindex_put(ixfd, v, de->d_name);
		close(fd);
	}
	closedir(dir);
	close(ixfd);
	/* each entry is durable (net_dumpindex_put): publish the whole */
	return e ? e : io_publish(hostfd, NET_DUMPINDEX ".new", NET_DUMPINDEX);
}

/* An earlier dump of this id under hostfd, found through the index: 1 and
 * its directory in d (name in d->rel), or 0. A directory removed by hand,
 * or one whose metadata names another id, is no earlier dump. */
static int find(int hostfd, const char *idhex, struct net_store *d, char *text, size_t size)
{
	char name[NET_DUMPINDEX_NAME], v[2 * NET_DUMP_ID_LEN + 1];
	int ixfd = net_dumpindex_open(hostfd), fd, e;

	if (ixfd == -ENOENT && !(e = index_build(hostfd, text, size)))
		ixfd = net_dumpindex_open(hostfd);
	else if (ixfd == -ENOENT)
		return e;
	if (ixfd < 0)
		return ixfd;
	e = net_dumpindex_get(ixfd, idhex, name, sizeof name);
	close(ixfd);
	if (e)
		return e == -ENOENT || e == -EINVAL ? 0 : e;
	if ((fd = openat(hostfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (read_meta(fd, text, size) <= 0 || meta_get(text, "dump_id", v, sizeof v) || strcmp(v, idhex)) {
		close(fd);
		return 0;
	}
	if (!resumable(fd, text)) {
		log_warn("receive: ", d->rel, name, ": its metadata is damaged or its file is gone; "
		         "left as it is, the dump starts anew");
		close(fd);
		return 0;
	}
	d->dirfd = fd;
	snprintf(d->rel + strlen(d->rel), sizeof d->rel - strlen(d->rel), "%s", name);
	return 1;
}

/* Records a new dump's directory in the index, durably, before any of
 * its bytes are acknowledged. */
static int index_add(int hostfd, const char *idhex, const char *name)
{
	int ixfd = net_dumpindex_open(hostfd), e;

	if (ixfd < 0)
		return ixfd;
	e = net_dumpindex_put(ixfd, idhex, name);
	close(ixfd);
	return e;
}

/* A new directory named after the receiver's UTC clock. */
static int create(int hostfd, struct net_store *d)
{
	char name[32];
	time_t t = time(NULL);
	struct tm tm;
	size_t base = strlen(d->rel);

	gmtime_r(&t, &tm);
	strftime(name, sizeof name, "%Y%m%dT%H%M%SZ", &tm);
	for (int i = 2; mkdirat(hostfd, name, 0700) < 0; i++) {
		if (errno != EEXIST || i > 99)
			return -errno;
		snprintf(name + 16, sizeof name - 16, "-%d", i);
	}
	snprintf(d->rel + base, sizeof d->rel - base, "%s", name);
	if ((d->dirfd = openat(hostfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	d->fd = openat(d->dirfd, PARTIAL, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (d->fd < 0)
		return -errno;
	meta_str(d->info, sizeof d->info, "started", name);
	return 0;
}

int net_store_open(struct net_store *d, int rootfd, const char *host, const unsigned char *id,
                   const char *meta, size_t meta_len, const char *peer, const char *fp)
{
	static char text[NET_STORE_META_MAX + 1024];
	char idhex[2 * NET_DUMP_ID_LEN + 1];
	int hostfd, e;

	memset(d, 0, sizeof *d);
	d->dirfd = d->fd = -1;
	br_sha256_init(&d->sha);
	d->durable_sha = d->sha;
	memcpy(d->id, id, NET_DUMP_ID_LEN);
	net_hex(idhex, id, NET_DUMP_ID_LEN);
	snprintf(d->rel, sizeof d->rel, "%s/", host);
	if (mkdirat(rootfd, host, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((hostfd = openat(rootfd, host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	e = find(hostfd, idhex, d, text, sizeof text);
	if (e > 0) {
		e = resume(d, text);
	} else if (!e) {
		meta_str(d->info, sizeof d->info, "dump_id", idhex);
		meta_str(d->info, sizeof d->info, "host", host);
		meta_str(d->info, sizeof d->info, "key", fp);
		meta_client(d->info, meta, meta_len);
		if (!(e = create(hostfd, d)))
			e = index_add(hostfd, idhex, d->rel + strlen(host) + 1);
	}
	close(hostfd);
	if (!e) {
		snprintf(d->peer, sizeof d->peer, "%s", peer);
		if (!d->complete)
			strcpy(d->state, "receiving");
		e = write_meta(d);
	}
	if (e)
		net_store_close(d, NULL, NULL);
	return e;
}

/* The file system is full: give back the last 64 KiB of the partial file,
 * so the metadata can still be written. What stays is a prefix of the
 * stream, as every partial file is, and counts as durable. */
static void make_room(struct net_store *d)
{
	uint64_t keep = d->end > ROOM ? d->end - ROOM : 0;

	if (ftruncate(d->fd, (off_t)keep) < 0 || fdatasync(d->fd) < 0)
		return;
	d->end = d->durable = keep;
	sum_prefix(d->fd, keep, &d->crc, &d->sha);
	d->durable_crc = d->crc;
	d->durable_sha = d->sha;
	/* the metadata says at once what the file holds now: it may be less
	 * than the last ACK, and a later write of it may find no room */
	write_meta(d);
}

int net_store_append(struct net_store *d, const void *p, size_t n)
{
	int e;

	if (d->fd < 0 || d->complete)
		return -EBADF;
	if ((e = io_pwriteall(d->fd, p, n, (off_t)d->end))) {
		if (e == -ENOSPC || e == -EDQUOT)
			make_room(d);
		/* otherwise a short write may have left bytes past end: the
		 * next sync or resume cuts the file back to what was acknowledged */
		return e;
	}
	d->crc = crc32c(d->crc, p, n);
	br_sha256_update(&d->sha, p, n);
	d->end += n;
	return 0;
}

int net_store_sync(struct net_store *d)
{
	if (d->fd < 0)
		return -EBADF;
	if (fdatasync(d->fd) < 0)
		return -errno;
	d->durable = d->end;
	d->durable_crc = d->crc;
	d->durable_sha = d->sha;
	return write_meta(d);
}

void net_store_prefix_sha(const struct net_store *d, unsigned char out[NET_SHA256_LEN])
{
	if (d->complete)
		memcpy(out, d->total_sha, NET_SHA256_LEN);
	else
		br_sha256_out(&d->durable_sha, out);
}

/* A stream has at least a header and a trailer record, and its magic. */
static int looks_like_stream(const struct net_store *d)
{
	unsigned char m[DUMP_STREAM_MAGIC_LEN];

	return d->end >= DUMP_STREAM_HEADER_SIZE + DUMP_STREAM_RECORD_OVERHEAD + DUMP_STREAM_TRAILER_LEN &&
	       io_preadall(d->fd, m, sizeof m, 0) == (long)sizeof m &&
	       !memcmp(m, DUMP_STREAM_MAGIC, sizeof m);
}

int net_store_finish(struct net_store *d, uint64_t total, uint32_t crc,
                     const unsigned char sha256[NET_SHA256_LEN])
{
	unsigned char h[NET_SHA256_LEN];
	int e;

	if (d->complete)
		return total == d->total && crc == d->total_crc && !memcmp(sha256, d->total_sha, sizeof h)
		       ? 0 : -SALVAGE_E_PROTO_TOTALS;
	br_sha256_out(&d->sha, h);
	/* the hash is what says these are the client's bytes: the CRC of a
	 * stream of CRC'd records depends only on their lengths */
	if (total != d->end || crc != d->crc || memcmp(sha256, h, sizeof h) || !looks_like_stream(d))
		return -SALVAGE_E_PROTO_TOTALS;
	if (ftruncate(d->fd, (off_t)d->end) < 0 || fsync(d->fd) < 0)
		return -errno;
	/* not io_commit: the file stays open, and is kept if this fails */
	if ((e = io_publish(d->dirfd, PARTIAL, STREAM)))
		return e;
	d->durable = d->total = total;
	d->durable_crc = d->total_crc = crc;
	d->durable_sha = d->sha;
	memcpy(d->total_sha, h, sizeof h);
	d->complete = 1;
	strcpy(d->state, "complete");
	return write_meta(d);
}

void net_store_note(struct net_store *d, const char *text, size_t n)
{
	/* write_meta makes it printable (meta_put) and cuts it at 200 bytes;
	 * the frame's text holds no NUL (net/proto.c) */
	n = n < sizeof d->note - 1 ? n : sizeof d->note - 1;
	memcpy(d->note, text, n);
	d->note[n] = 0;
}

void net_store_close(struct net_store *d, const char *state, const char *reason)
{
	if (d->fd >= 0 && !d->complete && !fdatasync(d->fd))
		d->durable = d->end, d->durable_crc = d->crc, d->durable_sha = d->sha;
	if (state && d->dirfd >= 0) {
		snprintf(d->state, sizeof d->state, "%s", state);
		if (reason)
			snprintf(d->reason, sizeof d->reason, "%s", reason);
		write_meta(d);
	}
	if (d->fd >= 0)
		close(d->fd);
	if (d->dirfd >= 0)
		close(d->dirfd);
	d->fd = d->dirfd = -1;
}

static int write_dmesg(int dirfd, const struct dump_stream_reader *r)
{
	int out = openat(dirfd, "dmesg.txt", O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, 0600), e;

	if (out < 0)
		return -errno;
	e = io_writeall(out, r->dmesg, r->dmesg_len);
	if (!e && fsync(out) < 0)
		e = -errno;
	close(out);
	return e;
}

/* Bytes the conversion may write: the free space above min_free, and at
 * most max (0: no limit). */
static uint64_t room(int dirfd, uint64_t min_free, uint64_t max)
{
	struct statvfs s;
	uint64_t free;

	if (fstatvfs(dirfd, &s) < 0)
		return 0;
	free = (uint64_t)s.f_bavail * s.f_frsize;
	free = free > min_free ? free - min_free : 0;
	return max && max < free ? max : free;
}

/* docs/protocol.md#conversion: what a vmcore holds besides the kept
 * pages' bytes (headers, bitmaps, descriptors) may be at most this many
 * times the stream plus this much. A real stream carries its pages, so
 * its vmcore is about as large; claims of pages that no byte backs
 * (zero-page runs, a huge max_pfn) are what exceed it. */
#define CONVERT_AMPLIFY 64
#define CONVERT_SLACK (64ull << 20)

/* vmcore (kdump-compressed, zlib) from the stream of stream_len bytes,
 * written as vmcore.partial, synced and renamed; refused before anything
 * is allocated or written when the most it can take does not fit or its
 * structure is out of proportion to the stream. */
static int write_vmcore(int dirfd, const struct dump_convert_src *c, uint64_t stream_len, uint64_t min_free,
                        uint64_t max, char *why, size_t whylen)
{
	uint64_t need, pages, have = room(dirfd, min_free, max);
	uint64_t allowed = stream_len > (UINT64_MAX - CONVERT_SLACK) / CONVERT_AMPLIFY
	                   ? UINT64_MAX : stream_len * CONVERT_AMPLIFY + CONVERT_SLACK;
	int fd, e;

	if ((e = dump_kdump_size(c, &need)))
		return e;
	pages = c->r->count[DUMP_CLASS_KEPT] * DUMP_PAGE_SIZE; /* below need: no overflow */
	if (need - pages > allowed) {
		snprintf(why, whylen, ": %llu bytes of headers, bitmaps and descriptors for a %llu-byte stream",
		         (unsigned long long)(need - pages), (unsigned long long)stream_len);
		return -SALVAGE_E_CONVERT_TOO_BIG;
	}
	if (need > have) {
		snprintf(why, whylen, ": needs up to %llu bytes, %llu allowed", (unsigned long long)need,
		         (unsigned long long)have);
		return -SALVAGE_E_CONVERT_TOO_BIG;
	}
	fd = openat(dirfd, VMCORE ".partial", O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	return io_commit(dirfd, fd, dump_kdump_write(c, fd, DUMP_CODEC_ZLIB), VMCORE ".partial", VMCORE);
}

/* dmesg.txt, then vmcore, from the complete stream in dirfd. */
static int convert(int dirfd, uint64_t min_free, uint64_t max, char *why, size_t whylen)
{
	struct dump_stream_reader r;
	struct dump_convert_src c = { 0 };
	int fd = open_regular(dirfd, STREAM, O_RDONLY), e;
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	if (!(e = dump_stream_open(&r, fd)) && !(e = write_dmesg(dirfd, &r)) &&
	    !(e = dump_convert_prepare(&c, &r)))
		e = write_vmcore(dirfd, &c, (uint64_t)st.st_size, min_free, max, why, whylen);
	dump_convert_free(&c);
	dump_stream_close(&r);
	close(fd);
	return e;
}

/* docs/receiver.md#signature: the crash's signature from dmesg.txt, kept
 * with the fixed lines (a dump signed once keeps it). */
static void sign(struct net_store *d)
{
	struct server_signature s;
	char v[SERVER_SIG_HASH + 8], frames[SERVER_SIG_FRAMES * SERVER_SIG_FRAME];

	if (!meta_get(d->info, "signature", v, sizeof v) || server_signature_file(d->dirfd, "dmesg.txt", &s))
		return;
	meta_str(d->info, sizeof d->info, "signature", s.hash);
	meta_str(d->info, sizeof d->info, "signature_title", s.title);
	meta_str(d->info, sizeof d->info, "signature_frames", server_signature_frames(&s, frames, sizeof frames));
}

int net_store_convert(int rootfd, const char *rel, uint64_t min_free, uint64_t max)
{
	static char text[NET_STORE_META_MAX + 1024];
	char why[160] = "";
	struct net_store d;
	int e;

	memset(&d, 0, sizeof d);
	d.fd = -1;
	if ((d.dirfd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	if (read_meta(d.dirfd, text, sizeof text) <= 0 || resume(&d, text) || !d.complete)
		e = -SALVAGE_E_SHORT_FILE;
	else
		e = convert(d.dirfd, min_free, max, why, sizeof why);
	sign(&d);
	if (!e) {
		/* vmcore is the standard file; the stream was only its source */
		unlinkat(d.dirfd, STREAM, 0);
		strcpy(d.state, "stored");
		d.reason[0] = 0;
	} else {
		strcpy(d.state, "unconverted");
		snprintf(d.reason, sizeof d.reason, "conversion failed (%s%s): %s kept", err_name(e), why, STREAM);
		log_err("receive: ", rel, ": conversion failed: ", err_name(e), ": ", err_text(e), why,
		        "; " STREAM " kept");
	}
	write_meta(&d);
	close(d.dirfd);
	return e;
}
