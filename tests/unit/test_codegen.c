/* test_codegen.c: the generated C for small DAGs holds the expected tables,
 * is byte-for-byte deterministic, and compiles warning-free (gcc
 * -fsyntax-only against runtime/bizrt.h). Also the SHA-256 used for the
 * source digest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cunit_main.h"
#include "codegen.h"
#include "diag.h"
#include "parse.h"
#include "sema.h"
#include "sha256.h"

#ifndef BIZC_TEST_SRCDIR
#define BIZC_TEST_SRCDIR "."
#endif

static const char dag_src[] =
    "from datetime import datetime, timedelta\n"
    "from coworks.biz import TechMicroServiceOperator, TechMicroServiceAsyncGroup, biz\n"
    "from airflow.operators.empty import EmptyOperator\n"
    "@biz(start_date=datetime(2024, 1, 1), schedule='@daily', tags=['t'],\n"
    "     default_args={'retries': 1, 'retry_delay': timedelta(seconds=30)})\n"
    "def demo():\n"
    "    a = TechMicroServiceOperator(task_id='a', cws_name='svc', method='POST',\n"
    "                                 json={'q': \"{{ dag_run.conf['x'] }}\", 'text': 'say \\\"hi\\\"\\n?\?=\\u00e9'})\n"
    "    g = TechMicroServiceAsyncGroup('g', cws_name='slow', method='POST', json=a.output)\n"
    "    z = EmptyOperator(task_id='z')\n"
    "    a >> g >> z\n"
    "demo()\n";

/* Runs sema on text and returns the C of its only DAG (malloc'd). */
static char *gen(const char *text, size_t *len)
{
    biz_source *src = biz_source_from_string("demo.biz", text, strlen(text));
    biz_diags d;
    biz_diags_init(&d, src, stderr);
    biz_ast *ast = biz_parse(src, &d);
    biz_ir *ir = biz_sema_check(ast, &d);
    char *c = NULL;
    CU_ASSERT_EQUAL(d.nerrors, 0);
    if (d.nerrors == 0 && ir->ndags == 1) {
        biz_codegen_info info = { "demo.biz", src->text, src->len, "9.9.9", NULL };
        c = biz_codegen_c(&ir->dags[0], &info, len);
    }
    biz_ir_free(ir);
    biz_ast_free(ast);
    biz_diags_free(&d);
    biz_source_free(src);
    return c;
}

/* c with adjacent string literals joined: every `"` newline, blanks, `"`
 * removed (malloc'd), so a check does not depend on where lines split. */
static char *unsplit(const char *c)
{
    char *j = malloc(strlen(c) + 1);
    char *o = j;
    if (!j)
        return NULL;
    for (const char *p = c; *p; p++) {
        if (p[0] == '"' && p[1] == '\n') {
            const char *q = p + 2;
            while (*q == ' ')
                q++;
            if (*q == '"') {
                p = q;
                continue;
            }
        }
        *o++ = *p;
    }
    *o = 0;
    return j;
}

static void test_tables(void)
{
    size_t len;
    char *c = gen(dag_src, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(strlen(c), len);
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "#include \"bizrt.h\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, ".task_id = \"a\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, ".task_id = \"g.call\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, ".group_id = \"g\""));
    /* a (0), g.call (1), g.wait (2), g.read (3), z (4) */
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "static const int biz_up_1[] = { 0 };"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "static const int biz_up_4[] = { 3 };"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, ".ntasks = 5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, ".dag_id = \"demo\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, ".bizc_version = \"9.9.9\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, ".build_date = NULL"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "{ \"task_id\", 7, 42 }"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "\\\"schedule\\\":\\\"@daily\\\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "\\\"retry_delay\\\":30"));
    char *joined = unsplit(c);
    /* checked on the joined text: the long string literal may split anywhere */
    CU_ASSERT(joined && strstr(joined, "\\\"asynchronous\\\":true"));
    CU_ASSERT(joined && strstr(joined, "{{ ti.xcom_pull(task_ids='a') }}"));
    CU_ASSERT(joined && strstr(joined, "\\303\\251"));       /* é as octal escapes */
    free(joined);
    CU_ASSERT_PTR_NULL(strstr(c, "?\?="));                    /* no trigraph */
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "&BIZRT_ABI_SYMBOL"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "return biz_main(&biz_dag, argc, argv);"));
    char sha[65];
    biz_sha256_hex(dag_src, strlen(dag_src), sha);
    CU_ASSERT_PTR_NOT_NULL(strstr(c, sha));
    free(c);
}

static void test_deterministic(void)
{
    size_t l1, l2;
    char *a = gen(dag_src, &l1), *b = gen(dag_src, &l2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(l1, l2);
    CU_ASSERT(memcmp(a, b, l1) == 0);
    free(a);
    free(b);
}

/* gcc -fsyntax-only -Wall -Wextra -Werror on the generated C. */
static int compiles(const char *c)
{
    char path[] = "/tmp/test_codegen_XXXXXX.c";
    int fd = mkstemps(path, 2);
    if (fd < 0)
        return 0;
    FILE *f = fdopen(fd, "w");
    fputs(c, f);
    fclose(f);
    char cmd[8192];
    const char *cc = getenv("CC");
    snprintf(cmd, sizeof cmd, "%s -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I%s/runtime %s",
             cc && *cc ? cc : "cc", BIZC_TEST_SRCDIR, path);
    int rc = system(cmd);
    unlink(path);
    return rc == 0;
}

static void test_compiles(void)
{
    char *c = gen(dag_src, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT(compiles(c));
    free(c);
    /* An empty DAG (a warning only) has no task tables at all. */
    c = gen("from coworks.biz import biz\n@biz(schedule=None)\ndef e():\n    pass\ne()\n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c, ".tasks = NULL"));
    CU_ASSERT(compiles(c));
    free(c);
}

static void test_build_date(void)
{
    char buf[32];
    unsetenv("SOURCE_DATE_EPOCH");
    CU_ASSERT_PTR_NULL(biz_codegen_build_date(buf));
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    CU_ASSERT_STRING_EQUAL(biz_codegen_build_date(buf), "2023-11-14T22:13:20+00:00");
    setenv("SOURCE_DATE_EPOCH", "soon", 1);
    CU_ASSERT_PTR_NULL(biz_codegen_build_date(buf));
    unsetenv("SOURCE_DATE_EPOCH");
}

static void test_sha256(void)
{
    char h[65];
    biz_sha256_hex("", 0, h);
    CU_ASSERT_STRING_EQUAL(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    biz_sha256_hex("abc", 3, h);
    CU_ASSERT_STRING_EQUAL(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    biz_sha256_hex(two, strlen(two), h);
    CU_ASSERT_STRING_EQUAL(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* 55 and 56 bytes: the padding boundary. */
    char b[64];
    memset(b, 'a', sizeof b);
    biz_sha256_hex(b, 55, h);
    CU_ASSERT_STRING_EQUAL(h, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    biz_sha256_hex(b, 56, h);
    CU_ASSERT_STRING_EQUAL(h, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

static const unit_test codegen_tests[] = {
    {"tables", test_tables},
    {"deterministic", test_deterministic},
    {"compiles with -Werror", test_compiles},
    {"build date", test_build_date},
    {"sha256", test_sha256},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"codegen", NULL, NULL, codegen_tests},
    UNIT_SUITES_END,
};
