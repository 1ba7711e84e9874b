/* base64.c: base64 encoding and decoding (RFC 4648, section 4). */
#include "base64.h"

#include <stdlib.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes len bytes into a new padded string. */
char *biz_b64_encode(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len > (((size_t)-1) / 4) * 3 - 3)
        return NULL;
    char *r = malloc((len + 2) / 3 * 4 + 1);
    if (!r)
        return NULL;
    size_t j = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        r[j++] = b64_alphabet[v >> 18];
        r[j++] = b64_alphabet[(v >> 12) & 63];
        r[j++] = b64_alphabet[(v >> 6) & 63];
        r[j++] = b64_alphabet[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0u);
        r[j++] = b64_alphabet[v >> 18];
        r[j++] = b64_alphabet[(v >> 12) & 63];
        r[j++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        r[j++] = '=';
    }
    r[j] = '\0';
    return r;
}

/* The 6-bit value of c, -1 outside the alphabet. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int is_b64_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decodes base64 text into a new buffer (see base64.h). */
int biz_b64_decode(const char *text, size_t len, unsigned char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    unsigned char *r = malloc(len / 4 * 3 + 4);
    if (!r)
        return -1;
    size_t j = 0;
    unsigned acc = 0;
    int nbits = 0;     /* characters in the current quantum (0..3) */
    int pad = 0;       /* '=' seen so far */
    int quanta = 0;    /* characters in the quantum the padding closes */
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (is_b64_space(c))
            continue;
        if (c == '=') {
            if (pad == 0) {
                /* Padding may only follow 2 or 3 data characters. */
                if (nbits < 2)
                    goto bad;
                quanta = nbits;
            }
            pad++;
            if (quanta + pad > 4)
                goto bad;
            continue;
        }
        if (pad)
            goto bad;    /* data after padding */
        int v = b64_value((unsigned char)c);
        if (v < 0)
            goto bad;
        acc = acc << 6 | (unsigned)v;
        if (++nbits == 4) {
            r[j++] = (unsigned char)(acc >> 16);
            r[j++] = (unsigned char)(acc >> 8);
            r[j++] = (unsigned char)acc;
            acc = 0;
            nbits = 0;
        }
    }
    if (pad && quanta + pad != 4)
        goto bad;        /* "QQ=" : incomplete padding */
    if (nbits == 1)
        goto bad;        /* six bits cannot make a byte */
    if (nbits == 2) {
        r[j++] = (unsigned char)(acc >> 4);
    } else if (nbits == 3) {
        r[j++] = (unsigned char)(acc >> 10);
        r[j++] = (unsigned char)(acc >> 2);
    }
    r[j] = '\0';
    *out = r;
    *outlen = j;
    return 0;
bad:
    free(r);
    return -1;
}
