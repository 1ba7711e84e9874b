/* pylookup.c: lookups in the generated import tables (pynames.h). */
#include <stdlib.h>
#include <string.h>
#include "pynames.h"
#include "xalloc.h"

static int cmp_str(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

static int in_sorted(const char *const *list, int n, const char *s)
{
    return bsearch(s, list, (size_t)n, sizeof *list, cmp_str) != NULL;
}

static int cmp_mod(const void *key, const void *item)
{
    return strcmp((const char *)key, ((const biz_py_module *)item)->name);
}

biz_py_status biz_py_module_status(const char *module)
{
    const char *dot = strchr(module, '.');
    size_t toplen = dot ? (size_t)(dot - module) : strlen(module);
    if ((toplen == 7 && !strncmp(module, "airflow", 7)) || (toplen == 7 && !strncmp(module, "coworks", 7)))
        return in_sorted(biz_py.modules, biz_py.nmodules, module) ? BIZ_PY_EXISTS : BIZ_PY_MISSING;
    char top[128];
    if (toplen >= sizeof top)
        return BIZ_PY_UNKNOWN;
    memcpy(top, module, toplen);
    top[toplen] = 0;
    if (!in_sorted(biz_py.toplevel, biz_py.ntoplevel, top))
        return BIZ_PY_MISSING;
    return dot ? BIZ_PY_UNKNOWN : BIZ_PY_EXISTS;
}

const char *const *biz_py_module_names(const char *module, int *n)
{
    const biz_py_module *m = bsearch(module, biz_py.named, (size_t)biz_py.nnamed, sizeof *biz_py.named,
                                     cmp_mod);
    if (!m)
        return NULL;
    *n = m->nnames;
    return m->names;
}

int biz_py_has_name(const char *module, const char *name)
{
    int n;
    const char *const *names = biz_py_module_names(module, &n);
    if (!names)
        return -1;
    if (in_sorted(names, n, name))
        return 1;
    /* `from package import submodule` imports the submodule. */
    size_t lm = strlen(module), ln = strlen(name);
    char *path = biz_xmalloc(lm + ln + 2);
    memcpy(path, module, lm);
    path[lm] = '.';
    memcpy(path + lm + 1, name, ln + 1);
    int sub = biz_py_module_status(path) == BIZ_PY_EXISTS;
    free(path);
    return sub;
}

int biz_py_siblings(const char *module, const char **out, int max)
{
    const char *dot = strrchr(module, '.');
    int k = 0;
    if (!dot) {
        for (int i = 0; i < biz_py.ntoplevel && k < max; i++)
            out[k++] = biz_py.toplevel[i];
        return k;
    }
    size_t plen = (size_t)(dot - module) + 1;   /* "airflow.operators." */
    for (int i = 0; i < biz_py.nmodules && k < max; i++) {
        const char *m = biz_py.modules[i];
        if (strncmp(m, module, plen) == 0 && !strchr(m + plen, '.'))
            out[k++] = m;
    }
    return k;
}
