/* The ELF core writer (dump/elfcore_write.c, docs/convert.md). */
#ifndef SALVAGE_DUMP_ELFCORE_WRITE_H
#define SALVAGE_DUMP_ELFCORE_WRITE_H
#include "convert.h"

/* docs/convert.md#elf */
int dump_elfcore_write(const struct dump_convert_src *c, int fd);

#endif
