/* The embedded store: one SQLite file (WAL) holding every collected event, the
 * collection checkpoints, stream status, and the per-output delivery cursors.
 *
 * The exactly-once rule lives here: a page's events and the checkpoint that
 * points past that page are written in ONE transaction
 * (mcl_store_apply_page), so after a crash or `kill -9` the checkpoint can
 * never be ahead of the stored events, and the unique (stream, dedupe key)
 * index absorbs any page that is fetched twice.
 *
 * Threads: a struct mcl_store is used by one thread at a time. The daemon has
 * exactly one writer handle (the engine's store thread); readers (CLI, HTTP
 * server, outputs) open their own handles with MCL_STORE_READONLY.
 *
 * Ownership: pointers passed in are borrowed. Strings inside structs filled by
 * the store (checkpoint page tokens, status rows) belong to that struct and are
 * released by its *_fini function; query rows are borrowed for one callback.
 *
 * Errors: every SQLite failure is logged (with SQLite's message) where it
 * happens and mapped: out of memory -> MCL_ENOMEM, value too big -> MCL_ELIMIT,
 * busy/locked past the busy timeout -> MCL_ETIMEDOUT, cannot open -> MCL_EIO,
 * everything else (disk full, I/O error, corruption...) -> MCL_ESTORE.
 * Write calls on a read-only handle fail with MCL_EINVAL.
 */
#ifndef MCL_STORE_STORE_H
#define MCL_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/crypto.h"

struct mcl_store;

enum mcl_store_flags {
    MCL_STORE_READONLY = 1 << 0,
    MCL_STORE_SYNC_FULL = 1 << 1, /* synchronous=FULL instead of NORMAL */
};

/* Opens (creating and migrating if needed) the store at `path`; a new file is
 * created with mode 0600. A read-only open of a missing file fails with
 * MCL_ENOTFOUND (nothing logged), of a store that still needs migrating with
 * MCL_ESTORE; a store written by a newer mclog (unknown schema version) or a
 * file that is not an mclog store fails with MCL_ESTORE and says so in the log. */
int mcl_store_open(const char *path, unsigned flags, struct mcl_store **out);
void mcl_store_close(struct mcl_store *st);
/* Schema version of the open store (PRAGMA user_version). */
int mcl_store_schema_version(struct mcl_store *st);
/* The last SQLite error text of this handle, for log messages. */
const char *mcl_store_errmsg(struct mcl_store *st);

/* A stream is one (account, log type). Ids are stable for the life of the file.
 * Creates the stream if needed; a read-only handle only looks it up
 * (MCL_ENOTFOUND when missing). */
int mcl_store_stream_id(struct mcl_store *st, const char *account, const char *log, int64_t *id);

/* Where collection of a stream stands. A window [window_from, window_to] (ms,
 * inclusive) is being paged while has_window is true; page_token is the token
 * of the next page to fetch (NULL = the window's first page). When a window is
 * finished, has_window becomes false and next_from says where the next one
 * starts. newest_seen is the newest event time seen in the current window
 * (INT64_MIN when none). */
struct mcl_checkpoint {
    bool has_window;
    int64_t window_from;
    int64_t window_to;
    char *page_token;
    int64_t newest_seen;
    int64_t next_from;     /* next window's start when !has_window; INT64_MIN = never collected */
    int64_t pages;         /* pages committed in the current window */
    int64_t covered_to;    /* end of the last finished window: collection is complete up to
                              here (INT64_MIN = no window finished yet) */
};

void mcl_checkpoint_init(struct mcl_checkpoint *cp);
void mcl_checkpoint_fini(struct mcl_checkpoint *cp);
/* Loads the checkpoint; a stream never collected gets an initialised one.
 * `cp` must be initialised (or loaded before): its old page token is released.
 * On failure `cp` is left initialised. */
int mcl_store_checkpoint_load(struct mcl_store *st, int64_t stream_id, struct mcl_checkpoint *cp);

/* One event of a page, ready to store. */
struct mcl_store_event {
    int64_t event_time;                   /* ms since the epoch, UTC */
    unsigned char key[MCL_SHA256_LEN];    /* dedupe key */
    const char *raw;                      /* the record as received, compact JSON */
    size_t raw_len;
    const char *doc;                      /* normalised ECS document or NULL */
    size_t doc_len;
};
/* raw and doc are stored byte-exact with their lengths (embedded NULs and
 * invalid UTF-8 are kept, not truncated); raw may be NULL only if raw_len is 0. */

struct mcl_page_result {
    int64_t inserted;    /* new events */
    int64_t duplicates;  /* already stored (same stream and dedupe key) */
};

/* Transactions: the writer may group several pages in one transaction
 * (group commit); each apply_page is still all-or-nothing with its own
 * checkpoint because the whole transaction is. begin takes the write lock at
 * once (BEGIN IMMEDIATE). A failed commit rolls the transaction back; rollback
 * is a no-op when no transaction is open (SQLite may already have rolled back
 * after a disk-full or I/O error). */
int mcl_store_begin(struct mcl_store *st);
int mcl_store_commit(struct mcl_store *st);
void mcl_store_rollback(struct mcl_store *st);
/* Inside a transaction (MCL_EINVAL otherwise): inserts the events (a (stream,
 * key) already stored is counted as a duplicate, not an error), saves the
 * checkpoint, records success time and counts in the stream's status. On
 * failure the transaction holds part of the page: the caller must roll back.
 * `ev` may be NULL when n is 0 (an empty page still moves the checkpoint);
 * `res` (may be NULL) is filled on success. */
int mcl_store_apply_page(struct mcl_store *st, int64_t stream_id, const struct mcl_store_event *ev,
                         size_t n, const struct mcl_checkpoint *cp, int64_t now_ms,
                         struct mcl_page_result *res);
/* Convenience: begin + apply_page + commit. */
int mcl_store_commit_page(struct mcl_store *st, int64_t stream_id, const struct mcl_store_event *ev,
                          size_t n, const struct mcl_checkpoint *cp, int64_t now_ms,
                          struct mcl_page_result *res);

/* Stream health as shown by `mclog status`, /readyz and the dashboard. */
enum mcl_stream_state {
    MCL_STREAM_IDLE = 0,     /* never ran */
    MCL_STREAM_OK,           /* last attempt succeeded */
    MCL_STREAM_RETRYING,     /* transient failure, backing off */
    MCL_STREAM_PARKED,       /* needs an operator: permission, credentials, expired binding */
};

/* Records an error (and state) outside any page transaction. `message` is
 * the operator-facing text (with the fix in words); NULL clears the error. */
int mcl_store_status_set(struct mcl_store *st, int64_t stream_id, enum mcl_stream_state state,
                         const char *message, int64_t now_ms);

struct mcl_stream_status {
    int64_t stream_id;
    char *account;
    char *log;
    enum mcl_stream_state state;
    int64_t events;            /* events stored now */
    int64_t newest_event;      /* newest event_time stored, INT64_MIN if none */
    int64_t last_success;      /* ms, INT64_MIN if never */
    int64_t last_error_at;     /* ms, INT64_MIN if never */
    char *last_error;          /* NULL if none */
    struct mcl_checkpoint cp;
};

struct mcl_stream_status_list {
    struct mcl_stream_status *v;
    size_t n;
};

int mcl_store_status_list(struct mcl_store *st, struct mcl_stream_status_list *out);
void mcl_stream_status_list_fini(struct mcl_stream_status_list *l);
const char *mcl_stream_state_name(enum mcl_stream_state s);

/* Stored events, newest first (by event time, then id). */
struct mcl_query {
    const char *account;   /* NULL = any */
    const char *log;       /* NULL = any */
    int64_t since_ms;      /* INT64_MIN = no lower bound (event time) */
    int64_t until_ms;      /* INT64_MAX = no upper bound (inclusive) */
    int64_t limit;         /* <= 0: no limit */
};

struct mcl_query_row {
    int64_t id;
    const char *account;
    const char *log;
    int64_t event_time;
    int64_t collected_at;
    const unsigned char *key;  /* MCL_SHA256_LEN bytes */
    const char *raw;
    size_t raw_len;
    const char *doc;           /* NULL if not normalised */
    size_t doc_len;
};

/* Calls `fn` for each row; rows are valid only during the call. A non-zero
 * return from `fn` stops the walk and is returned. `fn` must not call back
 * into the same handle. */
typedef int (*mcl_store_row_fn)(const struct mcl_query_row *row, void *arg);
int mcl_store_query(struct mcl_store *st, const struct mcl_query *q, mcl_store_row_fn fn, void *arg);
/* Appends to `out` the plan SQLite uses for `q` (EXPLAIN QUERY PLAN, one step
 * per line), for `mclog query --explain` and the index tests. */
int mcl_store_query_plan(struct mcl_store *st, const struct mcl_query *q, struct mcl_buf *out);

/* Events with id > after_id in id order (what outputs deliver), at most
 * `limit` (<= 0: no limit). Ids may have gaps but are never reused and, with
 * one writer, grow in commit order. */
int mcl_store_read_after(struct mcl_store *st, int64_t after_id, int64_t limit, mcl_store_row_fn fn,
                         void *arg);

/* Per-output delivery cursors: the id of the last event delivered (>= 0). get
 * creates a missing cursor at 0 so that the output holds retention back from
 * then on (a read-only handle reports 0 without creating it). */
int mcl_store_output_cursor_get(struct mcl_store *st, const char *output, int64_t *last_id);
int mcl_store_output_cursor_set(struct mcl_store *st, const char *output, int64_t last_id,
                                int64_t now_ms);
/* Forgets cursors of outputs no longer configured (otherwise retention would
 * wait for them forever). `keep` has n names. */
int mcl_store_output_cursor_prune(struct mcl_store *st, const char *const *keep, size_t n);

/* Deletes events older than `cutoff_ms` (event time) that every output has
 * delivered, at most `max_rows` (> 0) per call, oldest first, in one
 * transaction with the status counters (call again while *deleted == max_rows).
 * Never deletes an event some output cursor has not passed; with no cursor rows
 * age alone decides. */
int mcl_store_retention_run(struct mcl_store *st, int64_t cutoff_ms, int64_t max_rows,
                            int64_t *deleted);

/* Size of the database file(s) in bytes (main + WAL), for metrics. */
int mcl_store_size_bytes(struct mcl_store *st, int64_t *bytes);

#endif
