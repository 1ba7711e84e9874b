/* utf8.c: UTF-8 decoding and encoding (utf8.h). */
#include "utf8.h"

size_t biz_utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned char c = s[0];
    size_t need;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) { need = 2; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 3; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 4; min = 0x10000; }
    else return 0;
    if (n < need)
        return 0;
    unsigned v = c & (need == 2 ? 0x1fu : need == 3 ? 0x0fu : 0x07u);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (v < min || v > BIZ_UTF8_MAX_CP || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return need;
}

size_t biz_utf8_bad_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if (i >= n || s[i] < lo || s[i] > hi)
            return i;
        lo = 0x80;
        hi = 0xBF;
    }
    return len;
}

size_t biz_utf8_lax_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += !biz_utf8_cont((unsigned char)s[i]);
    return count;
}

size_t biz_utf8_lax_len(const char *s, size_t n)
{
    size_t k = 1;
    while (k < n && biz_utf8_cont((unsigned char)s[k]))
        k++;
    return k;
}

int biz_utf8_put(unsigned cp, char out[BIZ_UTF8_MAX_LEN])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The length of the character at s: its valid sequence, else one byte. */
static size_t char_len(const char *s, size_t n)
{
    unsigned cp;
    size_t k = (unsigned char)s[0] < 0x80 ? 1 : biz_utf8_seq((const unsigned char *)s, n, &cp);
    return k ? k : 1;
}

size_t biz_utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i += char_len(s + i, n - i))
        count++;
    return count;
}

size_t biz_utf8_offset(const char *s, size_t n, size_t k)
{
    size_t i = 0;
    for (; i < n && k > 0; k--)
        i += char_len(s + i, n - i);
    return i;
}
