/* main.c: bizc's command line. Reads a .biz file, reports diagnostics,
 * writes the C for one DAG and has the C compiler build it. */
#include <curl/curlver.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bizrt.h"
#include "codegen.h"
#include "describe.h"
#include "diag.h"
#include "driver.h"
#include "parse.h"
#include "sema.h"
#include "xalloc.h"

static const char usage_text[] =
    "usage: bizc [options] FILE.biz\n"
    "Compiles an Airflow / CoWorks biz DAG file into one executable.\n"
    "\n"
    "  -o OUT           write the executable to OUT (default: FILE without .biz,\n"
    "                   in the current directory)\n"
    "  --emit-c FILE    write the generated C to FILE ('-' for stdout); with -o\n"
    "                   it also builds\n"
    "  --check          report diagnostics only\n"
    "  --dag NAME       the DAG to build when the file defines several\n"
    "  --cc CC          the C compiler (default: $CC, else the configured one)\n"
    "  -g               keep debugging symbols (default: strip)\n"
    "  --static         link a fully static executable\n"
    "  --dynamic        link against the shared libcurl and cJSON\n"
    "  -Werror          treat warnings as errors\n"
    "  -v               show the C compiler's command line\n"
    "  --dump-ast       print the syntax tree\n"
    "  --describe-ops   print the operator table as JSON and exit\n"
    "  --version        show versions and exit\n"
    "  --help           show this help and exit\n"
    "\n"
    "Exit status: 0 ok, 1 errors in the input, 2 usage or toolchain error.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("bizc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'bizc --help'.\n", stderr);
    return 2;
}

/* The option's value: "--opt=V", "--opt V" or "-oV". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=' && name[1] == '-')
        return a + n + 1;
    if (strcmp(a, name) == 0)
        return *i + 1 < argc ? argv[++*i] : NULL;
    if (name[1] != '-' && strncmp(a, name, n) == 0 && a[n])
        return a + n;
    return NULL;
}

static int matches(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strcmp(a, name) == 0
           || (strncmp(a, name, n) == 0 && ((name[1] == '-' && a[n] == '=') || (name[1] != '-' && a[n])));
}

/* The default output: the file's base name without .biz (or .py). */
static char *default_out(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".biz") == 0)
        n -= 4;
    else if (n > 3 && strcmp(base + n - 3, ".py") == 0)
        n -= 3;
    else
        return NULL;
    return biz_xstrndup(base, n);
}

static int write_file(const char *path, const char *text, size_t len)
{
    if (strcmp(path, "-") == 0) {
        fwrite(text, 1, len, stdout);
        return fflush(stdout) == 0 ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(text, 1, len, f);
    int rc = fclose(f);
    return w == len && rc == 0 ? 0 : -1;
}

/* Writes the C of dag to path ('-': stdout) as biz_codegen_write makes
 * it; -1 with errno set when it cannot. */
static int emit_file(const char *path, const biz_ir_dag *dag, const biz_codegen_info *info)
{
    if (strcmp(path, "-") == 0) {
        int rc = biz_codegen_write(dag, info, stdout);
        return fflush(stdout) == 0 && rc == 0 ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int rc = biz_codegen_write(dag, info, f);
    int err = errno;
    if (fclose(f) != 0)
        return -1;
    errno = err;
    return rc;
}

static void print_version(void)
{
    printf("bizc %s\n", biz_driver_version());
    printf("C compiler %s\n", biz_driver_default_cc());
    printf("runtime libbizrt %s (ABI %d)\n", biz_driver_version(), BIZRT_ABI);
    /* The libcurl that DAG executables link: its headers' version (bizc
     * itself does not link libcurl, so that it starts in a millisecond). */
    printf("libcurl %s\n", LIBCURL_VERSION);
    printf("cJSON %s\n", cJSON_Version());
    /* configure checked that the static libcurl/cJSON are these versions. */
    printf("DAG executables: %s by default\n", biz_driver_default_link());
}

int main(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *emit = NULL, *dag_name = NULL, *cc = NULL;
    int check = 0, werror = 0, dump_ast = 0;
    biz_driver_opts dopt = { NULL, NULL, 0, BIZ_LINK_DEFAULT, 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            print_version();
            return 0;
        } else if (!strcmp(a, "--describe-ops")) {
            if (biz_describe_ops(stdout) < 0) {
                fprintf(stderr, "bizc: cannot write the operator table: %s\n", strerror(errno));
                return 2;
            }
            return 0;
        } else if (matches(a, "-o")) {
            if (!(v = opt_value(argc, argv, &i, "-o")))
                return usage_error("option '%s' needs a file name", "-o");
            out = v;
        } else if (matches(a, "--emit-c")) {
            if (!(v = opt_value(argc, argv, &i, "--emit-c")))
                return usage_error("option '%s' needs a file name (or '-')", "--emit-c");
            emit = v;
        } else if (matches(a, "--dag")) {
            if (!(v = opt_value(argc, argv, &i, "--dag")))
                return usage_error("option '%s' needs a DAG id", "--dag");
            dag_name = v;
        } else if (matches(a, "--cc")) {
            if (!(v = opt_value(argc, argv, &i, "--cc")))
                return usage_error("option '%s' needs a compiler", "--cc");
            cc = v;
        } else if (!strcmp(a, "--check")) {
            check = 1;
        } else if (!strcmp(a, "-g")) {
            dopt.debug = 1;
        } else if (!strcmp(a, "--static")) {
            dopt.link = BIZ_LINK_STATIC;
        } else if (!strcmp(a, "--dynamic")) {
            dopt.link = BIZ_LINK_DYNAMIC;
        } else if (!strcmp(a, "-Werror")) {
            werror = 1;
        } else if (!strcmp(a, "-v")) {
            dopt.verbose = 1;
        } else if (!strcmp(a, "--dump-ast")) {
            dump_ast = 1;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (file) {
            return usage_error("one input file at a time (got '%s' too)", a);
        } else {
            file = a;
        }
    }
    if (!file)
        return usage_error("%s", "no input file");
    char *dflt = NULL;
    if (!out && !check && !emit && !dump_ast) {
        dflt = default_out(file);
        if (!dflt)
            return usage_error("cannot name the executable after '%s'; use -o OUT", file);
        out = dflt;
    }

    biz_source *src = biz_source_read(file);
    if (!src) {
        fprintf(stderr, "bizc: cannot read %s: %s\n", file, strerror(errno));
        free(dflt);
        return 2;
    }
    biz_diags d;
    biz_diags_init(&d, src, stderr);
    const char *nc = getenv("NO_COLOR");
    d.color = isatty(STDERR_FILENO) && !(nc && *nc);
    d.werror = werror;
    d.deferred = 1;   /* printed in source order once sema is done */
    biz_ast *ast = biz_parse(src, &d);
    if (dump_ast)
        biz_ast_dump(ast, stdout);
    /* The IR borrows nothing from the tree: sema frees it before building
     * the IR, which then reuses its memory. */
    biz_ir *ir = biz_sema_check_free(ast, &d);
    ast = NULL;
    biz_diags_print(&d);
    int status = 0;
    if (d.nerrors > 0 || (werror && d.nwarnings > 0)) {
        status = 1;
        goto done;
    }
    const biz_ir_dag *dag = NULL;
    if (dump_ast)
        goto done;
    if (dag_name) {
        /* --check --dag NAME too: a NAME the file does not define is a
         * mistake, whatever else is asked. */
        dag = biz_ir_find_dag(ir, dag_name);
        if (!dag) {
            fprintf(stderr, "bizc: no DAG '%s' in %s; it defines:", dag_name, file);
            for (int i = 0; i < ir->ndags; i++)
                fprintf(stderr, "%s %s", i ? "," : "", ir->dags[i].dag_id);
            fputc('\n', stderr);
            status = 2;
            goto done;
        }
    } else if (check) {
        goto done;
    } else if (ir->ndags > 1) {
        fprintf(stderr, "bizc: %s defines %d DAGs (", file, ir->ndags);
        for (int i = 0; i < ir->ndags; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", ir->dags[i].dag_id);
        fprintf(stderr, "); choose one with --dag NAME\n");
        status = 2;
        goto done;
    } else {
        dag = &ir->dags[0];
    }
    if (check)
        goto done;

    char datebuf[32];
    biz_codegen_info info = { file, src->text, src->len, biz_driver_version(),
                              biz_codegen_build_date(datebuf) };
    if (emit && !out) {
        /* Only the C: written as it is made, not held whole. */
        if (emit_file(emit, dag, &info) < 0) {
            fprintf(stderr, "bizc: cannot write %s: %s\n", emit, strerror(errno));
            status = 2;
        }
        goto done;
    }
    size_t clen;
    char *c = biz_codegen_c(dag, &info, &clen);
    if (emit && write_file(emit, c, clen) < 0) {
        fprintf(stderr, "bizc: cannot write %s: %s\n", emit, strerror(errno));
        status = 2;
    } else if (out) {
        dopt.cc = cc;
        dopt.out = out;
        status = biz_driver_build(c, clen, &dopt);
    }
    free(c);
done:
    biz_ir_free(ir);
    biz_diags_free(&d);
    biz_source_free(src);
    free(dflt);
    return status;
}
