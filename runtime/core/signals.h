/* signals.h: SIGINT / SIGTERM during a run, SIGPIPE ignored.
 *
 * The first SIGINT or SIGTERM is handed to the loop through a self-pipe
 * (a weak watch: it never keeps the loop running), and the loop's callback
 * stops the run cleanly: running tries cancelled, children killed, the
 * summary printed. A second one kills every child's process group at once
 * and exits with 128 + the signal number, from the handler itself.
 *
 * Ownership: one installation per process; biz_sig_uninstall undoes it.
 */
#ifndef BIZ_SIGNALS_H
#define BIZ_SIGNALS_H

#include "loop.h"

/* Called on the loop (not in the handler) for the first signal. */
typedef void (*biz_sig_fn)(int signo, void *user);

/* Installs the handlers and watches the self-pipe on loop. 0 or -1. */
int biz_sig_install(biz_loop *loop, biz_sig_fn fn, void *user);
/* Restores the default handlers (SIGPIPE stays ignored), closes the pipe. */
void biz_sig_uninstall(void);
/* The first signal received since biz_sig_install, or 0. */
int biz_sig_received(void);

#endif
