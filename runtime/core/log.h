/* log.h: the run's log on stderr: text or JSON lines, secrets redacted,
 * and on a terminal a live one-line progress display.
 *
 * Ownership: every function copies what it is given. Registered secrets
 * are kept (copied) until biz_log_shutdown.
 */
#ifndef BIZ_LOG_H
#define BIZ_LOG_H

#include <stdarg.h>
#include <stdio.h>

typedef enum biz_log_level {
    BIZ_LOG_ERROR,
    BIZ_LOG_WARN,
    BIZ_LOG_INFO,
    BIZ_LOG_DEBUG,
} biz_log_level;

/* Each level's name as the console, the JSON lines ("level") and the
 * run's log file write it: "error", "warn", "info", "debug". */
extern const char *const biz_log_level_names[BIZ_LOG_DEBUG + 1];

typedef enum biz_log_format { BIZ_LOG_TEXT, BIZ_LOG_JSON } biz_log_format;

/* verbosity: -1 quiet (errors only), 0 normal, 1 verbose (debug). The
 * progress line is drawn only on a terminal, in text format, not verbose. */
void biz_log_init(biz_log_format format, int verbosity, FILE *out);
/* Frees the secret registry. */
void biz_log_shutdown(void);

/* Whether a value of that name (a variable, a header) is a secret for
 * Airflow's masker: the name holds "token", "password", "authorization"... */
int biz_log_sensitive_name(const char *name);
/* Registers a secret: it is replaced by "***" in every message. */
void biz_log_secret(const char *secret);
/* A malloc'd copy of s with every registered secret replaced by "***". */
char *biz_log_redact(const char *s);
/* Whether s holds a registered secret (what biz_log_redact would mask). */
int biz_log_has_secret(const char *s);

/* Terminal safety. Messages carry text from servers (error bodies) and
 * child processes (Bash output): an ESC there could recolour or rewrite
 * the screen, a CR or LF could start a line that looks like one of ours
 * ("... task x succeeded"). So every line is escaped when it is written
 * (console and the run's log file; stored values are never touched):
 * C0 controls but TAB and DEL become \n, \r or \xNN, C1 controls and the
 * bidirectional overrides (valid UTF-8 that still steers a terminal or
 * reorders what is shown) become \uNNNN, and a byte that is not valid
 * UTF-8 becomes \xNN. Backslashes are kept as they are (a Windows path
 * stays readable), so the escaping is for display, not reversible.
 * BIZ_ESC_JSON leaves C0 controls and DEL to the JSON writer (which
 * escapes them itself) and does the rest. */
enum { BIZ_ESC_TEXT = 0, BIZ_ESC_JSON = 1 };
/* Whether s has anything biz_log_escape would change. */
int biz_log_needs_escape(const char *s, int mode);
/* A malloc'd escaped copy of s (NULL when out of memory). */
char *biz_log_escape(const char *s, int mode);

/* One line about the run (task NULL) or a task's event ("start",
 * "success", "failed", "retry", "skipped", "upstream_failed", ...). try is
 * the try number or 0. The message is printf-style and redacted. */
void biz_log_event(biz_log_level level, const char *event, const char *task,
                   int try, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The same with a va_list. */
void biz_log_vevent(biz_log_level level, const char *event, const char *task, int try,
                    const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/* Shorthand for a plain message. */
void biz_log(biz_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Redraws the progress line (only on a terminal; otherwise nothing). */
void biz_log_progress(int done, int total, int running, int queued, int failed);
/* Erases the progress line for good (before the summary). */
void biz_log_progress_end(void);

/* A second destination for every line (the run's log file, store.c),
 * whatever the verbosity, debug lines included, already redacted, with
 * the line's time ("2024-01-01T00:00:00.000Z"); task is NULL for a line
 * about the run, try 0 for a task's line outside a try. NULL removes it. */
typedef void (*biz_log_sink_fn)(void *user, const char *time, biz_log_level level,
                                const char *task, int try, const char *msg);
void biz_log_set_sink(biz_log_sink_fn fn, void *user);

/* The current verbosity and format, for callers that print more. */
int biz_log_verbosity(void);
biz_log_format biz_log_get_format(void);

#endif
