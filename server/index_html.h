/* DIR/index.html: the receiver's dumps for a browser (docs/receiver.md#index),
 * what `salvage list` prints, as a static page with no script. Every text
 * from a dump (directory names, log text) is HTML-escaped, every link
 * percent-encoded. */
#ifndef SALVAGE_SERVER_INDEX_HTML_H
#define SALVAGE_SERVER_INDEX_HTML_H
#include <stddef.h>
#include <stdint.h>
#include "dumps.h"

#define SERVER_INDEX_HTML "index.html"

/* Rewrites rootfd's index.html from the dumps d (grouped by
 * server_dumps_group): written as a temporary, synced, renamed over the
 * old one, the directory synced (io_commit). now is the time it shows.
 * 0 or -errno. */
int server_index_html_write(int rootfd, const struct server_dump *d, size_t n, int64_t now);

#endif
