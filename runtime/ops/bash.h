/* bash.h: the pure parts of BashOperator (op_bash.c): splitting a child's
 * output into lines as Airflow's SubprocessHook reads them, the last
 * stderr lines for the failure message, what an exit status means, the
 * child's environment and finding bash.
 *
 * Ownership: a biz_bash_lines / biz_bash_tail owns its copies and is freed
 * with its _free function. Strings and vectors returned are malloc'd and
 * the caller frees them (biz_bash_env_free for an environment vector).
 */
#ifndef BIZ_BASH_H
#define BIZ_BASH_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"

/* Longest line kept (bytes); the rest of a longer line is dropped. */
#define BIZ_BASH_LINE_MAX (1024 * 1024)

/* A stream cut into lines. Each line is decoded as Airflow does
 * (UTF-8, errors="backslashreplace": a bad byte becomes "\xNN") and
 * stripped of trailing whitespace (Python's rstrip()). */
typedef struct biz_bash_lines {
    biz_buf cur;            /* the line being read (raw bytes; max:
                               BIZ_BASH_LINE_MAX once in use) */
    int truncated;          /* cur reached BIZ_BASH_LINE_MAX */
    char *last;             /* the last complete line, or NULL before any */
    long count;             /* complete lines so far */
} biz_bash_lines;

/* Called with each complete line (decoded, stripped; borrowed). */
typedef void (*biz_bash_line_fn)(void *user, const char *line);

/* Feeds len bytes; fn (may be NULL) sees each line completed by them.
 * 0, or -1 when out of memory. */
int biz_bash_lines_feed(biz_bash_lines *b, const char *data, size_t len,
                        biz_bash_line_fn fn, void *user);
/* End of the stream: an unterminated last line still counts. */
int biz_bash_lines_end(biz_bash_lines *b, biz_bash_line_fn fn, void *user);
/* The last complete line ("" when there was none: Airflow's default). */
const char *biz_bash_lines_last(const biz_bash_lines *b);
void biz_bash_lines_free(biz_bash_lines *b);

/* Python's bytes.decode("utf-8", "backslashreplace") then rstrip() of
 * len bytes: a new string, NULL when out of memory. */
char *biz_bash_decode_line(const char *s, size_t len);

/* The last BIZ_BASH_TAIL_N lines of a stream (stderr, for messages). */
#define BIZ_BASH_TAIL_N 5
typedef struct biz_bash_tail {
    char *line[BIZ_BASH_TAIL_N];
    int n;                  /* lines pushed so far */
} biz_bash_tail;

/* Keeps a copy of line, forgetting the oldest beyond BIZ_BASH_TAIL_N. */
void biz_bash_tail_push(biz_bash_tail *t, const char *line);
/* The kept lines, oldest first, joined by sep; "" when none. New string. */
char *biz_bash_tail_join(const biz_bash_tail *t, const char *sep);
void biz_bash_tail_free(biz_bash_tail *t);

typedef enum biz_bash_verdict {
    BIZ_BASH_SUCCESS,
    BIZ_BASH_SKIP,
    BIZ_BASH_FAIL,
} biz_bash_verdict;

/* What a wait status means. skip is the rendered skip_on_exit_code
 * argument (biz_try_arg: the table's default when not given): a number, a
 * list of numbers, or JSON null (Python None) or NULL: never skip. As Airflow, a skip code wins over
 * success (skip_on_exit_code=0 skips on 0). msg (for a skip or a failure)
 * gets "bash command exited with status N", "... (skip_on_exit_code)" or
 * "bash command was killed by signal SIGKILL (9)". */
biz_bash_verdict biz_bash_classify(int wstatus, const cJSON *skip, char *msg, size_t len);

/* A signal's name ("SIGTERM"), or "signal N" written into buf. */
const char *biz_bash_signame(int sig, char *buf, size_t len);

/* The child's environment as Airflow's BashOperator builds it: env NULL
 * (or JSON null) → a copy of base; env and append → base updated with env;
 * env alone → env only. Then extra ("NAME", "value", ..., NULL) is added
 * over it (AIRFLOW_CTX_*). Values that are not strings are written as
 * Python's str() does. A NULL-terminated vector of "NAME=value", NULL
 * when out of memory or when env is not a dict (message in err). */
char **biz_bash_env(const cJSON *env, int append, char *const *base,
                    const char *const *extra, char *err, size_t errlen);
void biz_bash_env_free(char **envp);
/* The value of name in a "NAME=value" vector, or NULL. */
const char *biz_bash_env_get(char *const *envp, const char *name);

/* Finds an executable name along path (':'-separated; NULL or "" means
 * "/bin:/usr/bin", Python's os.defpath, as subprocess does for an
 * environment without PATH). A new string, or NULL when not found. */
char *biz_bash_which(const char *name, const char *path);

#endif
