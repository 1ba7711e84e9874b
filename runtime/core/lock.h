/* lock.h: one run of a DAG at a time, per state directory.
 *
 * The lock is flock(2) on the directory <state>/<dag_id> itself, held for
 * the whole run by an open descriptor (close-on-exec, so child processes
 * never inherit it). The kernel drops it when the holder exits or is
 * killed, so a lock left by a killed run never blocks the next one.
 * Deleting or replacing the file <state>/<dag_id>/lock lets no second run
 * in: that file only holds the holder's pid, to name it in the message.
 *
 * Ownership: biz_lock_acquire returns a descriptor the caller releases
 * with biz_lock_release.
 */
#ifndef BIZ_LOCK_H
#define BIZ_LOCK_H

#include <stddef.h>

/* Takes the lock of dag_dir, waiting up to wait_s seconds (0: not at all).
 * Returns the descriptor; -1 when another process holds it (*holder = its
 * pid, or 0 when unknown), -2 on an error, -3 when the lock file cannot be
 * written (the state directory is read-only or full: nothing could be
 * recorded); err says which. */
int biz_lock_acquire(const char *dag_dir, double wait_s, long *holder, char *err, size_t errlen);
/* Releases the lock (closes the descriptor). */
void biz_lock_release(int fd);

#endif
