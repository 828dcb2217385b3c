/* The dump channel's frames (docs/protocol.md#frames), carried inside
 * pinned-key TLS (net/tls.h). A frame has the shape of a stream record:
 * type, length, payload, CRC-32C of the three. Parsing here is pure: no
 * I/O, every length checked, so the server's decoder can be fuzzed alone. */
#ifndef SALVAGE_NET_PROTO_H
#define SALVAGE_NET_PROTO_H
#include <stddef.h>
#include <stdint.h>

/* 2: FINISH and HELLO_ACK carry SHA-256 (docs/protocol.md#versions) */
#define NET_PROTO_VERSION 2
#define NET_SHA256_LEN 32
#define NET_FRAME_HEAD 8                 /* type, length */
#define NET_FRAME_OVERHEAD 12            /* + CRC */
#define NET_FRAME_MAX (1u << 20)         /* payload limit, docs/protocol.md#limits */
#define NET_DATA_MAX (NET_FRAME_MAX - 8) /* a DATA frame's bytes after its offset */
#define NET_DUMP_ID_LEN 16
#define NET_TEXT_MAX 1024                /* PROGRESS, FAIL, ERROR texts, HELLO meta */
#define NET_NOTE_PREFIX "note: "         /* a PROGRESS text that is the finish note (docs/protocol.md#note) */

/* docs/protocol.md#messages */
enum net_msg {
	/* client -> server */
	NET_HELLO = 1,
	NET_DATA = 2,
	NET_FINISH = 3,
	NET_PROGRESS = 4,
	NET_FAIL = 5,
	/* server -> client */
	NET_HELLO_ACK = 16,
	NET_ACK = 17,
	NET_FIN_ACK = 18,
	NET_ERROR = 19,
};

/* One frame, decoded. Pointers point into the buffer given to
 * net_frame_parse and live as long as it. */
struct net_frame {
	uint32_t type;
	uint32_t len;                     /* payload bytes */
	const unsigned char *payload;
	union {
		struct {                      /* HELLO */
			uint32_t version;
			unsigned char dump_id[NET_DUMP_ID_LEN];
			uint64_t size_hint;
			const char *meta;          /* "key=value\n" lines, not NUL-terminated */
			size_t meta_len;
		} hello;
		struct {                      /* DATA */
			uint64_t offset;
			const unsigned char *bytes;
			size_t n;
		} data;
		struct {                      /* FINISH */
			uint64_t total;
			uint32_t crc;             /* CRC-32C of the whole stream */
			const unsigned char *sha256;   /* SHA-256 of the whole stream */
		} finish;
		struct {                      /* HELLO_ACK, ACK, FIN_ACK, ERROR */
			uint64_t offset;
			uint32_t code;            /* FIN_ACK / ERROR: 0 or a SALVAGE_E_ code */
			uint32_t retry_s;         /* ERROR: seconds before trying again, 0 = never */
			const unsigned char *sha256;   /* HELLO_ACK: of the first offset bytes */
		} ack;
	} u;
	const char *text;                 /* PROGRESS, FAIL, FIN_ACK, ERROR */
	size_t text_len;
};

/* Looks at the len bytes at buf. Returns the size of the whole frame at
 * its start with *f filled in, 0 when more bytes are needed (*need, if not
 * NULL, gets how many the frame has in all once its header is in), or
 * -SALVAGE_E_PROTO_TOO_BIG (length over NET_FRAME_MAX: checked as soon as
 * the 8-byte header is in, before waiting for the payload) or
 * -SALVAGE_E_PROTO_BAD_FRAME (checksum, unknown type, payload not the
 * shape its type has). */
long net_frame_parse(const unsigned char *buf, size_t len, struct net_frame *f, size_t *need);

/* Builders: write one frame into out (which has room for cap bytes) and
 * return its size, or -EMSGSIZE when it does not fit. */
long net_frame_hello(unsigned char *out, size_t cap, const unsigned char id[NET_DUMP_ID_LEN],
                     uint64_t size_hint, const char *meta, size_t meta_len);
/* DATA's header only (16 bytes: type, length, offset); the caller sends
 * the n bytes and then the CRC net_frame_data_crc() gives. */
#define NET_DATA_HEAD 16
void net_frame_data_head(unsigned char out[NET_DATA_HEAD], uint64_t offset, size_t n);
uint32_t net_frame_data_crc(const unsigned char head[NET_DATA_HEAD], const void *bytes, size_t n);
long net_frame_finish(unsigned char *out, size_t cap, uint64_t total, uint32_t crc,
                      const unsigned char sha256[NET_SHA256_LEN]);
/* HELLO_ACK: the receiver's durable length and the SHA-256 of those bytes. */
long net_frame_hello_ack(unsigned char *out, size_t cap, uint64_t offset,
                         const unsigned char sha256[NET_SHA256_LEN]);
long net_frame_text(unsigned char *out, size_t cap, uint32_t type, const char *text, size_t len);
long net_frame_ack(unsigned char *out, size_t cap, uint32_t type, uint64_t offset, uint32_t code,
                   uint32_t retry_s, const char *text, size_t len);

#endif
