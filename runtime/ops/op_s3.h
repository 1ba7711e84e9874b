/* op_s3.h: what AsyncTechMicroServiceSensor and AsyncTechServicePullOperator
 * share: where the asynchronous call's result is (its XComs), the S3
 * configuration of the try, and one signed S3 request on the event loop
 * (http.h with biz_s3_prepare as its last set-up step).
 *
 * Ownership: biz_op_s3_location returns strings borrowed from the run's
 * XComs (valid while the run lives); biz_op_s3_config fills a config the
 * caller frees with biz_s3_config_free; biz_op_s3_send returns a request
 * owned by the loop (http.h: freed after its callback, or by
 * biz_http_cancel). biz_op_s3_start allocates the operator's state (t->op)
 * and copies the bucket and key into its biz_op_s3_obj, which
 * biz_op_s3_obj_free releases (not the state itself).
 */
#ifndef BIZ_OP_S3_H
#define BIZ_OP_S3_H

#include <stddef.h>
#include "op.h"
#include "http.h"
#include "s3.h"

/* The bucket and key pushed by the task named in t's cws_task_id. Returns
 * 0, or -1 with a message in err. */
int biz_op_s3_location(biz_try *t, const char **bucket, const char **key,
                       char *err, size_t errlen);

/* The S3 configuration of t's aws_conn_id (else the environment); its
 * secrets are registered for redaction. Returns 0, or -1 with a message. */
int biz_op_s3_config(biz_try *t, biz_s3_config *c, char *err, size_t errlen);

/* BIZ_HTTP_MAX_JSON_VALUES (http.h) as the try sees it; the default when
 * the variable is wrong (the GET already failed on it then). */
long long biz_op_s3_max_json_values(biz_try *t);

/* Sends a signed HEAD or GET of s3://bucket/key; fn runs later from the
 * loop. Returns the request, or NULL with a message in err. */
biz_http *biz_op_s3_send(biz_try *t, const biz_s3_config *c, biz_s3_method method,
                         const char *bucket, const char *key, long total_ms,
                         biz_http_fn fn, void *user, char *err, size_t errlen);

/* The object an S3 operator reads, its configuration, and its request. */
typedef struct biz_op_s3_obj {
    biz_s3_config cfg;
    char *bucket, *key;      /* copies of the XComs */
    biz_http *req;           /* the request in flight, or NULL */
} biz_op_s3_obj;

/* Frees an S3 operator's state (t->op, may be NULL) and sets t->op to NULL. */
typedef void biz_op_s3_free_fn(biz_try *t);

/* Begins an S3 operator's try: allocates its state (size bytes, zeroed,
 * into t->op) whose biz_op_s3_obj lies at byte offset, and fills that with
 * the location (biz_op_s3_location) and the configuration
 * (biz_op_s3_config). Returns the state, or NULL when the try has already
 * ended (failed; final when the location is missing: the upstream call's
 * XComs will not change on a retry). */
void *biz_op_s3_start(biz_try *t, size_t size, size_t offset, biz_op_s3_free_fn *free_op);

/* Cancels o's request in flight and frees what o holds (not o itself). */
void biz_op_s3_obj_free(biz_op_s3_obj *o);

/* Frees the state with free_op, then ends the try (msg, copied first, may
 * be NULL). */
void biz_op_s3_finish(biz_try *t, biz_op_s3_free_fn *free_op, biz_outcome out, int final,
                      const char *msg);

#endif
