/* Private to src/mimecast/: the account structure and helpers shared by
 * client.c, auth.c and classify.c. Not for other modules.
 * Ownership: as in client.h. */
#ifndef MCL_MIMECAST_INTERNAL_H
#define MCL_MIMECAST_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>

#include "mimecast/client.h"
#include "mimecast/ratelimit.h"

struct mcl_mc_account {
    /* immutable after create */
    char *name;
    enum mcl_api_version api;
    char *region;            /* as configured; NULL when base_url was explicit */
    char *discovery_url;     /* where discover-authentication goes */
    char *discover_email;    /* API 1.0 only; NULL = no discovery */
    char *client_id;
    char *client_secret;
    char *app_id;
    char *app_key;
    char *access_key;
    unsigned char *key;      /* base64-decoded secret key: raw bytes, never re-encoded */
    size_t keylen;
    struct mcl_mc_ratelimit rl;

    pthread_mutex_t lock;    /* guards everything below */
    pthread_cond_t cond;     /* a token fetch or a discovery finished */
    char *base_url;          /* where requests go; replaced by discovery */
    bool discovered;
    bool discovering;
    char *token;             /* API 2.0 bearer token, NULL = none */
    int64_t token_expires;   /* monotonic ms */
    bool fetching;
    int64_t hold_until;      /* monotonic ms: a refused token request is not repeated before */
    struct mcl_mc_error hold_err;
};

/* auth.c */
/* A usable bearer token (fetched if needed, one fetch at a time per
 * account); *tok is allocated, the caller frees it with mc_secret_free(). */
int mc_token_get(struct mcl_mc_account *a, struct mcl_http *h, char **tok, struct mcl_mc_error *err);
/* Drops the cached token if it is still `tok` (after a 401), so exactly one
 * thread refetches. */
void mc_token_invalidate(struct mcl_mc_account *a, const char *tok);
/* Appends the API 1.0 headers (Authorization, x-mc-date, x-mc-req-id,
 * x-mc-app-id), each NUL-terminated, to `out`; `signed_req` false leaves out
 * Authorization (discovery). */
int mc_v1_headers(struct mcl_mc_account *a, const char *path, bool signed_req, struct mcl_buf *out);
/* After err_audit_log_incorrect_region: discovery runs again on next use,
 * unless another thread already moved the account away from `base`. */
void mc_forget_discovery(struct mcl_mc_account *a, const char *base);
/* Runs discovery once for all threads if the account needs it. */
int mc_ensure_discovered(struct mcl_mc_account *a, struct mcl_http *h, struct mcl_mc_error *err);
void mc_secret_free(char *s);

/* client.c */
void mc_err_reset(struct mcl_mc_error *err);
/* Sets err->message (redacted, printable). */
void mc_err_message(struct mcl_mc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fills err for a transport failure of mcl_http_request(). */
void mc_transport_error(struct mcl_mc_account *a, struct mcl_http *h, const char *base, int rc,
                        struct mcl_mc_error *err);
/* Parsed rate-limit headers of an answer. */
void mc_rl_info(const struct mcl_http_response *r, struct mcl_mc_rl_info *info);
void mc_classify_ctx(struct mcl_mc_account *a, const char *base, const struct mcl_mc_call *call,
                     struct mcl_mc_classify_ctx *c);
/* Returns the base URL in use, copied (free()). */
char *mc_base_dup(struct mcl_mc_account *a);

/* classify.c */
/* Writes the operator advice for err->rc into err->advice. */
void mc_advice(const struct mcl_mc_classify_ctx *c, struct mcl_mc_error *err);

/* Fills hdrs (room for 8) with the NUL-separated header lines in hv (at most
 * 5: auth headers) plus the JSON content type and accept headers; returns
 * how many. */
size_t mc_json_headers(const struct mcl_buf *hv, const char *hdrs[8]);

#endif
