#include "sources/collector.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/backoff.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/time.h"
#include "engine/engine.h"
#include "mimecast/client.h"
#include "net/http.h"
#include "sources/logdef.h"

#define BODY_MAX (64 * 1024)
#define PAGE_TEXT_MAX (128u * 1024 * 1024)
#define PARK_RETRY_MS (10 * 60 * 1000)      /* a parked stream re-checks this often (run) */
#define STALE_RESTARTS_MAX 5                /* stale tokens in a row before backing off */
#define LOOKBACK_MARGIN_MS (5 * 60 * 1000)  /* stay inside what the API still serves */

struct stream {
    struct mcl_collector *c;
    size_t account_idx;
    const struct mcl_account_cfg *acfg;
    struct mcl_mc_account *mc;
    const struct mcl_logdef *def;
    struct mcl_logdef_ctx lctx;
    int64_t stream_id;
    struct mcl_checkpoint cp;   /* what the store holds; changed only after a commit */
    int failures;               /* consecutive */
    int stale_in_row;
    int64_t oldest_seen;        /* in the current window, for progress */
    pthread_mutex_t snap_mu;
    struct mcl_stream_snapshot snap;
};

struct worker_ctx {
    struct mcl_collector *c;
    struct mcl_http **http;     /* one per account, created on first use */
    struct mcl_buf body;
    struct mcl_buf text;        /* the page's records, back to back */
    struct mcl_store_event *ev;
    size_t *off;
    size_t ev_cap;
};

struct mcl_collector {
    const struct mcl_config *cfg;
    struct mcl_collector_opts opts;
    struct mcl_store *store;
    pthread_mutex_t store_mu;   /* one writer connection, shared by the workers */
    struct mcl_mc_account **accounts;
    size_t n_accounts;
    struct stream *streams;
    size_t n_streams;
    struct mcl_engine *engine;
    int64_t start_ms;
    atomic_bool fatal;
};

static void snap_update(struct stream *s, void (*fn)(struct stream *, void *), void *arg)
{
    pthread_mutex_lock(&s->snap_mu);
    fn(s, arg);
    pthread_mutex_unlock(&s->snap_mu);
}

static void fatal_store(struct stream *s, int rc)
{
    MCL_ERR(s->acfg->name, s->def->name,
            "the store failed (%s: %s); stopping so that nothing is collected that cannot be kept",
            mcl_strerror(rc), mcl_store_errmsg(s->c->store));
    atomic_store(&s->c->fatal, true);
    mcl_engine_stop(s->c->engine);
}

static int set_status(struct stream *s, enum mcl_stream_state state, const char *msg)
{
    pthread_mutex_lock(&s->c->store_mu);
    int rc = mcl_store_status_set(s->c->store, s->stream_id, state, msg, mcl_time_now_ms());
    pthread_mutex_unlock(&s->c->store_mu);
    if (rc)
        fatal_store(s, rc);
    pthread_mutex_lock(&s->snap_mu);
    s->snap.state = state;
    mcl_strlcpy(s->snap.last_error, msg ? msg : "", sizeof s->snap.last_error);
    pthread_mutex_unlock(&s->snap_mu);
    return rc;
}

/* Where a new window starts: where the last one said, or `lookback` ago on
 * the first run, never earlier than the API still serves. */
static int64_t window_start(struct stream *s, int64_t now)
{
    int64_t oldest = now - s->def->max_lookback_ms + LOOKBACK_MARGIN_MS;
    int64_t from = s->cp.next_from;
    if (from == INT64_MIN) {
        from = now - s->acfg->lookback_ms;
        if (from < oldest) {
            MCL_WARN(s->acfg->name, s->def->name,
                     "lookback reaches further than Mimecast keeps %s logs; starting at the oldest "
                     "available",
                     s->def->name);
            from = oldest;
        }
    } else if (from < oldest) {
        char a[MCL_TIME_TEXT_MAX], b[MCL_TIME_TEXT_MAX];
        mcl_time_format_rfc3339(from, a);
        mcl_time_format_rfc3339(oldest, b);
        MCL_WARN(s->acfg->name, s->def->name,
                 "collection was stopped longer than Mimecast keeps %s logs: events from %s to %s "
                 "can no longer be fetched",
                 s->def->name, a, b);
        from = oldest;
    }
    return from > now ? now : from;
}

/* After a finished window: the newest event time seen (inclusive) minus the
 * overlap for late events; the window end when the window was empty. Never
 * before the window's own start, so windows only move forward. */
static int64_t next_window_start(const struct stream *s, const struct mcl_checkpoint *cp)
{
    int64_t base = cp->newest_seen != INT64_MIN && cp->newest_seen < cp->window_to
                       ? cp->newest_seen
                       : cp->window_to;
    int64_t next = base - s->acfg->overlap_ms;
    return next < cp->window_from ? cp->window_from : next;
}

static struct mcl_http *worker_http(struct worker_ctx *w, struct stream *s)
{
    struct mcl_http **slot = &w->http[s->account_idx];
    if (!*slot) {
        struct mcl_http_opts o;
        mcl_mc_http_opts(s->acfg, mcl_engine_cancel_flag(w->c->engine), &o);
        if (mcl_http_create(&o, slot))
            *slot = NULL;
    }
    return *slot;
}

static int ensure_capacity(struct worker_ctx *w, size_t n)
{
    if (n <= w->ev_cap)
        return MCL_OK;
    struct mcl_store_event *ev = realloc(w->ev, n * sizeof *ev);
    if (!ev)
        return MCL_ENOMEM;
    w->ev = ev;
    size_t *off = realloc(w->off, n * sizeof *off);
    if (!off)
        return MCL_ENOMEM;
    w->off = off;
    w->ev_cap = n;
    return MCL_OK;
}

struct page_stats {
    int64_t inserted, dups, covered;
    bool window_done;
    const struct mcl_checkpoint *cp;
};

static void snap_after_page(struct stream *s, void *arg)
{
    struct page_stats *p = arg;
    s->snap.events_new += p->inserted;
    s->snap.events_dup += p->dups;
    s->snap.pages++;
    s->snap.state = MCL_STREAM_OK;
    s->snap.last_error[0] = '\0';
    s->snap.has_window = p->cp->has_window;
    s->snap.window_from = p->cp->window_from;
    s->snap.window_to = p->cp->window_to;
    s->snap.covered = p->covered;
    if (p->window_done)
        s->snap.covered_to = p->cp->covered_to;
}

static void snap_count_request(struct stream *s, void *arg)
{
    s->snap.requests++;
}

static void snap_count_ratelimit(struct stream *s, void *arg)
{
    s->snap.rate_limited++;
}

static void snap_count_retry(struct stream *s, void *arg)
{
    s->snap.retries++;
}

static void snap_count_restart(struct stream *s, void *arg)
{
    s->snap.window_restarts++;
}

static void snap_finish(struct stream *s, void *arg)
{
    s->snap.finished = true;
}

static bool is_operator_problem(int rc)
{
    return rc == MCL_EAUTH || rc == MCL_EPERM || rc == MCL_EEXPIRED || rc == MCL_EREGION ||
           rc == MCL_ECONFIG;
}

/* A failed request: decide when to try again and what the status says. */
static enum mcl_task_next on_failure(struct stream *s, const struct mcl_mc_error *err, int64_t *delay)
{
    struct mcl_collector *c = s->c;
    char msg[1024];
    if (err->rc == MCL_ECANCELED) {
        *delay = 0;
        return MCL_TASK_AGAIN;
    }
    if (err->rc == MCL_ERATELIMIT) {
        snap_update(s, snap_count_ratelimit, NULL);
        *delay = err->retry_after_ms > 0 ? err->retry_after_ms : 1000;
        MCL_DEBUG(s->acfg->name, s->def->name, "rate limited: waiting %lld ms",
                  (long long)*delay);
        return MCL_TASK_AGAIN;
    }
    if (err->rc == MCL_ESTALE && ++s->stale_in_row <= STALE_RESTARTS_MAX) {
        /* The window restarts from its first page; the store's dedupe keys
         * absorb the pages fetched again. The checkpoint in memory is only
         * changed here, the stored one follows with the next commit. */
        MCL_WARN(s->acfg->name, s->def->name,
                 "the page token was refused (%s): restarting the window from its first page",
                 err->message[0] ? err->message : err->code);
        free(s->cp.page_token);
        s->cp.page_token = NULL;
        s->cp.pages = 0;
        snap_update(s, snap_count_restart, NULL);
        *delay = 0;
        return MCL_TASK_AGAIN;
    }
    s->failures++;
    const char *what = err->advice[0] ? err->advice : err->message;
    if (is_operator_problem(err->rc) || (!err->retryable && err->rc != MCL_ESTALE)) {
        snprintf(msg, sizeof msg, "%s%s%s", what, err->code[0] ? " [" : "",
                 err->code[0] ? err->code : "");
        if (err->code[0])
            mcl_strlcpy(msg + strlen(msg), "]", sizeof msg - strlen(msg));
        MCL_ERR(s->acfg->name, s->def->name, "stream parked: %s", msg);
        set_status(s, MCL_STREAM_PARKED, msg);
        if (c->opts.once)
            return MCL_TASK_DONE;
        *delay = PARK_RETRY_MS;
        return MCL_TASK_AGAIN;
    }
    snap_update(s, snap_count_retry, NULL);
    int64_t d = mcl_backoff_full_jitter(c->cfg->collector.retry_initial_ms,
                                        c->cfg->collector.retry_max_ms, (unsigned)s->failures);
    if (err->retry_after_ms > d)
        d = err->retry_after_ms;
    snprintf(msg, sizeof msg, "%s (failure %d in a row; retrying)", what[0] ? what : mcl_strerror(err->rc),
             s->failures);
    MCL_WARN(s->acfg->name, s->def->name, "%s; next attempt in %lld ms", msg, (long long)d);
    set_status(s, MCL_STREAM_RETRYING, msg);
    if (c->opts.once && s->failures > c->opts.once_max_retries) {
        MCL_ERR(s->acfg->name, s->def->name, "giving up after %d failures in a row", s->failures);
        return MCL_TASK_DONE;
    }
    *delay = d;
    return MCL_TASK_AGAIN;
}

static enum mcl_task_next stream_step(void *arg, void *wctx, int64_t *delay)
{
    struct stream *s = arg;
    struct worker_ctx *w = wctx;
    struct mcl_collector *c = s->c;
    const char *acct = s->acfg->name, *log = s->def->name;
    struct mcl_mc_error err;
    struct mcl_logdef_page page;
    struct mcl_checkpoint next;
    json_t *root = NULL;
    bool have_page = false;
    enum mcl_task_next ret = MCL_TASK_AGAIN;
    int64_t now = mcl_time_now_ms();
    int rc;

    memset(&page, 0, sizeof page);
    mcl_checkpoint_init(&next);
    *delay = 0;
    if (!s->cp.has_window) {
        s->cp.has_window = true;
        s->cp.window_from = window_start(s, now);
        s->cp.window_to = now;
        free(s->cp.page_token);
        s->cp.page_token = NULL;
        s->cp.newest_seen = INT64_MIN;
        s->cp.pages = 0;
        s->oldest_seen = INT64_MAX;
    }
    struct mcl_http *http = worker_http(w, s);
    if (!http) {
        memset(&err, 0, sizeof err);
        err.rc = MCL_ENOMEM;
        err.retryable = true;
        mcl_strlcpy(err.message, "cannot create an HTTP client", sizeof err.message);
        ret = on_failure(s, &err, delay);
        goto out;
    }
    mcl_buf_reset(&w->body);
    rc = mcl_logdef_request(s->def, s->cp.window_from, s->cp.window_to, s->acfg->page_size,
                            s->cp.page_token, &w->body);
    if (rc) {
        fatal_store(s, rc);
        goto out;
    }
    struct mcl_mc_call call = {s->def->path, log, s->def->permission};
    snap_update(s, snap_count_request, NULL);
    rc = mcl_mc_post(s->mc, http, &call, w->body.data, w->body.len, &root, &err);
    if (rc) {
        ret = on_failure(s, &err, delay);
        goto out;
    }
    rc = mcl_logdef_page_take(s->def, root, &page);
    root = NULL;
    have_page = true;
    if (rc) {
        memset(&err, 0, sizeof err);
        err.rc = rc;
        err.retryable = true;
        snprintf(err.message, sizeof err.message, "unreadable page: %s", mcl_strerror(rc));
        ret = on_failure(s, &err, delay);
        goto out;
    }

    /* The page's records: time, dedupe key and text, into the worker's buffers. */
    if ((rc = ensure_capacity(w, page.n_records ? page.n_records : 1)))
        goto store_fail;
    mcl_buf_reset(&w->text);
    size_t n = 0;
    int64_t newest = s->cp.newest_seen, oldest = s->oldest_seen;
    for (size_t i = 0; i < page.n_records; i++) {
        struct mcl_logdef_rec r;
        rc = mcl_logdef_extract(&s->lctx, mcl_logdef_page_record(&page, i), s->cp.window_to, &r);
        if (rc == MCL_EINVAL || rc == MCL_ELIMIT) {
            MCL_WARN(acct, log, "record %zu of the page skipped: %s", i, mcl_strerror(rc));
            continue;
        }
        if (rc)
            goto store_fail;
        w->off[n] = w->text.len;
        if ((rc = mcl_buf_append(&w->text, r.raw, r.raw_len + 1)))
            goto store_fail;
        w->ev[n] = (struct mcl_store_event){.event_time = r.event_ms, .raw_len = r.raw_len};
        memcpy(w->ev[n].key, r.key, sizeof r.key);
        if (!r.time_fallback) {
            int64_t t = r.event_ms < s->cp.window_to ? r.event_ms : s->cp.window_to;
            if (newest == INT64_MIN || t > newest)
                newest = t;
            if (t < oldest)
                oldest = t;
        }
        n++;
    }
    for (size_t i = 0; i < n; i++)
        w->ev[i].raw = w->text.data + w->off[i];

    /* The checkpoint that points past this page. */
    next.has_window = !page.done;
    next.window_from = s->cp.window_from;
    next.window_to = s->cp.window_to;
    next.newest_seen = newest;
    next.pages = s->cp.pages + 1;
    next.covered_to = s->cp.covered_to;
    next.next_from = s->cp.next_from;
    if (page.done) {
        next.next_from = next_window_start(s, &next);
        next.covered_to = s->cp.window_to;
    } else if (!(next.page_token = mcl_strdup(page.next))) {
        rc = MCL_ENOMEM;
        goto store_fail;
    }

    struct mcl_page_result res = {0};
    pthread_mutex_lock(&c->store_mu);
    rc = mcl_store_commit_page(c->store, s->stream_id, w->ev, n, &next, mcl_time_now_ms(), &res);
    pthread_mutex_unlock(&c->store_mu);
    if (rc)
        goto store_fail;

    /* Committed: the in-memory checkpoint follows the stored one. */
    mcl_checkpoint_fini(&s->cp);
    s->cp = next;
    mcl_checkpoint_init(&next);
    s->oldest_seen = oldest;
    s->failures = 0;
    s->stale_in_row = 0;
    bool oldest_first = false;
    for (int i = 0; i < MCL_LOGDEF_MAX_FILTERS && s->def->filters[i].name; i++)
        oldest_first |= !strcmp(s->def->filters[i].name, "oldestFirst");
    struct page_stats ps = {.inserted = res.inserted,
                            .dups = res.duplicates,
                            .covered = oldest_first ? newest : oldest,
                            .window_done = page.done,
                            .cp = &s->cp};
    if (ps.covered == INT64_MIN || ps.covered == INT64_MAX)
        ps.covered = s->cp.window_from;
    snap_update(s, snap_after_page, &ps);
    MCL_DEBUG(acct, log, "page %lld: %zu records, %lld new, %lld duplicates%s",
              (long long)s->cp.pages, n, (long long)res.inserted, (long long)res.duplicates,
              page.done ? ", window finished" : "");
    if (!page.done)
        goto out;

    char f[MCL_TIME_TEXT_MAX], t[MCL_TIME_TEXT_MAX];
    mcl_time_format_rfc3339(s->cp.window_from, f);
    mcl_time_format_rfc3339(s->cp.covered_to, t);
    MCL_INFO(acct, log, "collected up to %s (window from %s)", t, f);
    if (c->opts.once && s->cp.covered_to >= c->start_ms) {
        snap_update(s, snap_finish, NULL);
        ret = MCL_TASK_DONE;
    } else {
        *delay = c->opts.once ? 0 : s->acfg->interval_ms;
    }
    goto out;

store_fail:
    fatal_store(s, rc);
    ret = MCL_TASK_DONE;
out:
    if (ret == MCL_TASK_DONE)
        snap_update(s, snap_finish, NULL);
    mcl_checkpoint_fini(&next);
    if (have_page)
        mcl_logdef_page_fini(&page);
    json_decref(root);
    return ret;
}

static void *worker_init(void *arg)
{
    struct mcl_collector *c = arg;
    struct worker_ctx *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->c = c;
    w->http = calloc(c->n_accounts ? c->n_accounts : 1, sizeof *w->http);
    if (!w->http) {
        free(w);
        return NULL;
    }
    mcl_buf_init(&w->body, BODY_MAX);
    mcl_buf_init(&w->text, PAGE_TEXT_MAX);
    return w;
}

static void worker_fini(void *ctx, void *arg)
{
    struct worker_ctx *w = ctx;
    struct mcl_collector *c = arg;
    if (!w)
        return;
    for (size_t i = 0; i < c->n_accounts; i++)
        mcl_http_destroy(w->http[i]);
    free(w->http);
    mcl_buf_fini(&w->body);
    mcl_buf_fini(&w->text);
    free(w->ev);
    free(w->off);
    free(w);
}

int mcl_collector_create(const struct mcl_config *cfg, struct mcl_store *store,
                         const struct mcl_collector_opts *opts, struct mcl_collector **out)
{
    int rc = MCL_ENOMEM;
    struct mcl_collector *c = calloc(1, sizeof *c);
    if (!c)
        return MCL_ENOMEM;
    c->cfg = cfg;
    c->opts = *opts;
    c->store = store;
    atomic_init(&c->fatal, false);
    pthread_mutex_init(&c->store_mu, NULL);
    c->n_accounts = cfg->n_accounts;
    c->accounts = calloc(cfg->n_accounts ? cfg->n_accounts : 1, sizeof *c->accounts);
    size_t n = 0;
    for (size_t a = 0; a < cfg->n_accounts; a++) {
        for (int t = 0; t < MCL_LOGTYPE_COUNT; t++)
            n += (cfg->accounts[a].logs >> t) & 1u;
    }
    c->streams = calloc(n ? n : 1, sizeof *c->streams);
    if (!c->accounts || !c->streams)
        goto fail;
    for (size_t a = 0; a < cfg->n_accounts; a++) {
        if ((rc = mcl_mc_account_create(&cfg->accounts[a], &c->accounts[a])))
            goto fail;
        for (int t = 0; t < MCL_LOGTYPE_COUNT; t++) {
            if (!(cfg->accounts[a].logs & (1u << t)))
                continue;
            struct stream *s = &c->streams[c->n_streams];
            s->c = c;
            s->account_idx = a;
            s->acfg = &cfg->accounts[a];
            s->mc = c->accounts[a];
            s->def = mcl_logdef_get((enum mcl_logtype)t);
            mcl_checkpoint_init(&s->cp);
            pthread_mutex_init(&s->snap_mu, NULL);
            mcl_logdef_ctx_init(&s->lctx, s->def, s->acfg->name);
            c->n_streams++;
            s->snap.account = s->acfg->name;
            s->snap.log = s->def->name;
            s->snap.covered_to = INT64_MIN;
            s->oldest_seen = INT64_MAX;
            if ((rc = mcl_store_stream_id(store, s->acfg->name, s->def->name, &s->stream_id)) ||
                (rc = mcl_store_checkpoint_load(store, s->stream_id, &s->cp)))
                goto fail;
            s->snap.covered_to = s->cp.covered_to;
            s->snap.has_window = s->cp.has_window;
            s->snap.window_from = s->cp.window_from;
            s->snap.window_to = s->cp.window_to;
            s->snap.covered = s->cp.has_window ? s->cp.window_from : s->cp.covered_to;
            if (s->cp.has_window) {
                char f[MCL_TIME_TEXT_MAX], to[MCL_TIME_TEXT_MAX];
                mcl_time_format_rfc3339(s->cp.window_from, f);
                mcl_time_format_rfc3339(s->cp.window_to, to);
                MCL_INFO(s->acfg->name, s->def->name,
                         "resuming the window %s .. %s at page %lld", f, to,
                         (long long)s->cp.pages + 1);
            }
        }
    }
    struct mcl_engine_opts eo = {.max_threads = cfg->collector.max_threads,
                                 .worker_init = worker_init,
                                 .worker_fini = worker_fini,
                                 .worker_arg = c};
    if ((rc = mcl_engine_create(&eo, &c->engine)))
        goto fail;
    for (size_t i = 0; i < c->n_streams; i++) {
        if ((rc = mcl_engine_add_task(c->engine, stream_step, &c->streams[i], 0)))
            goto fail;
    }
    *out = c;
    return MCL_OK;
fail:
    mcl_collector_destroy(c);
    return rc;
}

int mcl_collector_start(struct mcl_collector *c)
{
    c->start_ms = mcl_time_now_ms();
    return mcl_engine_start(c->engine);
}

bool mcl_collector_wait(struct mcl_collector *c, int64_t timeout_ms)
{
    return mcl_engine_wait(c->engine, timeout_ms);
}

void mcl_collector_stop(struct mcl_collector *c)
{
    if (c && c->engine)
        mcl_engine_stop(c->engine);
}

bool mcl_collector_fatal(struct mcl_collector *c)
{
    return atomic_load(&c->fatal);
}

void mcl_collector_destroy(struct mcl_collector *c)
{
    if (!c)
        return;
    mcl_engine_destroy(c->engine);
    for (size_t i = 0; i < c->n_streams; i++) {
        mcl_checkpoint_fini(&c->streams[i].cp);
        mcl_logdef_ctx_fini(&c->streams[i].lctx);
        pthread_mutex_destroy(&c->streams[i].snap_mu);
    }
    for (size_t a = 0; c->accounts && a < c->n_accounts; a++)
        mcl_mc_account_destroy(c->accounts[a]);
    free(c->accounts);
    free(c->streams);
    pthread_mutex_destroy(&c->store_mu);
    free(c);
}

size_t mcl_collector_stream_count(const struct mcl_collector *c)
{
    return c->n_streams;
}

void mcl_collector_snapshot(struct mcl_collector *c, size_t i, struct mcl_stream_snapshot *out)
{
    struct stream *s = &c->streams[i];
    pthread_mutex_lock(&s->snap_mu);
    *out = s->snap;
    pthread_mutex_unlock(&s->snap_mu);
}

int mcl_collector_maintain(struct mcl_collector *c)
{
    if (c->cfg->store.retention_ms <= 0)
        return MCL_OK;
    int64_t cutoff = mcl_time_now_ms() - c->cfg->store.retention_ms;
    int64_t deleted = 0, total = 0;
    int rc;
    do {
        /* Small batches so collection is never held up for long. */
        pthread_mutex_lock(&c->store_mu);
        rc = mcl_store_retention_run(c->store, cutoff, 5000, &deleted);
        pthread_mutex_unlock(&c->store_mu);
        total += deleted;
    } while (rc == MCL_OK && deleted == 5000 && !mcl_engine_stopping(c->engine));
    if (total)
        MCL_INFO(NULL, NULL, "retention: deleted %lld events older than the retention period",
                 (long long)total);
    return rc;
}
