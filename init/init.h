/* The crash kernel's PID 1 (its steps: early.h, modules.h, net.h,
 * final.h, and blockdev.h, meminfo.h, pci.h, swap.h). */
#ifndef SALVAGE_INIT_H
#define SALVAGE_INIT_H

/* PID 1 entry: never returns. */
void init_main(void) __attribute__((noreturn));

#endif
