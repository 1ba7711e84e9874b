/* metrics.h: --metrics FILE, the metrics of the run that just ended in the
 * Prometheus text exposition format, for node_exporter's textfile
 * collector (README.md, "Monitoring", lists the series).
 *
 * The file is replaced atomically (a temporary file in the same directory,
 * fsynced, renamed over it), so the collector never reads half a file; it
 * is made 0644 (the collector runs as another user; it holds no secret:
 * ids, states, counts and times). The time of the last success survives
 * failed runs: it is carried over from the file being replaced, or taken
 * from the run records.
 *
 * Ownership: everything is borrowed; biz_metrics_text returns a malloc'd
 * string.
 */
#ifndef BIZ_METRICS_H
#define BIZ_METRICS_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "run.h"

/* What the metrics of one run say besides the run itself. */
typedef struct biz_metrics_in {
    const biz_run *run;      /* ended */
    int exit_status;         /* the invocation's for this run */
    double started;          /* wall seconds when this invocation began it */
    double last_success;     /* wall seconds of the latest success, 0: never */
} biz_metrics_in;

/* The text of the metrics file (NULL when out of memory). */
char *biz_metrics_text(const biz_metrics_in *m);

/* The latest success known for dag_id: the value of
 * bizc_dag_last_success_timestamp_seconds in the metrics file at path (0
 * when it has none), or the end of the latest successful run in records
 * (an array of run records), whichever is later. */
double biz_metrics_last_success(const char *path, const char *dag_id, const cJSON *records);

/* Writes the metrics of run to path atomically. 0, or -1 with a message
 * naming the file and the error. */
int biz_metrics_write(const char *path, const biz_metrics_in *m, char *err, size_t errlen);

#endif
