/* smtp.h: mail over SMTP with libcurl, configured as Airflow 2 is.
 *
 * Three parts: the configuration (AIRFLOW__SMTP__* and the smtp_default
 * connection), building a MIME message (pure functions, unit-tested), and
 * sending it as one curl easy handle on the event loop: a send never
 * blocks, its callback runs once from the loop, and the loop does not run
 * dry while a send is pending (so a run waits for its mails, at most the
 * SMTP timeout).
 *
 * Ownership: biz_smtp_cfg and biz_smtp_addrs own their strings (free them
 * with their _free). Builders return malloc'd strings the caller frees.
 * biz_smtp_send copies everything it needs: the caller may free the config
 * and the mail as soon as it returns; the send frees itself after its
 * callback returns or in biz_smtp_cancel.
 */
#ifndef BIZ_SMTP_H
#define BIZ_SMTP_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "loop.h"

typedef const char *(*biz_smtp_getenv_fn)(void *user, const char *name);

/* Where and how to send. */
typedef struct biz_smtp_cfg {
    char *host;        /* "localhost" by default */
    int port;          /* 25 */
    int starttls;      /* 1: require STARTTLS (smtp://) */
    int ssl;           /* 1: TLS from the start (smtps://) */
    char *user;        /* NULL: no AUTH */
    char *password;    /* a secret: registered with the log, never printed */
    char *mail_from;   /* "airflow@example.com" */
    long timeout;      /* seconds (30): connect and whole transfer */
} biz_smtp_cfg;

/* Loads the configuration for connection conn_id (NULL: smtp_default)
 * through getenv_fn (NULL: getenv); see smtp.c for the precedence. 0, or -1
 * with a message (never containing the password) in err. */
int biz_smtp_cfg_load(biz_smtp_cfg *c, const char *conn_id, biz_smtp_getenv_fn getenv_fn,
                      void *user, char *err, size_t errlen);
void biz_smtp_cfg_free(biz_smtp_cfg *c);

/* Registers every SMTP password the environment holds (AIRFLOW__SMTP__
 * SMTP_PASSWORD, the smtp_default connection's) as log secrets, so a task
 * that prints one cannot leak it either. */
void biz_smtp_register_secrets(biz_smtp_getenv_fn getenv_fn, void *user);

/* A list of addresses. */
typedef struct biz_smtp_addrs {
    char **v;
    int n;
} biz_smtp_addrs;

/* Adds the addresses of text, split on ',' and ';', trimmed, empty ones
 * dropped; control characters become spaces (no header injection). 0 or -1
 * (out of memory). */
int biz_smtp_addrs_add(biz_smtp_addrs *a, const char *text);
/* Adds a JSON string or list of strings (each split as above); other
 * values and NULL add nothing. */
int biz_smtp_addrs_add_json(biz_smtp_addrs *a, const cJSON *v);
void biz_smtp_addrs_free(biz_smtp_addrs *a);
/* The addr-spec of an address, for the SMTP envelope: what is between '<'
 * and '>' of "Name <a@b>", else the whole address. Written to buf. */
const char *biz_smtp_addr_spec(const char *addr, char *buf, size_t len);

/* One message. */
typedef struct biz_mail {
    biz_smtp_addrs to, cc, bcc;   /* bcc: envelope only, never a header */
    char *subject;
    char *html;
} biz_mail;

void biz_mail_free(biz_mail *m);

/* A header value as RFC 2047 encoded-words ("=?utf-8?B?...?=", at most 75
 * characters each, folded with CRLF SP, never splitting a UTF-8 sequence)
 * when it holds a non-ASCII byte or "=?"; else a copy. CR and LF become
 * spaces either way. */
char *biz_smtp_encode_header(const char *value);

/* text as quoted-printable (RFC 2045): lines of at most 76 characters,
 * line breaks (LF or CRLF) kept as CRLF, '=' / non-ASCII / control bytes /
 * a trailing space or tab / a leading '.' encoded. */
char *biz_smtp_qp_encode(const char *text);

/* The date as RFC 5322 wants it, in UTC: "Tue, 02 Jan 2024 03:04:05 +0000". */
void biz_smtp_date(time_t t, char *buf, size_t len);

/* The whole message (headers and quoted-printable text/html body, CRLF
 * line ends): From, To, Cc (when any), Subject, Date, Message-ID,
 * MIME-Version, Content-Type, Content-Transfer-Encoding. msgid includes
 * its angle brackets. */
char *biz_smtp_message(const char *from, const biz_mail *m, time_t date, const char *msgid);

/* A new unique Message-ID "<hex.pid@host>" in buf. */
void biz_smtp_msgid(char *buf, size_t len);

/* The URL curl is given: "smtp[s]://host:port/ehlo-name" (IPv6 hosts in
 * brackets). malloc'd. */
char *biz_smtp_url(const biz_smtp_cfg *c, const char *ehlo);

/* A pending send. */
typedef struct biz_smtp_send biz_smtp_send;

/* Called once from the loop: error NULL when the server accepted the mail,
 * else why not (curl's words, with the server's reply when there is one). */
typedef void (*biz_smtp_fn)(void *user, const char *error);

/* Builds m and starts sending it with c on loop. Returns the send, or NULL
 * with a message in err (no recipient, out of memory): then fn never runs. */
biz_smtp_send *biz_smtp_send_mail(biz_loop *loop, const biz_smtp_cfg *c, const biz_mail *m,
                                  biz_smtp_fn fn, void *user, char *err, size_t errlen);
/* Aborts a pending send; fn is not called. */
void biz_smtp_cancel(biz_smtp_send *s);

#endif
