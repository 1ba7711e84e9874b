/* map.h: dynamic task mapping (Airflow's Operator.partial(...).expand(...)).
 *
 * A mapped task is one task of the DAG tables with a map_json (bizrt.h).
 * It waits for its upstream tasks like any task; when its trigger rule
 * lets it run, biz_map_expand resolves what it maps over (lists written in
 * the DAG file, upstream XComs) and makes one instance per item: ordinary
 * task instances appended to run->tis, keyed by (task, map_index), named
 * "task_id[map_index]" in logs, records and summaries. The mapped task then
 * follows them: running while they run, at most max_active_tis_per_dag of
 * them at once (released in map index order), then their aggregate state
 * (failed when one failed, skipped when all skipped, else success), its
 * XComs the lists of theirs in map index order (what a downstream
 * xcom_pull gets). Its downstream tasks count each instance as an
 * upstream task, as Airflow's trigger rules do. An empty list skips it.
 *
 * Ownership: everything made here belongs to the run (run.h); an
 * instance's own def and strings are freed by biz_map_free_ti, each mapped
 * task's block of instances by biz_run_free.
 */
#ifndef BIZ_MAP_H
#define BIZ_MAP_H

#include <stddef.h>
#include "run.h"

/* Airflow's [core] max_map_length default: more items fail the task. */
#define BIZ_MAP_MAX_LENGTH 1024

/* Reads a mapped task's map_json and max_active_tis_per_dag when the run
 * is made. 0, or -1 with a message. */
int biz_map_init(biz_ti *ti, char *err, size_t errlen);

/* Expands mapped task ti (its trigger rule said run): makes its instances
 * (state none, the first max_active_tis_per_dag of them queued to be
 * decided) and sets ti running. Returns how many it made; 0 when there is
 * nothing to map over (the caller skips ti); -1 with a message (the caller
 * fails ti). */
int biz_map_expand(biz_run *run, biz_ti *ti, char *err, size_t errlen);

/* Called by biz_ti_set_state when an instance finishes (finished 1) or is
 * started again (0): releases the next instances, and once all finished,
 * gives the mapped task its state and XComs. */
void biz_map_instance_moved(biz_ti *inst, int finished);

/* --resume: the record's entries "id[k]" of the mapped task ti (whose
 * record entry says it had expanded into n instances) are kept in ti, and
 * applied to the instances when it expands again. 0, or -1 out of memory. */
int biz_map_keep_restore(biz_ti *ti, const cJSON *tasks, int n);

/* Marks the tasks that mapped tasks map over (once the run is made). */
void biz_map_link(biz_run *run);

/* As Airflow checks when a task whose XCom a mapped task maps over
 * succeeds: its return_value must be there, a list or a dict, and not
 * longer than max_map_length. NULL when it is, else the failure's message
 * in buf (the try then fails, and may be retried). */
const char *biz_map_check_push(const biz_ti *ti, char *buf, size_t len);

/* Frees what mapping added to ti (not the instance block). */
void biz_map_free_ti(biz_ti *ti);

#endif
