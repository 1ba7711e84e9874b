/* pyrepr.h: Python's repr() of the values both sides hold as C scalars:
 * str (quotes and escapes as CPython writes them), float (the shortest
 * text that reads back), and ascii()'s escaping of what repr() gives.
 *
 * Ownership: results are appended to the caller's biz_buf or written
 * into its array; nothing is kept.
 */
#ifndef BIZ_PYREPR_H
#define BIZ_PYREPR_H

#include <stddef.h>

#include "buf.h"
#include "utf8.h"

/* Appends repr() of the str s[0..n) (UTF-8): quoted with ' unless it
 * holds a ' and no ", \\, the quote, \t \n \r and characters Python does
 * not print escaped. A byte that is not UTF-8 is written \xNN. */
void biz_pyrepr_str(biz_buf *out, const char *s, size_t n);

/* Appends s[0..n) with every character past ASCII escaped as ascii()
 * escapes it (\xNN, \uNNNN, \UNNNNNNNN): ascii(x) is that of repr(x). */
void biz_pyrepr_ascii(biz_buf *out, const char *s, size_t n);

/* Flags of biz_pyrepr_double, as CPython's Py_DTSF_*: '#' (keep the point
 * and 'g''s trailing zeros), ".0" on an integral fixed-point result, and
 * 'z' (a result that rounds to -0 loses its sign). */
enum { BIZ_PYREPR_ALT = 1, BIZ_PYREPR_DOT0 = 2, BIZ_PYREPR_NO_NEG_0 = 4 };

/* Appends d as Python's float formatting writes it (PyOS_double_to_string):
 * type 'e' 'E' 'f' 'F' 'g' 'G' with prec digits, or 'r' (repr, prec
 * unused); inf and nan in the type's case, a '-' on negative values. */
void biz_pyrepr_double(biz_buf *out, double d, char type, int prec, int flags);

/* Appends repr() of a float: "2.5", "1e+16", "1000000000000000.0", "inf". */
void biz_pyrepr_float(biz_buf *out, double d);

/* What biz_pyrepr_unescape1 found. */
typedef enum biz_pyrepr_esc {
    BIZ_PYREPR_ESC_OK,          /* out holds what it stands for (nothing: a line continuation) */
    BIZ_PYREPR_ESC_UNKNOWN,     /* not an escape (\d): Python keeps the backslash, the character */
    BIZ_PYREPR_ESC_TRUNCATED,   /* \x, \u or \U with too few hex digits */
    BIZ_PYREPR_ESC_CODE_POINT,  /* \u or \U past U+10FFFF or a surrogate (no UTF-8 for it) */
    BIZ_PYREPR_ESC_NAMED,       /* \N{...}: needs Unicode's name table, which is not here */
} biz_pyrepr_esc;

/* Decodes the escape at s[0..n) (s[0] is a backslash, n >= 2) of a str
 * literal as CPython does: \x, octal and \u / \U escapes stand for the
 * code point, written as UTF-8 ('\xe9' is "\xc3\xa9", as the character
 * U+00E9 is). The UTF-8 goes into out (*outlen bytes); *used is how many
 * bytes of s the escape covers (the whole \N{...}, or the digits read, on
 * an error). */
biz_pyrepr_esc biz_pyrepr_unescape1(const char *s, size_t n, char out[BIZ_UTF8_MAX_LEN], int *outlen,
                                    size_t *used);

#endif
