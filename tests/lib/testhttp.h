/* tests/lib -- a small libcurl request helper for tests and benchmarks.
 *
 *     struct th_client *c = th_client_create();
 *     struct th_response rs;
 *     const char *hdrs[] = {"Content-Type: application/json", NULL};
 *     struct th_request rq = {.method = "POST", .url = url, .headers = hdrs, .body = "{}"};
 *     if (th_request(c, &rq, &rs) == 0 && rs.status == 200) ... rs.body ...
 *     th_response_free(&rs);
 *     th_client_destroy(c);
 *
 * One client keeps one curl easy handle, so consecutive requests to the same
 * host reuse the keep-alive connection.  Not thread-safe: one client per thread.
 *
 * Ownership: pointers passed in are borrowed for the duration of the call.  A
 * struct th_response owns its body and headers; release with
 * th_response_free().  th_client_create() returns an owned client released by
 * th_client_destroy().  Functions return 0 or a negative errno value.
 */
#ifndef MCL_TESTHTTP_H
#define MCL_TESTHTTP_H

#include <stddef.h>

#define TH_DISCARD_BODY 0x1 /* count body bytes but do not keep them */

struct th_header {
    char *name;
    char *value;
};

struct th_request {
    const char *method;           /* "GET", "POST", ...; NULL = GET */
    const char *url;
    const char *const *headers;   /* "Name: value" entries, NULL-terminated; or NULL */
    const char *body;             /* NULL = no body */
    size_t body_len;              /* 0 with a body = strlen(body) */
    long timeout_ms;              /* whole request; 0 = 30000 */
    size_t max_body;              /* larger answers fail; 0 = 64 MiB */
    int flags;                    /* TH_DISCARD_BODY */
    size_t keep_head;             /* with TH_DISCARD_BODY: still keep the first
                                   * keep_head bytes in body (e.g. a JSON meta) */
};

struct th_response {
    long status;        /* HTTP status, 0 when no answer was received */
    int curl_code;      /* CURLcode of the transfer (0 = complete) */
    char *body;         /* NUL-terminated; with TH_DISCARD_BODY only the head */
    size_t body_len;
    size_t bytes;       /* body bytes received (also when discarded) */
    struct th_header *headers; /* of the final response */
    size_t n_headers;
};

struct th_client *th_client_create(void);
void th_client_destroy(struct th_client *c);

/* Perform rq.  Returns 0 when the transfer completed (any HTTP status), or
 * -EIO when it did not (connection refused/reset, truncated body, timeout:
 * see rs->curl_code; rs->status and partial body/headers are still set).
 * Either way rs must be released with th_response_free(). */
int th_request(struct th_client *c, const struct th_request *rq, struct th_response *rs);

/* Value of the last header called name (case-insensitive), or NULL. */
const char *th_header(const struct th_response *rs, const char *name);

void th_response_free(struct th_response *rs);

/* Convenience: GET url; POST url with body and a content type. */
int th_get(struct th_client *c, const char *url, struct th_response *rs);
int th_post(struct th_client *c, const char *url, const char *content_type, const char *body,
            const char *const *extra_headers, struct th_response *rs);

/* Number of connections opened by this client so far (keep-alive check). */
long th_connects(struct th_client *c);

#endif
