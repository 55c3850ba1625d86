/* mcsim -- server context, request/response model and handler entry points.
 *
 * server.c owns libmicrohttpd: it turns each HTTP request into a struct
 * sim_request, runs the common pipeline (routing, body cap, credential
 * identification, rate limit, connection-level faults, authentication) and
 * hands the request to a handler that fills a struct sim_response.
 *
 * Ownership: struct sim_ctx is created by sim_server_create() and released by
 * sim_server_destroy(); it owns the token store, buckets, counters and fault
 * state and borrows the configuration (which must outlive it).  A response
 * owns its body buffer and stream state until server.c hands them to MHD.
 */
#ifndef MCSIM_SERVER_H
#define MCSIM_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "data.h"
#include "ratelimit.h"
#include "sim.h"

#define SIM_MAX_BODY (1024 * 1024) /* request bodies above this get 413 */

struct sim_tokens;
struct sim_counters;
struct sim_faults;
struct MHD_Daemon;

struct sim_ctx {
    const struct sim_config *cfg;
    int64_t t0; /* timeline origin (epoch s) */
    struct sim_late late;
    uint64_t token_key; /* page-token checksum key (from the seed) */
    char base_url[96];  /* http://127.0.0.1:<port> */
    unsigned port;
    struct sim_tokens *tokens;
    struct sim_rl *rl;
    struct sim_counters *counters;
    struct sim_faults *faults;
    struct MHD_Daemon *daemon;
    int listen_fd;
    char *blob; /* static filler for /_sim/blob (benchmark baseline) */
    size_t blob_len;
};

enum sim_scheme {
    SIM_SCHEME_NONE = 0,
    SIM_SCHEME_V2,    /* Authorization: Bearer */
    SIM_SCHEME_V1,    /* Authorization: MC key:sig */
    SIM_SCHEME_OTHER, /* some other Authorization value */
};

struct sim_request {
    struct sim_ctx *ctx;
    const char *method;
    const char *path;
    const char *body;
    size_t body_len;
    const char *authorization;
    const char *mc_date;
    const char *mc_req_id;
    const char *mc_app_id;
    /* query-string lookup (for /_sim); NULL when absent */
    const char *(*arg)(const struct sim_request *rq, const char *name);
    void *conn;
    int64_t now_ms;
    int64_t now_s;
    /* identification (filled by server.c) */
    int scheme;
    int acct; /* account index or -1 */
    size_t cred;
};

/* Streaming body producer: copy up to max bytes into out; return the bytes
 * written (> 0), -1 at the end, -2 on error (MHD content-reader semantics). */
typedef ssize_t (*sim_stream_fn)(void *cls, uint64_t pos, char *out, size_t max);
typedef void (*sim_stream_free_fn)(void *cls);

enum sim_post_fault {
    SIM_POST_NONE = 0,
    SIM_POST_TRUNCATE,     /* full Content-Length promised, half sent */
    SIM_POST_INVALID_JSON, /* 200 with a cut JSON body */
    SIM_POST_RESET,        /* close the connection without an answer */
};

struct sim_response {
    int status;
    struct sim_buf body;
    const char *content_type;
    int post_fault;
    sim_stream_fn stream;
    sim_stream_free_fn stream_free;
    void *stream_cls;
    const char *static_body; /* borrowed, lives as long as the server */
    size_t static_len;
};

/* Create the context, bind cfg->bind:cfg->port (loopback only), start MHD.
 * On error returns NULL and writes a message into err. */
struct sim_ctx *sim_server_create(const struct sim_config *cfg, int64_t now_s, char *err,
                                  size_t errlen);
void sim_server_destroy(struct sim_ctx *ctx);

/* Response helpers (respond.c). */
void sim_resp_json(struct sim_response *rs, int status);
/* API 2.0 gateway error: {"fail":[{"code":…,"message":…}]} (message optional). */
void sim_resp_v2_fail(struct sim_response *rs, int status, const char *code,
                      const char *message);
/* API 1.0 function error: {"meta":{"status":S},"data":[],"fail":[{["key":K,]
 * "errors":[{"code":…,"message":…,"retryable":…}]}]}.  key_json is raw JSON. */
void sim_resp_v1_fail(struct sim_response *rs, int http_status, const char *code,
                      const char *message, bool retryable, const char *key_json);

/* Handlers (api.c, logs.c, inspect.c).  They fill rs; return value unused
 * except for logging (0 or negative). */
int sim_api_token(struct sim_request *rq, struct sim_response *rs);
int sim_api_discover(struct sim_request *rq, struct sim_response *rs);
int sim_api_logs(struct sim_request *rq, struct sim_response *rs, int log);
int sim_api_account(struct sim_request *rq, struct sim_response *rs);
int sim_inspect_handle(struct sim_request *rq, struct sim_response *rs);

/* Form-urlencoded lookup with percent- and '+'-decoding into out.
 * Returns 0, SIM_EINVAL when absent, SIM_EPARSE on bad escapes/too long. */
int sim_form_get(const char *body, size_t len, const char *name, char *out, size_t cap);

#endif
