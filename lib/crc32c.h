/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI
 * and ext4: crc32c(0, "123456789", 9) == 0xe3069283. Pass the previous
 * result as crc to continue over more bytes. */
#ifndef SALVAGE_CRC32C_H
#define SALVAGE_CRC32C_H
#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);
/* The table-driven version crc32c() uses on CPUs without SSE4.2 (QEMU's
 * default CPU among them). */
uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t len);
/* 1 when crc32c() uses SSE4.2's crc32 instruction, else 0 (crc32c() is
 * then crc32c_portable()): the tests say which one they checked. */
int crc32c_sse42(void);

#endif
