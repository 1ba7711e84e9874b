/* tzif.c: TZif files (RFC 8536) to bizc's zone tables (see tzif.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tzif.h"
#include "isotime.h"
#include "xalloc.h"

/* A big-endian signed integer of n bytes. */
static long long be(const unsigned char *p, int n)
{
    unsigned long long v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    if (n < 8 && (v >> (8 * n - 1)) & 1)
        v |= ~0ULL << (8 * n);
    return (long long)v;
}

/* A zone abbreviation, kept for the life of the process (zones are):
 * each distinct one once. */
static const char *intern(const char *s, size_t n)
{
    static char *names[256];
    static int nnames;
    for (int i = 0; i < nnames; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return names[i];
    char *c = strndup(s, n);
    if (!c || nnames == 256)
        return c ? c : "";
    return names[nnames++] = c;
}

/* Grows out's arrays to hold one more change. */
static int push(biz_tz_def *out, long long at, int off, const char *abbr, int *cap)
{
    if (out->n == *cap) {
        int c = *cap ? *cap * 2 : 64;
        long long *a = realloc((void *)out->at, sizeof *a * (size_t)c);
        if (!a)
            return -1;
        out->at = a;
        int *o = realloc((void *)out->offset, sizeof *o * (size_t)c);
        if (!o)
            return -1;
        out->offset = o;
        const char **ab = realloc((void *)out->abbr, sizeof *ab * (size_t)c);
        if (!ab)
            return -1;
        out->abbr = ab;
        *cap = c;
    }
    ((long long *)out->at)[out->n] = at;
    ((int *)out->offset)[out->n] = off;
    ((const char **)out->abbr)[out->n] = abbr;
    out->n++;
    return 0;
}

/* The abbreviation of TZif type t (its designation index into chars). */
static const char *type_abbr(const unsigned char *types, const unsigned char *chars, long long charcnt,
                             int t)
{
    int di = types[6 * t + 5];
    if (di >= charcnt)
        return "";
    const unsigned char *e = memchr(chars + di, '\0', (size_t)(charcnt - di));
    return intern((const char *)chars + di, e ? (size_t)(e - chars - di) : (size_t)(charcnt - di));
}

/* Parses TZif data (see tzif.h). */
int biz_tzif_parse(const unsigned char *data, size_t len, biz_tz_def *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len < 44 || memcmp(data, "TZif", 4) != 0) {
        snprintf(err, errlen, "not a TZif file");
        return -1;
    }
    const unsigned char *p = data;
    int version = data[4] ? data[4] - '0' : 1;
    int tsize = 4;
    for (int pass = 0; pass < 2; pass++) {
        if ((size_t)(p - data) + 44 > len || memcmp(p, "TZif", 4) != 0) {
            snprintf(err, errlen, "truncated TZif header");
            return -1;
        }
        long long isut = be(p + 20, 4), isstd = be(p + 24, 4), leap = be(p + 28, 4);
        long long timecnt = be(p + 32, 4), typecnt = be(p + 36, 4), charcnt = be(p + 40, 4);
        if (isut < 0 || isstd < 0 || leap < 0 || timecnt < 0 || typecnt < 1 || charcnt < 0
            || timecnt > 100000 || typecnt > 256) {
            snprintf(err, errlen, "bad TZif counts");
            return -1;
        }
        size_t body = (size_t)(timecnt * tsize + timecnt + typecnt * 6 + charcnt
                               + leap * (tsize + 4) + isstd + isut);
        const unsigned char *b = p + 44;
        if ((size_t)(b - data) + body > len) {
            snprintf(err, errlen, "truncated TZif data");
            return -1;
        }
        if (pass == 0 && version >= 2) {   /* skip the 32-bit data */
            p = b + body;
            tsize = 8;
            continue;
        }
        const unsigned char *times = b, *idx = b + timecnt * tsize, *types = idx + timecnt;
        const unsigned char *chars = types + typecnt * 6;
        int cap = 0;
        /* RFC 8536: type 0 is in force before the first change. */
        out->offset0 = (int)be(types, 4);
        out->abbr0 = type_abbr(types, chars, charcnt, 0);
        for (long long i = 0; i < timecnt; i++) {
            int t = idx[i];
            if (t >= typecnt) {
                snprintf(err, errlen, "bad TZif type index");
                return -1;
            }
            int off = (int)be(types + 6 * t, 4);
            const char *ab = type_abbr(types, chars, charcnt, t);
            int prev = out->n ? out->offset[out->n - 1] : out->offset0;
            const char *pab = out->n ? out->abbr[out->n - 1] : out->abbr0;
            if (off == prev && ab == pab)
                continue;    /* a change of the dst flag only */
            if (push(out, be(times + i * tsize, tsize), off, ab, &cap) < 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        }
        if (version < 2 || pass == 0)
            return 0;
        /* The footer: "\n" POSIX-TZ "\n", the rule for later times. */
        const unsigned char *f = b + body;
        const unsigned char *end = data + len;
        if (f < end && *f == '\n') {
            const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
            if (nl && nl > f + 1) {
                char rule[128];
                size_t rl = (size_t)(nl - f - 1);
                if (rl < sizeof rule) {
                    memcpy(rule, f + 1, rl);
                    rule[rl] = '\0';
                    long long last = out->n ? out->at[out->n - 1] : -(1LL << 60);
                    if (biz_tzif_extend(out, rule, last) < 0) {
                        snprintf(err, errlen, "bad TZ rule '%s' in TZif footer", rule);
                        return -1;
                    }
                }
            }
        }
        return 0;
    }
    return 0;
}

/* ------------------------------------------------------------ POSIX TZ */

/* A zone name: letters, or <...> quoted; *name gets it (interned). */
static int tz_name(const char **s, const char **name)
{
    const char *p = *s;
    if (*p == '<') {
        const char *q = strchr(p, '>');
        if (!q)
            return -1;
        *name = intern(p + 1, (size_t)(q - p - 1));
        *s = q + 1;
        return 0;
    }
    while (isalpha((unsigned char)*p))
        p++;
    if (p - *s < 3)
        return -1;
    *name = intern(*s, (size_t)(p - *s));
    *s = p;
    return 0;
}

/* [+-]h[h][:mm[:ss]] in seconds. */
static int tz_hms(const char **s, long *out)
{
    const char *p = *s;
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return -1;
    long v = strtol(p, (char **)&p, 10) * 3600;
    for (int k = 0; k < 2 && *p == ':'; k++) {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        v += strtol(p, (char **)&p, 10) * (k == 0 ? 60 : 1);
    }
    *out = sign * v;
    *s = p;
    return 0;
}

typedef struct tz_rule {
    char kind;     /* 'J' Julian 1-365, 'D' zero-based day, 'M' month.week.day */
    int a, b, c;   /* J/D: a = day; M: a month, b week, c weekday */
    long time;     /* seconds after local midnight */
} tz_rule;

static int tz_date(const char **s, tz_rule *r)
{
    const char *p = *s;
    if (*p == 'J') {
        r->kind = 'J';
        r->a = (int)strtol(p + 1, (char **)&p, 10);
    } else if (*p == 'M') {
        r->kind = 'M';
        r->a = (int)strtol(p + 1, (char **)&p, 10);
        if (*p++ != '.')
            return -1;
        r->b = (int)strtol(p, (char **)&p, 10);
        if (*p++ != '.')
            return -1;
        r->c = (int)strtol(p, (char **)&p, 10);
        if (r->a < 1 || r->a > 12 || r->b < 1 || r->b > 5 || r->c < 0 || r->c > 6)
            return -1;
    } else if (isdigit((unsigned char)*p)) {
        r->kind = 'D';
        r->a = (int)strtol(p, (char **)&p, 10);
    } else {
        return -1;
    }
    r->time = 7200;
    if (*p == '/') {
        p++;
        if (tz_hms(&p, &r->time) < 0)
            return -1;
    }
    *s = p;
    return 0;
}

/* The local midnight (days since the epoch) of rule r's day in year y. */
static long long rule_day(const tz_rule *r, int y)
{
    long long jan1 = biz_isotime_days_from_civil(y, 1, 1);
    if (r->kind == 'J')   /* 1-365, February 29 never counted */
        return jan1 + r->a - 1 + (biz_isotime_is_leap(y) && r->a >= 60 ? 1 : 0);
    if (r->kind == 'D')
        return jan1 + r->a;
    long long first = biz_isotime_days_from_civil(y, r->a, 1);
    int wd = biz_isotime_weekday(y, r->a, 1);
    long long d = first + (r->c - wd + 7) % 7 + (r->b - 1) * 7;
    while (d >= first + biz_isotime_days_in_month(y, r->a))
        d -= 7;
    return d;
}

/* Appends the changes of a POSIX TZ rule (see tzif.h). */
int biz_tzif_extend(biz_tz_def *out, const char *rule, long long after)
{
    const char *p = rule;
    long stdo, dsto;
    const char *stdn, *dstn;
    if (tz_name(&p, &stdn) < 0 || tz_hms(&p, &stdo) < 0)
        return -1;
    stdo = -stdo;    /* POSIX counts west as positive */
    if (*p == '\0')
        return 0;    /* no daylight saving time: the last offset stays */
    if (tz_name(&p, &dstn) < 0)
        return -1;
    dsto = stdo + 3600;
    if (*p && *p != ',') {
        if (tz_hms(&p, &dsto) < 0)
            return -1;
        dsto = -dsto;
    }
    tz_rule start, end;
    if (*p++ != ',' || tz_date(&p, &start) < 0 || *p++ != ',' || tz_date(&p, &end) < 0 || *p)
        return -1;
    int cap = out->n;   /* arrays are exactly full: push grows them */
    biz_isotime_tm u;
    biz_isotime_split((time_t)(after < -(1LL << 40) ? 0 : after), &u);
    for (int y = u.year - 1; y <= BIZ_TZIF_LAST_YEAR; y++) {
        long long a = rule_day(&start, y) * 86400 + start.time - stdo;
        long long b = rule_day(&end, y) * 86400 + end.time - dsto;
        long long t[2] = { a < b ? a : b, a < b ? b : a };
        int o[2] = { a < b ? (int)dsto : (int)stdo, a < b ? (int)stdo : (int)dsto };
        const char *nm[2] = { a < b ? dstn : stdn, a < b ? stdn : dstn };
        for (int k = 0; k < 2; k++) {
            int prev = out->n ? out->offset[out->n - 1] : out->offset0;
            if (t[k] <= after || o[k] == prev)
                continue;
            if (push(out, t[k], o[k], nm[k], &cap) < 0)
                return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ loading */

typedef struct loaded {
    biz_tz_def z;
    struct loaded *next;
} loaded;
static loaded *cache;

/* True for a name tzdata could hold: no "..", no leading '/'. */
static int safe_name(const char *name)
{
    if (!*name || name[0] == '/' || strlen(name) > 200)
        return 0;
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("/_-+", *p)))
            return 0;
    return strstr(name, "..") == NULL;
}

/* Loads a zone by name (see tzif.h). */
const biz_tz_def *biz_tzif_load(const char *name, char *err, size_t errlen)
{
    for (loaded *l = cache; l; l = l->next)
        if (strcmp(l->z.name, name) == 0)
            return &l->z;
    if (!safe_name(name)) {
        snprintf(err, errlen, "unknown time zone '%s'", name);
        return NULL;
    }
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "unknown time zone '%s' (a folder of tzdata's zones, e.g. '%s/...')",
                 name, name);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            snprintf(err, errlen, "unknown time zone '%s' (not in this machine's tzdata, %s)", name, dir);
        else
            snprintf(err, errlen, "cannot read time zone '%s': %s: %s", name, path, strerror(errno));
        return NULL;
    }
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            unsigned char *d = cap > (1u << 22) ? NULL : realloc(data, cap);
            if (!d)
                break;
            data = d;
        }
        size_t k = fread(data + len, 1, cap - len, f);
        if (k == 0)
            break;
        len += k;
    }
    int rerr = ferror(f);
    fclose(f);
    loaded *l = calloc(1, sizeof *l);
    char why[200];
    if (!l || rerr || biz_tzif_parse(data, len, &l->z, why, sizeof why) < 0) {
        snprintf(err, errlen, "time zone '%s': %s is not a valid TZif file (%s)", name, path,
                 rerr ? strerror(errno) : l ? why : "out of memory");
        free(data);
        if (l) {
            free((void *)l->z.at);
            free((void *)l->z.offset);
            free((void *)l->z.abbr);
        }
        free(l);
        return NULL;
    }
    free(data);
    l->z.name = biz_xstrdup(name);
    l->next = cache;
    cache = l;
    return &l->z;
}
