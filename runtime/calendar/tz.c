/* tz.c: UTC offsets from a compiled zone table (see tz.h). */
#include <string.h>
#include <strings.h>

#include "tz.h"

/* The index of the last change at or before t, -1 when t is before all. */
static int last_change(const biz_tz *z, time_t t)
{
    int lo = 0, hi = z->n;   /* binary search: first at[i] > t */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= (long long)t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

/* The offset before change i (i may be 0). */
static int before(const biz_tz *z, int i)
{
    return i > 0 ? z->offset[i - 1] : z->offset0;
}

/* The offset at instant t. */
int biz_tz_offset(const biz_tz *z, time_t t)
{
    if (!z || z->n == 0)
        return z ? z->offset0 : 0;
    int i = last_change(z, t);
    return i < 0 ? z->offset0 : z->offset[i];
}

/* zoneinfo's utcoffset() of a naive time: change i takes effect on the
 * wall clock at at[i] + the larger of the offsets around it for fold 0,
 * the smaller for fold 1 (CPython's _ts_to_local). */
int biz_tz_local_offset(const biz_tz *z, time_t local, int fold)
{
    if (!z || z->n == 0)
        return z ? z->offset0 : 0;
    /* The changes whose wall time can be at or before local all have
     * at[i] <= local + 1 day (offsets are under a day); search back from
     * there. */
    int i = last_change(z, local + 86400);
    for (; i >= 0; i--) {
        int a = before(z, i), b = z->offset[i];
        int lo = a < b ? a : b, hi = a < b ? b : a;
        long long wall = z->at[i] + (fold ? lo : hi);
        if (wall <= (long long)local)
            return b;
    }
    return z->offset0;
}

/* pendulum's Timezone.convert() of a naive time (see tz.h). */
time_t biz_tz_from_local(const biz_tz *z, time_t local, int fold)
{
    int ob = biz_tz_local_offset(z, local, 0);
    int oa = biz_tz_local_offset(z, local, 1);
    if (oa > ob)   /* a gap: move on by its width (pendulum, fold=1) */
        local += fold ? oa - ob : ob - oa;
    return local - biz_tz_local_offset(z, local, fold);
}

/* The abbreviation at instant t ("CET"); "UTC" for z NULL. */
const char *biz_tz_abbr(const biz_tz *z, time_t t)
{
    if (!z)
        return "UTC";
    int i = z->n ? last_change(z, t) : -1;
    const char *a = i < 0 ? z->abbr0 : z->abbr ? z->abbr[i] : NULL;
    return a ? a : "";
}

/* The wall time of instant t. */
time_t biz_tz_to_local(const biz_tz *z, time_t t)
{
    return t + biz_tz_offset(z, t);
}

/* True when z is UTC in effect. */
int biz_tz_is_utc(const biz_tz *z)
{
    if (!z)
        return 1;
    if (z->offset0 != 0)
        return 0;
    for (int i = 0; i < z->n; i++)
        if (z->offset[i] != 0)
            return 0;
    return 1;
}

static const biz_tz *registered[16];
static int nregistered;

/* Registers a zone for biz_tz_find. */
void biz_tz_register(const biz_tz *z)
{
    if (!z || nregistered >= (int)(sizeof registered / sizeof registered[0]))
        return;
    for (int i = 0; i < nregistered; i++)
        if (registered[i] == z)
            return;
    registered[nregistered++] = z;
}

/* The registration index of z, -1 when not registered. */
int biz_tz_index(const biz_tz *z)
{
    for (int i = 0; i < nregistered; i++)
        if (registered[i] == z)
            return i;
    return -1;
}

/* The zone registered at index i, NULL when none. */
const biz_tz *biz_tz_at(int i)
{
    return i >= 0 && i < nregistered ? registered[i] : NULL;
}

/* Names that mean UTC. */
int biz_tz_name_is_utc(const char *name)
{
    static const char *const utc[] = { "UTC", "Etc/UTC", "Etc/UCT", "UCT", "GMT", "Etc/GMT",
                                       "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Universal",
                                       "Etc/Zulu", "Universal", "Zulu", "Z", "utc" };
    for (size_t i = 0; name && i < sizeof utc / sizeof utc[0]; i++)
        if (strcmp(name, utc[i]) == 0)
            return 1;
    return 0;
}

/* A registered zone by name. */
const biz_tz *biz_tz_find(const char *name, int *known)
{
    if (known)
        *known = 0;
    if (!name)
        return NULL;
    if (biz_tz_name_is_utc(name)) {
        if (known)
            *known = 1;
        return NULL;
    }
    for (int i = 0; i < nregistered; i++)
        if (strcmp(registered[i]->name, name) == 0) {
            if (known)
                *known = 1;
            return registered[i];
        }
    return NULL;
}
