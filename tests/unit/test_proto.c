#include <errno.h>
#include <string.h>
#include "../../lib/crc32c.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "../../server/authorized.h"
#include "../../net/proto.h"
#include "../../net/send.h"
#include "check.h"

static unsigned char buf[NET_FRAME_MAX + 64];

TEST(proto_hello_round_trip)
{
	static const unsigned char id[NET_DUMP_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const char meta[] = "hostname=web01\nrelease=6.1.0-56-amd64\n";
	struct net_frame f;
	size_t need;
	long n = net_frame_hello(buf, sizeof buf, id, 12345, meta, sizeof meta - 1);

	CHECK_INT(12 + 32 + sizeof meta - 1, n);
	/* every prefix is "need more", never a frame or an error */
	for (long i = 0; i < n; i++)
		if (!CHECK_INT(0, net_frame_parse(buf, (size_t)i, &f, &need)))
			break;
	CHECK_INT(n, need);
	CHECK_INT(n, net_frame_parse(buf, (size_t)n + 5, &f, &need));
	CHECK_INT(NET_HELLO, f.type);
	CHECK_INT(NET_PROTO_VERSION, f.u.hello.version);
	CHECK_MEM(id, f.u.hello.dump_id, sizeof id);
	CHECK_INT(12345, f.u.hello.size_hint);
	CHECK_INT(sizeof meta - 1, f.u.hello.meta_len);
	CHECK_MEM(meta, f.u.hello.meta, sizeof meta - 1);
}

TEST(proto_data_frame)
{
	unsigned char head[NET_DATA_HEAD];
	static const char bytes[] = "stream bytes";
	struct net_frame f;
	uint32_t crc;

	net_frame_data_head(head, 1 << 20, sizeof bytes);
	crc = net_frame_data_crc(head, bytes, sizeof bytes);
	memcpy(buf, head, sizeof head);
	memcpy(buf + sizeof head, bytes, sizeof bytes);
	le32_put(buf + sizeof head + sizeof bytes, crc);
	CHECK_INT(sizeof head + sizeof bytes + 4, net_frame_parse(buf, sizeof head + sizeof bytes + 4, &f, NULL));
	CHECK_INT(NET_DATA, f.type);
	CHECK_INT(1 << 20, f.u.data.offset);
	CHECK_INT(sizeof bytes, f.u.data.n);
	CHECK_MEM(bytes, f.u.data.bytes, sizeof bytes);
	/* one flipped bit anywhere is a bad frame */
	buf[12] ^= 4;
	CHECK_INT(-SALVAGE_E_PROTO_BAD_FRAME, net_frame_parse(buf, sizeof head + sizeof bytes + 4, &f, NULL));
}

TEST(proto_acks_and_text)
{
	static const unsigned char sha[NET_SHA256_LEN] = { 0xe3, 0xb0, 0xc4, 0x42, [31] = 0x55 };
	struct net_frame f;
	long n = net_frame_ack(buf, sizeof buf, NET_ERROR, 777, SALVAGE_E_PROTO_NO_SPACE, 5, "full", 4);

	CHECK_INT(n, net_frame_parse(buf, (size_t)n, &f, NULL));
	CHECK_INT(NET_ERROR, f.type);
	CHECK_INT(777, f.u.ack.offset);
	CHECK_INT(SALVAGE_E_PROTO_NO_SPACE, f.u.ack.code);
	CHECK_INT(5, f.u.ack.retry_s);
	CHECK_INT(4, f.text_len);
	n = net_frame_finish(buf, sizeof buf, 99, 0xdeadbeef, sha);
	CHECK_INT(n, net_frame_parse(buf, (size_t)n, &f, NULL));
	CHECK_INT(99, f.u.finish.total);
	CHECK_INT(0xdeadbeef, f.u.finish.crc);
	CHECK_MEM(sha, f.u.finish.sha256, sizeof sha);
	n = net_frame_hello_ack(buf, sizeof buf, 4096, sha);
	CHECK_INT(n, net_frame_parse(buf, (size_t)n, &f, NULL));
	CHECK_INT(NET_HELLO_ACK, f.type);
	CHECK_INT(4096, f.u.ack.offset);
	CHECK_MEM(sha, f.u.ack.sha256, sizeof sha);
	/* a version-1 HELLO_ACK (no hash) is not a frame of this version */
	n = net_frame_ack(buf, sizeof buf, NET_HELLO_ACK, 0, 0, 0, NULL, 0);
	CHECK_INT(-SALVAGE_E_PROTO_BAD_FRAME, net_frame_parse(buf, (size_t)n, &f, NULL));
	n = net_frame_text(buf, sizeof buf, NET_PROGRESS, "50%", 3);
	CHECK_INT(n, net_frame_parse(buf, (size_t)n, &f, NULL));
	CHECK_MEM("50%", f.text, 3);
	CHECK_INT(-EMSGSIZE, net_frame_finish(buf, 10, 1, 1, sha));
}

/* A frame with this type and payload, CRC right. */
static long raw(uint32_t type, uint32_t len, const void *payload)
{
	le32_put(buf, type);
	le32_put(buf + 4, len);
	memcpy(buf + 8, payload, len);
	le32_put(buf + 8 + len, 0);
	le32_put(buf + 8 + len, crc32c(0, buf, 8 + len));
	return 12 + len;
}

TEST(proto_rejects_bad_frames)
{
	unsigned char z[64] = { 0 };
	struct net_frame f;
	size_t need;

	/* over the limit: refused from the 8-byte head alone */
	le32_put(buf, NET_DATA);
	le32_put(buf + 4, NET_FRAME_MAX + 1);
	CHECK_INT(-SALVAGE_E_PROTO_TOO_BIG, net_frame_parse(buf, 8, &f, &need));
	CHECK_INT(-SALVAGE_E_PROTO_BAD_FRAME, net_frame_parse(buf, (size_t)raw(99, 4, z), &f, NULL));
	CHECK_INT(-SALVAGE_E_PROTO_BAD_FRAME, net_frame_parse(buf, (size_t)raw(NET_DATA, 8, z), &f, NULL));
	CHECK_INT(-SALVAGE_E_PROTO_BAD_FRAME, net_frame_parse(buf, (size_t)raw(NET_FINISH, 15, z), &f, NULL));
	CHECK_INT(-SALVAGE_E_PROTO_BAD_FRAME, net_frame_parse(buf, (size_t)raw(NET_HELLO, 31, z), &f, NULL));
	CHECK_INT(-SALVAGE_E_PROTO_BAD_FRAME, net_frame_parse(buf, (size_t)raw(NET_PROGRESS, 3, z), &f, NULL));
	CHECK_INT(16, net_frame_parse(buf, (size_t)raw(NET_PROGRESS, 4, "abcd"), &f, NULL));
}

TEST(proto_dump_id)
{
	unsigned char a[NET_DUMP_ID_LEN], b[NET_DUMP_ID_LEN];

	net_dump_id(a, "CRASHTIME=1\n", 12);
	net_dump_id(b, "CRASHTIME=2\n", 12);
	CHECK_INT(1, memcmp(a, b, sizeof a) != 0);
	net_dump_id(b, "CRASHTIME=1\n", 12);
	CHECK_MEM(a, b, sizeof a);
}

static struct net_authorized auth;

TEST(proto_authorized_file)
{
	static const char ok[] =
		"# fleet\n"
		"\n"
		"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF web01\n"
		"  ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\tdb-2.example  \r\n";
	unsigned line;

	CHECK_INT(0, net_authorized_parse(&auth, ok, sizeof ok - 1, &line));
	CHECK_INT(2, auth.n);
	CHECK_STR("web01", auth.host[0]);
	CHECK_STR("db-2.example", auth.host[1]);
	CHECK_INT(0xff, auth.fp[0][31]);
	CHECK_INT(0xff, auth.fp[1][0]);
#define BAD(text, at) \
	CHECK_INT(-SALVAGE_E_CONF_SYNTAX, net_authorized_parse(&auth, text, sizeof text - 1, &line)); \
	CHECK_INT(at, line)
	BAD("0011 web01\n", 1);
	BAD("# x\n00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff ../etc\n", 2);
	BAD("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff ..\n", 1);
	BAD("00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg web01\n", 1);
	BAD("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff web01 extra\n", 1);
	BAD("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 1);
	BAD("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff a\n"
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff b\n", 2);
	CHECK_INT(1, net_host_ok("a.b_c-9", 7));
	CHECK_INT(0, net_host_ok("a/b", 3));
	CHECK_INT(0, net_host_ok("", 0));
	/* hidden from salvage list and retention, or the receiver's own files */
	CHECK_INT(0, net_host_ok(".hidden", 7));
	CHECK_INT(0, net_host_ok(".index.html.tmp", 15));
	CHECK_INT(0, net_host_ok("index.html", 10));
	CHECK_INT(1, net_host_ok("index.html2", 11));
	CHECK_INT(1, net_host_ok("web.01.", 7));
}
