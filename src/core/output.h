/* Listings for people, scripts and programs (DESIGN.md section 10): a table with a header
 * (default), tab-separated rows without a header (-H), or a JSON array of objects (--json). */
#ifndef IOC_CORE_OUTPUT_H
#define IOC_CORE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/str.h"

enum out_mode {
	OUT_TABLE,
	OUT_TABS,
	OUT_JSON,
};

enum col_kind {
	COL_STR,  /* JSON string */
	COL_NUM,  /* JSON number when the cell is all digits, else string */
	COL_NULL, /* JSON null when the cell is "-" */
};

struct col {
	const char *name; /* header in the table; lowercased it is the JSON key */
	enum col_kind kind;
};

struct table {
	const struct col *cols;
	size_t ncols;
	struct strv cells; /* row-major */
};

void table_init(struct table *t, const struct col *cols, size_t ncols);
/* Add a row of ncols cells (copied; NULL prints as "-"). */
void table_add(struct table *t, const char *const *cells);
/* Sort rows by the column named key (case-insensitive); -1 if no such column. Numbers
 * compare as numbers. */
int table_sort(struct table *t, const char *key);
size_t table_rows(const struct table *t);
void table_print(const struct table *t, enum out_mode mode, FILE *f);
void table_free(struct table *t);
/* A count or size (bytes) for a cell: "-" when negative (unknown); a size reads as 1.5G in a
 * table for people, exact in -H and --json. */
void cell_num(int64_t v, bool size, enum out_mode mode, char *buf, size_t len);

#endif
