/* Portable images and differential packages (issue #8, DESIGN.md section 9).
 *
 * An image (images/UUID.tar.zst) and a package (packages/TAG-TIME.tar.zst) have one format: a
 * zstd-compressed pax tar whose first entry is MANIFEST (the text below), then the root
 * filesystem under root/ (owners, modes, times, xattrs with POSIX ACLs, hard links, symlinks,
 * device nodes), then a zstd skippable frame holding "sha256=HEX" of every byte before it, so
 * that a stream (`export -o -`) carries its own checksum. A .sha256 file (sha256sum's format)
 * is written beside a file.
 *
 * MANIFEST: the line "iocage-image VERSION", then KEY=VALUE lines (backslash escapes \\ and
 * \n in values): kind (jail|package), uuid, type, release, origin (release NAME, template
 * UUID, or none), base (packages: release NAME or template UUID), created, exported (Unix
 * times), prop.NAME for every property of the jail, special=T MODE MAJOR MINOR PATH for every
 * device node (T c or b) and set-uid/set-gid file (T f) the archive holds, and for packages
 * whiteout=PATH (deleted) and opaque=PATH (a directory whose old contents are gone). */
#ifndef IOC_CORE_IMAGE_H
#define IOC_CORE_IMAGE_H

#include <stdbool.h>

#include "core/jail.h"
#include "util/err.h"
#include "util/str.h"

#define IMAGE_VERSION      1
#define IMAGE_MANIFEST_MAX (4u << 20)

struct manifest {
	unsigned version;
	char *kind;    /* "jail" or "package" */
	char *uuid;    /* the jail it was made from */
	char *type;    /* thickjail, clonejail, basejail, emptyjail */
	char *release; /* or "none" */
	char *origin;  /* "release NAME", "template UUID" or "none" */
	char *base;    /* package: what it applies to ("release NAME", "template UUID") */
	long long created, exported;
	struct kvlist props;
	struct strv special;  /* "T MODE MAJOR MINOR PATH" */
	struct strv whiteout; /* package: deleted paths */
	struct strv opaque;   /* package: directories replaced whole */
};

/* Parse / print a manifest (pure; unit-tested). Parsing refuses another version, unknown
 * keys, a missing kind or uuid, bad special lines and paths that are absolute or hold "..". */
int manifest_parse(const char *text, size_t len, struct manifest *m, struct ioc_err *e);
char *manifest_format(const struct manifest *m);
void manifest_free(struct manifest *m);
/* Whether a special line allows an entry: type 'c', 'b' or 'f', mode (with type bits or not),
 * device numbers, path relative to the jail's root. */
bool manifest_allows(const struct manifest *m, char type, unsigned mode, unsigned major,
		     unsigned minor, const char *path);

/* The trailer: a zstd skippable frame (magic 0x184D2A5E) with "sha256=HEX\n". */
#define IMAGE_TRAILER_LEN (8 + 7 + 64 + 1)
void image_trailer(const char hex[65], unsigned char out[IMAGE_TRAILER_LEN]);
/* 0 and the hex digest in hex if buf is a trailer, -1 otherwise. */
int image_trailer_parse(const unsigned char *buf, size_t len, char hex[65]);

struct export_opts {
	const char *out; /* NULL: images/UUID.tar.zst; "-": stdout; else a file */
	bool progress;
};
/* Export a stopped jail; *ret_path (caller frees) names what was written ("-" for stdout). */
int image_export(struct ioc *ioc, const struct jail *j, const struct export_opts *o,
		 char **ret_path, struct ioc_err *e);

struct import_opts {
	const char *source;  /* a file, "-" for stdin, or a UUID prefix of images/ and packages/ */
	bool new_uuid;       /* -n */
	struct kvlist props; /* PROP=VALUE given */
	bool progress;
	void (*note)(const char *msg, void *arg); /* what was left out, for the user */
	void *arg;
};
int image_import(struct ioc *ioc, const struct import_opts *o, char *ret_uuid, char **ret_tag,
		 struct ioc_err *e);

/* record start|stop (jail stopped), and what start/stop call: with a recording on, the jail
 * runs on an overlay whose upper directory collects its changes. */
int jail_record_start(struct ioc *ioc, const struct jail *j, struct ioc_err *e);
int jail_record_stop(struct ioc *ioc, const struct jail *j, bool progress, struct ioc_err *e);
/* 1: *root (freed and replaced) is now the recording overlay; 0: not recording. */
int jail_record_mount(struct ioc *ioc, const struct jail *j, char **root, struct ioc_err *e);
void jail_record_umount(struct ioc *ioc, const struct jail *j);
/* A destroyed jail's recording, wherever it lives (on ZFS: on the host). */
void jail_record_forget(struct ioc *ioc, const struct jail *j);
bool jail_recording(struct ioc *ioc, const struct jail *j);

/* The last recording of j as a package in packages/; *ret_path names it. */
int jail_package(struct ioc *ioc, const struct jail *j, char **ret_path, struct ioc_err *e);

#endif
