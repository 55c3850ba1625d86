/* A small blocking HTTP client for one thread, on libcurl (the only module
 * that includes it). Mimecast-agnostic: outputs reuse it.
 *
 * One struct mcl_http wraps one curl easy handle that is reused across
 * requests, so connections and TLS sessions are kept alive. Safety rules that
 * callers cannot switch off: TLS peer and host verification are always on
 * (TLS >= 1.2), plain http:// is refused unless the host is loopback (checked
 * here too, also for every redirect hop), redirects are not followed unless
 * the request asks for it, response bodies and headers are bounded (an
 * oversized answer is an error, never truncated silently), and proxy
 * environment variables are ignored (only the configured proxy is used).
 *
 * A request returns MCL_OK whenever an HTTP answer arrived, whatever its
 * status; only transport failures are errors:
 *   MCL_ENET       DNS, connect, TLS, reset, truncated body (curl 18), ...
 *   MCL_ETIMEDOUT  connect or total timeout
 *   MCL_ELIMIT     body or headers over the limit
 *   MCL_ECANCELED  the cancel flag was raised
 *   MCL_EINVAL     URL refused (scheme, plain http to a non-loopback host)
 *   MCL_ENOMEM
 * mcl_http_errtext() then says what happened (curl's text or ours); it never
 * contains request headers or bodies.
 *
 * Threads: a struct mcl_http and a struct mcl_http_response belong to one
 * thread at a time. mcl_http_global_init() must run once, before threads.
 *
 * Ownership: pointers passed in are borrowed (the options' strings are
 * copied at create time; the cancel flag must outlive the handle); pointers
 * returned are borrowed unless the name says create.
 */
#ifndef MCL_NET_HTTP_H
#define MCL_NET_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define MCL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define MCL_HTTP_DEFAULT_TIMEOUT_MS 120000
#define MCL_HTTP_DEFAULT_MAX_BODY (64u * 1024 * 1024)
#define MCL_HTTP_MAX_HEADERS 128          /* response headers kept per answer */
#define MCL_HTTP_MAX_HEADER_BYTES (64 * 1024)
#define MCL_HTTP_MAX_REDIRECTS 5
#define MCL_HTTP_ERRTEXT_MAX 256

struct mcl_http_opts {
    const char *ca_file;          /* CA bundle (PEM); NULL = system default */
    const char *proxy;            /* proxy URL; NULL or "" = none. Never used for loopback. */
    long connect_timeout_ms;      /* 0 = MCL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
    long timeout_ms;              /* whole request; 0 = MCL_HTTP_DEFAULT_TIMEOUT_MS */
    size_t max_body;              /* 0 = MCL_HTTP_DEFAULT_MAX_BODY */
    const atomic_int *cancel;     /* non-zero aborts transfers; NULL = never */
    const char *user_agent;       /* NULL = "mclog/<version>" */
};

struct mcl_http_request {
    const char *method;           /* "GET", "POST", "PUT", ...; NULL = GET, or POST with a body */
    const char *url;
    const char *const *headers;   /* "Name: value" lines */
    size_t n_headers;
    const void *body;             /* sent as is; may be NULL */
    size_t body_len;
    /* Follow up to MCL_HTTP_MAX_REDIRECTS redirects. The method and body are
     * kept (also on 301/302: API endpoints only accept POST) except on 303;
     * an Authorization header is dropped when the origin changes. */
    bool follow_redirects;
};

struct mcl_http_header {
    uint32_t name;                /* offsets into mcl_http_response.hdrtext */
    uint32_t value;
};

struct mcl_http_response {
    long status;                  /* 0 until an answer arrived */
    struct mcl_buf body;          /* NUL-terminated; reset by every request */
    struct mcl_http_header headers[MCL_HTTP_MAX_HEADERS];
    size_t n_headers;             /* headers of the final answer only */
    struct mcl_buf hdrtext;
    char *url;                    /* final URL after redirects; owned */
};

struct mcl_http;

/* Once per process, before any thread starts. */
int mcl_http_global_init(void);
void mcl_http_global_cleanup(void);

int mcl_http_create(const struct mcl_http_opts *opts, struct mcl_http **out);
void mcl_http_destroy(struct mcl_http *h);

/* Reusable across requests (keeps its allocations). */
void mcl_http_response_init(struct mcl_http_response *r);
void mcl_http_response_fini(struct mcl_http_response *r);

/* Performs one request (and redirects when asked). See the top comment. */
int mcl_http_request(struct mcl_http *h, const struct mcl_http_request *req,
                     struct mcl_http_response *resp);

/* Why the last request failed ("" after success). */
const char *mcl_http_errtext(const struct mcl_http *h);
/* True when the handle's cancel flag is raised. */
bool mcl_http_canceled(const struct mcl_http *h);

/* First header of the final answer with that name (ASCII case-insensitive),
 * value with surrounding blanks removed; NULL when absent. */
const char *mcl_http_header_get(const struct mcl_http_response *r, const char *name);

/* Retry-After of the answer in ms (delta-seconds or HTTP-date relative to
 * now_wall_ms), or -1 when absent or unreadable. */
int64_t mcl_http_retry_after_ms(const struct mcl_http_response *r, int64_t now_wall_ms);

/* True when plain http is allowed for `url` (https, or http to loopback). */
bool mcl_http_url_allowed(const char *url);

/* Appends `s` percent-encoded for application/x-www-form-urlencoded values
 * (everything but ALPHA DIGIT - . _ ~ is encoded). */
int mcl_http_urlencode(struct mcl_buf *out, const char *s);

#endif
