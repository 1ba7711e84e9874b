/* fuzz_record.c: the run-record reader on any text. A record is read back
 * by --show (printed), --resume (applied to a fresh run of the DAG) and the
 * scheduler (which runs are due, depends_on_past, the previous success):
 * records are files a person can edit or a disk can damage, so none of
 * these may crash, whatever the record holds. */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "ops.h"
#include "runplan.h"
#include "runshow.h"
#include "state.h"

/* a >> b, a >> c: c depends on its past and retries; b is in a group. */
static const int up_a[] = { 0 };
static const biz_task_def tasks[] = {
    { "a", BIZ_OP_EMPTY, NULL, "{}", NULL, 0, NULL, 0, 1, 1, NULL },
    { "g.b", BIZ_OP_EMPTY, "g", "{}", up_a, 1, NULL, 0, 2, 1, NULL },
    { "c", BIZ_OP_EMPTY, NULL, "{\"retries\": 2, \"depends_on_past\": true}", up_a, 1, NULL, 0, 3, 1, NULL },
};
static const biz_dag_def dag = {
    "fuzz_dag", "fuzz.biz", "00", "fuzz", NULL,
    "{\"schedule\": \"@daily\", \"start_date\": \"2024-01-01T00:00:00+00:00\", \"catchup\": true}",
    tasks, 3, 1, NULL, 0,
};

/* 2024-01-05T00:00:00Z */
#define FUZZ_NOW ((time_t)1704412800)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *rec = cJSON_ParseWithLength((const char *)data, size);
    if (!rec)
        return 0;
    biz_runshow_record(fuzz_devnull(), rec, "fuzz/record.json");

    char err[256];
    biz_run *run = biz_run_new(&dag, NULL, FUZZ_NOW - 86400, err, sizeof err);
    if (!run)
        abort();
    (void)biz_record_apply(run, rec, err, sizeof err);

    /* The scheduler reads every record of the DAG: give it this one. */
    cJSON *records = cJSON_CreateArray();
    cJSON_AddItemReferenceToArray(records, rec);
    (void)biz_plan_find(records, "last");
    (void)biz_plan_depends_on_past(run, records);
    biz_plan_prev_success(run, records);
    static cJSON *settings;
    if (!settings && !(settings = cJSON_Parse(dag.settings_json)))
        abort();
    biz_schedule_settings ps;
    if (biz_schedule_settings_read(settings, &ps, err, sizeof err) == 0) {
        biz_plan_item due[4];
        (void)biz_plan_due(&ps, records, FUZZ_NOW, due, 4);
    }
    cJSON_Delete(records);
    biz_run_free(run);
    cJSON_Delete(rec);
    return 0;
}
