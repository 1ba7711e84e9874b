/* args.c: arguments read by id, with the table's defaults, and kept
 * without them (see args.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"

/* The argument as owner takes it, or as ops.def declares it. */
static const biz_arg_spec *spec_of(int owner, biz_arg_id id)
{
    const biz_arg_spec *a = NULL;
    if (owner >= 0 && owner < BIZ_OP__COUNT)
        a = biz_ops_arg_id(&biz_ops[owner], id);
    else if (owner == BIZ_ARGS_DAG)
        a = biz_dag_arg_id(id);
    return a ? a : biz_arg_decl(id);
}

/* A default as a value: the table's defaults are scalars (test_ops checks
 * it), each made once into static storage, so that reading one never
 * allocates and cannot fail. NULL for anything else. */
static const cJSON *scalar(const char *json)
{
    static cJSON nodes[96];
    static const char *keys[96];
    static char pool[1024];
    static size_t used;
    static int n;
    for (int i = 0; i < n; i++)
        if (keys[i] == json)
            return &nodes[i];
    if (n == (int)(sizeof nodes / sizeof nodes[0]))
        return NULL;
    cJSON v;
    memset(&v, 0, sizeof v);
    size_t len = strlen(json);
    if (strcmp(json, "true") == 0) {
        v.type = cJSON_True;
        v.valueint = 1;
    } else if (strcmp(json, "false") == 0) {
        v.type = cJSON_False;
    } else if (len >= 2 && json[0] == '"' && json[len - 1] == '"') {
        if (memchr(json, '\\', len) || used + len - 1 > sizeof pool)
            return NULL;   /* an escape: not worth decoding here */
        v.type = cJSON_String;
        v.valuestring = pool + used;
        memcpy(pool + used, json + 1, len - 2);
        pool[used + len - 2] = 0;
        used += len - 1;
    } else {
        char *end;
        v.valuedouble = strtod(json, &end);
        if (end == json || *end)
            return NULL;
        v.type = cJSON_Number;
        v.valueint = (int)v.valuedouble;
    }
    nodes[n] = v;
    keys[n] = json;
    return &nodes[n++];
}

/* The default of owner's argument id, or NULL (None): looked up once per
 * owner and argument. One that is not a scalar is parsed and kept. */
static const cJSON *default_of(int owner, biz_arg_id id)
{
    static const cJSON *memo[BIZ_ARGS_DAG + 2][BIZ_ARG__COUNT];
    static char done[BIZ_ARGS_DAG + 2][BIZ_ARG__COUNT];
    if ((unsigned)id >= BIZ_ARG__COUNT)
        return NULL;
    /* An owner out of range (a malformed table) has the last row. */
    int row = owner >= 0 && owner <= BIZ_ARGS_DAG ? owner : BIZ_ARGS_DAG + 1;
    if (!done[row][id]) {
        const biz_arg_spec *a = spec_of(owner, id);
        const cJSON *v = a && a->default_json ? scalar(a->default_json) : NULL;
        if (a && a->default_json && !v)
            v = cJSON_Parse(a->default_json);
        if (v || !a || !a->default_json)   /* a failed parse is tried again */
            done[row][id] = 1;
        memo[row][id] = v;
    }
    return memo[row][id];
}

/* The member named as id, as given: NULL when absent. A key that
 * biz_args_parse made is the table's own string, known by its address. */
const cJSON *biz_args_given(const cJSON *args, biz_arg_id id)
{
    if (!cJSON_IsObject(args))
        return NULL;
    /* Called some fifty times a try: the address first, then the first
     * byte, before a whole comparison. */
    const char *name = biz_arg_name(id);
    for (const cJSON *c = args->child; c; c = c->next)
        if (c->string == name ||
            (c->string && c->string[0] == name[0] && strcmp(c->string, name) == 0))
            return c;
    return NULL;
}

const cJSON *biz_args_get(const cJSON *args, int owner, biz_arg_id id)
{
    const cJSON *v = biz_args_given(args, id);
    if (v && !cJSON_IsNull(v))
        return v;
    if (v) {   /* None */
        const biz_arg_spec *a = spec_of(owner, id);
        if (a && (a->flags & BIZ_A_NONE_OK))
            return v;
    }
    return default_of(owner, id);
}

double biz_args_num_or(const cJSON *args, biz_arg_id id, double fallback)
{
    const cJSON *v = biz_args_given(args, id);
    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    return fallback;
}

const char *biz_args_str_or(const cJSON *args, biz_arg_id id, const char *fallback)
{
    const cJSON *v = biz_args_given(args, id);
    return cJSON_IsString(v) ? v->valuestring : fallback;
}

/* A value as a boolean; -1 when it is not one (nor a number or a string). */
static int truth(const cJSON *v)
{
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))   /* a rendered template: Python's truthiness */
        return v->valuestring[0] != 0 && strcmp(v->valuestring, "False") != 0;
    return -1;
}

const char *biz_args_str(const cJSON *args, int owner, biz_arg_id id)
{
    const cJSON *d = default_of(owner, id);
    return biz_args_str_or(args, id, cJSON_IsString(d) ? d->valuestring : NULL);
}

int biz_args_bool(const cJSON *args, int owner, biz_arg_id id)
{
    int b = truth(biz_args_given(args, id));
    if (b < 0)
        b = truth(default_of(owner, id));
    return b < 0 ? 0 : b;
}

double biz_args_num(const cJSON *args, int owner, biz_arg_id id)
{
    const cJSON *d = default_of(owner, id);
    return biz_args_num_or(args, id, cJSON_IsNumber(d) ? d->valuedouble : cJSON_IsBool(d) ? cJSON_IsTrue(d) : -1);
}

/* ------------------------------------------------ kept without defaults */

/* An argument of an operator, as the compiler writes it with its default. */
typedef struct entry {
    const biz_arg_spec *spec;
    size_t len;          /* of its name */
    size_t dlen;         /* of its default_json (0: none) */
    char *pair;          /* "name":default, or NULL */
    size_t plen;
} entry;

/* An operator's arguments in table order, and found by name (open
 * addressing over indices + 1, a power of two). */
typedef struct table {
    int op;
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

static void count_one(const biz_arg_spec *a, void *user)
{
    (void)a;
    ((table *)user)->n++;
}

static void fill_one(const biz_arg_spec *a, void *user)
{
    table *t = user;
    entry *e = &t->order[t->n];
    /* Only a default a read gives back is left out: the argument as the
     * operator takes it (spec_of), with a default. */
    int strip = a->default_json && spec_of(t->op, a->id) == a;
    *e = (entry){ a, strlen(a->name), strip ? strlen(a->default_json) : 0, NULL, 0 };
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
        t->op = op;
        biz_ops_each_arg(&biz_ops[op], count_one, t);
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
        biz_ops_each_arg(&biz_ops[op], fill_one, t);
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

/* The default a read of e gives back, or NULL when e keeps its value. */
static const cJSON *strippable(const table *t, const entry *e)
{
    return e->dlen ? default_of(t->op, e->spec->id) : NULL;
}

/* Whether v, given as op's argument name, is what a read without it
 * gives back: the table's default. */
int biz_args_is_default(int op, const char *name, const cJSON *v)
{
    table *t = table_of(op);
    entry *e = t && name ? find(t, name, strlen(name)) : NULL;
    const cJSON *d = e ? strippable(t, e) : NULL;
    return d && v && cJSON_Compare(v, d, 1);
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
 * spaces the compiler does not write...): the whole object parsed, then
 * the defaults taken out. */
static cJSON *parse_slow(table *t, const char *json)
{
    cJSON *obj = cJSON_Parse(json);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return NULL;
    }
    for (cJSON *a = obj->child, *next; t && a; a = next) {
        next = a->next;
        entry *e = a->string ? find(t, a->string, strlen(a->string)) : NULL;
        const cJSON *v = e ? strippable(t, e) : NULL;
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

/* The compiler writes a flat object, "key":value pairs without escapes in
 * the keys: read here pair by pair, a default skipped as text without
 * making a node, a plain string made directly, any other value parsed by
 * cJSON. Anything else goes the general way. */
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
             * copied): a read knows it by its address. */
            memcpy(key, k, klen);
            key[klen] = 0;
            if (!(e ? cJSON_AddItemToObjectCS(obj, biz_arg_name(e->spec->id), v)
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

cJSON *biz_args_full(int op, const cJSON *args)
{
    cJSON *out = args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject();
    table *t = table_of(op);
    for (int i = 0; out && t && i < t->n; i++) {
        entry *e = &t->order[i];
        const cJSON *v = strippable(t, e);
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
