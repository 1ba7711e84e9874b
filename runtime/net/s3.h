/* s3.h: the parts of S3 that do not need the event loop.
 *
 * - where credentials, region and endpoint come from (an Airflow `aws`
 *   connection, else the AWS environment variables);
 * - a curl easy handle prepared for a HEAD or GET of one object, signed by
 *   libcurl's SigV4 signer (CURLOPT_AWS_SIGV4);
 * - the CoWorks asynchronous result document stored in S3;
 * - messages for S3's HTTP statuses.
 *
 * No function here puts a secret (secret key, session token) in a message.
 *
 * Ownership: biz_s3_config_load fills a config the caller frees with
 * biz_s3_config_free; biz_s3_parse_payload fills a payload freed with
 * biz_s3_payload_free; biz_s3_url returns a malloc'd string. biz_s3_prepare
 * appends to a header list the caller owns and must keep alive until the
 * transfer ends (then curl_slist_free_all).
 */
#ifndef BIZ_S3_H
#define BIZ_S3_H

#include <stddef.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>

/* sha256 of the empty string: the payload hash of a HEAD or GET. */
#define BIZ_S3_EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Where the S3 calls go and who signs them. */
typedef struct biz_s3_config {
    char *access_key;     /* key id (AKIA...) */
    char *secret_key;     /* a secret, never logged */
    char *session_token;  /* a secret too; NULL when none */
    char *region;         /* never NULL; "us-east-1" by default */
    char *endpoint;       /* "http://127.0.0.1:9000" without a trailing '/'
                           * for an S3-compatible store; NULL for AWS */
    char *source;         /* where the credentials came from, for messages:
                           * "connection 'aws_s3'" or "environment" */
} biz_s3_config;

/* Loads the configuration. When aws_conn_id is given and AIRFLOW_CONN_<ID>
 * is set, that connection (type aws) gives the key id (login), secret
 * (password) and the extras region_name, endpoint_url and
 * aws_session_token; whatever it leaves out comes from the environment as
 * boto3 would take it: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN (only with the environment's keys), AWS_REGION then
 * AWS_DEFAULT_REGION (else us-east-1), AWS_ENDPOINT_URL_S3 then
 * AWS_ENDPOINT_URL. getenv_fn NULL means getenv. Returns 0, or -1 with a
 * message in err (no credentials, malformed connection, bad endpoint). */
int biz_s3_config_load(const char *aws_conn_id,
                       const char *(*getenv_fn)(void *user, const char *name), void *user,
                       biz_s3_config *out, char *err, size_t errlen);

/* Frees the strings of c (wiping the secrets) and clears it. */
void biz_s3_config_free(biz_s3_config *c);

/* The object's URL: path-style "<endpoint>/<bucket>/<key>" with a custom
 * endpoint; virtual-hosted "https://<bucket>.s3.<region>.amazonaws.com/<key>"
 * on AWS, except for bucket names that cannot be a TLS host name (dots,
 * upper case, '_'), which go path-style to "https://s3.<region>.amazonaws.com".
 * Each key segment is URI-encoded as SigV4 wants (all but A-Z a-z 0-9 - . _ ~),
 * '/' kept. Returns a malloc'd string, NULL when out of memory. */
char *biz_s3_url(const biz_s3_config *c, const char *bucket, const char *key);

/* The request kinds biz_s3_prepare sets up. */
typedef enum biz_s3_method {
    BIZ_S3_HEAD,   /* does the object exist? */
    BIZ_S3_GET     /* download it */
} biz_s3_method;

/* Sets on h the URL, the method, CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3",
 * the key id and secret, and appends to *headers (which may already hold the
 * caller's, e.g. a Range) x-amz-content-sha256, x-amz-security-token when a
 * session token is set and x-amz-date when amz_date ("20130524T000000Z") is
 * given (else curl uses the current time); then sets CURLOPT_HTTPHEADER to
 * *headers. Returns 0, or -1 with a message in err. */
int biz_s3_prepare(CURL *h, const biz_s3_config *c, biz_s3_method method,
                   const char *bucket, const char *key, const char *amz_date,
                   struct curl_slist **headers, char *err, size_t errlen);

/* The CoWorks asynchronous result document. */
typedef struct biz_s3_payload {
    int status;       /* statusCode */
    cJSON *headers;   /* an object; empty when absent or null */
    cJSON *body;      /* the body as stored, or, when it was base64, the
                       * decoded text parsed as JSON when it parses, else
                       * that text as a string; JSON null when absent */
    int was_base64;   /* isBase64Encoded */
} biz_s3_payload;

/* Parses the document {"statusCode": int, "headers": {...}, "body": ...,
 * "isBase64Encoded": bool} read from s3://bucket/key (len bytes of data).
 * Returns 0, or -1 with a message in err starting "S3 object s3://b/k". */
int biz_s3_parse_payload(const char *bucket, const char *key,
                         const char *data, size_t len,
                         biz_s3_payload *out, char *err, size_t errlen);

/* The same, refusing a document (or a base64 body) of more than max_values
 * JSON values (0: no limit), counted before parsing. */
int biz_s3_parse_payload_limited(const char *bucket, const char *key,
                                 const char *data, size_t len, long long max_values,
                                 biz_s3_payload *out, char *err, size_t errlen);

/* Frees what a payload holds and clears it. */
void biz_s3_payload_free(biz_s3_payload *p);

/* Writes into buf a message for an S3 answer with HTTP status on
 * s3://bucket/key: 403 "access denied (check AWS credentials) ...",
 * 404 "no such object s3://b/k" (or "no such bucket 'b'" when the error
 * body says NoSuchBucket), 5xx "S3 server error <code> ...", and so on.
 * body (S3's XML error document, may be NULL) adds its <Code>. Returns buf. */
char *biz_s3_status_message(int status, const char *bucket, const char *key,
                            const char *body, char *buf, size_t buflen);

#endif
