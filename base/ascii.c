/* ascii.c: white space, hex digits and case in the "C" locale (ascii.h). */
#include "ascii.h"

int biz_ascii_isspace(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

size_t biz_ascii_trim(const char **s, size_t len)
{
    const char *p = *s;
    while (len > 0 && biz_ascii_isspace((unsigned char)*p)) {
        p++;
        len--;
    }
    while (len > 0 && biz_ascii_isspace((unsigned char)p[len - 1]))
        len--;
    *s = p;
    return len;
}

int biz_ascii_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char case_of(char c, int upper)
{
    if (upper && c >= 'a' && c <= 'z')
        return (char)(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c;
}

char *biz_ascii_case(char *s, int upper)
{
    for (char *p = s; *p; p++)
        *p = case_of(*p, upper);
    return s;
}

size_t biz_ascii_case_copy(char *buf, size_t cap, const char *s, size_t n, int upper)
{
    size_t k = 0;
    for (; k < n && k + 1 < cap && s[k]; k++)
        buf[k] = case_of(s[k], upper);
    buf[k] = '\0';
    return k;
}
