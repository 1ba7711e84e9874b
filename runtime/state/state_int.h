/* state_int.h: what statefs.c, record.c and store.c share, inside
 * runtime/state/ only (state.h is the interface of all three). */
#ifndef BIZ_STATE_INT_H
#define BIZ_STATE_INT_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "run.h"
#include "state.h"

/* The name of a temp file biz_state_write_atomic writes begins so. */
#define TEMP_PREFIX ".tmp-"

/* Appends a string literal (its length known at compile time). The
 * record's pieces go through biz_buf_add, inline: a record or a journal
 * line is made of many short pieces, and the call cost more than the
 * copy. */
#define TB_LIT(b, lit) biz_buf_add((b), "" lit, sizeof(lit) - 1)

/* ---------------------------------------------------------------- statefs.c */

/* "a/b" (malloc'd), NULL when out of memory. */
char *biz_state_join(const char *a, const char *b);
/* Writes n bytes of p to fd (EINTR retried). 0 or -1 (errno). */
int biz_state_write_all(int fd, const char *p, size_t n);
/* biz_state_write_atomic; with keep (not NULL), the new file stays open
 * (read-write) in *keep for a later sync, else -1. */
int biz_state_write_atomic_keep(const char *dir, int dirfd, const char *name, const char *text,
                                int durable, int *keep);
/* Reads a whole file; malloc'd, NULL on error. */
char *biz_state_read_file(const char *path);
/* biz_state_iso_us into out (len bytes, NUL included); returns the text's
 * length. */
size_t biz_state_iso_us_into(double t, char *out, size_t len);

/* ---------------------------------------------------------------- record.c */

/* The record's text writer, which the journal's lines share: a JSON
 * string, "name": time, a task's entry, the run log's path as JSON, the
 * whole record. */
void biz_record_tb_str(biz_buf *b, const char *s);
void biz_record_tb_time(biz_buf *b, const char *name, double t);
void biz_record_tb_task(biz_buf *b, const biz_ti *ti, const biz_buf *log);
void biz_record_log_json(biz_buf *b, const char *path);
void biz_record_tb_record(biz_buf *b, const biz_run *run, const biz_store *st, long journal_gen);
/* The string member name of o, NULL when it is not one. */
const char *biz_record_jstr(const cJSON *o, const char *name);

/* The store a run is attached to (biz_store_attach sets it, detach clears
 * it), for biz_record_failed. */
extern biz_store *biz_record_attached;
/* A failed write of st's attached run (path, the error err): said once,
 * the run starts no task from then on. */
void biz_record_failed_in(biz_store *st, const char *path, int err);

#endif
