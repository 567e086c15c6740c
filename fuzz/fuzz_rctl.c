/* Resource limits from property values to what is written (src/limits/rctl.c and
 * jail_lim_val in src/core/jaillimits.c). The input is lines NAME=VALUE for the rctl
 * properties (cpuset, memoryuse, pcpu...); the first byte says rlimits on/off and which cgroup
 * layout the host has (memory, pids, cpu and cpuset each on v1, v2 or nowhere; memsw; swap).
 *
 * Only values the property validator accepts are used (the store holds nothing else). Checked:
 * every accepted value is one jail_lim_val takes; the cgroup plan has room for all its writes;
 * each write's value is complete and reads back as itself (lim_cg_same); the CPU list written
 * is the one configured; on v1, memsw is never below the memory limit it must cover; a deny
 * limit the plan cannot carry says why; rlimits carry the configured amounts; the IPC sysctls
 * are whole numbers that cover what was asked (shmall pages hold shmmax bytes); the report
 * fills every row. */
#include <errno.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/jaillimits.h"
#include "core/props.h"
#include "fuzz.h"
#include "util/cleanup.h"

static enum lim_id
lim_by_name(const char *name)
{
	for (int i = 0; i < LIM_N; i++)
		if (streq(lim_info((enum lim_id)i)->name, name))
			return (enum lim_id)i;
	return LIM_N;
}

/* Lines of NAME=VALUE into s, as jail_lim_set would read them from the store. */
static void
load(char *text, struct lim_set *s)
{
	char *rest = text, *line;

	for (int i = 0; i < LIM_N; i++) /* every property off, as by default */
		FUZZ_CHECK(jail_lim_val((enum lim_id)i, "off", s, &(struct ioc_err){0}) == 0,
			   "off");
	while ((line = strsep(&rest, "\n")) != NULL) {
		char *eq = strchr(line, '=');
		cleanup_free char *canon = NULL;
		struct ioc_err e = {0};
		enum lim_id id;

		if (!eq)
			continue;
		*eq = '\0';
		id = lim_by_name(line);
		if (id == LIM_N || prop_validate(prop_find(line), eq + 1, &canon, &e) < 0)
			continue;
		FUZZ_CHECK(jail_lim_val(id, canon, s, &e) == 0,
			   "%s=%s is a valid property value, yet: %s", line, canon, e.msg);
	}
}

/* A CPU list as a set of CPUs below 4096; false when it is not one. */
static bool
cpu_set(const char *s, uint64_t bits[64])
{
	memset(bits, 0, 64 * sizeof(*bits));
	if (!*s)
		return false;
	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s || *s == '-' || *s == '+' || *s == ' ')
			return false;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s)
				return false;
		}
		if (a > b || b >= 4096 || (*end && *end != ','))
			return false;
		for (unsigned long c = a; c <= b; c++)
			bits[c / 64] |= 1ULL << (c % 64);
		s = *end ? end + 1 : end;
	}
	return true;
}

static const struct lim_write *
find_write(const struct lim_plan *p, const char *file, size_t from)
{
	for (size_t i = from; i < p->n; i++)
		if (streq(p->w[i].file, file))
			return &p->w[i];
	return NULL;
}

static uint64_t
num(const char *s)
{
	uint64_t v = 0;

	FUZZ_CHECK(parse_u64(s, &v) == 0, "'%s' is not a number", s);
	return v;
}

static void
check_plan(const struct lim_set *s, const struct cg_env *env)
{
	struct lim_plan p;
	const struct lim_write *w, *lim;
	uint64_t want[64], got[64];

	lim_cg_plan(s, env, &p);
	FUZZ_CHECK(p.n < LIM_WRITES_MAX, "a plan of %zu writes may have lost some", p.n);
	for (size_t i = 0; i < p.n; i++) {
		w = &p.w[i];
		/* A value that fills the buffer may have been cut (a CPU list may fill it exactly:
		 * it is compared whole below). */
		FUZZ_CHECK(strlen(w->value) + 1 < sizeof(w->value) || streq(w->file, "cpuset.cpus"),
			   "%s: '%s' may have been cut short", w->file, w->value);
		FUZZ_CHECK(*w->value || streq(w->file, "cpuset.cpus"), "%s: no value", w->file);
		FUZZ_CHECK(lim_cg_same(w, w->value), "%s: '%s' does not read back as itself",
			   w->file, w->value);
	}
	if ((w = find_write(&p, "cpuset.cpus", 0)) && lim_enforced(s, LIM_CPUSET)) {
		FUZZ_CHECK(streq(s->cpus, w->value) && cpu_set(s->cpus, want) &&
			       cpu_set(w->value, got) && memcmp(want, got, sizeof(want)) == 0,
			   "cpuset '%s' is written as '%s'", s->cpus, w->value);
	}
	/* v1: the last memsw write covers the memory limit. */
	if ((lim = find_write(&p, "memory.limit_in_bytes", 0)) && !streq(lim->value, "-1")) {
		const struct lim_write *last = NULL;

		for (size_t i = 0; i < p.n; i++)
			if (streq(p.w[i].file, "memory.memsw.limit_in_bytes"))
				last = &p.w[i];
		if (last && !streq(last->value, "-1"))
			FUZZ_CHECK(num(last->value) >= num(lim->value),
				   "memsw %s is below the memory limit %s", last->value,
				   lim->value);
	}
	for (int i = 0; i < LIM_N; i++) {
		enum lim_id id = (enum lim_id)i;
		bool written = false;

		if (lim_info(id)->kind != LK_CGROUP || !lim_enforced(s, id))
			continue;
		for (size_t k = 0; k < p.n; k++)
			written = written || p.w[k].id == id ||
				  ((id == LIM_MAXPROC || id == LIM_NTHR) &&
				   streq(p.w[k].file, "pids.max"));
		FUZZ_CHECK(written || p.why[id][0], "%s=%s:deny is neither written nor explained",
			   lim_info(id)->name, s->v[id].text);
	}
}

static void
check_rlimits(const struct lim_set *s)
{
	struct lim_rlimit rl[LIM_N];
	size_t n = lim_rlimits(s, rl), want = 0;

	for (int i = 0; i < LIM_N; i++)
		if (lim_info((enum lim_id)i)->kind == LK_RLIMIT &&
		    lim_enforced(s, (enum lim_id)i)) {
			FUZZ_CHECK(want < n &&
				       rl[want].resource == lim_info((enum lim_id)i)->resource &&
				       rl[want].value == s->v[i].amount,
				   "rlimit of %s", lim_info((enum lim_id)i)->name);
			want++;
		}
	FUZZ_CHECK(n == want, "%zu rlimits, want %zu", n, want);
}

static void
check_sysctls(const struct lim_set *s)
{
	struct strv out = {0};
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), shmall = 0, shmmax = 0;
	bool has_all = false, has_max = false;

	lim_sysctls(s, true, &out);
	for (size_t i = 0; i < out.n; i++) {
		const char *eq = strchr(out.v[i], '=');

		FUZZ_CHECK(str_has_prefix(out.v[i], "kernel.") && eq && eq[1], "sysctl '%s'",
			   out.v[i]);
		if (str_has_prefix(out.v[i], "kernel.shmall=") && !streq(eq + 1, "default"))
			shmall = num(eq + 1), has_all = true;
		if (str_has_prefix(out.v[i], "kernel.shmmax=") && !streq(eq + 1, "default"))
			shmmax = num(eq + 1), has_max = true;
	}
	FUZZ_CHECK(has_all == has_max, "shmall and shmmax go together");
	if (has_all)
		FUZZ_CHECK(shmall >= shmmax / page && shmall > 0,
			   "shmall %" PRIu64 " pages do not hold shmmax %" PRIu64 " bytes", shmall,
			   shmmax);
	strv_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum cg_where where[] = {CGW_V2, CGW_V1, CGW_NONE, CGW_V2};
	cleanup_free char *text = NULL;
	struct lim_row rows[LIM_N];
	struct lim_set s = {0};
	struct cg_env env = {0};
	struct lim_plan p;
	struct ioc_err e = {0};
	unsigned b;

	if (size < 2)
		return 0;
	b = data[0] | (unsigned)data[1] << 8;
	text = fuzz_cstr(data + 2, size - 2);
	load(text, &s);
	s.on = b & 1;
	env.where[CG_MEMORY] = where[(b >> 1) & 3];
	env.where[CG_PIDS] = where[(b >> 3) & 3];
	env.where[CG_CPU] = where[(b >> 5) & 3];
	env.where[CG_CPUACCT] = env.where[CG_CPU];
	env.where[CG_CPUSET] = where[(b >> 7) & 3];
	env.memsw = (b >> 9) & 1;
	env.v2_swap = (b >> 10) & 1;
	check_plan(&s, &env);
	check_rlimits(&s);
	check_sysctls(&s);
	lim_cg_plan(&s, &env, &p);
	if (jail_lim_check(&s, &p, (b >> 11) & 1, &e) < 0)
		FUZZ_CHECK_MSG(&e);
	lim_report(&s, &env, NULL, rows);
	for (int i = 0; i < LIM_N; i++)
		FUZZ_CHECK(rows[i].prop && memchr(rows[i].status, '\0', sizeof(rows[i].status)),
			   "report row %d", i);
	return 0;
}
