/* iocage: argv -> the command table. Global flags come before the command. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* clang-format off */
static const struct cmd cmds[] = {
	{"activate", cmd_activate, "activate POOL", "Make POOL the pool iocage uses.",
	 "  POOL          a ZFS pool; iocage:active=yes is set on it and POOL/iocage made\n",
	 CMD_ROOT | CMD_MUTATES},
	{"cap", cmd_cap, "cap UUID|TAG",
	 "Apply a running jail's resource limits (rlimits=on) now, without a restart.",
	 "  UUID|TAG      a running jail\n",
	 CMD_ROOT | CMD_MUTATES},
	{"chroot", cmd_chroot, "chroot [-U USER] UUID|TAG [--] [COMMAND [ARG...]]",
	 "Run a command (default /bin/sh) in a stopped jail's root, fenced as a running jail.",
	 "  -U USER       run as USER of the jail's passwd (default root)\n",
	 CMD_ROOT | CMD_MUTATES},
	{"clone", cmd_clone, "clone UUID|TAG[@SNAPSHOT] [PROP=VALUE...]",
	 "Make a new jail as a copy-on-write clone of a jail or template.",
	 "  UUID|TAG      the jail or template to clone, at a new snapshot (named after the\n"
	 "                new jail, removed with it)\n"
	 "  @SNAPSHOT     clone this existing snapshot instead\n"
	 "  PROP=VALUE    properties of the new jail; it gets its own uuid, tag, hostname and\n"
	 "                MACs, boot=off, and the source's other properties\n"
	 "  count=N       make N clones tagged TAG_1..TAG_N\n",
	 CMD_ROOT | CMD_MUTATES},
	{"console", cmd_console, "console [-f] UUID|TAG",
	 "Log in to a running jail on a new pseudo-terminal (login, else a login shell).",
	 "  -f            start the jail first if it is not running\n",
	 CMD_ROOT | CMD_MUTATES},
	{"create", cmd_create,
	 "create [-c|-b|-e|-t TEMPLATE] [release=NAME] [count=N] [PROP=VALUE...]",
	 "Create jails from a fetched release (a full copy by default) or a template.",
	 "  -c            thin: a copy-on-write clone of the release\n"
	 "  -b            basejail: own /etc /var /root /home /tmp /usr/local, the rest of\n"
	 "                the release bound read-only when the jail starts\n"
	 "  -e            empty: an empty root, no release\n"
	 "  -t TEMPLATE   a clone of this template (see `iocage list -t`)\n"
	 "  release=NAME  the release (default: the newest fetched)\n"
	 "  count=N       make N jails tagged TAG_1..TAG_N\n"
	 "  PROP=VALUE    any property (see `iocage defaults`)\n",
	 CMD_ROOT | CMD_MUTATES},
	{"deactivate", cmd_deactivate, "deactivate POOL", "Stop using POOL (iocage:active=no).",
	 "  POOL          a pool made active with `iocage activate`\n",
	 CMD_ROOT | CMD_MUTATES},
	{"defaults", cmd_defaults, "defaults [-H] [--json]",
	 "Show every property with its default value (PROP=VALUE).",
	 "  -H            PROP<TAB>VALUE<TAB>SOURCE rows\n"
	 "  --json        a JSON array\n",
	 0},
	{"destroy", cmd_destroy, "destroy [-f] [-r] UUID|TAG|RELEASE...",
	 "Destroy jails, templates or releases: their datasets, files and snapshots.",
	 "  -f            do not ask for confirmation (what depends on it is still checked)\n"
	 "  -r            also destroy the jails and templates that depend on it, listed first\n"
	 "  UUID|TAG      a jail's or template's tag, UUID, or unique UUID prefix\n"
	 "  RELEASE       a fetched release (refused while jails are made from it)\n",
	 CMD_ROOT | CMD_MUTATES},
	{"df", cmd_df, "df [-H] [--json] [-s COLUMN]",
	 "Show disk usage of every jail: UUID CRT RES QTA USE AVA TAG.",
	 "  -H            tab-separated rows without a header\n"
	 "  --json        a JSON array\n"
	 "  -s COLUMN     sort by this column\n",
	 0},
	{"doctor", cmd_doctor, "doctor [-H] [--json] [UUID|TAG]",
	 "Tell what would stop the jails' network traffic: forwarding, firewall, bridges, addresses.",
	 "  UUID|TAG      check this jail (and the host) only; default: every jail\n"
	 "  -H            LEVEL<TAB>SUBJECT<TAB>FINDING rows without a header\n"
	 "  --json        a JSON array\n"
	 "Exits 1 when a finding is at level error.\n",
	 CMD_ROOT},
	{"exec", cmd_exec, "exec [-u HOSTUSER | -U JAILUSER] UUID|TAG|ALL [--] COMMAND [ARG...]",
	 "Run a command in a running jail; its exit status is iocage's.",
	 "  -u HOSTUSER   run as this user of the host's passwd\n"
	 "  -U JAILUSER   run as this user of the jail's passwd (default root)\n"
	 "  ALL           every running jail, one after another\n",
	 CMD_ROOT | CMD_MUTATES},
	{"export", cmd_export, "export [-o FILE|-] UUID|TAG",
	 "Write a stopped jail to one portable archive: root filesystem and properties.",
	 "  -o FILE       write FILE (and FILE.sha256) instead of images/UUID.tar.zst\n"
	 "  -o -          write to standard output (the archive carries its checksum)\n",
	 CMD_ROOT | CMD_MUTATES},
	{"fetch", cmd_fetch, "fetch [-F FILE|URL] [release=NAME] [ftphost=MIRROR]",
	 "Fetch a release: a Debian suite with debootstrap, or a root filesystem archive.",
	 "  -F FILE|URL   unpack this root filesystem tarball (tar, gz, xz, zst)\n"
	 "  release=NAME  the release's name (a Debian suite such as bookworm without -F)\n"
	 "  ftphost=URL   the mirror debootstrap uses (default: the host's apt mirror)\n"
	 "  -q            no progress\n",
	 CMD_ROOT | CMD_MUTATES},
	{"get", cmd_get, "get [-H] [--json] [-s] [-r] PROP|all [UUID|TAG|default]",
	 "Show a property of a jail (or of the defaults).",
	 "  PROP|all      a property, or all of them as PROP:VALUE lines\n"
	 "  -r            the property for every jail (a table UUID TAG VALUE)\n"
	 "  -s            also show where each value comes from (local, default, builtin...)\n"
	 "  -H            tab-separated rows without a header (with -r or all)\n"
	 "  --json        JSON\n",
	 0},
	{"help", cmd_help, "help [COMMAND]", "Show the commands, or how to use one.", "", 0},
	{"import", cmd_import, "import [-n] FILE|UUID-PREFIX|-i - [PROP=VALUE...]",
	 "Make a jail from an exported image, or from a package and the base it names.",
	 "  FILE          an image or package file (its .sha256 beside it is checked too)\n"
	 "  UUID-PREFIX   an image in images/ or a package in packages/\n"
	 "  -i -          read the archive from standard input\n"
	 "  -n            give the jail a new UUID (an image keeps its own by default)\n"
	 "  PROP=VALUE    properties of the new jail, over the imported ones\n",
	 CMD_ROOT | CMD_MUTATES},
	{"inuse", cmd_inuse, "inuse [-H] [--json] [UUID|TAG]",
	 "Show running jails' memory, swap, processes, threads, CPU time, files and ptys.",
	 "  -H            tab-separated rows without a header, exact bytes\n"
	 "  --json        a JSON array\n"
	 "  UUID|TAG      this jail only (default: every running jail)\n",
	 CMD_ROOT},
	{"limits", cmd_limits, "limits [-H] [--json] [UUID|TAG]",
	 "Show each resource limit of jails, what it maps to here, and whether it holds.",
	 "  -H            tab-separated rows without a header\n"
	 "  --json        a JSON array\n"
	 "  UUID|TAG      this jail only (default: every jail)\n",
	 CMD_ROOT},
	{"list", cmd_list, "list [-t|-r] [-H] [--json] [-s COLUMN]",
	 "List jails: JID UUID BOOT STATE TAG TYPE IP4 RELEASE.",
	 "  -t            list templates instead\n"
	 "  -r            list fetched releases instead\n"
	 "  -H            tab-separated rows without a header\n"
	 "  --json        a JSON array\n"
	 "  -s COLUMN     sort by this column (default: tag)\n",
	 0},
	{"package", cmd_package, "package UUID|TAG",
	 "Publish a jail's last recording as a differential package in packages/.",
	 "  UUID|TAG      a jail whose recording was stopped (`iocage record stop`)\n",
	 CMD_ROOT | CMD_MUTATES},
	{"pkg", cmd_pkg, "pkg UUID|TAG ARG...",
	 "Run a running jail's package manager (apt-get, apk or dnf) with ARGs.",
	 "  UUID|TAG      a running jail; its package manager's exit status is iocage's\n"
	 "  ARG...        the package manager's own arguments, e.g. install curl\n",
	 CMD_ROOT | CMD_MUTATES},
	{"promote", cmd_promote, "promote UUID|TAG",
	 "Make a clone independent of the jail or template it was cloned from.",
	 "  UUID|TAG      a clone (clone, create -c, create -t); ZFS: zfs promote; dir: its\n"
	 "                files become its own\n",
	 CMD_ROOT | CMD_MUTATES},
	{"rcboot", cmd_rcboot, "rcboot", "Start every jail with boot=on, lowest priority first.",
	 "", CMD_ROOT | CMD_MUTATES},
	{"rcshutdown", cmd_rcshutdown, "rcshutdown",
	 "Stop every running jail with boot=on, highest priority first.", "",
	 CMD_ROOT | CMD_MUTATES},
	{"record", cmd_record, "record start|stop UUID|TAG",
	 "Record the changes a stopped jail makes to its root from its next start on.",
	 "  start         from the next start, changes go to an overlay upper layer\n"
	 "  stop          end it: the changes stay in the jail and are kept, without noise,\n"
	 "                for `iocage package`\n",
	 CMD_ROOT | CMD_MUTATES},
	{"restart", cmd_restart, "restart [-s] UUID|TAG|ALL...", "Stop and start jails.",
	 "  -s            soft: exec_stop, end every process but init, exec_start; the\n"
	 "                namespaces, mounts and network stay\n",
	 CMD_ROOT | CMD_MUTATES},
	{"rollback", cmd_rollback, "rollback [-f] UUID|TAG|RELEASE@SNAPSHOT",
	 "Roll a stopped jail's root, or a release, back to one of its snapshots.",
	 "  -f            also destroy the snapshots taken after it (listed otherwise)\n"
	 "  RELEASE       refused while a basejail on it runs; jails made from it afterwards\n"
	 "                get the snapshot's state\n",
	 CMD_ROOT | CMD_MUTATES},
	{"runtime", cmd_runtime, "runtime [-H] [--json] UUID|TAG",
	 "Show a running jail's live parameters, one name=value per line.",
	 "  -H            NAME<TAB>VALUE lines\n"
	 "  --json        a JSON object\n",
	 0},
	{"set", cmd_set, "set PROP=VALUE... UUID|TAG|default",
	 "Set properties of a jail, or the defaults for jails created later; all or none.",
	 "  PROP=VALUE    one or more; every value is checked before any is set\n"
	 "  default       change the user's defaults instead of a jail\n",
	 CMD_ROOT | CMD_MUTATES},
	{"snaplist", cmd_snaplist, "snaplist [-H] [--json] UUID|TAG|RELEASE",
	 "List a jail's or a release's snapshots: NAME CREATED RSIZE USED.",
	 "  -H            tab-separated rows without a header, exact bytes\n"
	 "  --json        a JSON array\n",
	 0},
	{"snapremove", cmd_snapremove, "snapremove UUID|TAG@SNAPSHOT|UUID|TAG@ALL",
	 "Remove a snapshot of a jail (refused while a clone uses it), or all of them.",
	 "  @ALL          every snapshot of the jail that no clone uses\n",
	 CMD_ROOT | CMD_MUTATES},
	{"snapshot", cmd_snapshot, "snapshot [-f] UUID|TAG[@NAME]",
	 "Take a snapshot of a jail's root (named after the date and time by default).",
	 "  -f            no warning when the jail is running\n"
	 "  @NAME         the snapshot's name: letters, digits, '.', '_', ':', '-'\n",
	 CMD_ROOT | CMD_MUTATES},
	{"start", cmd_start, "start [-f] UUID|TAG|ALL...",
	 "Start jails: namespaces, mounts, cgroup, then exec_start.",
	 "  -f            start a template too (to change it); ALL never starts templates\n",
	 CMD_ROOT | CMD_MUTATES},
	{"stop", cmd_stop, "stop UUID|TAG|ALL...",
	 "Stop jails: exec_stop, SIGTERM, stop_timeout, then kill and undo everything.", "",
	 CMD_ROOT | CMD_MUTATES},
	{"top", cmd_top, "top [-s cpu|mem] [-d SECONDS] [-n COUNT] [-H] [--json]",
	 "Show running jails' usage, refreshed, busiest first (CPU%: 100 is one CPU).",
	 "  -s cpu|mem    sort by CPU% (default) or by memory\n"
	 "  -d SECONDS    time between refreshes (default 2; 0.1 to 3600)\n"
	 "  -n COUNT      stop after COUNT tables (default: until interrupted on a terminal,\n"
	 "                1 otherwise)\n"
	 "  -H            tab-separated rows without a header, exact bytes\n"
	 "  --json        a JSON array per refresh\n",
	 CMD_ROOT},
	{"uncap", cmd_uncap, "uncap UUID|TAG",
	 "Remove every resource limit from a running jail now (its properties are kept).",
	 "  UUID|TAG      a running jail\n",
	 CMD_ROOT | CMD_MUTATES},
	{"update", cmd_update, "update UUID|TAG|RELEASE",
	 "Upgrade a jail's packages within its release, after a snapshot; undone on failure.",
	 "  UUID|TAG      a thick or cloned jail (stopped for it, started again after); a\n"
	 "                basejail updates its release, which all its basejails share\n"
	 "  RELEASE       a fetched release, updated in place (as `fetch` of it does)\n"
	 "A failure rolls back to the snapshot; an update killed halfway is finished by the\n"
	 "next one, from the same snapshot.\n",
	 CMD_ROOT | CMD_MUTATES},
	{"upgrade", cmd_upgrade, "upgrade UUID|TAG release=NEW",
	 "Move a jail to a newer fetched release, after a snapshot; undone on failure.",
	 "  release=NEW   a fetched release, not older than the jail's\n"
	 "  basejail: switches to NEW; its own /etc is merged (your changes kept, the new\n"
	 "                version beside them as NAME.iocage-new; new files added)\n"
	 "  others: the package sources name NEW's suite, then the distribution's upgrade\n"
	 "                (non-interactive, changed config files kept)\n",
	 CMD_ROOT | CMD_MUTATES},
	{"version", cmd_version, "version", "Show iocage's version.", "", 0},
};
/* clang-format on */

const struct cmd *
cmd_table(size_t *n)
{
	*n = sizeof(cmds) / sizeof(cmds[0]);
	return cmds;
}

const struct cmd *
cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (streq(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: iocage [-v] [-q] [--root DIR | --pool POOL] COMMAND [ARGS...]\n"
		   "       iocage help [COMMAND]\n");
}

/* The closest command name, for "did you mean". */
static const char *
suggest(const char *name)
{
	const char *best = NULL;
	size_t bestd = 3; /* at most two edits away */

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t d = str_distance(name, cmds[i].name);

		if (d < bestd) {
			bestd = d;
			best = cmds[i].name;
		}
	}
	return best;
}

/* Global flags: -v, -q, --root DIR, --pool POOL, --version, -h/--help. Returns the index of
 * the command, or -1 when main should exit with *status. */
static int
parse_global(int argc, char **argv, struct ioc *ioc, int *status)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (streq(a, "-v")) {
			ioc->verbose++;
		} else if (streq(a, "-q")) {
			ioc->quiet = true;
		} else if (streq(a, "--root") || streq(a, "--pool")) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "iocage: %s needs a value\n", a);
				usage(stderr);
				*status = EXIT_USAGE;
				return -1;
			}
			*(streq(a, "--root") ? &ioc->root : &ioc->pool) = argv[++i];
		} else if (str_has_prefix(a, "--root=")) {
			ioc->root = a + 7;
		} else if (str_has_prefix(a, "--pool=")) {
			ioc->pool = a + 7;
		} else if (streq(a, "--version") || streq(a, "-V")) {
			printf("iocage %s\n", IOCAGE_VERSION);
			*status = EXIT_OK;
			return -1;
		} else if (streq(a, "-h") || streq(a, "--help")) {
			/* iocage -h [COMMAND] is iocage help [COMMAND]. */
			*status = cmd_help(ioc, cmd_find("help"), argc - i, argv + i);
			return -1;
		} else {
			char show[256];

			fprintf(stderr, "iocage: unknown option '%s'\n",
				str_shown(a, show, sizeof(show)));
			usage(stderr);
			*status = EXIT_USAGE;
			return -1;
		}
	}
	if (i == argc) {
		usage(stderr);
		fprintf(stderr, "Run `iocage help` for the commands.\n");
		*status = EXIT_USAGE;
		return -1;
	}
	return i;
}

static void
env_defaults(struct ioc *ioc)
{
	const char *v;

	if (!ioc->root && !ioc->pool) {
		if ((v = getenv("IOCAGE_ROOT")) && *v)
			ioc->root = v;
		else if ((v = getenv("IOCAGE_POOL")) && *v)
			ioc->pool = v;
	}
}

int
main(int argc, char **argv)
{
	struct ioc ioc = {0};
	const struct cmd *c;
	int status = EXIT_OK, i;

	i = parse_global(argc, argv, &ioc, &status);
	if (i < 0)
		return status;
	if (ioc.root && ioc.pool) {
		fprintf(stderr, "iocage: --root and --pool exclude each other\n");
		return EXIT_USAGE;
	}
	env_defaults(&ioc);
	c = cmd_find(argv[i]);
	if (!c) {
		const char *s = suggest(argv[i]);
		char show[256];

		fprintf(stderr,
			"iocage: unknown command '%s'%s%s%s\nRun `iocage help` for the commands.\n",
			str_shown(argv[i], show, sizeof(show)), s ? " (did you mean '" : "",
			s ? s : "", s ? "'?)" : "");
		return EXIT_USAGE;
	}
	if ((c->flags & CMD_ROOT) && geteuid() != 0) {
		int wants_help = 0;

		for (int k = i + 1; k < argc; k++)
			wants_help |= streq(argv[k], "-h") || streq(argv[k], "--help");
		if (!wants_help) {
			fprintf(stderr, "iocage: %s: must be run as root\n", c->name);
			return EXIT_FAIL;
		}
	}
	status = c->fn(&ioc, c, argc - i, argv + i);
	ioc_free(&ioc);
	if (fflush(stdout) != 0 && status == EXIT_OK) {
		fprintf(stderr, "iocage: %s: write error on standard output\n", c->name);
		status = EXIT_FAIL;
	}
	return status;
}
