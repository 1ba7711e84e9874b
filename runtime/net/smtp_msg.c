/* smtp_msg.c: building a mail: recipients, RFC 2047 headers,
 * quoted-printable body, the whole MIME message. No I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include "smtp.h"
#include "base64.h"
#include "buf.h"
#include "isotime.h"
#include "utf8.h"

/* ---------------------------------------------------------------- addresses */

static int addrs_push(biz_smtp_addrs *a, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return 0;
    char **v = realloc(a->v, (a->n + 1) * sizeof *v);
    if (!v)
        return -1;
    a->v = v;
    char *copy = strndup(s, n);
    if (!copy)
        return -1;
    a->v[a->n++] = copy;
    return 0;
}

/* Adds the addresses of text, split on ',' and ';'. */
int biz_smtp_addrs_add(biz_smtp_addrs *a, const char *text)
{
    if (!text)
        return 0;
    char *t = strdup(text);
    if (!t)
        return -1;
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';   /* CR/LF in a header would start a new one */
    int rc = 0;
    const char *start = t;
    for (const char *p = t;; p++) {
        if (*p == ',' || *p == ';' || *p == 0) {
            if (addrs_push(a, start, (size_t)(p - start)) < 0)
                rc = -1;
            if (!*p)
                break;
            start = p + 1;
        }
    }
    free(t);
    return rc;
}

/* Adds a JSON string or list of strings. */
int biz_smtp_addrs_add_json(biz_smtp_addrs *a, const cJSON *v)
{
    if (cJSON_IsString(v))
        return biz_smtp_addrs_add(a, v->valuestring);
    int rc = 0;
    const cJSON *e;
    if (cJSON_IsArray(v))
        cJSON_ArrayForEach(e, v)
            if (cJSON_IsString(e) && biz_smtp_addrs_add(a, e->valuestring) < 0)
                rc = -1;
    return rc;
}

/* Frees the list's addresses (the list may be reused). */
void biz_smtp_addrs_free(biz_smtp_addrs *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

/* The addr-spec of "Name <a@b>" (a@b) or of a bare address. */
const char *biz_smtp_addr_spec(const char *addr, char *buf, size_t len)
{
    const char *lt = strrchr(addr, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt)
        snprintf(buf, len, "%.*s", (int)(gt - lt - 1), lt + 1);
    else
        snprintf(buf, len, "%s", addr);
    return buf;
}

/* Frees a mail's contents. */
void biz_mail_free(biz_mail *m)
{
    biz_smtp_addrs_free(&m->to);
    biz_smtp_addrs_free(&m->cc);
    biz_smtp_addrs_free(&m->bcc);
    free(m->subject);
    free(m->html);
    m->subject = m->html = NULL;
}

/* ---------------------------------------------------------------- headers */

/* Header value encoded as RFC 2047 words when it is not plain ASCII. */
char *biz_smtp_encode_header(const char *value)
{
    char *v = strdup(value ? value : "");
    if (!v)
        return NULL;
    int plain = strstr(v, "=?") == NULL;
    for (char *p = v; *p; p++) {
        if (*p == '\r' || *p == '\n')
            *p = ' ';
        if ((unsigned char)*p >= 0x80)
            plain = 0;
    }
    if (plain)
        return v;
    /* "=?utf-8?B?" + base64 + "?=" <= 75: at most 60 base64 characters,
     * 45 bytes, backed off to a UTF-8 sequence boundary. */
    biz_buf b = { 0 };
    size_t len = strlen(v), off = 0;
    while (off < len) {
        size_t n = len - off < 45 ? len - off : 45;
        while (n > 1 && off + n < len && biz_utf8_cont((unsigned char)v[off + n]))
            n--;
        char *enc = biz_b64_encode(v + off, n);
        if (!enc) {
            free(v);
            biz_buf_free(&b);
            return NULL;
        }
        if (off)
            biz_buf_adds(&b, "\r\n ");
        biz_buf_adds(&b, "=?utf-8?B?");
        biz_buf_adds(&b, enc);
        biz_buf_adds(&b, "?=");
        free(enc);
        off += n;
    }
    free(v);
    return biz_buf_take(&b);
}

/* ---------------------------------------------------------------- body */

/* Quoted-printable (RFC 2045, 6.7). */
char *biz_smtp_qp_encode(const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    biz_buf b = { 0 };
    size_t col = 0;
    biz_buf_adds(&b, "");
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;  /* the LF ends the line */
        if (*p == '\n') {
            biz_buf_adds(&b, "\r\n");
            col = 0;
            continue;
        }
        int at_eol = p[1] == '\n' || (p[1] == '\r' && p[2] == '\n') || p[1] == 0;
        int literal = (*p >= 33 && *p <= 126 && *p != '=') ||
                      ((*p == ' ' || *p == '\t') && !at_eol);
        if (*p == '.' && col == 0)
            literal = 0;   /* never a lone "." line, whatever the relay does */
        char tok[4];
        size_t n;
        if (literal) {
            tok[0] = (char)*p;
            n = 1;
        } else {
            tok[0] = '=';
            tok[1] = hex[*p >> 4];
            tok[2] = hex[*p & 15];
            n = 3;
        }
        /* 76 characters per line, the soft break's '=' included. */
        if (col + n > 75) {
            biz_buf_adds(&b, "=\r\n");
            col = 0;
            if (*p == '.') {   /* now at a line start: encode it */
                tok[0] = '=';
                tok[1] = hex[*p >> 4];
                tok[2] = hex[*p & 15];
                n = 3;
            }
        }
        biz_buf_add(&b, tok, n);
        col += n;
    }
    return biz_buf_take(&b);
}

/* RFC 5322 date in UTC, with English names whatever the locale. */
void biz_smtp_date(time_t t, char *buf, size_t len)
{
    biz_isotime_tm u;
    biz_isotime_split(t, &u);
    snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", biz_isotime_day_abbr[u.wday], u.day,
             biz_isotime_month_abbr[u.month - 1], u.year, u.hour, u.minute, u.second);
}

/* A unique Message-ID in angle brackets. */
void biz_smtp_msgid(char *buf, size_t len)
{
    unsigned long long r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (unsigned long long)time(NULL) * 2654435761ULL;
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    snprintf(buf, len, "<%016llx.%ld@%s>", r, (long)getpid(), host);
}

static void add_list_header(biz_buf *b, const char *name, const biz_smtp_addrs *a)
{
    if (a->n == 0)
        return;
    biz_buf_adds(b, name);
    biz_buf_adds(b, ": ");
    for (int i = 0; i < a->n; i++) {
        if (i)
            biz_buf_adds(b, ",\r\n ");   /* folded: long lists stay under 998 */
        biz_buf_adds(b, a->v[i]);
    }
    biz_buf_adds(b, "\r\n");
}

/* The whole MIME message. */
char *biz_smtp_message(const char *from, const biz_mail *m, time_t date, const char *msgid)
{
    biz_buf b = { 0 };
    char *subject = biz_smtp_encode_header(m->subject);
    char *body = biz_smtp_qp_encode(m->html ? m->html : "");
    biz_smtp_addrs fa = { 0 };
    if (!subject || !body || biz_smtp_addrs_add(&fa, from) < 0 || fa.n == 0) {
        free(subject);
        free(body);
        biz_smtp_addrs_free(&fa);
        return NULL;
    }
    char dbuf[64];
    biz_smtp_date(date, dbuf, sizeof dbuf);
    biz_buf_adds(&b, "From: ");
    biz_buf_adds(&b, fa.v[0]);
    biz_buf_adds(&b, "\r\n");
    add_list_header(&b, "To", &m->to);
    add_list_header(&b, "Cc", &m->cc);
    biz_buf_adds(&b, "Subject: ");
    biz_buf_adds(&b, subject);
    biz_buf_adds(&b, "\r\nDate: ");
    biz_buf_adds(&b, dbuf);
    biz_buf_adds(&b, "\r\nMessage-ID: ");
    biz_buf_adds(&b, msgid);
    biz_buf_adds(&b, "\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/html; charset=\"utf-8\"\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "\r\n");
    biz_buf_adds(&b, body);   /* curl ends the DATA with CRLF . CRLF itself */
    free(subject);
    free(body);
    biz_smtp_addrs_free(&fa);
    return biz_buf_take(&b);
}
