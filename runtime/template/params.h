/* params.h: Param schemas checked as Airflow (jsonschema) does. */
#ifndef BIZ_PARAMS_H
#define BIZ_PARAMS_H

#include <stdio.h>
#include <cjson/cJSON.h>

/* Whether bizc checks JSON Schema keyword k. */
int biz_params_keyword_known(const char *k);
/* 1 when bizc checks format f, 2 when Airflow does not check it either,
 * 0 when Airflow checks it and bizc cannot. */
int biz_params_format_known(const char *f);
/* Python regex py as a POSIX extended one (malloc'd in *out), for
 * re.search; -1 with *why when it cannot be written so. */
int biz_params_pyre_to_ere(const char *py, char **out, const char **why);
/* jsonschema's message for the first keyword of schema v breaks
 * (malloc'd), or NULL when v validates; NULL with *oom set when memory ran
 * out (v is then neither taken nor refused). */
char *biz_params_problem(const cJSON *schema, const cJSON *v, int *oom);
/* The DAG's params (settings' params and param_specs) updated with conf,
 * validated as Airflow's DagRun creation does: -1 with Airflow's message
 * ("Invalid input for param x: ...") in err. */
int biz_params_validate(const cJSON *settings, const cJSON *conf, char *err, size_t errlen);
/* --help's list of the params: type, default or required, rules, description. */
void biz_params_help(FILE *f, const cJSON *settings);

#endif
