/* op_tech.h: one call to a TechMicroService as PROTOCOL.md builds it
 * (directory or API Gateway URL, headers, body, trace id), shared by
 * TechMicroServiceOperator and TechMicroServiceSensor.
 *
 * Ownership: biz_tech_call_start returns a call owned by the caller until
 * its callback runs; the call frees itself right after the callback
 * returns (so the callback must forget it, not cancel it), or when
 * biz_tech_call_cancel is called before that (no callback then).
 */
#ifndef BIZ_OP_TECH_H
#define BIZ_OP_TECH_H

#include <stddef.h>
#include "op.h"
#include "http.h"

typedef struct biz_tech_call biz_tech_call;

/* The end of a call: r is the service's answer (r->error set on a
 * transport error), or r is NULL and error says why no call was made
 * (directory lookup failed, ...). Runs from the loop. */
typedef void (*biz_tech_call_fn)(biz_try *t, const biz_tech_call *c,
                                 const biz_http_result *r, const char *error, void *user);

/* Resolves the service of t's arguments (cws_name through the directory,
 * else api_id) and calls it; fn runs once, later, from the loop. Returns
 * NULL with a message in err (and *final set when retrying cannot help)
 * when it cannot even start. */
biz_tech_call *biz_tech_call_start(biz_try *t, biz_tech_call_fn fn, void *user,
                                   char *err, size_t errlen, int *final);
/* Only asks the directory for t's cws_name, as CoWorks' pre_execute does
 * before a task runs; fn gets the directory's answer (r, a 2xx whose
 * "url" and "token" are there) or NULL and why. Returns NULL, with err
 * empty, when t calls by api_id (nothing to ask), or with a message. */
biz_tech_call *biz_tech_resolve_start(biz_try *t, biz_tech_call_fn fn, void *user,
                                      char *err, size_t errlen, int *final);
/* Stops a call whose callback has not run, and frees it. NULL is ignored. */
void biz_tech_call_cancel(biz_tech_call *c);
/* The service's name (cws_name, or api_id), for messages. */
const char *biz_tech_call_name(const biz_tech_call *c);

#endif
