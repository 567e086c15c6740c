/* A jail's cgroup: "iocage/UUID" below the root of each hierarchy used. On a hybrid host the
 * v2 hierarchy gives membership and cgroup.kill (it sees every process, whatever controllers
 * it holds) and the v1 controller hierarchies give limits; a pure v2 host uses v2 alone, a v1
 * host v1 alone. Nothing outside "<mount>/iocage" is written except, on a pure v2 host, "+ctrl"
 * lines into the root's cgroup.subtree_control, which only add. */
#include "limits/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/syscalls.h"

#define CG_TOP          "iocage"
#define NAME_MAX_LEN    64
#define MOUNTINFO_MAX   (64u << 20)
#define PROCS_MAX       (16u << 20) /* pid_max is at most 4M: 8 bytes a line */
#define SMALL_MAX       (64u << 10)
#define DEPTH_MAX       32 /* sub-cgroups a jail made (cgroupfs mounted inside) */
#define SIGNAL_PASSES   100
#define DESTROY_WAIT_MS 2000
#define DESTROY_STEP_MS 20

static const char *const ctrl_names[CG_NCTRL] = {
    [CG_PIDS] = "pids",       [CG_MEMORY] = "memory", [CG_CPU] = "cpu",
    [CG_CPUACCT] = "cpuacct", [CG_CPUSET] = "cpuset",
};

/* What a pure v2 host enables for jails, when the kernel offers it. */
static const char *const v2_ctrls[] = {"cpu", "memory", "pids", "cpuset", "io"};

const char *
cg_ctrl_name(enum cg_ctrl c)
{
	return (unsigned)c < CG_NCTRL ? ctrl_names[c] : NULL;
}

/* ---- small helpers (-1 with errno) ---- */

static int
read_at(int dirfd, const char *name, size_t max, char **ret)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct sbuf b = {0};
	char buf[8192];
	ssize_t n;

	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len + (size_t)n > max) {
			sbuf_free(&b);
			errno = EFBIG;
			return -1;
		}
		sbuf_addn(&b, buf, (size_t)n);
	}
	if (n < 0) {
		int saved = errno;

		sbuf_free(&b);
		errno = saved;
		return -1;
	}
	*ret = sbuf_take(&b);
	return 0;
}

/* cgroup files take one value per write(2): a short write is an error. */
static int
write_at(int dirfd, const char *name, const char *val)
{
	cleanup_close int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = write(fd, val, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Whether word is one of the space-separated words of list. */
static bool
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		bool start = p == list || p[-1] == ' ';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\n';

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

static bool
is_blank(const char *s)
{
	return s[strspn(s, " \t\n")] == '\0';
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The jail's directory becomes one path component under iocage/: no '/', no dot names. */
static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* ---- /proc/self/mountinfo ---- */

struct mi_line {
	char *target, *fstype, *opts;
};

/* "ID PARENT MAJ:MIN ROOT TARGET OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS", split in
 * place. False when the line does not have that shape. */
static bool
mi_split(char *line, struct mi_line *m)
{
	char *p = line, *f[5], *x;

	for (int i = 0; i < 5; i++)
		if (!(f[i] = mountinfo_field(&p)) || !*f[i])
			return false;
	if (f[0][strspn(f[0], "0123456789")] != '\0' || !strchr(f[2], ':'))
		return false;
	do
		x = mountinfo_field(&p);
	while (x && !streq(x, "-"));
	m->fstype = mountinfo_field(&p);
	if (!mountinfo_field(&p)) /* source */
		return false;
	m->opts = mountinfo_field(&p);
	if (!m->fstype || !m->opts)
		return false;
	m->target = f[4];
	mountinfo_unescape(m->target);
	return m->target[0] == '/';
}

static bool
path_within(const char *p, const char *top)
{
	size_t n = strlen(top);

	if (streq(top, "/"))
		return true;
	return strncmp(p, top, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* A mount on or above a recorded mount point hides it. */
static void
mi_shadow(struct cg_mounts *m, const char *target)
{
	if (m->v2 && path_within(m->v2, target)) {
		free(m->v2);
		m->v2 = NULL;
	}
	for (int c = 0; c < CG_NCTRL; c++) {
		if (m->v1[c] && path_within(m->v1[c], target)) {
			free(m->v1[c]);
			m->v1[c] = NULL;
		}
	}
}

static void
mi_record(struct cg_mounts *m, const struct mi_line *l)
{
	char *tok, *next;

	if (streq(l->fstype, "cgroup2")) {
		if (!m->v2)
			m->v2 = xstrdup(l->target);
		return;
	}
	if (!streq(l->fstype, "cgroup"))
		return;
	/* Superblock options: "rw,cpu,cpuacct", "rw,xattr,name=systemd"... */
	for (tok = l->opts; tok; tok = next) {
		if ((next = strchr(tok, ',')))
			*next++ = '\0';
		for (int c = 0; c < CG_NCTRL; c++)
			if (streq(tok, ctrl_names[c]) && !m->v1[c])
				m->v1[c] = xstrdup(l->target);
	}
}

static int
mi_count(const struct cg_mounts *m)
{
	int n = m->v2 ? 1 : 0;

	for (int c = 0; c < CG_NCTRL; c++) {
		int j;

		if (!m->v1[c])
			continue;
		for (j = 0; j < c; j++)
			if (m->v1[j] && streq(m->v1[j], m->v1[c]))
				break;
		if (j == c)
			n++;
	}
	return n;
}

int
cg_parse_mountinfo(const char *text, struct cg_mounts *out)
{
	const char *p = text;

	memset(out, 0, sizeof(*out));
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		cleanup_free char *line = xstrndup(p, len);
		struct mi_line l;

		p = nl ? nl + 1 : NULL;
		if (!mi_split(line, &l))
			continue;
		mi_shadow(out, l.target);
		mi_record(out, &l);
	}
	return mi_count(out);
}

void
cg_mounts_free(struct cg_mounts *m)
{
	if (!m)
		return;
	free(m->v2);
	for (int c = 0; c < CG_NCTRL; c++)
		free(m->v1[c]);
	memset(m, 0, sizeof(*m));
}

/* ---- the host's hierarchies, cached ---- */

static struct cg_mounts host;
static bool host_known;

static bool
is_fs(const char *path, unsigned long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (unsigned long)st.f_type == magic;
}

int
cg_host_mounts(const struct cg_mounts **ret, struct ioc_err *e)
{
	cleanup_free char *text = NULL;

	if (!host_known) {
		if (read_file("/proc/self/mountinfo", &text, MOUNTINFO_MAX, e) < 0) {
			err_wrap(e, "find the cgroup hierarchies");
			return -1;
		}
		cg_parse_mountinfo(text, &host);
		/* mountinfo order is not always mount order: check what the paths are now. */
		if (host.v2 && !is_fs(host.v2, CGROUP2_SUPER_MAGIC)) {
			free(host.v2);
			host.v2 = NULL;
		}
		for (int c = 0; c < CG_NCTRL; c++) {
			if (host.v1[c] && !is_fs(host.v1[c], CGROUP_SUPER_MAGIC)) {
				free(host.v1[c]);
				host.v1[c] = NULL;
			}
		}
		host_known = true;
	}
	*ret = &host;
	return 0;
}

void
cg_mounts_override(const struct cg_mounts *m)
{
	cg_mounts_free(&host);
	host_known = false;
	if (!m)
		return;
	host.v2 = m->v2 ? xstrdup(m->v2) : NULL;
	for (int c = 0; c < CG_NCTRL; c++)
		host.v1[c] = m->v1[c] ? xstrdup(m->v1[c]) : NULL;
	host_known = true;
}

static bool
pure_v2(const struct cg_mounts *m)
{
	for (int c = 0; c < CG_NCTRL; c++)
		if (m->v1[c])
			return false;
	return m->v2 != NULL;
}

/* ---- the jail's directories ---- */

static void
cg_init(struct cgroup *cg)
{
	memset(cg, 0, sizeof(*cg));
	cg->v2_fd = -1;
	for (int c = 0; c < CG_NCTRL; c++)
		cg->v1_idx[c] = -1;
}

static char *
jail_dir(const char *mnt, const char *uuid)
{
	return xasprintf("%s/" CG_TOP "/%s", mnt, uuid);
}

/* The index of the hierarchy mounted at mnt in cg, added if new. */
static int
v1_add(struct cgroup *cg, const char *mnt, const char *uuid)
{
	cleanup_free char *dir = jail_dir(mnt, uuid);

	for (size_t i = 0; i < cg->v1_paths.n; i++)
		if (streq(cg->v1_paths.v[i], dir))
			return (int)i;
	strv_push_take(&cg->v1_procs, xasprintf("%s/cgroup.procs", dir));
	strv_push_take(&cg->v1_paths, TAKE_PTR(dir));
	return (int)cg->v1_paths.n - 1;
}

/* Where uuid's cgroup is on this host (paths only). */
static int
cg_plan(const char *uuid, struct cgroup *out, const struct cg_mounts **ret_m, struct ioc_err *e)
{
	const struct cg_mounts *m = NULL;

	cg_init(out);
	if (!name_ok(uuid))
		return err_set(e, EINVAL,
			       "'%s' cannot name a cgroup (1-%d of A-Z a-z 0-9 - _, not starting "
			       "with '-')",
			       uuid, NAME_MAX_LEN);
	if (cg_host_mounts(&m, e) < 0)
		return -1;
	if (mi_count(m) == 0)
		return err_set(
		    e, ENOTSUP,
		    "no cgroup hierarchy is mounted (neither cgroup2 nor v1 pids, memory, "
		    "cpu, cpuacct or cpuset)");
	if (m->v2)
		out->v2_path = jail_dir(m->v2, uuid);
	for (int c = 0; c < CG_NCTRL; c++)
		if (m->v1[c])
			out->v1_idx[c] = v1_add(out, m->v1[c], uuid);
	*ret_m = m;
	return 0;
}

/* mkdir that accepts an existing directory (reuse after a crash); *made says which. */
static int
mkdir_once(const char *path, bool *made, struct ioc_err *e)
{
	struct stat st;

	if (made)
		*made = false;
	if (mkdir(path, 0755) == 0) {
		if (made) {
			*made = true;
			fault_point("cgroup mkdir");
		}
		return 0;
	}
	if (errno != EEXIST)
		return err_sys(e, "create cgroup %s", path);
	if (lstat(path, &st) < 0)
		return err_sys(e, "stat %s", path);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "%s exists and is not a directory", path);
	return 0;
}

/* Offer jails the controllers the kernel has in this v2 directory. Failures are left for the
 * limits to report: a controller the kernel refuses (EBUSY: processes in a delegated mount
 * root; EINVAL: realtime tasks and cpu) is one whose limits cannot hold. */
static void
v2_enable(const char *dir)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *avail = NULL, *on = NULL;
	char line[32];

	if (fd < 0 || read_at(fd, "cgroup.controllers", SMALL_MAX, &avail) < 0 ||
	    read_at(fd, "cgroup.subtree_control", SMALL_MAX, &on) < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(v2_ctrls); i++) {
		if (!has_word(avail, v2_ctrls[i]) || has_word(on, v2_ctrls[i]))
			continue;
		snprintf(line, sizeof(line), "+%s", v2_ctrls[i]);
		(void)write_at(fd, "cgroup.subtree_control", line);
	}
}

static int
v2_make(const char *mnt, const char *uuid, bool enable, bool *made, struct ioc_err *e)
{
	cleanup_free char *top = xasprintf("%s/" CG_TOP, mnt);
	cleanup_free char *dir = jail_dir(mnt, uuid);

	if (enable)
		v2_enable(mnt);
	if (mkdir_once(top, NULL, e) < 0)
		return -1;
	if (enable)
		v2_enable(top);
	return mkdir_once(dir, made, e);
}

/* A v1 cpuset cgroup starts with no CPUs and no memory nodes, and nothing can join it until
 * it has some: copy the parent's. */
static int
cpuset_inherit(const char *parent, const char *child, struct ioc_err *e)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	cleanup_close int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int cfd = open(child, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (pfd < 0 || cfd < 0)
		return err_sys(e, "open %s", pfd < 0 ? parent : child);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cleanup_free char *cur = NULL, *want = NULL;

		if (read_at(cfd, files[i], SMALL_MAX, &cur) < 0)
			return err_sys(e, "read %s/%s", child, files[i]);
		if (!is_blank(cur))
			continue;
		if (read_at(pfd, files[i], SMALL_MAX, &want) < 0)
			return err_sys(e, "read %s/%s", parent, files[i]);
		want[strcspn(want, "\n")] = '\0';
		if (!is_blank(want) && write_at(cfd, files[i], want) < 0)
			return err_sys(e, "write '%s' to %s/%s", want, child, files[i]);
	}
	return 0;
}

static int
v1_make(const char *mnt, const char *uuid, bool cpuset, bool *made, struct ioc_err *e)
{
	cleanup_free char *top = xasprintf("%s/" CG_TOP, mnt);
	cleanup_free char *dir = jail_dir(mnt, uuid);

	if (mkdir_once(top, NULL, e) < 0)
		return -1;
	if (cpuset && cpuset_inherit(mnt, top, e) < 0)
		return -1;
	if (mkdir_once(dir, made, e) < 0)
		return -1;
	if (cpuset && cpuset_inherit(top, dir, e) < 0)
		return -1;
	return 0;
}

/* The mount point of the hierarchy at index i of cg's v1 list. */
static const char *
v1_mount(const struct cgroup *cg, const struct cg_mounts *m, size_t i, bool *has_cpuset)
{
	const char *mnt = NULL;

	*has_cpuset = false;
	for (int c = 0; c < CG_NCTRL; c++) {
		if (cg->v1_idx[c] != (int)i)
			continue;
		mnt = m->v1[c];
		if (c == CG_CPUSET)
			*has_cpuset = true;
	}
	return mnt;
}

/* Remove the directories this call made, when a later step fails. */
static void
cg_undo(const struct cgroup *cg, bool made_v2, const bool *made_v1)
{
	if (made_v2)
		(void)rmdir(cg->v2_path);
	for (size_t i = 0; i < cg->v1_paths.n; i++)
		if (made_v1[i])
			(void)rmdir(cg->v1_paths.v[i]);
}

static int
cg_make(const struct cgroup *cg, const struct cg_mounts *m, const char *uuid, struct ioc_err *e)
{
	bool made_v2 = false, made_v1[CG_NCTRL] = {false}, cpuset;

	if (m->v2 && v2_make(m->v2, uuid, pure_v2(m), &made_v2, e) < 0)
		return -1;
	for (size_t i = 0; i < cg->v1_paths.n; i++) {
		const char *mnt = v1_mount(cg, m, i, &cpuset);

		if (v1_make(mnt, uuid, cpuset, &made_v1[i], e) < 0) {
			cg_undo(cg, made_v2, made_v1);
			return -1;
		}
	}
	return 0;
}

static int
open_v2(struct cgroup *cg, struct ioc_err *e)
{
	if (!cg->v2_path)
		return 0;
	cg->v2_fd = open(cg->v2_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cg->v2_fd < 0)
		return err_sys(e, "open %s", cg->v2_path);
	return 0;
}

int
cg_create(const char *uuid, struct cgroup *out, struct ioc_err *e)
{
	const struct cg_mounts *m = NULL;
	struct cgroup cg;

	if (cg_plan(uuid, &cg, &m, e) < 0)
		return err_wrap(e, "cgroup of %s", uuid);
	if (cg_make(&cg, m, uuid, e) < 0 || open_v2(&cg, e) < 0) {
		cg_free(&cg);
		return err_wrap(e, "cgroup of %s", uuid);
	}
	*out = cg;
	return 0;
}

static bool
dir_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Keep only the hierarchies where the jail's directory exists. */
static void
cg_keep_existing(struct cgroup *cg)
{
	struct strv paths = {0}, procs = {0};

	if (cg->v2_path && !dir_exists(cg->v2_path)) {
		free(cg->v2_path);
		cg->v2_path = NULL;
	}
	for (int c = 0; c < CG_NCTRL; c++) {
		int i = cg->v1_idx[c];

		cg->v1_idx[c] = -1;
		if (i < 0 || !dir_exists(cg->v1_paths.v[i]))
			continue;
		for (size_t j = 0; j < paths.n; j++)
			if (streq(paths.v[j], cg->v1_paths.v[i]))
				cg->v1_idx[c] = (int)j;
		if (cg->v1_idx[c] >= 0)
			continue;
		cg->v1_idx[c] = (int)paths.n;
		strv_push(&paths, cg->v1_paths.v[i]);
		strv_push(&procs, cg->v1_procs.v[i]);
	}
	strv_free(&cg->v1_paths);
	strv_free(&cg->v1_procs);
	cg->v1_paths = paths;
	cg->v1_procs = procs;
}

int
cg_open(const char *uuid, struct cgroup *out, struct ioc_err *e)
{
	const struct cg_mounts *m = NULL;
	struct cgroup cg;

	if (cg_plan(uuid, &cg, &m, e) < 0)
		return err_wrap(e, "cgroup of %s", uuid);
	cg_keep_existing(&cg);
	if (!cg.v2_path && cg.v1_paths.n == 0) {
		cg_free(&cg);
		return err_set(e, ENOENT, "cgroup of %s: none exists", uuid);
	}
	if (open_v2(&cg, e) < 0) {
		cg_free(&cg);
		return err_wrap(e, "cgroup of %s", uuid);
	}
	*out = cg;
	return 0;
}

void
cg_free(struct cgroup *cg)
{
	if (!cg)
		return;
	/* v2_fd is only ours when v2_path is set: a zeroed struct holds fd 0. */
	if (cg->v2_path && cg->v2_fd >= 0)
		close(cg->v2_fd);
	free(cg->v2_path);
	strv_free(&cg->v1_paths);
	strv_free(&cg->v1_procs);
	cg_init(cg);
}

const char *
cg_describe(const struct cgroup *cg)
{
	if (cg->v2_path)
		return cg->v2_path;
	return cg->v1_paths.n ? cg->v1_paths.v[0] : NULL;
}

const char *
cg_v1_path(const struct cgroup *cg, enum cg_ctrl c)
{
	int i;

	if ((unsigned)c >= CG_NCTRL)
		return NULL;
	i = cg->v1_idx[c];
	return i >= 0 && (size_t)i < cg->v1_paths.n ? cg->v1_paths.v[i] : NULL;
}

int
cg_attach(const struct cgroup *cg, pid_t pid, struct ioc_err *e)
{
	char val[24];

	snprintf(val, sizeof(val), "%d", (int)pid);
	if (cg->v2_path && cg->v2_fd >= 0 && write_at(cg->v2_fd, "cgroup.procs", val) < 0)
		return err_sys(e, "move %d into %s", (int)pid, cg->v2_path);
	for (size_t i = 0; i < cg->v1_procs.n; i++)
		if (write_at(AT_FDCWD, cg->v1_procs.v[i], val) < 0)
			return err_sys(e, "move %d into %s", (int)pid, cg->v1_paths.v[i]);
	return 0;
}

/* ---- members ---- */

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static void
pidset_add(struct pidset *s, pid_t p)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = p;
}

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static void
pidset_sort(struct pidset *s)
{
	size_t w = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_pid);
	for (size_t r = 1; r < s->n; r++)
		if (s->v[r] != s->v[w])
			s->v[++w] = s->v[r];
	s->n = w + 1;
}

/* Whether p is among the first n (sorted) entries of s. */
static bool
pidset_has(const struct pidset *s, size_t n, pid_t p)
{
	return n && bsearch(&p, s->v, n, sizeof(*s->v), cmp_pid);
}

static int
parse_procs(const char *text, struct pidset *s)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char num[16];
		uint64_t v;

		if (len > 0) {
			if (len >= sizeof(num))
				return errno = EINVAL, -1;
			memcpy(num, p, len);
			num[len] = '\0';
			if (parse_u64(num, &v) < 0 || v > INT32_MAX)
				return errno = EINVAL, -1;
			/* 0: a member outside our pid namespace, which we cannot name */
			if (v > 0)
				pidset_add(s, (pid_t)v);
		}
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* The processes in the cgroup at dirfd and in any cgroup below it: a jail given cgroupfs can
 * make sub-cgroups, and cgroup.procs lists only its own directory. */
static int
collect(int dirfd, unsigned depth, struct pidset *s)
{
	cleanup_free char *text = NULL;
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (depth > DEPTH_MAX)
		return errno = ELOOP, -1;
	if (read_at(dirfd, "cgroup.procs", PROCS_MAX, &text) < 0 || parse_procs(text, s) < 0)
		return -1;
	/* A new open file: dirfd's own offset is the caller's. */
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		cleanup_close int sub = -1;

		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && errno == ENOENT)
			continue; /* removed meanwhile */
		if (sub < 0 || collect(sub, depth + 1, s) < 0)
			return -1;
	}
	return errno ? -1 : 0;
}

static int
list_pids(const struct cgroup *cg, struct pidset *s, struct ioc_err *e)
{
	const char *path = cg_describe(cg);
	cleanup_close int own = -1;
	int fd = cg->v2_path ? cg->v2_fd : -1;

	if (!path)
		return err_set(e, EINVAL, "empty cgroup handle");
	if (fd < 0) {
		own = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (own < 0)
			return err_sys(e, "open %s", path);
		fd = own;
	}
	if (collect(fd, 0, s) < 0) {
		free(s->v);
		memset(s, 0, sizeof(*s));
		return err_sys(e, "list the processes of %s", path);
	}
	pidset_sort(s);
	return 0;
}

int
cg_pids(const struct cgroup *cg, pid_t **ret, size_t *n, struct ioc_err *e)
{
	struct pidset s = {0};

	if (list_pids(cg, &s, e) < 0)
		return -1;
	*ret = s.v;
	*n = s.n;
	return 0;
}

/* ---- signals ---- */

/* Whether the process behind procfd is in the jail's cgroup or below it, in any hierarchy
 * (/proc/PID/cgroup read through the open /proc/PID: the same process we will signal). */
static bool
proc_in_jail(int procfd, const char *marker)
{
	cleanup_free char *text = NULL;
	size_t mlen = strlen(marker);
	const char *p;

	if (read_at(procfd, "cgroup", SMALL_MAX, &text) < 0)
		return false;
	for (p = strstr(text, marker); p; p = strstr(p + 1, marker))
		if (p[mlen] == '\n' || p[mlen] == '/' || p[mlen] == '\0')
			return true;
	return false;
}

/* Signal pid if it is still a member. A pid read from cgroup.procs may have exited and been
 * reused by a host process by now: hold /proc/PID open, check its cgroup through that, and
 * signal through the same fd (pidfd_send_signal takes a /proc/PID directory), so the check
 * and the signal are about one process. kill(2) only where the kernel lacks the call. */
static int
signal_pid(pid_t pid, const char *marker, int sig)
{
	static bool no_pidfd;
	cleanup_close int fd = -1;
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -1;
	if (!proc_in_jail(fd, marker))
		return 0;
	if (!no_pidfd) {
		if (sys_pidfd_send_signal(fd, sig, NULL, 0) == 0 || errno == ESRCH)
			return 0;
		if (errno != ENOSYS)
			return -1;
		no_pidfd = true;
	}
	return kill(pid, sig) == 0 || errno == ESRCH ? 0 : -1;
}

/* 0 when cgroup.kill did it, 1 when the kernel has no cgroup.kill (before 5.14). */
static int
v2_kill(const struct cgroup *cg, struct ioc_err *e)
{
	if (write_at(cg->v2_fd, "cgroup.kill", "1") == 0)
		return 0;
	if (errno == ENOENT)
		return 1;
	return err_sys(e, "write 1 to %s/cgroup.kill", cg->v2_path);
}

/* One pass: signal the members; *fresh says whether any was not seen before. SIGKILL goes to
 * every member every pass (a pid reused inside the jail is killed too); other signals once to
 * each pid, so a process that handles SIGTERM gets one. */
static int
signal_pass(const struct cgroup *cg, const char *marker, int sig, struct pidset *seen, bool *fresh,
	    struct ioc_err *e)
{
	struct pidset now = {0};
	size_t had = seen->n;

	if (list_pids(cg, &now, e) < 0)
		return -1;
	for (size_t i = 0; i < now.n; i++) {
		/* seen is sorted up to had; now has no duplicates to look for past it. */
		bool is_new = !pidset_has(seen, had, now.v[i]);

		if (is_new)
			pidset_add(seen, now.v[i]);
		if ((is_new || sig == SIGKILL) && signal_pid(now.v[i], marker, sig) < 0) {
			err_sys(e, "signal %d to process %d of %s", sig, (int)now.v[i],
				cg_describe(cg));
			free(now.v);
			return -1;
		}
	}
	free(now.v);
	*fresh = seen->n > had;
	pidset_sort(seen);
	return 0;
}

static int
signal_each(const struct cgroup *cg, int sig, struct ioc_err *e)
{
	const char *dir = cg_describe(cg), *slash;
	cleanup_free char *marker = NULL;
	struct pidset seen = {0};
	bool fresh = true;
	int r = 0;

	if (!dir)
		return err_set(e, EINVAL, "empty cgroup handle");
	slash = strrchr(dir, '/');
	marker = xasprintf("/" CG_TOP "/%s", slash ? slash + 1 : dir);
	for (int pass = 0; fresh && r == 0; pass++) {
		if (pass == SIGNAL_PASSES) {
			r = err_set(e, EAGAIN,
				    "signal %d to %s: new processes still appear after %d "
				    "passes",
				    sig, dir, SIGNAL_PASSES);
			break;
		}
		r = signal_pass(cg, marker, sig, &seen, &fresh, e);
	}
	free(seen.v);
	return r;
}

int
cg_signal(const struct cgroup *cg, int sig, struct ioc_err *e)
{
	if (sig == SIGKILL && cg->v2_path && cg->v2_fd >= 0) {
		int r = v2_kill(cg, e);

		if (r <= 0)
			return r;
	}
	return signal_each(cg, sig, e);
}

/* ---- removal ---- */

/* Remove the sub-cgroups below dirfd, deepest first (-1 with errno). */
static int
rm_below(int dirfd, unsigned depth)
{
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (depth > DEPTH_MAX)
		return errno = ELOOP, -1;
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		cleanup_close int sub = -1;

		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && errno == ENOENT)
			continue;
		if (sub < 0 || rm_below(sub, depth + 1) < 0)
			return -1;
		if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return -1;
	}
	return errno ? -1 : 0;
}

static int
rm_cgroup(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (rm_below(fd, 1) < 0)
		return -1;
	if (rmdir(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* EBUSY while members are still exiting: retry until the deadline. */
static int
rm_cgroup_wait(const char *path, int64_t deadline, struct ioc_err *e)
{
	while (rm_cgroup(path) < 0) {
		if (errno != EBUSY || now_ms() >= deadline)
			return err_sys(e, "remove cgroup %s%s", path,
				       errno == EBUSY ? " (processes still in it)" : "");
		sleep_ms(DESTROY_STEP_MS);
	}
	return 0;
}

int
cg_destroy(const struct cgroup *cg, struct ioc_err *e)
{
	int64_t deadline = now_ms() + DESTROY_WAIT_MS;
	struct ioc_err tmp;
	int r = 0;

	if (cg->v2_path && rm_cgroup_wait(cg->v2_path, deadline, e) < 0)
		r = -1;
	else if (cg->v2_path)
		fault_point("cgroup remove");
	for (size_t i = 0; i < cg->v1_paths.n; i++) {
		/* Try every hierarchy; report the first failure. */
		if (rm_cgroup_wait(cg->v1_paths.v[i], deadline, r ? &tmp : e) < 0)
			r = -1;
		else
			fault_point("cgroup remove");
	}
	return r;
}
