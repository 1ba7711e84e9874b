/* tzif.h: reading a time zone from the build machine's tzdata (TZif files,
 * RFC 8536) at compile time, for the tables bizc emits (bizrt.h's
 * biz_tz_def).
 *
 * Ownership: zones are loaded once per name and kept until the process
 * ends (bizc is short-lived); callers never free them.
 */
#ifndef BIZ_TZIF_H
#define BIZ_TZIF_H

#include <stddef.h>

#include "bizrt.h"

/* The last year whose changes are listed (the file's POSIX rule gives
 * those after its own table). */
#define BIZ_TZIF_LAST_YEAR 2200

/* The zone called name from $TZDIR, else /usr/share/zoneinfo. NULL with a
 * message in err ("unknown time zone 'Europe/Pari'") when there is no such
 * zone or its file is not valid TZif. */
const biz_tz_def *biz_tzif_load(const char *name, char *err, size_t errlen);

/* Parses TZif data (len bytes) into *out (arrays malloc'd, name not set;
 * the caller frees out->at and out->offset, after a failure too). Exposed
 * for the unit tests. 0, or -1 with err set. */
int biz_tzif_parse(const unsigned char *data, size_t len, biz_tz_def *out, char *err,
                   size_t errlen);

/* Appends the changes a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3") gives
 * after the instant after, up to BIZ_TZIF_LAST_YEAR, to out's table. 0, or
 * -1 when the rule is malformed. */
int biz_tzif_extend(biz_tz_def *out, const char *rule, long long after);

#endif
