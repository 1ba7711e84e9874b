/* test_sema.c: semantic analysis on small snippets: what is accepted, each
 * kind of error (message and line:col), default_args merging, group
 * expansion, dependencies (>>, lists, chain) and cycles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cunit_main.h"
#include "diag.h"
#include "ir.h"
#include "parse.h"
#include "sema.h"

/* 7 lines; the DAG body starts on line 8 (indented by 4). */
#define PRE                                                                                   \
    "from datetime import datetime, timedelta\n"                                              \
    "from coworks.biz import TechMicroServiceOperator, BranchTechMicroServiceOperator, "      \
    "TechMicroServiceAsyncGroup, AsyncTechMicroServiceSensor, biz\n"                          \
    "from airflow.models.baseoperator import chain\n"                                         \
    "from airflow.operators.empty import EmptyOperator\n"                                     \
    "\n"                                                                                      \
    "@biz(start_date=datetime(2024, 1, 1), schedule=None)\n"                                  \
    "def d():\n"
#define POST "\nd()\n"

static biz_source *src;
static biz_diags diags;
static biz_ast *ast;
static biz_ir *ir;

static void reset(void)
{
    if (ir)
        biz_ir_free(ir);
    if (ast)
        biz_ast_free(ast);
    if (src) {
        biz_diags_free(&diags);
        biz_source_free(src);
    }
    ir = NULL;
    ast = NULL;
    src = NULL;
}

static const biz_ir *check(const char *text)
{
    reset();
    src = biz_source_from_string("t.biz", text, strlen(text));
    biz_diags_init(&diags, src, getenv("TEST_SEMA_VERBOSE") ? stderr : NULL);
    ast = biz_parse(src, &diags);
    ir = biz_sema_check(ast, &diags);
    return ir;
}

/* The diagnostic of severity sev whose message contains msg (and at
 * line:col when line > 0), or NULL. */
static const biz_diag *find(biz_severity sev, int line, int col, const char *msg)
{
    for (int i = 0; i < diags.len; i++) {
        const biz_diag *g = &diags.items[i];
        if (g->severity == sev && strstr(g->message, msg)
            && (line <= 0 || (g->span.begin.line == line && g->span.begin.col == col)))
            return g;
    }
    return NULL;
}

static void dump(void)
{
    for (int i = 0; i < diags.len; i++)
        fprintf(stderr, "  [%d:%d %s] %s | %s\n", diags.items[i].span.begin.line,
                diags.items[i].span.begin.col,
                diags.items[i].severity == BIZ_ERROR ? "error" : diags.items[i].severity == BIZ_WARNING ? "warning" : "note",
                diags.items[i].message, diags.items[i].hint ? diags.items[i].hint : "");
}

#define EXPECT(sev, line, col, msg) do {                                  \
        const biz_diag *g_ = find(sev, line, col, msg);                   \
        if (!g_) dump();                                                  \
        CU_ASSERT_PTR_NOT_NULL(g_);                                       \
    } while (0)
#define EXPECT_HINT(sev, line, col, msg, h) do {                          \
        const biz_diag *g_ = find(sev, line, col, msg);                   \
        if (!g_ || !g_->hint || !strstr(g_->hint, h)) dump();             \
        CU_ASSERT_PTR_NOT_NULL(g_);                                       \
        CU_ASSERT(g_ && g_->hint && strstr(g_->hint, h));                 \
    } while (0)

static const biz_ir_task *task(const biz_ir_dag *d, const char *id, int *index)
{
    for (int i = 0; d && i < d->ntasks; i++)
        if (strcmp(d->tasks[i].task_id, id) == 0) {
            if (index)
                *index = i;
            return &d->tasks[i];
        }
    return NULL;
}

/* Is there an edge up -> down? */
static int edge(const biz_ir_dag *d, const char *up, const char *down)
{
    int u = -1;
    const biz_ir_task *t = task(d, down, NULL);
    if (!task(d, up, &u) || !t)
        return 0;
    for (int i = 0; i < t->nupstream; i++)
        if (t->upstream[i] == u)
            return 1;
    return 0;
}

static void test_accepts_simple(void)
{
    const biz_ir *r = check(PRE
        "    a = TechMicroServiceOperator(task_id='a', cws_name='svc', method='POST', json={'k': 1})\n"
        "    b = EmptyOperator(task_id='b')\n"
        "    a >> b\n" POST);
    if (diags.nerrors) dump();
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    CU_ASSERT_EQUAL(diags.nwarnings, 0);
    CU_ASSERT_EQUAL_FATAL(r->ndags, 1);
    CU_ASSERT_STRING_EQUAL(r->dags[0].dag_id, "d");
    CU_ASSERT_EQUAL(r->dags[0].ntasks, 2);
    CU_ASSERT(edge(&r->dags[0], "a", "b"));
    const biz_ir_task *a = task(&r->dags[0], "a", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(a->args, "method")->valuestring, "post");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(a->args, "json"), "k")->valueint, 1);
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(r->dags[0].settings, "schedule")));
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(r->dags[0].settings, "start_date")->valuestring,
                           "2024-01-01T00:00:00+00:00");
}

static void test_unknown_operator(void)
{
    check(PRE "    x = TechMicroServiceOperatr(task_id='x', cws_name='n')\n" POST);
    EXPECT_HINT(BIZ_ERROR, 8, 9, "unknown operator 'TechMicroServiceOperatr'",
                "did you mean 'TechMicroServiceOperator'?");
}

static void test_unknown_argument(void)
{
    check(PRE "    x = TechMicroServiceOperator(task_id='x', cws_nmae='n', cws_name='m')\n" POST);
    EXPECT_HINT(BIZ_ERROR, 8, 47, "unknown argument 'cws_nmae' for TechMicroServiceOperator",
                "did you mean 'cws_name'?");
    CU_ASSERT_EQUAL(diags.nerrors, 1);
}

static void test_missing_arguments(void)
{
    check(PRE "    x = TechMicroServiceOperator(cws_name='n')\n" POST);
    EXPECT(BIZ_ERROR, 8, 9, "missing argument 'task_id' for TechMicroServiceOperator");
    check(PRE "    x = TechMicroServiceOperator(task_id='x', api_id='abc')\n" POST);
    EXPECT(BIZ_ERROR, 8, 9, "missing argument 'stage' for TechMicroServiceOperator");
    check(PRE "    x = TechMicroServiceOperator(task_id='x')\n" POST);
    EXPECT(BIZ_ERROR, 8, 9, "missing argument 'cws_name' for TechMicroServiceOperator (or both 'api_id' and 'stage')");
}

static void test_wrong_type(void)
{
    check(PRE "    x = TechMicroServiceOperator(task_id='x', cws_name='n', retries='3')\n" POST);
    EXPECT(BIZ_ERROR, 8, 69, "argument 'retries' expects an integer, got a string");
    check(PRE "    x = TechMicroServiceOperator(task_id='x', cws_name='n', method='GRAB')\n" POST);
    EXPECT(BIZ_ERROR, 8, 68, "unknown HTTP method 'GRAB'");
    check(PRE "    x = EmptyOperator(task_id='x', trigger_rule='al_done')\n" POST);
    EXPECT_HINT(BIZ_ERROR, 8, 49, "unknown trigger rule 'al_done'", "did you mean 'all_done'?");
}

static void test_duplicate_task(void)
{
    check(PRE "    a = EmptyOperator(task_id='a')\n    b = EmptyOperator(task_id='a')\n    a >> b\n" POST);
    EXPECT(BIZ_ERROR, 9, 31, "duplicate task id 'a' in DAG 'd'");
    EXPECT(BIZ_NOTE, 8, 31, "first defined here");
}

static void test_invalid_task_id(void)
{
    check(PRE "    a = EmptyOperator(task_id='a b')\n" POST);
    EXPECT(BIZ_ERROR, 8, 31, "invalid task id 'a b'");
}

static void test_cycle(void)
{
    check(PRE
        "    a = EmptyOperator(task_id='a')\n"
        "    b = EmptyOperator(task_id='b')\n"
        "    c = EmptyOperator(task_id='c')\n"
        "    a >> b >> c\n"
        "    c >> a\n" POST);
    EXPECT(BIZ_ERROR, 12, 7, "cycle in DAG 'd': a >> b >> c >> a");
    CU_ASSERT_EQUAL(diags.nerrors, 1);
}

static void test_lists(void)
{
    const biz_ir *r = check(PRE
        "    a = EmptyOperator(task_id='a')\n"
        "    b = EmptyOperator(task_id='b')\n"
        "    c = EmptyOperator(task_id='c')\n"
        "    e = EmptyOperator(task_id='e')\n"
        "    a >> [b, c] >> e\n"
        "    [a, b] << e\n" POST);
    /* the second line makes a cycle a >> ... e >> a: skip it */
    (void)r;
    check(PRE
        "    a = EmptyOperator(task_id='a')\n"
        "    b = EmptyOperator(task_id='b')\n"
        "    c = EmptyOperator(task_id='c')\n"
        "    e = EmptyOperator(task_id='e')\n"
        "    a >> [b, c] >> e\n" POST);
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    const biz_ir_dag *d = &ir->dags[0];
    CU_ASSERT(edge(d, "a", "b") && edge(d, "a", "c") && edge(d, "b", "e") && edge(d, "c", "e"));
    CU_ASSERT(!edge(d, "a", "e"));
    check(PRE
        "    a = EmptyOperator(task_id='a')\n"
        "    b = EmptyOperator(task_id='b')\n"
        "    [a] >> [b]\n" POST);
    EXPECT(BIZ_ERROR, 10, 9, "cannot set dependencies between two lists");
    check(PRE
        "    a = EmptyOperator(task_id='a')\n"
        "    b = EmptyOperator(task_id='b')\n"
        "    b.set_upstream(a)\n" POST);
    CU_ASSERT(edge(&ir->dags[0], "a", "b"));
}

static void test_chain(void)
{
    check(PRE
        "    a = EmptyOperator(task_id='a')\n"
        "    b = EmptyOperator(task_id='b')\n"
        "    c = EmptyOperator(task_id='c')\n"
        "    x = EmptyOperator(task_id='x')\n"
        "    y = EmptyOperator(task_id='y')\n"
        "    f = EmptyOperator(task_id='f')\n"
        "    chain(a, [b, c], [x, y], f)\n" POST);
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    const biz_ir_dag *d = &ir->dags[0];
    CU_ASSERT(edge(d, "a", "b") && edge(d, "a", "c"));
    CU_ASSERT(edge(d, "b", "x") && edge(d, "c", "y"));
    CU_ASSERT(!edge(d, "b", "y") && !edge(d, "c", "x"));
    CU_ASSERT(edge(d, "x", "f") && edge(d, "y", "f"));
    check(PRE
        "    a = EmptyOperator(task_id='a')\n"
        "    b = EmptyOperator(task_id='b')\n"
        "    c = EmptyOperator(task_id='c')\n"
        "    chain([a, b], [c])\n" POST);
    EXPECT(BIZ_ERROR, 11, 19, "chain() cannot pair lists of different lengths (2 and 1)");
}

static void test_default_args_merge(void)
{
    const biz_ir *r = check(
        "from datetime import datetime, timedelta\n"
        "from coworks.biz import TechMicroServiceOperator, biz\n"
        "ARGS = {'retries': 3, 'retry_delay': timedelta(minutes=2), 'retires': 1}\n"
        "@biz(default_args=ARGS, start_date=datetime(2024, 1, 1), schedule=timedelta(hours=1))\n"
        "def d():\n"
        "    a = TechMicroServiceOperator(task_id='a', cws_name='s')\n"
        "    b = TechMicroServiceOperator(task_id='b', cws_name='s', retries=0)\n"
        "    a >> b\n"
        "d()\n");
    EXPECT_HINT(BIZ_WARNING, 3, 60, "unknown default_args key 'retires'", "did you mean 'retries'?");
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    const biz_ir_task *a = task(&r->dags[0], "a", NULL), *b = task(&r->dags[0], "b", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(a->args, "retries")->valueint, 3);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(b->args, "retries")->valueint, 0);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(a->args, "retry_delay")->valueint, 120);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(a->args, "entry")->valuestring, "/");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(r->dags[0].settings, "schedule")->valueint, 3600);
}

static void test_group(void)
{
    const biz_ir *r = check(PRE
        "    g = TechMicroServiceAsyncGroup('inv', cws_name='billing', method='POST', timeout=timedelta(minutes=5),\n"
        "                                   trigger_rule='all_done', retries=2)\n"
        "    after = TechMicroServiceOperator(task_id='after', cws_name='mail', method='POST', json=g.output)\n"
        "    first = EmptyOperator(task_id='first')\n"
        "    first >> g\n" POST);
    if (diags.nerrors) dump();
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    const biz_ir_dag *d = &r->dags[0];
    const biz_ir_task *call = task(d, "inv.call", NULL), *wait = task(d, "inv.wait", NULL),
                      *read = task(d, "inv.read", NULL), *after = task(d, "after", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(call);
    CU_ASSERT_PTR_NOT_NULL_FATAL(wait);
    CU_ASSERT_PTR_NOT_NULL_FATAL(read);
    CU_ASSERT_PTR_NOT_NULL_FATAL(after);
    CU_ASSERT_EQUAL(call->op, 0);
    CU_ASSERT_EQUAL(wait->op, 3);
    CU_ASSERT_EQUAL(read->op, 4);
    CU_ASSERT_STRING_EQUAL(call->group_id, "inv");
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(call->args, "asynchronous")));
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(call->args, "trigger_rule")->valuestring, "all_done");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(wait->args, "trigger_rule")->valuestring, "all_success");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(wait->args, "timeout")->valueint, 300);
    /* CoWorks gives the group's other arguments to the call task only. */
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(call->args, "retries")->valueint, 2);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(wait->args, "retries")->valueint, 0);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(read->args, "retries")->valueint, 0);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(wait->args, "poke_interval")->valueint, 60);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(wait->args, "cws_task_id")->valuestring, "inv.call");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(read->args, "cws_task_id")->valuestring, "inv.call");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(after->args, "json")->valuestring,
                           "\x1bresolve:{{ ti.xcom_pull(task_ids='inv.read') }}");  /* template.h */
    CU_ASSERT(edge(d, "inv.call", "inv.wait") && edge(d, "inv.wait", "inv.read"));
    CU_ASSERT(edge(d, "inv.read", "after"));      /* from g.output */
    CU_ASSERT(edge(d, "first", "inv.call"));      /* the group's first task */
    check(PRE
        "    g = TechMicroServiceAsyncGroup('inv', cws_name='billing', read=False)\n"
        "    e = EmptyOperator(task_id='e')\n"
        "    g >> e\n" POST);
    CU_ASSERT_PTR_NULL(task(&ir->dags[0], "inv.read", NULL));
    CU_ASSERT(edge(&ir->dags[0], "inv.wait", "e"));

    /* default_args reach what CoWorks does not pass explicitly: the wait's
     * poke_interval and trigger_rule, the call's xcom_push; never the
     * call's method and trigger_rule nor the read's xcom_push. */
    r = check(
        "from datetime import datetime\n"
        "from coworks.biz import TechMicroServiceAsyncGroup, biz\n"
        "@biz(start_date=datetime(2024, 1, 1), schedule=None,\n"
        "     default_args={'poke_interval': 7, 'trigger_rule': 'all_done', 'method': 'POST',\n"
        "                   'xcom_push': False, 'aws_conn_id': 's3x'})\n"
        "def d():\n"
        "    TechMicroServiceAsyncGroup('inv', cws_name='billing')\n" POST);
    if (diags.nerrors) dump();
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    d = &r->dags[0];
    call = task(d, "inv.call", NULL), wait = task(d, "inv.wait", NULL), read = task(d, "inv.read", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(call);
    CU_ASSERT_PTR_NOT_NULL_FATAL(wait);
    CU_ASSERT_PTR_NOT_NULL_FATAL(read);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(wait->args, "poke_interval")->valueint, 7);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(wait->args, "timeout")->valueint, 900);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(wait->args, "trigger_rule")->valuestring, "all_done");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(wait->args, "aws_conn_id")->valuestring, "s3x");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(call->args, "trigger_rule")->valuestring, "all_success");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(call->args, "method")->valuestring, "get");
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(call->args, "xcom_push")));
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(read->args, "xcom_push")));

    /* What CoWorks passes to TechMicroServiceOperator, which refuses it. */
    check(PRE
        "    TechMicroServiceAsyncGroup('inv', cws_name='billing', poke_interval=5)\n" POST);
    EXPECT_HINT(BIZ_ERROR, 8, 59, "unknown argument 'poke_interval' for TechMicroServiceAsyncGroup: "
                "CoWorks passes it to the call task", "`default_args={'poke_interval': 5}`");
    check(PRE
        "    g = TechMicroServiceAsyncGroup('inv', cws_name='billing')\n"
        "    e = EmptyOperator(task_id='e')\n"
        "    g.call_task >> e\n"
        "    g.wait >> e\n" POST);
    EXPECT_HINT(BIZ_ERROR, 11, 7, "a TechMicroServiceAsyncGroup has no attribute 'wait'", "wait_task");
    CU_ASSERT_EQUAL(diags.nerrors, 1);
}

static void test_task_refs(void)
{
    check(PRE
        "    c = TechMicroServiceOperator(task_id='create_invoice', cws_name='neorezo-billing_invoice-eshop')\n"
        "    s = AsyncTechMicroServiceSensor(task_id='await', cws_task_id='neorezo-billing_invoice-eshop')\n"
        "    c >> s\n" POST);
    EXPECT_HINT(BIZ_ERROR, 9, 66, "no task 'neorezo-billing_invoice-eshop' in DAG 'd'",
                "'neorezo-billing_invoice-eshop' is the cws_name of task 'create_invoice'; "
                "cws_task_id takes a task id: cws_task_id='create_invoice'");
    check(PRE
        "    c = TechMicroServiceOperator(task_id='create', cws_name='s')\n"
        "    b = BranchTechMicroServiceOperator(task_id='b', cws_task_id='create', on_success='ok', on_failure='creat')\n"
        "    ok = EmptyOperator(task_id='ok')\n"
        "    c >> b\n" POST);
    EXPECT_HINT(BIZ_ERROR, 9, 103, "no task 'creat' in DAG 'd'", "did you mean 'create'?");
    EXPECT(BIZ_WARNING, 9, 86, "branch 'b' follows 'ok', which is not directly downstream of it");
    check(PRE
        "    c = TechMicroServiceOperator(task_id='c', cws_name='s', json=\"{{ ti.xcom_pull(task_ids='nope') }}\")\n" POST);
    EXPECT(BIZ_ERROR, 8, 92, "no task 'nope' in DAG 'd'");
}

static void test_template_error(void)
{
    check(PRE
        "    c = TechMicroServiceOperator(task_id='c', cws_name='s',\n"
        "        json=\"{{ dag_run.conf['data'] \")\n" POST);
    const biz_diag *g = find(BIZ_ERROR, 9, 0, "template: ");
    for (int i = 0; i < diags.len && !g; i++)
        if (diags.items[i].span.begin.line == 9 && strstr(diags.items[i].message, "template: "))
            g = &diags.items[i];
    if (!g) dump();
    CU_ASSERT_PTR_NOT_NULL(g);
    CU_ASSERT(g && g->span.begin.col > 14);
    check(PRE "    c = TechMicroServiceOperator(task_id='c', cws_name='s', accept='{{ ds }}')\n" POST);
    EXPECT(BIZ_WARNING, 8, 68, "argument 'accept' is not templated; '{{ ... }}' stays as it is, not rendered");
}

static void test_python_rejected(void)
{
    check(PRE
        "    @task.branch\n"
        "    def pick():\n"
        "        return 'a'\n"
        "    x = PythonOperator(task_id='x', python_callable=pick)\n"
        "    pick >> x\n" POST);
    EXPECT_HINT(BIZ_ERROR, 8, 5, "@task.branch functions run Python code", "BranchTechMicroServiceOperator");
    EXPECT_HINT(BIZ_ERROR, 11, 9, "PythonOperator runs Python code, which a compiled DAG cannot run",
                "TechMicroServiceOperator");
    check(PRE
        "    g = TechMicroServiceAsyncGroup('g', cws_name='s', transformer=lambda r: r)\n" POST);
    EXPECT(BIZ_ERROR, 8, 55, "argument 'transformer' takes a Python callable, which a compiled DAG cannot run");
    CU_ASSERT_EQUAL(diags.nerrors, 1);
    check(PRE "    while True:\n        pass\n" POST);
    EXPECT(BIZ_ERROR, 8, 5, "a DAG body may only create tasks and wire them; 'while' loops are not supported yet");
}

static void test_loops(void)
{
    const biz_ir *r = check(PRE
        "    start = EmptyOperator(task_id='start')\n"
        "    calls = []\n"
        "    for i, name in enumerate(['a', 'b']):\n"
        "        t = TechMicroServiceOperator(task_id='call_%s_%d' % (name, i), cws_name=name)\n"
        "        start >> t\n"
        "        calls.append(t)\n"
        "    prev = start\n"
        "    for k, v in sorted({'y': 2, 'x': 1}.items()):\n"
        "        t = EmptyOperator(task_id='{}{:02d}'.format(k, v))\n"
        "        prev >> t\n"
        "        prev = t\n"
        "        if v == 2:\n"
        "            calls >> t\n"
        "    done = [EmptyOperator(task_id='done_' + str(n)) for n in range(3) if n != 1]\n"
        "    prev >> done\n" POST);
    if (diags.nerrors) dump();
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    CU_ASSERT_EQUAL(diags.nwarnings, 0);
    CU_ASSERT_EQUAL_FATAL(r->ndags, 1);
    const biz_ir_dag *d = &r->dags[0];
    CU_ASSERT_EQUAL(d->ntasks, 7);
    CU_ASSERT(edge(d, "start", "call_a_0"));
    CU_ASSERT(edge(d, "start", "call_b_1"));
    CU_ASSERT(edge(d, "start", "x01"));
    CU_ASSERT(edge(d, "x01", "y02"));
    CU_ASSERT(edge(d, "call_a_0", "y02"));
    CU_ASSERT(edge(d, "call_b_1", "y02"));
    CU_ASSERT(!edge(d, "call_a_0", "x01"));
    CU_ASSERT(edge(d, "y02", "done_0"));
    CU_ASSERT(edge(d, "y02", "done_2"));
    CU_ASSERT_PTR_NULL(task(d, "done_1", NULL));

    check(PRE "    for n in ['a', 'a']:\n        EmptyOperator(task_id='t_' + n)\n" POST);
    EXPECT_HINT(BIZ_ERROR, 9, 31, "duplicate task id 't_a' in DAG 'd' (generated by this loop with n='a')",
                "build the task id from the loop variables");
    CU_ASSERT_EQUAL(diags.nerrors, 1);
    check(PRE "    for n in 3:\n        pass\n" POST);
    EXPECT(BIZ_ERROR, 8, 14, "the iterable of a 'for' loop must be a compile-time constant, got an integer");
    check(PRE "    for n in range(100000):\n        pass\n" POST);
    EXPECT(BIZ_ERROR, 8, 14, "range() of 100000 items is too long to unroll (at most 10000)");
    check(PRE "    t = EmptyOperator(task_id='t')\n    x = str(t)\n" POST);
    EXPECT_HINT(BIZ_ERROR, 9, 9, "a task has no text at compile time", "use its .task_id");
}

static void test_fstrings(void)
{
    const biz_ir *r = check(PRE
        "    start = EmptyOperator(task_id=f'start')\n"
        "    for i, name in enumerate(['a', 'b']):\n"
        "        t = TechMicroServiceOperator(task_id=f'sync_{name}_{i:02d}', cws_name=f\"cws-{name!s:>3}\",\n"
        "                                     entry=f'/{{{{ ds }}}}/{name.upper()!r}' '/x' f'{i + 1=}')\n"
        "        start >> t\n"
        "    w = 5\n"
        "    EmptyOperator(task_id=f'pad_{7:0{w}d}_{2.5:.2f}_{\"x\":-<3}')\n" POST);
    if (diags.nerrors) dump();
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    CU_ASSERT_EQUAL_FATAL(r->ndags, 1);
    const biz_ir_dag *d = &r->dags[0];
    CU_ASSERT_EQUAL(d->ntasks, 4);
    CU_ASSERT(edge(d, "start", "sync_a_00"));
    CU_ASSERT(edge(d, "start", "sync_b_01"));
    CU_ASSERT_PTR_NOT_NULL(task(d, "pad_00007_2.50_x--", NULL));
    const biz_ir_task *t = task(d, "sync_b_01", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const cJSON *cws = cJSON_GetObjectItem(t->args, "cws_name");
    const cJSON *entry = cJSON_GetObjectItem(t->args, "entry");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cws), "cws-  b");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(entry), "/{{ ds }}/'B'/xi + 1=2");

    check(PRE "    t = EmptyOperator(task_id='t')\n    EmptyOperator(task_id=f'u_{t}')\n" POST);
    EXPECT_HINT(BIZ_ERROR, 9, 32, "f-string field {t} is a task, which has no text at compile time",
                "use its .task_id");
    check(PRE "    EmptyOperator(task_id=f'u_{nope}')\n" POST);
    EXPECT(BIZ_ERROR, 8, 32, "name 'nope' is not defined");
    /* format specs are Python's own errors (base/pyformat), at the field */
    check(PRE "    EmptyOperator(task_id=f'u_{1:s}')\n" POST);
    EXPECT(BIZ_ERROR, 8, 31, "ValueError: Unknown format code 's' for object of type 'int'");
}

static void test_quickstart(void)
{
    check("from datetime import datetime\n"
          "from coworks.biz import TechMicroServiceAsyncGroup, biz\n"
          "@biz(start_date=datetime(2023, 1, 1), schedule_interval='@daily', catchup=False)\n"
          "def first():\n"
          "    simple = TechMicroServiceAsyncGroup('simple', api_id='x', stage='dev', token='t')\n"
          "    @task()\n"
          "    def print_result():\n"
          "        print(1)\n"
          "    simple >> print_result\n"
          "    simple >> print_result()\n"
          "first = first()\n");
    CU_ASSERT_EQUAL(diags.nerrors, 1);
    EXPECT(BIZ_ERROR, 6, 5, "@task functions run Python code, which a compiled DAG cannot run");
}

static void test_module_level(void)
{
    check("from datetime import datetime\n");
    EXPECT(BIZ_ERROR, 1, 1, "no DAG in file");
    check("X = TriggerRule.ALL_DONE\n"
          "Y = timedelta(days=1) + timedelta(hours=2) * 2\n");
    EXPECT_HINT(BIZ_ERROR, 1, 5, "name 'TriggerRule' is not defined",
                "add `from airflow.utils.trigger_rule import TriggerRule`");
    EXPECT_HINT(BIZ_ERROR, 2, 5, "name 'timedelta' is not defined",
                "add `from datetime import timedelta`");
    check("from datetime import datetime\n"
          "from coworks.biz import biz\n"
          "@biz(schedule='@daily')\n"
          "def d():\n"
          "    pass\n");
    EXPECT(BIZ_ERROR, 3, 2, "DAG 'd' has a schedule but no start_date");
    EXPECT(BIZ_ERROR, 4, 5, "DAG 'd' is defined but never instantiated");
    check("from datetime import datetime\n"
          "from coworks.biz import biz\n"
          "@biz(start_date=datetime(2024, 2, 30), schedul='@daily')\n"
          "def d():\n"
          "    pass\n"
          "d()\n");
    EXPECT(BIZ_ERROR, 3, 17, "invalid date in datetime(): day is out of range for month");
    EXPECT_HINT(BIZ_ERROR, 3, 40, "unknown argument 'schedul' for @biz", "did you mean 'schedule'?");
    check("from datetime import datetime\n"
          "from airflow import DAG\n"
          "from airflow.operators.empty import EmptyOperator\n"
          "with DAG('w', start_date=datetime(2024, 1, 1), schedule='0 6 * * 1-5') as dag:\n"
          "    a = EmptyOperator(task_id='a')\n"
          "    b = EmptyOperator(task_id='b')\n"
          "a >> b\n");
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    CU_ASSERT_STRING_EQUAL(ir->dags[0].dag_id, "w");
    CU_ASSERT(edge(&ir->dags[0], "a", "b"));
    check("from datetime import datetime\n"
          "from airflow import DAG\n"
          "with DAG('w', start_date=datetime(2024, 1, 1), schedule='0 25 * * *') as dag:\n"
          "    pass\n");
    EXPECT(BIZ_ERROR, 3, 60, "invalid schedule '0 25 * * *': hour: 25 is out of range 0-23");
}

static void test_classic_dag(void)
{
    /* dag = DAG(...) at module level, tasks with dag=NAME, in two DAGs. */
    const biz_ir *r = check(
        "from datetime import datetime\n"
        "from airflow import DAG\n"
        "from airflow.models.baseoperator import chain\n"
        "from airflow.operators.empty import EmptyOperator\n"
        "from coworks.biz import BizMicroService, TechMicroServiceOperator\n"
        "one = DAG('one', start_date=datetime(2024, 1, 1), schedule_interval='@daily')\n"
        "two = BizMicroService('two', schedule=None)\n"
        "a = EmptyOperator(task_id='a', dag=one)\n"
        "b = TechMicroServiceOperator(task_id='b', cws_name='svc', dag=one)\n"
        "c = EmptyOperator(task_id='c', dag=one)\n"
        "x = EmptyOperator(task_id='x', dag=two)\n"
        "with two:\n"
        "    y = EmptyOperator(task_id='y')\n"
        "a >> b\n"
        "chain(b, c)\n"
        "x.set_downstream(y)\n");
    if (diags.nerrors || diags.nwarnings) dump();
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    CU_ASSERT_EQUAL(diags.nwarnings, 0);
    CU_ASSERT_EQUAL_FATAL(r->ndags, 2);
    CU_ASSERT_STRING_EQUAL(r->dags[0].dag_id, "one");
    CU_ASSERT_EQUAL(r->dags[0].ntasks, 3);
    CU_ASSERT(edge(&r->dags[0], "a", "b"));
    CU_ASSERT(edge(&r->dags[0], "b", "c"));
    CU_ASSERT_STRING_EQUAL(r->dags[1].dag_id, "two");
    CU_ASSERT_EQUAL(r->dags[1].ntasks, 2);
    CU_ASSERT(edge(&r->dags[1], "x", "y"));

    /* A module-level task without dag=, and tasks of two DAGs wired. */
    check("from datetime import datetime\n"
          "from airflow import DAG\n"
          "from airflow.operators.empty import EmptyOperator\n"
          "dag = DAG('one', schedule=None)\n"
          "other = DAG('two', schedule=None)\n"
          "a = EmptyOperator(task_id='a', dag=dag)\n"
          "b = EmptyOperator(task_id='b')\n"
          "c = EmptyOperator(task_id='c', dag=other)\n"
          "a >> c\n"
          "d = EmptyOperator(task_id='d', dag='dag')\n");
    EXPECT(BIZ_ERROR, 7, 5, "task 'b' has no DAG: add dag=dag");
    EXPECT(BIZ_ERROR, 9, 3, "tasks 'a' and 'c' belong to different DAGs");
    EXPECT(BIZ_ERROR, 10, 36, "argument 'dag' expects a DAG, got a string");
    CU_ASSERT_EQUAL(diags.nerrors, 3);

    /* Not assigned, or inside another DAG: still errors. */
    check("from airflow import DAG\n"
          "DAG('lost', schedule=None)\n"
          "with DAG('w', schedule=None) as dag:\n"
          "    inner = DAG('inner', schedule=None)\n");
    EXPECT(BIZ_ERROR, 2, 1, "a DAG must be assigned to a name or used in `with DAG(...) as dag:`");
    EXPECT(BIZ_ERROR, 4, 13, "a DAG cannot be defined inside another DAG");
}

static void test_task_params(void)
{
    /* params= on a task is kept as given; default_args' params go into
     * the DAG's params (as Airflow's DAG() does), not into each task. */
    const biz_ir *r = check(
        "from datetime import datetime\n"
        "from airflow import DAG\n"
        "from airflow.operators.bash import BashOperator\n"
        "with DAG('p', schedule=None, params={'x': 1, 'y': 1},\n"
        "         default_args={'params': {'y': 2}}) as dag:\n"
        "    a = BashOperator(task_id='a', bash_command='echo {{ params.x }}', params={'x': 3})\n"
        "    b = BashOperator(task_id='b', bash_command='echo {{ params.x }}')\n"
        "    a >> b\n");
    if (diags.nerrors) dump();
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    CU_ASSERT_EQUAL_FATAL(r->ndags, 1);
    const cJSON *dp = cJSON_GetObjectItem(r->dags[0].settings, "params");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(dp, "x")->valueint, 1);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(dp, "y")->valueint, 2);
    const biz_ir_task *a = task(&r->dags[0], "a", NULL), *b = task(&r->dags[0], "b", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(a->args, "params"), "x")->valueint, 3);
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(b->args, "params")));
    check("from airflow import DAG\n"
          "from airflow.operators.empty import EmptyOperator\n"
          "with DAG('p', schedule=None) as dag:\n"
          "    a = EmptyOperator(task_id='a', params=['x'])\n");
    EXPECT(BIZ_ERROR, 4, 43, "argument 'params' expects a dict, got a list");
}

static void test_constants(void)
{
    const biz_ir *r = check(
        "import pendulum\n"
        "from coworks.biz import TechMicroServiceOperator, biz\n"
        "BASE = {'a': 1, 'b': 'x'}\n"
        "MORE = {**BASE, 'b': 'y' + 'z', 'n': 2 * 3 - 1, 'l': [1, (2, 3)], 'none': None}\n"
        "@biz(start_date=pendulum.datetime(2024, 3, 1, tz='UTC'), schedule=None,\n"
        "     dagrun_timeout=pendulum.duration(hours=1))\n"
        "def d(p=5, q=None):\n"
        "    t = TechMicroServiceOperator(task_id='t', cws_name='s', method='POST', json=MORE,\n"
        "                                 query_params={'p': p})\n"
        "d()\n");
    if (diags.nerrors) dump();
    CU_ASSERT_EQUAL(diags.nerrors, 0);
    const biz_ir_task *t = task(&r->dags[0], "t", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    char *js = cJSON_PrintUnformatted(cJSON_GetObjectItem(t->args, "json"));
    CU_ASSERT_STRING_EQUAL(js, "{\"a\":1,\"b\":\"yz\",\"n\":5,\"l\":[1,[2,3]],\"none\":null}");
    free(js);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(t->args, "query_params"), "p")->valuestring,
                           "\x1bresolve:{{ params.p }}");
    const cJSON *s = r->dags[0].settings;
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(s, "start_date")->valuestring, "2024-03-01T00:00:00+00:00");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(s, "dagrun_timeout")->valueint, 3600);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "params"), "p")->valueint, 5);
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(s, "catchup")));
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(s, "max_active_tasks")->valueint, 16);
}

static void test_never_crashes(void)
{
    /* Partial and odd inputs must not crash. */
    const char *inputs[] = {
        "", "@biz(\n", "def f(:\n", "x = ", "with DAG() as d:\n    a >> \n",
        "from coworks.biz import biz\n@biz\ndef d():\n    x = y >> z\n    [1] >> 2\nd()\n",
        "from coworks.biz import *\nx = 1 / 0\ny = 'a' * -1\nz = (1, 2)[5]\n",
        PRE "    a = EmptyOperator(task_id='a', **{'retries': 'x'})\n    a >> a\n" POST,
    };
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        check(inputs[i]);
        CU_ASSERT_PTR_NOT_NULL(ir);
    }
    EXPECT(BIZ_ERROR, 0, 0, "cycle in DAG 'd': a >> a");
}

/* Plain functions run at compile time: DAG factories publishing through
 * globals() and names, helpers making tasks in the DAG they are called in,
 * Python's argument binding and its messages, return inside loops, +=. */
static void test_functions(void)
{
    const biz_ir *r = check(
        "from datetime import datetime\n"
        "from airflow import DAG\n"
        "from airflow.operators.empty import EmptyOperator\n"
        "def ids(prefix, *rest, sep='_', **extra):\n"
        "    out = []\n"
        "    for x in rest:\n"
        "        out += [prefix + sep + x]\n"
        "    n = 0\n"
        "    for k, v in extra.items():\n"
        "        n += v\n"
        "    out.append('n%d' % n)\n"
        "    return out\n"
        "def first_long(names, n):\n"
        "    for x in names:\n"
        "        if len(x) > n:\n"
        "            return x\n"
        "    return 'none'\n"
        "def make(region, *, owner):\n"
        "    with DAG(f'report_{region}', start_date=datetime(2024, 1, 1), schedule=None,\n"
        "             default_args={'owner': owner}) as dag:\n"
        "        prev = EmptyOperator(task_id=first_long(['ab', 'abcd', 'abcdef'], 3))\n"
        "        for t in ids('t', 'a', 'b', sep='-', x=2, y=3):\n"
        "            prev = prev >> EmptyOperator(task_id=t)\n"
        "    return dag\n"
        "for region in ['eu', 'us']:\n"
        "    globals()[f'report_{region}'] = make(region, owner='sales-' + region)\n"
        "asia = make(*['asia'], **{'owner': 'x'})\n");
    if (diags.nerrors)
        dump();
    CU_ASSERT_EQUAL_FATAL(diags.nerrors, 0);
    CU_ASSERT_EQUAL_FATAL(r->ndags, 3);
    CU_ASSERT_STRING_EQUAL(r->dags[1].dag_id, "report_us");
    CU_ASSERT_STRING_EQUAL(r->dags[2].dag_id, "report_asia");
    const biz_ir_dag *dg = &r->dags[0];
    CU_ASSERT_TRUE(edge(dg, "abcd", "t-a"));
    CU_ASSERT_TRUE(edge(dg, "t-a", "t-b"));
    CU_ASSERT_TRUE(edge(dg, "t-b", "n5"));
    const biz_ir_task *t = task(dg, "n5", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(t->args, "owner")->valuestring, "sales-eu");

    /* A helper called inside a DAG makes its tasks there. */
    r = check("from coworks.biz import TechMicroServiceOperator\n"
              "def call(service, method='GET'):\n"
              "    return TechMicroServiceOperator(task_id=f'call_{service}', cws_name=service, method=method)\n"
              PRE
              "    start = EmptyOperator(task_id='start')\n"
              "    start >> [call(s) for s in ['crm', 'erp']]\n"
              POST);
    if (diags.nerrors)
        dump();
    CU_ASSERT_EQUAL_FATAL(diags.nerrors, 0);
    CU_ASSERT_TRUE(edge(&r->dags[0], "start", "call_crm"));
    CU_ASSERT_TRUE(edge(&r->dags[0], "start", "call_erp"));

    /* CPython's messages, the first mismatch only. */
    check("def two(a, b=1, *, c):\n"
          "    return a\n"
          "def loop(n):\n"
          "    return loop(n + 1)\n"
          "X = two(1, c=1, d=2)\n"
          "Y = two(1, 2, 3)\n"
          "Z = two(1)\n"
          "W = two(c=1)\n"
          "V = two(1, a=2, c=3)\n"
          "U = loop(0)\n"
          "def f():\n"
          "    while True:\n"
          "        pass\n"
          "T = f()\n");
    EXPECT(BIZ_ERROR, 12, 5, "a function run at compile time may only compute constants and build DAGs; "
                             "'while' loops are not supported yet");
    EXPECT(BIZ_ERROR, 5, 17, "two() got an unexpected keyword argument 'd'");
    EXPECT(BIZ_ERROR, 6, 15, "two() takes from 1 to 2 positional arguments but 3 were given");
    EXPECT(BIZ_ERROR, 7, 5, "two() missing 1 required keyword-only argument: 'c'");
    EXPECT(BIZ_ERROR, 8, 5, "two() missing 1 required positional argument: 'a'");
    EXPECT(BIZ_ERROR, 9, 12, "two() got multiple values for argument 'a'");
    EXPECT(BIZ_ERROR, 4, 12, "maximum recursion depth exceeded while calling 'loop' at compile time");
    CU_ASSERT_EQUAL(diags.nerrors, 8);   /* and: no DAG in file */
}

/* Airflow's TaskGroup: prefixed ids, nesting, prefix_group_id=False, the
 * group's default_args between the DAG's and the task's, roots and leaves
 * taken when `>>` is written, @task_group calls and their suffixes. */
static void test_task_groups(void)
{
    const biz_ir *r = check(
        "from datetime import datetime\n"
        "from airflow.decorators import task_group\n"
        "from airflow.operators.empty import EmptyOperator\n"
        "from airflow.utils.task_group import TaskGroup\n"
        "from coworks.biz import biz\n"
        "@task_group\n"
        "def twice(n=1):\n"
        "    x = EmptyOperator(task_id='x')\n"
        "    return x\n"
        "@biz(start_date=datetime(2024, 1, 1), schedule=None, default_args={'retries': 1, 'owner': 'a'})\n"
        "def d():\n"
        "    start = EmptyOperator(task_id='start')\n"
        "    with TaskGroup('g', default_args={'retries': 5}) as g:\n"
        "        a = EmptyOperator(task_id='a')\n"
        "        b = EmptyOperator(task_id='b', retries=7)\n"
        "        with TaskGroup('in') as inner:\n"
        "            c = EmptyOperator(task_id='c')\n"
        "        with TaskGroup('flat', prefix_group_id=False):\n"
        "            f = EmptyOperator(task_id='f')\n"
        "        a >> b\n"
        "    start >> g\n"
        "    c >> f\n"
        "    end = EmptyOperator(task_id='end')\n"
        "    g >> end\n"
        "    end >> [twice(), twice(n=2)]\n"
        "d()\n");
    if (diags.nerrors)
        dump();
    CU_ASSERT_EQUAL_FATAL(diags.nerrors, 0);
    const biz_ir_dag *dg = &r->dags[0];
    const biz_ir_task *a = task(dg, "g.a", NULL), *b = task(dg, "g.b", NULL);
    const biz_ir_task *c = task(dg, "g.in.c", NULL), *f = task(dg, "f", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(task(dg, "twice.x", NULL));
    CU_ASSERT_PTR_NOT_NULL(task(dg, "twice__1.x", NULL));
    CU_ASSERT_STRING_EQUAL(a->group_id, "g");
    CU_ASSERT_STRING_EQUAL(c->group_id, "g.in");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(a->args, "retries")->valueint, 5);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(b->args, "retries")->valueint, 7);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(a->args, "owner")->valuestring, "a");
    /* start >> g: the roots then (a, c, f); g >> end: the leaves then (b,
     * c is no longer one after c >> f, f). */
    CU_ASSERT_TRUE(edge(dg, "start", "g.a"));
    CU_ASSERT_TRUE(edge(dg, "start", "g.in.c"));
    CU_ASSERT_TRUE(edge(dg, "start", "f"));
    CU_ASSERT_FALSE(edge(dg, "start", "g.b"));
    CU_ASSERT_TRUE(edge(dg, "g.b", "end"));
    CU_ASSERT_TRUE(edge(dg, "f", "end"));
    CU_ASSERT_FALSE(edge(dg, "g.a", "end"));
    CU_ASSERT_FALSE(edge(dg, "g.in.c", "end"));
    /* A @task_group call that returns a task stands for it. */
    CU_ASSERT_TRUE(edge(dg, "end", "twice.x"));
    CU_ASSERT_TRUE(edge(dg, "end", "twice__1.x"));

    check("from datetime import datetime\n"
          "from airflow.operators.empty import EmptyOperator\n"
          "from airflow.utils.task_group import TaskGroup\n"
          "from coworks.biz import biz\n"
          "@biz(start_date=datetime(2024, 1, 1), schedule=None)\n"
          "def d():\n"
          "    with TaskGroup('g') as g:\n"
          "        EmptyOperator(task_id='a')\n"
          "    with TaskGroup('g'):\n"
          "        EmptyOperator(task_id='b')\n"
          "    EmptyOperator(task_id='g')\n"
          "    g >> EmptyOperator(task_id='z')\n"
          "d()\n");
    EXPECT(BIZ_ERROR, 9, 20, "duplicate group id 'g' in DAG 'd': a task group has this id");
    EXPECT(BIZ_ERROR, 11, 27, "duplicate task id 'g' in DAG 'd': a task group has this id");
    CU_ASSERT_EQUAL(diags.nerrors, 2);

    /* Label('x') between tasks links what is before it to what follows. */
    r = check("\"\"\"The module's docstring, doc_md=__doc__.\"\"\"\n"
              "from datetime import datetime\n"
              "from airflow.operators.empty import EmptyOperator\n"
              "from airflow.utils.edgemodifier import Label\n"
              "from coworks.biz import biz\n"
              "@biz(start_date=datetime(2024, 1, 1), schedule=None, doc_md=__doc__)\n"
              "def d():\n"
              "    a = EmptyOperator(task_id='a')\n"
              "    b = EmptyOperator(task_id='b')\n"
              "    c = EmptyOperator(task_id='c')\n"
              "    a >> Label('ok') >> [b, c]\n"
              "d()\n");
    CU_ASSERT_EQUAL_FATAL(diags.nerrors, 0);
    CU_ASSERT_TRUE(edge(&r->dags[0], "a", "b"));
    CU_ASSERT_TRUE(edge(&r->dags[0], "a", "c"));
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(r->dags[0].settings, "doc_md")->valuestring,
                           "The module's docstring, doc_md=__doc__.");

    /* Attributes set after the object is made, as the Airflow tutorial
     * does: dag.doc_md, task.doc_md, task.retries; the rest refused. */
    r = check("from datetime import datetime\n"
              "from airflow import DAG\n"
              "from airflow.operators.bash import BashOperator\n"
              "with DAG('d', start_date=datetime(2024, 1, 1), schedule=None) as dag:\n"
              "    t = BashOperator(task_id='t', bash_command='true')\n"
              "    t.doc_md = 'Runs true.'\n"
              "    t.retries = 4\n"
              "    dag.doc_md = 'The DAG.'\n"
              "    t.task_id = 'u'\n"
              "    t.retries = 'many'\n"
              "    dag.schedule = '@daily'\n"
              "    t.nope = 1\n");
    const biz_ir_task *t = task(&r->dags[0], "t", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(t->args, "retries")->valueint, 4);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(t->args, "doc_md")->valuestring, "Runs true.");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(r->dags[0].settings, "doc_md")->valuestring, "The DAG.");
    EXPECT(BIZ_ERROR, 9, 7, "task_id cannot be changed once the task is made");
    EXPECT(BIZ_ERROR, 11, 9, "a DAG's 'schedule' cannot be set after it is made");
    EXPECT(BIZ_ERROR, 12, 7, "BashOperator has no argument 'nope' to set");
    CU_ASSERT_EQUAL(diags.nerrors, 4);
}

/* the last test's tree and diagnostics freed */
static int sema_clean(void)
{
    reset();
    return 0;
}

static const unit_test sema_tests[] = {
    {"accepts a simple DAG", test_accepts_simple},
    {"unknown operator", test_unknown_operator},
    {"unknown argument", test_unknown_argument},
    {"missing arguments", test_missing_arguments},
    {"wrong types", test_wrong_type},
    {"duplicate task id", test_duplicate_task},
    {"invalid task id", test_invalid_task_id},
    {"cycle with its path", test_cycle},
    {">> with lists", test_lists},
    {"chain()", test_chain},
    {"default_args merge", test_default_args_merge},
    {"group expansion and output", test_group},
    {"TaskGroup and @task_group", test_task_groups},
    {"compile-time functions and DAG factories", test_functions},
    {"task references", test_task_refs},
    {"templates", test_template_error},
    {"Python is rejected", test_python_rejected},
    {"quickstart: one error", test_quickstart},
    {"module level", test_module_level},
    {"classic DAGs (dag=dag)", test_classic_dag},
    {"task params", test_task_params},
    {"constants", test_constants},
    {"for loops and comprehensions", test_loops},
    {"f-strings", test_fstrings},
    {"never crashes", test_never_crashes},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"sema", NULL, sema_clean, sema_tests},
    UNIT_SUITES_END,
};
