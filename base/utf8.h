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

/* How many bytes at s (n bytes left) one U+FFFD replaces when they are not
 * valid UTF-8: the maximal subpart of the Unicode standard's table 3-7, as
 * Python's errors="replace" counts (1 to 3; a valid sequence's length when
 * they are one). */
size_t biz_utf8_bad_len(const unsigned char *s, size_t n);

/* The lax model of characters the template engine and the compiler's str
 * indexing share: a character starts at each byte that is not a
 * continuation byte (10xxxxxx), valid UTF-8 or not. */
static inline int biz_utf8_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}
/* The characters of s[0..n) in the lax model (its bytes that are not
 * continuation bytes). */
size_t biz_utf8_lax_count(const char *s, size_t n);
/* The bytes of the lax character at s (n bytes left, at least 1): s[0] and
 * the continuation bytes after it; a NUL ends it too. */
size_t biz_utf8_lax_len(const char *s, size_t n);

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
