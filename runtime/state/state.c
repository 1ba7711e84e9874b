/* state.c: run records, per-try log files and pruning in the state
 * directory (see state.h for the layout and the rules). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "state.h"
#include "map.h"
#include "syncer.h"
#include "log.h"
#include "isotime.h"
#include "schedule.h"
#include "base64.h"
#include "buf.h"
#include "utf8.h"

#define TEMP_PREFIX ".tmp-"
#define SEALED_KEY "__sealed__"
#define SYNC_MS 100            /* the longest a finished task waits for its fsync */


/* ---------------------------------------------------------------- paths */

static char *join(const char *a, const char *b)
{
    char *s = NULL;
    if (asprintf(&s, "%s/%s", a, b) < 0)
        return NULL;
    return s;
}

/* The state directory (see state.h). */
int biz_state_dir_resolve(const char *opt, char *out, size_t len, char *err, size_t errlen)
{
    const char *v = opt && *opt ? opt : getenv("BIZ_STATE_DIR");
    char buf[PATH_MAX];
    if (!v || !*v) {
        const char *x = getenv("XDG_STATE_HOME");
        const char *home = getenv("HOME");
        if (x && *x == '/')
            snprintf(buf, sizeof buf, "%s/biz", x);
        else if (home && *home)
            snprintf(buf, sizeof buf, "%s/.local/state/biz", home);
        else {
            snprintf(err, errlen, "no state directory: give --state-dir DIR or set BIZ_STATE_DIR (HOME is not set)");
            return -1;
        }
        v = buf;
    }
    if (v[0] == '/') {
        if ((size_t)snprintf(out, len, "%s", v) >= len)
            goto too_long;
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
            snprintf(err, errlen, "cannot find the current directory: %s", strerror(errno));
            return -1;
        }
        if ((size_t)snprintf(out, len, "%s/%s", cwd, v) >= len)
            goto too_long;
    }
    /* No trailing slashes (paths are joined with '/'). */
    for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
        out[n - 1] = 0;
    return 0;
too_long:
    snprintf(err, errlen, "state directory path too long");
    return -1;
}

/* Whether the umask takes bits of mode (0700): then what is made is
 * chmod'ed to it. Asked only when something was made (rarely): reading
 * the umask means setting it twice. */
static int umask_strips(mode_t mode)
{
    mode_t u = umask(0);
    umask(u);
    return (u & mode) != 0;
}

/* mkdir of path, its missing parents first; 0 or -1 (errno). */
static int mkdirs_at(char *path)
{
    if (mkdir(path, 0700) == 0)
        return umask_strips(0700) ? chmod(path, 0700) : 0;
    if (errno != ENOENT)
        return -1;
    char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return -1;
    *slash = 0;
    int rc = mkdirs_at(path);
    *slash = '/';
    if (rc < 0 && errno != EEXIST)
        return -1;
    if (mkdir(path, 0700) == 0)
        return umask_strips(0700) ? chmod(path, 0700) : 0;
    return -1;
}

/* mkdir -p, 0700 for each directory made (chmod: umask-independent). The
 * directory itself first: at every run but the first it exists, and
 * walking the path from the root costs a system call per component. */
int biz_state_mkdirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = 0;
    int rc = mkdirs_at(p);
    free(p);
    if (rc == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    struct stat sb;
    if (stat(path, &sb) < 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int biz_state_run_id_ok(const char *s)
{
    if (!s || !*s || s[0] == '.' || strlen(s) > 200)
        return 0;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20)
            return 0;
    return 1;
}

static biz_store *store_new(const char *root, const char *dag_id)
{
    biz_store *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->runs_fd = -1;
    st->journal_fd = -1;
    st->base_fd = -1;
    st->log_fd = -1;
    st->jbuf = calloc(1, sizeof *st->jbuf);
    st->log_json = calloc(1, sizeof *st->log_json);
    st->root = strdup(root);
    st->dag_dir = join(root, dag_id);
    st->runs_dir = st->dag_dir ? join(st->dag_dir, "runs") : NULL;
    st->logs_dir = st->dag_dir ? join(st->dag_dir, "logs") : NULL;
    if (!st->root || !st->runs_dir || !st->logs_dir || !st->jbuf || !st->log_json) {
        biz_store_close(st);
        return NULL;
    }
    return st;
}

/* Opens (making them) the DAG's directories. */
biz_store *biz_store_open(const char *root, const char *dag_id, char *err, size_t errlen)
{
    if (!biz_state_run_id_ok(dag_id)) {
        snprintf(err, errlen, "DAG id '%s' cannot name a directory", dag_id);
        return NULL;
    }
    biz_store *st = store_new(root, dag_id);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *dirs[] = { st->runs_dir, st->logs_dir };
    for (int i = 0; i < 2; i++)
        if (biz_state_mkdirs(dirs[i]) < 0) {
            snprintf(err, errlen, "cannot create the state directory %s: %s", dirs[i], strerror(errno));
            biz_store_close(st);
            return NULL;
        }
    st->runs_fd = open(st->runs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return st;
}

/* Opens the DAG's directories for reading only. */
biz_store *biz_store_open_ro(const char *root, const char *dag_id, char *err, size_t errlen)
{
    biz_store *st = store_new(root, dag_id);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct stat sb;
    if (stat(st->runs_dir, &sb) < 0) {
        snprintf(err, errlen, "no runs of DAG '%s' recorded in %s", dag_id, root);
        biz_store_close(st);
        return NULL;
    }
    return st;
}

/* Closes the store (detaching any run). */
void biz_store_close(biz_store *st)
{
    if (!st)
        return;
    biz_store_detach(st);
    if (st->runs_fd >= 0)
        close(st->runs_fd);
    free(st->root);
    free(st->dag_dir);
    free(st->runs_dir);
    free(st->logs_dir);
    if (st->jbuf)
        biz_buf_free(st->jbuf);
    free(st->jbuf);
    if (st->log_json)
        biz_buf_free(st->log_json);
    free(st->log_json);
    free(st);
}

/* A task id as one path component ('/' cannot appear in a file name). */
static char *component(const char *s)
{
    char *c = strdup(s && *s ? s : "_");
    for (char *p = c; p && *p; p++)
        if (*p == '/')
            *p = '_';
    if (c && c[0] == '.')
        c[0] = '_';
    return c;
}

/* The path of a run's log file. */
char *biz_store_log_path(const biz_store *st, const char *run_id)
{
    char *r = component(run_id), *s = NULL;
    if (r && asprintf(&s, "%s/%s.log", st->logs_dir, r) < 0)
        s = NULL;
    free(r);
    return s;
}

/* ---------------------------------------------------------------- files */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* biz_state_write_atomic; with keep (not NULL), the new file stays open
 * (read-write) in *keep for a later sync, else -1. */
static int write_atomic(const char *dir, int dirfd, const char *name, const char *text,
                        int durable, int *keep)
{
    if (keep)
        *keep = -1;
    char *tmp = NULL, *dst = NULL;
    if (asprintf(&tmp, "%s/" TEMP_PREFIX "%ld-%s", dir, (long)getpid(), name) < 0)
        return -1;
    dst = join(dir, name);
    if (!dst) {
        free(tmp);
        return -1;
    }
    int rc = -1, saved = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (fchmod(fd, 0600) == 0 && write_all(fd, text, strlen(text)) == 0 &&
            (!durable || fsync(fd) == 0))
            rc = 0;
        saved = errno;
        if (rc == 0 && keep) {
            *keep = fd;
        } else if (close(fd) < 0 && rc == 0) {
            rc = -1;
            saved = errno;
        }
        if (rc == 0 && rename(tmp, dst) < 0) {
            rc = -1;
            saved = errno;
        }
        if (rc < 0) {
            unlink(tmp);
            if (keep && *keep >= 0) {
                close(*keep);
                *keep = -1;
            }
        } else if (durable && dirfd >= 0) {
            fsync(dirfd);   /* the rename itself survives a crash */
        }
    } else {
        saved = errno;
    }
    free(tmp);
    free(dst);
    errno = saved;
    return rc;
}

/* Writes dir/name atomically, mode 0600. */
int biz_state_write_atomic(const char *dir, int dirfd, const char *name, const char *text,
                           int durable)
{
    return write_atomic(dir, dirfd, name, text, durable, NULL);
}

/* Reads a whole file; malloc'd, NULL on error. */
static char *read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    biz_buf buf = { 0 };
    for (;;) {
        if (biz_buf_reserve(&buf, 8192) < 0)
            break;
        ssize_t r = read(fd, buf.p + buf.n, buf.cap - buf.n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            biz_buf_free(&buf);
            return NULL;
        }
        if (r == 0)
            break;
        buf.n += (size_t)r;
    }
    close(fd);
    if (buf.p)
        buf.p[buf.n] = 0;
    return biz_buf_take(&buf);
}

/* ---------------------------------------------------------------- records */

/* Wall seconds as "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" into out (len
 * bytes, NUL included), the fraction rounded to the microsecond; returns
 * the text's length. */
static size_t iso_us_into(double t, char *out, size_t len)
{
    time_t sec = (time_t)t;
    if ((double)sec > t)
        sec--;
    long us = (long)((t - (double)sec) * 1e6 + 0.5);
    if (us >= 1000000) {
        sec++;
        us -= 1000000;
    }
    return biz_isotime_format(out, len, sec, us, 0, BIZ_ISOTIME_US | BIZ_ISOTIME_OFFSET);
}

/* Formats wall seconds with microseconds (left out when zero). */
void biz_state_iso_us(double t, char *buf, size_t len)
{
    iso_us_into(t, buf, len);
}

/* A record's time field in seconds, 0 when absent. */
double biz_record_time(const cJSON *rec, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, field);
    time_t t;
    long us;
    if (!cJSON_IsString(v) || biz_isotime_parse_us(v->valuestring, &t, &us) != 0)
        return 0;
    return (double)t + (double)us / 1e6;
}

/* ---------------------------------------------------------------- record text
 *
 * Records and journal lines are written as text directly: building a cJSON
 * tree of the whole run to print it cost more than the HTTP calls. One
 * writer for all (the record, the journal, biz_record_from_run), so they
 * cannot disagree. */


/* Appends a string literal (its length known at compile time). The
 * record's pieces go through biz_buf_add, inline: a record or a journal
 * line is made of many short pieces, and the call cost more than the
 * copy. */
#define TB_LIT(b, lit) biz_buf_add((b), "" lit, sizeof(lit) - 1)

/* A JSON string, escaped as cJSON escapes (quote, backslash, controls).
 * Records are strict JSON whatever a server or a command sent: a byte that
 * is not part of valid UTF-8 becomes U+FFFD (issue 10), as Python's
 * errors="replace" does, so every JSON reader can read the record. */
static void tb_str(biz_buf *b, const char *s)
{
    biz_buf_add(b, "\"", 1);
    const char *run = s;
    for (const char *q = s;;) {
        unsigned char c = (unsigned char)*q;
        if (c >= 0x80) {
            /* the string's NUL ends a sequence cut short, as any byte that
             * is not a continuation one */
            unsigned cp;
            size_t n = biz_utf8_seq((const unsigned char *)q, BIZ_UTF8_MAX_LEN, &cp);
            if (n) {
                q += n;
                continue;
            }
            biz_buf_add(b, run, (size_t)(q - run));
            biz_buf_add(b, "\\ufffd", 6);
            run = ++q;
            continue;
        }
        if (c && c != '"' && c != '\\' && c >= 0x20) {
            q++;
            continue;
        }
        biz_buf_add(b, run, (size_t)(q - run));
        if (!c)
            break;
        char esc[8];
        switch (c) {
        case '"': biz_buf_add(b, "\\\"", 2); break;
        case '\\': biz_buf_add(b, "\\\\", 2); break;
        case '\n': biz_buf_add(b, "\\n", 2); break;
        case '\t': biz_buf_add(b, "\\t", 2); break;
        case '\r': biz_buf_add(b, "\\r", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            biz_buf_add(b, esc, 6);
        }
        run = ++q;
    }
    biz_buf_add(b, "\"", 1);
}

/* A non-negative integer, without printf (records hold thousands). */
static void tb_int(biz_buf *b, long v)
{
    char d[24];
    int i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && i > 0);
    biz_buf_add(b, d + i, sizeof d - (size_t)i);
}

/* "name": "time" (wall seconds), or null when t <= 0: one append. */
static void tb_time(biz_buf *b, const char *name, double t)
{
    char out[48 + BIZ_ISOTIME_MAX], *o = out;
    size_t n = strlen(name);
    if (n > 40)
        n = 40;
    *o++ = '"';
    memcpy(o, name, n);
    o += n;
    memcpy(o, "\": ", 3);
    o += 3;
    if (t > 0) {
        *o++ = '"';
        o += iso_us_into(t, o, BIZ_ISOTIME_MAX);
        *o++ = '"';
    } else {
        memcpy(o, "null", 4);
        o += 4;
    }
    biz_buf_add(b, out, (size_t)(o - out));
}

/* A message, its secrets masked; null when s is NULL. */
static void tb_masked(biz_buf *b, const char *s)
{
    if (!s) {
        TB_LIT(b, "null");
        return;
    }
    char *r = biz_log_redact(s);
    tb_str(b, r ? r : "");
    free(r);
}

/* A stored value as the record holds it: its JSON as it is, or, when that
 * JSON holds a registered secret, {"__sealed__": <base64 of that JSON>}.
 * Data must come back exactly (--resume hands it to the tasks it runs
 * again), and a secret must not be readable in a record: sealing does
 * both, where masking would change the data. Printed once. */
/* v as compact JSON, appended (what cJSON_PrintUnformatted gives, without
 * its buffer of its own: a journal line holds an XCom). */
static void tb_json(biz_buf *b, const cJSON *v, int depth)
{
    if (depth > 1000) {          /* cJSON parses no deeper */
        TB_LIT(b, "null");
        return;
    }
    if (cJSON_IsString(v)) {
        tb_str(b, v->valuestring ? v->valuestring : "");
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (isnan(d) || isinf(d)) {
            TB_LIT(b, "null");
        } else if (fabs(d) < 1e15 && d == (double)(long long)d) {   /* in range first: the cast */
            long long i = (long long)d;
            if (i < 0)
                biz_buf_add(b, "-", 1);
            tb_int(b, (long)(i < 0 ? -i : i));
        } else {
            char num[32];
            snprintf(num, sizeof num, "%1.15g", d);
            if (strtod(num, NULL) != d)
                snprintf(num, sizeof num, "%1.17g", d);
            biz_buf_adds(b, num);
        }
    } else if (cJSON_IsBool(v)) {
        biz_buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsRaw(v)) {
        biz_buf_adds(b, v->valuestring ? v->valuestring : "null");
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        int obj = cJSON_IsObject(v);
        biz_buf_add(b, obj ? "{" : "[", 1);
        for (const cJSON *c = v->child; c; c = c->next) {
            if (c != v->child)
                biz_buf_add(b, ",", 1);
            if (obj) {
                tb_str(b, c->string ? c->string : "");
                biz_buf_add(b, ":", 1);
            }
            tb_json(b, c, depth + 1);
        }
        biz_buf_add(b, obj ? "}" : "]", 1);
    } else {
        TB_LIT(b, "null");
    }
}

static void tb_sealed(biz_buf *b, const cJSON *v)
{
    if (!v) {
        TB_LIT(b, "{}");
        return;
    }
    size_t start = b->n;
    tb_json(b, v, 0);
    if (b->oom || !biz_log_has_secret(b->p + start))
        return;
    char *text = strdup(b->p + start);
    b->n = start;
    b->p[start] = 0;
    char *b64 = text ? biz_b64_encode(text, strlen(text)) : NULL;
    if (!b64)
        b->oom = 1;
    TB_LIT(b, "{\"" SEALED_KEY "\": ");
    tb_str(b, b64 ? b64 : "");
    TB_LIT(b, "}");
    free(b64);
    free(text);
}

/* A task's entry: {"state": ..., "xcom": ..., "log": ...}. log: the run
 * log's path as JSON (log->p NULL: none written). */
static void tb_task(biz_buf *b, const biz_ti *ti, const biz_buf *log)
{
    if (ti->state == BIZ_TI_NONE && !ti->tries && !ti->first_start && !ti->reason &&
        !ti->blocked && !(ti->xcom && ti->xcom->child) && !ti->branch &&
        !(ti->history && ti->history->child) && !ti->parent && ti->nmaps < 0) {
        /* Most of a base record: written as one piece. */
        TB_LIT(b, "{\"state\": \"none\", \"tries\": 0, \"start_date\": null, \"end_date\": null, "
               "\"duration\": null, \"reason\": null, \"xcom\": {}, \"log\": null}");
        return;
    }
    int done = biz_ti_state_finished(ti->state);
    TB_LIT(b, "{\"state\": \"");
    biz_buf_adds(b, biz_ti_state_names[ti->state]);
    TB_LIT(b, "\", \"tries\": ");
    tb_int(b, ti->tries);
    TB_LIT(b, ", ");
    tb_time(b, "start_date", ti->first_start);
    TB_LIT(b, ", ");
    tb_time(b, "end_date", done ? ti->end : 0);
    if (ti->first_start > 0 && ti->end >= ti->first_start && done) {
        long us = (long)((ti->end - ti->first_start) * 1e6 + 0.5), rem = us % 1000000;
        char frac[8];
        for (int i = 5; i >= 0; i--, rem /= 10)
            frac[i] = (char)('0' + rem % 10);
        frac[6] = 0;
        TB_LIT(b, ", \"duration\": ");
        tb_int(b, us / 1000000);
        TB_LIT(b, ".");
        biz_buf_adds(b, frac);
    } else {
        TB_LIT(b, ", \"duration\": null");
    }
    int blocked = ti->blocked && ti->state == BIZ_TI_NONE;
    TB_LIT(b, ", \"reason\": ");
    tb_masked(b, blocked ? ti->blocked : ti->reason);
    if (blocked)
        TB_LIT(b, ", \"blocked\": true");
    TB_LIT(b, ", \"xcom\": ");
    tb_sealed(b, ti->xcom);
    if (ti->branch) {
        /* The writer's own printer: a branch id is escaped as strictly. */
        TB_LIT(b, ", \"branch\": ");
        tb_json(b, ti->branch, 0);
    }
    if (ti->history && ti->history->child) {
        TB_LIT(b, ", \"history\": ");
        tb_json(b, ti->history, 0);
    }
    if (ti->parent) {
        TB_LIT(b, ", \"map_index\": ");
        tb_int(b, ti->map_index);
        if (ti->map_label) {
            TB_LIT(b, ", \"rendered_map_index\": ");
            tb_masked(b, ti->map_label);
        }
    } else if (ti->nmaps >= 0) {
        TB_LIT(b, ", \"mapped\": ");
        tb_int(b, ti->nmaps);
    }
    TB_LIT(b, ", \"log\": ");
    if (log && log->p && ti->tries > 0)
        biz_buf_add(b, log->p, log->n);
    else
        TB_LIT(b, "null");
    TB_LIT(b, "}");
}

/* The run log's path as a JSON string, made once for all the entries that
 * name it (b->p NULL: none). */
static void log_json(biz_buf *b, const char *path)
{
    if (path)
        tb_str(b, path);
}

/* The whole record of run, one task a line; with journal_gen > 0 it names
 * the journal of that generation. */
static void tb_record(biz_buf *b, const biz_run *run, const biz_store *st, long journal_gen)
{
    const biz_dag_def *dag = run->dag;
    char ld[48], is[48], ie[48];
    biz_state_iso_us((double)run->logical_date + run->logical_us / 1e6, ld, sizeof ld);
    biz_state_iso_us((double)run->interval_start + run->interval_us / 1e6, is, sizeof is);
    biz_state_iso_us((double)run->interval_end + run->interval_us / 1e6, ie, sizeof ie);
    biz_buf_printf(b, "{\n  \"format\": %d,\n  \"dag_id\": ", BIZ_RECORD_FORMAT);
    tb_str(b, dag->dag_id);
    TB_LIT(b, ",\n  \"run_id\": ");
    tb_str(b, run->run_id);
    biz_buf_printf(b, ",\n  \"run_type\": \"%s\",\n  \"run_number\": %d,\n  \"logical_date\": \"%s\","
         "\n  \"data_interval_start\": \"%s\",\n  \"data_interval_end\": \"%s\",\n  \"conf\": ",
         run->run_type ? run->run_type : "manual", run->run_number, ld, is, ie);
    /* conf and XComs are data: stored exactly, sealed when they hold a
     * secret. Messages are masked; so is what --show prints. */
    tb_sealed(b, run->conf);
    biz_buf_printf(b, ",\n  \"state\": \"%s\",\n  ", biz_run_state_names[run->state]);
    tb_time(b, "start_date", run->start_wall);
    TB_LIT(b, ",\n  ");
    tb_time(b, "end_date", run->state == BIZ_RUN_RUNNING ? 0 : run->end_wall);
    biz_buf_printf(b, ",\n  \"pid\": %ld,\n  \"source_sha256\": ", (long)getpid());
    tb_str(b, dag->source_sha256 ? dag->source_sha256 : "");
    /* The DAG's version: which build made (and last continued) this run,
     * so --resume/--rerun can refuse to mix two builds (runplan.c). */
    TB_LIT(b, ",\n  \"bizc_version\": ");
    tb_str(b, dag->bizc_version ? dag->bizc_version : "");
    if (run->history && run->history->child) {
        TB_LIT(b, ",\n  \"history\": ");
        tb_json(b, run->history, 0);
    }
    if (journal_gen > 0)
        biz_buf_printf(b, ",\n  \"journal_gen\": %ld", journal_gen);
    char *log = st ? biz_store_log_path(st, run->run_id) : NULL;
    biz_buf lj = { 0 };
    log_json(&lj, log);
    TB_LIT(b, ",\n  \"log\": ");
    if (log)
        tb_str(b, log);
    else
        TB_LIT(b, "null");
    TB_LIT(b, ",\n  \"tasks\": {");
    /* Each mapped task followed by its instances, in map index order. */
    int first = 1;
    for (int i = 0; i < run->nstatic; i++) {
        const biz_ti *ti = run->tis[i];
        int n = ti->nmaps > 0 ? ti->nmaps : 0;
        for (int k = -1; k < n; k++) {
            const biz_ti *x = k < 0 ? ti : run->tis[ti->map_first + k];
            biz_buf_adds(b, first ? "\n    " : ",\n    ");
            first = 0;
            tb_str(b, x->def->task_id);
            TB_LIT(b, ": ");
            tb_task(b, x, &lj);
        }
    }
    biz_buf_free(&lj);
    free(log);
    biz_buf_adds(b, run->n ? "\n  }\n}\n" : "}\n}\n");
}

/* The record of run as JSON (parsed from the text the store writes). */
cJSON *biz_record_from_run(const biz_run *run, const biz_store *st)
{
    biz_buf b = { 0 };
    tb_record(&b, run, st, 0);
    cJSON *rec = b.oom || !b.p ? NULL : cJSON_Parse(b.p);
    biz_buf_free(&b);
    return rec;
}

/* Whether v is a value the record holds sealed (it held a secret). */
int biz_record_sealed(const cJSON *v)
{
    return cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 &&
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, SEALED_KEY));
}

/* The value a record holds (see seal); NULL when a seal is broken. */
cJSON *biz_record_value(const cJSON *v)
{
    const cJSON *s = cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1
                     ? cJSON_GetObjectItemCaseSensitive(v, SEALED_KEY) : NULL;
    if (!cJSON_IsString(s))
        return cJSON_Duplicate(v, 1);
    unsigned char *raw = NULL;
    size_t len = 0;
    if (biz_b64_decode(s->valuestring, strlen(s->valuestring), &raw, &len) < 0)
        return NULL;
    cJSON *out = cJSON_ParseWithLength((const char *)raw, len);
    free(raw);
    return out;
}

/* Whether a recorded task runs again on --resume. */
int biz_record_should_rerun(const char *state, const char *reason)
{
    if (!state)
        return 1;
    if (strcmp(state, "success") == 0)
        return 0;
    if (strcmp(state, "skipped") == 0)
        return reason && strcmp(reason, "dagrun_timeout exceeded") == 0;
    return 1;
}

static int state_from_name(const char *s)
{
    for (int i = 0; s && i < BIZ_TI__COUNT; i++)
        if (strcmp(biz_ti_state_names[i], s) == 0)
            return i;
    return -1;
}

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A time field: absent, null or an ISO time. */
static int time_ok(const cJSON *o, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
    time_t t;
    return !v || cJSON_IsNull(v) || (cJSON_IsString(v) && biz_isotime_parse(v->valuestring, &t) == 0);
}

/* An integer in [lo, hi] (what a count or a pid must be before a cast). */
static int int_ok(const cJSON *v, double lo, double hi)
{
    return cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi &&
           v->valuedouble == floor(v->valuedouble);
}

/* A history (of a run or a task): absent, or a list of objects. */
static int history_ok(const cJSON *h)
{
    if (!h)
        return 1;
    if (!cJSON_IsArray(h))
        return 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, h)
        if (!cJSON_IsObject(e))
            return 0;
    return 1;
}

/* What is wrong with a record (state.h). A record comes from a file
 * anyone with access to the state directory can edit, or a disk can
 * damage: every field the readers use is checked here, before a cast or
 * a dereference relies on it. */
int biz_record_check(const cJSON *rec, char *err, size_t errlen)
{
    if (!cJSON_IsObject(rec)) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    static const char *const strings[] = { "run_id", "dag_id", "run_type", "logical_date" };
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        if (!jstr(rec, strings[i])) {
            snprintf(err, errlen, "no %s (a string)", strings[i]);
            return -1;
        }
    const char *state = jstr(rec, "state");
    int known = 0;
    for (size_t i = 0; state && i < BIZ_RUN__COUNT; i++)
        known |= strcmp(state, biz_run_state_names[i]) == 0;
    if (!known) {
        snprintf(err, errlen, state ? "state '%.40s' is not a run state" : "no state (a string)%s",
                 state ? state : "");
        return -1;
    }
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(rec, "pid");
    if (pid && !cJSON_IsNull(pid) && !int_ok(pid, 1, INT_MAX)) {
        snprintf(err, errlen, "pid is not a process id");
        return -1;
    }
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(rec, "run_number");
    if (num && !int_ok(num, 0, INT_MAX)) {
        snprintf(err, errlen, "run_number is not a count");
        return -1;
    }
    const char *times[] = { "logical_date", "data_interval_start", "data_interval_end",
                            "start_date", "end_date" };
    for (size_t i = 0; i < sizeof times / sizeof *times; i++)
        if (!time_ok(rec, times[i])) {
            snprintf(err, errlen, "%s is not a time", times[i]);
            return -1;
        }
    static const char *const versions[] = { "source_sha256", "bizc_version" };
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, versions[i]);
        if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
            snprintf(err, errlen, "%s is not a string", versions[i]);
            return -1;
        }
    }
    const cJSON *conf = cJSON_GetObjectItemCaseSensitive(rec, "conf");
    if (conf && !cJSON_IsObject(conf)) {
        snprintf(err, errlen, "conf is not an object");
        return -1;
    }
    if (!history_ok(cJSON_GetObjectItemCaseSensitive(rec, "history"))) {
        snprintf(err, errlen, "history is not a list of objects");
        return -1;
    }
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(rec, "tasks");
    if (!cJSON_IsObject(tasks)) {
        snprintf(err, errlen, tasks ? "tasks is not an object" : "no tasks");
        return -1;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, tasks) {
        const char *id = t->string ? t->string : "?";
        const char *ts = jstr(t, "state");
        const cJSON *v;
        if (!cJSON_IsObject(t)) {
            snprintf(err, errlen, "task '%.80s' is not an object", id);
            return -1;
        }
        if (state_from_name(ts) < 0) {
            snprintf(err, errlen, ts ? "task '%.80s': state '%.40s' is not a task state"
                                     : "task '%.80s': no state (a string)%s", id, ts ? ts : "");
            return -1;
        }
        /* A try count a resume goes on from: past a million, the next
         * try's number would be meaningless (and near INT_MAX, overflow). */
        v = cJSON_GetObjectItemCaseSensitive(t, "tries");
        if (v && !int_ok(v, 0, 1000000)) {
            snprintf(err, errlen, "task '%.80s': tries is not a count (0 to 1000000)", id);
            return -1;
        }
        if (!time_ok(t, "start_date") || !time_ok(t, "end_date")) {
            snprintf(err, errlen, "task '%.80s': start_date or end_date is not a time", id);
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(t, "duration");
        if (v && !cJSON_IsNull(v) && !(cJSON_IsNumber(v) && v->valuedouble >= 0)) {
            snprintf(err, errlen, "task '%.80s': duration is not a number of seconds", id);
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(t, "reason");
        if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
            snprintf(err, errlen, "task '%.80s': reason is not a string", id);
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(t, "xcom");
        if (v && !cJSON_IsObject(v)) {
            snprintf(err, errlen, "task '%.80s': xcom is not an object", id);
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(t, "branch");
        if (v && !cJSON_IsArray(v)) {
            snprintf(err, errlen, "task '%.80s': branch is not a list", id);
            return -1;
        }
        if (!history_ok(cJSON_GetObjectItemCaseSensitive(t, "history"))) {
            snprintf(err, errlen, "task '%.80s': history is not a list of objects", id);
            return -1;
        }
    }
    return 0;
}

/* Applies one task's record entry rt (NULL: none) to ti for --resume:
 * returns 1 when it runs again, 0 when it keeps its recorded state. */
/* Gives ti its recorded outcome (state sv, ntries tries): times, reason,
 * map label, XComs and branch. */
static void keep_recorded(biz_ti *ti, const cJSON *rt, biz_ti_state sv, int ntries)
{
    const char *reason = jstr(rt, "reason");
    biz_ti_set_state(ti, sv);
    ti->tries = ti->try_base = ntries;
    ti->first_start = biz_record_time(rt, "start_date");
    ti->end = biz_record_time(rt, "end_date");
    free(ti->reason);
    ti->reason = reason ? strdup(reason) : NULL;
    const char *label = jstr(rt, "rendered_map_index");
    if (label && ti->parent) {
        free(ti->map_label);
        ti->map_label = strdup(label);
    }
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(rt, "xcom");
    if (cJSON_IsObject(x)) {
        cJSON_Delete(ti->xcom);
        ti->xcom = biz_record_value(x);
        if (!ti->xcom)
            ti->xcom = cJSON_CreateObject();
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(rt, "branch");
    if (cJSON_IsArray(b)) {
        cJSON_Delete(ti->branch);
        ti->branch = cJSON_Duplicate(b, 1);
    }
}

static int record_tries(const cJSON *rt)
{
    const cJSON *tries = cJSON_GetObjectItemCaseSensitive(rt, "tries");
    return cJSON_IsNumber(tries) && tries->valueint > 0 ? tries->valueint : 0;
}

/* Applies one task's record entry rt (NULL: none) to ti for --resume:
 * returns 1 when it runs again, 0 when it keeps its recorded state. */
int biz_record_apply_task(biz_ti *ti, const cJSON *rt)
{
    int ntries = record_tries(rt);
    const char *st = jstr(rt, "state");
    int sv = state_from_name(st);
    if (!rt || sv < 0 || biz_record_should_rerun(st, jstr(rt, "reason"))) {
        /* Runs again; its try numbers (and log files) continue. */
        ti->tries = ti->try_base = ntries;
        return 1;
    }
    keep_recorded(ti, rt, (biz_ti_state)sv, ntries);
    return 0;
}

/* Applies a record to a fresh run for --resume. */
int biz_record_apply(biz_run *run, const cJSON *rec, char *err, size_t errlen)
{
    return biz_record_apply_clear(run, rec, NULL, "resume", err, errlen);
}

/* A copy of a history list of a record (NULL when there is none). */
static cJSON *history_of(const cJSON *o)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "history");
    return cJSON_IsArray(h) ? cJSON_Duplicate(h, 1) : NULL;
}

/* Appends to ti's history the outcome the record held for it, which the
 * coming try replaces: a rerun or a resume never forgets a try. */
static void remember_outcome(biz_ti *ti, const cJSON *rt, int ntries, const char *action)
{
    if (!rt || ntries <= 0)
        return;   /* never tried: nothing to remember */
    if (!ti->history)
        ti->history = cJSON_CreateArray();
    cJSON *e = cJSON_CreateObject();
    if (!ti->history || !e) {
        cJSON_Delete(e);
        return;
    }
    static const char *const keep[] = { "state", "tries", "start_date", "end_date", "duration",
                                        "reason" };
    for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rt, keep[k]);
        if (v)
            cJSON_AddItemToObject(e, keep[k], cJSON_Duplicate(v, 1));
    }
    char now[48];
    biz_state_iso_us(biz_run_wall_now(), now, sizeof now);
    cJSON_AddStringToObject(e, "cleared_by", action);
    cJSON_AddStringToObject(e, "cleared_at", now);
    cJSON_AddItemToArray(ti->history, e);
}

/* Applies a record to a fresh run, clearing the tasks in clear. */
int biz_record_apply_clear(biz_run *run, const cJSON *rec, const unsigned char *clear,
                           const char *action, char *err, size_t errlen)
{
    char why[200];
    if (biz_record_check(rec, why, sizeof why) < 0) {
        snprintf(err, errlen, "malformed run record: %s", why);
        return -1;
    }
    const char *dag_id = jstr(rec, "dag_id"), *run_id = jstr(rec, "run_id");
    const char *ld = jstr(rec, "logical_date");
    time_t t;
    long ld_us, iv_us = 0;
    if (!dag_id || !run_id || !ld || biz_isotime_parse_us(ld, &t, &ld_us) != 0) {
        snprintf(err, errlen, "malformed run record (no dag_id, run_id or logical_date)");
        return -1;
    }
    if (strcmp(dag_id, run->dag->dag_id) != 0) {
        snprintf(err, errlen, "the record is of DAG '%s', not '%s'", dag_id, run->dag->dag_id);
        return -1;
    }
    char *id = strdup(run_id);
    if (!id) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(run->run_id);
    run->run_id = id;
    run->logical_date = t;
    run->logical_us = (int)ld_us;
    const char *type = jstr(rec, "run_type");
    run->run_type = type && strcmp(type, "scheduled") == 0 ? "scheduled" : "manual";
    const char *s = jstr(rec, "data_interval_start"), *e = jstr(rec, "data_interval_end");
    if (!s || biz_isotime_parse_us(s, &run->interval_start, &iv_us) != 0)
        run->interval_start = t;
    if (!e || biz_isotime_parse(e, &run->interval_end) != 0)
        run->interval_end = run->interval_start;
    run->interval_us = (int)iv_us;
    cJSON *conf = biz_record_value(cJSON_GetObjectItemCaseSensitive(rec, "conf"));
    if (cJSON_IsObject(conf)) {
        cJSON_Delete(run->conf);
        run->conf = conf;
        conf = NULL;
    }
    cJSON_Delete(conf);
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(rec, "run_number");
    if (cJSON_IsNumber(num) && num->valueint > 0)
        run->run_number = num->valueint;
    double start = biz_record_time(rec, "start_date");
    if (start > 0)
        run->start_wall = start;

    cJSON_Delete(run->history);
    run->history = history_of(rec);
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(rec, "tasks");
    int rerun = 0;
    for (int i = 0; i < run->n; i++) {
        biz_ti *ti = run->tis[i];
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(tasks, ti->def->task_id);
        int ntries = record_tries(rt);
        const char *st = jstr(rt, "state"), *reason = jstr(rt, "reason");
        int sv = state_from_name(st);
        cJSON_Delete(ti->history);
        ti->history = history_of(rt);
        const cJSON *mapped = cJSON_GetObjectItemCaseSensitive(rt, "mapped");
        if (ti->map && !(clear && clear[i]) && cJSON_IsNumber(mapped) && mapped->valueint > 0 &&
            mapped->valueint <= 1000000) {
            /* A mapped task expands again, its instances that were kept
             * taking their record's state (map.h). */
            biz_map_keep_restore(ti, tasks, mapped->valueint);
            rerun++;
            continue;
        }
        /* A resume runs what did not succeed; a rerun what it clears (and
         * what never finished), keeping every other outcome, a failure
         * included, as Airflow's clear does. */
        int again = !rt || sv < 0 ||
                    (clear ? clear[i] || !biz_ti_state_finished((biz_ti_state)sv)
                           : biz_record_should_rerun(st, reason));
        if (again) {
            /* Runs again; its try numbers (and log files) continue. */
            remember_outcome(ti, rt, ntries, action);
            ti->tries = ti->try_base = ntries;
            rerun++;
            continue;
        }
        keep_recorded(ti, rt, (biz_ti_state)sv, ntries);
    }
    return rerun;
}

/* ---------------------------------------------------------------- the run log
 *
 * One file per run, logs/<run_id>.log, gets every line the run logs, debug
 * ones included, each tagged with its task and try as on the console
 * ("[extract #2] ..."): what a user reads after a failed cron run, as
 * Airflow's task logs, and what `grep '\[extract #2\]'` splits by try.
 * One file, not one per try: making a file costs more than an HTTP call
 * to a nearby service (about a millisecond on some disks), so a file per
 * try would make a 10,000-task run spend most of its time creating files.
 * Lines are buffered and written every LOG_MS, when the buffer is full,
 * and when the run is detached (its end, an interrupt): a kill -9 can lose
 * the last LOG_MS of log lines, never a line of the run's record. */

#define LOG_MS 100
#define LOG_BUF (64 * 1024)

/* ---------------------------------------------------------------- failed writes
 *
 * A run whose record is not true is worse than a run that stops: a resume
 * would repeat calls that were made, or skip calls that were not (issue
 * 10). So every failed write of the record, the journal or the run log
 * (EACCES, ENOSPC, EROFS, EIO, a short write, a failed fsync) ends here:
 * said once, naming the file and the error, and the run starts no task
 * from then on; runplan.c then exits with BIZ_EXIT_RECORD. The tries in
 * flight finish (killing them would lose their outcome as surely), and the
 * end of the run is written whole if the disk allows it; if it does not,
 * the last record written and its journal stay as they were. */

/* Marks the run failed and stops what would start tasks: the scheduling
 * pass, retries and the dagrun_timeout timer (whose tasks would be
 * skipped, which a resume would then rerun anyway). */
static void stop_starting(biz_run *run)
{
    if (run->state != BIZ_RUN_RUNNING)
        return;
    run->state = BIZ_RUN_FAILED;
    run->end_wall = biz_run_wall_now();
    biz_loop_timer_cancel(run->loop, run->pump_timer);
    run->pump_timer = 0;
    biz_loop_timer_cancel(run->loop, run->timeout_timer);
    run->timeout_timer = 0;
    for (int i = 0; i < run->n; i++) {
        biz_loop_timer_cancel(run->loop, run->tis[i]->retry_timer);
        run->tis[i]->retry_timer = 0;
    }
}

/* The store a run is attached to, for biz_record_failed. */
static biz_store *attached;

static void record_failed(biz_store *st, const char *path, int err)
{
    if (st->save_failed)
        return;
    st->save_failed = 1;
    st->fail_errno = err ? err : EIO;
    biz_run *run = st->run;
    int started = run && run->loop && run->state == BIZ_RUN_RUNNING;
    biz_log(BIZ_LOG_ERROR, "cannot write %s: %s; %s", path ? path : st->runs_dir,
            strerror(st->fail_errno),
            started ? "the run stops: no task starts from now on (exit status 5)"
                    : run && !run->loop && run->state == BIZ_RUN_RUNNING
                    ? "the run does not start: it could not be recorded (exit status 5)"
                    : "the record of the run may be incomplete (exit status 5)");
    if (started)
        stop_starting(run);
}

static void log_flush(biz_store *st)
{
    if (st->log_buf.n && st->log_fd >= 0 && write_all(st->log_fd, st->log_buf.p, st->log_buf.n) < 0) {
        int e = errno ? errno : EIO;
        /* No more lines to this file: the message below must not come
         * back here. */
        close(st->log_fd);
        st->log_fd = -2;
        biz_buf_clear(&st->log_buf);
        record_failed(st, st->log_path, e);
    }
    biz_buf_clear(&st->log_buf);
}

static long log_flush_cb(biz_loop *loop, void *user)
{
    (void)loop;
    biz_store *st = user;
    st->log_timer = 0;
    log_flush(st);
    return BIZ_LOOP_NOMORE;
}

/* Writes the buffered lines now, and forgets the pending flush. */
static void log_flush_now(biz_store *st)
{
    if (st->log_timer && st->run && st->run->loop)
        biz_loop_timer_cancel(st->run->loop, st->log_timer);
    st->log_timer = 0;
    log_flush(st);
}

static void log_close(biz_store *st)
{
    log_flush_now(st);
    if (st->log_fd >= 0)
        close(st->log_fd);
    st->log_fd = -1;
    biz_buf_free(&st->log_buf);
    free(st->log_path);
    st->log_path = NULL;
}

/* Opens the run's log (appending: a resumed run's lines follow); -2 when
 * it cannot be (said once: the message itself comes back here). */
static void log_open(biz_store *st)
{
    const char *path = st->log_path;
    st->log_fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
    if (st->log_fd < 0) {
        int e = path ? errno : ENOMEM;
        st->log_fd = -2;
        record_failed(st, path, e);
    } else if (st->umask_strips) {
        fchmod(st->log_fd, 0600);
    }
}

/* Appends a line to the run's log. */
static void log_sink(void *user, const char *time, biz_log_level level, const char *task,
                     int try, const char *msg)
{
    biz_store *st = user;
    if (!st->run)
        return;
    if (st->log_fd == -1)
        log_open(st);
    if (st->log_fd < 0)
        return;
    size_t need = strlen(time) + strlen(msg) + (task ? strlen(task) : 0) + 40;
    if (biz_buf_reserve(&st->log_buf, need) < 0) {
        st->log_buf.oom = 0;   /* this line is dropped, not the next ones */
        return;
    }
    /* Copied, not printed: a run logs several lines a task. The layout is
     * the console's: "TIME LEVEL [task #try] message". */
    char *p = st->log_buf.p + st->log_buf.n, num[16];
    size_t n;
#define PUT(str, len) (memcpy(p, (str), (len)), p += (len))
    PUT(time, strlen(time));
    *p++ = ' ';
    n = strlen(biz_log_level_names[level]);
    PUT(biz_log_level_names[level], n);
    for (; n < 6; n++)
        *p++ = ' ';
    if (task) {
        *p++ = '[';
        PUT(task, strlen(task));
        if (try > 0) {
            char *e = num + sizeof num, *d = e;
            for (unsigned v = (unsigned)try; v; v /= 10)
                *--d = (char)('0' + v % 10);
            PUT(" #", 2);
            PUT(d, (size_t)(e - d));
        }
        PUT("] ", 2);
    }
    PUT(msg, strlen(msg));
    *p++ = '\n';
    *p = '\0';
#undef PUT
    st->log_buf.n = (size_t)(p - st->log_buf.p);
    /* After the run's end, at once: a pending timer would keep the loop
     * (and the process) alive for nothing. */
    if (!st->run->loop || st->log_buf.n >= LOG_BUF || st->run->state != BIZ_RUN_RUNNING)
        log_flush(st);
    else if (!st->log_timer)
        st->log_timer = biz_loop_timer_add(st->run->loop, LOG_MS, log_flush_cb, st);
}

/* ---------------------------------------------------------------- recording
 *
 * A change is written when the loop is about to let curl act or to wait
 * (its before-I/O hook), not at once: the changes of one turn (a task's
 * end and its downstream tasks' starts, or a burst of 64 transfers
 * ending) become one write, and nothing a change caused (a request, a
 * command) leaves the process before the change is in the journal. */

static void before_io(void *user)
{
    biz_store *st = user;
    if (st->pending) {
        st->pending = 0;
        biz_store_save(st);
    }
}

static void on_change(biz_run *run)
{
    biz_store *st = run->store;
    if (run->loop && run->state == BIZ_RUN_RUNNING) {
        if (!st->hooked) {
            biz_loop_set_before_io(run->loop, before_io, st);
            st->hooked = run->loop;
        }
        st->pending = 1;
        return;
    }
    st->pending = 0;
    biz_store_save(st);
    if (run->state != BIZ_RUN_RUNNING)
        log_flush_now(st);
}

/* Before a task starts: what ended it is written first, so that a task
 * never starts once the record has failed (record_failed stops the run).
 * The try's own start is written by the before-I/O hook, just before its
 * request or command leaves: if the disk fills in between, that one try
 * runs unrecorded, and the run stops after it. */
static int before_start(biz_run *run)
{
    biz_store *st = run->store;
    if (st->save_failed)
        return -1;
    if (run->changed.n > 0 || (int)run->state != st->written_state) {
        st->pending = 0;
        if (biz_store_save(st) < 0)
            return -1;
    }
    return 0;
}

/* A failed write of a file of the attached run made elsewhere (state.h). */
void biz_record_failed(const char *path, int err)
{
    if (attached && attached->run)
        record_failed(attached, path, err);
    else
        biz_log(BIZ_LOG_ERROR, "cannot write %s: %s", path ? path : "?", strerror(err ? err : EIO));
}

/* Attaches run: its changes are recorded, its lines logged. */
void biz_store_attach(biz_store *st, biz_run *run)
{
    st->run = run;
    st->save_failed = 0;
    st->fail_errno = 0;
    st->journal_dead = 0;
    st->journal_len = 0;
    st->journal_fd = -1;
    st->need_sync = 0;
    st->base_fd = -1;
    st->synced = 0;
    st->dir_synced = 0;
    st->sync_timer = 0;
    st->written_state = -1;
    st->compacted = 0;
    st->pending = 0;
    st->hooked = NULL;
    st->log_fd = -1;
    biz_buf_clear(&st->log_buf);
    free(st->log_path);
    st->log_path = biz_store_log_path(st, run->run_id);
    biz_buf_free(st->log_json);
    mode_t u = umask(0);
    umask(u);
    st->umask_strips = (u & 0600) != 0;
    run->store = st;
    run->on_change = on_change;
    run->before_start = before_start;
    attached = st;
    biz_log_set_sink(log_sink, st);
}

static char *journal_path(const biz_store *st, const char *run_id)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s.journal", st->runs_dir, run_id) < 0)
        return NULL;
    return p;
}

/* Hands fd to the syncer thread; when it cannot take it, syncs it here.
 * -1 when that sync failed (reported). */
static int sync_file(biz_store *st, int fd, const char *path)
{
    if (fd < 0 || biz_syncer_post(fd, path) == 0)
        return 0;
    if (fsync(fd) == 0)
        return 0;
    record_failed(st, path, errno);
    return -1;
}

/* Makes the run's files durable, off the loop (syncer.h): the journal, and
 * the first time the base record and the directory entries of both. From
 * then on the record is replaced durably (biz_store_save). */
static void sync_now(biz_store *st)
{
    if (st->journal_fd < 0 || !st->need_sync)
        return;
    st->need_sync = 0;
    char *p = journal_path(st, st->run->run_id);
    if (st->base_fd >= 0) {
        char *rec = NULL;
        if (asprintf(&rec, "%s/%s.json", st->runs_dir, st->run->run_id) < 0)
            rec = NULL;
        sync_file(st, st->base_fd, rec ? rec : st->runs_dir);
        free(rec);
        close(st->base_fd);
        st->base_fd = -1;
    }
    if (!st->dir_synced) {   /* the journal's name, and the base's */
        sync_file(st, st->runs_fd, st->runs_dir);
        st->dir_synced = 1;
    }
    sync_file(st, st->journal_fd, p);
    free(p);
    st->synced = 1;
}

/* Reports a sync the thread could not make (once, as a failed write). */
static void check_syncs(biz_store *st)
{
    char name[512];
    int e = biz_syncer_failure(name, sizeof name);
    if (e)
        record_failed(st, name, e);
}

static void cancel_sync(biz_store *st)
{
    if (st->sync_timer && st->run && st->run->loop)
        biz_loop_timer_cancel(st->run->loop, st->sync_timer);
    st->sync_timer = 0;
}

static long sync_cb(biz_loop *loop, void *user)
{
    (void)loop;
    biz_store *st = user;
    st->sync_timer = 0;
    sync_now(st);
    return BIZ_LOOP_NOMORE;
}

/* Closes the journal; removes it when asked (the record was written
 * whole), else hands its last lines to the syncer. */
static void journal_close(biz_store *st, int remove_it)
{
    cancel_sync(st);
    if (!remove_it)
        sync_now(st);
    if (st->journal_fd >= 0)
        close(st->journal_fd);
    st->journal_fd = -1;
    if (st->base_fd >= 0)
        close(st->base_fd);
    st->base_fd = -1;
    if (remove_it && st->run) {
        char *p = journal_path(st, st->run->run_id);
        if (p)
            unlink(p);
        free(p);
    }
}

/* Stops recording. */
void biz_store_detach(biz_store *st)
{
    if (!st || !st->run)
        return;
    if (st->pending) {
        st->pending = 0;
        biz_store_save(st);
    }
    if (st->hooked && st->hooked == st->run->loop)
        biz_loop_set_before_io(st->hooked, NULL, NULL);
    st->hooked = NULL;
    log_close(st);
    journal_close(st, 0);
    st->run->on_change = NULL;
    st->run->before_start = NULL;
    st->run->store = NULL;
    st->run = NULL;
    if (attached == st)
        attached = NULL;
    biz_log_set_sink(NULL, NULL);
}

/* Forgets what changed: all of it is in what was just written. */
static void clear_changed(biz_run *run)
{
    for (int i = 0; i < run->changed.n; i++)
        run->tis[run->changed.v[i]]->dirty = 0;
    run->changed.n = 0;
}

/* Writes the whole record; with journal_gen (> 0) it is the base of a
 * journal of that generation. durable: fsync before the rename, and of
 * the directory after it. keep: the new file stays open there (not
 * durable: for a later sync), else NULL. */
static int write_record(biz_store *st, long journal_gen, int durable, int *keep)
{
    biz_run *run = st->run;
    biz_buf b = { 0 };
    tb_record(&b, run, st, journal_gen);
    char *name = NULL, *path = NULL;
    int rc = -1, e = ENOMEM;
    if (!b.oom && b.p && asprintf(&name, "%s.json", run->run_id) >= 0) {
        rc = write_atomic(st->runs_dir, st->runs_fd, name, b.p, durable, keep);
        e = errno;
    }
    if (rc < 0) {
        path = name ? join(st->runs_dir, name) : NULL;
        record_failed(st, path ? path : st->runs_dir, e);
    } else {
        clear_changed(run);
        st->written_state = (int)run->state;
    }
    free(path);
    free(name);
    biz_buf_free(&b);
    return rc;
}

/* Starts the run's journal: the base record, then the journal's first
 * line, its generation. The base is not synced here: the run's first
 * sync (sync_now) takes it with the journal, off the loop. A record this
 * one replaces (a resumed run's) was on disk: it is replaced durably, so
 * that no power loss leaves less than there was. */
static int journal_start(biz_store *st)
{
    st->gen = (long)getpid() * 1000003L + (long)(biz_run_wall_now() * 1000) % 1000003L;
    if (st->gen <= 0)
        st->gen = 1;
    char *rec = NULL;
    int replaces = asprintf(&rec, "%s/%s.json", st->runs_dir, st->run->run_id) >= 0 &&
                   access(rec, F_OK) == 0;
    free(rec);
    if (write_record(st, st->gen, replaces, replaces ? NULL : &st->base_fd) < 0)
        return -1;
    st->synced = replaces;
    char *path = journal_path(st, st->run->run_id);
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600) : -1;
    char line[64];
    int n = snprintf(line, sizeof line, "{\"gen\":%ld}\n", st->gen);
    if (fd < 0 || fchmod(fd, 0600) < 0 || write_all(fd, line, (size_t)n) < 0) {
        int e = path ? errno : ENOMEM;
        if (fd >= 0)
            close(fd);
        st->journal_dead = 1;
        record_failed(st, path, e);
        free(path);
        return -1;
    }
    free(path);
    st->journal_fd = fd;
    st->journal_len = n;
    return 0;
}

/* Appends one line per changed task, and the run's state when it changed. */
static int journal_append(biz_store *st)
{
    biz_run *run = st->run;
    biz_buf *b = st->jbuf;
    biz_buf_clear(b);
    int finished = 0;
    for (int i = 0; i < run->changed.n; i++) {
        const biz_ti *ti = run->tis[run->changed.v[i]];
        /* A task becoming ready is not a line: a resume decides that
         * again, and the line would cost as much as its start's. */
        if (ti->state == BIZ_TI_SCHEDULED || ti->state == BIZ_TI_QUEUED)
            continue;
        TB_LIT(b, "{\"t\": ");
        tb_str(b, ti->def->task_id);
        TB_LIT(b, ", \"v\": ");
        if (!st->log_json->p)
            log_json(st->log_json, st->log_path);
        tb_task(b, ti, st->log_json);
        TB_LIT(b, "}\n");
        finished |= biz_ti_state_finished(ti->state);
    }
    if ((int)run->state != st->written_state) {
        biz_buf_printf(b, "{\"run\": {\"state\": \"%s\", ", biz_run_state_names[run->state]);
        tb_time(b, "end_date", run->state == BIZ_RUN_RUNNING ? 0 : run->end_wall);
        TB_LIT(b, "}}\n");
        finished = 1;
    }
    int e = 0;
    if (b->oom) {
        b->oom = 0;
        e = ENOMEM;
    } else if (b->n && write_all(st->journal_fd, b->p, b->n) < 0) {
        e = errno ? errno : EIO;
    }
    if (e) {
        /* A line cut by a full disk would make the reader stop there
         * anyway; cutting it off keeps the journal a list of whole lines.
         * The journal takes no more lines: the changes it missed would be
         * applied out of order. The record is written whole at the end,
         * if the disk lets it. */
        if (ftruncate(st->journal_fd, (off_t)st->journal_len) < 0) {
            /* Nothing more to do: a reader drops a cut last line. */
        }
        close(st->journal_fd);
        st->journal_fd = -1;
        st->journal_dead = 1;
        char *p = journal_path(st, run->run_id);
        record_failed(st, p, e);
        free(p);
        return -1;
    }
    st->journal_len += (long)b->n;
    st->written_state = (int)run->state;
    clear_changed(run);
    if (finished) {
        st->need_sync = 1;
        if (!run->loop)
            sync_now(st);
        else if (!st->sync_timer)
            st->sync_timer = biz_loop_timer_add(run->loop, SYNC_MS, sync_cb, st);
    }
    return 0;
}

/* Records the attached run's changes now (state.h). */
int biz_store_save(biz_store *st)
{
    if (!st || !st->run)
        return 0;
    biz_run *run = st->run;
    check_syncs(st);
    if (run->state != BIZ_RUN_RUNNING) {
        /* Ended: the record whole, then no more journal. Durably once the
         * run's files were synced (what is on disk is replaced only by
         * what is on disk too); before that -- a run that ended within
         * SYNC_MS of its first finished task -- nothing of it was durable
         * and the executable does not wait for the disk: the file's
         * writeback is started, the file system does the rest (state.h). */
        if (st->compacted && run->changed.n == 0 && st->written_state == (int)run->state)
            return 0;
        int fd = -1;
        if (write_record(st, 0, st->synced, st->synced ? NULL : &fd) < 0) {
            /* The base record and its journal stay: the run's end goes in
             * the journal while it takes lines, so the record still tells
             * what happened. */
            if (st->journal_fd >= 0 && !st->journal_dead)
                journal_append(st);
            return -1;
        }
        if (fd >= 0) {
            sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
            close(fd);
        }
        st->compacted = 1;
        journal_close(st, 1);
        return 0;
    }
    st->compacted = 0;
    if (st->journal_dead)
        return -1;   /* the run is stopping (record_failed): only its end is written */
    if (st->journal_fd < 0)
        return journal_start(st);
    return journal_append(st);
}

/* Applies the journal of a record's run (a running or killed run) to rec. */
static void journal_apply(const biz_store *st, cJSON *rec)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(rec, "journal_gen");
    const char *id = jstr(rec, "run_id");
    if (!cJSON_IsNumber(g) || !id)
        return;
    char *path = journal_path(st, id);
    char *text = path ? read_file(path) : NULL;
    free(path);
    cJSON *tasks = cJSON_GetObjectItemCaseSensitive(rec, "tasks");
    int first = 1;
    for (char *line = text, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = 0;   /* a last line without its newline was cut by a kill: left out */
        cJSON *l = cJSON_Parse(line);
        if (!l)
            break;
        if (first) {
            const cJSON *lg = cJSON_GetObjectItemCaseSensitive(l, "gen");
            first = 0;
            if (!cJSON_IsNumber(lg) || lg->valuedouble != g->valuedouble) {
                cJSON_Delete(l);
                break;   /* an older process's journal */
            }
        }
        const char *t = jstr(l, "t");
        cJSON *v = cJSON_GetObjectItemCaseSensitive(l, "v");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(l, "run");
        if (t && cJSON_IsObject(v) && cJSON_IsObject(tasks)) {
            cJSON *nv = cJSON_DetachItemViaPointer(l, v);
            if (cJSON_GetObjectItemCaseSensitive(tasks, t))
                cJSON_ReplaceItemInObjectCaseSensitive(tasks, t, nv);
            else
                cJSON_AddItemToObject(tasks, t, nv);
        } else if (cJSON_IsObject(r)) {
            const cJSON *kv;
            cJSON_ArrayForEach(kv, r) {
                /* Only what the writer puts there: a damaged journal must
                 * not replace the tasks or the run id. */
                if (strcmp(kv->string, "state") != 0 && strcmp(kv->string, "end_date") != 0)
                    continue;
                cJSON *c = cJSON_Duplicate(kv, 1);
                if (cJSON_GetObjectItemCaseSensitive(rec, kv->string))
                    cJSON_ReplaceItemInObjectCaseSensitive(rec, kv->string, c);
                else
                    cJSON_AddItemToObject(rec, kv->string, c);
            }
        }
        cJSON_Delete(l);
    }
    free(text);
}

/* The record of run_id. */
cJSON *biz_store_load(const biz_store *st, const char *run_id, char *err, size_t errlen)
{
    if (!biz_state_run_id_ok(run_id)) {
        snprintf(err, errlen, "'%s' is not a run id", run_id);
        return NULL;
    }
    char *name = NULL;
    if (asprintf(&name, "%s/%s.json", st->runs_dir, run_id) < 0) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char *text = read_file(name);
    if (!text) {
        snprintf(err, errlen, errno == ENOENT ? "no run '%s' (see --runs)" : "cannot read run '%s': %s",
                 run_id, strerror(errno));
        free(name);
        return NULL;
    }
    cJSON *rec = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(rec)) {
        snprintf(err, errlen, "the record %s is not valid JSON", name);
        cJSON_Delete(rec);
        rec = NULL;
    } else {
        journal_apply(st, rec);
    }
    free(name);
    return rec;
}

static int by_start(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    double s = biz_record_time(x, "start_date"), t = biz_record_time(y, "start_date");
    if (s != t)
        return s < t ? -1 : 1;
    const char *p = jstr(x, "run_id"), *q = jstr(y, "run_id");
    return strcmp(p ? p : "", q ? q : "");
}

/* Every record, oldest start first. */
cJSON *biz_store_list(const biz_store *st)
{
    cJSON *out = cJSON_CreateArray();
    DIR *d = opendir(st->runs_dir);
    if (!d || !out)
        return out;
    cJSON **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char *path = join(st->runs_dir, e->d_name);
        char *text = path ? read_file(path) : NULL;
        cJSON *rec = text ? cJSON_Parse(text) : NULL;
        free(text);
        if (!cJSON_IsObject(rec) || !jstr(rec, "run_id")) {
            biz_log(BIZ_LOG_WARN, "ignoring %s: not a run record", path ? path : e->d_name);
            cJSON_Delete(rec);
            free(path);
            continue;
        }
        free(path);
        journal_apply(st, rec);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            cJSON **nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                cJSON_Delete(rec);
                break;
            }
            v = nv;
        }
        v[n++] = rec;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof *v, by_start);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(out, v[i]);
    free(v);
    return out;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* How many record files runs/ holds (read from the directory alone). */
static int count_records(const biz_store *st)
{
    DIR *d = opendir(st->runs_dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        n += e->d_name[0] != '.' && len >= 6 && strcmp(e->d_name + len - 5, ".json") == 0;
    }
    closedir(d);
    return n;
}

/* Removes the oldest records and their logs beyond keep. */
int biz_store_prune(biz_store *st, int keep, const char *keep_id)
{
    if (keep <= 0 || count_records(st) <= keep)
        return 0;   /* nothing to remove: no record needs reading */
    cJSON *all = biz_store_list(st);
    int n = cJSON_GetArraySize(all), removed = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, all) {
        if (n - removed <= keep)
            break;
        const char *id = jstr(rec, "run_id");
        if (!biz_state_run_id_ok(id) || (keep_id && strcmp(id, keep_id) == 0))
            continue;
        char *path = NULL, *logs = NULL, *c = component(id);
        if (asprintf(&path, "%s/%s.json", st->runs_dir, id) >= 0 && unlink(path) == 0) {
            removed++;
            char *j = journal_path(st, id);
            if (j)
                unlink(j);   /* a killed run's */
            free(j);
            char *log = biz_store_log_path(st, id);
            if (log)
                unlink(log);
            free(log);
            /* A folder of per-try logs, as earlier versions wrote them. */
            if (c && asprintf(&logs, "%s/%s", st->logs_dir, c) >= 0)
                nftw(logs, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        }
        free(path);
        free(logs);
        free(c);
    }
    cJSON_Delete(all);
    if (removed && st->runs_fd >= 0)
        fsync(st->runs_fd);
    return removed;
}

/* Removes temp files a killed writer left behind. */
void biz_store_clean_temp(biz_store *st)
{
    DIR *d = opendir(st->runs_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0) {
            char *p = join(st->runs_dir, e->d_name);
            if (p)
                unlink(p);
            free(p);
        }
    closedir(d);
}
