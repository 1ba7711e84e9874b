/* args.c: task arguments without the table's defaults (args.h). */
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "ops.h"

/* An argument of an operator that has a default. */
typedef struct dflt {
    const char *name;
    const char *text;    /* the table's default_json */
    size_t len;
    cJSON *value;        /* text parsed, once a lookup needs it */
} dflt;

/* An operator's defaults, found by name (open addressing, a power of two). */
typedef struct dtable {
    dflt *slots;
    unsigned mask;
    int built;
} dtable;

static dtable tables[BIZ_OP__COUNT];

static unsigned hash_n(const char *s, size_t n)
{
    unsigned h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

typedef struct fill_acc {
    dtable *t;
    int count;            /* counting pass: slots stays NULL */
} fill_acc;

static void fill_one(const biz_arg_spec *a, void *user)
{
    fill_acc *f = user;
    if (!a->default_json)
        return;
    if (!f->t->slots) {
        f->count++;
        return;
    }
    size_t n = strlen(a->name);
    unsigned i = hash_n(a->name, n) & f->t->mask;
    while (f->t->slots[i].name)
        i = (i + 1) & f->t->mask;
    f->t->slots[i] = (dflt){ a->name, a->default_json, strlen(a->default_json), NULL };
}

/* The defaults of op, or NULL (an op outside the table, out of memory). */
static dtable *table_of(int op)
{
    if (op < 0 || op >= BIZ_OP__COUNT)
        return NULL;
    dtable *t = &tables[op];
    if (!t->built) {
        t->built = 1;
        fill_acc f = { t, 0 };
        biz_op_each_arg(&biz_ops[op], fill_one, &f);
        unsigned cap = 16;
        while (cap < 2u * (unsigned)f.count)
            cap *= 2;
        t->slots = calloc(cap, sizeof *t->slots);
        if (!t->slots)
            return NULL;
        t->mask = cap - 1;
        biz_op_each_arg(&biz_ops[op], fill_one, &f);
    }
    return t->slots ? t : NULL;
}

/* The default of the argument called s (n bytes), or NULL. */
static dflt *find(dtable *t, const char *s, size_t n)
{
    if (!t)
        return NULL;
    for (unsigned i = hash_n(s, n) & t->mask; t->slots[i].name; i = (i + 1) & t->mask)
        if (strncmp(t->slots[i].name, s, n) == 0 && t->slots[i].name[n] == 0)
            return &t->slots[i];
    return NULL;
}

static const cJSON *value_of(dflt *d)
{
    if (!d->value)
        d->value = cJSON_Parse(d->text);
    return d->value;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Whether the value at p is the default's text, as a whole value. */
static int is_default(const char *p, const dflt *d)
{
    if (strncmp(p, d->text, d->len) != 0)
        return 0;
    const char *q = skip_ws(p + d->len);
    return *q == ',' || *q == '}';
}

/* The general way, for what the fast one does not take (escapes in a key,
 * comments of a hand-made table...): the whole object parsed, then the
 * defaults taken out. */
static cJSON *parse_slow(dtable *t, const char *json)
{
    cJSON *obj = cJSON_Parse(json);
    if (!cJSON_IsObject(obj) || !t)
        return obj;
    for (cJSON *a = obj->child, *next; a; a = next) {
        next = a->next;
        dflt *d = a->string ? find(t, a->string, strlen(a->string)) : NULL;
        const cJSON *v = d ? value_of(d) : NULL;
        if (v && cJSON_Compare(a, v, 1))
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, a));
    }
    return obj;
}

/* Parses a task's arguments without the table's defaults (args.h). The
 * compiler writes a flat object, "key":value pairs without escapes in the
 * keys: read here pair by pair, a default skipped as text without making
 * a node, any other value parsed by cJSON. Anything else goes the general
 * way. */
cJSON *biz_args_parse(int op, const char *json)
{
    if (!json)
        json = "{}";
    dtable *t = table_of(op);
    size_t total = strlen(json);
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
        const char *k = p + 1, *ke = k;
        while (*ke && *ke != '"' && *ke != '\\')
            ke++;
        size_t klen = (size_t)(ke - k);
        char key[128];
        if (*ke != '"' || klen >= sizeof key)
            goto slow;
        p = skip_ws(ke + 1);
        if (*p != ':')
            goto slow;
        p = skip_ws(p + 1);
        dflt *d = find(t, k, klen);
        if (d && is_default(p, d)) {
            p += d->len;
        } else {
            const char *end = NULL;
            cJSON *v = cJSON_ParseWithLengthOpts(p, total - (size_t)(p - json), &end, 0);
            if (!v || !end) {
                cJSON_Delete(v);
                goto slow;
            }
            memcpy(key, k, klen);
            key[klen] = 0;
            if (!cJSON_AddItemToObject(obj, key, v)) {
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
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    if (v || !name)
        return v;
    dflt *d = find(table_of(op), name, strlen(name));
    return d ? value_of(d) : NULL;
}

/* The arguments with the defaults put back (args.h). */
cJSON *biz_args_full(int op, const cJSON *args)
{
    cJSON *out = args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject();
    dtable *t = table_of(op);
    for (unsigned i = 0; out && t && i <= t->mask; i++) {
        dflt *d = &t->slots[i];
        if (!d->name || cJSON_GetObjectItemCaseSensitive(out, d->name))
            continue;
        const cJSON *v = value_of(d);
        cJSON *c = v ? cJSON_Duplicate(v, 1) : NULL;
        if (!c || !cJSON_AddItemToObject(out, d->name, c)) {
            cJSON_Delete(c);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}
