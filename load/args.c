/* salvage load's arguments, kept for reloads (load/args.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../lib/io.h"
#include "args.h"

static const struct field {
	const char *key;
	size_t off, size;
} fields[] = {
	{ "kernel", offsetof(struct load_args, kernel), sizeof ((struct load_args *)0)->kernel },
	{ "initrd", offsetof(struct load_args, initrd), sizeof ((struct load_args *)0)->initrd },
	{ "append", offsetof(struct load_args, append), sizeof ((struct load_args *)0)->append },
	{ "conf", offsetof(struct load_args, conf), sizeof ((struct load_args *)0)->conf },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static char *field(struct load_args *a, const struct field *f)
{
	return (char *)a + f->off;
}

long load_args_format(const struct load_args *a, char *out, size_t len)
{
	size_t at = 0;

	for (unsigned i = 0; i < NFIELDS; i++) {
		const char *v = field((struct load_args *)a, &fields[i]);
		size_t k = strlen(fields[i].key), n = strlen(v);

		if (!*v)
			continue;
		if (strchr(v, '\n'))
			return -EINVAL;
		if (at + k + 1 + n + 1 >= len)
			return -E2BIG;
		memcpy(out + at, fields[i].key, k);
		out[at + k] = ' ';
		memcpy(out + at + k + 1, v, n);
		out[at + k + 1 + n] = '\n';
		at += k + 1 + n + 1;
	}
	if (at >= len)
		return -E2BIG;
	out[at] = 0;
	return (long)at;
}

/* The line's field, or NULL for an unknown key. */
static const struct field *find(const char *key, size_t len)
{
	for (unsigned i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].key) == len && !memcmp(fields[i].key, key, len))
			return &fields[i];
	return 0;
}

int load_args_parse(const char *text, struct load_args *a)
{
	memset(a, 0, sizeof *a);
	while (*text) {
		const char *end = strchr(text, '\n'), *sp;
		const struct field *f;
		size_t n;

		if (!end)
			end = text + strlen(text);
		sp = memchr(text, ' ', (size_t)(end - text));
		if (!sp || !(f = find(text, (size_t)(sp - text))))
			return -EINVAL;
		if ((n = (size_t)(end - sp - 1)) >= f->size)
			return -E2BIG;
		memcpy(field(a, f), sp + 1, n);
		field(a, f)[n] = 0;
		text = *end ? end + 1 : end;
	}
	return *a->kernel && *a->initrd ? 0 : -EINVAL;
}

int load_args_save(const struct load_args *a)
{
	static char text[sizeof(struct load_args) + 64];
	long n = load_args_format(a, text, sizeof text);
	int fd;

	if (n < 0)
		return (int)n;
	if (mkdir(LOAD_RUN_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(LOAD_ARGS_FILE ".new", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	return io_commit(AT_FDCWD, fd, io_writeall(fd, text, (size_t)n),
	                 LOAD_ARGS_FILE ".new", LOAD_ARGS_FILE);
}

int load_args_read(struct load_args *a)
{
	static char text[sizeof(struct load_args) + 64];
	long n = io_readfile(LOAD_ARGS_FILE, text, sizeof text);

	return n < 0 ? (int)n : load_args_parse(text, a);
}
