/* utf8.h: UTF-8 decoding and encoding, one copy for the compiler and the
 * runtime (the lexer's string escapes, Python's repr() and str lengths,
 * the log's terminal escaping).
 *
 * Ownership: nothing is allocated; callers pass their buffers.
 */
#ifndef BIZ_UTF8_H
#define BIZ_UTF8_H

#include <stddef.h>

/* The largest code point, and the bytes one takes at most. */
#define BIZ_UTF8_MAX_CP 0x10FFFFu
#define BIZ_UTF8_MAX_LEN 4

/* The code point of the valid UTF-8 sequence at s (n bytes left) in *cp
 * and its length, or 0 when it is not valid UTF-8 (overlong forms,
 * surrogates and values past U+10FFFF included). */
size_t biz_utf8_seq(const unsigned char *s, size_t n, unsigned *cp);

/* Writes the UTF-8 form of cp (at most U+10FFFF) into out; returns its
 * length (1 to 4). Surrogates are encoded as they are (callers that must
 * not produce them check first). */
int biz_utf8_put(unsigned cp, char out[BIZ_UTF8_MAX_LEN]);

/* How many characters s[0..n) holds, as Python's len() counts them: one per
 * valid sequence, and one per byte that is not valid UTF-8. */
size_t biz_utf8_count(const char *s, size_t n);

/* The byte offset of character k of s[0..n) (n when k is past the end),
 * counting as biz_utf8_count does. */
size_t biz_utf8_offset(const char *s, size_t n, size_t k);

#endif
