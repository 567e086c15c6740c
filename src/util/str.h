/* Memory and strings: allocation that aborts on exhaustion (a CLI has nothing better to do),
 * growable string buffers, string vectors and ordered key/value lists. */
#ifndef IOC_UTIL_STR_H
#define IOC_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) IOC_PRINTF(1, 2);

static inline bool
streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix);
/* Edit distance (Levenshtein), letters compared without case; SIZE_MAX past 64 chars. For
 * "did you mean" suggestions. */
size_t str_distance(const char *a, const char *b);
/* s for a message printed on a terminal: anything but printable ASCII as \xNN (so that a
 * hostile name or value cannot drive the terminal), cut with "..." to fit len. Returns buf. */
const char *str_shown(const char *s, char *buf, size_t len);
/* The length (1-4) of the valid UTF-8 sequence at s, 0 if the bytes there are not one
 * (overlong forms, surrogates and code points past U+10FFFF are not); 1 for the NUL. */
size_t str_utf8_len(const char *s);
/* Print s to f as str_shown would make it safe, but whole and keeping valid UTF-8: control
 * characters and bytes that are not UTF-8 as \xNN. For messages that may quote a name from a
 * jail or an archive. */
void str_fputs_safe(const char *s, FILE *f);

/* Length of the UTF-8 sequence at s with its code point in *cp, or 0 when it is not valid
 * UTF-8: overlong forms, surrogates and code points past U+10FFFF are refused too. */
size_t str_utf8_next(const unsigned char *s, uint32_t *cp);
/* 0 when s is one line of text (valid UTF-8 without C0, DEL or C1 control characters, which
 * terminals obey), else the 1-based offset of the first byte that is not. */
size_t str_text_bad(const char *s);

/* A growable NUL-terminated buffer. A zeroed struct is an empty buffer. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) IOC_PRINTF(2, 3);
/* Append s as a JSON string literal, quotes included; bytes that are not UTF-8 become
 * U+FFFD, so that the output is always valid JSON. */
void sbuf_add_json(struct sbuf *b, const char *s);
const char *sbuf_str(struct sbuf *b); /* never NULL */
char *sbuf_take(struct sbuf *b);      /* the string (never NULL); b is empty afterwards */
void sbuf_free(struct sbuf *b);

/* A vector of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct strv *sv, const char *s); /* copies s */
void strv_push_take(struct strv *sv, char *s);  /* takes s */
bool strv_contains(const struct strv *sv, const char *s);
void strv_sort(struct strv *sv);
/* strv_contains for a list strv_sort sorted: a binary search. */
bool strv_sorted_contains(const struct strv *sv, const char *s);
void strv_free(struct strv *sv);

/* An ordered list of owned key/value pairs with unique keys. */
struct kv {
	char *key, *val;
};
struct kvlist {
	struct kv *v;
	size_t n, cap;
};
void kvlist_set(struct kvlist *l, const char *key, const char *val); /* replaces */
const char *kvlist_get(const struct kvlist *l, const char *key);     /* NULL if absent */
bool kvlist_del(struct kvlist *l, const char *key);
void kvlist_free(struct kvlist *l);

/* Strict number parsing: the whole string, no sign, no overflow. */
int parse_u64(const char *s, uint64_t *ret);
/* Bytes with an optional K, M, G, T suffix (powers of 1024; also KB, KiB...). */
int parse_size(const char *s, uint64_t *ret);
/* Human size for tables: 1.5G, 512M, 20K, 0. */
void format_size(uint64_t bytes, char *buf, size_t len);

#endif
