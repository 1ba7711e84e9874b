/* test_ops.c: the operator table of runtime/contract/ops.def as C (ops.c) and the
 * runtime's reads by id with its defaults (args.c). */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "cunit_main.h"
#include "args.h"
#include "ops.h"

/* Every id has one name, one declaration, and is the id of each of its
 * entries; every entry of every set has a name that is its id's. */
static void test_ids(void)
{
    for (int id = 0; id < BIZ_ARG__COUNT; id++) {
        const biz_arg_spec *d = biz_arg_decl((biz_arg_id)id);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT_EQUAL(d->id, id);
        CU_ASSERT_STRING_EQUAL(d->name, biz_arg_name((biz_arg_id)id));
    }
    int n = 0;
    for (const biz_arg_set *s = biz_arg_sets; s->name; s++)
        for (const biz_arg_spec *a = s->args; a->name; a++, n++) {
            CU_ASSERT_STRING_EQUAL(a->name, biz_arg_name(a->id));
            CU_ASSERT_PTR_EQUAL(biz_arg_set_of(a), s);
        }
    CU_ASSERT_TRUE(n >= BIZ_ARG__COUNT);
    CU_ASSERT_STRING_EQUAL(biz_arg_name(BIZ_ARG_xcom_push), "xcom_push");
    CU_ASSERT_STRING_EQUAL(biz_arg_name(BIZ_ARG__COUNT), "?");
    CU_ASSERT_PTR_NULL(biz_arg_decl(BIZ_ARG__COUNT));
}

/* By id and by name, an operator takes the same entry (the overriding
 * set's), and none it does not take. */
static void test_lookup(void)
{
    for (int k = 0; k < BIZ_OP__COUNT; k++) {
        const biz_op_spec *op = &biz_ops[k];
        CU_ASSERT_EQUAL(op->kind, k);
        CU_ASSERT_PTR_EQUAL(biz_ops_find(op->name), op);
        for (int id = 0; id < BIZ_ARG__COUNT; id++)
            CU_ASSERT_PTR_EQUAL(biz_ops_arg_id(op, (biz_arg_id)id), biz_ops_arg(op, biz_arg_name((biz_arg_id)id)));
        for (const biz_arg_spec *const *set = op->argsets; *set; set++)
            CU_ASSERT_PTR_NOT_NULL(biz_arg_set_of(*set));   /* empty_args too */
    }
    /* The sensor's own poke_interval, not BaseSensorOperator's. */
    const biz_arg_spec *p = biz_ops_arg_id(&biz_ops[BIZ_OP_TECH_MS_SENSOR], BIZ_ARG_poke_interval);
    CU_ASSERT_STRING_EQUAL(p->default_json, "30");
    CU_ASSERT_PTR_NULL(biz_ops_arg_id(&biz_ops[BIZ_OP_EMPTY], BIZ_ARG_xcom_push));
    CU_ASSERT_PTR_NULL(biz_ops_arg_id(&biz_ops[BIZ_OP_BASH], BIZ_ARG_is_setup));  /* internal */
    CU_ASSERT_PTR_NOT_NULL(biz_dag_arg_id(BIZ_ARG_max_active_tasks));
    CU_ASSERT_PTR_NULL(biz_dag_arg_id(BIZ_ARG_retries));
    CU_ASSERT_EQUAL(biz_dag_arg_id(BIZ_ARG_schedule)->type, BIZ_T_SCHEDULE);
    CU_ASSERT_EQUAL(biz_arg_decl(BIZ_ARG_is_setup)->flags & BIZ_A_INTERNAL, BIZ_A_INTERNAL);
}

/* args.c keeps every default in static storage: each must be a scalar,
 * a string without escapes; and every type has its names. */
static void test_defaults_are_scalars(void)
{
    for (const biz_arg_set *s = biz_arg_sets; s->name; s++)
        for (const biz_arg_spec *a = s->args; a->name; a++) {
            if (!a->default_json)
                continue;
            cJSON *v = cJSON_Parse(a->default_json);
            CU_ASSERT_PTR_NOT_NULL_FATAL(v);
            CU_ASSERT_FALSE(cJSON_IsArray(v) || cJSON_IsObject(v) || cJSON_IsNull(v));
            CU_ASSERT_PTR_NULL(strchr(a->default_json, '\\'));
            cJSON_Delete(v);
        }
    for (int t = 0; t < BIZ_T__COUNT; t++) {
        CU_ASSERT_STRING_NOT_EQUAL(biz_arg_type_name((biz_arg_type)t), "?");
        CU_ASSERT_STRING_NOT_EQUAL(biz_arg_type_key((biz_arg_type)t), "?");
    }
}

/* Reads: the value given, else the owner's default from the table. */
static void test_reads(void)
{
    cJSON *none = cJSON_CreateObject();
    CU_ASSERT_EQUAL(biz_args_bool(none, BIZ_OP_TECH_MS, BIZ_ARG_xcom_push), 1);
    CU_ASSERT_EQUAL(biz_args_bool(none, BIZ_OP_TECH_MS, BIZ_ARG_asynchronous), 0);
    CU_ASSERT_STRING_EQUAL(biz_args_str(none, BIZ_OP_TECH_MS, BIZ_ARG_method), "get");
    CU_ASSERT_STRING_EQUAL(biz_args_str(none, BIZ_OP_TECH_MS, BIZ_ARG_entry), "/");
    CU_ASSERT_STRING_EQUAL(biz_args_str(none, BIZ_OP_EMPTY, BIZ_ARG_owner), "airflow");
    CU_ASSERT_PTR_NULL(biz_args_str(none, BIZ_OP_TECH_MS, BIZ_ARG_cws_name));
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num(none, BIZ_OP_TECH_MS_SENSOR, BIZ_ARG_poke_interval), 30, 0);
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num(none, BIZ_OP_ASYNC_SENSOR, BIZ_ARG_poke_interval), 60, 0);
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num(none, BIZ_OP_ASYNC_SENSOR, BIZ_ARG_timeout), 604800, 0);
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num(none, BIZ_OP_EMPTY, BIZ_ARG_retry_delay), 300, 0);
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num(none, BIZ_OP_EMPTY, BIZ_ARG_execution_timeout), -1, 0);
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num(none, BIZ_ARGS_DAG, BIZ_ARG_max_active_tasks), 16, 0);
    /* Not the owner's: as declared (shared code, a malformed kind). */
    CU_ASSERT_EQUAL(biz_args_bool(none, BIZ_OP_TECH_MS_SENSOR, BIZ_ARG_asynchronous), 0);
    CU_ASSERT_EQUAL(biz_args_bool(none, BIZ_OP_EMPTY, BIZ_ARG_is_setup), 0);
    CU_ASSERT_STRING_EQUAL(biz_args_str(none, 999, BIZ_ARG_trigger_rule), "all_success");
    const cJSON *skip = biz_args_get(none, BIZ_OP_BASH, BIZ_ARG_skip_on_exit_code);
    CU_ASSERT_TRUE(cJSON_IsNumber(skip) && skip->valuedouble == 99);
    CU_ASSERT_PTR_NULL(biz_args_get(none, BIZ_OP_BASH, BIZ_ARG_env));
    cJSON_Delete(none);

    cJSON *given = cJSON_Parse("{\"xcom_push\": false, \"method\": \"post\", \"retries\": 3,"
                               " \"poke_interval\": true, \"soft_fail\": \"False\", \"entry\": 5,"
                               " \"skip_on_exit_code\": null, \"data\": null, \"append_env\": \"yes\"}");
    CU_ASSERT_EQUAL(biz_args_bool(given, BIZ_OP_TECH_MS, BIZ_ARG_xcom_push), 0);
    CU_ASSERT_STRING_EQUAL(biz_args_str(given, BIZ_OP_TECH_MS, BIZ_ARG_method), "post");
    CU_ASSERT_STRING_EQUAL(biz_args_str(given, BIZ_OP_TECH_MS, BIZ_ARG_entry), "/");   /* not a string */
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num(given, BIZ_OP_EMPTY, BIZ_ARG_retries), 3, 0);
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num(given, BIZ_OP_ASYNC_SENSOR, BIZ_ARG_poke_interval), 1, 0);
    CU_ASSERT_EQUAL(biz_args_bool(given, BIZ_OP_ASYNC_SENSOR, BIZ_ARG_soft_fail), 0);
    CU_ASSERT_EQUAL(biz_args_bool(given, BIZ_OP_BASH, BIZ_ARG_append_env), 1);
    /* None is a value of its own for skip_on_exit_code, not for data. */
    CU_ASSERT_TRUE(cJSON_IsNull(biz_args_get(given, BIZ_OP_BASH, BIZ_ARG_skip_on_exit_code)));
    CU_ASSERT_PTR_NULL(biz_args_get(given, BIZ_OP_TECH_MS, BIZ_ARG_data));
    /* The _or reads fall back on the caller's value, not the table's. */
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num_or(given, BIZ_ARG_retries, 7), 3, 0);
    CU_ASSERT_DOUBLE_EQUAL(biz_args_num_or(given, BIZ_ARG_retry_delay, 7), 7, 0);
    CU_ASSERT_PTR_NULL(biz_args_str_or(given, BIZ_ARG_trigger_rule, NULL));
    cJSON_Delete(given);
}

static const unit_test ops_tests[] = {
    {"argument ids, names and declarations", test_ids},
    {"lookup by id is lookup by name", test_lookup},
    {"defaults are scalars, types named", test_defaults_are_scalars},
    {"reads by id with the table's defaults", test_reads},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"ops", NULL, NULL, ops_tests},
    UNIT_SUITES_END,
};
