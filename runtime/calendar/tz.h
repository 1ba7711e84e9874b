/* tz.h: time zones as compiled into a DAG executable.
 *
 * bizc reads the build machine's tzdata (compiler/tzif.c) and emits each
 * zone a DAG uses as a table of UTC offsets and the instants they start
 * (bizrt.h's biz_tz_def), so a static executable needs no zoneinfo on the
 * server. The runtime looks zones up by name among those registered by
 * biz_main. The conversions follow Python's zoneinfo (PEP 495 folds) and
 * pendulum's convert(), which Airflow's timetables use.
 *
 * Ownership: zones are static data of the executable (or the caller's,
 * alive while registered); nothing to free.
 */
#ifndef BIZ_TZ_H
#define BIZ_TZ_H

#include <time.h>

#include "bizrt.h"

typedef biz_tz_def biz_tz;

/* The offset (seconds east of UTC) in force at UTC instant t. z NULL is
 * UTC. */
int biz_tz_offset(const biz_tz *z, time_t t);

/* The UTC offset of the naive local wall time local (seconds counted as if
 * it were UTC), as zoneinfo's utcoffset() with fold 0 or 1: in a gap fold 0
 * gives the offset before the change, fold 1 the one after; in a repeat
 * fold 0 the first occurrence's, fold 1 the second's. */
int biz_tz_local_offset(const biz_tz *z, time_t local, int fold);

/* The instant of a naive wall time as pendulum's Timezone.convert() makes
 * it (Airflow's make_aware, with fold=1): a time in a gap moves forward by
 * the gap; a repeated time is the second occurrence when fold is 1, else
 * the first. */
time_t biz_tz_from_local(const biz_tz *z, time_t local, int fold);

/* The zone's abbreviation at instant t ("CET", "CEST"); "UTC" for z
 * NULL, "" when the table has none. */
const char *biz_tz_abbr(const biz_tz *z, time_t t);

/* The naive wall time of instant t (make_naive). */
time_t biz_tz_to_local(const biz_tz *z, time_t t);

/* True when z is absent or has only offset 0 (UTC, Etc/UTC, GMT). */
int biz_tz_is_utc(const biz_tz *z);

/* Makes z findable by biz_tz_find (the executable's zones, at start). At
 * most 16; later ones are ignored. */
void biz_tz_register(const biz_tz *z);

/* The registered zone called name; NULL when none (UTC names give NULL
 * too: callers treat NULL as UTC). *known is set to 1 when name is UTC or a
 * registered zone (known may be NULL). */
const biz_tz *biz_tz_find(const char *name, int *known);

/* The index of a registered zone (-1 when not registered), and back. */
int biz_tz_index(const biz_tz *z);
const biz_tz *biz_tz_at(int i);

/* True for the names Airflow takes as UTC ("UTC", "Etc/UTC", "GMT", "Z"...). */
int biz_tz_name_is_utc(const char *name);

#endif
