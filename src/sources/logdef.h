/* The six Mimecast log types as data (API.md §3.1-3.6): where each lives,
 * how its request is built, how a page is read, and how each record gets
 * its event time, dedupe key and stored text. See docs/MIMECAST-CLIENT.md.
 *
 * Threads: the table is read-only; a struct mcl_logdef_ctx belongs to one
 * thread (one stream) at a time.
 *
 * Ownership: pointers passed in are borrowed; pointers returned are
 * borrowed. struct mcl_logdef_page holds one reference to the parsed
 * response (mcl_logdef_page_take takes over the caller's) and releases it in
 * mcl_logdef_page_fini(); records and `next` point into it. The raw text in
 * struct mcl_logdef_rec belongs to the ctx and is valid until the next
 * mcl_logdef_extract() on that ctx.
 */
#ifndef MCL_SOURCES_LOGDEF_H
#define MCL_SOURCES_LOGDEF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/logtype.h"

#define MCL_LOGDEF_MAX_FILTERS 4
#define MCL_LOGDEF_MAX_TIME_FIELDS 4
#define MCL_LOGDEF_RECORD_MAX (16u * 1024 * 1024) /* one record's JSON text at most */
#define MCL_LOGDEF_DAY_MS (86400LL * 1000)

enum mcl_logdef_key {
    MCL_LOGDEF_KEY_ID,             /* SHA-256 of the record's id */
    MCL_LOGDEF_KEY_ID_RCPT_TIME,   /* SHA-256 of id + recipient + event time */
    MCL_LOGDEF_KEY_HASH,           /* SHA-256 of the canonical record */
};

/* An extra member of the request's filter object, as JSON text. */
struct mcl_logdef_filter {
    const char *name;
    const char *json;              /* "true", "\"all\"" */
};

struct mcl_logdef {
    enum mcl_logtype type;
    const char *name;              /* "ttp_url", as in the config */
    const char *path;              /* "/api/ttp/url/get-logs" */
    const char *from_field;        /* request window start: startDateTime, from, start */
    const char *to_field;          /* request window end: endDateTime, to, end */
    struct mcl_logdef_filter filters[MCL_LOGDEF_MAX_FILTERS]; /* ends at name == NULL */
    const char *list_field;        /* records in data[i].<list_field>; NULL = data[] itself */
    const char *time_fields[MCL_LOGDEF_MAX_TIME_FIELDS]; /* first present wins; NULL ends */
    enum mcl_logdef_key key;
    const char *id_field;          /* for the id-based keys */
    const char *rcpt_field;        /* for MCL_LOGDEF_KEY_ID_RCPT_TIME */
    int64_t max_lookback_ms;       /* how far back the API serves */
    bool lookback_documented;      /* false = our assumption (see docs) */
    const char *permission;        /* role permission needed, for advice */
};

/* The definition of a log type, or NULL for an invalid value. */
const struct mcl_logdef *mcl_logdef_get(enum mcl_logtype t);

/* Appends the request body:
 * {"meta":{"pagination":{"pageSize":N[,"pageToken":T]}},"data":[{from,to,filters}]}
 * Dates are UTC with an explicit +0000; the same filter goes with every
 * page. `page_token` NULL or "" = first page. */
int mcl_logdef_request(const struct mcl_logdef *d, int64_t from_ms, int64_t to_ms, int page_size,
                       const char *page_token, struct mcl_buf *out);

struct mcl_logdef_page {
    json_t *root;                  /* the response (one reference held) */
    json_t *records;               /* array of the page's records (one reference held) */
    size_t n_records;
    const char *next;              /* next page token; NULL = none */
    bool done;                     /* stop: no next token, or no records */
    size_t n_skipped;              /* list entries that were not objects (ignored) */
    char next_buf[32];             /* a numeric token as text */
};

/* Reads a parsed response (a JSON object, e.g. from mcl_mc_post()). Takes
 * over the caller's reference to `root` in every case. Tolerates a missing,
 * null or empty `data`, items without the list field (no records) and
 * several items (their lists are concatenated). `next` absent, null or ""
 * means none. A short page is not the end; an empty page is, even with a
 * `next`. */
int mcl_logdef_page_take(const struct mcl_logdef *d, json_t *root, struct mcl_logdef_page *p);
void mcl_logdef_page_fini(struct mcl_logdef_page *p);
static inline json_t *mcl_logdef_page_record(const struct mcl_logdef_page *p, size_t i)
{
    return json_array_get(p->records, i);
}

/* Per-stream scratch state for record extraction. */
struct mcl_logdef_ctx {
    const struct mcl_logdef *def;
    const char *account;           /* for log lines (borrowed) */
    struct mcl_buf raw;            /* the current record's stored text */
    struct mcl_buf scratch;        /* canonical text / key material */
    uint64_t n_time_fallback;      /* records whose time was missing or unreadable */
    uint64_t n_warned;             /* of those, already reported in a warning */
    int64_t last_warn_ms;          /* warnings about them: at most one a minute */
};

struct mcl_logdef_rec {
    int64_t event_ms;              /* epoch ms, UTC */
    bool time_fallback;            /* event_ms is the fallback, not the record's time */
    unsigned char key[MCL_SHA256_LEN];
    const char *raw;               /* compact JSON as received (key order kept), NUL-terminated */
    size_t raw_len;
};

void mcl_logdef_ctx_init(struct mcl_logdef_ctx *c, const struct mcl_logdef *d, const char *account);
void mcl_logdef_ctx_fini(struct mcl_logdef_ctx *c);

/* Event time, dedupe key and stored text of one record. A record whose
 * time is missing or unreadable is kept: event_ms = fallback_ms (the stream
 * engine passes the window end) and a rate-limited warning names the
 * account and log type. Errors: MCL_EINVAL (not an object), MCL_ELIMIT
 * (record text over MCL_LOGDEF_RECORD_MAX), MCL_ENOMEM. */
int mcl_logdef_extract(struct mcl_logdef_ctx *c, const json_t *rec, int64_t fallback_ms,
                       struct mcl_logdef_rec *out);

/* The pieces of mcl_logdef_extract(), public for tests. */
/* MCL_OK with the record's time, or MCL_ENOTFOUND / MCL_EPARSE. Strings go
 * through mcl_time_parse(); JSON numbers are epoch seconds, or epoch ms
 * when >= 1e11. */
int mcl_logdef_event_time(const struct mcl_logdef *d, const json_t *rec, int64_t *ms);
int mcl_logdef_dedupe_key(const struct mcl_logdef *d, const json_t *rec, struct mcl_buf *scratch,
                          unsigned char key[MCL_SHA256_LEN]);

#endif
