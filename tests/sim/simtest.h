/* tests/sim -- helpers shared by the mcsim tests.
 *
 * The tests drive a real mcsim process over HTTP and implement everything a
 * client needs themselves (OAuth token, API 1.0 HMAC signing with OpenSSL,
 * paging); nothing here calls mcsim internals.  Helpers that can fail use
 * cmocka assertions, so a broken precondition fails the calling test.
 *
 * Ownership: json_t values returned by st_* functions are new references
 * (json_decref them); strings written into caller buffers.
 */
#ifndef MCL_SIMTEST_H
#define MCL_SIMTEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "testhttp.h"
#include "testproc.h"

#define ST_LOGS 6
extern const char *const st_log_names[ST_LOGS];
extern const char *const st_log_paths[ST_LOGS];
extern const char *const st_log_lists[ST_LOGS];     /* NULL: records directly in data[] */
extern const char *const st_log_from_keys[ST_LOGS]; /* window start filter name */
extern const char *const st_log_to_keys[ST_LOGS];
extern const char *const st_log_time_fields[ST_LOGS];
extern const bool st_log_oldest_first[ST_LOGS]; /* endpoint honours oldestFirst */
enum { ST_AUDIT, ST_DLP, ST_REJECTION, ST_TTP_URL, ST_TTP_IMP, ST_TTP_ATT };

struct st_sim {
    struct tp_proc proc;
    unsigned port;
    char base[64];
};

/* Start mcsim --port 0 ARGS... and wait (10 s) for its "listening" line. */
void st_sim_start(struct st_sim *s, const char *const args[]);
/* SIGTERM; requires a clean exit with status 0 within 30 s (ASan-clean). */
void st_sim_stop(struct st_sim *s);
void st_url(char *out, size_t cap, const struct st_sim *s, const char *path_and_query);

struct st_v1_creds {
    const char *app_id;
    const char *app_key;
    const char *access_key;
    const char *secret_b64;
};
extern const struct st_v1_creds st_demo_v1;

/* base64(HMAC-SHA1(base64decode(secret_b64), data)) */
void st_v1_signature(const char *secret_b64, const char *data, char *out, size_t cap);
/* "Tue, 24 Nov 2015 12:50:11 UTC" for t (zone "UTC" or "GMT"). */
void st_rfc1123(char *out, size_t cap, time_t t, const char *zone);
/* ISO 8601 "2024-11-17T20:16:00+0000". */
void st_iso(char *out, size_t cap, time_t t);

struct st_auth {
    int scheme;                    /* 2 = Bearer, 1 = MC signature, 0 = none */
    char bearer[128];
    const char *client_id;         /* for token refresh (scheme 2) */
    const char *client_secret;
    const struct st_v1_creds *v1;  /* scheme 1 */
    time_t v1_time;                /* 0 = now */
    const char *v1_zone;           /* NULL = "UTC" */
};

/* POST /oauth/token; returns the HTTP status, token copied on 200. */
long st_token(struct th_client *c, const struct st_sim *s, const char *cid, const char *secret,
              char *tok, size_t cap);
void st_auth_v2(struct th_client *c, const struct st_sim *s, struct st_auth *a);
void st_auth_v1(struct st_auth *a, const struct st_v1_creds *cr);

/* POST a JSON body to path with the given authentication (re-signed each call). */
int st_post(struct th_client *c, const struct st_sim *s, const struct st_auth *a,
            const char *path, const char *body, struct th_response *rs);
/* Parsed body, or NULL when it is not JSON. */
json_t *st_json(const struct th_response *rs);
/* The record list of a log answer (borrowed from root), or NULL. */
json_t *st_records(json_t *root, int log);

struct st_walk {
    int log;
    const char *filter;   /* JSON object text for data[0] */
    int page_size;        /* 0 = default */
    bool retry;           /* retry transient failures and refresh tokens */
    bool token_only;      /* follow-up pages send only the page token */
    /* results */
    json_t *records;      /* every record received, in order (new reference) */
    int pages;
    int retries;
    int empty_end_pages;  /* empty pages that still carried `next` */
    json_t *first_page;   /* body of the first page (new reference) */
};
/* Walk every page; fails the test on an unexpected answer. */
void st_walk_run(struct th_client *c, const struct st_sim *s, struct st_auth *a,
                 struct st_walk *w);
void st_walk_fini(struct st_walk *w);

/* /_sim/events as an array of records; /_sim/stats count for one stream. */
json_t *st_sim_events(struct th_client *c, const struct st_sim *s, const char *account, int log,
                      long long from, long long to);
long long st_sim_count(struct th_client *c, const struct st_sim *s, const char *account, int log,
                       long long from, long long to);
json_t *st_get_json(struct th_client *c, const struct st_sim *s, const char *path_and_query);

/* Canonical (sorted-keys, compact) text of every record, sorted. */
char **st_canon(json_t *records, size_t *n);
void st_canon_free(char **v, size_t n);
/* Number of adjacent equal entries in a sorted canonical list. */
size_t st_canon_dups(char **v, size_t n);
/* Assert that two record arrays hold the same multiset (dups_ok: ignore
 * repeats in `got`). */
void st_assert_same_records(json_t *got, json_t *want, bool dups_ok);

/* Write content to a new temporary file; path receives its name. */
void st_write_temp(char *path, size_t cap, const char *suffix, const char *content);

/* Epoch seconds of an API date string (any offset form), or -1. */
long long st_parse_time(const char *s);

#endif
