/* top: `inuse` for every running jail, refreshed, busiest first (issue #5). CPU% is the jail's
 * CPU time over the wall time between two samples (100 = one whole CPU). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/jaillimits.h"
#include "core/jailrun.h"
#include "core/output.h"
#include "util/cleanup.h"

static const struct col top_cols[] = {
    {"TAG", COL_STR},     {"JID", COL_NUM},     {"CPU%", COL_NUM},
    {"MEMORY", COL_NUM},  {"SWAP", COL_NUM},    {"PROCS", COL_NUM},
    {"THREADS", COL_NUM}, {"CPUTIME", COL_NUM}, {"OPENFILES", COL_NUM},
};

struct sample {
	char uuid[UUID_STRLEN + 1];
	char *tag;
	pid_t jid;
	struct lim_usage u;
	int64_t cpu_pct10; /* CPU% x 10 since the last sample; -1 unknown (first sample) */
};

struct samples {
	struct sample *v;
	size_t n;
	int64_t at_us; /* CLOCK_MONOTONIC */
};

enum sort_by { BY_CPU, BY_MEM };
static enum sort_by sort_key;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
samples_free(struct samples *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].tag);
	free(s->v);
	*s = (struct samples){0};
}

static const struct sample *
find_prev(const struct samples *prev, const char *uuid, pid_t jid)
{
	for (size_t i = 0; i < prev->n; i++)
		if (streq(prev->v[i].uuid, uuid) && prev->v[i].jid == jid)
			return &prev->v[i];
	return NULL;
}

static int
by_key(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int64_t kx = sort_key == BY_CPU ? x->cpu_pct10 : x->u.memory;
	int64_t ky = sort_key == BY_CPU ? y->cpu_pct10 : y->u.memory;

	if (kx != ky)
		return kx < ky ? 1 : -1; /* busiest first */
	return strcmp(x->tag, y->tag);
}

/* One sample of every running jail; a jail that stops meanwhile is left out. */
static int
take(struct ioc *ioc, const struct cmd *c, const struct samples *prev, struct samples *out,
     struct ioc_err *e)
{
	struct jails l = {0};

	if (cmd_jails(ioc, c, 0, &l, e) < 0)
		return -1;
	out->v = xcalloc(l.n ? l.n : 1, sizeof(*out->v));
	out->at_us = now_us();
	for (size_t i = 0; i < l.n; i++) {
		struct sample *s = &out->v[out->n];
		const struct sample *p;
		struct jail_proc jp;
		struct ioc_err e2;

		if (!jail_running(&l.v[i], &jp) ||
		    jail_inuse(ioc, &l.v[i], &s->u, &s->jid, &e2) < 0)
			continue;
		snprintf(s->uuid, sizeof(s->uuid), "%s", l.v[i].uuid);
		s->tag = xstrdup(l.v[i].tag);
		s->cpu_pct10 = -1;
		p = find_prev(prev, s->uuid, s->jid);
		if (p && p->u.cpu_us >= 0 && s->u.cpu_us >= p->u.cpu_us && out->at_us > prev->at_us)
			s->cpu_pct10 =
			    (s->u.cpu_us - p->u.cpu_us) * 1000 / (out->at_us - prev->at_us);
		out->n++;
	}
	jails_free(&l);
	return 0;
}

static void
show(const struct samples *s, enum out_mode mode, bool clear)
{
	struct table t;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	table_init(&t, top_cols, ARRAY_SIZE(top_cols));
	for (size_t i = 0; i < s->n; i++) {
		const struct sample *x = &s->v[i];
		char c[8][32];
		const char *cells[9] = {x->tag};

		snprintf(c[0], sizeof(c[0]), "%d", (int)x->jid);
		if (x->cpu_pct10 < 0)
			snprintf(c[1], sizeof(c[1]), "-");
		else
			snprintf(c[1], sizeof(c[1]), "%" PRId64 ".%" PRId64, x->cpu_pct10 / 10,
				 x->cpu_pct10 % 10);
		cell_num(x->u.memory, true, mode, c[2], sizeof(c[2]));
		cell_num(x->u.swap, true, mode, c[3], sizeof(c[3]));
		cell_num(x->u.procs, false, mode, c[4], sizeof(c[4]));
		cell_num(x->u.threads, false, mode, c[5], sizeof(c[5]));
		if (x->u.cpu_us < 0)
			snprintf(c[6], sizeof(c[6]), "-");
		else
			snprintf(c[6], sizeof(c[6]), "%" PRId64 ".%02" PRId64,
				 x->u.cpu_us / 1000000, x->u.cpu_us % 1000000 / 10000);
		cell_num(x->u.openfiles, false, mode, c[7], sizeof(c[7]));
		for (int k = 0; k < 8; k++)
			cells[k + 1] = c[k];
		table_add(&t, cells);
	}
	if (clear)
		fputs("\033[H\033[2J", stdout);
	if (mode == OUT_TABLE) {
		localtime_r(&now, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		printf("iocage top - %s, %zu running jail%s, sorted by %s\n", when, s->n,
		       s->n == 1 ? "" : "s", sort_key == BY_CPU ? "CPU%" : "memory");
	}
	table_print(&t, mode, stdout);
	if (mode == OUT_TABLE)
		putchar('\n');
	fflush(stdout);
	table_free(&t);
}

/* A decimal number of seconds, 0.1 to 3600, as microseconds; -1 when it is not one. */
static int64_t
parse_delay(const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !(d >= 0.1 && d <= 3600))
		return -1;
	return (int64_t)(d * 1e6);
}

int
cmd_top(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct samples none = {0}, prev = {0}, cur = {0};
	int64_t delay = 2000000;
	long count = -1;
	bool tty = isatty(STDOUT_FILENO);
	struct ioc_err e;
	int ch;

	sort_key = BY_CPU;
	while ((ch = cmd_getopt(c, argc, argv, "Hs:d:n:", NULL, &co)) != -1) {
		char *end;

		switch (ch) {
		case 's':
			if (streq(optarg, "cpu"))
				sort_key = BY_CPU;
			else if (streq(optarg, "mem") || streq(optarg, "memory"))
				sort_key = BY_MEM;
			else
				return cmd_usage(c, "-s takes cpu or mem, not '%s'", optarg);
			break;
		case 'd':
			if ((delay = parse_delay(optarg)) < 0)
				return cmd_usage(c, "-d takes seconds from 0.1 to 3600, not '%s'",
						 optarg);
			break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || count < 1 || count > 1000000)
				return cmd_usage(c, "-n takes a count from 1, not '%s'", optarg);
			break;
		case '?':
			return EXIT_USAGE;
		default:
			break;
		}
	}
	if (co.help)
		return EXIT_OK;
	if (optind != argc)
		return cmd_usage(c, "top takes no operands");
	if (count < 0 && !tty)
		count = 1; /* a script or a pipe: one table, not an endless stream */
	/* CPU% needs two samples: a first one, a short wait, then the one shown. */
	if (take(ioc, c, &none, &prev, &e) < 0)
		return cmd_fail(c, &e);
	usleep((useconds_t)(delay < 500000 ? delay : 500000));
	for (long i = 0; count < 0 || i < count; i++) {
		if (i > 0)
			usleep((useconds_t)delay);
		if (take(ioc, c, &prev, &cur, &e) < 0) {
			samples_free(&prev);
			return cmd_fail(c, &e);
		}
		qsort(cur.v, cur.n, sizeof(*cur.v), by_key);
		show(&cur, cmd_out_mode(&co), tty && count != 1);
		samples_free(&prev);
		prev = cur;
		cur = (struct samples){0};
	}
	samples_free(&prev);
	return EXIT_OK;
}
