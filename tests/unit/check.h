/* A tiny unit-test harness: TEST(name) { ... } registers a test; CHECK_*
 * compare and, on failure, print file:line, the expression, expected and
 * actual. CHECK_SKIP(why) ends a test that cannot run here, saying why;
 * skips are counted. The runner's last line is "N passed, N failed,
 * N skipped". */
#ifndef SALVAGE_TEST_CHECK_H
#define SALVAGE_TEST_CHECK_H

void check_register(const char *name, void (*fn)(void));
int check_int(const char *file, int line, const char *expr, long long want, long long got);
int check_str(const char *file, int line, const char *expr, const char *want, const char *got);
int check_mem(const char *file, int line, const char *expr, const void *want, const void *got, unsigned long n);
/* Marks the running test skipped, printing why; the test must return. */
void check_skip(const char *why);

#define TEST(name) \
	static void name(void); \
	__attribute__((constructor)) static void reg_##name(void) { check_register(#name, name); } \
	static void name(void)

#define CHECK_INT(want, got) check_int(__FILE__, __LINE__, #got, (long long)(want), (long long)(got))
#define CHECK_STR(want, got) check_str(__FILE__, __LINE__, #got, (want), (got))
#define CHECK_MEM(want, got, n) check_mem(__FILE__, __LINE__, #got, (want), (got), (n))
#define CHECK_SKIP(why) do { check_skip(why); return; } while (0)

/* A fresh empty directory for a test's files (under $TMPDIR or /tmp). */
const char *check_tmpdir(void);
void check_write(const char *dir, const char *name, const char *text);

#endif
