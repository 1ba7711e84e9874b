/* op_email.c: EmailOperator: one mail over SMTP (smtp.h). The try succeeds
 * when the server accepts the mail; an SMTP failure fails it (retryable,
 * as smtplib's exceptions are in Airflow). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "op.h"
#include "smtp.h"

static void on_sent(void *user, const char *error)
{
    biz_try *t = user;
    t->op = NULL;   /* the send frees itself after this callback */
    if (error)
        biz_try_done(t, BIZ_OUT_FAILED, 0, "could not send the mail: %s", error);
    else
        biz_try_done(t, BIZ_OUT_SUCCESS, 0, NULL);
}

static const char *getenv_of(void *user, const char *name)
{
    return biz_try_getenv(user, name);
}

static void email_start(biz_try *t)
{
    char err[512] = "";
    biz_mail m = { 0 };
    if (biz_smtp_addrs_add_json(&m.to, biz_try_arg(t, BIZ_ARG_to)) < 0 ||
        biz_smtp_addrs_add_json(&m.cc, biz_try_arg(t, BIZ_ARG_cc)) < 0 ||
        biz_smtp_addrs_add_json(&m.bcc, biz_try_arg(t, BIZ_ARG_bcc)) < 0) {
        biz_mail_free(&m);
        biz_try_done(t, BIZ_OUT_FAILED, 0, "out of memory");
        return;
    }
    if (m.to.n == 0) {
        biz_mail_free(&m);
        biz_try_done(t, BIZ_OUT_FAILED, 1, "EmailOperator: `to` names no recipient");
        return;
    }
    const char *subject = biz_try_arg_str(t, BIZ_ARG_subject);
    const char *html = biz_try_arg_str(t, BIZ_ARG_html_content);
    m.subject = strdup(subject ? subject : "");
    m.html = strdup(html ? html : "");
    const char *cs = biz_try_arg_str(t, BIZ_ARG_mime_charset);
    if (cs && strcasecmp(cs, "utf-8") && strcasecmp(cs, "utf8") && strcasecmp(cs, "us-ascii"))
        biz_try_log(t, BIZ_LOG_WARN, "mime_charset %s: the mail is sent as utf-8", cs);
    biz_smtp_cfg cfg;
    if (biz_smtp_cfg_load(&cfg, biz_try_arg_str(t, BIZ_ARG_conn_id), getenv_of, t, err, sizeof err) < 0) {
        biz_mail_free(&m);
        biz_try_done(t, BIZ_OUT_FAILED, 1, "SMTP configuration: %s", err);
        return;
    }
    biz_try_log(t, BIZ_LOG_INFO, "sending a mail to %d recipient(s) through %s:%d",
                m.to.n + m.cc.n + m.bcc.n, cfg.host, cfg.port);
    biz_smtp_send *s = m.subject && m.html
                       ? biz_smtp_send_mail(t->run->loop, &cfg, &m, on_sent, t, err, sizeof err)
                       : NULL;
    biz_smtp_cfg_free(&cfg);
    biz_mail_free(&m);
    if (!s) {
        biz_try_done(t, BIZ_OUT_FAILED, 0, "could not send the mail: %s", err[0] ? err : "out of memory");
        return;
    }
    t->op = s;
}

static void email_cancel(biz_try *t)
{
    biz_smtp_cancel(t->op);
    t->op = NULL;
}

const biz_op_vt biz_op_email_vt = { email_start, email_cancel };
