/* The MANIFEST of an image or package (src/core/image.c), the first thing `import` reads
 * from a file someone else made, and the checksum trailer after the archive.
 * fuzz-args: -max_len=65536
 *
 * Checked: a refusal says why in printable text (a manifest's bytes are not ours to send to a
 * terminal); an accepted manifest prints (manifest_format) to text that parses to the same
 * manifest and prints the same again; each special line it keeps allows exactly the entry it
 * names; the trailer parser takes only what image_trailer writes. */
#include "core/image.h"
#include "fuzz.h"
#include "util/cleanup.h"

static bool
str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && streq(a, b));
}

static bool
strv_same(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!streq(a->v[i], b->v[i]))
			return false;
	return true;
}

static void
check_same(const struct manifest *a, const struct manifest *b)
{
	FUZZ_CHECK(a->version == b->version && str_same(a->kind, b->kind) &&
		       str_same(a->uuid, b->uuid) && str_same(a->type, b->type) &&
		       str_same(a->base, b->base) && a->created == b->created &&
		       a->exported == b->exported,
		   "the printed manifest reads back differently");
	/* release and origin print as "none" when absent. */
	FUZZ_CHECK(str_same(a->release ? a->release : "none", b->release) &&
		       str_same(a->origin ? a->origin : "none", b->origin),
		   "release or origin changed");
	FUZZ_CHECK(a->props.n == b->props.n, "%zu props became %zu", a->props.n, b->props.n);
	for (size_t i = 0; i < a->props.n; i++)
		FUZZ_CHECK(streq(a->props.v[i].key, b->props.v[i].key) &&
			       streq(a->props.v[i].val, b->props.v[i].val),
			   "prop %s changed", a->props.v[i].key);
	FUZZ_CHECK(strv_same(&a->special, &b->special) && strv_same(&a->whiteout, &b->whiteout) &&
		       strv_same(&a->opaque, &b->opaque),
		   "special, whiteout or opaque lines changed");
}

static void
check_special(const struct manifest *m)
{
	for (size_t i = 0; i < m->special.n; i++) {
		unsigned mode, maj, min;
		char t;
		int at = 0;

		FUZZ_CHECK(sscanf(m->special.v[i], "%c %o %u %u %n", &t, &mode, &maj, &min, &at) ==
				   4 &&
			       at > 0,
			   "kept special line '%s'", m->special.v[i]);
		if (mode <= 07777)
			FUZZ_CHECK(manifest_allows(m, t, mode, maj, min, m->special.v[i] + at),
				   "special line '%s' does not allow its own entry",
				   m->special.v[i]);
		FUZZ_CHECK(!manifest_allows(m, t, mode, maj, min, ""), "an empty path is allowed");
	}
}

static void
check_trailer(const uint8_t *data, size_t size)
{
	unsigned char out[IMAGE_TRAILER_LEN];
	char hex[65];

	if (image_trailer_parse(data, size, hex) < 0)
		return;
	FUZZ_CHECK(strlen(hex) == 64, "trailer digest '%s'", hex);
	image_trailer(hex, out);
	FUZZ_CHECK(size == sizeof(out) && memcmp(out, data, size) == 0,
		   "a trailer image_trailer would not write was accepted");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m, back;
	struct ioc_err e = {0};
	cleanup_free char *text = NULL, *again = NULL;

	check_trailer(data, size);
	if (manifest_parse((const char *)data, size, &m, &e) < 0) {
		FUZZ_CHECK_MSG(&e);
		return 0;
	}
	check_special(&m);
	text = manifest_format(&m);
	FUZZ_CHECK(manifest_parse(text, strlen(text), &back, &e) == 0,
		   "the printed manifest does not parse: %s\n%s", e.msg, text);
	check_same(&m, &back);
	again = manifest_format(&back);
	FUZZ_CHECK(streq(text, again), "printing is not stable");
	manifest_free(&back);
	manifest_free(&m);
	return 0;
}
