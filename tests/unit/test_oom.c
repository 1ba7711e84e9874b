/* test_oom.c: out of memory in the runtime's pure functions. This program
 * replaces malloc, calloc, realloc, free and strdup with a counting
 * allocator that can fail the Nth allocation. For each case (a template
 * parsed and rendered, connections parsed, a run record read back, a
 * task's arguments parsed, Params validated, Python formatting) it counts
 * the allocations of a clean run, then runs it again for every N from 1 to
 * that count, failing the Nth allocation only (once), then the Nth and
 * every one after it (sticky). Each run must end cleanly: an error, or
 * the clean run's result; no crash and nothing left allocated (the
 * allocator tracks every block made while armed).
 *
 * What a case is known to get wrong today is marked (KNOWN_...): printed,
 * not failed; a crash fails, and so does any finding in a case not
 * marked. BIZ_OOM_VERBOSE=1 prints every finding, with where each block
 * left was allocated and, for a wrong result, where the allocation made
 * to fail was asked for.
 *
 * Each case runs in a child process, so a crash names its case and N.
 * Under AddressSanitizer, ThreadSanitizer or MemorySanitizer, which own
 * malloc themselves, and off glibc (the real allocator is reached through
 * glibc's __libc_malloc), the program exits 77 (skipped). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <execinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "conn.h"
#include "cunit_main.h"
#include "ops.h"
#include "params.h"
#include "pyformat.h"
#include "run.h"
#include "state.h"
#include "template.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OOM_SKIP "built with a sanitizer that owns malloc"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define OOM_SKIP "built with a sanitizer that owns malloc"
#endif
#endif
#if !defined(OOM_SKIP) && !defined(__GLIBC__)
#define OOM_SKIP "the counting allocator needs glibc's __libc_malloc"
#endif

/* ---- the counting allocator ---------------------------------------------- */

#ifndef OOM_SKIP
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

/* While armed, allocations are counted and tracked; the fail_at'th fails
 * (and, sticky, every one after it). */
static struct {
    int armed;
    long count;
    long fail_at;       /* 0: none */
    int sticky;
    long failed;        /* allocations made to fail */
    int overflow;       /* the live set was full: leaks unknown */
} oom;

/* The blocks made while armed and not yet freed: an open-addressing set
 * of addresses, TOMB for a freed slot. Static: it cannot allocate. */
#define LIVE_CAP (1u << 16)
#define TOMB ((void *)1)
static void *live[LIVE_CAP];
#define SITE_DEPTH 12
static void *site[LIVE_CAP][SITE_DEPTH];   /* where each was allocated (BIZ_OOM_VERBOSE) */
static int want_sites;
static void *failed_site[SITE_DEPTH];      /* where the fail_at'th was asked for (BIZ_OOM_VERBOSE) */
static unsigned nlive;

static unsigned slot_of(const void *p)
{
    return (unsigned)(((uintptr_t)p >> 4) * 2654435761u) & (LIVE_CAP - 1);
}

static void live_add(void *p)
{
    if (nlive >= LIVE_CAP / 2) {
        oom.overflow = 1;
        return;
    }
    unsigned i = slot_of(p);
    while (live[i] && live[i] != TOMB)
        i = (i + 1) & (LIVE_CAP - 1);
    live[i] = p;
    memset(site[i], 0, sizeof site[i]);
    if (want_sites)
        backtrace(site[i], SITE_DEPTH);
    nlive++;
}

/* Drops p from the set; 1 when it was there. */
static int live_drop(void *p)
{
    if (!nlive)
        return 0;
    for (unsigned i = slot_of(p); live[i]; i = (i + 1) & (LIVE_CAP - 1))
        if (live[i] == p) {
            live[i] = TOMB;
            nlive--;
            return 1;
        }
    return 0;
}

/* Whether this allocation fails. */
static int fail_now(void)
{
    if (!oom.armed)
        return 0;
    oom.count++;
    if (oom.fail_at && (oom.count == oom.fail_at || (oom.sticky && oom.count > oom.fail_at))) {
        if (oom.count == oom.fail_at && want_sites)
            backtrace(failed_site, SITE_DEPTH);
        oom.failed++;
        return 1;
    }
    return 0;
}

static void *counted_malloc(size_t n)
{
    if (fail_now())
        return NULL;
    void *p = __libc_malloc(n);
    if (p && oom.armed)
        live_add(p);
    return p;
}

void *malloc(size_t n)
{
    return counted_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (fail_now())
        return NULL;
    void *p = __libc_calloc(n, size);
    if (p && oom.armed)
        live_add(p);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (p && n == 0) {
        live_drop(p);
        return __libc_realloc(p, 0);
    }
    if (fail_now())
        return NULL;   /* p stays the caller's, and tracked */
    void *q = __libc_realloc(p, n);
    if (q) {
        /* a block made before arming stays untracked when it moves */
        int tracked = p && live_drop(p);
        if (tracked || (!p && oom.armed))
            live_add(q);
    }
    return q;
}

void free(void *p)
{
    if (p)
        live_drop(p);
    __libc_free(p);
}

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = counted_malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

char *strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *p = counted_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void oom_arm(long fail_at, int sticky)
{
    memset(live, 0, sizeof live);
    nlive = 0;
    oom.count = 0;
    oom.failed = 0;
    oom.overflow = 0;
    oom.fail_at = fail_at;
    oom.sticky = sticky;
    memset(failed_site, 0, sizeof failed_site);
    oom.armed = 1;
}

static void oom_disarm(void)
{
    oom.armed = 0;
}

/* Where the blocks still live were allocated (addr2line reads the
 * offsets). */
static void print_sites(void)
{
    for (unsigned i = 0; i < LIVE_CAP; i++)
        if (live[i] && live[i] != TOMB) {
            fprintf(stderr, "    a block allocated at:\n");
            fflush(stderr);
            int n = 0;
            while (n < SITE_DEPTH && site[i][n])
                n++;
            backtrace_symbols_fd(site[i], n, 2);
        }
}
#endif

const char *unit_skip(void)
{
#ifdef OOM_SKIP
    return OOM_SKIP;
#else
    return NULL;
#endif
}

/* What the sweeps find and this test does not fail. Only libc's is left:
 * glibc's regcomp, failing an allocation of its own, returns REG_ESPACE
 * but does not free all it made (and regfree may not be called on a
 * regex_t that failed), so those runs leak; a case with this mark must
 * still give no wrong result. */
static const char KNOWN_REGCOMP[] = "glibc's regcomp leaks when its own allocation fails (params.c pattern_search)";

/* ---- the sweep ------------------------------------------------------------- */

/* A case: does its whole job, frees what it made, and writes what it got
 * into out (no allocation): 0 with the result, -1 with the error. */
typedef int (*oom_case)(char *out, size_t n);

#ifndef OOM_SKIP
/* What a child tells its parent: where it is, what it found. */
typedef struct finding {
    long at;            /* the N being run */
    int sticky;
    long clean;         /* allocations in a clean run */
    int clean_rc;
    char clean_out[512];
    long wrong, leaked, errors, ok, runs;
    char first[900];    /* the first finding, said */
} finding;

static const char *mode(int sticky)
{
    return sticky ? "and every one after" : "alone";
}

/* Runs fn with each allocation failing in turn; the child's side. A run
 * must give the clean run's result or an error (any error, when the
 * clean run's is one), and leave nothing allocated. */
static void sweep_child(oom_case fn, finding *f)
{
    char out[512];
    int verbose = getenv("BIZ_OOM_VERBOSE") != NULL;   /* every finding, on stderr */
    if (verbose) {
        void *warm[2];
        backtrace(warm, 2);   /* loads what it needs before anything is armed */
        want_sites = 1;
    }
    /* twice unarmed first: caches the runtime and libc fill once */
    fn(out, sizeof out);
    fn(out, sizeof out);
    oom_arm(0, 0);
    f->clean_rc = fn(f->clean_out, sizeof f->clean_out);
    oom_disarm();
    f->clean = oom.count;
    if (nlive) {
        snprintf(f->first, sizeof f->first, "the clean run leaves %u blocks", nlive);
        f->leaked++;
    }
    for (int sticky = 0; sticky < 2; sticky++)
        for (long n = 1; n <= f->clean; n++) {
            f->at = n;
            f->sticky = sticky;
            out[0] = '\0';
            oom_arm(n, sticky);
            int rc = fn(out, sizeof out);
            oom_disarm();
            f->runs++;
            if (verbose && ((rc == 0 && (f->clean_rc != 0 || strcmp(out, f->clean_out) != 0)) || nlive))
                fprintf(stderr, "  %ld (%s): %s, %u blocks left: %s\n", n, mode(sticky),
                        rc ? "error" : "result", nlive, out);
            if (verbose && rc == 0 && (f->clean_rc != 0 || strcmp(out, f->clean_out) != 0)) {
                int d = 0;
                while (d < SITE_DEPTH && failed_site[d])
                    d++;
                fprintf(stderr, "    the allocation failed at:\n");
                fflush(stderr);
                backtrace_symbols_fd(failed_site, d, 2);
            }
            if (verbose && nlive)
                print_sites();
            if (rc == 0 && (f->clean_rc != 0 || strcmp(out, f->clean_out) != 0)) {
                f->wrong++;
                if (!f->first[0])
                    snprintf(f->first, sizeof f->first, "allocation %ld failing (%s): the result\n    %s\n  is not\n    %s",
                             n, mode(sticky), out, f->clean_out);
            } else if (rc == 0) {
                f->ok++;
            } else {
                f->errors++;
            }
            if (oom.overflow || nlive) {
                f->leaked++;
                if (!f->first[0])
                    snprintf(f->first, sizeof f->first, "allocation %ld failing (%s): %s%u blocks left allocated",
                             n, mode(sticky), oom.overflow ? "over " : "", nlive);
            }
        }
    f->at = 0;
}

/* Sweeps fn in a child and asserts it found nothing; want_ok: the clean
 * run succeeds (else it is an error case). known: what this case is known
 * to do wrong under out of memory (a wrong result, a leak), reported but
 * not failed; a crash always fails. */
static void sweep(const char *what, oom_case fn, int want_ok, const char *known)
{
    finding *f = mmap(NULL, sizeof *f, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(f != MAP_FAILED);
    memset(f, 0, sizeof *f);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        sweep_child(fn, f);
        _exit(0);
    }
    int st = 0;
    CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
    int died = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    if (died)
        printf("\n  %s: the child died (status %#x) with allocation %ld failing (%s)\n", what, st, f->at,
               mode(f->sticky));
    else if ((f->clean_rc == 0) != want_ok)
        printf("\n  %s: the clean run gave %s: %s\n", what, f->clean_rc ? "an error" : "a result", f->clean_out);
    else if (f->first[0] && known)
        printf("\n  %s: known: %s (%ld wrong, %ld leaking of %ld runs; first: %s)\n", what, known, f->wrong,
               f->leaked, f->runs, f->first);
    else if (f->first[0])
        printf("\n  %s: %s\n", what, f->first);
    else if (known)
        printf("\n  %s: the known problem is gone (%s): drop the mark\n", what, known);
    CU_ASSERT(!died);
    CU_ASSERT(f->clean > 0);
    CU_ASSERT_EQUAL(f->clean_rc == 0, want_ok);
    if (!known || known == KNOWN_REGCOMP)   /* only leaks */
        CU_ASSERT_EQUAL(f->wrong, 0);
    if (!known)
        CU_ASSERT_EQUAL(f->leaked, 0);
    if (!died && !f->first[0])
        printf("[%s: %ld allocations, %ld runs: %ld errors, %ld results] ", what, f->clean, f->runs, f->errors,
               f->ok);
    munmap(f, sizeof *f);
}
#else
static void sweep(const char *what, oom_case fn, int want_ok, const char *known)
{
    (void)what;
    (void)fn;
    (void)want_ok;
    (void)known;
}
#endif

/* ---- templates ------------------------------------------------------------- */

static const char *vars_json =
    "{\"ds\": \"2024-01-02\", \"run_id\": \"manual__1\","
    " \"dag_run\": {\"run_id\": \"manual__1\", \"conf\": {\"n\": 3, \"list\": [1, 2, 3]}},"
    " \"params\": {\"p\": \"v\", \"num\": 5}, \"dag\": {\"dag_id\": \"d1\"},"
    " \"data\": {\"a\": 1, \"b\": [true, null, \"x\"]},"
    " \"users\": [{\"name\": \"b\", \"age\": 30}, {\"name\": \"a\", \"age\": 20}]}";
static cJSON *vars;
static biz_tpl_env env;

static cJSON *fake_xcom(void *user, const char *task_id, const char *key, int *failed)
{
    (void)user;
    (void)key;
    if (strcmp(task_id, "a") != 0)
        return NULL;
    cJSON *v = cJSON_Parse("{\"x\": [1, \"two\"]}");
    *failed = !v;
    return v;
}

static const char *fake_getenv(void *user, const char *name)
{
    (void)user;
    if (strcmp(name, "AIRFLOW_VAR_CFG") == 0)
        return "{\"k\": [1, 2], \"s\": \"x\"}";
    if (strcmp(name, "AIRFLOW_CONN_MY_HTTP") == 0)
        return "https://user:p%40ss@example.com:8443/api?timeout=5";
    return NULL;
}

static int tpl_init(void)
{
    vars = cJSON_Parse(vars_json);
    if (!vars)
        return -1;
    cJSON_AddItemToObject(vars, "logical_date", biz_tpl_new_datetime(1704153600, 0, NULL));
    env.vars = vars;
    env.xcom_pull = fake_xcom;
    env.getenv = fake_getenv;
    env.task_id = "t1";
    env.try_number = 1;
    return 0;
}

static int tpl_clean(void)
{
    cJSON_Delete(vars);
    return 0;
}

/* Writes v as JSON into out; -1 when it cannot. */
static int json_into(const cJSON *v, char *out, size_t n)
{
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    if (!s)
        return snprintf(out, n, "(no JSON)"), -1;
    snprintf(out, n, "%s", s);
    free(s);
    return 0;
}

/* Parses and renders text into out. */
static int render(const char *text, char *out, size_t n)
{
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(text, strlen(text), &err);
    if (!t)
        return snprintf(out, n, "parse: %d: %s", err.offset, err.message), -1;
    char *s = biz_tpl_render(t, &env, &err);
    biz_tpl_free(t);
    if (!s)
        return snprintf(out, n, "render: %d: %s", err.offset, err.message), -1;
    snprintf(out, n, "%s", s);
    free(s);
    return 0;
}

static int tpl_text(char *out, size_t n)
{
    return render("{{ ds }}/{{ params.p | upper }}: {% for x in dag_run.conf.list %}{{ x * 2 }},{% endfor %}"
                  " {{ data }} {{ users | map(attribute='name') | join('+') }} {{ users | sort(attribute='age') | first }}"
                  " {{ '%s-%03d' % (dag.dag_id, params.num) }} {{ '{}:{:>4}'.format('a', 7) }} {{ 2 ** 70 }}",
                  out, n);
}

static int tpl_context(char *out, size_t n)
{
    return render("{{ ti.xcom_pull(task_ids='a') }} {{ var.json.cfg.k }} {{ conn.my_http.host }}"
                  " {{ logical_date.strftime('%Y/%m') }} {{ macros.ds_add(ds, 3) }} {{ logical_date }}"
                  " {% set s = data.b | reverse | list %}{{ s | length }} {{ data | tojson }}",
                  out, n);
}

static int tpl_error(char *out, size_t n)
{
    return render("{{ params.p ~ (data.a / 0) }}", out, n);
}

static int tpl_native(char *out, size_t n)
{
    biz_tpl_error err;
    const char *text = "{{ dag_run.conf.list + [params.num, data.b] }}";
    biz_tpl *t = biz_tpl_parse(text, strlen(text), &err);
    if (!t)
        return snprintf(out, n, "parse: %s", err.message), -1;
    cJSON *v = biz_tpl_render_native(t, &env, &err);
    biz_tpl_free(t);
    if (!v)
        return snprintf(out, n, "render: %s", err.message), -1;
    int rc = json_into(v, out, n);
    cJSON_Delete(v);
    return rc;
}

static int tpl_value(char *out, size_t n)
{
    cJSON *in = cJSON_Parse("{\"url\": \"/x/{{ params.p }}\", \"list\": [\"{{ params.num + 1 }}\", 2],"
                            " \"plain\": \"y\"}");
    if (!in)
        return snprintf(out, n, "(no input)"), -1;
    biz_tpl_error err;
    char *where = NULL;
    cJSON *v = biz_tpl_render_value(in, 1, &env, &err, &where);
    cJSON_Delete(in);
    free(where);
    if (!v)
        return snprintf(out, n, "render: %s", err.message), -1;
    int rc = json_into(v, out, n);
    cJSON_Delete(v);
    return rc;
}

static void test_template_render(void)
{
    sweep("text", tpl_text, 1, NULL);
    sweep("context", tpl_context, 1, NULL);
    sweep("run-time error", tpl_error, 0, NULL);
}

static void test_template_native(void)
{
    sweep("native", tpl_native, 1, NULL);
    sweep("render_value", tpl_value, 1, NULL);
}

/* ---- connections ----------------------------------------------------------- */

static int conn(const char *text, char *out, size_t n)
{
    biz_conn c;
    char err[256];
    if (biz_conn_parse("my_conn", text, &c, err, sizeof err) != 0)
        return snprintf(out, n, "%s", err), -1;
    char *url = biz_conn_base_url(&c);
    char *extra = cJSON_PrintUnformatted(c.extra);
    int rc = url && extra ? 0 : -1;
    snprintf(out, n, "%s %s %s %s %s %s %d %s %s", c.conn_id, c.conn_type, c.host, c.login ? c.login : "-",
             c.password ? "(password)" : "-", c.schema, c.port, extra ? extra : "-", url ? url : "-");
    free(extra);
    free(url);
    biz_conn_free(&c);
    return rc;
}

static int conn_uri(char *out, size_t n)
{
    return conn("https://us%20er:p%40ss@example.com:8443/api/v1?timeout=5&verify=false&h=a&h=b", out, n);
}

static int conn_extra(char *out, size_t n)
{
    return conn("http://host.local/?__extra__=%7B%22a%22%3A+%5B1%2C+2%5D%2C+%22b%22%3A+%22c%22%7D", out, n);
}

static int conn_json(char *out, size_t n)
{
    return conn("{\"conn_type\": \"http\", \"host\": \"h.example\", \"login\": \"u\", \"password\": \"p\","
                " \"port\": 8080, \"schema\": \"s\", \"extra\": {\"timeout\": 3}}",
                out, n);
}

static int conn_bad(char *out, size_t n)
{
    int rc = conn("http://u:secret@host:notaport/", out, n);
    return strstr(out, "secret") ? 0 : rc;   /* a leaked secret is a "result": wrong */
}

static void test_conn_parse(void)
{
    sweep("URI", conn_uri, 1, NULL);
    sweep("__extra__", conn_extra, 1, NULL);
    sweep("JSON", conn_json, 1, NULL);
    sweep("malformed", conn_bad, 0, NULL);
}

/* ---- run records ----------------------------------------------------------- */

static const int up_b[] = {0};
static const biz_task_def tasks[] = {
    {"a", BIZ_OP_EMPTY, NULL, "{}", NULL, 0, NULL, 0, 1, 1, NULL},
    {"b", BIZ_OP_EMPTY, NULL, "{\"retries\": 2}", up_b, 1, NULL, 0, 2, 1, NULL},
};
static const biz_dag_def dag = {
    "t_dag", "t.biz", "00", "test", NULL,
    "{\"schedule\": \"@daily\", \"start_date\": \"2024-01-01T00:00:00+00:00\", \"catchup\": true}",
    tasks, 2, 1, NULL, 0,
};
#define T0 ((time_t)1704153600)   /* 2024-01-02 */
static char *record_text;

static int state_init(void)
{
    char err[256];
    biz_run *run = biz_run_new(&dag, NULL, T0, err, sizeof err);
    if (!run)
        return -1;
    run->run_type = "scheduled";
    run->state = BIZ_RUN_RUNNING;
    cJSON_AddStringToObject(run->conf, "k", "v");
    run->tis[0]->state = BIZ_TI_SUCCESS;
    run->tis[0]->tries = 1;
    run->tis[0]->first_start = 1704153600.5;
    run->tis[0]->end = 1704153601.25;
    biz_run_xcom_push(run, 0, "return_value", cJSON_Parse("{\"x\": [1, 2, \"three\"]}"));
    run->tis[1]->state = BIZ_TI_FAILED;
    run->tis[1]->tries = 3;
    run->tis[1]->reason = strdup("HTTP 500");
    cJSON *rec = biz_record_from_run(run, NULL);
    record_text = rec ? cJSON_Print(rec) : NULL;
    cJSON_Delete(rec);
    biz_run_free(run);
    return record_text ? 0 : -1;
}

static int state_clean(void)
{
    free(record_text);
    return 0;
}

static int record_read(char *out, size_t n)
{
    cJSON *rec = cJSON_Parse(record_text);
    if (!rec)
        return snprintf(out, n, "(no JSON)"), -1;
    char err[256] = "";
    int rc = -1;
    biz_run *run = NULL;
    if (biz_record_check(rec, err, sizeof err) != 0)
        goto out;
    run = biz_run_new(&dag, NULL, T0, err, sizeof err);
    if (!run)
        goto out;
    int rerun = biz_record_apply(run, rec, err, sizeof err);
    if (rerun < 0)
        goto out;
    char *xcom = cJSON_PrintUnformatted(biz_run_xcom_get(run, 0, NULL));
    char *conf = cJSON_PrintUnformatted(run->conf);
    if (xcom && conf) {
        snprintf(err, sizeof err, "%s %s rerun %d: a %d/%d %s, b %d/%d; conf %s", run->run_id, run->run_type,
                 rerun, run->tis[0]->state, run->tis[0]->tries, xcom, run->tis[1]->state, run->tis[1]->tries,
                 conf);
        rc = 0;
    }
    free(xcom);
    free(conf);
out:
    snprintf(out, n, "%s", err);
    biz_run_free(run);
    cJSON_Delete(rec);
    return rc;
}

static void test_record_read(void)
{
    sweep("record", record_read, 1, NULL);
}

/* ---- arguments and Params -------------------------------------------------- */

static int args_parse(char *out, size_t n)
{
    cJSON *a = biz_args_parse(BIZ_OP_BASH, "{\"bash_command\": \"echo {{ ds }}\", \"env\": {\"A\": \"1\"},"
                                           " \"retries\": 3, \"cwd\": null}");
    if (!a)
        return snprintf(out, n, "(no arguments)"), -1;
    cJSON *full = biz_args_full(BIZ_OP_BASH, a);
    int rc = json_into(a, out, n);
    if (rc == 0 && full) {
        size_t used = strlen(out);
        rc = json_into(full, out + used, n - used);
    } else {
        rc = -1;
    }
    cJSON_Delete(full);
    cJSON_Delete(a);
    return rc;
}

static const char *settings_json =
    "{\"params\": {\"name\": \"bob\", \"n\": 3, \"tags\": [\"a\"]},"
    " \"param_specs\": {"
    "  \"name\": {\"has_default\": true, \"schema\": {\"type\": \"string\", \"pattern\": \"^[a-z]+$\", \"minLength\": 2}},"
    "  \"n\": {\"has_default\": true, \"schema\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 10}},"
    "  \"tags\": {\"has_default\": true, \"schema\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}}}";

/* Validates conf: 0, or -1 with Airflow's message. */
static int params(const char *conf_json, char *out, size_t n)
{
    cJSON *settings = cJSON_Parse(settings_json);
    cJSON *conf = cJSON_Parse(conf_json);
    int rc = -1;
    snprintf(out, n, "(no JSON)");
    if (settings && conf) {
        char err[256] = "valid";
        rc = biz_params_validate(settings, conf, err, sizeof err);
        snprintf(out, n, "%s", err);
    }
    cJSON_Delete(conf);
    cJSON_Delete(settings);
    return rc;
}

static int params_ok(char *out, size_t n)
{
    return params("{\"name\": \"alice\", \"n\": 4}", out, n);
}

static int params_bad(char *out, size_t n)
{
    return params("{\"name\": \"Alice9\"}", out, n);
}

static void test_args_params(void)
{
    sweep("task arguments", args_parse, 1, NULL);
    sweep("params accepted", params_ok, 1, KNOWN_REGCOMP);
    sweep("params refused", params_bad, 0, KNOWN_REGCOMP);
}

/* ---- Python formatting ----------------------------------------------------- */

static int text_cb(biz_pyfmt *f, const biz_pyfmt_val *v, int repr, biz_buf *out)
{
    (void)v;
    biz_buf_adds(out, repr ? "[1, 'a']" : "[1, a]");
    return biz_buf_failed(out) ? biz_pyfmt_fail(f, "MemoryError") : 0;
}

static int pyfmt_run(char *out, size_t n)
{
    biz_pyfmt f = {.text = text_cb};
    biz_buf b = {0};
    biz_pyfmt_val args[] = {
        {.kind = BIZ_PYFMT_INT, .i = 1234567},
        {.kind = BIZ_PYFMT_FLOAT, .f = 3.14159},
        {.kind = BIZ_PYFMT_STR, .s = "h\xc3\xa9llo", .len = 6},
        {.kind = BIZ_PYFMT_OTHER, .type = "list"},
    };
    const char *const kw[] = {"who"};
    biz_pyfmt_val kwv[] = {{.kind = BIZ_PYFMT_STR, .s = "x", .len = 1}};
    const char *fmt = "{0:,} {1:.2f} {2!r:^12} {3} {3!r} {who:*>5} {0:#x} {1:e}";
    int rc = biz_pyfmt_str_format(&f, fmt, strlen(fmt), args, 4, kw, kwv, 1, &b);
    biz_pyfmt_val tuple = {.kind = BIZ_PYFMT_TUPLE, .items = args, .n = 4};
    const char *pct = " %d|%8.3f|%-8s|%r ";
    if (rc == 0)
        rc = biz_pyfmt_percent(&f, pct, strlen(pct), &tuple, &b);
    if (rc == 0)
        rc = biz_pyfmt_format(&f, &args[1], "+010.4", 6, &b);
    if (rc != 0)
        snprintf(out, n, "%d: %s", f.why, f.msg);
    else if (biz_buf_failed(&b))
        rc = 0, snprintf(out, n, "(said it worked, but the text was dropped)");
    else
        snprintf(out, n, "%s", b.p);
    biz_buf_free(&b);
    return rc;
}

static void test_pyformat(void)
{
    sweep("format, str.format, %", pyfmt_run, 1, NULL);
}

/* ---- the suites ------------------------------------------------------------ */

static const unit_test tpl_tests[] = {
    {"render: text, context, a run-time error", test_template_render},
    {"render: native, render_value", test_template_native},
    UNIT_TESTS_END,
};

static const unit_test reader_tests[] = {
    {"connections: URI, __extra__, JSON, malformed", test_conn_parse},
    {"run record read back and applied", test_record_read},
    {"task arguments and Params", test_args_params},
    {"format, str.format, %", test_pyformat},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"oom: templates", tpl_init, tpl_clean, tpl_tests},
    {"oom: readers", state_init, state_clean, reader_tests},
    UNIT_SUITES_END,
};
