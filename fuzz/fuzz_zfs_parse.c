/* zfs(8) script output (src/store/zfs_parse.c): `zfs list -H -o name` (first byte 0) or
 * `zfs get -H -p -o name,[property,]value[,source]` with 2, 3 or 4 columns (first byte 1-3).
 * fuzz-args: -max_len=16384
 *
 * Checked: a parse that succeeds gives back exactly the text it was given when its records
 * are joined again (fields by tabs, records by newlines; one final newline is the end of the
 * last record); names are 1-255 bytes without a tab; the fields around the value hold no tab
 * (a tab belongs to the value); a failed parse leaves nothing behind (the names already in the
 * list stay, no more) and says which line, in printable text. */
#include "fuzz.h"
#include "store/zfs_parse.h"
#include "util/cleanup.h"

/* text without its one final newline, if it has one. */
static size_t
body_len(const char *text)
{
	size_t n = strlen(text);

	return n && text[n - 1] == '\n' ? n - 1 : n;
}

static void
names(const char *text)
{
	struct strv out = {0};
	struct sbuf b = {0};
	struct ioc_err e = {0};

	strv_push(&out, "pool/already-there");
	if (zfs_parse_names(text, &out, &e) < 0) {
		FUZZ_CHECK_MSG(&e);
		FUZZ_CHECK(out.n == 1 && streq(out.v[0], "pool/already-there"),
			   "a failed parse left %zu names", out.n);
		strv_free(&out);
		return;
	}
	for (size_t i = 1; i < out.n; i++) {
		size_t len = strlen(out.v[i]);

		FUZZ_CHECK(len > 0 && len <= ZFS_NAME_MAX && !strchr(out.v[i], '\t'),
			   "name %zu: '%s'", i, out.v[i]);
		if (i > 1)
			sbuf_addc(&b, '\n');
		sbuf_add(&b, out.v[i]);
	}
	FUZZ_CHECK(b.len == body_len(text) && memcmp(sbuf_str(&b), text, b.len) == 0,
		   "the names do not join back to the text");
	sbuf_free(&b);
	strv_free(&out);
}

static void
get(const char *text, enum zfs_cols cols)
{
	cleanup_free char *copy = xstrdup(text);
	struct zfs_recs r = {0};
	struct sbuf b = {0};
	struct ioc_err e = {0};

	if (zfs_parse_get(copy, cols, &r, &e) < 0) {
		FUZZ_CHECK_MSG(&e);
		FUZZ_CHECK(r.n == 0 && r.v == NULL, "a failed parse left records");
		return;
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct zfs_rec *x = &r.v[i];

		FUZZ_CHECK(*x->name && strlen(x->name) <= ZFS_NAME_MAX && !strchr(x->name, '\t'),
			   "record %zu: name '%s'", i, x->name);
		FUZZ_CHECK((cols >= ZFS_COLS_NPV) == (x->prop != NULL) &&
			       (cols == ZFS_COLS_NPVS) == (x->source != NULL),
			   "record %zu: the fields do not match %d columns", i, (int)cols);
		FUZZ_CHECK(!x->prop || (*x->prop && !strchr(x->prop, '\t')), "record %zu: prop", i);
		FUZZ_CHECK(!x->source || (*x->source && !strchr(x->source, '\t')),
			   "record %zu: source", i);
		FUZZ_CHECK(!strchr(x->value, '\n'), "record %zu: a newline in the value", i);
		if (i)
			sbuf_addc(&b, '\n');
		sbuf_addf(&b, "%s\t", x->name);
		if (x->prop)
			sbuf_addf(&b, "%s\t", x->prop);
		sbuf_add(&b, x->value);
		if (x->source)
			sbuf_addf(&b, "\t%s", x->source);
	}
	FUZZ_CHECK(b.len == body_len(text) && memcmp(sbuf_str(&b), text, b.len) == 0,
		   "%zu records do not join back to the text", r.n);
	sbuf_free(&b);
	zfs_recs_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_free char *text = NULL;

	if (size < 1)
		return 0;
	text = fuzz_cstr(data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		names(text);
		break;
	case 1:
		get(text, ZFS_COLS_NV);
		break;
	case 2:
		get(text, ZFS_COLS_NPV);
		break;
	default:
		get(text, ZFS_COLS_NPVS);
		break;
	}
	return 0;
}
