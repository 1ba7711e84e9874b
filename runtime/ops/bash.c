/* bash.c: the pure parts of BashOperator (see bash.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "bash.h"
#include "log.h"
#include "template.h"
#include "utf8.h"

/* ---------------------------------------------------------------- lines */

/* Python's str.isspace() for the ASCII range. */
static int py_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Decodes (backslashreplace) and strips trailing whitespace. */
char *biz_bash_decode_line(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t k = biz_utf8_seq(u + i, len - i, &cp);
        if (k == 0) {
            o += (size_t)sprintf(out + o, "\\x%02x", u[i]);
            i++;
        } else {
            memcpy(out + o, u + i, k);
            o += k;
            i += k;
        }
    }
    while (o > 0 && py_space((unsigned char)out[o - 1]))
        o--;
    out[o] = 0;
    return out;
}

/* Ends the current line: decode, remember as last, hand to fn. */
static int complete(biz_bash_lines *b, biz_bash_line_fn fn, void *user)
{
    char *line = biz_bash_decode_line(b->cur.p ? b->cur.p : "", b->cur.n);
    if (!line)
        return -1;
    free(b->last);
    b->last = line;
    b->count++;
    biz_buf_clear(&b->cur);
    b->truncated = 0;
    if (fn)
        fn(user, line);
    return 0;
}

/* Feeds bytes; each completed line goes to fn. */
int biz_bash_lines_feed(biz_bash_lines *b, const char *data, size_t len,
                        biz_bash_line_fn fn, void *user)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) : len;
        size_t room = BIZ_BASH_LINE_MAX - b->cur.n;
        size_t keep = take < room ? take : room;
        if (keep < take)
            b->truncated = 1;
        if (keep > 0) {
            b->cur.max = BIZ_BASH_LINE_MAX;   /* no doubling past it */
            biz_buf_add(&b->cur, data, keep);
            if (b->cur.oom)
                return -1;
        }
        if (!nl)
            break;
        if (complete(b, fn, user) < 0)
            return -1;
        data = nl + 1;
        len -= take + 1;
    }
    return 0;
}

/* End of stream: a pending unterminated line counts. */
int biz_bash_lines_end(biz_bash_lines *b, biz_bash_line_fn fn, void *user)
{
    if (b->cur.n == 0 && !b->truncated)
        return 0;
    return complete(b, fn, user);
}

/* The last complete line, "" when none. */
const char *biz_bash_lines_last(const biz_bash_lines *b)
{
    return b->last ? b->last : "";
}

/* Frees the buffers; b is empty again. */
void biz_bash_lines_free(biz_bash_lines *b)
{
    biz_buf_free(&b->cur);
    free(b->last);
    memset(b, 0, sizeof *b);
}

/* ---------------------------------------------------------------- tail */

/* Keeps a copy of line; the oldest beyond BIZ_BASH_TAIL_N goes. */
void biz_bash_tail_push(biz_bash_tail *t, const char *line)
{
    int slot = t->n % BIZ_BASH_TAIL_N;
    free(t->line[slot]);
    t->line[slot] = strdup(line);
    t->n++;
}

/* The kept lines joined by sep, oldest first. */
char *biz_bash_tail_join(const biz_bash_tail *t, const char *sep)
{
    int kept = t->n < BIZ_BASH_TAIL_N ? t->n : BIZ_BASH_TAIL_N;
    size_t len = 1;
    for (int i = 0; i < kept; i++) {
        const char *l = t->line[(t->n - kept + i) % BIZ_BASH_TAIL_N];
        len += (l ? strlen(l) : 0) + strlen(sep);
    }
    char *out = malloc(len);
    if (!out)
        return NULL;
    out[0] = 0;
    for (int i = 0; i < kept; i++) {
        const char *l = t->line[(t->n - kept + i) % BIZ_BASH_TAIL_N];
        if (i)
            strcat(out, sep);
        strcat(out, l ? l : "");
    }
    return out;
}

/* Frees the kept lines; t is empty again. */
void biz_bash_tail_free(biz_bash_tail *t)
{
    for (int i = 0; i < BIZ_BASH_TAIL_N; i++)
        free(t->line[i]);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- verdict */

/* A signal's name, or "signal N". */
const char *biz_bash_signame(int sig, char *buf, size_t len)
{
    static const struct { int sig; const char *name; } names[] = {
        { SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
        { SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
        { SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
        { SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
        { SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
        { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig)
            return names[i].name;
    snprintf(buf, len, "signal %d", sig);
    return buf;
}

/* True when code is one of the skip codes. */
static int is_skip(int code, const cJSON *skip)
{
    if (cJSON_IsNumber(skip))
        return (int)skip->valuedouble == code;
    if (cJSON_IsArray(skip)) {
        const cJSON *v;
        cJSON_ArrayForEach(v, skip)
            if (cJSON_IsNumber(v) && (int)v->valuedouble == code)
                return 1;
    }
    return 0;  /* None (null), or none given: never */
}

/* What a wait status means (see bash.h). */
biz_bash_verdict biz_bash_classify(int wstatus, const cJSON *skip, char *msg, size_t len)
{
    if (len)
        msg[0] = 0;
    if (WIFSIGNALED(wstatus)) {
        char buf[32];
        int sig = WTERMSIG(wstatus);
        snprintf(msg, len, "bash command was killed by signal %s (%d)",
                 biz_bash_signame(sig, buf, sizeof buf), sig);
        return BIZ_BASH_FAIL;
    }
    int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    if (is_skip(code, skip)) {
        snprintf(msg, len, "bash command exited with status %d (skip_on_exit_code)", code);
        return BIZ_BASH_SKIP;
    }
    if (code == 0)
        return BIZ_BASH_SUCCESS;
    snprintf(msg, len, "bash command exited with status %d", code);
    return BIZ_BASH_FAIL;
}

/* ---------------------------------------------------------------- env */

typedef struct envv {
    char **v;
    int n, cap;
} envv;

/* Sets name=value in the vector (replacing an existing name). Takes kv. */
static int env_set(envv *e, char *kv)
{
    if (!kv)
        return -1;
    size_t nl = strcspn(kv, "=");
    for (int i = 0; i < e->n; i++)
        if (strncmp(e->v[i], kv, nl) == 0 && e->v[i][nl] == '=') {
            free(e->v[i]);
            e->v[i] = kv;
            return 0;
        }
    if (e->n + 2 > e->cap) {
        int cap = e->cap ? e->cap * 2 : 64;
        char **v = realloc(e->v, cap * sizeof *v);
        if (!v) {
            free(kv);
            return -1;
        }
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n++] = kv;
    e->v[e->n] = NULL;
    return 0;
}

static char *join_kv(const char *name, const char *value)
{
    char *kv = NULL;
    if (asprintf(&kv, "%s=%s", name, value) < 0)
        return NULL;
    return kv;
}

/* The child's environment (see bash.h). */
char **biz_bash_env(const cJSON *env, int append, char *const *base,
                    const char *const *extra, char *err, size_t errlen)
{
    envv e = { NULL, 0, 0 };
    if (env && !cJSON_IsNull(env) && !cJSON_IsObject(env)) {
        snprintf(err, errlen, "env must be a dict of names to strings");
        return NULL;
    }
    int use_base = !env || cJSON_IsNull(env) || append;
    e.v = calloc(64, sizeof *e.v);
    if (!e.v)
        goto oom;
    e.cap = 64;
    for (char *const *p = base; use_base && p && *p; p++)
        if (strchr(*p, '=') && env_set(&e, strdup(*p)) < 0)
            goto oom;
    const cJSON *kv;
    if (cJSON_IsObject(env))
        cJSON_ArrayForEach(kv, env) {
            if (!kv->string || !*kv->string || strchr(kv->string, '=')) {
                snprintf(err, errlen, "env: bad variable name '%s'", kv->string ? kv->string : "");
                biz_bash_env_free(e.v);
                return NULL;
            }
            /* As subprocess.Popen: a value that is not a string is a
             * TypeError (with native rendering a template may give a dict). */
            if (!cJSON_IsString(kv)) {
                snprintf(err, errlen, "env: the value of '%s' is %s, not a string (write it as "
                         "text, e.g. \"{{ ... | tojson }}\" inside other text)", kv->string,
                         cJSON_IsObject(kv) ? "a dict" : cJSON_IsArray(kv) ? "a list"
                         : cJSON_IsNumber(kv) ? "a number" : cJSON_IsBool(kv) ? "a boolean"
                         : "None");
                biz_bash_env_free(e.v);
                return NULL;
            }
            if (env_set(&e, join_kv(kv->string, kv->valuestring)) < 0)
                goto oom;
        }
    for (const char *const *x = extra; x && x[0] && x[1]; x += 2)
        if (env_set(&e, join_kv(x[0], x[1])) < 0)
            goto oom;
    return e.v;
oom:
    snprintf(err, errlen, "out of memory");
    biz_bash_env_free(e.v);
    return NULL;
}

/* Frees a vector of biz_bash_env. */
void biz_bash_env_free(char **envp)
{
    for (char **p = envp; p && *p; p++)
        free(*p);
    free(envp);
}

/* The value of name in envp, or NULL. */
const char *biz_bash_env_get(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (char *const *p = envp; p && *p; p++)
        if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
            return *p + n + 1;
    return NULL;
}

/* ---------------------------------------------------------------- which */

/* Finds an executable along path. */
char *biz_bash_which(const char *name, const char *path)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? strdup(name) : NULL;
    if (!path || !*path)
        path = "/bin:/usr/bin";
    for (const char *p = path;;) {
        size_t n = strcspn(p, ":");
        char *cand = NULL;
        if (asprintf(&cand, "%.*s%s%s", (int)n, n ? p : ".", "/", name) < 0)
            return NULL;
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
        if (!p[n])
            return NULL;
        p += n + 1;
    }
}
