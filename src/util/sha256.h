/* SHA-256 (FIPS 180-4), for the checksums of exported images and packages. */
#ifndef IOC_UTIL_SHA256_H
#define IOC_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes fed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest as 64 lowercase hex digits and a NUL; s is spent afterwards. */
void sha256_hex(struct sha256 *s, char out[SHA256_HEX_LEN + 1]);

#endif
