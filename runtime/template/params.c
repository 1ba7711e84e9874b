/* params.c: a DAG's Param schemas checked as Airflow's Param.resolve does
 * (jsonschema.validate with a FormatChecker), with jsonschema's messages.
 *
 * The compiler checks defaults with these same functions, and the
 * executable checks the --conf of each run before any task starts. Only
 * the keywords Param users write are known (type, enum, minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern,
 * format); the compiler refuses the others, so nothing is silently
 * unchecked. Keywords are checked in the order written, and the first
 * failing one is reported: jsonschema's best_match picks the first of
 * errors that are equally relevant, which they are in one flat schema. */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "isotime.h"
#include "params.h"
#include "template_int.h"
#include "utf8.h"

static const char *const known_keywords[] = {
    "type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "pattern", "format", NULL
};

int biz_params_keyword_known(const char *k)
{
    for (int i = 0; known_keywords[i]; i++)
        if (!strcmp(k, known_keywords[i]))
            return 1;
    return 0;
}

static const char *const known_formats[] = {
    "date", "date-time", "time", "email", "idn-email", "ipv4", "ipv6", "uuid", NULL
};

/* The formats Airflow's jsonschema checks (with the packages Airflow
 * installs) that bizc does not: their values would pass unchecked. */
int biz_params_format_known(const char *f)
{
    for (int i = 0; known_formats[i]; i++)
        if (!strcmp(f, known_formats[i]))
            return 1;
    /* jsonschema passes a format it has no checker for */
    return strcmp(f, "regex") && strcmp(f, "idn-hostname") ? 2 : 0;
}

/* ------------------------------------------------------------ regexes */

/* Python's re syntax into a POSIX extended regex with the same matches
 * for re.search (greediness does not change whether a string matches).
 * Returns 0, or -1 with *why naming the construct POSIX cannot express. */
int biz_params_pyre_to_ere(const char *py, char **out, const char **why)
{
    biz_buf b = {0};
    *why = NULL;
    int in_class = 0;
    const char *class_start = NULL;
    for (const char *p = py; *p; p++) {
        char c = *p;
        if (c == '\\') {
            char n = p[1];
            if (!n) {
                *why = "a trailing backslash";
                break;
            }
            p++;
            const char *cls = NULL;
            switch (n) {
            case 'd': cls = "0-9"; break;
            case 'w': cls = "[:alnum:]_"; break;
            case 's': cls = "[:space:]"; break;
            case 'D': cls = "^0-9"; break;
            case 'W': cls = "^[:alnum:]_"; break;
            case 'S': cls = "^[:space:]"; break;
            default: break;
            }
            if (cls) {
                if (in_class) {
                    if (cls[0] == '^') {
                        *why = "a negated class (\\D, \\W, \\S) inside [...]";
                        break;
                    }
                    biz_buf_adds(&b, cls);
                } else {
                    biz_buf_addc(&b, '[');
                    biz_buf_adds(&b, cls);
                    biz_buf_addc(&b, ']');
                }
                continue;
            }
            char lit = n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n == 'f' ? '\f' : n == 'v' ? '\v' : n;
            if (isalnum((unsigned char)n) && lit == n) {
                *why = n >= '1' && n <= '9' ? "a back-reference" : "an escape such as \\b, \\A or \\Z";
                break;
            }
            if (in_class) {
                /* In a POSIX bracket a backslash is itself: only a few
                 * characters need a place of their own. */
                if (lit == ']' || lit == '^' || lit == '-' || lit == '[') {
                    *why = "an escaped ], ^, - or [ inside [...]";
                    break;
                }
                biz_buf_addc(&b, lit);
            } else if (strchr(".[]()*+?{}|^$\\", lit)) {
                biz_buf_addc(&b, '\\');
                biz_buf_addc(&b, lit);
            } else {
                biz_buf_addc(&b, lit);
            }
            continue;
        }
        if (in_class) {
            if (c == ']' && p > class_start)
                in_class = 0;
            else if (c == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
                *why = "a POSIX class inside [...]";   /* Python reads it as characters */
                break;
            }
            biz_buf_addc(&b, c);
            continue;
        }
        if (c == '[') {
            in_class = 1;
            biz_buf_addc(&b, c);
            if (p[1] == '^') {
                biz_buf_addc(&b, '^');
                p++;
            }
            class_start = p + 1;
            if (*class_start == ']') {   /* a leading ] is a literal in both */
                biz_buf_addc(&b, ']');
                p++;
                class_start = p + 1;
            }
            continue;
        }
        if (c == '(' && p[1] == '?') {
            if (p[2] == ':') {
                biz_buf_addc(&b, '(');
                p += 2;
                continue;
            }
            *why = "a group such as (?=...), (?!...), (?P<name>...) or (?i)";
            break;
        }
        if ((c == '*' || c == '+' || c == '?' || c == '}') && p[1] == '?') {
            /* lazy: same matches for a search */
            biz_buf_addc(&b, c);
            p++;
            continue;
        }
        if (c == '{') {
            /* Python reads a brace that is no {m}, {m,}, {,n} or {m,n} as
             * itself; POSIX would refuse it. */
            const char *q = p + 1;
            int digits = 0;
            while (isdigit((unsigned char)*q)) q++, digits++;
            if (*q == ',') {
                q++;
                while (isdigit((unsigned char)*q)) q++, digits++;
            }
            if (*q == '}' && digits) {
                if (p[1] == ',') {   /* {,n}: POSIX wants the 0 */
                    biz_buf_adds(&b, "{0");
                    continue;
                }
                biz_buf_addc(&b, '{');
            } else {
                biz_buf_adds(&b, "\\{");
            }
            continue;
        }
        if (c == '}') {
            /* a } that closes no quantifier is itself in Python */
            const char *q = p - 1;
            while (q >= py && (isdigit((unsigned char)*q) || *q == ','))
                q--;
            if (q < py || *q != '{' || q == p - 1 || (q > py && q[-1] == '\\'))
                biz_buf_addc(&b, '\\');
            biz_buf_addc(&b, '}');
            continue;
        }
        biz_buf_addc(&b, c);
    }
    if (!*why && in_class)
        *why = "an unterminated [...]";
    if (*why) {
        free(biz_buf_take(&b));
        *out = NULL;
        return -1;
    }
    *out = biz_buf_take(&b);
    if (!*out) {
        *why = "out of memory";
        return -1;
    }
    regex_t re;
    int rc = regcomp(&re, *out, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *why = rc == REG_ESPACE ? "out of memory" : "a syntax POSIX regular expressions do not have";
        return -1;
    }
    regfree(&re);
    return 0;
}

/* re.search(pattern, s); -1 when the pattern cannot be checked, -2 out of
 * memory. */
static int pattern_search(const char *pattern, const char *s)
{
    char *ere;
    const char *why;
    if (biz_params_pyre_to_ere(pattern, &ere, &why) < 0)
        return strcmp(why, "out of memory") == 0 ? -2 : -1;
    regex_t re;
    int rc = regcomp(&re, ere, REG_EXTENDED | REG_NOSUB);
    free(ere);
    if (rc != 0)
        return rc == REG_ESPACE ? -2 : -1;
    rc = regexec(&re, s, 0, NULL, 0);
    regfree(&re);
    if (rc != 0 && rc != REG_NOMATCH)
        return -2;
    return rc == 0;
}

/* ------------------------------------------------------------ formats */

static int valid_ymd(int y, int m, int d)
{
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= biz_isotime_days_in_month(y, m);
}

/* YYYY-MM-DD (extended) or, when basic, YYYYMMDD. */
static int date_part(const char **p, int basic)
{
    int y = biz_isotime_digits(p, 4);
    if (y < 0 || (!basic && *(*p)++ != '-'))
        return 0;
    int m = biz_isotime_digits(p, 2);
    if (m < 0 || (!basic && *(*p)++ != '-'))
        return 0;
    int d = biz_isotime_digits(p, 2);
    return d >= 0 && valid_ymd(y, m, d);
}

/* Z, +HH:MM or -HH:MM (RFC 3339); with iso, also +HHMM and +HH. */
static int offset_part(const char **p, int iso)
{
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        return 1;
    }
    if (**p != '+' && **p != '-')
        return 0;
    (*p)++;
    int h = biz_isotime_digits(p, 2);
    if (h < 0 || h > 23)
        return 0;
    if (**p == ':')
        (*p)++;
    else if (!iso)
        return 0;
    else if (!**p)
        return 1;
    int m = biz_isotime_digits(p, 2);
    return m >= 0 && m <= 59;
}

/* RFC 3339 date-time, as rfc3339_validator (jsonschema's checker). */
static int is_rfc3339(const char *s)
{
    const char *p = s;
    if (!date_part(&p, 0) || (*p != 'T' && *p != 't'))
        return 0;
    p++;
    int h = biz_isotime_digits(&p, 2);
    if (h < 0 || h > 23 || *p++ != ':')
        return 0;
    int mi = biz_isotime_digits(&p, 2);
    if (mi < 0 || mi > 59 || *p++ != ':')
        return 0;
    int se = biz_isotime_digits(&p, 2);
    if (se < 0 || se > 59)
        return 0;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return offset_part(&p, 0) && !*p;
}

/* What Param falls back to when RFC 3339 fails: a date and time that
 * pendulum's ISO 8601 parser reads (calendar dates, extended or basic;
 * the time's minutes and seconds optional; any offset). */
static int is_iso8601_datetime(const char *s)
{
    const char *p = s;
    int basic = isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[4]);
    if (!date_part(&p, basic) || (*p != 'T' && *p != 't' && *p != ' '))
        return 0;
    p++;
    int h = biz_isotime_digits(&p, 2);
    if (h < 0 || h > 23)
        return 0;
    for (int part = 0; part < 2; part++) {
        if (!basic && *p == ':')
            p++;
        else if (!basic || !isdigit((unsigned char)*p))
            break;
        int v = biz_isotime_digits(&p, 2);
        if (v < 0 || v > 59)
            return 0;
    }
    if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return !*p || (offset_part(&p, 1) && !*p);
}

/* datetime.strptime(s, "%H:%M:%S"): one or two digits each. */
static int is_time(const char *s)
{
    const char *p = s;
    int lim[3] = { 23, 59, 61 };
    for (int i = 0; i < 3; i++) {
        if (!isdigit((unsigned char)*p))
            return 0;
        int v = *p++ - '0';
        if (isdigit((unsigned char)*p))
            v = v * 10 + (*p++ - '0');
        if (v > lim[i] || (i < 2 && *p++ != ':'))
            return 0;
    }
    return !*p;
}

/* ipaddress.IPv4Address: four decimal octets, no leading zeros. */
static int is_ipv4(const char *s)
{
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)*p))
            return 0;
        const char *st = p;
        int v = 0;
        while (isdigit((unsigned char)*p) && p - st < 4)
            v = v * 10 + (*p++ - '0');
        if (p - st > 3 || v > 255 || (p - st > 1 && *st == '0'))
            return 0;
        if (i < 3 && *p++ != '.')
            return 0;
    }
    return !*p;
}

/* ipaddress.IPv6Address without a scope: hex groups, one '::', an
 * optional dotted IPv4 tail. */
static int is_ipv6(const char *s)
{
    int groups = 0, gap = 0;
    const char *p = s;
    if (p[0] == ':' && p[1] == ':') {
        gap = 1;
        p += 2;
    } else if (*p == ':')
        return 0;
    while (*p) {
        const char *st = p;
        while (isxdigit((unsigned char)*p) && p - st < 5)
            p++;
        if (*p == '.' && p > st) {
            if (!is_ipv4(st))
                return 0;
            groups += 2;
            p = st + strlen(st);
            break;
        }
        if (p == st || p - st > 4)
            return 0;
        groups++;
        if (!*p)
            break;
        if (*p++ != ':')
            return 0;
        if (*p == ':') {
            if (gap)
                return 0;
            gap = 1;
            p++;
            if (!*p)
                break;
        } else if (!*p)
            return 0;
    }
    return gap ? groups <= 7 : groups == 8;
}

/* uuid.UUID(s) (hex digits, optional braces/urn prefix/hyphens) and the
 * hyphens jsonschema then wants at 8, 13, 18 and 23. */
static int is_uuid(const char *s)
{
    size_t n = strlen(s);
    if (n < 24 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return 0;
    const char *p = s;
    if (!strncmp(p, "urn:", 4))
        p += 4;
    if (!strncmp(p, "uuid:", 5))
        p += 5;
    int hex = 0;
    size_t len = strlen(p);
    size_t from = 0, to = len;
    if (len && p[0] == '{' && p[len - 1] == '}')
        from = 1, to = len - 1;
    for (size_t i = from; i < to; i++) {
        if (p[i] == '-')
            continue;
        if (!isxdigit((unsigned char)p[i]))
            return 0;
        hex++;
    }
    return hex == 32;
}

static int format_ok(const char *format, const char *s)
{
    if (!strcmp(format, "date")) {
        const char *p = s;
        return date_part(&p, 0) && !*p;
    }
    if (!strcmp(format, "date-time"))
        return is_rfc3339(s) || is_iso8601_datetime(s);
    if (!strcmp(format, "time"))
        return is_time(s);
    if (!strcmp(format, "email") || !strcmp(format, "idn-email"))
        return strchr(s, '@') != NULL;
    if (!strcmp(format, "ipv4"))
        return is_ipv4(s);
    if (!strcmp(format, "ipv6"))
        return is_ipv6(s);
    if (!strcmp(format, "uuid"))
        return is_uuid(s);
    return 1;
}

/* ------------------------------------------------------------ keywords */

/* jsonschema's is_type: bool is no number, 2.0 is an integer. */
static int json_type_is(const cJSON *v, const char *t)
{
    if (!strcmp(t, "null")) return cJSON_IsNull(v);
    if (!strcmp(t, "boolean")) return cJSON_IsBool(v);
    if (!strcmp(t, "string")) return cJSON_IsString(v);
    if (!strcmp(t, "number")) return cJSON_IsNumber(v);
    if (!strcmp(t, "integer"))
        return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble);
    if (!strcmp(t, "array")) return cJSON_IsArray(v);
    if (!strcmp(t, "object")) return cJSON_IsObject(v);
    return 0;
}

/* jsonschema's equal: Python == except that a bool is not a number. */
static int json_equal(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsBool(a) != cJSON_IsBool(b))
        return 0;
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!json_equal(x, y))
                return 0;
        return !x && !y;
    }
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 0;
        for (const cJSON *x = a->child; x; x = x->next) {
            const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
            if (!y || !json_equal(x, y))
                return 0;
        }
        return 1;
    }
    return biz_tpl_equal(a, b);
}

/* Python's len() of a UTF-8 string: its code points. */
static double py_len(const char *s)
{
    return (double)biz_utf8_lax_count(s, strlen(s));
}

/* "<instance repr> <middle> <limit repr>" as jsonschema words it; NULL
 * with *oom set when it cannot be made. */
static char *say(const cJSON *v, const char *middle, const cJSON *lim, int *oom)
{
    biz_buf b = {0};
    biz_tpl_repr_to(&b, v);
    biz_buf_adds(&b, middle);
    if (lim)
        biz_tpl_repr_to(&b, lim);
    char *s = biz_buf_take(&b);
    if (!s)
        *oom = 1;
    return s;
}

/* One keyword against v: NULL when it holds (or, with *oom set, when
 * memory ran out). */
static char *keyword_problem(const char *k, const cJSON *kv, const cJSON *v, int *oom)
{
    int number = cJSON_IsNumber(v) && cJSON_IsNumber(kv);
    if (!strcmp(k, "type")) {
        int ok = 0;
        biz_buf names = {0};
        if (cJSON_IsString(kv)) {
            ok = json_type_is(v, kv->valuestring);
            biz_tpl_repr_to(&names, kv);
        } else if (cJSON_IsArray(kv)) {
            for (const cJSON *t = kv->child; t; t = t->next) {
                if (cJSON_IsString(t) && json_type_is(v, t->valuestring))
                    ok = 1;
                if (t != kv->child)
                    biz_buf_adds(&names, ", ");
                biz_tpl_repr_to(&names, t);
            }
        } else
            ok = 1;
        char *n = biz_buf_take(&names);
        char *msg = NULL;
        if (!ok) {
            biz_buf b = {0};
            biz_tpl_repr_to(&b, v);
            biz_buf_adds(&b, " is not of type ");
            biz_buf_adds(&b, n ? n : "");
            msg = biz_buf_take(&b);
            if (!n || !msg) {
                free(msg);
                msg = NULL;
                *oom = 1;
            }
        }
        free(n);
        return msg;
    }
    if (!strcmp(k, "enum")) {
        if (cJSON_IsArray(kv))
            for (const cJSON *e = kv->child; e; e = e->next)
                if (json_equal(e, v))
                    return NULL;
        return say(v, " is not one of ", kv, oom);
    }
    if (!strcmp(k, "minimum") && number && v->valuedouble < kv->valuedouble)
        return say(v, " is less than the minimum of ", kv, oom);
    if (!strcmp(k, "maximum") && number && v->valuedouble > kv->valuedouble)
        return say(v, " is greater than the maximum of ", kv, oom);
    if (!strcmp(k, "exclusiveMinimum") && number && v->valuedouble <= kv->valuedouble)
        return say(v, " is less than or equal to the minimum of ", kv, oom);
    if (!strcmp(k, "exclusiveMaximum") && number && v->valuedouble >= kv->valuedouble)
        return say(v, " is greater than or equal to the maximum of ", kv, oom);
    if (!cJSON_IsString(v) || !v->valuestring)
        return NULL;
    if (!strcmp(k, "minLength") && cJSON_IsNumber(kv) && py_len(v->valuestring) < kv->valuedouble)
        return say(v, kv->valuedouble == 1 ? " should be non-empty" : " is too short", NULL, oom);
    if (!strcmp(k, "maxLength") && cJSON_IsNumber(kv) && py_len(v->valuestring) > kv->valuedouble)
        return say(v, kv->valuedouble == 0 ? " is expected to be empty" : " is too long", NULL, oom);
    if (!strcmp(k, "pattern") && cJSON_IsString(kv)) {
        int found = pattern_search(kv->valuestring, v->valuestring);
        if (found == -2)
            *oom = 1;
        if (found == 0)
            return say(v, " does not match ", kv, oom);
    }
    if (!strcmp(k, "format") && cJSON_IsString(kv) && !format_ok(kv->valuestring, v->valuestring))
        return say(v, " is not a ", kv, oom);
    return NULL;
}

char *biz_params_problem(const cJSON *schema, const cJSON *v, int *oom)
{
    *oom = 0;
    if (!cJSON_IsObject(schema))
        return NULL;
    for (const cJSON *k = schema->child; k; k = k->next) {
        char *msg = keyword_problem(k->string, k, v, oom);
        if (msg || *oom)
            return msg;
    }
    return NULL;
}

int biz_params_validate(const cJSON *settings, const cJSON *conf, char *err, size_t errlen)
{
    const cJSON *specs = cJSON_GetObjectItemCaseSensitive(settings, "param_specs");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(settings, "params");
    const cJSON *spec;
    cJSON_ArrayForEach(spec, specs) {
        const char *name = spec->string;
        const cJSON *v = conf ? cJSON_GetObjectItemCaseSensitive(conf, name) : NULL;
        if (!v && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "has_default")))
            v = cJSON_GetObjectItemCaseSensitive(params, name);
        if (!v) {
            snprintf(err, errlen, "Invalid input for param %s: No value passed and Param has no default value",
                     name);
            return -1;
        }
        int oom;
        char *why = biz_params_problem(cJSON_GetObjectItemCaseSensitive(spec, "schema"), v, &oom);
        if (oom) {
            snprintf(err, errlen, "Invalid input for param %s: out of memory", name);
            return -1;
        }
        if (why) {
            snprintf(err, errlen, "Invalid input for param %s: %s", name, why);
            free(why);
            return -1;
        }
    }
    return 0;
}

void biz_params_help(FILE *f, const cJSON *settings)
{
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(settings, "params");
    const cJSON *specs = cJSON_GetObjectItemCaseSensitive(settings, "param_specs");
    if (!cJSON_IsObject(params) || !params->child)
        return;
    fprintf(f, "\nParams (give them in --conf, e.g. --conf '{\"%s\": ...}'):\n", params->child->string);
    const cJSON *p;
    cJSON_ArrayForEach(p, params) {
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(specs, p->string);
        const cJSON *schema = cJSON_GetObjectItemCaseSensitive(spec, "schema");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(spec, "description");
        biz_buf b = {0};
        biz_buf_adds(&b, "  ");
        biz_buf_adds(&b, p->string);
        if (cJSON_IsString(type)) {
            biz_buf_adds(&b, " (");
            biz_buf_adds(&b, type->valuestring);
            biz_buf_addc(&b, ')');
        } else if (cJSON_IsArray(type)) {
            biz_buf_adds(&b, " (");
            for (const cJSON *t = type->child; t; t = t->next) {
                if (t != type->child)
                    biz_buf_addc(&b, '|');
                if (cJSON_IsString(t))
                    biz_buf_adds(&b, t->valuestring);
            }
            biz_buf_addc(&b, ')');
        }
        if (spec && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "has_default"))) {
            biz_buf_adds(&b, ", required");
        } else {
            char *d = cJSON_PrintUnformatted(p);
            biz_buf_adds(&b, ", default ");
            biz_buf_adds(&b, d ? d : "?");
            free(d);
        }
        /* the other rules, as written */
        for (const cJSON *k = schema ? schema->child : NULL; k; k = k->next) {
            if (!strcmp(k->string, "type"))
                continue;
            char *kv = cJSON_PrintUnformatted(k);
            biz_buf_adds(&b, ", ");
            biz_buf_adds(&b, k->string);
            biz_buf_addc(&b, ' ');
            biz_buf_adds(&b, kv ? kv : "?");
            free(kv);
        }
        char *line = biz_buf_take(&b);
        fprintf(f, "%s\n", line ? line : "");
        free(line);
        if (cJSON_IsString(desc) && desc->valuestring[0])
            fprintf(f, "      %s\n", desc->valuestring);
    }
}
