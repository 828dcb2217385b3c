/* salvage's configuration: one struct, filled by conf_defaults(), then the
 * config file (conf_parse_text), then salvage.KEY=VALUE words of the kernel
 * command line (conf_parse_cmdline). Every key is one row of the table in
 * conf.c, which also prints the help (conf_help). */
#ifndef SALVAGE_CONF_H
#define SALVAGE_CONF_H
#include <stddef.h>
#include <stdint.h>

enum final_action { FINAL_REBOOT, FINAL_POWEROFF, FINAL_HALT, FINAL_SHELL };
enum target_kind { TARGET_NONE, TARGET_RAW, TARGET_FS, TARGET_TLS };

struct target {
	int kind;
	char dev[128]; /* raw: a device path; fs: LABEL=x, UUID=x or a path; tls: HOST:PORT */
	char dir[128]; /* fs: directory inside the filesystem, starts with / */
};

struct salvage_conf {
	struct target target;
	struct target fallback;  /* used when target fails (TARGET_NONE: none) */
	int final_action;
	unsigned device_timeout; /* seconds to wait for the target device */
	int dump_level;          /* makedumpfile's -d: 0-31 */
	int format;              /* DUMP_FORMAT_* */
	unsigned crash_cpus;     /* nr_cpus= salvage load gives the crash kernel (1-8) */
	/* network targets (docs/protocol.md) */
	char net[128];           /* IFACE:dhcp | IFACE:ADDR/PREFIX[,GW]; "" = the kernel's ip= */
	char server_key[128];    /* the receiver's .pub, pinned */
	char client_key[128];    /* ours */
	unsigned net_timeout;    /* seconds for link and address */
	unsigned net_retry;      /* seconds to keep reconnecting to the receiver */
	uint64_t resume_window;  /* bytes of the stream kept for a resume (docs/protocol.md#resume-window) */
	/* the old-memory swap (docs/shim.md) */
	int swap;                /* SWAP_* */
	unsigned swap_corrupt;   /* test only: per mille of swap blocks damaged in old memory */
	int swap_corrupt_both;   /* test only: both copies, not one */
	unsigned swap_stall;     /* test only: the swap's server stops answering after N requests */
	char swap_test_elf[128]; /* test only: the whole vmcore to this raw device at the end */
};

enum { SWAP_AUTO, SWAP_ON, SWAP_OFF };

enum { DUMP_FORMAT_STREAM, DUMP_FORMAT_ELF };

void conf_defaults(struct salvage_conf *c);
/* A size: decimal bytes, or with K, M, G (powers of 1024). 0 or
 * -SALVAGE_E_CONF_BAD_VALUE. */
/* A decimal number of digits only in [0, max] ("", "+1", " 1" and
 * "-0" are not): 0, or -SALVAGE_E_CONF_BAD_VALUE. Also for command-line
 * options. */
int conf_number(const char *v, unsigned long max, unsigned long *out);
int conf_size(const char *v, uint64_t *out);
/* Set one key; 0 or -SALVAGE_E_CONF_* / -SALVAGE_E_TARGET_SYNTAX. */
int conf_set(struct salvage_conf *c, const char *key, const char *value);
/* "key value" lines, '#' comments, blank lines. Stops at the first bad
 * line and stores its number in *line. */
int conf_parse_text(struct salvage_conf *c, const char *text, int *line);
/* Applies every salvage.KEY=VALUE word ("..." quotes allowed, as the kernel
 * splits them). Keeps going past a bad word; returns the first error and
 * copies that word into bad (size badlen). */
int conf_parse_cmdline(struct salvage_conf *c, const char *cmdline,
                       char *bad, size_t badlen);
/* raw:/dev/X | fs:LABEL=NAME:/dir | fs:UUID=U:/dir | fs:/dev/X:/dir | tls://HOST:PORT */
int conf_target_parse(struct target *t, const char *s);
/* Next word of a kernel command line into w (quotes removed); returns a
 * pointer past it, or NULL at the end. */
const char *conf_cmdline_word(const char *p, char *w, size_t wlen);
/* The key table as help text. */
void conf_help(int fd);

#endif
