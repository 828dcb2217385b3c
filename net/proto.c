/* Frames of the dump channel (docs/protocol.md#frames). */
#include <errno.h>
#include <string.h>
#include "../lib/crc32c.h"
#include "../lib/err.h"
#include "../lib/le.h"
#include "proto.h"

/* docs/protocol.md#messages: fixed part of each payload */
enum {
	HELLO_FIXED = 32,       /* version, reserved, dump_id, size_hint */
	FINISH_LEN = 16 + NET_SHA256_LEN,   /* total, crc, reserved, sha256 */
	ACK_FIXED = 16,         /* offset, code, retry_s */
	HELLO_ACK_FIXED = ACK_FIXED + NET_SHA256_LEN,   /* + sha256 of the prefix */
};

static long frame_end(unsigned char *out, uint32_t type, size_t len)
{
	le32_put(out, type);
	le32_put(out + 4, (uint32_t)len);
	le32_put(out + NET_FRAME_HEAD + len, crc32c(0, out, NET_FRAME_HEAD + len));
	return (long)(len + NET_FRAME_OVERHEAD);
}

static int text_ok(const unsigned char *p, size_t n)
{
	return n <= NET_TEXT_MAX && !memchr(p, 0, n);
}

static int decode(struct net_frame *f)
{
	const unsigned char *p = f->payload;
	size_t n = f->len;

	switch (f->type) {
	case NET_HELLO:
		if (n < HELLO_FIXED || !text_ok(p + HELLO_FIXED, n - HELLO_FIXED))
			return -1;
		f->u.hello.version = le32_get(p);
		memcpy(f->u.hello.dump_id, p + 8, NET_DUMP_ID_LEN);
		f->u.hello.size_hint = le64_get(p + 24);
		f->u.hello.meta = (const char *)p + HELLO_FIXED;
		f->u.hello.meta_len = n - HELLO_FIXED;
		return 0;
	case NET_DATA:
		if (n <= 8)
			return -1;
		f->u.data.offset = le64_get(p);
		f->u.data.bytes = p + 8;
		f->u.data.n = n - 8;
		return 0;
	case NET_FINISH:
		if (n != FINISH_LEN)
			return -1;
		f->u.finish.total = le64_get(p);
		f->u.finish.crc = le32_get(p + 8);
		f->u.finish.sha256 = p + 16;
		return 0;
	case NET_PROGRESS:
	case NET_FAIL:
		if (!text_ok(p, n))
			return -1;
		f->text = (const char *)p;
		f->text_len = n;
		return 0;
	case NET_HELLO_ACK:
	case NET_ACK:
	case NET_FIN_ACK:
	case NET_ERROR: {
		size_t fixed = f->type == NET_HELLO_ACK ? HELLO_ACK_FIXED : ACK_FIXED;
		if (n < fixed || !text_ok(p + fixed, n - fixed))
			return -1;
		f->u.ack.offset = le64_get(p);
		f->u.ack.code = le32_get(p + 8);
		f->u.ack.retry_s = le32_get(p + 12);
		if (f->type == NET_HELLO_ACK)
			f->u.ack.sha256 = p + ACK_FIXED;
		f->text = (const char *)p + fixed;
		f->text_len = n - fixed;
		return 0;
	}
	}
	return -1;
}

long net_frame_parse(const unsigned char *buf, size_t len, struct net_frame *f, size_t *need)
{
	uint32_t plen;

	if (need)
		*need = 0;
	if (len < NET_FRAME_HEAD)
		return 0;
	plen = le32_get(buf + 4);
	if (plen > NET_FRAME_MAX)
		return -SALVAGE_E_PROTO_TOO_BIG;
	if (need)
		*need = plen + NET_FRAME_OVERHEAD;
	if (len < (size_t)plen + NET_FRAME_OVERHEAD)
		return 0;
	if (crc32c(0, buf, NET_FRAME_HEAD + plen) != le32_get(buf + NET_FRAME_HEAD + plen))
		return -SALVAGE_E_PROTO_BAD_FRAME;
	memset(f, 0, sizeof *f);
	f->type = le32_get(buf);
	f->len = plen;
	f->payload = buf + NET_FRAME_HEAD;
	if (decode(f))
		return -SALVAGE_E_PROTO_BAD_FRAME;
	return (long)plen + NET_FRAME_OVERHEAD;
}

long net_frame_hello(unsigned char *out, size_t cap, const unsigned char id[NET_DUMP_ID_LEN],
                     uint64_t size_hint, const char *meta, size_t meta_len)
{
	unsigned char *p = out + NET_FRAME_HEAD;

	if (meta_len > NET_TEXT_MAX || cap < HELLO_FIXED + meta_len + NET_FRAME_OVERHEAD)
		return -EMSGSIZE;
	le32_put(p, NET_PROTO_VERSION);
	le32_put(p + 4, 0);
	memcpy(p + 8, id, NET_DUMP_ID_LEN);
	le64_put(p + 24, size_hint);
	memcpy(p + HELLO_FIXED, meta, meta_len);
	return frame_end(out, NET_HELLO, HELLO_FIXED + meta_len);
}

void net_frame_data_head(unsigned char out[NET_DATA_HEAD], uint64_t offset, size_t n)
{
	le32_put(out, NET_DATA);
	le32_put(out + 4, (uint32_t)(n + 8));
	le64_put(out + 8, offset);
}

uint32_t net_frame_data_crc(const unsigned char head[NET_DATA_HEAD], const void *bytes, size_t n)
{
	return crc32c(crc32c(0, head, NET_DATA_HEAD), bytes, n);
}

long net_frame_finish(unsigned char *out, size_t cap, uint64_t total, uint32_t crc,
                      const unsigned char sha256[NET_SHA256_LEN])
{
	if (cap < FINISH_LEN + NET_FRAME_OVERHEAD)
		return -EMSGSIZE;
	le64_put(out + NET_FRAME_HEAD, total);
	le32_put(out + NET_FRAME_HEAD + 8, crc);
	le32_put(out + NET_FRAME_HEAD + 12, 0);
	memcpy(out + NET_FRAME_HEAD + 16, sha256, NET_SHA256_LEN);
	return frame_end(out, NET_FINISH, FINISH_LEN);
}

long net_frame_hello_ack(unsigned char *out, size_t cap, uint64_t offset,
                         const unsigned char sha256[NET_SHA256_LEN])
{
	unsigned char *p = out + NET_FRAME_HEAD;

	if (cap < HELLO_ACK_FIXED + NET_FRAME_OVERHEAD)
		return -EMSGSIZE;
	le64_put(p, offset);
	le32_put(p + 8, 0);
	le32_put(p + 12, 0);
	memcpy(p + ACK_FIXED, sha256, NET_SHA256_LEN);
	return frame_end(out, NET_HELLO_ACK, HELLO_ACK_FIXED);
}

long net_frame_text(unsigned char *out, size_t cap, uint32_t type, const char *text, size_t len)
{
	if (len > NET_TEXT_MAX)
		len = NET_TEXT_MAX;
	if (cap < len + NET_FRAME_OVERHEAD)
		return -EMSGSIZE;
	memcpy(out + NET_FRAME_HEAD, text, len);
	return frame_end(out, type, len);
}

long net_frame_ack(unsigned char *out, size_t cap, uint32_t type, uint64_t offset, uint32_t code,
                   uint32_t retry_s, const char *text, size_t len)
{
	unsigned char *p = out + NET_FRAME_HEAD;

	if (len > NET_TEXT_MAX)
		len = NET_TEXT_MAX;
	if (cap < ACK_FIXED + len + NET_FRAME_OVERHEAD)
		return -EMSGSIZE;
	le64_put(p, offset);
	le32_put(p + 8, code);
	le32_put(p + 12, retry_s);
	memcpy(p + ACK_FIXED, text, len);
	return frame_end(out, type, ACK_FIXED + len);
}
