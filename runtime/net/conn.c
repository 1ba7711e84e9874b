/* conn.c: Airflow connections (AIRFLOW_CONN_<ID>) as URIs or JSON.
 *
 * The URI rules follow Airflow 2's Connection._parse_from_uri, which leans on
 * Python's urllib.parse.urlsplit: the netloc ends at the first '/', '?' or
 * '#'; userinfo is everything before the last '@', split at its first ':';
 * the port is what follows the first ':' of the host part; the path without
 * its leading '/' is the schema; the query is parse_qsl'd ('+' is a space)
 * unless it carries `__extra__`, the extras as JSON. A second "://" (as in
 * `http://https://host`) makes the host keep its own protocol.
 *
 * Error messages never quote the text: a password with an unencoded '/' or
 * '@' could end up in any part of it (port, host, scheme).
 */
#include "conn.h"
#include "ascii.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Formats "connection 'ID' (AIRFLOW_CONN_ID): <message>" into err. */
static void conn_err(char *err, size_t errlen, const char *conn_id, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char env[128];
    const char *id = conn_id ? conn_id : "";
    biz_ascii_case_copy(env, sizeof env, id, (size_t)-1, 1);
    snprintf(err, errlen, "connection '%s' (AIRFLOW_CONN_%s): %s", id, env, msg);
}

/* A malloc'd copy of s[0..n). */
static char *dupn(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

/* Percent-decodes s[0..n) into a new string, as Python's unquote: an
 * invalid escape stays as it is. plus_is_space for query strings. */
static char *unquote(const char *s, size_t n, int plus_is_space)
{
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            int h = biz_ascii_hexval((unsigned char)s[i + 1]);
            int l = biz_ascii_hexval((unsigned char)s[i + 2]);
            if (h >= 0 && l >= 0) {
                r[j++] = (char)(h * 16 + l);
                i += 2;
                continue;
            }
        }
        r[j++] = (plus_is_space && s[i] == '+') ? ' ' : s[i];
    }
    r[j] = '\0';
    return r;
}

/* Airflow's _normalize_conn_type: lower case (urlsplit does it), "-" -> "_",
 * postgresql -> postgres. Modifies t in place. */
static void normalize_type(char *t)
{
    for (char *p = t; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
        if (*p == '-')
            *p = '_';
    }
    if (strcmp(t, "postgresql") == 0)
        strcpy(t, "postgres");
}

/* Counts the occurrences of "://" in s. */
static int count_sep(const char *s)
{
    int n = 0;
    for (const char *p = strstr(s, "://"); p; p = strstr(p + 3, "://"))
        n++;
    return n;
}

/* True when s[0..n) is a valid URI scheme (RFC 3986). */
static int valid_scheme(const char *s, size_t n)
{
    if (n == 0 || !isalpha((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
            return 0;
    return 1;
}

/* Parses a decimal port of n bytes. -1 when not 0..65535. */
static int parse_port(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= 65535 ? v : -1;
}

/* Resets a biz_conn to the empty state. */
static void conn_init(biz_conn *c)
{
    memset(c, 0, sizeof *c);
}

/* Sets c->extra from the query string q[0..n): parse_qsl with blank values
 * kept; later duplicates win, as in dict(). `__extra__` replaces it all. */
static int parse_query(const char *conn_id, const char *q, size_t n, biz_conn *c,
                       char *err, size_t errlen)
{
    cJSON *obj = cJSON_CreateObject();
    char *extra_json = NULL;
    if (!obj)
        goto oom;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && q[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t klen = eq ? (size_t)(eq - (q + i)) : j - i;
            char *k = unquote(q + i, klen, 1);
            char *v = eq ? unquote(eq + 1, (size_t)(q + j - eq - 1), 1) : dupn("", 0);
            if (!k || !v) {
                free(k);
                free(v);
                goto oom;
            }
            if (strcmp(k, "__extra__") == 0) {
                free(extra_json);
                extra_json = v;
            } else {
                cJSON *s = cJSON_CreateString(v);
                free(v);
                if (!s) {
                    free(k);
                    goto oom;
                }
                cJSON *old = cJSON_GetObjectItemCaseSensitive(obj, k);
                if (old) {
                    /* in the old one's place (as dict() keeps it), under
                     * the key already made: nothing to allocate */
                    s->string = k;
                    k = NULL;
                    cJSON_ReplaceItemViaPointer(obj, old, s);
                } else if (!cJSON_AddItemToObject(obj, k, s)) {
                    cJSON_Delete(s);
                    free(k);
                    goto oom;
                }
            }
            free(k);
        }
        i = j + 1;
    }
    if (extra_json) {
        cJSON *e = cJSON_Parse(extra_json);
        free(extra_json);
        if (!e || !cJSON_IsObject(e)) {
            cJSON_Delete(e);
            cJSON_Delete(obj);
            conn_err(err, errlen, conn_id, "'__extra__' is not a JSON object");
            return -1;
        }
        cJSON_Delete(obj);
        obj = e;
    }
    cJSON_Delete(c->extra);
    c->extra = obj;
    return 0;
oom:
    free(extra_json);
    cJSON_Delete(obj);
    conn_err(err, errlen, conn_id, "out of memory");
    return -1;
}

/* Parses the URI form. */
static int parse_uri(const char *conn_id, const char *uri, biz_conn *c, char *err, size_t errlen)
{
    int seps = count_sep(uri);
    if (seps == 0) {
        conn_err(err, errlen, conn_id, "not a connection URI (expected scheme://...) nor a JSON object");
        return -1;
    }
    if (seps > 2) {
        conn_err(err, errlen, conn_id, "invalid connection URI (more than two '://')");
        return -1;
    }
    const char *sep = strstr(uri, "://");
    if (!valid_scheme(uri, (size_t)(sep - uri))) {
        conn_err(err, errlen, conn_id, "invalid connection URI (bad scheme before '://')");
        return -1;
    }
    c->conn_type = dupn(uri, (size_t)(sep - uri));
    if (!c->conn_type)
        goto oom;
    normalize_type(c->conn_type);

    const char *rest = sep + 3;
    const char *protocol = NULL;
    size_t protolen = 0;
    if (seps == 2) {
        /* `http://https://host`: the host keeps its own protocol, which must
         * not carry credentials or a port. */
        const char *p2 = strstr(rest, "://");
        if (memchr(rest, '@', (size_t)(p2 - rest)) || memchr(rest, ':', (size_t)(p2 - rest))) {
            conn_err(err, errlen, conn_id, "invalid connection URI (bad protocol before the host)");
            return -1;
        }
        protocol = rest;
        protolen = (size_t)(p2 - rest);
        rest = p2 + 3;
    }

    size_t netlen = strcspn(rest, "/?#");
    const char *path = rest + netlen;
    size_t pathlen = strcspn(path, "?#");
    const char *query = NULL;
    size_t querylen = 0;
    if (path[pathlen] == '?') {
        query = path + pathlen + 1;
        querylen = strcspn(query, "#");
    }

    /* userinfo: up to the last '@' of the netloc. */
    const char *hostpart = rest;
    size_t hostlen = netlen;
    const char *at = NULL;
    for (size_t i = netlen; i > 0; i--)
        if (rest[i - 1] == '@') {
            at = rest + i - 1;
            break;
        }
    if (at) {
        size_t ulen = (size_t)(at - rest);
        const char *colon = memchr(rest, ':', ulen);
        size_t loglen = colon ? (size_t)(colon - rest) : ulen;
        c->login = unquote(rest, loglen, 0);
        if (!c->login)
            goto oom;
        if (colon) {
            c->password = unquote(colon + 1, (size_t)(at - colon - 1), 0);
            if (!c->password)
                goto oom;
        }
        hostpart = at + 1;
        hostlen = netlen - ulen - 1;
    }

    /* host[:port], or [v6]:port */
    const char *hname = hostpart;
    size_t hnamelen;
    const char *port = NULL;
    size_t portlen = 0;
    const char *br = memchr(hostpart, '[', hostlen);
    if (br) {
        const char *close = memchr(br, ']', hostlen - (size_t)(br - hostpart));
        if (!close) {
            conn_err(err, errlen, conn_id, "invalid connection URI (unclosed '[' in the host)");
            return -1;
        }
        hname = br + 1;
        hnamelen = (size_t)(close - hname);
        const char *after = close + 1;
        size_t afterlen = hostlen - (size_t)(after - hostpart);
        const char *pc = memchr(after, ':', afterlen);
        if (pc) {
            port = pc + 1;
            portlen = afterlen - (size_t)(pc + 1 - after);
        }
    } else {
        const char *pc = memchr(hostpart, ':', hostlen);
        hnamelen = pc ? (size_t)(pc - hostpart) : hostlen;
        if (pc) {
            port = pc + 1;
            portlen = hostlen - hnamelen - 1;
        }
    }
    if (port && portlen > 0) {
        c->port = parse_port(port, portlen);
        if (c->port < 0) {
            c->port = 0;
            conn_err(err, errlen, conn_id, "invalid port (expected a number from 0 to 65535; "
                     "percent-encode '/', '@' and ':' in the login and password)");
            return -1;
        }
    }

    char *h = dupn(hname, hnamelen);
    if (!h)
        goto oom;
    biz_ascii_case(h, 0);
    char *hu = unquote(h, strlen(h), 0);
    free(h);
    if (!hu)
        goto oom;
    if (strchr(hu, '/')) {
        /* Airflow: an encoded '/' in the host keeps the raw case. */
        free(hu);
        hu = unquote(hname, hnamelen, 0);
        if (!hu)
            goto oom;
    }
    if (protocol) {
        size_t n = protolen + 3 + strlen(hu) + 1;
        c->host = malloc(n);
        if (!c->host) {
            free(hu);
            goto oom;
        }
        snprintf(c->host, n, "%.*s://%s", (int)protolen, protocol, hu);
        free(hu);
    } else {
        c->host = hu;
    }

    c->schema = pathlen > 0 ? unquote(path + 1, pathlen - 1, 0) : dupn("", 0);
    if (!c->schema)
        goto oom;

    if (query && querylen > 0)
        return parse_query(conn_id, query, querylen, c, err, errlen);
    return 0;
oom:
    conn_err(err, errlen, conn_id, "out of memory");
    return -1;
}

/* A string field of the JSON form: NULL when absent or null, "" default
 * applied by the caller. -1 when present with another type. */
static int json_str(const cJSON *o, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return -1;
    *out = strdup(v->valuestring);
    return *out ? 0 : -1;
}

/* Parses the JSON form (Airflow 2.3+). */
static int parse_json(const char *conn_id, const char *text, biz_conn *c, char *err, size_t errlen)
{
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithOpts(text, &end, 0);
    if (!o) {
        /* Only the offset: the text around it may be the password. */
        conn_err(err, errlen, conn_id, "invalid JSON at byte %ld",
                 end ? (long)(end - text) : (long)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - text : 0));
        return -1;
    }
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        conn_err(err, errlen, conn_id, "the JSON form must be an object");
        return -1;
    }
    static const char *const fields[] = {"conn_type", "host", "login", "password", "schema"};
    char **dst[] = {&c->conn_type, &c->host, &c->login, &c->password, &c->schema};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (json_str(o, fields[i], dst[i]) < 0) {
            conn_err(err, errlen, conn_id, "'%s' is not a string", fields[i]);
            cJSON_Delete(o);
            return -1;
        }
    if (!c->conn_type)
        c->conn_type = strdup("");
    if (!c->host)
        c->host = strdup("");
    if (!c->schema)
        c->schema = strdup("");
    if (!c->conn_type || !c->host || !c->schema) {
        cJSON_Delete(o);
        conn_err(err, errlen, conn_id, "out of memory");
        return -1;
    }
    normalize_type(c->conn_type);

    const cJSON *port = cJSON_GetObjectItemCaseSensitive(o, "port");
    if (port && !cJSON_IsNull(port)) {
        int v = -1;
        if (cJSON_IsNumber(port) && port->valuedouble >= 0 && port->valuedouble <= 65535 &&
            port->valuedouble == (double)(int)port->valuedouble)
            v = (int)port->valuedouble;
        else if (cJSON_IsString(port))
            v = parse_port(port->valuestring, strlen(port->valuestring));
        if (v < 0) {
            cJSON_Delete(o);
            conn_err(err, errlen, conn_id, "'port' is not an integer from 0 to 65535");
            return -1;
        }
        c->port = v;
    }

    cJSON *extra = cJSON_GetObjectItemCaseSensitive(o, "extra");
    cJSON *ex = NULL;
    if (!extra || cJSON_IsNull(extra)) {
        ex = cJSON_CreateObject();
    } else if (cJSON_IsObject(extra)) {
        ex = cJSON_DetachItemViaPointer(o, extra);
    } else if (cJSON_IsString(extra)) {
        ex = extra->valuestring[0] ? cJSON_Parse(extra->valuestring) : cJSON_CreateObject();
        if (!ex || !cJSON_IsObject(ex)) {
            cJSON_Delete(ex);
            cJSON_Delete(o);
            conn_err(err, errlen, conn_id, "'extra' is not a JSON object");
            return -1;
        }
    } else {
        cJSON_Delete(o);
        conn_err(err, errlen, conn_id, "'extra' is not a JSON object");
        return -1;
    }
    cJSON_Delete(o);
    if (!ex) {
        conn_err(err, errlen, conn_id, "out of memory");
        return -1;
    }
    cJSON_Delete(c->extra);
    c->extra = ex;
    return 0;
}

/* Parses a connection URI or JSON text into out. */
int biz_conn_parse(const char *conn_id, const char *text, biz_conn *out,
                   char *err, size_t errlen)
{
    conn_init(out);
    if (err && errlen)
        err[0] = '\0';
    if (!conn_id)
        conn_id = "";
    out->conn_id = strdup(conn_id);
    if (!out->conn_id) {
        conn_err(err, errlen, conn_id, "out of memory");
        return -1;
    }
    /* Environment values often end with a newline: trim the ends. */
    const char *s = text ? text : "";
    size_t n = biz_ascii_trim(&s, strlen(s));
    if (n == 0) {
        conn_err(err, errlen, conn_id, "empty value");
        biz_conn_free(out);
        return -1;
    }
    char *t = dupn(s, n);
    if (!t) {
        conn_err(err, errlen, conn_id, "out of memory");
        biz_conn_free(out);
        return -1;
    }
    int rc = t[0] == '{' ? parse_json(conn_id, t, out, err, errlen)
                         : parse_uri(conn_id, t, out, err, errlen);
    free(t);
    if (rc == 0 && !out->extra) {
        out->extra = cJSON_CreateObject();
        if (!out->extra) {
            conn_err(err, errlen, conn_id, "out of memory");
            rc = -1;
        }
    }
    if (rc != 0) {
        char *id = out->conn_id;
        out->conn_id = NULL;
        biz_conn_free(out);
        free(id);
    }
    return rc;
}

static const char *default_getenv(void *user, const char *name)
{
    (void)user;
    return getenv(name);
}

/* Looks up AIRFLOW_CONN_<ID> and parses it. */
int biz_conn_lookup(const char *conn_id,
                    const char *(*getenv_fn)(void *user, const char *name), void *user,
                    biz_conn *out, char *err, size_t errlen)
{
    conn_init(out);
    if (err && errlen)
        err[0] = '\0';
    if (!conn_id || !*conn_id) {
        conn_err(err, errlen, "", "empty connection id");
        return -1;
    }
    size_t n = strlen(conn_id);
    char *name = malloc(sizeof "AIRFLOW_CONN_" + n);
    if (!name) {
        conn_err(err, errlen, conn_id, "out of memory");
        return -1;
    }
    memcpy(name, "AIRFLOW_CONN_", sizeof "AIRFLOW_CONN_" - 1);
    biz_ascii_case_copy(name + sizeof "AIRFLOW_CONN_" - 1, n + 1, conn_id, n, 1);
    const char *v = (getenv_fn ? getenv_fn : default_getenv)(user, name);
    free(name);
    if (!v)
        return 1;
    return biz_conn_parse(conn_id, v, out, err, errlen) == 0 ? 0 : -1;
}

/* The base URL of an HTTP connection (see conn.h). */
char *biz_conn_base_url(const biz_conn *c)
{
    const char *host = c->host ? c->host : "";
    const char *schema = c->schema && *c->schema ? c->schema : "http";
    char *r = NULL;
    int n;
    if (strstr(host, "://"))
        n = asprintf(&r, "%s", host);
    else
        n = asprintf(&r, "%s://%s", schema, host);
    if (n < 0)
        return NULL;
    if (c->port > 0) {
        char *p = NULL;
        n = asprintf(&p, "%s:%d", r, c->port);
        free(r);
        r = n < 0 ? NULL : p;
    }
    return r;
}

/* The extra field named key as a string, or NULL. */
const char *biz_conn_extra_str(const biz_conn *c, const char *key)
{
    if (!c || !c->extra)
        return NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->extra, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Frees the strings of c (not c itself) and clears it. */
void biz_conn_free(biz_conn *c)
{
    if (!c)
        return;
    free(c->conn_id);
    free(c->conn_type);
    free(c->host);
    free(c->login);
    if (c->password) {
        /* A secret: do not leave it in freed memory. */
        volatile char *p = c->password;
        while (*p)
            *p++ = '\0';
        free(c->password);
    }
    free(c->schema);
    cJSON_Delete(c->extra);
    conn_init(c);
}
