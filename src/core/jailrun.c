#include "core/jailrun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/ident.h"
#include "core/image.h"
#include "core/jaillimits.h"
#include "core/jailnet.h"
#include "core/lock.h"
#include "limits/cgroup.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/run.h"
#include "util/syscalls.h"

/* Top-level directories of a release that a basejail gets read-only; its own are etc, var,
 * root, home, tmp and usr/local (bound over the read-only usr). */
static const char *const base_dirs[] = {"bin",   "sbin",   "lib", "lib32",
					"lib64", "libx32", "usr", NULL};

static const char *const default_path =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* ---- properties ---- */

static char *
val(struct ioc *ioc, const struct jail *j, const char *name)
{
	return jail_value(ioc, j, prop_find(name), NULL);
}

static bool
val_is(struct ioc *ioc, const struct jail *j, const char *name, const char *want)
{
	cleanup_free char *v = val(ioc, j, name);

	return streq(v, want);
}

static unsigned
val_uint(struct ioc *ioc, const struct jail *j, const char *name)
{
	cleanup_free char *v = val(ioc, j, name);
	uint64_t n = 0;

	parse_u64(v, &n);
	return n > 86400 * 365 ? 86400 * 365 : (unsigned)n;
}

static char *
root_path(struct ioc *ioc, const struct jail *j)
{
	char name[128];

	snprintf(name, sizeof(name), "%s/root", j->ds);
	return ioc->st->ops->path(ioc->st, name);
}

/* ---- the run record ----
 * /run/iocage/jails/UUID: line 1 is "PID STARTTIME" of the jail's init (the whole record of
 * earlier releases, so a jail they started still reads as running); then NAME=VALUE lines:
 *   tag=TAG          the jail's tag (kept in step by `set tag=`)
 *   store=KEY        the run key of its store (zfs.POOL or dir.ROOT, as the locks are named)
 *   policy=BITS      its sec_policy, as policy_bits() writes it
 *   exec_clean=0|1
 *   starter=PID STARTTIME   the iocage that is starting the jail, until its last step: a
 *                           start killed half-way leaves a jail that is not running
 * Beside it UUID.bpf, the seccomp filter the jail runs under, and the tag index KEY.TAG
 * holding the UUID. Together they let exec enter a running jail without reading its store:
 * no zfs call, no property lookups, the same fence as the jail's init. */

static void
state_path(const char *uuid, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, IOC_STATEDIR "/%s%s", uuid, suffix);
}

static void
tag_index_path(const char *key, const char *tag, char *buf, size_t len)
{
	snprintf(buf, len, IOC_STATEDIR "/%s.%s", key, tag);
}

enum {
	POL_RAW = 1,
	POL_CHFLAGS = 2,
	POL_NETADMIN = 4,
	POL_QUOTAS = 8,
	POL_ANYSOCK = 16,
	POL_NS = 32,
	POL_NOSYSV = 64,
	POL_ALL = 127
};

static unsigned
policy_bits(const struct sec_policy *p)
{
	return (p->raw_sockets ? POL_RAW : 0) | (p->chflags ? POL_CHFLAGS : 0) |
	       (p->net_admin ? POL_NETADMIN : 0) | (p->quotas ? POL_QUOTAS : 0) |
	       (p->any_socket ? POL_ANYSOCK : 0) | (p->namespaces ? POL_NS : 0) |
	       (p->sysvipc_deny ? POL_NOSYSV : 0);
}

static void
policy_from_bits(unsigned b, struct sec_policy *p)
{
	*p = (struct sec_policy){.raw_sockets = b & POL_RAW,
				 .chflags = b & POL_CHFLAGS,
				 .net_admin = b & POL_NETADMIN,
				 .quotas = b & POL_QUOTAS,
				 .any_socket = b & POL_ANYSOCK,
				 .namespaces = b & POL_NS,
				 .sysvipc_deny = b & POL_NOSYSV};
}

struct run_rec {
	struct jail_proc jp;
	char uuid[UUID_STRLEN + 1];
	char tag[TAG_MAX + 1];
	char store[256];
	bool fenced; /* policy and filter recorded (by this release of iocage) */
	struct sec_policy sec;
	bool exec_clean;
};

/* 0 and r filled if uuid has a record whose init is alive; -1 if not (or unreadable). */
static int
rec_read(const char *uuid, struct run_rec *r)
{
	cleanup_free char *s = NULL;
	unsigned long long pid, st;
	struct ioc_err e;
	char path[128], *line, *save = NULL;

	*r = (struct run_rec){0};
	if (!uuid_valid(uuid))
		return -1;
	state_path(uuid, "", path, sizeof(path));
	if (read_file(path, &s, 4096, &e) < 0)
		return -1;
	if (sscanf(s, "%llu %llu", &pid, &st) != 2 || pid < 2 || pid > INT32_MAX)
		return -1;
	r->jp = (struct jail_proc){.pid = (pid_t)pid, .starttime = st};
	snprintf(r->uuid, sizeof(r->uuid), "%s", uuid);
	if (run_alive(&r->jp) != 1)
		return -1;
	strtok_r(s, "\n", &save);
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *v = strchr(line, '=');
		unsigned long b;

		if (!v)
			continue;
		*v++ = '\0';
		if (streq(line, "tag"))
			snprintf(r->tag, sizeof(r->tag), "%s", v);
		else if (streq(line, "store"))
			snprintf(r->store, sizeof(r->store), "%s", v);
		else if (streq(line, "exec_clean"))
			r->exec_clean = streq(v, "1");
		else if (streq(line, "starter")) {
			unsigned long long spid, sst;
			struct jail_proc sp;

			/* Half started: running only while its starter still works on it. */
			if (sscanf(v, "%llu %llu", &spid, &sst) != 2 || spid < 1 ||
			    spid > INT32_MAX)
				return -1;
			sp = (struct jail_proc){.pid = (pid_t)spid, .starttime = sst};
			if (run_alive(&sp) != 1)
				return -1;
		} else if (streq(line, "policy")) {
			char *end;

			errno = 0;
			b = strtoul(v, &end, 10);
			if (!errno && !*end && b <= POL_ALL) {
				policy_from_bits((unsigned)b, &r->sec);
				r->fenced = true;
			}
		}
	}
	return 0;
}

int
jail_running(const struct jail *j, struct jail_proc *jp)
{
	struct run_rec r;

	if (rec_read(j->uuid, &r) < 0)
		return 0;
	*jp = r.jp;
	return 1;
}

static int
state_write(struct ioc *ioc, const struct jail *j, const struct jail_proc *jp,
	    const struct sec_policy *sec, const struct sec_filter *filter, struct ioc_err *e)
{
	char path[512], key[256];
	cleanup_free char *text = NULL;
	uint64_t self_st;
	int n;

	if (mkdir_p(IOC_STATEDIR, 0700, e) < 0)
		return -1;
	state_path(j->uuid, ".bpf", path, sizeof(path));
	if (sec_filter_save(filter, path, e) < 0)
		return -1;
	run_key(ioc->st, key, sizeof(key));
	if (proc_starttime(getpid(), &self_st, e) < 0)
		return -1;
	text = xasprintf("%d %llu\ntag=%s\nstore=%s\npolicy=%u\nexec_clean=%d\nstarter=%d %llu\n",
			 (int)jp->pid, (unsigned long long)jp->starttime, j->tag, key,
			 policy_bits(sec), val_is(ioc, j, "exec_clean", "1"), (int)getpid(),
			 (unsigned long long)self_st);
	n = (int)strlen(text);
	state_path(j->uuid, "", path, sizeof(path));
	if (write_file_atomic(path, text, (size_t)n, 0600, e) < 0)
		return -1;
	tag_index_path(key, j->tag, path, sizeof(path));
	return write_file_atomic(path, j->uuid, strlen(j->uuid), 0600, e);
}

/* Line NAME=... of uuid's record replaced by NAME=value, or dropped when value is NULL. */
static int
rec_set_line(const char *uuid, const char *name, const char *value, struct ioc_err *e)
{
	cleanup_free char *s = NULL, *text = NULL, *needle = xasprintf("\n%s=", name);
	char path[128], *p, *rest;

	state_path(uuid, "", path, sizeof(path));
	if (read_file(path, &s, 4096, e) < 0)
		return -1;
	p = strstr(s, needle);
	if (!p)
		return 0;
	*p = '\0';
	rest = strchr(p + 1, '\n');
	text = value ? xasprintf("%s%s%s%s", s, needle, value, rest ? rest : "\n")
		     : xasprintf("%s%s", s, rest ? rest : "\n");
	return write_file_atomic(path, text, strlen(text), 0600, e);
}

/* The start's last step: the record loses its starter line, and the jail runs on its own. */
static int
state_started(const struct jail *j, struct ioc_err *e)
{
	return rec_set_line(j->uuid, "starter", NULL, e);
}

/* The tag index entry, if it still names this jail (a later jail may have taken the tag). */
static void
tag_index_remove(const char *key, const char *tag, const char *uuid)
{
	cleanup_free char *s = NULL;
	struct ioc_err e;
	char path[512];

	tag_index_path(key, tag, path, sizeof(path));
	if (read_file(path, &s, 64, &e) == 0 && streq(s, uuid))
		unlink(path);
}

static void
state_remove(struct ioc *ioc, const struct jail *j)
{
	cleanup_free char *s = NULL;
	char path[128], key[256], *t;
	struct ioc_err e;

	run_key(ioc->st, key, sizeof(key));
	tag_index_remove(key, j->tag, j->uuid);
	state_path(j->uuid, "", path, sizeof(path));
	/* The tag the record has, if the jail was renamed since (a record left by a crash). */
	if (read_file(path, &s, 4096, &e) == 0 && (t = strstr(s, "\ntag=")) != NULL) {
		t += 5;
		t[strcspn(t, "\n")] = '\0';
		if (!streq(t, j->tag) && tag_validate(t, &e) == 0)
			tag_index_remove(key, t, j->uuid);
	}
	unlink(path);
	state_path(j->uuid, ".bpf", path, sizeof(path));
	unlink(path);
}

int
jail_run_retag(struct ioc *ioc, const struct jail *j, const char *tag, struct ioc_err *e)
{
	char path[512], key[256];
	struct run_rec r;

	if (rec_read(j->uuid, &r) < 0 || !r.fenced)
		return 0;
	if (rec_set_line(j->uuid, "tag", tag, e) < 0)
		return -1;
	run_key(ioc->st, key, sizeof(key));
	tag_index_remove(key, r.tag, j->uuid);
	tag_index_path(key, tag, path, sizeof(path));
	return write_file_atomic(path, j->uuid, strlen(j->uuid), 0600, e);
}

/* ---- host-side hooks: run by /bin/sh on the host, as jail(8) runs them ---- */

static int
run_hook(struct ioc *ioc, const struct jail *j, const char *name, const struct jail_proc *jp,
	 struct ioc_err *e)
{
	cleanup_free char *cmd = val(ioc, j, name), *user = val(ioc, j, "exec_system_user");
	cleanup_free char *root = root_path(ioc, j);
	cleanup_free char *u = xasprintf("IOCAGE_UUID=%s", j->uuid);
	cleanup_free char *t = xasprintf("IOCAGE_TAG=%s", j->tag);
	cleanup_free char *r = xasprintf("IOCAGE_JAIL_PATH=%s", root ? root : "");
	cleanup_free char *p = xasprintf("IOCAGE_JID=%d", jp ? (int)jp->pid : 0);
	const char *env[] = {default_path, "LC_ALL=C", u, t, r, p, NULL};
	const char *as_root[] = {"/bin/sh", "-c", cmd, NULL};
	const char *as_user[] = {"runuser", "-u", user, "--", "/bin/sh", "-c", cmd, NULL};
	struct run_opts o = {
	    .stdin_fd = -1, .stdout_fd = STDOUT_FILENO, .pass_stderr = true, .env = env};

	if (streq(cmd, "none"))
		return 1;
	if (run_prog_opts(streq(user, "root") ? as_root : as_user, &o, NULL, e) < 0)
		return err_wrap(e, "%s", name);
	return 0;
}

/* ---- commands inside the jail ---- */

/* The jail's user NAME: from its own passwd, or the host's (exec_system_jail_user, -u). */
static int
lookup_user(int rootfd, const char *name, bool host, struct enter_user *u, char **buf,
	    struct ioc_err *e)
{
	struct passwd *pw;

	if (!host)
		return jail_user_lookup(rootfd, name, u, buf, e);
	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return err_set(e, errno ? errno : ENOENT, "no user '%s' on the host", name);
	*buf = xstrdup(pw->pw_dir);
	*u = (struct enter_user){.uid = pw->pw_uid, .gid = pw->pw_gid, .home = *buf};
	u->groups = xcalloc(64, sizeof(gid_t));
	{
		int n = 64;

		if (getgrouplist(name, pw->pw_gid, u->groups, &n) < 0)
			n = 0;
		u->ngroups = (size_t)n;
	}
	return 0;
}

/* A clean environment for commands in the jail (exec_clean=1), or ours. */
static char **
jail_env(bool clean, const char *home, const char *user, struct strv *keep)
{
	extern char **environ;
	const char *term = getenv("TERM");

	if (!clean)
		return environ;
	strv_push(keep, default_path);
	strv_push_take(keep, xasprintf("HOME=%s", home));
	strv_push_take(keep, xasprintf("USER=%s", user));
	strv_push_take(keep, xasprintf("LOGNAME=%s", user));
	if (term)
		strv_push_take(keep, xasprintf("TERM=%s", term));
	return keep->v;
}

/* Does the jail hold this file? (Resolved inside its root: a symlink cannot point out.) */
static bool
jail_has(const char *root, const char *path)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	cleanup_close int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (rootfd < 0)
		return false;
	fd = (int)sys_openat2(rootfd, path, &how, sizeof(how));
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* What the jail's processes may do, from its allow_* and related properties. */
static void
sec_policy_of(struct ioc *ioc, const struct jail *j, struct sec_policy *p)
{
	cleanup_free char *children = val(ioc, j, "children_max");

	p->raw_sockets = val_is(ioc, j, "allow_raw_sockets", "1") || val_is(ioc, j, "bpf", "on");
	p->chflags = val_is(ioc, j, "allow_chflags", "1");
	p->quotas = val_is(ioc, j, "allow_quotas", "1");
	p->any_socket = val_is(ioc, j, "allow_socket_af", "1");
	p->namespaces = !streq(children, "0");
	/* CAP_NET_ADMIN reaches only the network namespace the jail is in: never the host's. */
	p->net_admin = !val_is(ioc, j, "ip4", "inherit") && val_is(ioc, j, "vnet", "on");
	p->sysvipc_deny = val_is(ioc, j, "sysvmsg", "disable") ||
			  val_is(ioc, j, "sysvsem", "disable") ||
			  val_is(ioc, j, "sysvshm", "disable");
}

struct in_jail {
	char *const *argv;
	const char *user; /* a user name (jail's passwd unless host) */
	bool host_user;   /* user is the host's */
	bool pty;
	int out_fd; /* -1: ours */
	unsigned timeout_s;
};

/* What fences a running jail's processes: from its run record (what it started with), or for
 * a jail started by an earlier release of iocage, from its properties now. */
struct fence {
	struct sec_policy sec;
	struct sec_filter filter;
	bool exec_clean;
};

static int
fence_of(struct ioc *ioc, const struct jail *j, const struct run_rec *r, struct fence *f,
	 struct ioc_err *e)
{
	char path[128];

	*f = (struct fence){0};
	if (r->fenced) {
		f->sec = r->sec;
		f->exec_clean = r->exec_clean;
		state_path(r->uuid, ".bpf", path, sizeof(path));
		return sec_filter_read(path, &f->filter, e);
	}
	if (!j)
		return err_set(e, ENOENT, "%s has no recorded fence", r->uuid);
	sec_policy_of(ioc, j, &f->sec);
	f->exec_clean = val_is(ioc, j, "exec_clean", "1");
	return sec_filter_build(&f->sec, &f->filter, e);
}

/* The jail's root as its init sees it (basejail binds included), pinned: the init is checked
 * alive after the open, so the directory is its and not a successor's under a recycled pid. */
static int
open_jail_root(const struct jail_proc *jp, struct ioc_err *e)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)jp->pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open the jail's root (%s)", path);
	if (run_alive(jp) != 1) {
		close(fd);
		return err_set(e, ESRCH, "the jail stopped");
	}
	return fd;
}

/* Run c in the jail whose record is r. */
static int
enter_rec(const struct run_rec *r, const struct fence *f, const struct in_jail *c, int *status,
	  struct ioc_err *e)
{
	cleanup_free char *home = NULL;
	cleanup_close int rootfd = -1;
	struct enter_user u = {0};
	struct strv env = {0};
	struct cgroup cg = {.v2_fd = -1};
	struct enter_opts o = {0};
	int rc = -1;

	if (!c->host_user && (rootfd = open_jail_root(&r->jp, e)) < 0)
		return -1;
	if (lookup_user(rootfd, c->user, c->host_user, &u, &home, e) < 0)
		return -1;
	if (cg_open(r->uuid, &cg, e) < 0 && e->code != ENOENT)
		goto out;
	o.argv = c->argv;
	o.envp = jail_env(f->exec_clean, u.home ? u.home : "/", c->user, &env);
	o.user = &u;
	o.pty = c->pty;
	o.cgroup_fd = cg.v2_fd;
	o.cgroup_procs = (const char *const *)cg.v1_procs.v;
	o.out_fd = c->out_fd;
	o.timeout_s = c->timeout_s;
	rc = run_enter(&r->jp, &f->sec, &f->filter, &o, status, e);
out:
	cg_free(&cg);
	strv_free(&env);
	enter_user_free(&u);
	return rc;
}

static int
run_in_jail(struct ioc *ioc, const struct jail *j, const struct jail_proc *jp,
	    const struct in_jail *c, int *status, struct ioc_err *e)
{
	struct run_rec r;
	struct fence f;
	int rc;

	if (rec_read(j->uuid, &r) < 0 || r.jp.pid != jp->pid || r.jp.starttime != jp->starttime)
		return err_set(e, ESRCH, "%s (%s) is not running", j->uuid, j->tag);
	if (fence_of(ioc, j, &r, &f, e) < 0)
		return -1;
	rc = enter_rec(&r, &f, c, status, e);
	sec_filter_free(&f.filter);
	return rc;
}

static int
console_log(struct ioc *ioc, const struct jail *j, struct ioc_err *e)
{
	cleanup_free char *dir = ioc->st->ops->path(ioc->st, "log");
	cleanup_free char *path = NULL;
	int fd;

	if (!dir)
		return err_set(e, ENOENT, "the log dataset has no mountpoint");
	path = xasprintf("%s/%s-console.log", dir, j->uuid);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, "open the console log %s", path);
	return fd;
}

/* exec_start / exec_stop: run by the jail's shell as exec_jail_user, output to the console
 * log, bounded by exec_timeout. The default (/bin/sh /etc/rc...) is skipped when the jail
 * has no such script: a jail without an rc system just idles under its init. */
static int
jail_script(struct ioc *ioc, const struct jail *j, const struct jail_proc *jp, const char *prop,
	    const char *script, struct ioc_err *e)
{
	cleanup_free char *cmd = val(ioc, j, prop), *root = root_path(ioc, j);
	cleanup_free char *user = val(ioc, j, "exec_jail_user");
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct in_jail c = {.argv = argv, .user = user};
	int status = 0, fd;

	if (streq(cmd, "none") ||
	    (streq(cmd, prop_find(prop)->def) && (!root || !jail_has(root, script))))
		return 1;
	c.host_user = val_is(ioc, j, "exec_system_jail_user", "1");
	c.timeout_s = val_uint(ioc, j, "exec_timeout");
	fd = console_log(ioc, j, e);
	if (fd < 0)
		return -1;
	c.out_fd = fd;
	if (run_in_jail(ioc, j, jp, &c, &status, e) < 0) {
		close(fd);
		return err_wrap(e, "%s", prop);
	}
	close(fd);
	if (status != 0)
		return err_set(e, 0,
			       "%s exited with status %d (see %s-console.log in the log dataset)",
			       prop, status, j->uuid);
	return 0;
}

/* ---- start ---- */

struct run_ctx {
	struct ioc *ioc;
	const struct jail *j;
	int lockfd;
	struct cgroup cg;
	struct jail_proc jp;
	char *root, *base_root, *resolv;
	struct lim_set lim;          /* rlimits=on: what the limits step found to apply */
	struct run_rlimit rl[LIM_N]; /* for init */
	size_t n_rl;
	struct strv sysctls; /* of the jail's IPC namespace */
	struct sec_policy sec;
	struct sec_filter filter; /* built from sec by the spawn step, recorded beside the state */
	/* A basejail holds its release's lock from mount to spawn: a rollback or an update of
	 * the release waits until the binds are made, then sees the jail running. */
	bool rel_locked;
	int rel_lockfd;
	char note[256]; /* said with the step's name: "network (bridge bridge0 created)" */
};

enum { STEP_DONE = 0, STEP_SKIPPED = 1 };

struct step {
	const char *name; /* NULL: a step people need not see */
	int (*up)(struct run_ctx *c, struct ioc_err *e);
	void (*down)(struct run_ctx *c);
};

/* Wait until pid is gone (it is not our child: poll its pidfd). */
static bool
wait_gone(const struct jail_proc *jp, int timeout_ms)
{
	int fd = (int)sys_pidfd_open(jp->pid, 0);
	struct pollfd p;
	bool gone;

	if (fd < 0)
		return errno == ESRCH || run_alive(jp) != 1;
	if (run_alive(jp) != 1) {
		close(fd);
		return true;
	}
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	gone = poll(&p, 1, timeout_ms) == 1;
	close(fd);
	return gone;
}

/* Kill everything of the jail: its whole cgroup, and init (which takes its PID namespace
 * with it). */
static void
kill_all(struct run_ctx *c)
{
	struct ioc_err e;

	if (c->jp.pid > 0 && run_alive(&c->jp) == 1) {
		int fd = (int)sys_pidfd_open(c->jp.pid, 0);

		/* Through a pidfd: a recycled pid is never signalled. */
		if (fd >= 0) {
			sys_pidfd_send_signal(fd, SIGKILL, NULL, 0);
			close(fd);
		}
		wait_gone(&c->jp, 5000);
	}
	if (c->cg.v2_path || c->cg.v1_paths.n)
		cg_signal(&c->cg, SIGKILL, &e);
}

static int
up_lock(struct run_ctx *c, struct ioc_err *e)
{
	char name[64];

	snprintf(name, sizeof(name), "jail-%s", c->j->uuid);
	c->lockfd = lock_take(c->ioc->st, name, true, 60, e);
	return c->lockfd < 0 ? -1 : STEP_SKIPPED;
}

static void
down_lock(struct run_ctx *c)
{
	lock_release(c->lockfd);
	c->lockfd = -1;
}

/* What a crash or an init killed from outside left: its state file and cgroup. */
static void
clean_stale(struct run_ctx *c)
{
	struct ioc_err e;

	state_remove(c->ioc, c->j);
	jailnet_down(c->ioc, c->j);
	jail_record_umount(c->ioc, c->j);
	if (cg_open(c->j->uuid, &c->cg, &e) == 0) {
		cg_signal(&c->cg, SIGKILL, &e);
		cg_destroy(&c->cg, &e);
		cg_free(&c->cg);
	}
	c->cg = (struct cgroup){.v2_fd = -1};
}

static int
up_checks(struct run_ctx *c, struct ioc_err *e)
{
	static const char *const needs_userns[] = {"allow_mount",        "allow_mount_devfs",
						   "allow_mount_nullfs", "allow_mount_procfs",
						   "allow_mount_tmpfs",  "allow_mount_zfs"};
	struct jail_proc jp;

	if (jail_running(c->j, &jp))
		return err_set(e, EBUSY, "%s (%s) is already running (JID %d)", c->j->uuid,
			       c->j->tag, (int)jp.pid);
	clean_stale(c);
	if (val_is(c->ioc, c->j, "dhcp", "on")) {
		if (!val_is(c->ioc, c->j, "vnet", "on"))
			return err_set(e, EINVAL,
				       "dhcp=on needs vnet=on: the DHCP client runs on the "
				       "jail's vnet0");
		if (val_is(c->ioc, c->j, "interfaces", "none"))
			return err_set(e, EINVAL,
				       "dhcp=on needs a vnet0 in interfaces (it is none)");
		if (!val_is(c->ioc, c->j, "bpf", "on") &&
		    !val_is(c->ioc, c->j, "allow_raw_sockets", "1"))
			return err_set(e, EPERM,
				       "dhcp=on needs bpf=on: DHCP clients send raw packets "
				       "(CAP_NET_RAW); iocage set bpf=on %s",
				       c->j->tag);
	}
	for (size_t i = 0; i < ARRAY_SIZE(needs_userns); i++)
		if (val_is(c->ioc, c->j, needs_userns[i], "1"))
			return err_set(e, ENOTSUP,
				       "%s=1 needs a user namespace, which iocage does not give "
				       "jails yet; set it to 0",
				       needs_userns[i]);
	return STEP_SKIPPED;
}

static int
up_hostid(struct run_ctx *c, struct ioc_err *e)
{
	cleanup_free char *want = val(c->ioc, c->j, "hostid"), *have = NULL;
	struct ioc_err e2;

	if (!val_is(c->ioc, c->j, "hostid_strict_check", "on") || streq(want, "none"))
		return STEP_SKIPPED;
	if (read_file("/etc/machine-id", &have, 4096, &e2) < 0)
		return STEP_SKIPPED;
	have[strcspn(have, "\n")] = '\0';
	if (!streq(have, want))
		return err_set(
		    e, EPERM,
		    "the jail belongs to host %s, this is %s; set hostid_strict_check=off "
		    "to start it here",
		    want, have);
	return STEP_SKIPPED;
}

static int
up_prestart(struct run_ctx *c, struct ioc_err *e)
{
	return run_hook(c->ioc, c->j, "exec_prestart", NULL, e);
}

static int
up_mount(struct run_ctx *c, struct ioc_err *e)
{
	struct store *st = c->ioc->st;
	char name[128];

	snprintf(name, sizeof(name), "%s/root", c->j->ds);
	if (st->ops->mount(st, name, e) < 0)
		return -1;
	c->root = st->ops->path(st, name);
	if (!c->root)
		return err_set(e, ENOENT, "%s has no mountpoint", name);
	if (val_is(c->ioc, c->j, "type", "basejail")) {
		cleanup_free char *rel = val(c->ioc, c->j, "release");

		snprintf(name, sizeof(name), "releases/%s/root", rel);
		if (st->ops->exists(st, name, e) != 1)
			return err_set(e, ENOENT,
				       "release %s of this basejail is not fetched; fetch it with "
				       "`iocage fetch release=%s`",
				       rel, rel);
		c->base_root = st->ops->path(st, name);
		snprintf(name, sizeof(name), "release-%s", rel);
		c->rel_lockfd = lock_take(st, name, true, 60, e);
		if (c->rel_lockfd < 0)
			return err_wrap(e, "release %s (an update or rollback of it is running)",
					rel);
		c->rel_locked = true;
	}
	/* record start: the jail runs on an overlay that collects its changes. */
	if (jail_record_mount(c->ioc, c->j, &c->root, e) < 0)
		return -1;
	return STEP_DONE;
}

static void
release_unlock(struct run_ctx *c)
{
	if (c->rel_locked)
		lock_release(c->rel_lockfd);
	c->rel_locked = false;
}

static void
down_mount(struct run_ctx *c)
{
	release_unlock(c);
	jail_record_umount(c->ioc, c->j);
}

static int
up_cgroup(struct run_ctx *c, struct ioc_err *e)
{
	return cg_create(c->j->uuid, &c->cg, e) < 0 ? -1 : STEP_DONE;
}

static void
down_cgroup(struct run_ctx *c)
{
	struct ioc_err e;

	kill_all(c);
	cg_destroy(&c->cg, &e);
}

/* rlimits=on: the cgroup's limits now, before any process joins it (a v1 cpuset must have its
 * CPUs first); the per-process ones, the devpts max=, the IPC sysctls and the wallclock are
 * handed to the namespaces step. A deny limit this host cannot enforce fails the start. */
static int
up_limits(struct run_ctx *c, struct ioc_err *e)
{
	struct lim_rlimit rl[LIM_N];
	struct lim_plan p;
	struct cg_env env;

	if (jail_lim_set(c->ioc, c->j, &c->lim, e) < 0)
		return -1;
	if (!c->lim.on)
		return STEP_SKIPPED;
	if (lim_cg_env(&c->cg, &env, e) < 0)
		return -1;
	lim_cg_plan(&c->lim, &env, &p);
	if (jail_lim_check(&c->lim, &p, jail_ipc_shared(c->ioc, c->j), e) < 0 ||
	    lim_cg_apply(&c->cg, &p, e) < 0)
		return -1;
	c->n_rl = lim_rlimits(&c->lim, rl);
	for (size_t i = 0; i < c->n_rl; i++)
		c->rl[i] = (struct run_rlimit){rl[i].resource, rl[i].value};
	lim_sysctls(&c->lim, false, &c->sysctls);
	return STEP_DONE;
}

static unsigned
lim_uint(const struct lim_set *s, enum lim_id id)
{
	if (!lim_enforced(s, id))
		return 0;
	return s->v[id].amount > UINT32_MAX ? UINT32_MAX : (unsigned)s->v[id].amount;
}

static char *
resolv_conf(struct ioc *ioc, const struct jail *j)
{
	cleanup_free char *v = val(ioc, j, "resolver");
	char *text = NULL;
	struct ioc_err e;

	if (streq(v, "none")) {
		if (read_file("/etc/resolv.conf", &text, 65536, &e) < 0)
			return NULL;
		return text;
	}
	/* As check_resolver reads it: ';' ends a line, spaces around a line are not part of it,
	 * and empty lines are skipped (a keyword must start its line for the resolver). */
	{
		struct sbuf b = {0};
		char *rest = v, *line;

		while ((line = strsep(&rest, ";")) != NULL) {
			char *end;

			line += strspn(line, " ");
			for (end = line + strlen(line); end > line && end[-1] == ' '; end--)
				end[-1] = '\0';
			if (*line)
				sbuf_addf(&b, "%s\n", line);
		}
		return sbuf_take(&b);
	}
}

static int
up_spawn(struct run_ctx *c, struct ioc_err *e)
{
	cleanup_free char *host = val(c->ioc, c->j, "host_hostname");
	cleanup_free char *dom = val(c->ioc, c->j, "host_domainname");
	struct jail_spec s = {0};
	int logfd, r;

	c->resolv = resolv_conf(c->ioc, c->j);
	s.uuid = c->j->uuid;
	s.root = c->root;
	s.base_root = c->base_root;
	s.base_dirs = c->base_root ? base_dirs : NULL;
	s.hostname = host;
	s.domainname = streq(dom, "none") ? NULL : dom;
	s.resolv_conf = c->resolv;
	s.net_inherit = val_is(c->ioc, c->j, "ip4", "inherit");
	s.ipc_inherit = val_is(c->ioc, c->j, "allow_sysvipc", "1") ||
			val_is(c->ioc, c->j, "sysvmsg", "inherit") ||
			val_is(c->ioc, c->j, "sysvsem", "inherit") ||
			val_is(c->ioc, c->j, "sysvshm", "inherit");
	s.mount_procfs = val_is(c->ioc, c->j, "mount_procfs", "1");
	s.mount_devfs = val_is(c->ioc, c->j, "mount_devfs", "1");
	s.mount_fdescfs = val_is(c->ioc, c->j, "mount_fdescfs", "1");
	s.cgroup_fd = c->cg.v2_fd;
	s.cgroup_procs = (const char *const *)c->cg.v1_procs.v;
	s.rlimits = c->rl;
	s.n_rlimits = c->n_rl;
	s.sysctls = (const char *const *)c->sysctls.v;
	s.devpts_max = lim_uint(&c->lim, LIM_PSEUDOTERMINALS);
	s.wallclock_s = lim_uint(&c->lim, LIM_WALLCLOCK);
	sec_policy_of(c->ioc, c->j, &c->sec);
	if (sec_filter_build(&c->sec, &c->filter, e) < 0)
		return -1;
	s.sec = c->sec;
	s.filter = &c->filter;
	logfd = console_log(c->ioc, c->j, e);
	if (logfd < 0)
		return -1;
	s.console_fd = logfd;
	r = run_start(&s, &c->jp, e);
	close(logfd);
	release_unlock(c); /* the release is bound (or the start failed) */
	if (r < 0)
		return -1;
	return state_write(c->ioc, c->j, &c->jp, &c->sec, &c->filter, e) < 0 ? -1 : STEP_DONE;
}

static void
down_spawn(struct run_ctx *c)
{
	kill_all(c);
	state_remove(c->ioc, c->j);
}

/* dhcp=on: the jail's own DHCP client (the first found of dhclient, dhcpcd, udhcpc) gets
 * vnet0 a lease before exec_start, then stays in the jail as its daemon to renew it. Its
 * output goes to the console log. */
#define DHCP_TIMEOUT_S 30

static const char *
jail_first(const char *root, const char *const *paths)
{
	for (; *paths; paths++)
		if (jail_has(root, *paths))
			return *paths;
	return NULL;
}

static int
up_dhcp(struct run_ctx *c, struct ioc_err *e)
{
	static const char *const dhclient[] = {"/sbin/dhclient", "/usr/sbin/dhclient", NULL};
	static const char *const dhcpcd[] = {"/sbin/dhcpcd", "/usr/sbin/dhcpcd", NULL};
	static const char *const udhcpc[] = {"/sbin/udhcpc", "/usr/sbin/udhcpc", "/bin/udhcpc",
					     "/usr/bin/udhcpc", NULL};
	static const char *const udhcpc_script[] = {"/etc/udhcpc/default.script",
						    "/usr/share/udhcpc/default.script", NULL};
	const char *argv[12] = {0}, *name, *path, *script;
	struct in_jail in = {
	    .argv = (char *const *)argv, .user = "root", .timeout_s = DHCP_TIMEOUT_S};
	int status = 0, fd, r;

	if (!val_is(c->ioc, c->j, "dhcp", "on"))
		return STEP_SKIPPED;
	if ((path = jail_first(c->root, dhclient))) {
		name = "dhclient";
		memcpy(argv, (const char *[]){path, "-1", "-v", "vnet0"}, 4 * sizeof(*argv));
	} else if ((path = jail_first(c->root, dhcpcd))) {
		name = "dhcpcd";
		memcpy(argv, (const char *[]){path, "-4", "-t", "20", "vnet0"}, 5 * sizeof(*argv));
	} else if ((path = jail_first(c->root, udhcpc))) {
		name = "udhcpc";
		script = jail_first(c->root, udhcpc_script);
		if (!script)
			return err_set(e, ENOENT,
				       "the jail's udhcpc has no script to apply a lease: give it "
				       "/etc/udhcpc/default.script");
		memcpy(
		    argv,
		    (const char *[]){path, "-i", "vnet0", "-s", script, "-t", "5", "-T", "2", "-n"},
		    10 * sizeof(*argv));
	} else {
		return err_set(e, ENOENT,
			       "dhcp=on, but the jail has no DHCP client (dhclient, dhcpcd or "
			       "udhcpc): install one in it, or set dhcp=off and ip4_addr");
	}
	fd = console_log(c->ioc, c->j, e);
	if (fd < 0)
		return -1;
	in.out_fd = fd;
	r = run_in_jail(c->ioc, c->j, &c->jp, &in, &status, e);
	close(fd);
	if (r < 0)
		return err_wrap(e, "dhcp (%s)", name);
	if (status != 0)
		return err_set(e, 0,
			       "the jail's DHCP client (%s) got no lease on vnet0 (exit status "
			       "%d): is a DHCP server on the bridge? Its output is in "
			       "%s-console.log in the log dataset",
			       name, status, c->j->uuid);
	snprintf(c->note, sizeof(c->note), "%s", name);
	return STEP_DONE;
}

static int
up_exec_start(struct run_ctx *c, struct ioc_err *e)
{
	return jail_script(c->ioc, c->j, &c->jp, "exec_start", "etc/rc", e);
}

static int
up_poststart(struct run_ctx *c, struct ioc_err *e)
{
	return run_hook(c->ioc, c->j, "exec_poststart", &c->jp, e);
}

static int
up_last_started(struct run_ctx *c, struct ioc_err *e)
{
	struct kvlist kv = {0};
	char buf[64];
	time_t now = time(NULL);
	struct tm tm;
	int r;

	localtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	kvlist_set(&kv, "last_started", buf);
	r = c->ioc->st->ops->set_user(c->ioc->st, c->j->ds, &kv, NULL, e);
	kvlist_free(&kv);
	return r < 0 ? -1 : STEP_SKIPPED;
}

static int
up_started(struct run_ctx *c, struct ioc_err *e)
{
	return state_started(c->j, e) < 0 ? -1 : STEP_SKIPPED;
}

static int
up_network(struct run_ctx *c, struct ioc_err *e)
{
	return jailnet_up(c->ioc, c->j, c->jp.pid, c->note, sizeof(c->note), e);
}

static void
down_network(struct run_ctx *c)
{
	jailnet_down(c->ioc, c->j);
}

static const struct step start_steps[] = {
    {NULL, up_lock, down_lock},
    {NULL, up_checks, NULL},
    {NULL, up_hostid, NULL},
    {"exec_prestart", up_prestart, NULL},
    {"mount", up_mount, down_mount},
    {"cgroup", up_cgroup, down_cgroup},
    {"limits", up_limits, NULL},
    {"namespaces", up_spawn, down_spawn},
    {"network", up_network, down_network},
    {"dhcp", up_dhcp, NULL},
    {"exec_start", up_exec_start, NULL},
    {"exec_poststart", up_poststart, NULL},
    {NULL, up_last_started, NULL},
    {NULL, up_started, NULL},
};

/* Run steps in order; on a failure walk back through those done. */
static int
run_steps(struct run_ctx *c, const struct step *steps, size_t n, step_cb cb, void *arg,
	  struct ioc_err *e)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n; i++) {
		c->note[0] = '\0';
		r = steps[i].up(c, e);
		if (steps[i].name && (r == STEP_DONE || r < 0)) {
			char label[320];

			snprintf(label, sizeof(label), c->note[0] ? "%s (%s)" : "%s", steps[i].name,
				 c->note);
			cb(label, r >= 0, arg);
		}
		if (r < 0)
			break;
		if (r == STEP_DONE)
			fault_point(steps[i].name ? steps[i].name : "start step");
	}
	if (r >= 0)
		i = n;
	while (i-- > 0)
		if (steps[i].down && (r < 0 || steps[i].down == down_lock)) {
			steps[i].down(c);
			if (r < 0)
				fault_point("start unwind");
		}
	return r < 0 ? -1 : 0;
}

static void
ctx_free(struct run_ctx *c)
{
	cg_free(&c->cg);
	free(c->root);
	free(c->base_root);
	free(c->resolv);
	strv_free(&c->sysctls);
	sec_filter_free(&c->filter);
	release_unlock(c);
}

int
jail_start(struct ioc *ioc, const struct jail *j, step_cb cb, void *arg, struct ioc_err *e)
{
	struct run_ctx c = {.ioc = ioc, .j = j, .lockfd = -1, .cg = {.v2_fd = -1}};
	int r = run_steps(&c, start_steps, ARRAY_SIZE(start_steps), cb, arg, e);

	ctx_free(&c);
	return r;
}

/* ---- stop ---- */

/* SIGTERM to every process of the jail but init, then wait up to stop_timeout for them. */
static int
term_all(struct run_ctx *c, struct ioc_err *e)
{
	unsigned timeout = val_uint(c->ioc, c->j, "stop_timeout");
	struct timespec pause = {0, 50 * 1000 * 1000};

	for (unsigned tick = 0;; tick++) {
		pid_t *pids = NULL;
		size_t n = 0, others = 0;

		if (cg_pids(&c->cg, &pids, &n, e) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (pids[i] == c->jp.pid)
				continue;
			others++;
			if (tick == 0)
				kill(pids[i], SIGTERM);
		}
		free(pids);
		if (!others)
			return STEP_DONE;
		if (tick >= timeout * 20)
			return STEP_DONE; /* what is left is killed next */
		nanosleep(&pause, NULL);
	}
}

static void
stop_step(const char *name, int r, step_cb cb, void *arg, int *failed, struct ioc_err *first,
	  const struct ioc_err *e)
{
	if (r == STEP_DONE || r < 0)
		cb(name, r >= 0, arg);
	if (r != STEP_SKIPPED)
		fault_point(name);
	if (r < 0 && !*failed) {
		*failed = 1;
		*first = *e;
	}
}

int
jail_stop(struct ioc *ioc, const struct jail *j, step_cb cb, void *arg, struct ioc_err *e)
{
	struct run_ctx c = {.ioc = ioc, .j = j, .lockfd = -1, .cg = {.v2_fd = -1}};
	struct ioc_err first, e2;
	int failed = 0, r;

	if (up_lock(&c, e) < 0)
		return -1;
	if (!jail_running(j, &c.jp)) {
		clean_stale(&c);
		down_lock(&c);
		return err_set(e, EINVAL, "%s (%s) is not running", j->uuid, j->tag);
	}
	if (cg_open(j->uuid, &c.cg, &e2) < 0)
		c.cg = (struct cgroup){.v2_fd = -1};
	/* Every step is tried: a failing exec_stop must not leave the jail running. */
	r = run_hook(ioc, j, "exec_prestop", &c.jp, &e2);
	stop_step("exec_prestop", r, cb, arg, &failed, &first, &e2);
	r = jail_script(ioc, j, &c.jp, "exec_stop", "etc/rc.shutdown", &e2);
	stop_step("exec_stop", r, cb, arg, &failed, &first, &e2);
	r = (c.cg.v2_path || c.cg.v1_paths.n) ? term_all(&c, &e2) : STEP_SKIPPED;
	stop_step("terminate", r, cb, arg, &failed, &first, &e2);
	kill_all(&c);
	r = wait_gone(&c.jp, 10000)
		? STEP_DONE
		: err_set(&e2, ETIMEDOUT, "init %d did not exit", (int)c.jp.pid);
	stop_step("kill", r, cb, arg, &failed, &first, &e2);
	r = cg_destroy(&c.cg, &e2) < 0 ? -1 : STEP_DONE;
	stop_step("cgroup", r, cb, arg, &failed, &first, &e2);
	/* The host ends of the veth pairs, by name: also those of a start killed half-way. */
	r = jailnet_down(ioc, j);
	stop_step("network", r, cb, arg, &failed, &first, &e2);
	state_remove(ioc, j);
	jail_record_umount(ioc, j);
	r = run_hook(ioc, j, "exec_poststop", NULL, &e2);
	stop_step("exec_poststop", r, cb, arg, &failed, &first, &e2);
	down_lock(&c);
	ctx_free(&c);
	if (failed)
		*e = first;
	return failed ? -1 : 0;
}

int
jail_soft_restart(struct ioc *ioc, const struct jail *j, step_cb cb, void *arg, struct ioc_err *e)
{
	struct run_ctx c = {.ioc = ioc, .j = j, .lockfd = -1, .cg = {.v2_fd = -1}};
	int r = -1;

	if (up_lock(&c, e) < 0)
		return -1;
	if (!jail_running(j, &c.jp)) {
		err_set(e, EINVAL, "%s (%s) is not running", j->uuid, j->tag);
		goto out;
	}
	if (cg_open(j->uuid, &c.cg, e) < 0)
		goto out;
	r = jail_script(ioc, j, &c.jp, "exec_stop", "etc/rc.shutdown", e);
	if (r == STEP_DONE)
		cb("exec_stop", true, arg);
	/* Everything but init goes: SIGTERM, then SIGKILL for what stays. */
	if (r >= 0 && (r = term_all(&c, e)) >= 0) {
		pid_t *pids = NULL;
		size_t n = 0;

		if (cg_pids(&c.cg, &pids, &n, e) == 0)
			for (size_t i = 0; i < n; i++)
				if (pids[i] != c.jp.pid)
					kill(pids[i], SIGKILL);
		free(pids);
		cb("terminate", true, arg);
		r = jail_script(ioc, j, &c.jp, "exec_start", "etc/rc", e);
		if (r == STEP_DONE || r < 0)
			cb("exec_start", r >= 0, arg);
	}
out:
	down_lock(&c);
	ctx_free(&c);
	return r < 0 ? -1 : 0;
}

/* ---- exec, console, chroot, runtime ---- */

/* -u HOSTUSER, -U JAILUSER, or the jail's root. */
static void
cmd_user(const struct jail_cmd *cmd, struct in_jail *c)
{
	c->user = cmd->host_user ? cmd->host_user : cmd->jail_user ? cmd->jail_user : "root";
	c->host_user = cmd->host_user != NULL;
}

int
jail_exec(struct ioc *ioc, const struct jail *j, const struct jail_cmd *cmd, int *status,
	  struct ioc_err *e)
{
	struct in_jail c = {.argv = cmd->argv, .pty = cmd->pty, .out_fd = -1};
	struct jail_proc jp;

	if (!jail_running(j, &jp))
		return err_set(e, EINVAL, "%s (%s) is not running; start it with `iocage start %s`",
			       j->uuid, j->tag, j->tag);
	cmd_user(cmd, &c);
	return run_in_jail(ioc, j, &jp, &c, status, e);
}

/* The run key of the store this command names (--root, --pool), without opening a pool: ""
 * when the store would be found by asking zfs which pool is active. */
static int
named_store_key(struct ioc *ioc, char *key, size_t len, struct ioc_err *e)
{
	key[0] = '\0';
	if (ioc->root) {
		if (ioc_store(ioc, false, e) < 0)
			return -1;
		run_key(ioc->st, key, len);
	} else if (ioc->pool) {
		struct store st = {.pool = (char *)ioc->pool};

		run_key(&st, key, len);
	}
	return 0;
}

/* The record of the running jail that name is the tag of, found through the tag index: of
 * the store key names, or (key "") of any store when exactly one has such a jail running. */
static int
rec_by_tag(const char *key, const char *name, struct run_rec *r)
{
	cleanup_free char *uuid = NULL;
	struct ioc_err e;
	char path[512];
	int found = 0;

	if (*key) {
		tag_index_path(key, name, path, sizeof(path));
		if (read_file(path, &uuid, 64, &e) < 0 || rec_read(uuid, r) < 0)
			return -1;
		return streq(r->tag, name) && streq(r->store, key) ? 0 : -1;
	} else {
		cleanup_closedir DIR *d = opendir(IOC_STATEDIR);
		size_t nl = strlen(name);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			size_t l = strlen(de->d_name);
			cleanup_free char *u = NULL;
			struct run_rec cand;

			if (l <= nl + 1 || de->d_name[l - nl - 1] != '.' ||
			    !streq(de->d_name + l - nl, name) || uuid_valid(de->d_name))
				continue;
			snprintf(path, sizeof(path), IOC_STATEDIR "/%s", de->d_name);
			if (read_file(path, &u, 64, &e) < 0 || rec_read(u, &cand) < 0 ||
			    !streq(cand.tag, name) ||
			    strncmp(de->d_name, cand.store, l - nl - 1) != 0 ||
			    strlen(cand.store) != l - nl - 1)
				continue;
			if (found++ && !streq(cand.uuid, r->uuid))
				return -1; /* running in two stores: let the store decide */
			*r = cand;
		}
	}
	return found ? 0 : -1;
}

int
jail_exec_named(struct ioc *ioc, const char *name, const struct jail_cmd *cmd, int *status,
		struct ioc_err *e)
{
	struct in_jail c = {.argv = cmd->argv, .pty = cmd->pty, .out_fd = -1};
	char key[256];
	struct run_rec r;
	struct fence f;
	int rc;

	if (named_store_key(ioc, key, sizeof(key), e) < 0)
		return -1;
	/* A full UUID names its jail; a tag does only when it cannot also be the start of
	 * another jail's UUID (DESIGN.md section 4), which only the store could tell. */
	if (uuid_valid(name)) {
		if (rec_read(name, &r) < 0 || (*key && !streq(r.store, key)))
			return 0;
	} else if (!name[strspn(name, "0123456789abcdef-")] || rec_by_tag(key, name, &r) < 0) {
		return 0;
	}
	if (!r.fenced)
		return 0;
	cmd_user(cmd, &c);
	if (fence_of(ioc, NULL, &r, &f, e) < 0)
		return -1;
	rc = enter_rec(&r, &f, &c, status, e);
	sec_filter_free(&f.filter);
	return rc < 0 ? -1 : 1;
}

int
jail_chroot(struct ioc *ioc, const struct jail *j, const struct jail_cmd *cmd, int *status,
	    struct ioc_err *e)
{
	struct run_ctx c = {.ioc = ioc, .j = j, .lockfd = -1, .cg = {.v2_fd = -1}};
	cleanup_free char *host = val(ioc, j, "host_hostname"), *home = NULL;
	struct enter_user u = {0};
	struct enter_opts o = {0};
	struct jail_spec s = {0};
	struct strv env = {0};
	struct jail_proc jp;
	const char *user = cmd->jail_user ? cmd->jail_user : "root";
	cleanup_close int rootfd = -1;
	int r = -1;

	if (up_lock(&c, e) < 0)
		return -1;
	if (jail_running(j, &jp)) {
		err_set(e, EBUSY, "%s (%s) is running; use `iocage exec %s ...`", j->uuid, j->tag,
			j->tag);
		goto out;
	}
	if (up_mount(&c, e) < 0)
		goto out;
	rootfd = open(c.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		err_sys(e, "open the jail's root %s", c.root);
		goto out;
	}
	if (lookup_user(rootfd, user, false, &u, &home, e) < 0)
		goto out;
	s.uuid = j->uuid;
	s.root = c.root;
	s.base_root = c.base_root;
	s.base_dirs = c.base_root ? base_dirs : NULL;
	s.hostname = host;
	s.mount_procfs = s.mount_devfs = s.mount_fdescfs = true;
	s.cgroup_fd = -1;
	s.console_fd = -1;
	sec_policy_of(ioc, j, &s.sec);
	s.sec.net_admin = false; /* chroot shares no network, but keeps no power over it */
	if (sec_filter_build(&s.sec, &c.filter, e) < 0)
		goto out;
	s.filter = &c.filter;
	o.argv = cmd->argv;
	o.envp = jail_env(true, u.home ? u.home : "/", user, &env);
	o.user = &u;
	o.cgroup_fd = -1;
	o.out_fd = -1;
	r = run_oneshot(&s, &o, status, e);
out:
	jail_record_umount(ioc, j);
	strv_free(&env);
	enter_user_free(&u);
	down_lock(&c);
	ctx_free(&c);
	return r;
}

static void
ns_ids(const struct jail_proc *jp, struct kvlist *out)
{
	static const char *const ns[] = {"mnt", "pid", "uts", "ipc", "net", "cgroup"};

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		char path[64], link[128], key[32];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)jp->pid, ns[i]);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		snprintf(key, sizeof(key), "ns.%s", ns[i]);
		kvlist_set(out, key, link);
	}
}

int
jail_runtime(struct ioc *ioc, const struct jail *j, struct kvlist *out, struct ioc_err *e)
{
	cleanup_free char *root = root_path(ioc, j), *host = val(ioc, j, "host_hostname");
	struct cgroup cg = {.v2_fd = -1};
	struct sec_policy sec = {0};
	struct jail_proc jp;
	struct run_rec r;
	char buf[64];

	if (!jail_running(j, &jp))
		return err_set(e, EINVAL, "%s (%s) is not running", j->uuid, j->tag);
	kvlist_set(out, "uuid", j->uuid);
	kvlist_set(out, "tag", j->tag);
	snprintf(buf, sizeof(buf), "%d", (int)jp.pid);
	kvlist_set(out, "jid", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)jp.starttime);
	kvlist_set(out, "starttime", buf);
	kvlist_set(out, "root", root ? root : "-");
	kvlist_set(out, "hostname", host);
	ns_ids(&jp, out);
	if (cg_open(j->uuid, &cg, e) == 0)
		kvlist_set(out, "cgroup", cg_describe(&cg));
	cg_free(&cg);
	/* What the jail runs under: recorded at its start, or (started by an earlier release)
	 * what its properties say now. */
	if (rec_read(j->uuid, &r) == 0 && r.fenced)
		sec = r.sec;
	else
		sec_policy_of(ioc, j, &sec);
	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)sec_caps(&sec));
	kvlist_set(out, "capabilities", buf);
	return jailnet_describe(ioc, j, jp.pid, out, e);
}
