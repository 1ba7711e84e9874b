/* template_names.c: the names the template language knows (Jinja's filters
 * with their parameters, its tests): what the parser checks a template
 * against, at compile time as at run time, and what the filters read
 * their arguments by. The evaluator is elsewhere (template_filters.c). */
#include <string.h>

#include "suggest.h"
#include "template_int.h"

static const biz_tpl_fdef filters[] = {
    {"abs", {0}}, {"capitalize", {0}}, {"count", {0}},
    {"d", {"default_value", "boolean"}}, {"default", {"default_value", "boolean"}},
    {"ds", {0}}, {"ds_nodash", {0}},
    {"first", {0}}, {"float", {"default"}}, {"format", {"*"}}, {"int", {"default", "base"}},
    {"items", {0}}, {"join", {"d", "attribute"}}, {"last", {0}}, {"length", {0}},
    {"list", {0}}, {"lower", {0}}, {"map", {"*"}},
    {"max", {"case_sensitive", "attribute"}}, {"min", {"case_sensitive", "attribute"}},
    {"replace", {"old", "new", "count"}}, {"reverse", {0}},
    {"round", {"precision", "method"}}, {"safe", {0}},
    {"sort", {"reverse", "case_sensitive", "attribute"}}, {"string", {0}},
    {"sum", {"attribute", "start"}}, {"title", {0}}, {"tojson", {"indent"}},
    {"trim", {"chars"}}, {"ts", {0}}, {"ts_nodash", {0}}, {"ts_nodash_with_tz", {0}},
    {"unique", {"case_sensitive", "attribute"}}, {"upper", {0}},
    {"urlencode", {0}},
};
#define NFILTERS (sizeof filters / sizeof filters[0])

static const char *const test_names[] = {
    "defined", "undefined", "none", "true", "false", "boolean", "string", "number",
    "integer", "float", "mapping", "iterable", "sequence", "even", "odd",
    "divisibleby", "eq", "equalto", "ne", "lt", "le", "gt", "ge", "in", "lower",
    "upper", NULL};

const biz_tpl_fdef *biz_tpl_find_filter(const char *name)
{
    for (size_t i = 0; i < NFILTERS; i++)
        if (!strcmp(filters[i].name, name))
            return &filters[i];
    return NULL;
}

int biz_tpl_filter_known(const char *name)
{
    return biz_tpl_find_filter(name) != NULL;
}

int biz_tpl_test_known(const char *name)
{
    for (const char *const *t = test_names; *t; t++)
        if (!strcmp(*t, name))
            return 1;
    return 0;
}

const char *biz_tpl_filter_suggest(const char *name)
{
    /* The names of the table above, made once. */
    static const char *names[NFILTERS + 1];
    if (!names[0])
        for (size_t i = 0; i < NFILTERS; i++)
            names[i] = filters[i].name;
    return biz_suggest_first(name, names);
}

const char *biz_tpl_test_suggest(const char *name)
{
    return biz_suggest_first(name, test_names);
}
