/* A tiny scriptable HTTP(S) server on 127.0.0.1 for client tests, on
 * libmicrohttpd (one thread per connection, so handlers may block).
 *
 * The test supplies a handler that sees each complete request and fills a
 * response; special modes produce truncated bodies, slow drips and bodies
 * of a chosen size without Content-Length.
 *
 * Ownership: request strings are borrowed for the handler call; response
 * strings are copied by the fake_resp_* helpers.
 */
#ifndef MCL_TESTS_FAKESRV_H
#define MCL_TESTS_FAKESRV_H

#include <stdbool.h>
#include <stddef.h>

enum fake_mode {
    FAKE_NORMAL = 0,
    FAKE_TRUNCATE,  /* announces body_len, sends half, closes the connection */
    FAKE_SLOW,      /* announces 1 MB, drips one byte every 20 ms until the server stops */
    FAKE_CHUNKED,   /* sends `chunked_len` bytes of 'x' without Content-Length */
};

struct fake_req {
    const char *method;
    const char *url;    /* path only */
    const char *body;   /* NUL-terminated */
    size_t body_len;
    void *conn;         /* for fake_header() */
    int client_port;    /* the same across requests = connection reused */
    struct fake_srv *srv;
};

#define FAKE_MAX_HEADERS 160

struct fake_resp {
    int status;
    char *body;
    size_t body_len;
    int n_headers;
    char *hname[FAKE_MAX_HEADERS];
    char *hvalue[FAKE_MAX_HEADERS];
    enum fake_mode mode;
    size_t chunked_len;
};

typedef void (*fake_handler)(void *ud, const struct fake_req *rq, struct fake_resp *rs);

struct fake_srv;

/* tls: cert/key PEM text, or NULL for plain http. NULL on failure. */
struct fake_srv *fake_start(fake_handler h, void *ud, const char *cert_pem, const char *key_pem);
void fake_stop(struct fake_srv *s);
int fake_port(const struct fake_srv *s);
/* Called by a handler: announce "started" and answer nothing until the
 * server stops (at most 30 s), like a peer that went silent. */
void fake_hang(const struct fake_req *rq);
/* Blocks until a FAKE_SLOW response or fake_hang() has started (or 10 s passed). */
bool fake_wait_slow_started(struct fake_srv *s);

const char *fake_header(const struct fake_req *rq, const char *name);
void fake_resp_header(struct fake_resp *rs, const char *name, const char *value);
void fake_resp_body(struct fake_resp *rs, const char *text);
void fake_resp_json(struct fake_resp *rs, int status, const char *text);

#endif
