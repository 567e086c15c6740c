#include "core/output.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <strings.h>

void
table_init(struct table *t, const struct col *cols, size_t ncols)
{
	t->cols = cols;
	t->ncols = ncols;
	t->cells = (struct strv){0};
}

void
table_add(struct table *t, const char *const *cells)
{
	for (size_t i = 0; i < t->ncols; i++)
		strv_push(&t->cells, cells[i] ? cells[i] : "-");
}

size_t
table_rows(const struct table *t)
{
	return t->ncols ? t->cells.n / t->ncols : 0;
}

static bool
all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* qsort has no context argument: the sort key travels in statics (one sort at a time). */
static size_t sort_col;

static int
cmp_rows(const void *a, const void *b)
{
	const char *x = ((char *const *)a)[sort_col], *y = ((char *const *)b)[sort_col];

	if (all_digits(x) && all_digits(y)) {
		unsigned long long u = strtoull(x, NULL, 10), v = strtoull(y, NULL, 10);

		if (u != v)
			return u < v ? -1 : 1;
	}
	return strcmp(x, y);
}

int
table_sort(struct table *t, const char *key)
{
	size_t rows = table_rows(t), i;
	char **tmp;

	for (i = 0; i < t->ncols; i++)
		if (strcasecmp(t->cols[i].name, key) == 0)
			break;
	if (i == t->ncols)
		return -1;
	sort_col = i;
	/* Rows are contiguous runs of ncols pointers: sort them as fixed-size records. */
	tmp = t->cells.v;
	qsort(tmp, rows, t->ncols * sizeof(char *), cmp_rows);
	return 0;
}

static void
print_json(const struct table *t, FILE *f)
{
	struct sbuf b = {0};
	size_t rows = table_rows(t);

	sbuf_addc(&b, '[');
	for (size_t r = 0; r < rows; r++) {
		sbuf_add(&b, r ? ",\n  {" : "\n  {");
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells.v[r * t->ncols + c];
			char key[64];
			size_t k;

			for (k = 0; k < sizeof(key) - 1 && t->cols[c].name[k]; k++)
				key[k] = (char)tolower((unsigned char)t->cols[c].name[k]);
			key[k] = '\0';
			if (c)
				sbuf_add(&b, ", ");
			sbuf_add_json(&b, key);
			sbuf_add(&b, ": ");
			if (t->cols[c].kind == COL_NUM && all_digits(cell))
				sbuf_add(&b, cell);
			else if (t->cols[c].kind != COL_STR && streq(cell, "-"))
				sbuf_add(&b, "null");
			else
				sbuf_add_json(&b, cell);
		}
		sbuf_addc(&b, '}');
	}
	sbuf_add(&b, rows ? "\n]\n" : "]\n");
	fputs(b.s, f);
	sbuf_free(&b);
}

static void
print_cell(FILE *f, const char *cell, size_t width, bool last)
{
	if (last)
		fprintf(f, "%s\n", cell);
	else
		fprintf(f, "%-*s  ", (int)width, cell);
}

void
table_print(const struct table *t, enum out_mode mode, FILE *f)
{
	size_t rows = table_rows(t), *w;

	if (mode == OUT_JSON) {
		print_json(t, f);
		return;
	}
	if (mode == OUT_TABS) {
		for (size_t r = 0; r < rows; r++)
			for (size_t c = 0; c < t->ncols; c++)
				fprintf(f, "%s%c", t->cells.v[r * t->ncols + c],
					c + 1 == t->ncols ? '\n' : '\t');
		return;
	}
	w = xcalloc(t->ncols, sizeof(*w));
	for (size_t c = 0; c < t->ncols; c++)
		w[c] = strlen(t->cols[c].name);
	for (size_t i = 0; i < t->cells.n; i++) {
		size_t len = strlen(t->cells.v[i]);

		if (len > w[i % t->ncols])
			w[i % t->ncols] = len;
	}
	for (size_t c = 0; c < t->ncols; c++)
		print_cell(f, t->cols[c].name, w[c], c + 1 == t->ncols);
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < t->ncols; c++)
			print_cell(f, t->cells.v[r * t->ncols + c], w[c], c + 1 == t->ncols);
	free(w);
}

void
table_free(struct table *t)
{
	strv_free(&t->cells);
}

void
cell_num(int64_t v, bool size, enum out_mode mode, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else if (size && mode == OUT_TABLE)
		format_size((uint64_t)v, buf, len);
	else
		snprintf(buf, len, "%" PRId64, v);
}
