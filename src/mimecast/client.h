/* Speaking to Mimecast: authentication (API 2.0 OAuth2 client credentials,
 * API 1.0 "MC" HMAC-SHA1 signatures), API 1.0 region discovery, the shared
 * rate limiter of a credential, and the classification of every answer into
 * an MCL_E* code with operator advice. See docs/MIMECAST-CLIENT.md.
 *
 * Threads: one struct mcl_mc_account per configured account, shared by all
 * of that account's streams; every function taking an account is
 * thread-safe. Each thread brings its own struct mcl_http. Nothing here
 * sleeps to wait for the rate limit: a call that must wait returns
 * MCL_ERATELIMIT with err->retry_after_ms so the caller can do other work.
 * The only blocking wait is for another thread's token fetch or discovery
 * (bounded by the HTTP timeout, interrupted by the cancel flag).
 *
 * Secrets: every credential and every bearer token is registered with
 * mcl_log_add_secret(); struct mcl_mc_error never holds one.
 *
 * Ownership: pointers passed in are borrowed (the account copies what it
 * keeps from the config); pointers returned are borrowed unless the name
 * says create. A json_t returned through `out` holds one reference that
 * the caller owns (json_decref).
 */
#ifndef MCL_MIMECAST_CLIENT_H
#define MCL_MIMECAST_CLIENT_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "mimecast/regions.h"
#include "net/http.h"

#define MCL_MC_MAX_BODY (64u * 1024 * 1024)   /* largest answer accepted */
#define MCL_MC_TOKEN_MARGIN_MS 60000          /* refresh a token this long before it expires */
#define MCL_MC_AUTH_HOLD_MS 30000             /* a refused credential is not retried sooner */
#define MCL_MC_SIG_LEN 28                     /* base64 of a 20-byte HMAC-SHA1 */

/* What is being called, for URLs, log lines and advice. */
struct mcl_mc_call {
    const char *path;        /* "/api/ttp/url/get-logs" */
    const char *log;         /* log type name for log lines; NULL = "-" */
    const char *permission;  /* role permission the call needs (403 advice); NULL = unknown */
};

/* A classified failure. Fixed-size text so it can be copied between threads
 * and shown by the status API; text is truncated, never a secret. */
struct mcl_mc_error {
    int rc;                  /* the value the call returned */
    long http_status;        /* 0 when no answer arrived */
    char code[64];           /* API code ("app_forbidden", "err_xdk_binding_expired"); "" if none */
    char message[256];       /* API message or transport error text */
    bool retryable;          /* the same call may succeed later without operator action */
    int64_t retry_after_ms;  /* > 0: do not call on this credential before this long */
    char advice[512];        /* what the operator should do, in plain words */
};

struct mcl_mc_account;

/* Copies what it needs from `cfg` (which may be freed afterwards), decodes
 * the API 1.0 secret key and registers the secrets. MCL_ECONFIG when a
 * credential is missing or malformed (the log says which). */
int mcl_mc_account_create(const struct mcl_account_cfg *cfg, struct mcl_mc_account **out);
void mcl_mc_account_destroy(struct mcl_mc_account *a);
const char *mcl_mc_account_name(const struct mcl_mc_account *a);
/* The base URL requests go to (the discovered one once API 1.0 discovery
 * ran), copied into out. */
void mcl_mc_account_base_url(struct mcl_mc_account *a, char *out, size_t n);

/* HTTP options for this account: its CA file and proxy, MCL_MC_MAX_BODY,
 * default timeouts, and the given cancel flag. Strings stay borrowed from cfg. */
void mcl_mc_http_opts(const struct mcl_account_cfg *cfg, const atomic_int *cancel,
                      struct mcl_http_opts *o);

/* POSTs a JSON body to {base}{call->path} with the account's credentials
 * and returns the parsed answer (*out, a JSON object) or a classified error
 * (err is always filled; err->rc == return value):
 *   MCL_ERATELIMIT  the credential's limiter says wait (nothing was sent), or 429
 *   MCL_EAUTH       401 (API 2.0: after one token refresh and one retry)
 *   MCL_EEXPIRED    418 / err_xdk_binding_expired
 *   MCL_EPERM       403 / app_forbidden...
 *   MCL_EREGION     err_audit_log_incorrect_region
 *   MCL_ESTALE      the page token is no longer valid: restart the window
 *   MCL_EPARSE      not JSON, or not an object (retryable)
 *   MCL_EAPI        fail[] or meta.status non-2xx in a 200 (retryable from fail[])
 *   MCL_EHTTP       other status (5xx and 408 retryable)
 *   MCL_ENET, MCL_ETIMEDOUT (retryable), MCL_ELIMIT, MCL_ECANCELED, MCL_ECONFIG */
int mcl_mc_post(struct mcl_mc_account *a, struct mcl_http *h, const struct mcl_mc_call *call,
                const char *body, size_t len, json_t **out, struct mcl_mc_error *err);

/* For `mclog check`: API 2.0 fetches a token; API 1.0 runs discovery when
 * configured and makes one cheap signed call. MCL_OK when the credentials
 * are accepted. */
int mcl_mc_check_credentials(struct mcl_mc_account *a, struct mcl_http *h,
                             struct mcl_mc_error *err);

/* API 1.0 discover-authentication for the account's discover_email: sets
 * the base URL from data[0].region.api. mcl_mc_post() runs it on first use;
 * call it directly to discover at start-up. Goes to the configured base_url
 * when one was set explicitly (no region), else to mcl_mc_discovery_url().
 * The only request that follows redirects. */
int mcl_mc_discover(struct mcl_mc_account *a, struct mcl_http *h, struct mcl_mc_error *err);

/* --- pure pieces (no I/O), public for tests and other Mimecast callers --- */

/* API 1.0 signature: base64(HMAC-SHA1(key, date:req_id:path:app_key)),
 * `key` being the raw bytes of the base64-decoded secret key. */
int mcl_mc_sign_v1(const void *key, size_t keylen, const char *date, const char *req_id,
                   const char *path, const char *app_key, char out[MCL_MC_SIG_LEN + 1]);

struct mcl_mc_classify_ctx {
    const char *account;     /* for log lines; NULL = "-" */
    enum mcl_api_version api;
    const char *base_url;    /* for advice */
    const char *region;      /* configured region or NULL, for advice */
    const struct mcl_mc_call *call;
};

/* Classifies an HTTP answer (status + body) as described for mcl_mc_post().
 * On success *out is the parsed object. A body that fails to parse only for
 * invalid UTF-8 (replaced by U+FFFD), integers beyond 64 bits (read as
 * reals) or "\u0000" in strings is repaired, with a warning. retry_after_ms
 * is left at 0: it comes from headers, which the caller has. */
int mcl_mc_classify(const struct mcl_mc_classify_ctx *c, long status, const char *body,
                    size_t len, json_t **out, struct mcl_mc_error *err);

#endif
