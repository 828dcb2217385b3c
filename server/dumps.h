/* The receiver's dump directory as a list (docs/receiver.md#list): every
 * DIR/<host>/<UTC time>/ with what its salvage.meta says, for
 * `salvage list`, index.html and retention. Host-side: the list is on the
 * heap. */
#ifndef SALVAGE_SERVER_DUMPS_H
#define SALVAGE_SERVER_DUMPS_H
#include <stddef.h>
#include <stdint.h>
#include "authorized.h"
#include "dumpindex.h"
#include "signature.h"

/* What became of a dump, from its state= (docs/protocol.md#storage). */
enum server_dump_class {
	SERVER_DUMP_COMPLETE,      /* complete, stored, unconverted */
	SERVER_DUMP_PARTIAL,       /* interrupted, failed, or no metadata */
	SERVER_DUMP_IN_PROGRESS,   /* receiving */
};

struct server_dump {
	char host[256];                    /* directory names as they are */
	char name[NET_DUMPINDEX_NAME];
	char state[16];                    /* state=, "" when none */
	enum server_dump_class class;
	char id[40];                       /* dump_id= */
	char sig[SERVER_SIG_HASH + 1];     /* "none": no report in the log; "": no log */
	char title[SERVER_SIG_TITLE + 80];
	char frames[SERVER_SIG_FRAMES * SERVER_SIG_FRAME];
	uint64_t bytes;                    /* its files' sizes */
	uint64_t allocated;                /* their blocks, what removing it frees */
	int64_t time;                      /* started (UTC, from its name), else changed */
	int64_t changed;                   /* salvage.meta's last change */
	unsigned count;                    /* dumps with this signature (server_dumps_group) */
};

/* Every dump under rootfd into *out (malloc'd, the caller frees), *n of
 * them. The signature comes from salvage.meta, else from dmesg.txt. 0 or
 * -errno (-ENOMEM). */
int server_dumps_scan(int rootfd, struct server_dump **out, size_t *n);
/* Sorts by signature group, the largest group first, each newest first,
 * and sets count. */
void server_dumps_group(struct server_dump *d, size_t n);
/* "complete", "partial" or "in progress". */
const char *server_dump_class_name(enum server_dump_class c);
/* The start time as "YYYY-MM-DD HH:MM:SSZ" (sep ' ') or ISO 8601 (sep 'T'). */
char *server_dump_time(const struct server_dump *d, char sep, char out[24]);

#endif
