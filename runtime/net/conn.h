/* conn.h: Airflow connections from the environment.
 *
 * AIRFLOW_CONN_<ID> (ID upper-cased) holds a URI, as Airflow takes it:
 *   scheme://login:password@host:port/schema?extra1=v1&extra2=v2
 * (percent-encoded parts decoded; `__extra__={json}` gives the extras as
 * JSON), or since Airflow 2.3 a JSON object {"conn_type", "host", "login",
 * "password", "port", "schema", "extra"}.
 *
 * Ownership: biz_conn_parse / biz_conn_lookup fill a biz_conn whose strings
 * the caller frees with biz_conn_free.
 */
#ifndef BIZ_CONN_H
#define BIZ_CONN_H

#include <stddef.h>
#include <cjson/cJSON.h>

typedef struct biz_conn {
    char *conn_id;     /* as asked for (lower case) */
    char *conn_type;   /* the URI scheme ("http", "https", "aws", "smtp"...) */
    char *host;        /* "" when absent */
    char *login;       /* NULL when absent */
    char *password;    /* NULL when absent: a secret, never logged */
    char *schema;      /* the path without its leading '/', "" when absent */
    int port;          /* 0 when absent */
    cJSON *extra;      /* object of the query parameters / extra JSON; never NULL */
} biz_conn;

/* Parses a connection URI or JSON text. 0 on success; -1 with a message in
 * err (which never contains the password) on a malformed value. */
int biz_conn_parse(const char *conn_id, const char *text, biz_conn *out,
                   char *err, size_t errlen);

/* Looks up AIRFLOW_CONN_<ID> through getenv_fn (NULL = getenv). Returns 0
 * when found and parsed, 1 when the variable is not set, -1 when malformed
 * (message in err). */
int biz_conn_lookup(const char *conn_id,
                    const char *(*getenv_fn)(void *user, const char *name), void *user,
                    biz_conn *out, char *err, size_t errlen);

/* The base URL of an HTTP connection, built exactly as Airflow's HttpHook
 * builds it: a host that holds "://" as it is, else "<schema>://<host>"
 * with the `schema` field (the URI's path) as the scheme, "http" when it is
 * empty -- the connection's type is not used; then ":<port>" when there is
 * a port. So `https://h` gives "http://h" and `http://h/dir` "dir://h", as
 * on Airflow; callers say so (op_tech.c). Returns a malloc'd string. */
char *biz_conn_base_url(const biz_conn *c);

/* The extra field named key as a string (NULL when absent). Borrowed. */
const char *biz_conn_extra_str(const biz_conn *c, const char *key);

void biz_conn_free(biz_conn *c);

#endif
