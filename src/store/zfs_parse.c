#include "store/zfs_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

void
zfs_recs_free(struct zfs_recs *r)
{
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

static void
recs_push(struct zfs_recs *r, const struct zfs_rec *rec)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	r->v[r->n++] = *rec;
}

/* The line starting at p: its length, and where the next one starts (NULL at the end). */
static size_t
next_line(char *p, char **next)
{
	char *nl = strchr(p, '\n');

	if (!nl) {
		*next = NULL;
		return strlen(p);
	}
	*next = nl[1] ? nl + 1 : NULL;
	return (size_t)(nl - p);
}

static size_t
count_tabs(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\t';
	return n;
}

/* Cut the field at *p off the line: returns it and moves *p past its tab. */
static char *
cut(char **p)
{
	char *f = *p, *t = strchr(f, '\t');

	*t = '\0';
	*p = t + 1;
	return f;
}

static int
split_line(char *line, size_t lineno, enum zfs_cols cols, struct zfs_rec *rec, struct ioc_err *e)
{
	size_t tabs = count_tabs(line);
	char *p = line;

	if (tabs + 1 < (size_t)cols)
		return err_set(e, EBADMSG, "zfs output line %zu: %zu fields, expected %d", lineno,
			       tabs + 1, (int)cols);
	*rec = (struct zfs_rec){0};
	rec->name = cut(&p);
	if (cols >= ZFS_COLS_NPV)
		rec->prop = cut(&p);
	rec->value = p;
	if (cols == ZFS_COLS_NPVS) {
		/* The source is the last field: a tab in the value belongs to the value. */
		char *t = strrchr(p, '\t');

		*t = '\0';
		rec->source = t + 1;
	}
	if (!*rec->name || (rec->prop && !*rec->prop) || (rec->source && !*rec->source))
		return err_set(e, EBADMSG, "zfs output line %zu: empty field", lineno);
	if (strlen(rec->name) > ZFS_NAME_MAX)
		return err_set(e, EBADMSG, "zfs output line %zu: name too long", lineno);
	return 0;
}

int
zfs_parse_get(char *text, enum zfs_cols cols, struct zfs_recs *out, struct ioc_err *e)
{
	struct zfs_recs r = {0};
	size_t lineno = 0;
	char *p = *text ? text : NULL, *next;

	if (cols < ZFS_COLS_NV || cols > ZFS_COLS_NPVS)
		return err_set(e, EINVAL, "zfs output: bad column layout %d", (int)cols);
	for (; p; p = next) {
		size_t len = next_line(p, &next);
		struct zfs_rec rec;

		lineno++;
		if (len > ZFS_LINE_MAX) {
			zfs_recs_free(&r);
			return err_set(e, EBADMSG, "zfs output line %zu: longer than %d bytes",
				       lineno, ZFS_LINE_MAX);
		}
		p[len] = '\0';
		if (split_line(p, lineno, cols, &rec, e) < 0) {
			zfs_recs_free(&r);
			return -1;
		}
		recs_push(&r, &rec);
	}
	*out = r;
	return 0;
}

static void
strv_truncate(struct strv *sv, size_t n)
{
	while (sv->n > n)
		free(sv->v[--sv->n]);
	if (sv->v)
		sv->v[sv->n] = NULL;
}

int
zfs_parse_names(const char *text, struct strv *out, struct ioc_err *e)
{
	size_t n0 = out->n, lineno = 0;
	const char *p = *text ? text : NULL;

	while (p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len == 0 || len > ZFS_NAME_MAX || memchr(p, '\t', len)) {
			strv_truncate(out, n0);
			return err_set(e, EBADMSG, "zfs list output line %zu: not a dataset name",
				       lineno);
		}
		strv_push_take(out, xstrndup(p, len));
		p = nl && nl[1] ? nl + 1 : NULL;
	}
	return 0;
}
