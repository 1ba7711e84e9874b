/* bizrt.h: what a compiled DAG hands to the runtime (libbizrt).
 *
 * bizc generates C that is only data: const tables of this shape plus
 *
 *     int main(int argc, char **argv) { return biz_main(&biz_dag, argc, argv); }
 *
 * All behaviour lives in libbizrt. This header is installed and must stay
 * free of other libraries' headers (the generated C includes only it).
 * Everything is static const data owned by the executable.
 */
#ifndef BIZRT_H
#define BIZRT_H

/* The layout version of these tables: bump when they change, so that a
 * generated file and a runtime that disagree fail to link instead of
 * misreading each other. */
#define BIZRT_ABI 2
#define BIZRT_ABI_SYMBOL biz_rt_abi_2
extern const int BIZRT_ABI_SYMBOL;

/* Where an argument (or a template inside it) was written in the .biz file,
 * so that errors at run time point at the source. */
typedef struct biz_arg_loc {
    const char *name;     /* argument name */
    int line;             /* of the argument's value */
    int col;
} biz_arg_loc;

/* One task. */
typedef struct biz_task_def {
    const char *task_id;      /* "invoice.call" for a group's task */
    int op;                   /* biz_op_kind (ops.h) */
    const char *group_id;     /* the group it belongs to, or NULL */
    /* Every argument of the operator (ops.c), as one JSON object: the value
     * given in the source, else the one from default_args, else the table's
     * default (null when none). Durations are seconds, datetimes ISO-8601
     * strings, trigger rules their names. Strings in templated arguments are
     * Jinja templates, checked by the compiler. */
    const char *args_json;
    const int *upstream;      /* indices into biz_dag_def.tasks */
    int nupstream;
    const biz_arg_loc *arg_locs;  /* where each given argument was written */
    int narg_locs;
    int line;                 /* where the task was created */
    int col;
    /* A mapped task (Operator.partial(...).expand(...)): what it maps over,
     * as JSON, else NULL. {"expand": {ARG: SOURCE, ...}} (the product of
     * the sources, the last argument varying fastest, as Airflow) or
     * {"expand_kwargs": SOURCE}; a SOURCE is a list written in the DAG
     * file (its strings templates, like the argument's) or
     * {"xcom": TASK_ID}, that task's return_value when the mapped task is
     * about to run (data, not templates). */
    const char *map_json;
} biz_task_def;

/* A time zone, from the build machine's tzdata: the UTC offset in force
 * from each change on (the changes tzdata lists, then those its rule for
 * later years gives, up to 2200). */
typedef struct biz_tz_def {
    const char *name;         /* "Europe/Paris" */
    int offset0;              /* seconds east of UTC before the first change */
    const long long *at;      /* the changes: UTC instants, ascending */
    const int *offset;        /* offset[i]: seconds east of UTC from at[i] */
    int n;
    const char *abbr0;        /* the abbreviation before the first change ("LMT") */
    const char *const *abbr;  /* abbr[i]: the abbreviation from at[i] ("CET", "CEST") */
} biz_tz_def;

/* One DAG. */
typedef struct biz_dag_def {
    const char *dag_id;
    const char *source_path;  /* the .biz file as given to bizc */
    const char *source_sha256;/* hex digest of the .biz file */
    const char *bizc_version;
    const char *build_date;   /* from SOURCE_DATE_EPOCH, or NULL */
    /* The DAG's settings as one JSON object: description, schedule (string,
     * seconds for a timedelta, or null), start_date, end_date, catchup,
     * max_active_tasks, max_active_runs, dagrun_timeout,
     * render_template_as_native_obj, params (object), tags (list), doc_md. */
    const char *settings_json;
    const biz_task_def *tasks;  /* topologically sorted: upstream first */
    int ntasks;
    int line;
    /* The zones the DAG names (its start_date's first): its schedule is
     * evaluated in the first one (settings' "timezone"). */
    const biz_tz_def *const *zones;
    int nzones;
} biz_dag_def;

/* Runs the DAG's command line (see `--help`); returns the exit status. */
int biz_main(const biz_dag_def *dag, int argc, char **argv);

#endif
