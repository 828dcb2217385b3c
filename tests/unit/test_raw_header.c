#include <string.h>
#include "../../dump/raw_header.h"
#include "../../lib/crc32c.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "check.h"

TEST(crc32c_check_value)
{
	/* the check value from the CRC catalogue (RFC 3720 B.4) */
	CHECK_INT(0xe3069283, crc32c(0, "123456789", 9));
	CHECK_INT(crc32c(0, "123456789", 9), crc32c(crc32c(0, "1234", 4), "56789", 5));
	CHECK_INT(0, crc32c(0, "", 0));
	CHECK_INT(0xe3069283, crc32c_portable(0, "123456789", 9));
}

/* CRC-32C one bit at a time, straight from the polynomial: the reference
 * both fast versions are checked against, whatever the CPU. */
static uint32_t crc32c_bitwise(uint32_t crc, const unsigned char *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Lengths across the 8-byte steps and their tails, at every alignment. */
static void check_against_bitwise(uint32_t (*f)(uint32_t, const void *, size_t))
{
	static unsigned char buf[20011];
	uint32_t seed = 1;

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)((seed = seed * 1103515245 + 12345) >> 16);
	for (size_t len = 0; len < sizeof buf - 8; len += len < 64 ? 1 : 997)
		for (size_t off = 0; off < 8; off++)
			if (!CHECK_INT(crc32c_bitwise(7, buf + off, len), f(7, buf + off, len)))
				return; /* one line, not thousands */
}

TEST(crc32c_portable_matches_bitwise)
{
	check_against_bitwise(crc32c_portable);
}

TEST(crc32c_sse42_matches_bitwise)
{
	if (!crc32c_sse42())
		CHECK_SKIP("no SSE4.2 on this CPU: crc32c() is crc32c_portable(), checked above");
	check_against_bitwise(crc32c);
}

TEST(raw_header_round_trip)
{
	struct dump_raw_header h = {
		.state = DUMP_RAW_COMPLETE, .format = DUMP_RAW_FORMAT_ELF,
		.data_offset = DUMP_RAW_DATA_OFFSET, .data_length = 0x123456789ull,
		.started = 1700000000, .finished = 1700000042, .collected = 1700000100,
	}, back;
	unsigned char b[DUMP_RAW_HEADER_SIZE];

	dump_raw_header_encode(&h, b);
	CHECK_MEM("SALVRAW1", b, 8);
	CHECK_INT(0, dump_raw_header_decode(&back, b));
	CHECK_INT(DUMP_RAW_COMPLETE, back.state);
	CHECK_INT(DUMP_RAW_FORMAT_ELF, back.format);
	CHECK_INT(0x123456789ll, back.data_length);
	CHECK_INT(4096, back.data_offset);
	CHECK_INT(1700000042, back.finished);
	CHECK_INT(1700000100, back.collected);
	/* little-endian on disk whatever the host, where docs/raw-target.md
	 * puts them */
	CHECK_INT(0x89, b[32]);
	CHECK_INT(1700000100 & 0xff, b[56]);
	CHECK_INT(0x01, b[36]);
}

TEST(raw_header_rejects_damage)
{
	struct dump_raw_header h = { .state = DUMP_RAW_WRITING }, back;
	unsigned char b[DUMP_RAW_HEADER_SIZE];

	dump_raw_header_encode(&h, b);
	b[40] ^= 1;
	CHECK_INT(-SALVAGE_E_RAW_BAD_CRC, dump_raw_header_decode(&back, b));
	dump_raw_header_encode(&h, b);
	b[8] = 2; /* a version from the future, with a valid checksum */
	le32_put(b + 508, crc32c(0, b, 508));
	CHECK_INT(-SALVAGE_E_RAW_BAD_VERSION, dump_raw_header_decode(&back, b));
	memset(b, 0, sizeof b);
	CHECK_INT(-SALVAGE_E_RAW_BAD_MAGIC, dump_raw_header_decode(&back, b));
	CHECK_STR("RAW_BAD_MAGIC", err_name(-SALVAGE_E_RAW_BAD_MAGIC));
	CHECK_STR("ENOENT", err_name(-2));
}
