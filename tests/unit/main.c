#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

/* Tests register from constructors, before main: one that does not fit is
 * remembered and fails the run, never silently left out. */
#define MAX_TESTS 1024
static struct { const char *name; void (*fn)(void); } tests[MAX_TESTS];
static int ntests, nlost, failed_checks, skipped_now;
static const char *current;

void check_register(const char *name, void (*fn)(void))
{
	if (ntests < MAX_TESTS)
		tests[ntests].name = name, tests[ntests++].fn = fn;
	else
		nlost++;
}

void check_skip(const char *why)
{
	skipped_now = 1;
	fprintf(stdout, "SKIP %s: %s\n", current, why);
}

static int fail(const char *file, int line, const char *expr)
{
	failed_checks++;
	fprintf(stdout, "FAIL %s:%d: %s: %s\n", file, line, current, expr);
	return 0;
}

int check_int(const char *file, int line, const char *expr, long long want, long long got)
{
	if (want == got)
		return 1;
	fail(file, line, expr);
	fprintf(stdout, "     expected %lld, got %lld\n", want, got);
	return 0;
}

int check_str(const char *file, int line, const char *expr, const char *want, const char *got)
{
	if (want && got && !strcmp(want, got))
		return 1;
	fail(file, line, expr);
	fprintf(stdout, "     expected \"%s\"\n     got      \"%s\"\n",
	        want ? want : "(null)", got ? got : "(null)");
	return 0;
}

int check_mem(const char *file, int line, const char *expr, const void *want, const void *got, unsigned long n)
{
	if (!memcmp(want, got, n))
		return 1;
	fail(file, line, expr);
	fprintf(stdout, "     %lu bytes differ\n", n);
	return 0;
}

const char *check_tmpdir(void)
{
	static char path[256];
	const char *base = getenv("TMPDIR");

	snprintf(path, sizeof path, "%s/salvage-unit-XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(path)) {
		printf("FAIL mkdtemp %s\n", path);
		exit(1);
	}
	return path;
}

void check_write(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) || fputs(text, f) < 0 || fclose(f)) {
		printf("FAIL writing %s\n", path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;

	/* The code under test logs to stderr; keep the report readable
	 * unless asked (SALVAGE_TEST_LOG=1). */
	if (!getenv("SALVAGE_TEST_LOG"))
		freopen("/dev/null", "w", stderr);

	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		int before = failed_checks;
		current = tests[i].name;
		skipped_now = 0;
		tests[i].fn();
		if (failed_checks != before)
			failed++;
		else if (skipped_now)
			skipped++;
		else
			passed++;
	}
	if (nlost) {
		printf("FAIL %d tests did not fit (MAX_TESTS %d in tests/unit/main.c)\n", nlost, MAX_TESTS);
		failed += nlost;
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
