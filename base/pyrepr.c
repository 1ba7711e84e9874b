/* pyrepr.c: Python's repr() of str and float (pyrepr.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrepr.h"
#include "ascii.h"
#include "utf8.h"

/* Whether Python prints cp as it is in a repr (str.isprintable()). The
 * full answer is the Unicode database; this knows the classes that turn
 * up in practice: controls (Cc), formats (Cf), separators but the space
 * (Zs, Zl, Zp), surrogates, private use and the non-characters. Other
 * unassigned code points are printed as they are. */
static int printable(unsigned cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad)
        return 0;
    if (cp < 0x300)
        return 1;
    static const unsigned ranges[][2] = {
        {0x0378, 0x0379}, {0x0600, 0x0605}, {0x061c, 0x061c}, {0x06dd, 0x06dd},
        {0x070f, 0x070f}, {0x08e2, 0x08e2}, {0x1680, 0x1680}, {0x180e, 0x180e},
        {0x2000, 0x200f}, {0x2028, 0x202f}, {0x205f, 0x2064}, {0x2066, 0x206f},
        {0x3000, 0x3000}, {0xd800, 0xf8ff}, {0xfdd0, 0xfdef}, {0xfeff, 0xfeff},
        {0xfff9, 0xfffb}, {0x110bd, 0x110bd}, {0x110cd, 0x110cd}, {0x13430, 0x1343f},
        {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0000, 0xe00ff}, {0xe01f0, 0x10ffff},
    };
    if ((cp & 0xfffe) == 0xfffe)
        return 0;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return 0;
    return 1;
}

/* Appends cp's backslash escape as Python writes it: \xNN below U+0100,
 * \uNNNN below U+10000, else \UNNNNNNNN. */
static void put_escape(biz_buf *out, unsigned cp)
{
    char tmp[16];
    snprintf(tmp, sizeof tmp, cp < 0x100 ? "\\x%02x" : cp < 0x10000 ? "\\u%04x" : "\\U%08x", cp);
    biz_buf_adds(out, tmp);
}

void biz_pyrepr_str(biz_buf *out, const char *s, size_t n)
{
    char q = memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
    biz_buf_addc(out, q);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp;
        size_t k = biz_utf8_seq((const unsigned char *)s + i, n - i, &cp);
        if (c == '\\' || c == (unsigned char)q) {
            biz_buf_addc(out, '\\');
            biz_buf_addc(out, (char)c);
        } else if (c == '\n') {
            biz_buf_adds(out, "\\n");
        } else if (c == '\r') {
            biz_buf_adds(out, "\\r");
        } else if (c == '\t') {
            biz_buf_adds(out, "\\t");
        } else if (!k) {
            put_escape(out, c);     /* not UTF-8: the byte */
        } else if (!printable(cp)) {
            put_escape(out, cp);
        } else {
            biz_buf_add(out, s + i, k);
        }
        i += k ? k : 1;
    }
    biz_buf_addc(out, q);
}

void biz_pyrepr_ascii(biz_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t k = biz_utf8_seq((const unsigned char *)s + i, n - i, &cp);
        if (k == 1)
            biz_buf_addc(out, s[i]);
        else
            put_escape(out, k ? cp : (unsigned char)s[i]);
        i += k ? k : 1;
    }
}

/* The decimal digits of |d| (finite) rounded to prec significant digits
 * (prec 0: the fewest that read back as d), trailing zeros dropped, in a
 * malloc'd string (NULL when out of memory), and where the decimal point
 * goes: |d| is 0.DIGITS times 10 ** *decpt. 0 gives "0" and 1. */
static char *digits_of(double d, int prec, int *decpt)
{
    d = fabs(d);
    size_t size = (size_t)(prec > 17 ? prec : 17) + 16;
    char *tmp = malloc(size);
    if (!tmp)
        return NULL;
    if (prec > 0) {
        snprintf(tmp, size, "%.*e", prec - 1, d);
    } else {
        /* the correctly rounded p-digit text is the closest one, so the
         * first p at which it reads back is the shortest repr */
        for (int p = 1; p <= 17; p++) {
            snprintf(tmp, size, "%.*e", p - 1, d);
            if (strtod(tmp, NULL) == d)
                break;
        }
    }
    size_t nd = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            tmp[nd++] = *p;     /* never overtakes p */
    int exp = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && tmp[nd - 1] == '0')
        nd--;
    tmp[nd] = '\0';
    *decpt = d == 0 ? 1 : exp + 1;
    return tmp;
}

/* Appends n zeros. */
static void zeros(biz_buf *out, long n)
{
    biz_buf_fill(out, "0", 1, n > 0 ? (size_t)n : 0);
}

/* Lays out digits (decimal point at decpt) as CPython's 'g' / 'r' modes do
 * (Python/pystrtod.c, format_float_short): exponent form past the mode's
 * bounds, else fixed with the zeros needed; prec is 'g''s precision. */
static void layout(biz_buf *out, const char *digits, int decpt, char mode, int prec, int flags, int upper)
{
    long nd = (long)strlen(digits), end = nd, exp = 0;
    int alt = flags & BIZ_PYREPR_ALT, dot0 = flags & BIZ_PYREPR_DOT0, use_exp = 0;
    if (mode == 'g') {
        use_exp = decpt <= -4 || decpt > (dot0 ? prec - 1 : prec);
        if (alt)
            end = prec;     /* '#': the trailing zeros stay */
    } else {
        use_exp = decpt <= -4 || decpt > 16;
    }
    if (use_exp) {
        exp = decpt - 1;
        decpt = 1;
    }
    long start = decpt <= 0 ? decpt - 1 : 0;
    if (!use_exp && dot0)
        end = end > decpt ? end : decpt + 1;
    else
        end = end > decpt ? end : decpt;
    size_t before = out->n;
    if (decpt <= 0) {
        zeros(out, decpt - start);
        biz_buf_addc(out, '.');
        zeros(out, -decpt);
    } else {
        zeros(out, -start);
    }
    if (decpt > 0 && decpt <= nd) {
        biz_buf_add(out, digits, (size_t)decpt);
        biz_buf_addc(out, '.');
        biz_buf_add(out, digits + decpt, (size_t)(nd - decpt));
    } else {
        biz_buf_add(out, digits, (size_t)nd);
    }
    if (nd < decpt) {
        zeros(out, decpt - nd);
        biz_buf_addc(out, '.');
        zeros(out, end - decpt);
    } else {
        zeros(out, end - nd);
    }
    if (!biz_buf_failed(out) && out->n > before && out->p[out->n - 1] == '.' && !alt)
        out->p[--out->n] = '\0';
    if (use_exp) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "%c%+03ld", upper ? 'E' : 'e', exp);
        biz_buf_adds(out, tmp);
    }
}

void biz_pyrepr_double(biz_buf *out, double d, char type, int prec, int flags)
{
    int upper = type == 'E' || type == 'F' || type == 'G';
    if (isnan(d)) {
        biz_buf_adds(out, upper ? "NAN" : "nan");
        return;
    }
    if (isinf(d)) {
        biz_buf_adds(out, d > 0 ? (upper ? "INF" : "inf") : (upper ? "-INF" : "-inf"));
        return;
    }
    size_t at = out->n;
    int neg = signbit(d) != 0;
    if (neg)
        biz_buf_addc(out, '-');
    size_t body = out->n;
    char lower = (char)(upper ? type + ('a' - 'A') : type);
    if (lower == 'e' || lower == 'f') {
        /* C's %e / %f round correctly, as Python's own do, and write the
         * same text (%#.0f is "5.", as Python's '#.0f') */
        char fmt[16];
        snprintf(fmt, sizeof fmt, "%%%s.*%c", flags & BIZ_PYREPR_ALT ? "#" : "", type);
        int len = snprintf(NULL, 0, fmt, prec, fabs(d));
        char *tmp = len >= 0 ? malloc((size_t)len + 1) : NULL;
        if (!tmp) {
            out->oom = 1;
            return;
        }
        snprintf(tmp, (size_t)len + 1, fmt, prec, fabs(d));
        biz_buf_add(out, tmp, (size_t)len);
        free(tmp);
    } else {
        int decpt;
        int p = lower == 'g' ? (prec > 0 ? prec : 1) : 0;
        char *digits = digits_of(d, p, &decpt);
        if (!digits) {
            out->oom = 1;
            return;
        }
        layout(out, digits, decpt, lower == 'g' ? 'g' : 'r', p, flags, upper);
        free(digits);
    }
    if (neg && (flags & BIZ_PYREPR_NO_NEG_0) && !biz_buf_failed(out)) {
        /* 'z': a value that rounds to zero loses its sign */
        int nonzero = 0;
        for (size_t i = body; i < out->n && out->p[i] != 'e' && out->p[i] != 'E'; i++)
            nonzero |= out->p[i] >= '1' && out->p[i] <= '9';
        if (!nonzero) {
            memmove(out->p + at, out->p + body, out->n - body + 1);
            out->n -= body - at;
        }
    }
}

void biz_pyrepr_float(biz_buf *out, double d)
{
    biz_pyrepr_double(out, d, 'r', 0, BIZ_PYREPR_DOT0);
}

biz_pyrepr_esc biz_pyrepr_unescape1(const char *s, size_t n, char out[BIZ_UTF8_MAX_LEN], int *outlen,
                                    size_t *used)
{
    static const char plain[] = "\\\\''\"\"a\ab\bf\fn\nr\rt\tv\v";
    char e = s[1];
    *outlen = 0;
    *used = 2;
    for (const char *p = plain; *p; p += 2)
        if (*p == e) {
            out[0] = p[1];
            *outlen = 1;
            return BIZ_PYREPR_ESC_OK;
        }
    if (e == '\n')
        return BIZ_PYREPR_ESC_OK;   /* a line continuation */
    if (e == '\r') {
        *used += n > 2 && s[2] == '\n';
        return BIZ_PYREPR_ESC_OK;
    }
    if (e >= '0' && e <= '7') {
        unsigned v = (unsigned)(e - '0');
        while (*used < n && *used < 4 && s[*used] >= '0' && s[*used] <= '7')
            v = v * 8 + (unsigned)(s[(*used)++] - '0');
        *outlen = biz_utf8_put(v, out);
        return BIZ_PYREPR_ESC_OK;
    }
    if (e == 'x' || e == 'u' || e == 'U') {
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        unsigned long v = 0;
        for (; *used < n && *used < 2 + digits && biz_ascii_hexval((unsigned char)s[*used]) >= 0; (*used)++)
            v = v * 16 + (unsigned long)biz_ascii_hexval((unsigned char)s[*used]);
        if (*used < 2 + digits)
            return BIZ_PYREPR_ESC_TRUNCATED;
        if (v > BIZ_UTF8_MAX_CP || (v >= 0xd800 && v <= 0xdfff))
            return BIZ_PYREPR_ESC_CODE_POINT;
        *outlen = biz_utf8_put((unsigned)v, out);
        return BIZ_PYREPR_ESC_OK;
    }
    if (e == 'N') {
        if (n > 2 && s[2] == '{') {
            size_t j = 3;
            while (j < n && s[j] != '}' && s[j] != '\n')
                j++;
            *used = j < n && s[j] == '}' ? j + 1 : j;
        }
        return BIZ_PYREPR_ESC_NAMED;
    }
    return BIZ_PYREPR_ESC_UNKNOWN;
}
