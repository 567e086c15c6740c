/* /proc/self/mountinfo (src/limits/cgroup.c cg_parse_mountinfo, src/util/fs.c field splitting
 * and unescaping): where the host's cgroup hierarchies are, and the mount points iocage
 * checks before it unmounts. The input is mountinfo text.
 * fuzz-args: -max_len=16384
 *
 * Checked: the hierarchies found are absolute paths, counted once each (co-mounted
 * controllers share one); the same text parses the same way twice; each line splits into
 * fields that add up to it; and each line taken as a path,
 * escaping it as the kernel does (space, tab, newline, backslash as \ooo) and unescaping it
 * gives it back. */
#include "fuzz.h"
#include "limits/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

static bool
same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && streq(a, b));
}

static void
hierarchies(const char *text)
{
	struct cg_mounts m, again;
	int n = cg_parse_mountinfo(text, &m), distinct = m.v2 ? 1 : 0;

	for (int c = 0; c < CG_NCTRL; c++) {
		bool seen = false;

		if (!m.v1[c])
			continue;
		FUZZ_CHECK(m.v1[c][0] == '/', "%s at '%s'", cg_ctrl_name((enum cg_ctrl)c), m.v1[c]);
		for (int k = 0; k < c; k++)
			seen = seen || (m.v1[k] && streq(m.v1[k], m.v1[c]));
		distinct += !seen;
	}
	FUZZ_CHECK(!m.v2 || m.v2[0] == '/', "cgroup2 at '%s'", m.v2);
	FUZZ_CHECK(n == distinct, "%d hierarchies counted, %d found", n, distinct);
	FUZZ_CHECK(cg_parse_mountinfo(text, &again) == n && same_str(m.v2, again.v2),
		   "a second parse differs");
	for (int c = 0; c < CG_NCTRL; c++)
		FUZZ_CHECK(same_str(m.v1[c], again.v1[c]), "a second parse differs");
	cg_mounts_free(&m);
	cg_mounts_free(&again);
}

/* s as the kernel writes a path in mountinfo. */
static char *
escape(const char *s)
{
	struct sbuf b = {0};

	for (; *s; s++) {
		if (strchr(" \t\n\\", *s))
			sbuf_addf(&b, "\\%03o", (unsigned char)*s);
		else
			sbuf_addc(&b, *s);
	}
	return sbuf_take(&b);
}

static void
fields(const char *text)
{
	cleanup_free char *copy = xstrdup(text);
	char *rest = copy, *line;

	while ((line = strsep(&rest, "\n")) != NULL) {
		cleanup_free char *esc = escape(line), *split = NULL;
		char *p, *f;
		size_t total = 0, count = 0;

		mountinfo_unescape(esc);
		FUZZ_CHECK(streq(esc, line), "'%s' does not come back from its escaped form", line);
		split = xstrdup(line);
		for (p = split; (f = mountinfo_field(&p)) != NULL; count++) {
			FUZZ_CHECK(!strchr(f, ' '), "a field with a space");
			total += strlen(f);
		}
		FUZZ_CHECK(total + (count ? count - 1 : 0) == strlen(line),
			   "the fields of '%s' do not add up", line);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_free char *text = fuzz_cstr(data, size);

	hierarchies(text);
	fields(text);
	return 0;
}
