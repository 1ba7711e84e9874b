/* store.c: the store of a DAG's runs in the state directory: opening it,
 * the run's log file, recording an attached run (base record, journal,
 * the sync thread), loading, listing and pruning records (see state.h for
 * the layout and the rules). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "state.h"
#include "state_int.h"
#include "syncer.h"
#include "log.h"
#include "buf.h"

#define SYNC_MS 100            /* the longest a finished task waits for its fsync */


/* ---------------------------------------------------------------- the store */

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
    st->dag_dir = biz_state_join(root, dag_id);
    st->runs_dir = st->dag_dir ? biz_state_join(st->dag_dir, "runs") : NULL;
    st->logs_dir = st->dag_dir ? biz_state_join(st->dag_dir, "logs") : NULL;
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

static void log_flush(biz_store *st)
{
    if (st->log_buf.n && st->log_fd >= 0 &&
        biz_state_write_all(st->log_fd, st->log_buf.p, st->log_buf.n) < 0) {
        int e = errno ? errno : EIO;
        /* No more lines to this file: the message below must not come
         * back here. */
        close(st->log_fd);
        st->log_fd = -2;
        biz_buf_clear(&st->log_buf);
        biz_record_failed_in(st, st->log_path, e);
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
        biz_record_failed_in(st, path, e);
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
 * never starts once the record has failed (biz_record_failed_in stops the run).
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
    biz_record_attached = st;
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
    biz_record_failed_in(st, path, errno);
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
        biz_record_failed_in(st, name, e);
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
    if (biz_record_attached == st)
        biz_record_attached = NULL;
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
    biz_record_tb_record(&b, run, st, journal_gen);
    char *name = NULL, *path = NULL;
    int rc = -1, e = ENOMEM;
    if (!b.oom && b.p && asprintf(&name, "%s.json", run->run_id) >= 0) {
        rc = biz_state_write_atomic_keep(st->runs_dir, st->runs_fd, name, b.p, durable, keep);
        e = errno;
    }
    if (rc < 0) {
        path = name ? biz_state_join(st->runs_dir, name) : NULL;
        biz_record_failed_in(st, path ? path : st->runs_dir, e);
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
    if (fd < 0 || fchmod(fd, 0600) < 0 || biz_state_write_all(fd, line, (size_t)n) < 0) {
        int e = path ? errno : ENOMEM;
        if (fd >= 0)
            close(fd);
        st->journal_dead = 1;
        biz_record_failed_in(st, path, e);
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
        biz_record_tb_str(b, ti->def->task_id);
        TB_LIT(b, ", \"v\": ");
        if (!st->log_json->p)
            biz_record_log_json(st->log_json, st->log_path);
        biz_record_tb_task(b, ti, st->log_json);
        TB_LIT(b, "}\n");
        finished |= biz_ti_state_finished(ti->state);
    }
    if ((int)run->state != st->written_state) {
        biz_buf_printf(b, "{\"run\": {\"state\": \"%s\", ", biz_run_state_names[run->state]);
        biz_record_tb_time(b, "end_date", run->state == BIZ_RUN_RUNNING ? 0 : run->end_wall);
        TB_LIT(b, "}}\n");
        finished = 1;
    }
    int e = 0;
    if (b->oom) {
        b->oom = 0;
        e = ENOMEM;
    } else if (b->n && biz_state_write_all(st->journal_fd, b->p, b->n) < 0) {
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
        biz_record_failed_in(st, p, e);
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
        return -1;   /* the run is stopping (biz_record_failed_in): only its end is written */
    if (st->journal_fd < 0)
        return journal_start(st);
    return journal_append(st);
}

/* Applies the journal of a record's run (a running or killed run) to rec. */
static void journal_apply(const biz_store *st, cJSON *rec)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(rec, "journal_gen");
    const char *id = biz_record_jstr(rec, "run_id");
    if (!cJSON_IsNumber(g) || !id)
        return;
    char *path = journal_path(st, id);
    char *text = path ? biz_state_read_file(path) : NULL;
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
        const char *t = biz_record_jstr(l, "t");
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
    char *text = biz_state_read_file(name);
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
    const char *p = biz_record_jstr(x, "run_id"), *q = biz_record_jstr(y, "run_id");
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
        char *path = biz_state_join(st->runs_dir, e->d_name);
        char *text = path ? biz_state_read_file(path) : NULL;
        cJSON *rec = text ? cJSON_Parse(text) : NULL;
        free(text);
        if (!cJSON_IsObject(rec) || !biz_record_jstr(rec, "run_id")) {
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
        const char *id = biz_record_jstr(rec, "run_id");
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
            char *p = biz_state_join(st->runs_dir, e->d_name);
            if (p)
                unlink(p);
            free(p);
        }
    closedir(d);
}
