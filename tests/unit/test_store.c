#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../../dump/stream.h"
#include "../../lib/crc32c.h"
#include "../../lib/err.h"
#include "../../lib/io.h"
#include "../../server/store.h"
#include "check.h"

static const unsigned char id[NET_DUMP_ID_LEN] = { 0x51, 0x70 };
static unsigned char stream[1000];
static char text[4096];

/* A stream-shaped byte string: the magic, then bytes (the store checks
 * the magic and the length, not the records). */
static void make_stream(unsigned char seed)
{
	for (size_t i = 0; i < sizeof stream; i++)
		stream[i] = (unsigned char)(i * 131 + seed);
	memcpy(stream, DUMP_STREAM_MAGIC, DUMP_STREAM_MAGIC_LEN);
}

static void sha(const void *p, size_t n, unsigned char out[NET_SHA256_LEN])
{
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, p, n);
	br_sha256_out(&c, out);
}

static int open_store(struct net_store *d, int *rootfd)
{
	*rootfd = open(check_tmpdir(), O_RDONLY | O_DIRECTORY);
	return net_store_open(d, *rootfd, "host", id, "", 0, "127.0.0.1:1", "fp");
}

/* salvage.meta's line for key, e.g. "bytes_crc32c=0x1234". */
static const char *meta_line(struct net_store *d, const char *key)
{
	static char line[256];
	int fd = openat(d->dirfd, "salvage.meta", O_RDONLY);
	long n = fd < 0 ? -1 : io_readall(fd, text, sizeof text - 1);
	const char *p;

	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = 0;
	snprintf(line, sizeof line, "\n%s=", key);
	if (!(p = strstr(text, line)))
		return "";
	snprintf(line, sizeof line, "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
	return line;
}

static const char *hexline(const char *key, const unsigned char *h)
{
	static char line[128];
	char hex[2 * NET_SHA256_LEN + 1];

	snprintf(line, sizeof line, "%s=%s", key, net_hex(hex, h, NET_SHA256_LEN));
	return line;
}

TEST(store_finish_records_agreeing_sums)
{
	struct net_store d;
	unsigned char h[NET_SHA256_LEN];
	uint32_t crc;
	char want[64];
	int root;

	make_stream(1);
	crc = crc32c(0, stream, sizeof stream);
	sha(stream, sizeof stream, h);
	CHECK_INT(0, open_store(&d, &root));
	CHECK_INT(0, net_store_append(&d, stream, sizeof stream));
	CHECK_INT(0, net_store_finish(&d, sizeof stream, crc, h));
	/* no sync came between: the durable fields are the whole stream's */
	CHECK_STR("bytes=1000", meta_line(&d, "bytes"));
	snprintf(want, sizeof want, "bytes_crc32c=0x%x", crc);
	CHECK_STR(want, meta_line(&d, "bytes_crc32c"));
	CHECK_STR(hexline("bytes_sha256", h), meta_line(&d, "bytes_sha256"));
	CHECK_STR(hexline("sha256", h), meta_line(&d, "sha256"));
	net_store_close(&d, NULL, NULL);
	close(root);
}

TEST(store_finish_refuses_other_bytes_and_no_stream)
{
	struct net_store d;
	unsigned char h[NET_SHA256_LEN], empty[NET_SHA256_LEN];
	uint32_t crc;
	int root;

	make_stream(2);
	crc = crc32c(0, stream, sizeof stream);
	sha(stream, sizeof stream, h);
	sha("", 0, empty);
	CHECK_INT(0, open_store(&d, &root));
	/* nothing arrived: 0 bytes with their right sums are no stream */
	CHECK_INT(-SALVAGE_E_PROTO_TOTALS, net_store_finish(&d, 0, 0, empty));
	CHECK_INT(0, net_store_append(&d, stream, sizeof stream));
	/* right length and CRC, another SHA-256 */
	h[5] ^= 1;
	CHECK_INT(-SALVAGE_E_PROTO_TOTALS, net_store_finish(&d, sizeof stream, crc, h));
	h[5] ^= 1;
	CHECK_INT(0, net_store_finish(&d, sizeof stream, crc, h));
	/* once complete, a FINISH with another hash is refused too */
	h[0] ^= 1;
	CHECK_INT(-SALVAGE_E_PROTO_TOTALS, net_store_finish(&d, sizeof stream, crc, h));
	net_store_close(&d, NULL, NULL);
	close(root);
}

/* Changes the first digit of salvage.meta's key line. */
static void spoil(struct net_store *d, const char *key)
{
	char *v = strstr(meta_line(d, key), "="), *p;
	int fd;

	if (!v || !(p = strstr(text, meta_line(d, key))))
		return;
	p += v - meta_line(d, key) + 1;
	*p = *p == '0' ? '1' : '0';
	fd = openat(d->dirfd, "salvage.meta", O_WRONLY | O_TRUNC);
	io_writeall(fd, text, strlen(text));
	close(fd);
}

TEST(store_resume_restores_the_prefix_hash)
{
	struct net_store d;
	unsigned char h[NET_SHA256_LEN], got[NET_SHA256_LEN];
	int root;

	make_stream(3);
	CHECK_INT(0, open_store(&d, &root));
	/* 999 bytes: the hash state at 960, 39 bytes read back at resume */
	CHECK_INT(0, net_store_append(&d, stream, 999));
	CHECK_INT(0, net_store_sync(&d));
	net_store_close(&d, "interrupted", NULL);
	sha(stream, 999, h);
	CHECK_INT(0, net_store_open(&d, root, "host", id, "", 0, "127.0.0.1:2", "fp"));
	CHECK_INT(999, d.end);
	net_store_prefix_sha(&d, got);
	CHECK_MEM(h, got, sizeof h);
	/* a state that does not give the recorded hash: read the file again */
	spoil(&d, "bytes_sha256_mid");
	net_store_close(&d, NULL, NULL);
	CHECK_INT(0, net_store_open(&d, root, "host", id, "", 0, "127.0.0.1:3", "fp"));
	net_store_prefix_sha(&d, got);
	CHECK_MEM(h, got, sizeof h);
	/* and the rest of the stream ends in the whole stream's hash */
	CHECK_INT(0, net_store_append(&d, stream + 999, 1));
	sha(stream, sizeof stream, h);
	CHECK_INT(0, net_store_finish(&d, sizeof stream, crc32c(0, stream, sizeof stream), h));
	net_store_close(&d, NULL, NULL);
	close(root);
}
