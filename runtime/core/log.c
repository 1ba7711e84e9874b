/* log.c: text / JSON log lines on stderr with secrets redacted, and the
 * live progress line on a terminal. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <cjson/cJSON.h>
#include "isotime.h"
#include "log.h"
#include "utf8.h"

static struct {
    biz_log_format format;
    int verbosity;
    FILE *out;
    int tty;             /* progress display on */
    int drawn;           /* a progress line is on screen */
    char progress[128];
    char **secrets;
    int nsecrets;
    biz_log_sink_fn sink;
    void *sink_user;
} L = { BIZ_LOG_TEXT, 0, NULL, 0, 0, "", NULL, 0, NULL, NULL };

const char *const biz_log_level_names[BIZ_LOG_DEBUG + 1] = {
    [BIZ_LOG_ERROR] = "error",
    [BIZ_LOG_WARN] = "warn",
    [BIZ_LOG_INFO] = "info",
    [BIZ_LOG_DEBUG] = "debug",
};

/* Sets the format, verbosity and output; the progress line only on a tty. */
void biz_log_init(biz_log_format format, int verbosity, FILE *out)
{
    L.format = format;
    L.verbosity = verbosity;
    L.out = out ? out : stderr;
    L.tty = format == BIZ_LOG_TEXT && verbosity == 0 && isatty(fileno(L.out));
    L.drawn = 0;
}

/* Frees the secret registry. */
void biz_log_shutdown(void)
{
    for (int i = 0; i < L.nsecrets; i++) {
        memset(L.secrets[i], 0, strlen(L.secrets[i]));
        free(L.secrets[i]);
    }
    free(L.secrets);
    L.secrets = NULL;
    L.nsecrets = 0;
}

/* Sets (or with NULL removes) the sink of task events. */
void biz_log_set_sink(biz_log_sink_fn fn, void *user)
{
    L.sink = fn;
    L.sink_user = user;
}

/* The current verbosity and format, for callers that print more. */
int biz_log_verbosity(void) { return L.verbosity; }
/* The current log format. */
biz_log_format biz_log_get_format(void) { return L.format; }

/* Whether Airflow's secrets masker hides the value of that name: the name
 * holds one of the sensitive words (core.sensitive_var_conn_names' defaults),
 * case-insensitively. */
int biz_log_sensitive_name(const char *name)
{
    static const char *const words[] = {"access_token", "api_key", "apikey", "authorization",
                                        "passphrase", "passwd", "password", "private_key",
                                        "secret", "token", "keyfile_dict", "service_account"};
    char low[256];
    size_t k = 0;
    for (const char *s = name; s && *s && k < sizeof low - 1; s++)
        low[k++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32) : *s;
    low[k] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(low, words[i]))
            return 1;
    return 0;
}

/* Registers a secret, replaced by "***" in every message. */
void biz_log_secret(const char *secret)
{
    if (!secret || !*secret)
        return;
    for (int i = 0; i < L.nsecrets; i++)
        if (strcmp(L.secrets[i], secret) == 0)
            return;
    char **s = realloc(L.secrets, (L.nsecrets + 1) * sizeof *s);
    if (!s)
        return;
    L.secrets = s;
    char *copy = strdup(secret);
    if (!copy)
        return;
    /* Longest first, so a secret containing another is replaced whole. */
    int i = L.nsecrets++;
    while (i > 0 && strlen(L.secrets[i - 1]) < strlen(copy)) {
        L.secrets[i] = L.secrets[i - 1];
        i--;
    }
    L.secrets[i] = copy;
}

/* Whether s holds a registered secret. */
int biz_log_has_secret(const char *s)
{
    for (int i = 0; s && i < L.nsecrets; i++)
        if (strstr(s, L.secrets[i]))
            return 1;
    return 0;
}

/* A malloc'd copy of s with every registered secret replaced by "***". */
char *biz_log_redact(const char *s)
{
    char *cur = strdup(s ? s : "");
    for (int i = 0; cur && i < L.nsecrets; i++) {
        const char *sec = L.secrets[i];
        size_t sl = strlen(sec), n = 0;
        for (const char *p = strstr(cur, sec); p; p = strstr(p + sl, sec))
            n++;
        if (!n)
            continue;
        char *out = malloc(strlen(cur) - n * sl + n * 3 + 1), *o = out;
        if (!out) {
            free(cur);
            return NULL;
        }
        const char *p = cur, *q;
        while ((q = strstr(p, sec))) {
            memcpy(o, p, q - p);
            o += q - p;
            memcpy(o, "***", 3);
            o += 3;
            p = q + sl;
        }
        strcpy(o, p);
        free(cur);
        cur = out;
    }
    return cur;
}

/* ---------------------------------------------------------------- escaping */

/* Code points above ASCII a terminal acts on or that reorder the text
 * shown: C1 controls (U+009B is CSI on some terminals) and the bidi
 * embeddings, overrides and isolates. */
static int steering(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* How the byte sequence at s is written: its escape in esc (NUL-terminated,
 * at most 7 bytes), or "" when it is written as it is; *len is how many
 * bytes of s it covers. */
static void escape_one(const unsigned char *s, size_t n, int mode, char esc[8], size_t *len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned cp = 0;
    size_t k = biz_utf8_seq(s, n, &cp);
    esc[0] = 0;
    if (k == 0) {
        /* Not UTF-8: the byte alone, as Python's backslashreplace. */
        *len = 1;
        esc[0] = '\\'; esc[1] = 'x'; esc[2] = hex[s[0] >> 4]; esc[3] = hex[s[0] & 15]; esc[4] = 0;
        return;
    }
    *len = k;
    if (cp < 0x20 || cp == 0x7f) {
        if (mode == BIZ_ESC_JSON || cp == '\t')
            return;
        esc[0] = '\\';
        if (cp == '\n' || cp == '\r') {
            esc[1] = cp == '\n' ? 'n' : 'r';
            esc[2] = 0;
        } else {
            esc[1] = 'x'; esc[2] = hex[cp >> 4]; esc[3] = hex[cp & 15]; esc[4] = 0;
        }
    } else if (steering(cp)) {
        esc[0] = '\\'; esc[1] = 'u';
        for (int i = 0; i < 4; i++)
            esc[2 + i] = hex[(cp >> (12 - 4 * i)) & 15];
        esc[6] = 0;
    }
}

/* Whether s has anything biz_log_escape would change. */
int biz_log_needs_escape(const char *s, int mode)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        /* Printable ASCII is most of every message: skip it quickly. */
        if (u[i] >= 0x20 && u[i] < 0x7f) {
            i++;
            continue;
        }
        char esc[8];
        size_t len;
        escape_one(u + i, n - i, mode, esc, &len);
        if (esc[0])
            return 1;
        i += len;
    }
    return 0;
}

/* A malloc'd escaped copy of s. */
char *biz_log_escape(const char *s, int mode)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    /* An escape is at most 6 bytes for 1 (\xNN for one byte: 4; \uNNNN for
     * 2 or 3: 6). */
    char *out = malloc(n * 6 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (u[i] >= 0x20 && u[i] < 0x7f) {
            out[o++] = (char)u[i++];
            continue;
        }
        char esc[8];
        size_t len;
        escape_one(u + i, n - i, mode, esc, &len);
        if (esc[0]) {
            size_t el = strlen(esc);
            memcpy(out + o, esc, el);
            o += el;
        } else {
            memcpy(out + o, u + i, len);
            o += len;
        }
        i += len;
    }
    out[o] = 0;
    return out;
}

static void clear_progress(void)
{
    if (L.drawn) {
        fputs("\r\033[K", L.out);
        L.drawn = 0;
    }
}

static void draw_progress(void)
{
    if (L.tty && L.progress[0]) {
        fprintf(L.out, "\r\033[K%s", L.progress);
        L.drawn = 1;
        fflush(L.out);
    }
}

/* Now as "2024-01-01T00:00:00.000Z" (UTC, milliseconds); the year as
 * strftime's %Y, as the log has always written it. */
static void now_iso(char *buf, size_t len)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    biz_isotime_format(buf, len, tv.tv_sec, (long)tv.tv_usec, 0,
                       BIZ_ISOTIME_MS | BIZ_ISOTIME_Z | BIZ_ISOTIME_PLAIN_YEAR);
}

/* Appends the decimal digits of v at o; returns the end. */
static char *put_uint(char *o, unsigned long long v)
{
    char d[24];
    int i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(o, d + i, sizeof d - (size_t)i);
    return o + (sizeof d - (size_t)i);
}

/* printf's subset most lines use (%s %d %i %u %ld %lu %lld %llu %zu %c %%
 * and %.Nf, N <= 6), formatted into buf without stdio, whose set-up cost
 * more than the rest of a log line. -1 for anything else, or when it does
 * not fit: the caller uses vsnprintf (ap is then spent: give a copy). */
static int format_fast(char *buf, size_t len, const char *fmt, va_list ap)
{
    char *o = buf, *end = buf + len;
    for (const char *f = fmt; *f; f++) {
        if (end - o < 48)   /* room for any one number, and the NUL */
            return -1;
        if (*f != '%') {
            *o++ = *f;
            continue;
        }
        f++;
        int lng = 0, prec = -1;
        if (*f == '.' && f[1] >= '0' && f[1] <= '6' && f[2] == 'f') {
            prec = f[1] - '0';
            f += 2;
        }
        while (*f == 'l' && lng < 2) {
            lng++;
            f++;
        }
        if (*f == 'z' && !lng) {
            lng = 3;
            f++;
        }
        switch (*f) {
        case '%':
            *o++ = '%';
            break;
        case 'c':
            if (lng)
                return -1;
            *o++ = (char)va_arg(ap, int);
            break;
        case 's': {
            if (lng)
                return -1;
            const char *a = va_arg(ap, const char *);
            size_t n = strlen(a ? a : "(null)");
            if (n + 48 > (size_t)(end - o))
                return -1;
            memcpy(o, a ? a : "(null)", n);
            o += n;
            break;
        }
        case 'd':
        case 'i': {
            long long v = lng == 0 ? va_arg(ap, int) : lng == 1 ? va_arg(ap, long)
                        : lng == 2 ? va_arg(ap, long long) : (long long)va_arg(ap, size_t);
            if (v < 0)
                *o++ = '-';
            o = put_uint(o, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
            break;
        }
        case 'u':
            o = put_uint(o, lng == 0 ? va_arg(ap, unsigned) : lng == 1 ? va_arg(ap, unsigned long)
                          : lng == 2 ? va_arg(ap, unsigned long long) : va_arg(ap, size_t));
            break;
        case 'f': {
            double v = va_arg(ap, double);
            if (prec < 0 || lng || !(v > -1e12 && v < 1e12))
                return -1;   /* %f without a precision, NaN, huge: printf */
            static const double scale[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
            double a = v < 0 ? -v : v;
            unsigned long long units = (unsigned long long)(a * scale[prec] + 0.5);
            unsigned long long ip = units / (unsigned long long)scale[prec];
            unsigned long long fp = units % (unsigned long long)scale[prec];
            if (v < 0 && units)
                *o++ = '-';
            o = put_uint(o, ip);
            if (prec) {
                *o++ = '.';
                for (int i = prec - 1; i >= 0; i--, fp /= 10)
                    o[i] = (char)('0' + fp % 10);
                o += prec;
            }
            break;
        }
        default:
            return -1;
        }
    }
    *o = 0;
    return (int)(o - buf);
}

static void vlog(biz_log_level level, const char *event, const char *task,
                 int try, const char *fmt, va_list ap)
{
    if (!L.out)
        L.out = stderr;
    /* The run's log file gets every line, debug ones too (a Bash task's
     * output, each poke), whatever the console's verbosity: it is what a
     * user reads after a failed cron run, as Airflow's task logs. */
    int to_sink = L.sink != NULL;
    if ((int)level > L.verbosity + 2 && !to_sink)   /* quiet: errors; normal: info */
        return;
    /* Formatted on the stack (a run logs several lines a task); a longer
     * message takes the heap. Copied again only when a secret is in it. */
    char small[512], *raw = small;
    va_list again, fast;
    va_copy(again, ap);
    va_copy(fast, ap);
    int len = format_fast(small, sizeof small, fmt, fast);
    va_end(fast);
    if (len < 0) {
        len = vsnprintf(small, sizeof small, fmt, ap);
        if (len >= (int)sizeof small && vasprintf(&raw, fmt, again) < 0)
            len = -1;
    }
    va_end(again);
    if (len < 0)
        return;
    char *msg = raw;
    if (biz_log_has_secret(raw)) {
        msg = biz_log_redact(raw);
        if (raw != small)
            free(raw);
        raw = NULL;
        if (!msg)
            return;
    }
    /* Escaped after the redaction (a secret is matched as it was given),
     * before anything is written: the console's text, the JSON line and
     * the run's log file (the sink). Messages about data stay as they
     * are in the record; only what is shown is escaped. */
    char *text = msg, *json = msg;
    if (biz_log_needs_escape(msg, BIZ_ESC_TEXT) && !(text = biz_log_escape(msg, BIZ_ESC_TEXT))) {
        text = msg;
        goto out;
    }
    if (L.format == BIZ_LOG_JSON && biz_log_needs_escape(msg, BIZ_ESC_JSON) &&
        !(json = biz_log_escape(msg, BIZ_ESC_JSON))) {
        json = msg;
        goto out;
    }
    char ts[40];
    now_iso(ts, sizeof ts);
    if (to_sink)
        L.sink(L.sink_user, ts, level, task, try, text);
    if ((int)level > L.verbosity + 2)
        goto out;
    clear_progress();
    if (L.format == BIZ_LOG_JSON) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", ts);
        cJSON_AddStringToObject(o, "level", biz_log_level_names[level]);
        if (event)
            cJSON_AddStringToObject(o, "event", event);
        if (task)
            cJSON_AddStringToObject(o, "task", task);
        if (try > 0)
            cJSON_AddNumberToObject(o, "try", try);
        cJSON_AddStringToObject(o, "message", json);
        char *line = cJSON_PrintUnformatted(o);
        if (line)
            fprintf(L.out, "%s\n", line);
        free(line);
        cJSON_Delete(o);
    } else {
        fprintf(L.out, "%s %-5s ", ts, biz_log_level_names[level]);
        if (task && try > 0)
            fprintf(L.out, "[%s #%d] ", task, try);
        else if (task)
            fprintf(L.out, "[%s] ", task);
        fprintf(L.out, "%s\n", text);
    }
    draw_progress();
    fflush(L.out);
out:
    if (text != msg)
        free(text);
    if (json != msg)
        free(json);
    if (msg != small)
        free(msg);
}

/* biz_log_event with a va_list. */
void biz_log_vevent(biz_log_level level, const char *event, const char *task, int try,
                    const char *fmt, va_list ap)
{
    vlog(level, event, task, try, fmt, ap);
}

/* Logs one line about the run or a task's event. */
void biz_log_event(biz_log_level level, const char *event, const char *task,
                   int try, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, event, task, try, fmt, ap);
    va_end(ap);
}

/* Shorthand for a plain message. */
void biz_log(biz_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, NULL, 0, fmt, ap);
    va_end(ap);
}

/* Redraws the progress line (only on a terminal). */
void biz_log_progress(int done, int total, int running, int queued, int failed)
{
    if (!L.tty)
        return;
    snprintf(L.progress, sizeof L.progress, "done %d/%d  running %d  queued %d  failed %d",
             done, total, running, queued, failed);
    draw_progress();
}

/* Erases the progress line for good (before the summary). */
void biz_log_progress_end(void)
{
    clear_progress();
    L.progress[0] = 0;
    if (L.out)
        fflush(L.out);
}
