/* The string helpers every parser and printer leans on (src/util/str.c): strict numbers and
 * sizes, str_shown and str_fputs_safe (what a hostile string becomes in a message) and
 * sbuf_add_json (what it becomes in --json output). The input is one string.
 *
 * Checked: parse_u64 takes exactly the plain decimal numbers below 2^64; parse_size the same
 * with one unit K M G T P E (optionally B, iB, KB...), and its value is the number shifted by
 * the unit, never wrapped; str_shown gives printable ASCII that fits its buffer and leaves
 * short printable text alone; sbuf_add_json gives a JSON string that is valid UTF-8 and, read
 * back by a JSON decoder written here, is the input itself when the input is valid UTF-8;
 * str_fputs_safe (what error messages go through) lets no control character out. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>

#include "fuzz.h"
#include "util/cleanup.h"

static const char units[] = "KMGTPE";

static void
numbers(const char *s)
{
	uint64_t v, w;
	size_t digits = strspn(s, "0123456789");
	char *end;
	int shift = 0;

	if (parse_u64(s, &v) == 0) {
		errno = 0;
		w = strtoull(s, &end, 10);
		FUZZ_CHECK(digits && !s[digits] && errno == 0 && w == v, "parse_u64 took '%s'", s);
	} else {
		FUZZ_CHECK(!digits || s[digits] || (errno = 0, strtoull(s, NULL, 10), errno),
			   "parse_u64 refused '%s'", s);
	}
	if (parse_size(s, &v) < 0)
		return;
	FUZZ_CHECK(digits > 0, "parse_size took '%s'", s);
	if (s[digits]) {
		const char *u = strchr(units, toupper((unsigned char)s[digits]));

		FUZZ_CHECK(u && *u, "parse_size took the unit of '%s'", s);
		shift = 10 * (int)(u - units + 1);
	}
	errno = 0;
	w = strtoull(s, NULL, 10);
	FUZZ_CHECK(errno == 0 && (v >> shift) == w && (w << shift) == v,
		   "parse_size('%s') = %" PRIu64, s, v);
}

static void
shown(const char *s)
{
	static const size_t lens[] = {8, 9, 16, 96};
	char buf[96];

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		str_shown(s, buf, lens[i]);
		FUZZ_CHECK(strlen(buf) < lens[i] && fuzz_printable(buf), "str_shown gave '%s'",
			   buf);
		if (fuzz_printable(s) && strlen(s) + 8 <= lens[i])
			FUZZ_CHECK(streq(buf, s), "str_shown changed '%s' into '%s'", s, buf);
	}
}

/* The length of the valid UTF-8 sequence at s, 0 if there is none (as RFC 3629). */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	c = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

static bool
utf8_valid(const char *s)
{
	for (size_t n; *s; s += n)
		if (!(n = utf8_len((const unsigned char *)s)))
			return false;
	return true;
}

/* Decode the JSON string literal j (quotes included) into out; false if it is not one. */
static bool
json_decode(const char *j, struct sbuf *out)
{
	if (*j++ != '"')
		return false;
	for (; *j && *j != '"'; j++) {
		unsigned v;

		if ((unsigned char)*j < 0x20)
			return false;
		if (*j != '\\') {
			sbuf_addc(out, *j);
			continue;
		}
		switch (*++j) {
		case '"':
		case '\\':
		case '/':
			sbuf_addc(out, *j);
			break;
		case 'b':
			sbuf_addc(out, '\b');
			break;
		case 'f':
			sbuf_addc(out, '\f');
			break;
		case 'n':
			sbuf_addc(out, '\n');
			break;
		case 'r':
			sbuf_addc(out, '\r');
			break;
		case 't':
			sbuf_addc(out, '\t');
			break;
		case 'u':
			if (sscanf(j + 1, "%4x", &v) != 1 ||
			    strspn(j + 1, "0123456789abcdefABCDEF") < 4)
				return false;
			if (v < 0x80)
				sbuf_addc(out, (char)v);
			else if (v < 0x800)
				sbuf_addf(out, "%c%c", 0xc0 | v >> 6, 0x80 | (v & 0x3f));
			else
				sbuf_addf(out, "%c%c%c", 0xe0 | v >> 12, 0x80 | (v >> 6 & 0x3f),
					  0x80 | (v & 0x3f));
			j += 4;
			break;
		default:
			return false;
		}
	}
	return *j == '"' && j[1] == '\0';
}

static void
json(const char *s)
{
	struct sbuf b = {0}, back = {0};

	sbuf_add_json(&b, s);
	FUZZ_CHECK(utf8_valid(sbuf_str(&b)), "the JSON of '%s' is not UTF-8", s);
	FUZZ_CHECK(json_decode(sbuf_str(&b), &back), "'%s' is not a JSON string", sbuf_str(&b));
	if (utf8_valid(s))
		FUZZ_CHECK(streq(sbuf_str(&back), s), "'%s' reads back as '%s'", s,
			   sbuf_str(&back));
	sbuf_free(&b);
	sbuf_free(&back);
}

/* What cmd_fail prints: valid UTF-8 with no C0, DEL or C1 control in it. */
static void
fputs_safe(const char *s)
{
	cleanup_free char *out = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&out, &len);

	FUZZ_CHECK(f, "open_memstream");
	str_fputs_safe(s, f);
	fclose(f);
	FUZZ_CHECK(utf8_valid(out), "str_fputs_safe gave bytes that are not UTF-8");
	for (const unsigned char *p = (const unsigned char *)out; *p; p += n) {
		n = utf8_len(p);
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f && !(n == 2 && p[0] == 0xc2 && p[1] < 0xa0),
			   "str_fputs_safe let a control character through");
	}
	if (fuzz_printable(s))
		FUZZ_CHECK(streq(out, s), "str_fputs_safe changed printable text");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_free char *s = fuzz_cstr(data, size);

	numbers(s);
	shown(s);
	json(s);
	fputs_safe(s);
	return 0;
}
