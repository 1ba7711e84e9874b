/* base64.h: base64 (RFC 4648, section 4: the standard alphabet).
 *
 * Ownership: both functions return new malloc'd buffers the caller frees.
 */
#ifndef BIZ_BASE64_H
#define BIZ_BASE64_H

#include <stddef.h>

/* Encodes len bytes with padding into a new NUL-terminated string; NULL when
 * out of memory. */
char *biz_b64_encode(const void *data, size_t len);

/* Decodes len characters of text. Whitespace (space, tab, CR, LF) is
 * skipped, as in MIME bodies; trailing '=' padding is optional but, when
 * present, must be correct. On success returns 0 and sets *out to a new
 * buffer of *outlen bytes, followed by one extra NUL so text can be used as
 * a C string. Returns -1 (nothing allocated) on a character outside the
 * alphabet, misplaced or excess padding, or a dangling single character. */
int biz_b64_decode(const char *text, size_t len, unsigned char **out, size_t *outlen);

#endif
