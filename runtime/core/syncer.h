/* syncer.h: a thread that makes a run's files durable (fsync) off the
 * event loop.
 *
 * An fsync waits for the disk: well under a millisecond on an idle SSD,
 * tens of milliseconds on a busy or virtual one. The loop must not wait
 * for it between two calls, so the store (store.c) writes its lines with
 * write(2) from the loop, which is all a SIGKILL needs, and hands the
 * files to sync here; the calls go on meanwhile.
 *
 * One background thread, started at the first file handed to it. A file
 * handed again before its sync began is synced once: a burst costs one
 * sync. The thread only fsyncs and closes descriptors of its own (dup'ed
 * at biz_syncer_post), so the caller may close or unlink its file at once.
 * A failed fsync is kept, and biz_syncer_failure reports it to the loop's
 * thread. The process does not wait for syncs still pending when it
 * exits: that is the store's choice (state.h says what a power loss can
 * lose).
 *
 * Ownership: what is handed over is copied (the descriptor dup'ed, the
 * name for messages copied).
 */
#ifndef BIZ_SYNCER_H
#define BIZ_SYNCER_H

/* Hands fd to the thread to fsync (name: the file, for a message if it
 * fails). 0, or -1 (errno) when it cannot be handed over (no descriptor,
 * no thread, no memory): the caller then syncs it itself. */
int biz_syncer_post(int fd, const char *name);

/* The first fsync that failed since the last call: its errno, and the
 * file's name copied into name (len bytes); 0 when none failed. */
int biz_syncer_failure(char *name, size_t len);

/* Waits until every file handed over so far is synced (tests, and a store
 * that must know its files are on disk). */
void biz_syncer_drain(void);

#endif
