/* state.h: the state directory: one JSON record and one log file per run,
 * pruning of old runs.
 *
 * Layout, per DAG under the state directory:
 *     <state>/<dag_id>/lock                          (lock.h)
 *     <state>/<dag_id>/runs/<run_id>.json            the run's record
 *     <state>/<dag_id>/runs/<run_id>.journal         while it runs
 *     <state>/<dag_id>/logs/<run_id>.log             every line of the run
 * Directories are made 0700 and files 0600 whatever the umask.
 *
 * A run's cost must not grow with its DAG at every change, so a running
 * run is a base record plus a journal: the whole record is written once
 * when the run starts (atomically: temp file, rename), then the changes of
 * each turn of the event loop append one line per changed task (its whole
 * entry; a task becoming ready is not a line: a resume decides that again)
 * and per change of the run's state to the journal, with one write(2),
 * made before the loop lets a request out, forks or waits (its before-I/O
 * hook): a SIGKILL loses nothing that something outside the process could
 * have seen. When the run ends the record is written whole again
 * (compacted) and the journal removed. The base record names its
 * journal's generation ("journal_gen", also the journal's first line), so
 * a journal left by an earlier process is never applied to a newer base.
 * Readers (biz_store_load, biz_store_list) apply the journal.
 *
 * Durability (power loss) is the syncer thread's (syncer.h): the loop
 * never waits for the disk while tasks run. SYNC_MS after a task finished
 * (one sync for all the task ends of that time), the journal is handed to
 * it -- the first time with the base record and the directory -- and from
 * then on the record is replaced durably (fsync of the new file before the
 * rename, of the directory after it), at the run's end too, so what was on
 * disk is replaced only by what is on disk. A record a run replaces when
 * it starts (a resumed run's) is replaced durably too. A run that ends
 * before its first sync (within SYNC_MS of its first finished task) wrote
 * nothing durable and does not wait for the disk when it exits: its
 * files' writeback is started and the file system writes them (ext4
 * commits every 5 s). So a power loss can lose: the task ends of the last
 * SYNC_MS and those the syncer was writing, which a resume runs again; a
 * run that ended in the seconds before it, when it never reached its
 * first sync (its record then reads as missing or unreadable, the interval
 * as not run). It cannot lose a task end that was synced, nor turn a
 * record that was on disk into one that does not read.
 *
 * String values of messages pass through the log module's secret redaction;
 * data (conf, XComs) holding a secret is sealed; task arguments are never
 * written.
 *
 * Ownership: a biz_store owns its paths; biz_store_attach borrows the run
 * until biz_store_detach. Functions returning cJSON or char * return new
 * values the caller frees.
 */
#ifndef BIZ_STATE_H
#define BIZ_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "run.h"

/* The version of the record's layout ("format" in each record). */
#define BIZ_RECORD_FORMAT 1


typedef struct biz_store {
    char *root;        /* the state directory */
    char *dag_dir;     /* <root>/<dag_id> */
    char *runs_dir;    /* <dag_dir>/runs */
    char *logs_dir;    /* <dag_dir>/logs */
    int runs_fd;       /* runs_dir open, to fsync renames into it */
    biz_run *run;      /* the attached run, or NULL */
    int save_failed;   /* a write failed (reported once; the run stops) */
    int fail_errno;    /* the error of that write */
    int journal_dead;  /* the journal failed: it takes no more lines */
    long journal_len;  /* the journal's bytes of whole lines */
    int journal_fd;    /* the running run's journal, or -1 */
    long gen;          /* its generation */
    int need_sync;     /* a finished task is in the journal, not yet fsynced */
    int base_fd;       /* the base record, open until the run's first sync */
    int synced;        /* the run's files were handed to the syncer (or were
                        * on disk before): the record is replaced durably */
    int dir_synced;    /* runs/ was handed to the syncer for this run */
    uint64_t sync_timer;  /* the pending grouped fsync, or 0 */
    int written_state; /* the run state last written (journal or record) */
    int compacted;     /* the record was written whole since the run ended */
    int pending;       /* changes not written yet (written before I/O) */
    struct biz_loop *hooked;   /* the loop whose before-I/O hook is ours */
    struct biz_buf *jbuf;      /* the journal's text, reused (store.c) */
    struct biz_buf *log_json;  /* log_path as a JSON string, made once */
    char *log_path;    /* the attached run's log file */
    int log_fd;        /* it open; -1: not yet, -2: cannot be */
    biz_buf log_buf;   /* its lines not written yet */
    uint64_t log_timer;        /* the pending flush of those lines, or 0 */
    int umask_strips;          /* the umask takes bits of 0600: fchmod */
} biz_store;

/* The state directory: opt (--state-dir) if set, else $BIZ_STATE_DIR, else
 * $XDG_STATE_HOME/biz, else $HOME/.local/state/biz. Made absolute. 0, or -1
 * with a message. */
int biz_state_dir_resolve(const char *opt, char *out, size_t len, char *err, size_t errlen);

/* mkdir -p with mode 0700 for every directory it makes. 0 or -1 (errno). */
int biz_state_mkdirs(const char *path);

/* Opens (making them) the DAG's directories under root. NULL with a
 * message on failure. */
biz_store *biz_store_open(const char *root, const char *dag_id, char *err, size_t errlen);
/* Opens the DAG's directories for reading only (makes nothing); NULL when
 * the DAG has no state yet (err says so). */
biz_store *biz_store_open_ro(const char *root, const char *dag_id, char *err, size_t errlen);
void biz_store_close(biz_store *st);

/* True when s is usable as a run id in a file name (no '/', not starting
 * with '.', not empty, printable). */
int biz_state_run_id_ok(const char *s);

/* The path of a run's log file, logs/<run_id>.log (malloc'd): every line
 * the run logged, debug ones too, each tagged "[task #try]". */
char *biz_store_log_path(const biz_store *st, const char *run_id);

/* Writes text to dir/name atomically (temp file, rename), mode 0600; when
 * durable, also fsyncs the file before the rename and dirfd (when >= 0)
 * after it. 0 or -1 (errno). */
int biz_state_write_atomic(const char *dir, int dirfd, const char *name, const char *text,
                           int durable);

/* The record of run as JSON (secrets redacted). st gives log paths (NULL:
 * none written). */
cJSON *biz_record_from_run(const biz_run *run, const biz_store *st);

/* What is wrong with a record (a file anyone may have edited): types and
 * ranges of every field the readers use (run_id, dag_id, run_type, state,
 * pid, times, conf, tasks and each task's state, tries up to 1000000,
 * times, reason, xcom, branch). 0, or -1 with the first problem in err. */
int biz_record_check(const cJSON *rec, char *err, size_t errlen);

/* Whether a task found in a record in state (with reason) runs again on
 * --resume: failed, upstream_failed and every unfinished state do; success
 * does not, skipped neither unless dagrun_timeout skipped it. */
int biz_record_should_rerun(const char *state, const char *reason);

/* Applies a record to a fresh run of the same DAG for --resume: run id,
 * run type, logical date, data interval, conf and run number from the
 * record; tasks that succeeded or were skipped keep their state, tries,
 * times and XComs; the others start again (their try numbers continue).
 * Returns how many tasks will run again, or -1 with a message. */
int biz_record_apply(biz_run *run, const cJSON *rec, char *err, size_t errlen);

/* biz_record_apply for a rerun (runplan.c): the tasks i with clear[i]
 * set run again, and those the record has unfinished; every other task
 * keeps its outcome, failed included (clear NULL: what biz_record_apply
 * does). Each task that runs again and was tried has its recorded outcome
 * appended to its "history" with action ("resume" or "rerun") and the
 * time; the run's and the tasks' histories in rec are carried over. */
int biz_record_apply_clear(biz_run *run, const cJSON *rec, const unsigned char *clear,
                           const char *action, char *err, size_t errlen);
/* Applies one task's entry rt of a record (NULL: none) to ti as
 * biz_record_apply does: 1 when the task runs again, 0 when it keeps its
 * recorded state, tries, times and XComs, -1 out of memory. */
int biz_record_apply_task(biz_ti *ti, const cJSON *rt);

/* Attaches run to st: its changes are recorded (base record and journal,
 * see above), every line it logs goes to the run's log file. */
void biz_store_attach(biz_store *st, biz_run *run);
/* A failed write of a file that belongs to the attached run's record (a
 * log an operator writes itself): reported as the store's own failures
 * are, once, naming path and the error; the run starts no task from then
 * on and exits with status 5 (runplan.h). Without an attached run, only
 * the message. */
void biz_record_failed(const char *path, int err);

/* Stops recording: fsyncs and closes the journal, if any. */
void biz_store_detach(biz_store *st);
/* Records the attached run's changes now: the base record the first time,
 * then journal lines for what changed; the whole record, durably, once the
 * run has ended. 0 or -1 (reported once). */
int biz_store_save(biz_store *st);

/* The record of run_id (parsed), or NULL with a message. */
cJSON *biz_store_load(const biz_store *st, const char *run_id, char *err, size_t errlen);

/* Every record, oldest start first (a JSON array; unreadable files are
 * left out with a warning). */
cJSON *biz_store_list(const biz_store *st);

/* Removes the oldest records and their logs beyond keep (keep <= 0: keep
 * all), never the run keep_id. Returns how many were removed. */
int biz_store_prune(biz_store *st, int keep, const char *keep_id);

/* Removes temp files a killed writer left in runs/ (hold the lock). */
void biz_store_clean_temp(biz_store *st);

/* A record's time field ("2024-01-01T00:00:00.123456+00:00") in seconds,
 * 0 when absent or malformed. */
double biz_record_time(const cJSON *rec, const char *field);
/* A value the record holds (its conf, a task's xcom) as it was stored: a
 * value sealed because it held a secret is opened. New value; NULL when
 * v is NULL or its seal is broken. */
cJSON *biz_record_value(const cJSON *v);

/* Whether v (a conf or an xcom of a record) is stored sealed: it held a
 * secret, and what shows it must not open it (report.c). */
int biz_record_sealed(const cJSON *v);

/* Formats wall seconds as "YYYY-MM-DDTHH:MM:SS.ffffff+00:00" (microseconds
 * left out when zero, as Python's isoformat does). */
void biz_state_iso_us(double t, char *buf, size_t len);

#endif
