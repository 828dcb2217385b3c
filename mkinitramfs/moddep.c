#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../lib/grow.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "moddep.h"

#define MAX_ORDER 512

struct mod {
	char name[64];  /* normalised: no directory, no .ko*, '-' -> '_' */
	char *path;     /* inside the dep buffer */
	char *deps;     /* space-separated paths, inside the dep buffer */
	int state;      /* 0 new, 1 being visited, 2 placed */
};

struct moddep {
	char *dep, *softdep, *alias, *builtin, *builtin_alias;
	struct mod *mods;
	size_t nmods;
	const char *order[MAX_ORDER];
	size_t norder;
};

/* Module name of a path or name: "kernel/fs/ext4/ext4.ko.xz" -> "ext4". */
static void normalise(char *out, size_t size, const char *s, size_t len)
{
	const char *base = s, *end = s + len;
	size_t n = 0;

	for (const char *p = s; p < end; p++)
		if (*p == '/')
			base = p + 1;
	for (const char *p = base; p < end && n + 1 < size; p++) {
		if (p + 3 <= end && !memcmp(p, ".ko", 3) && (p + 3 == end || p[3] == '.'))
			break;
		out[n++] = *p == '-' ? '_' : *p;
	}
	out[n] = 0;
}

static char *slurp(const char *dir, const char *file, int must)
{
	char path[1024];
	struct stat st;
	char *buf;
	long n;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !(buf = malloc((size_t)st.st_size + 1))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return must ? NULL : calloc(1, 1);
	}
	n = io_readall(fd, buf, (size_t)st.st_size);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

/* Splits modules.dep ("path: dep dep") into mods, in place. */
static int index_dep(struct moddep *m)
{
	size_t cap = 0;

	for (char *line = m->dep, *nl; *line; line = nl) {
		char *colon;

		nl = strchr(line, '\n');
		nl = nl ? (*nl = 0, nl + 1) : line + strlen(line);
		if (!(colon = strchr(line, ':')))
			continue;
		if (grow(&m->mods, &cap, m->nmods, sizeof *m->mods, 1024))
			return -ENOMEM;
		struct mod *mod = &m->mods[m->nmods++];
		*colon = 0;
		mod->path = line;
		mod->deps = colon + 1;
		mod->state = 0;
		normalise(mod->name, sizeof mod->name, line, strlen(line));
	}
	return 0;
}

int moddep_open(struct moddep **out, const char *dir)
{
	struct moddep *m = calloc(1, sizeof *m);
	int r;

	if (!m)
		return -ENOMEM;
	if (!(m->dep = slurp(dir, "modules.dep", 1))) {
		r = -errno;
		free(m);
		return r;
	}
	m->softdep = slurp(dir, "modules.softdep", 0);
	m->alias = slurp(dir, "modules.alias", 0);
	m->builtin = slurp(dir, "modules.builtin", 0);
	m->builtin_alias = slurp(dir, "modules.builtin.alias", 0);
	if (!m->softdep || !m->alias || !m->builtin || !m->builtin_alias || (r = index_dep(m))) {
		moddep_close(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void moddep_close(struct moddep *m)
{
	if (!m)
		return;
	free(m->dep);
	free(m->softdep);
	free(m->alias);
	free(m->builtin);
	free(m->builtin_alias);
	free(m->mods);
	free(m);
}

static struct mod *by_name(struct moddep *m, const char *name)
{
	for (size_t i = 0; i < m->nmods; i++)
		if (!strcmp(m->mods[i].name, name))
			return &m->mods[i];
	return NULL;
}

/* Is name (normalised) listed in modules.builtin? */
static int is_builtin(const struct moddep *m, const char *name)
{
	char got[64];

	for (const char *line = m->builtin; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		normalise(got, sizeof got, line, len);
		if (!strcmp(got, name))
			return 1;
		line += len + (nl != NULL);
	}
	return 0;
}

/* Looks name up in an alias file ("alias NAME MODULE" lines) and returns
 * the module of the match-th line that names it, in out. Patterns are
 * compared literally: the aliases salvage meets (crypto and softdep names)
 * have no wildcards. */
static int alias_of(const char *file, const char *name, int match, char *out, size_t size)
{
	size_t n = strlen(name);

	for (const char *line = file; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 6 + n && !memcmp(line, "alias ", 6) && !memcmp(line + 6, name, n) &&
		    line[6 + n] == ' ' && match-- == 0) {
			const char *mod = line + 7 + n;
			normalise(out, size, mod, (size_t)(line + len - mod));
			return 1;
		}
		line += len + (nl != NULL);
	}
	return 0;
}

static int visit(struct moddep *m, struct mod *mod);

/* Soft dependencies of mod: the words after "pre:" (want_pre) or "post:". */
static void visit_soft(struct moddep *m, const char *name, int want_pre)
{
	char line[512], word[64], *save;

	for (const char *p = m->softdep; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int n, section = 0;

		p += len + (nl != NULL);
		if (len >= sizeof line)
			continue;
		memcpy(line, p - len - (nl != NULL), len);
		line[len] = 0;
		if (sscanf(line, "softdep %63s%n", word, &n) != 1)
			continue;
		normalise(word, sizeof word, word, strlen(word));
		if (strcmp(word, name))
			continue;
		for (char *tok = strtok_r(line + n, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			if (!strcmp(tok, "pre:") || !strcmp(tok, "post:")) {
				section = tok[1] == 'r' ? 1 : 2;
				continue;
			}
			if (section == (want_pre ? 1 : 2))
				moddep_add(m, tok); /* absent soft deps are fine */
		}
	}
}

static int visit(struct moddep *m, struct mod *mod)
{
	char path[256];
	int r;

	if (mod->state == 2)
		return 0;
	if (mod->state == 1)
		return -SALVAGE_E_MOD_LOOP;
	mod->state = 1;
	visit_soft(m, mod->name, 1);
	for (const char *p = mod->deps; *p;) {
		size_t len;
		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (!len)
			break;
		normalise(path, sizeof path, p, len);
		struct mod *dep = by_name(m, path);
		if (dep && (r = visit(m, dep)))
			return r;
		p += len;
	}
	if (m->norder == MAX_ORDER)
		return -SALVAGE_E_MOD_TOO_MANY;
	m->order[m->norder++] = mod->path;
	mod->state = 2;
	visit_soft(m, mod->name, 0);
	return 0;
}

/* Every module an alias names goes in (crypto-crc32c: both crc32c_intel
 * and crc32c_generic), since which one the crash kernel's CPU can use is
 * only known there. */
static int add_alias(struct moddep *m, const char *name)
{
	char real[64];
	struct mod *mod;
	int found = 0, r;

	for (int i = 0; alias_of(m->alias, name, i, real, sizeof real); i++) {
		if (!(mod = by_name(m, real)))
			continue;
		if ((r = visit(m, mod)))
			return r;
		found = 1;
	}
	if (found)
		return 0;
	return alias_of(m->builtin_alias, name, 0, real, sizeof real) ? 1
	       : -SALVAGE_E_MOD_NOT_FOUND;
}

int moddep_add(struct moddep *m, const char *name)
{
	char norm[64];
	struct mod *mod;

	normalise(norm, sizeof norm, name, strlen(name));
	if ((mod = by_name(m, norm)))
		return visit(m, mod);
	if (is_builtin(m, norm))
		return 1;
	return add_alias(m, name);
}

size_t moddep_count(const struct moddep *m)
{
	return m->norder;
}

const char *moddep_path(const struct moddep *m, size_t i)
{
	return i < m->norder ? m->order[i] : NULL;
}
