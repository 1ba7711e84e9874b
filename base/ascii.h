/* ascii.h: the byte-level text helpers the compiler and the runtime each
 * wrote by hand: trimming white space, a hex digit's value, ASCII case.
 * They are C's <ctype.h> in the "C" locale (which neither bizc nor an
 * executable leaves), written out so no locale can change them: bytes
 * 0x80 and up are never space, digits or letters.
 *
 * Ownership: none; every function works on the caller's memory only.
 */
#ifndef BIZ_ASCII_H
#define BIZ_ASCII_H

#include <stddef.h>

/* isspace: ' ', '\t', '\n', '\v', '\f', '\r'. */
int biz_ascii_isspace(int c);

/* s[0..len) without white space at either end: *s moves past the leading
 * white space; returns the length left. */
size_t biz_ascii_trim(const char **s, size_t len);

/* The value of a hex digit (0-9, a-f, A-F), -1 for any other byte. */
int biz_ascii_hexval(int c);

/* Upper-cases (upper set) or lower-cases the ASCII letters of s in place;
 * returns s. */
char *biz_ascii_case(char *s, int upper);

/* Copies at most n bytes of s (fewer when a NUL comes first) into buf,
 * ASCII upper- or lower-cased, truncated to cap - 1 bytes and
 * NUL-terminated (cap > 0); returns the length written. */
size_t biz_ascii_case_copy(char *buf, size_t cap, const char *s, size_t n, int upper);

#endif
