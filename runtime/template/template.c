/* template.c: the public rendering entry points of template.h, on top of
 * the parser (template_parse.c) and the evaluator (template_eval.c). The
 * native mode follows jinja2.nativetypes.native_concat, which Airflow's
 * render_template_as_native_obj uses. */
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

/* v, or NULL with err saying out of memory. */
static cJSON *made(cJSON *v, biz_tpl_error *err)
{
    if (!v && err) {
        err->offset = -1;
        strcpy(err->message, "out of memory");
    }
    return v;
}

/* native_concat's one piece of text: its Python literal when it is one,
 * else the text itself. */
static cJSON *literal_or_text(const char *s, biz_tpl_error *err)
{
    int oom;
    cJSON *v = biz_tpl_literal(s, strlen(s), &oom);
    return made(v || oom ? v : cJSON_CreateString(s), err);
}

char *biz_tpl_render(const biz_tpl *t, const biz_tpl_env *env, biz_tpl_error *err)
{
    char *text = NULL;
    if (biz_tpl_run(t, env, 0, err, &text, NULL) < 0)
        return NULL;
    return text;
}

cJSON *biz_tpl_render_native(const biz_tpl *t, const biz_tpl_env *env, biz_tpl_error *err)
{
    cJSON *pieces = NULL;
    if (biz_tpl_run(t, env, 1, err, NULL, &pieces) < 0)
        return NULL;
    int n = cJSON_GetArraySize(pieces);
    if (n == 0) { /* native_concat of nothing is None */
        cJSON_Delete(pieces);
        return made(cJSON_CreateNull(), err);
    }
    if (n == 1 && !cJSON_IsString(pieces->child)) { /* one non-string node: the value itself */
        cJSON *v = cJSON_DetachItemFromArray(pieces, 0);
        cJSON_Delete(pieces);
        return v;
    }
    /* otherwise the joined text, read as a Python literal when it is one */
    biz_buf b = {0};
    for (const cJSON *c = pieces->child; c; c = c->next)
        biz_tpl_str_to(&b, c);
    cJSON_Delete(pieces);
    char *s = biz_buf_take(&b);
    if (!s)
        return made(NULL, err);
    cJSON *v = literal_or_text(s, err);
    free(s);
    return v;
}

const char *biz_tpl_text(const char *s)
{
    size_t n = sizeof BIZ_TPL_RESOLVE_MARK - 1;
    return s && strncmp(s, BIZ_TPL_RESOLVE_MARK, n) == 0 ? s + n : s;
}

/* An XComArg's value (BIZ_TPL_RESOLVE_MARK): its one output node as it
 * is; anything else as native rendering would give it. */
static cJSON *resolve(const biz_tpl *t, const biz_tpl_env *env, biz_tpl_error *err)
{
    cJSON *pieces = NULL;
    if (biz_tpl_run(t, env, 1, err, NULL, &pieces) < 0)
        return NULL;
    if (cJSON_GetArraySize(pieces) == 1) {
        cJSON *v = cJSON_DetachItemFromArray(pieces, 0);
        cJSON_Delete(pieces);
        return v;
    }
    cJSON_Delete(pieces);
    return biz_tpl_render_native(t, env, err);
}

/* A string Jinja renders as itself: no delimiter, no newline (a trailing
 * one is dropped). Native rendering may turn any text into a value. */
static int plain_string(const char *s, int native)
{
    return !native && !strpbrk(s, "{\n\r");
}

/* Whether rendering value would give value back (biz_tpl_render_value). */
int biz_tpl_is_plain(const cJSON *value, int native)
{
    if (cJSON_IsString(value))
        return plain_string(value->valuestring ? value->valuestring : "", native);
    if (cJSON_IsArray(value) || cJSON_IsObject(value)) {
        for (const cJSON *c = value->child; c; c = c->next)
            if (!biz_tpl_is_plain(c, native))
                return 0;
    }
    return 1;
}

/* Parsed templates by their text. The tasks of a DAG often share a
 * template (a fan-out of a thousand calls pulling the same XCom), and
 * every try renders its arguments again: parsing the text was most of a
 * render's cost. A parsed template is read-only while it renders (and
 * parsing reads only the text), so one parse serves them all. A small
 * table, an entry replaced by the next text that falls on its slot; kept
 * until the process exits. */
#define TPL_CACHE_SLOTS 64
#define TPL_CACHE_MAX_TEXT (64 * 1024)

static struct tpl_cached {
    char *text;
    size_t len;
    unsigned hash;
    biz_tpl *t;
} tpl_cache[TPL_CACHE_SLOTS];

/* The parsed template of s; *owned says whether the caller frees it (a
 * text too long to keep, or no memory for its entry). NULL: err says why. */
static biz_tpl *parse_cached(const char *s, biz_tpl_error *err, int *owned)
{
    size_t n = strlen(s);
    *owned = 1;
    if (n > TPL_CACHE_MAX_TEXT)
        return biz_tpl_parse(s, n, err);
    unsigned h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    struct tpl_cached *c = &tpl_cache[h % TPL_CACHE_SLOTS];
    if (c->t && c->hash == h && c->len == n && memcmp(c->text, s, n) == 0) {
        *owned = 0;
        return c->t;
    }
    biz_tpl *t = biz_tpl_parse(s, n, err);
    char *copy = t ? malloc(n + 1) : NULL;
    if (!copy)
        return t;
    memcpy(copy, s, n + 1);
    biz_tpl_free(c->t);
    free(c->text);
    *c = (struct tpl_cached){ copy, n, h, t };
    *owned = 0;
    return t;
}

static cJSON *render_one(const cJSON *value, int native, const biz_tpl_env *env, biz_tpl_error *err,
                         char **where, int depth)
{
    if (depth > 200) {
        err->offset = -1;
        strcpy(err->message, "value nested too deeply");
        return NULL;
    }
    if (cJSON_IsString(value)) {
        const char *s = value->valuestring ? value->valuestring : "";
        const char *text = biz_tpl_text(s);
        int resolved = text != s;
        s = text;
        if (!resolved && plain_string(s, native))
            return made(cJSON_CreateString(s), err);
        if (!resolved && native && !strpbrk(s, "{\n\r")) {
            /* No delimiter, no newline: the template is one piece of text,
             * which native rendering reads as a Python literal when it is
             * one (what biz_tpl_render_native does with it), without
             * parsing and running it. */
            return literal_or_text(s, err);
        }
        int owned;
        biz_tpl *t = parse_cached(s, err, &owned);
        cJSON *r = NULL;
        if (t && resolved)
            r = resolve(t, env, err);
        else if (t && native)
            r = biz_tpl_render_native(t, env, err);
        else if (t) {
            char *out = biz_tpl_render(t, env, err);
            if (out) {
                r = made(cJSON_CreateString(out), err);
                free(out);
            }
        }
        if (owned)
            biz_tpl_free(t);
        if (!r && where && !*where)
            *where = strdup(s);
        return r;
    }
    if (cJSON_IsArray(value) || cJSON_IsObject(value)) {
        cJSON *out = cJSON_IsArray(value) ? cJSON_CreateArray() : cJSON_CreateObject();
        if (!out) {
            strcpy(err->message, "out of memory");
            return NULL;
        }
        out->type |= value->type & BIZ_TPL_TUPLE_BIT;
        for (const cJSON *c = value->child; c; c = c->next) {
            cJSON *r = render_one(c, native, env, err, where, depth + 1);
            if (!r) {
                cJSON_Delete(out);
                return NULL;
            }
            if (cJSON_IsArray(value))
                cJSON_AddItemToArray(out, r);
            else if (!cJSON_AddItemToObject(out, c->string ? c->string : "", r)) {
                cJSON_Delete(r);
                cJSON_Delete(out);
                return made(NULL, err);
            }
        }
        return out;
    }
    cJSON *r = cJSON_Duplicate(value, 1);
    if (!r)
        strcpy(err->message, "out of memory");
    return r;
}

cJSON *biz_tpl_render_value(const cJSON *value, int native, const biz_tpl_env *env,
                            biz_tpl_error *err, char **where)
{
    biz_tpl_error dummy;
    if (!err)
        err = &dummy;
    err->offset = -1;
    err->message[0] = '\0';
    if (where)
        *where = NULL;
    if (!value) {
        strcpy(err->message, "no value");
        return NULL;
    }
    return render_one(value, native, env, err, where, 0);
}
