/* test_map.c: dynamic task mapping in the runtime (runtime/engine/map.c): the
 * instances a mapped task expands into, their order and arguments, the
 * counts its downstream task waits for, the aggregate state and XComs,
 * max_active_tis_per_dag, Airflow's checks of what is mapped over, and the
 * record round trip a --resume relies on. */
#include <stdlib.h>
#include <string.h>
#include "cunit_main.h"
#include "run.h"
#include "map.h"
#include "state.h"
#include "args.h"
#include "ops.h"

/* list >> m >> down; c maps over two lists written in the file. */
static const int up_m[] = { 0 };
static const int up_down[] = { 1, 2 };
static const biz_task_def tasks[] = {
    { "list", BIZ_OP_EMPTY, NULL, "{}", NULL, 0, NULL, 0, 1, 1, NULL },
    { "m", BIZ_OP_EMPTY, NULL, "{\"max_active_tis_per_dag\": 2}", up_m, 1, NULL, 0, 2, 1,
      "{\"expand\": {\"doc\": {\"xcom\": \"list\"}}}" },
    { "c", BIZ_OP_EMPTY, NULL, "{}", NULL, 0, NULL, 0, 3, 1,
      "{\"expand\": {\"doc\": [\"a\", \"b\"], \"owner\": [\"x\", \"y\", \"z\"]}}" },
    { "down", BIZ_OP_EMPTY, NULL, "{}", up_down, 2, NULL, 0, 4, 1, NULL },
};
static const biz_dag_def dag = {
    "t_map", "t.biz", "00", "test", NULL, "{}", tasks, 4, 1, NULL, 0,
};

static const char *max_len;
static const char *fake_env(void *user, const char *name)
{
    (void)user;
    return !strcmp(name, "AIRFLOW__CORE__MAX_MAP_LENGTH") ? max_len : NULL;
}

static biz_run *new_run(void)
{
    char err[256];
    biz_run *run = biz_run_new(&dag, NULL, 1704067200, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    run->getenv_fn = fake_env;
    return run;
}

/* Makes 'list' succeed with return_value items (JSON). */
static void list_done(biz_run *run, const char *items)
{
    biz_run_xcom_push(run, 0, "return_value", cJSON_Parse(items));
    biz_ti_set_state(run->tis[0], BIZ_TI_SUCCESS);
}

static void test_expand_from_xcom(void)
{
    biz_run *run = new_run();
    biz_ti *m = run->tis[1], *down = run->tis[3];
    CU_ASSERT_TRUE(run->tis[0]->feeds_map);
    CU_ASSERT_FALSE(run->tis[2]->feeds_map);
    CU_ASSERT_EQUAL(m->map_limit, 2);
    list_done(run, "[{\"n\": 0}, {\"n\": 1}, {\"n\": 2}]");
    run->todo.n = 0;
    char err[256];
    CU_ASSERT_EQUAL(biz_map_expand(run, m, err, sizeof err), 3);
    CU_ASSERT_EQUAL(run->n, 7);
    CU_ASSERT_EQUAL(m->state, BIZ_TI_RUNNING);
    CU_ASSERT_EQUAL(m->nmaps, 3);
    CU_ASSERT_STRING_EQUAL(run->tis[5]->def->task_id, "m[1]");
    CU_ASSERT_EQUAL(run->tis[5]->map_index, 1);
    CU_ASSERT_PTR_EQUAL(run->tis[5]->parent, m);
    /* An XCom's item is data, put in after rendering. */
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(run->tis[5]->map_raw, "doc"), "n")->valueint, 1);
    /* down waits for three instances and c. */
    CU_ASSERT_EQUAL(down->nup, 4);
    /* max_active_tis_per_dag=2: two released. */
    CU_ASSERT_EQUAL(run->todo.n, 2);
    CU_ASSERT_EQUAL(m->map_active, 2);
    /* Each instance that finishes releases the next; the task follows. */
    for (int k = 0; k < 3; k++) {
        biz_ti *x = run->tis[4 + k];
        char v[16];
        snprintf(v, sizeof v, "%d", k * 10);
        if (k != 1)
            biz_run_xcom_push(run, x->index, "return_value", cJSON_Parse(v));
        biz_ti_set_state(x, BIZ_TI_SUCCESS);
        CU_ASSERT_EQUAL(m->map_done, k + 1);
    }
    CU_ASSERT_EQUAL(m->map_next, 3);   /* the third was released when the first ended */
    CU_ASSERT_EQUAL(m->map_active, 0);
    CU_ASSERT_EQUAL(m->state, BIZ_TI_SUCCESS);
    CU_ASSERT_EQUAL(down->up_success, 3);   /* the instances, not the task */
    char *x = cJSON_PrintUnformatted(biz_run_xcom_get(run, 1, NULL));
    CU_ASSERT_STRING_EQUAL(x, "[0,20]");    /* map index order; none left out */
    free(x);
    biz_run_free(run);
}

static void test_product_order(void)
{
    biz_run *run = new_run();
    char err[256];
    CU_ASSERT_EQUAL(biz_map_expand(run, run->tis[2], err, sizeof err), 6);
    static const char *const want[6][2] = {
        { "a", "x" }, { "a", "y" }, { "a", "z" }, { "b", "x" }, { "b", "y" }, { "b", "z" },
    };
    for (int k = 0; k < 6; k++) {
        const cJSON *args = run->tis[4 + k]->args;
        CU_ASSERT_STRING_EQUAL(biz_args_str(args, BIZ_OP_EMPTY, BIZ_ARG_doc), want[k][0]);
        CU_ASSERT_STRING_EQUAL(biz_args_str(args, BIZ_OP_EMPTY, BIZ_ARG_owner), want[k][1]);
        CU_ASSERT_PTR_NULL(run->tis[4 + k]->map_raw);   /* written in the file: templates */
    }
    /* One failed instance fails the task, with the count. */
    for (int k = 0; k < 6; k++)
        biz_ti_set_state(run->tis[4 + k], k == 4 ? BIZ_TI_FAILED : BIZ_TI_SUCCESS);
    CU_ASSERT_EQUAL(run->tis[2]->state, BIZ_TI_FAILED);
    CU_ASSERT_STRING_EQUAL(run->tis[2]->reason, "1 of 6 mapped instances failed");
    CU_ASSERT_EQUAL(run->tis[3]->up_failed, 1);
    biz_run_free(run);
}

static void test_checks(void)
{
    biz_run *run = new_run();
    char buf[200], err[256];
    CU_ASSERT_STRING_EQUAL(biz_map_check_push(run->tis[0], buf, sizeof buf),
                           "did not push XCom for task mapping");
    biz_run_xcom_push(run, 0, "return_value", cJSON_CreateString("hi"));
    CU_ASSERT_STRING_EQUAL(biz_map_check_push(run->tis[0], buf, sizeof buf),
                           "unmappable return type 'str'");
    biz_run_xcom_push(run, 0, "return_value", cJSON_Parse("[1, 2, 3]"));
    CU_ASSERT_PTR_NULL(biz_map_check_push(run->tis[0], buf, sizeof buf));
    max_len = "2";
    CU_ASSERT_STRING_EQUAL(biz_map_check_push(run->tis[0], buf, sizeof buf),
                           "unmappable return value length: 3 > 2");
    CU_ASSERT_EQUAL(biz_map_expand(run, run->tis[1], err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unmappable return value length: 3 > 2"));
    max_len = NULL;
    /* An empty list: nothing made, the caller skips. */
    biz_run_xcom_push(run, 0, "return_value", cJSON_CreateArray());
    CU_ASSERT_EQUAL(biz_map_expand(run, run->tis[1], err, sizeof err), 0);
    CU_ASSERT_EQUAL(run->n, 4);
    biz_run_free(run);
}

static void test_resume(void)
{
    biz_run *run = new_run();
    char err[256];
    list_done(run, "[\"p\", \"q\", \"r\"]");
    CU_ASSERT_EQUAL(biz_map_expand(run, run->tis[1], err, sizeof err), 3);
    biz_run_xcom_push(run, 4, "return_value", cJSON_CreateString("done-p"));
    run->tis[4]->tries = 1;
    biz_ti_set_state(run->tis[4], BIZ_TI_SUCCESS);
    run->tis[5]->tries = 1;
    biz_ti_set_state(run->tis[5], BIZ_TI_RUNNING);   /* killed while it ran */
    cJSON *rec = biz_record_from_run(run, NULL);
    const cJSON *t = cJSON_GetObjectItem(rec, "tasks");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "m"), "mapped")->valueint, 3);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "m[2]"), "map_index")->valueint, 2);
    /* The record lists each mapped task followed by its instances. */
    CU_ASSERT_STRING_EQUAL(t->child->next->next->string, "m[0]");

    biz_run *again = new_run();
    CU_ASSERT_TRUE(biz_record_apply(again, rec, err, sizeof err) >= 1);
    CU_ASSERT_EQUAL(again->tis[0]->state, BIZ_TI_SUCCESS);   /* the XCom is kept with it */
    CU_ASSERT_EQUAL(again->tis[1]->state, BIZ_TI_NONE);      /* expands again */
    CU_ASSERT_EQUAL(biz_map_expand(again, again->tis[1], err, sizeof err), 3);
    CU_ASSERT_EQUAL(again->tis[4]->state, BIZ_TI_SUCCESS);
    CU_ASSERT_STRING_EQUAL(biz_run_xcom_get(again, 4, NULL)->valuestring, "done-p");
    CU_ASSERT_EQUAL(again->tis[5]->state, BIZ_TI_NONE);      /* runs again, tries go on */
    CU_ASSERT_EQUAL(again->tis[5]->tries, 1);
    CU_ASSERT_EQUAL(again->tis[1]->map_done, 1);
    biz_run_free(again);
    cJSON_Delete(rec);
    biz_run_free(run);
}

static const unit_test map_tests[] = {
    {"expand over an upstream XCom", test_expand_from_xcom},
    {"a product of lists, in Airflow's order", test_product_order},
    {"Airflow's checks of what is mapped over", test_checks},
    {"record round trip and resume", test_resume},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"map", NULL, NULL, map_tests},
    UNIT_SUITES_END,
};
