/* smtp.c: the SMTP configuration and sending a mail on the event loop.
 *
 * Precedence, following Airflow 2 (airflow/utils/email.py, send_mime_email;
 * docs "Email Configuration"):
 *  - host, port, starttls, ssl, timeout and mail_from come from the [smtp]
 *    configuration, i.e. AIRFLOW__SMTP__SMTP_HOST, _PORT, _STARTTLS, _SSL,
 *    _TIMEOUT, _MAIL_FROM (AIRFLOW__EMAIL__FROM_EMAIL, when set, wins over
 *    _MAIL_FROM as [email] from_email does). Airflow 2 never reads them from
 *    the connection; as an extension for the setting an executable run from
 *    cron has (environment only), when one of these variables is NOT set,
 *    the connection fills it in: its host, port, an smtps:// scheme (ssl),
 *    and the SMTP provider's extras disable_tls, disable_ssl, timeout,
 *    from_email. A variable that is set always wins.
 *  - login and password come from the connection (AIRFLOW_CONN_SMTP_DEFAULT,
 *    or the id [email] email_conn_id / EmailOperator's conn_id names) when
 *    it has both; only otherwise from AIRFLOW__SMTP__SMTP_USER / _PASSWORD
 *    (Airflow 2 warns that this fallback is deprecated). Without both a
 *    user and a password, no AUTH is attempted.
 * Defaults as Airflow's: localhost, 25, starttls True, ssl False,
 * airflow@example.com, 30 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include "smtp.h"
#include "conn.h"
#include "cacert.h"
#include "log.h"

static const char *env(biz_smtp_getenv_fn fn, void *user, const char *name)
{
    const char *v = fn ? fn(user, name) : getenv(name);
    return v && *v ? v : NULL;
}

/* Airflow's getboolean: t/true/1 and f/false/0, any case. 1, 0, or -1. */
static int parse_bool(const char *s)
{
    if (!strcasecmp(s, "t") || !strcasecmp(s, "true") || !strcmp(s, "1"))
        return 1;
    if (!strcasecmp(s, "f") || !strcasecmp(s, "false") || !strcmp(s, "0"))
        return 0;
    return -1;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    while (*end == ' ')
        end++;
    if (end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* A boolean setting: the variable, else the connection's extra (inverted
 * when invert: disable_x), else dflt. */
static int get_bool(const char *var_value, const char *var, const biz_conn *conn,
                    const char *extra, int invert, int dflt, int *out, char *err, size_t errlen)
{
    const char *src = var;
    const char *v = var_value;
    if (!v && conn && (v = biz_conn_extra_str(conn, extra)) != NULL)
        src = extra;
    else if (!v) {
        *out = dflt;
        return 0;
    }
    int b = parse_bool(v);
    if (b < 0) {
        snprintf(err, errlen, "%s must be True or False, not '%s'", src, v);
        return -1;
    }
    *out = src == var ? b : (invert ? !b : b);
    return 0;
}

static char *dup_or(const char *a, const char *b)
{
    return strdup(a ? a : b);
}

/* Loads the SMTP configuration (see the top of this file). */
int biz_smtp_cfg_load(biz_smtp_cfg *c, const char *conn_id, biz_smtp_getenv_fn getenv_fn,
                      void *user, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (!conn_id || !*conn_id)
        conn_id = env(getenv_fn, user, "AIRFLOW__EMAIL__EMAIL_CONN_ID");
    if (!conn_id)
        conn_id = "smtp_default";
    biz_conn conn;
    char cerr[256];
    int found = biz_conn_lookup(conn_id, getenv_fn, user, &conn, cerr, sizeof cerr);
    if (found < 0) {
        snprintf(err, errlen, "%s", cerr);
        return -1;
    }
    const biz_conn *k = found == 0 ? &conn : NULL;
    if (k && k->password)
        biz_log_secret(k->password);
    const char *pw_var = env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_PASSWORD");
    biz_log_secret(pw_var);

    int rc = -1;
    const char *host = env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_HOST");
    c->host = dup_or(host ? host : (k && k->host[0] ? k->host : NULL), "localhost");
    const char *v = env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_PORT");
    long port = k && k->port ? k->port : 25;
    if (v && parse_long(v, 1, 65535, &port) < 0) {
        snprintf(err, errlen, "AIRFLOW__SMTP__SMTP_PORT must be a port number, not '%s'", v);
        goto out;
    }
    c->port = (int)port;
    if (get_bool(env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_STARTTLS"), "AIRFLOW__SMTP__SMTP_STARTTLS",
                 k, "disable_tls", 1, 1, &c->starttls, err, errlen) < 0)
        goto out;
    int ssl_dflt = k && k->conn_type && strcmp(k->conn_type, "smtps") == 0;
    if (get_bool(env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_SSL"), "AIRFLOW__SMTP__SMTP_SSL",
                 k, "disable_ssl", 1, ssl_dflt, &c->ssl, err, errlen) < 0)
        goto out;
    c->timeout = 30;
    v = env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_TIMEOUT");
    const char *tsrc = "AIRFLOW__SMTP__SMTP_TIMEOUT";
    if (!v && k && (v = biz_conn_extra_str(k, "timeout")) != NULL)
        tsrc = "the connection's timeout";
    if (v && parse_long(v, 1, 86400, &c->timeout) < 0) {
        snprintf(err, errlen, "%s must be a number of seconds, not '%s'", tsrc, v);
        goto out;
    }
    const char *from = env(getenv_fn, user, "AIRFLOW__EMAIL__FROM_EMAIL");
    if (!from)
        from = env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_MAIL_FROM");
    if (!from && k)
        from = biz_conn_extra_str(k, "from_email");
    c->mail_from = dup_or(from, "airflow@example.com");
    if (k && k->login && *k->login && k->password && *k->password) {
        c->user = strdup(k->login);
        c->password = strdup(k->password);
    } else {
        const char *u = env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_USER");
        if (u && pw_var) {
            c->user = strdup(u);
            c->password = strdup(pw_var);
        }
    }
    if (!c->host || !c->mail_from) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    if (k)
        biz_conn_free(&conn);
    if (rc < 0)
        biz_smtp_cfg_free(c);
    return rc;
}

/* Frees the configuration's strings (the password wiped first). */
void biz_smtp_cfg_free(biz_smtp_cfg *c)
{
    if (c->password) {
        memset(c->password, 0, strlen(c->password));
        free(c->password);
    }
    free(c->host);
    free(c->user);
    free(c->mail_from);
    memset(c, 0, sizeof *c);
}

/* Registers the SMTP passwords the environment holds as log secrets. */
void biz_smtp_register_secrets(biz_smtp_getenv_fn getenv_fn, void *user)
{
    biz_log_secret(env(getenv_fn, user, "AIRFLOW__SMTP__SMTP_PASSWORD"));
    const char *id = env(getenv_fn, user, "AIRFLOW__EMAIL__EMAIL_CONN_ID");
    const char *ids[] = { "smtp_default", id };
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        biz_conn conn;
        char err[256];
        if (ids[i] && biz_conn_lookup(ids[i], getenv_fn, user, &conn, err, sizeof err) == 0) {
            biz_log_secret(conn.password);
            biz_conn_free(&conn);
        }
    }
}

/* The URL curl is given. */
char *biz_smtp_url(const biz_smtp_cfg *c, const char *ehlo)
{
    int v6 = strchr(c->host, ':') != NULL && c->host[0] != '[';
    char *e = curl_easy_escape(NULL, ehlo && *ehlo ? ehlo : "localhost", 0);
    if (!e)
        return NULL;
    size_t n = strlen(c->host) + strlen(e) + 40;
    char *url = malloc(n);
    if (url)
        snprintf(url, n, "%s://%s%s%s:%d/%s", c->ssl ? "smtps" : "smtp", v6 ? "[" : "",
                 c->host, v6 ? "]" : "", c->port, e);
    curl_free(e);
    return url;
}

/* ---------------------------------------------------------------- sending */

struct biz_smtp_send {
    CURL *easy;
    biz_loop *loop;
    char *url;
    char *from;              /* envelope sender "<a@b>" */
    struct curl_slist *rcpt;
    char *user, *password;
    char *msg;
    size_t len, off;
    char errbuf[CURL_ERROR_SIZE];
    biz_smtp_fn fn;
    void *fn_user;
    curl_socket_t fds[2];    /* the transfer's open sockets (see cancel) */
};

static void free_send(biz_smtp_send *s)
{
    if (s->easy)
        curl_easy_cleanup(s->easy);
    curl_slist_free_all(s->rcpt);
    if (s->password) {
        memset(s->password, 0, strlen(s->password));
        free(s->password);
    }
    free(s->user);
    free(s->url);
    free(s->from);
    free(s->msg);
    free(s);
}

/* Keeps track of the sockets curl opens and closes, so that cancel can
 * shut the live one (CURLINFO_ACTIVESOCKET only knows it after the end). */
static int on_sockopt(void *user, curl_socket_t fd, curlsocktype purpose)
{
    (void)purpose;
    biz_smtp_send *s = user;
    for (int i = 0; i < 2; i++)
        if (s->fds[i] == CURL_SOCKET_BAD) {
            s->fds[i] = fd;
            break;
        }
    return CURL_SOCKOPT_OK;
}

static int on_close(void *user, curl_socket_t fd)
{
    biz_smtp_send *s = user;
    for (int i = 0; i < 2; i++)
        if (s->fds[i] == fd)
            s->fds[i] = CURL_SOCKET_BAD;
    return close(fd);
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *user)
{
    biz_smtp_send *s = user;
    size_t n = size * nitems, left = s->len - s->off;
    if (n > left)
        n = left;
    memcpy(buf, s->msg + s->off, n);
    s->off += n;
    return n;
}

static void on_done(biz_loop *loop, CURL *easy, CURLcode rc, void *user)
{
    (void)loop;
    (void)easy;
    biz_smtp_send *s = user;
    const char *error = NULL;
    char why[CURL_ERROR_SIZE + 64];
    if (rc != CURLE_OK) {
        const char *detail = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
        long code = 0;
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 400 && !strstr(detail, "Connection refused"))
            snprintf(why, sizeof why, "%s (server reply %ld)", detail, code);
        else
            snprintf(why, sizeof why, "%s", detail);
        error = why;
    }
    s->fn(s->fn_user, error);
    free_send(s);
}

static int add_rcpts(biz_smtp_send *s, const biz_smtp_addrs *a)
{
    for (int i = 0; i < a->n; i++) {
        char spec[512], line[520];
        biz_smtp_addr_spec(a->v[i], spec, sizeof spec);
        snprintf(line, sizeof line, "<%s>", spec);
        struct curl_slist *l = curl_slist_append(s->rcpt, line);
        if (!l)
            return -1;
        s->rcpt = l;
    }
    return 0;
}

/* Builds the mail and starts the transfer on the loop. */
biz_smtp_send *biz_smtp_send_mail(biz_loop *loop, const biz_smtp_cfg *c, const biz_mail *m,
                                  biz_smtp_fn fn, void *user, char *err, size_t errlen)
{
    if (m->to.n + m->cc.n + m->bcc.n == 0) {
        snprintf(err, errlen, "no recipient");
        return NULL;
    }
    biz_smtp_send *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->loop = loop;
    s->fds[0] = s->fds[1] = CURL_SOCKET_BAD;
    s->fn = fn;
    s->fn_user = user;
    char msgid[400], host[256] = "localhost", spec[512];
    biz_smtp_msgid(msgid, sizeof msgid);
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    s->msg = biz_smtp_message(c->mail_from, m, time(NULL), msgid);
    s->url = biz_smtp_url(c, host);
    biz_smtp_addr_spec(c->mail_from, spec, sizeof spec);
    size_t fl = strlen(spec) + 3;
    s->from = malloc(fl);
    if (s->from)
        snprintf(s->from, fl, "<%s>", spec);
    s->easy = curl_easy_init();
    if (!s->msg || !s->url || !s->from || !s->easy ||
        add_rcpts(s, &m->to) < 0 || add_rcpts(s, &m->cc) < 0 || add_rcpts(s, &m->bcc) < 0) {
        snprintf(err, errlen, "out of memory");
        free_send(s);
        return NULL;
    }
    s->len = strlen(s->msg);
    CURL *e = s->easy;
    curl_easy_setopt(e, CURLOPT_URL, s->url);
    /* Mail only, whatever a connection's URL says (as http.c: http(s) only). */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
    curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, s);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, s);
    /* One connection per mail, closed (QUIT) when the transfer ends, as
     * Airflow does: a connection left in curl's cache would outlive s and
     * call on_close with it freed. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, s->from);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, s->rcpt);
    /* As smtplib's sendmail: the mail goes when at least one recipient is
     * accepted. */
#if LIBCURL_VERSION_NUM >= 0x080200
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#elif LIBCURL_VERSION_NUM >= 0x074500
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, s);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout * 1000L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->timeout * 1000L);
    /* STARTTLS is required when asked for (smtplib's starttls() fails on a
     * server without it); never attempted otherwise, so a plain local
     * server works with AIRFLOW__SMTP__SMTP_STARTTLS=False. */
    curl_easy_setopt(e, CURLOPT_USE_SSL, (long)(!c->ssl && c->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    if (c->ssl || c->starttls)
        biz_cacert_apply(e, biz_cacert_path(NULL, 0));
    if (c->user && c->password) {
        s->user = strdup(c->user);
        s->password = strdup(c->password);
        if (!s->user || !s->password) {
            snprintf(err, errlen, "out of memory");
            free_send(s);
            return NULL;
        }
        curl_easy_setopt(e, CURLOPT_USERNAME, s->user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, s->password);
    }
    if (biz_loop_easy_add(loop, e, on_done, s) < 0) {
        snprintf(err, errlen, "cannot start the SMTP transfer");
        free_send(s);
        return NULL;
    }
    return s;
}

/* Aborts a pending send without calling its callback. */
void biz_smtp_cancel(biz_smtp_send *s)
{
    if (!s)
        return;
    /* Removing an unfinished SMTP upload makes libcurl (7.88) end the DATA
     * with CRLF.CRLF and wait, blocking, for the reply: that would block
     * the loop up to the timeout, and deliver a truncated mail. Shut the
     * socket first, so the write fails at once, and leave it no time. */
    for (int i = 0; i < 2; i++)
        if (s->fds[i] != CURL_SOCKET_BAD)
            shutdown(s->fds[i], SHUT_RDWR);
    curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, 1L);
    biz_loop_easy_remove(s->loop, s->easy);
    free_send(s);
}
