/* PID 1's last step. */
#ifndef SALVAGE_INIT_FINAL_H
#define SALVAGE_INIT_FINAL_H
#include "../lib/conf.h"

/* The configured final action; never returns. */
void init_final(const struct salvage_conf *c) __attribute__((noreturn));

#endif
