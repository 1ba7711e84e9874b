/* args.c: task arguments without the table's defaults (args.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "ops.h"

/* An argument of an operator. */
typedef struct entry {
    const biz_arg_spec *spec;
    size_t len;          /* of its name */
    size_t dlen;         /* of its default_json (0: none) */
    char *pair;          /* "name":default, as the compiler writes it, or NULL */
    size_t plen;
    cJSON *value;        /* the default parsed, once a lookup needs it */
} entry;

/* An operator's arguments in table order, and found by name (open
 * addressing over indices + 1, a power of two). */
typedef struct table {
    entry *order;
    int n;
    int *slots;
    unsigned mask;
    int built;
} table;

static table tables[BIZ_OP__COUNT];

static unsigned hash_n(const char *s, size_t n)
{
    unsigned h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

typedef struct fill_acc {
    table *t;
} fill_acc;

static void count_one(const biz_arg_spec *a, void *user)
{
    (void)a;
    ((fill_acc *)user)->t->n++;
}

static void fill_one(const biz_arg_spec *a, void *user)
{
    table *t = ((fill_acc *)user)->t;
    entry *e = &t->order[t->n];
    *e = (entry){ a, strlen(a->name), a->default_json ? strlen(a->default_json) : 0, NULL, 0, NULL };
    if (e->dlen && (e->pair = malloc(e->len + e->dlen + 4)))
        e->plen = (size_t)sprintf(e->pair, "\"%s\":%s", a->name, a->default_json);
    unsigned i = hash_n(a->name, e->len) & t->mask;
    while (t->slots[i])
        i = (i + 1) & t->mask;
    t->slots[i] = ++t->n;
}

/* The arguments of op, or NULL (an op outside the table, out of memory). */
static table *table_of(int op)
{
    if (op < 0 || op >= BIZ_OP__COUNT)
        return NULL;
    table *t = &tables[op];
    if (!t->built) {
        t->built = 1;
        fill_acc f = { t };
        biz_op_each_arg(&biz_ops[op], count_one, &f);
        unsigned cap = 16;
        while (cap < 2u * (unsigned)t->n)
            cap *= 2;
        t->order = calloc((size_t)t->n + 1, sizeof *t->order);
        t->slots = calloc(cap, sizeof *t->slots);
        if (!t->order || !t->slots) {
            free(t->order);
            free(t->slots);
            t->order = NULL;
            t->slots = NULL;
            return NULL;
        }
        t->mask = cap - 1;
        t->n = 0;
        biz_op_each_arg(&biz_ops[op], fill_one, &f);
    }
    return t->slots ? t : NULL;
}

static int named(const entry *e, const char *s, size_t n)
{
    return e->len == n && memcmp(e->spec->name, s, n) == 0;
}

/* The argument called s (n bytes), or NULL. */
static entry *find(table *t, const char *s, size_t n)
{
    if (!t)
        return NULL;
    for (unsigned i = hash_n(s, n) & t->mask; t->slots[i]; i = (i + 1) & t->mask)
        if (named(&t->order[t->slots[i] - 1], s, n))
            return &t->order[t->slots[i] - 1];
    return NULL;
}

/* The argument called s (n bytes), looked for first at *cursor and a few
 * after it: the compiler writes a task's arguments in table order, so the
 * next key is most often there; *cursor moves past the one found. */
static entry *find_next(table *t, int *cursor, const char *s, size_t n)
{
    if (!t)
        return NULL;
    for (int i = *cursor; i < t->n && i < *cursor + 8; i++)
        if (named(&t->order[i], s, n)) {
            *cursor = i + 1;
            return &t->order[i];
        }
    entry *e = find(t, s, n);
    if (e)
        *cursor = (int)(e - t->order) + 1;
    return e;
}

static const cJSON *value_of(entry *e)
{
    if (!e->value && e->dlen)
        e->value = cJSON_Parse(e->spec->default_json);
    return e->value;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Whether the value at p is the default's text, as a whole value. */
static int is_default(const char *p, const entry *e)
{
    if (!e->dlen || strncmp(p, e->spec->default_json, e->dlen) != 0)
        return 0;
    const char *q = skip_ws(p + e->dlen);
    return *q == ',' || *q == '}';
}

/* The general way, for what the fast one does not take (escapes in a key,
 * a hand-made table...): the whole object parsed, then the defaults taken
 * out. */
static cJSON *parse_slow(table *t, const char *json)
{
    cJSON *obj = cJSON_Parse(json);
    if (!cJSON_IsObject(obj) || !t)
        return obj;
    for (cJSON *a = obj->child, *next; a; a = next) {
        next = a->next;
        entry *e = a->string ? find(t, a->string, strlen(a->string)) : NULL;
        const cJSON *v = e ? value_of(e) : NULL;
        if (v && cJSON_Compare(a, v, 1))
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, a));
    }
    return obj;
}

/* A JSON string at p without escapes or control characters, as a new
 * cJSON string, *end after its closing quote; NULL when it is another
 * value (cJSON parses that one). Most arguments are such strings. */
static cJSON *plain_string(const char *p, const char *limit, const char **end)
{
    if (*p != '"')
        return NULL;
    const char *q = memchr(p + 1, '"', (size_t)(limit - p - 1));
    char buf[256];
    size_t n = q ? (size_t)(q - p - 1) : 0;
    if (!q || n >= sizeof buf)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[1 + i] < 0x20 || p[1 + i] == '\\')
            return NULL;
    memcpy(buf, p + 1, n);
    buf[n] = 0;
    *end = q + 1;
    return cJSON_CreateString(buf);
}

/* Parses a task's arguments without the table's defaults (args.h). The
 * compiler writes a flat object, "key":value pairs without escapes in the
 * keys: read here pair by pair, a default skipped as text without making
 * a node, a plain string made directly, any other value parsed by cJSON.
 * Anything else goes the general way. */
cJSON *biz_args_parse(int op, const char *json)
{
    if (!json)
        json = "{}";
    table *t = table_of(op);
    const char *limit = json + strlen(json);
    int cursor = 0;
    cJSON *obj = cJSON_CreateObject();
    const char *p = skip_ws(json);
    if (!obj || *p != '{')
        goto slow;
    p = skip_ws(p + 1);
    if (*p == '}')
        goto end;
    for (;;) {
        if (*p != '"')
            goto slow;
        /* Most pairs are a default, where the compiler writes them: the
         * next arguments of the table are tried as whole text first. */
        entry *skip = NULL;
        for (int i = cursor; t && i < t->n && i < cursor + 8 && !skip; i++) {
            entry *c = &t->order[i];
            if (c->pair && strncmp(p, c->pair, c->plen) == 0 &&
                (p[c->plen] == ',' || p[c->plen] == '}')) {
                skip = c;
                cursor = i + 1;
            }
        }
        if (skip) {
            p += skip->plen;
            if (*p == '}')
                break;
            p = skip_ws(p + 1);
            continue;
        }
        const char *k = p + 1, *ke = memchr(k, '"', (size_t)(limit - k));
        char key[128];
        size_t klen = ke ? (size_t)(ke - k) : 0;
        if (!ke || klen >= sizeof key || memchr(k, '\\', klen))
            goto slow;
        p = skip_ws(ke + 1);
        if (*p != ':')
            goto slow;
        p = skip_ws(p + 1);
        entry *e = find_next(t, &cursor, k, klen);
        if (e && is_default(p, e)) {
            p += e->dlen;
        } else {
            const char *end = NULL;
            cJSON *v = plain_string(p, limit, &end);
            if (!v)
                v = cJSON_ParseWithLengthOpts(p, (size_t)(limit - p), &end, 0);
            if (!v || !end) {
                cJSON_Delete(v);
                goto slow;
            }
            /* A key of the table is the table's own string (constant, not
             * copied): biz_args_lookup then knows it by its address. */
            memcpy(key, k, klen);
            key[klen] = 0;
            if (!(e ? cJSON_AddItemToObjectCS(obj, e->spec->name, v)
                    : cJSON_AddItemToObject(obj, key, v))) {
                cJSON_Delete(v);
                goto slow;
            }
            p = end;
        }
        p = skip_ws(p);
        if (*p == '}')
            break;
        if (*p != ',')
            goto slow;
        p = skip_ws(p + 1);
    }
end:
    if (*skip_ws(p + 1) == 0)
        return obj;
slow:
    cJSON_Delete(obj);
    return parse_slow(t, json);
}

/* A value as a number (args.h). */
double biz_arg_num(const cJSON *v, double dflt)
{
    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    return dflt;
}

/* A value as a boolean (args.h). */
int biz_arg_bool(const cJSON *v, int dflt)
{
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))   /* a rendered template: Python's truthiness */
        return v->valuestring[0] != 0 && strcmp(v->valuestring, "False") != 0;
    return dflt;
}

/* An argument, else its default (args.h). */
const cJSON *biz_args_lookup(int op, const cJSON *args, const char *name)
{
    entry *e = name ? find(table_of(op), name, strlen(name)) : NULL;
    if (!e || !cJSON_IsObject(args))
        return e ? value_of(e) : cJSON_GetObjectItemCaseSensitive(args, name);
    /* A key biz_args_parse made is the table's string: compared by its
     * address; one put there another way, by its text. */
    for (const cJSON *c = args->child; c; c = c->next)
        if ((c->type & cJSON_StringIsConst) ? c->string == e->spec->name
                                            : c->string && strcmp(c->string, name) == 0)
            return c;
    return value_of(e);
}

/* The arguments with the defaults put back (args.h). */
cJSON *biz_args_full(int op, const cJSON *args)
{
    cJSON *out = args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject();
    table *t = table_of(op);
    for (int i = 0; out && t && i < t->n; i++) {
        entry *e = &t->order[i];
        const cJSON *v = value_of(e);
        if (!v || cJSON_GetObjectItemCaseSensitive(out, e->spec->name))
            continue;
        cJSON *c = cJSON_Duplicate(v, 1);
        if (!c || !cJSON_AddItemToObject(out, e->spec->name, c)) {
            cJSON_Delete(c);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

/* The table's entry for an argument (args.h). */
const biz_arg_spec *biz_args_spec(int op, const char *name)
{
    entry *e = name ? find(table_of(op), name, strlen(name)) : NULL;
    return e ? e->spec : NULL;
}
