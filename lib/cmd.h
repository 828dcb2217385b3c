/* A command of the salvage binary, defined once at the top of its own file
 * with CMD(): main.c lists every one from it, `salvage NAME --help` prints
 * it, and the command's usage error logs the same usage line. */
#ifndef SALVAGE_CMD_H
#define SALVAGE_CMD_H

struct cmd {
	const char *name;
	int (*main)(int argc, char **argv); /* argv[0] is the name */
	const char *args;                   /* the usage after "salvage NAME" */
	const char *about;                  /* what it does, in one line */
};

/* Defines NAME_cmd for the file's static NAME_main. */
#define CMD(name, args, about) \
	static int name##_main(int argc, char **argv); \
	const struct cmd name##_cmd = { #name, name##_main, args, about }

/* Logs "usage: salvage NAME ARGS" as an error; returns 100, the exit code
 * of a usage error. */
int cmd_usage(const struct cmd *c);
/* To stdout: "usage: salvage NAME ARGS", then "  ABOUT" (--help). */
void cmd_help(const struct cmd *c);
/* To stdout: "  salvage NAME ARGS  ABOUT", the overview's line. */
void cmd_line(const struct cmd *c);

#endif
