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

/* The Unicode standard's table 3-7: each lead byte's range, its sequence's
 * length and the range of its second byte (the others: 80..BF). */
static const struct {
    unsigned char first, last, len, lo, hi;
} table_3_7[] = {
    { 0xC2, 0xDF, 2, 0x80, 0xBF }, { 0xE0, 0xE0, 3, 0xA0, 0xBF }, { 0xE1, 0xEC, 3, 0x80, 0xBF },
    { 0xED, 0xED, 3, 0x80, 0x9F }, { 0xEE, 0xEF, 3, 0x80, 0xBF }, { 0xF0, 0xF0, 4, 0x90, 0xBF },
    { 0xF1, 0xF3, 4, 0x80, 0xBF }, { 0xF4, 0xF4, 4, 0x80, 0x8F },
};

size_t biz_utf8_bad_len(const unsigned char *s, size_t n)
{
    for (size_t r = 0; r < sizeof table_3_7 / sizeof table_3_7[0]; r++) {
        if (s[0] < table_3_7[r].first || s[0] > table_3_7[r].last)
            continue;
        unsigned lo = table_3_7[r].lo, hi = table_3_7[r].hi;
        for (size_t i = 1; i < table_3_7[r].len; i++) {
            if (i >= n || s[i] < lo || s[i] > hi)
                return i;
            lo = 0x80;
            hi = 0xBF;
        }
        return table_3_7[r].len;
    }
    return 1;
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
