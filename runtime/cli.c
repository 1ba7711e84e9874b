/* cli.c: parsing the executable's options. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

/* Matches "--name" (value in the next argument) or "--name=value". */
static int opt_value(int argc, char **argv, int *i, const char *name,
                     const char **value, char *err, size_t errlen)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != 0)
        return 0;
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "option %s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

/* Parses argv. */
int biz_cli_parse(int argc, char **argv, biz_cli *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->log_format = BIZ_LOG_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int r;
        if (strcmp(a, "--dry-run") == 0) o->dry_run = 1;
        else if (strcmp(a, "--list") == 0) o->list = 1;
        else if (strcmp(a, "--graph") == 0) o->graph = 1;
        else if (strcmp(a, "--version") == 0) o->version = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) o->help = 1;
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) o->verbosity = -1;
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) o->verbosity = 1;
        else if ((r = opt_value(argc, argv, &i, "--conf", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->conf_json = v;
        } else if ((r = opt_value(argc, argv, &i, "--conf-file", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->conf_file = v;
        } else if ((r = opt_value(argc, argv, &i, "--task", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->task = v;
        } else if ((r = opt_value(argc, argv, &i, "--xcom", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            o->xcom_json = v;
        } else if ((r = opt_value(argc, argv, &i, "--log-format", &v, err, errlen)) != 0) {
            if (r < 0) return -1;
            if (strcmp(v, "text") == 0)
                o->log_format = BIZ_LOG_TEXT;
            else if (strcmp(v, "json") == 0)
                o->log_format = BIZ_LOG_JSON;
            else {
                snprintf(err, errlen, "--log-format must be text or json, not '%s'", v);
                return -1;
            }
        } else {
            snprintf(err, errlen, "%s '%s'", a[0] == '-' ? "unknown option" : "unexpected argument", a);
            return -1;
        }
    }
    if (o->conf_json && o->conf_file) {
        snprintf(err, errlen, "--conf and --conf-file cannot be used together");
        return -1;
    }
    if (o->xcom_json && !o->task) {
        snprintf(err, errlen, "--xcom needs --task");
        return -1;
    }
    return 0;
}

/* Prints --help. */
void biz_cli_usage(FILE *f, const char *prog, const biz_dag_def *dag)
{
    fprintf(f,
        "Usage: %s [OPTION]...\n"
        "Runs the DAG '%s' once (compiled from %s by bizc).\n"
        "\n"
        "  --conf JSON          the run's dag_run.conf (a JSON object)\n"
        "  --conf-file FILE     the same, read from FILE ('-' for stdin)\n"
        "  --dry-run            render every template, call nothing, print the plan\n"
        "  --list               list the tasks: operator, upstream tasks, trigger rule\n"
        "  --graph              print the DAG as Graphviz DOT\n"
        "  --task ID            run one task alone, ignoring its upstream tasks\n"
        "  --xcom JSON          with --task: upstream XComs, {\"task_id\": {\"key\": value}}\n"
        "  --log-format FORMAT  text (default) or json (one object per line)\n"
        "  -q, --quiet          only errors and warnings; no summary\n"
        "  -v, --verbose        debug messages too (no progress line)\n"
        "  --version            DAG id, bizc version, source checksum\n"
        "  -h, --help           this help\n"
        "\n"
        "Environment: AIRFLOW_CONN_<ID> (connections, e.g. AIRFLOW_CONN_COWORKS_DIRECTORY),\n"
        "AIRFLOW_VAR_<NAME> (variables), BIZ_API_GATEWAY_REGION (default eu-west-1),\n"
        "BIZ_API_GATEWAY_URL (base URL for calls by api_id, with {api_id}, {stage}, {region}).\n"
        "\n"
        "Exit status: 0 the run succeeded, 1 it failed, 2 usage error, 3 dagrun_timeout.\n",
        prog, dag->dag_id, dag->source_path ? dag->source_path : "?");
}
