/* sha256.h: SHA-256 (FIPS 180-4), for the source digest in generated C.
 *
 * Ownership: nothing allocated; the caller provides the output buffer.
 */
#ifndef BIZ_SHA256_H
#define BIZ_SHA256_H

#include <stddef.h>

/* Writes the lowercase hex digest of data[0..len) and a NUL into hex (65 bytes). */
void biz_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
