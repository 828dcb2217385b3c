#include <string.h>
#include "cmd.h"
#include "io.h"
#include "log.h"

static void put(const char *const *parts)
{
	for (; *parts; parts++)
		io_writeall(1, *parts, strlen(*parts));
}

static const char *space(const struct cmd *c)
{
	return c->args[0] ? " " : "";
}

int cmd_usage(const struct cmd *c)
{
	log_err("usage: salvage ", c->name, space(c), c->args);
	return 100;
}

void cmd_help(const struct cmd *c)
{
	put((const char *const[]){ "usage: salvage ", c->name, space(c), c->args, "\n  ", c->about, "\n", 0 });
}

void cmd_line(const struct cmd *c)
{
	put((const char *const[]){ "  salvage ", c->name, space(c), c->args, "  ", c->about, "\n", 0 });
}
