/* The image manifest (parse, print, round trip, refusals), the checksum trailer, SHA-256. */
#include <stdlib.h>
#include <string.h>

#include "core/image.h"
#include "tap.h"
#include "util/sha256.h"

#define UUID1 "0a1b2c3d-1111-4222-8333-444455556666"

static const char *
hash(const char *s)
{
	static char hex[SHA256_HEX_LEN + 1];
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, s, strlen(s));
	sha256_hex(&c, hex);
	return hex;
}

static void
test_sha256(void)
{
	struct sha256 c;
	char hex[65], a[1001];

	is_str(hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "sha256 of nothing");
	is_str(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256 of abc");
	is_str(hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	       "sha256 of the two-block vector");
	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	for (int i = 0; i < 1000; i++) /* a million 'a's, fed unevenly */
		sha256_update(&c, a, i % 2 ? 999 : 1001);
	sha256_hex(&c, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "sha256 of a million a's in pieces");
}

static void
test_roundtrip(void)
{
	struct manifest m = {0}, back;
	struct ioc_err e;
	char *text;

	m.kind = "jail";
	m.uuid = UUID1;
	m.type = "thickjail";
	m.release = "bookworm";
	m.origin = "release bookworm";
	m.created = 1700000000;
	m.exported = 1700000001;
	kvlist_set(&m.props, "tag", "web");
	kvlist_set(&m.props, "notes", "two\nlines \\ here");
	strv_push(&m.special, "c 0666 1 3 dev/null");
	strv_push(&m.special, "f 4755 0 0 usr/bin/su with space");
	text = manifest_format(&m);
	ok(strncmp(text, "iocage-image 1\n", 15) == 0, "the manifest starts with its version");
	ok(strstr(text, "prop.notes=two\\nlines \\\\ here\n") != NULL, "newlines are escaped");
	ok(manifest_parse(text, strlen(text), &back, &e) == 0, "it parses back: %s", e.msg);
	is_str(back.uuid, UUID1, "uuid");
	is_str(back.origin, "release bookworm", "origin");
	ok(back.created == 1700000000 && back.exported == 1700000001, "times");
	is_str(kvlist_get(&back.props, "notes"), "two\nlines \\ here", "an escaped value");
	ok(back.special.n == 2, "two specials");
	ok(manifest_allows(&back, 'c', 020666, 1, 3, "dev/null"), "a listed node is allowed");
	ok(!manifest_allows(&back, 'c', 020666, 1, 5, "dev/null"), "other device numbers are not");
	ok(!manifest_allows(&back, 'b', 060666, 1, 3, "dev/null"), "another type is not");
	ok(!manifest_allows(&back, 'c', 020600, 1, 3, "dev/null"), "another mode is not");
	ok(manifest_allows(&back, 'f', 0104755, 0, 0, "usr/bin/su with space"),
	   "a set-uid file with a space");
	ok(!manifest_allows(&back, 'f', 0104755, 0, 0, "usr/bin/su"), "not another path");
	manifest_free(&back);
	free(text);
	kvlist_free(&m.props);
	strv_free(&m.special);
}

static void
refused(const char *text, const char *want, const char *name)
{
	struct manifest m;
	struct ioc_err e = {0};
	int r = manifest_parse(text, strlen(text), &m, &e);

	ok(r < 0 && strstr(e.msg, want), "refused: %s (%s)", name, e.msg);
	if (r == 0)
		manifest_free(&m);
}

static void
test_refusals(void)
{
	const char *head = "iocage-image 1\nkind=jail\nuuid=" UUID1 "\ntype=thickjail\n";
	char buf[512];

	refused("", "no header", "empty");
	refused("iocage-image 2\nkind=jail\n", "version 2 is not supported", "a newer version");
	refused("iocage-image x\n", "bad format version", "a bad version");
	refused("tar-image 1\n", "not an iocage image manifest", "another header");
	snprintf(buf, sizeof(buf), "%sfrobnicate=1\n", head);
	refused(buf, "unknown key 'frobnicate'", "an unknown key");
	snprintf(buf, sizeof(buf), "%sspecial=c 0666 1 3 ../etc/x\n", head);
	refused(buf, "'..'", "a special path with ..");
	snprintf(buf, sizeof(buf), "%sspecial=c 0666 1 3 /dev/null\n", head);
	refused(buf, "absolute", "an absolute special path");
	snprintf(buf, sizeof(buf), "%sspecial=x 0666 1 3 dev/null\n", head);
	refused(buf, "TYPE MODE", "a bad special type");
	snprintf(buf, sizeof(buf), "%swhiteout=a/../../b\n", head);
	refused(buf, "'..'", "a whiteout with ..");
	snprintf(buf, sizeof(buf), "%sprop.x=bad\\q\n", head);
	refused(buf, "bad escape", "a bad escape");
	refused("iocage-image 1\nkind=jail\ntype=thickjail\n", "uuid", "no uuid");
	refused("iocage-image 1\nkind=package\nuuid=" UUID1 "\ntype=thickjail\n", "without a base",
		"a package without a base");
	{
		static const char nul[] = "iocage-image 1\nkind=jail\nuuid=" UUID1 "\ntype=t\0x\n";
		struct manifest m;
		struct ioc_err e = {0};

		ok(manifest_parse(nul, sizeof(nul) - 1, &m, &e) < 0 && strstr(e.msg, "not text"),
		   "refused: a NUL byte (%s)", e.msg);
	}
}

/* The last line without its newline: parsed like the others, and (under ASan) nothing is
 * written past the copy of the text (fuzz_manifest found a one-byte heap overflow here). */
static void
test_last_line(void)
{
	static const char text[] = "iocage-image 1\nkind=jail\nuuid=" UUID1 "\ntype=thickjail\n"
				   "whiteout=etc/old";
	struct manifest m;
	struct ioc_err e = {0};
	char *heap = xstrdup(text);

	ok(manifest_parse(heap, strlen(heap), &m, &e) == 0, "no final newline: parsed (%s)", e.msg);
	ok(m.whiteout.n == 1 && streq(m.whiteout.v[0], "etc/old"), "its last line counts");
	manifest_free(&m);
	free(heap);
	heap = xstrdup("iocage-image 1\nfrob\x1b[2J=1\n");
	ok(manifest_parse(heap, strlen(heap), &m, &e) < 0 && strstr(e.msg, "frob\\x1b[2J"),
	   "a refused key is shown escaped, not sent to the terminal (%s)", e.msg);
	free(heap);
}

static void
test_trailer(void)
{
	const char *hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	unsigned char t[IMAGE_TRAILER_LEN];
	char back[65];

	image_trailer(hex, t);
	ok(t[0] == 0x5e && t[1] == 0x2a && t[2] == 0x4d && t[3] == 0x18,
	   "the trailer is a zstd skippable frame");
	ok(t[4] == IMAGE_TRAILER_LEN - 8 && !t[5] && !t[6] && !t[7], "with its length");
	ok(image_trailer_parse(t, sizeof(t), back) == 0, "it parses");
	is_str(back, hex, "the digest comes back");
	t[20] = 'X';
	ok(image_trailer_parse(t, sizeof(t), back) < 0, "a non-hex digest is refused");
	ok(image_trailer_parse(t, sizeof(t) - 1, back) < 0, "a short one is refused");
}

int
main(void)
{
	test_sha256();
	test_roundtrip();
	test_refusals();
	test_last_line();
	test_trailer();
	return tap_done();
}
