/* The store: schema and migrations, page atomicity and dedupe, checkpoints,
 * status, queries and their plans, output cursors, retention, read-only
 * handles, hostile values, and I/O failures (RLIMIT_FSIZE). The kill -9 test
 * lives in test_store_crash.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store.h"

#define NOW 1700000000000LL
#define MAX_ROWS 64

struct fx {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/mcl-store-test-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct mcl_store *open_rw(struct fx *f)
{
    struct mcl_store *st = NULL;
    assert_int_equal(mcl_store_open(f->path, 0, &st), MCL_OK);
    assert_non_null(st);
    return st;
}

static struct mcl_store *open_ro(struct fx *f)
{
    struct mcl_store *st = NULL;
    assert_int_equal(mcl_store_open(f->path, MCL_STORE_READONLY, &st), MCL_OK);
    return st;
}

/* An event whose key is derived from `name`; raw is `name` itself. */
static struct mcl_store_event ev(const char *name, int64_t t)
{
    struct mcl_store_event e;
    memset(&e, 0, sizeof e);
    e.event_time = t;
    mcl_sha256(name, strlen(name), e.key);
    e.raw = name;
    e.raw_len = strlen(name);
    return e;
}

static struct mcl_checkpoint cp_pages(int64_t pages, const char *token)
{
    struct mcl_checkpoint cp;
    mcl_checkpoint_init(&cp);
    cp.has_window = true;
    cp.window_from = NOW - 3600000;
    cp.window_to = NOW;
    cp.page_token = (char *)token;
    cp.pages = pages;
    return cp;
}

static int64_t stream(struct mcl_store *st, const char *account, const char *log)
{
    int64_t id = -1;
    assert_int_equal(mcl_store_stream_id(st, account, log, &id), MCL_OK);
    return id;
}

struct rows {
    size_t n;
    int stop_after; /* 0: never */
    int64_t id[MAX_ROWS];
    int64_t time[MAX_ROWS];
    int64_t collected[MAX_ROWS];
    char raw[MAX_ROWS][64];
    size_t raw_len[MAX_ROWS];
    char doc[MAX_ROWS][64];
    size_t doc_len[MAX_ROWS];
    bool has_doc[MAX_ROWS];
    char account[MAX_ROWS][64];
    char log[MAX_ROWS][64];
    unsigned char key[MAX_ROWS][MCL_SHA256_LEN];
};

static int collect(const struct mcl_query_row *r, void *arg)
{
    struct rows *rs = arg;
    assert_true(rs->n < MAX_ROWS);
    size_t i = rs->n++;
    rs->id[i] = r->id;
    rs->time[i] = r->event_time;
    rs->collected[i] = r->collected_at;
    /* Keeps the head of long records; raw_len says how long they were. */
    memcpy(rs->raw[i], r->raw, r->raw_len < sizeof rs->raw[i] ? r->raw_len : sizeof rs->raw[i] - 1);
    rs->raw_len[i] = r->raw_len;
    rs->has_doc[i] = r->doc != NULL;
    if (r->doc) {
        assert_true(r->doc_len < sizeof rs->doc[i]);
        memcpy(rs->doc[i], r->doc, r->doc_len);
        rs->doc_len[i] = r->doc_len;
    }
    snprintf(rs->account[i], sizeof rs->account[i], "%s", r->account);
    snprintf(rs->log[i], sizeof rs->log[i], "%s", r->log);
    memcpy(rs->key[i], r->key, MCL_SHA256_LEN);
    if (rs->stop_after && (int)rs->n == rs->stop_after)
        return 42;
    return 0;
}

static struct rows *all_rows(struct mcl_store *st)
{
    struct rows *rs = calloc(1, sizeof *rs);
    assert_non_null(rs);
    assert_int_equal(mcl_store_read_after(st, 0, 0, collect, rs), MCL_OK);
    return rs;
}

static size_t count_rows(struct mcl_store *st)
{
    struct rows *rs = all_rows(st);
    size_t n = rs->n;
    free(rs);
    return n;
}

static struct rows *query(struct mcl_store *st, const char *account, const char *log,
                          int64_t since, int64_t until, int64_t limit)
{
    struct mcl_query q = {account, log, since, until, limit};
    struct rows *rs = calloc(1, sizeof *rs);
    assert_non_null(rs);
    assert_int_equal(mcl_store_query(st, &q, collect, rs), MCL_OK);
    return rs;
}

/* The status row of stream `id` (list must be fini'd by the caller). */
static struct mcl_stream_status *status_of(struct mcl_stream_status_list *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].stream_id == id)
            return &l->v[i];
    fail_msg("stream %lld not in the status list", (long long)id);
    return NULL;
}

static int64_t events_counter(struct mcl_store *st, int64_t id)
{
    struct mcl_stream_status_list l;
    assert_int_equal(mcl_store_status_list(st, &l), MCL_OK);
    int64_t n = status_of(&l, id)->events;
    mcl_stream_status_list_fini(&l);
    return n;
}

/* Overwrites a 32-bit big-endian field of the SQLite file header (the store
 * must be closed: the header then lives in the main file, not the WAL). */
static void patch_header(const char *path, off_t off, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, b, 4, off), 4);
    close(fd);
}

/* ---- schema ------------------------------------------------------------ */

static void t_migrates_new_and_empty_files(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    assert_int_equal(mcl_store_schema_version(st), 1);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600); /* mail metadata: owner only */
    mcl_store_close(st);

    /* A zero-length file is a version-0 SQLite database. */
    char empty[160];
    snprintf(empty, sizeof empty, "%s/empty.db", f->dir);
    int fd = open(empty, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(mcl_store_open(empty, 0, &st), MCL_OK);
    assert_int_equal(mcl_store_schema_version(st), 1);
    int64_t id = stream(st, "acct", "audit");
    assert_true(id > 0);
    mcl_store_close(st);

    /* Reopening an up-to-date store migrates nothing and keeps ids. */
    assert_int_equal(mcl_store_open(empty, 0, &st), MCL_OK);
    assert_int_equal(stream(st, "acct", "audit"), id);
    mcl_store_close(st);
}

static void t_reopen_keeps_data(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t sid = stream(st, "acct", "ttp-url");
    struct mcl_store_event e[2] = {ev("a", NOW - 10), ev("b", NOW - 5)};
    struct mcl_checkpoint cp = cp_pages(1, "tok-1");
    assert_int_equal(mcl_store_commit_page(st, sid, e, 2, &cp, NOW, NULL), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_set(st, "splunk", 1, NOW), MCL_OK);
    mcl_store_close(st);

    for (int ro = 0; ro < 2; ro++) {
        st = ro ? open_ro(f) : open_rw(f);
        assert_int_equal(stream(st, "acct", "ttp-url"), sid);
        assert_int_equal(count_rows(st), 2);
        struct mcl_checkpoint got;
        mcl_checkpoint_init(&got);
        assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
        assert_int_equal(got.pages, 1);
        assert_string_equal(got.page_token, "tok-1");
        mcl_checkpoint_fini(&got);
        int64_t last = -1;
        assert_int_equal(mcl_store_output_cursor_get(st, "splunk", &last), MCL_OK);
        assert_int_equal(last, 1);
        assert_int_equal(events_counter(st, sid), 2);
        mcl_store_close(st);
    }
}

static void t_future_version_refused(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    mcl_store_close(st);
    patch_header(f->path, 60, 99); /* user_version */
    st = (struct mcl_store *)1;
    assert_int_equal(mcl_store_open(f->path, 0, &st), MCL_ESTORE);
    assert_null(st);
    assert_int_equal(mcl_store_open(f->path, MCL_STORE_READONLY, &st), MCL_ESTORE);
    assert_null(st);
}

static void t_foreign_files_refused(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = NULL;
    /* Not SQLite at all. */
    char junk[160];
    snprintf(junk, sizeof junk, "%s/junk.db", f->dir);
    FILE *fp = fopen(junk, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database file, it is a log line\n", fp);
    fclose(fp);
    assert_int_equal(mcl_store_open(junk, 0, &st), MCL_ESTORE);
    assert_int_equal(mcl_store_open(junk, MCL_STORE_READONLY, &st), MCL_ESTORE);

    /* SQLite, but another application's. */
    st = open_rw(f);
    mcl_store_close(st);
    patch_header(f->path, 68, 0x12345678); /* application_id */
    assert_int_equal(mcl_store_open(f->path, 0, &st), MCL_ESTORE);
    assert_int_equal(mcl_store_open(f->path, MCL_STORE_READONLY, &st), MCL_ESTORE);

    /* A read-only handle cannot migrate a version-0 file, nor open a missing one. */
    char empty[160];
    snprintf(empty, sizeof empty, "%s/empty.db", f->dir);
    int fd = open(empty, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(mcl_store_open(empty, MCL_STORE_READONLY, &st), MCL_ESTORE);
    snprintf(empty, sizeof empty, "%s/missing.db", f->dir);
    assert_int_equal(mcl_store_open(empty, MCL_STORE_READONLY, &st), MCL_ENOTFOUND);
    assert_int_equal(access(empty, F_OK), -1);
    assert_null(st);
}

/* ---- pages ------------------------------------------------------------- */

static void t_page_commits_events_and_checkpoint(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t sid = stream(st, "acct", "receipt");
    struct mcl_store_event e[3] = {ev("r1", NOW - 300), ev("r2", NOW - 100), ev("r3", NOW - 200)};
    struct mcl_checkpoint cp = cp_pages(1, "next-page");
    cp.newest_seen = NOW - 100;
    struct mcl_page_result res = {-1, -1};
    assert_int_equal(mcl_store_commit_page(st, sid, e, 3, &cp, NOW, &res), MCL_OK);
    assert_int_equal(res.inserted, 3);
    assert_int_equal(res.duplicates, 0);

    struct rows *rs = all_rows(st);
    assert_int_equal(rs->n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(rs->time[i], e[i].event_time);
        assert_int_equal(rs->collected[i], NOW);
        assert_memory_equal(rs->key[i], e[i].key, MCL_SHA256_LEN);
        assert_string_equal(rs->account[i], "acct");
        assert_string_equal(rs->log[i], "receipt");
        assert_false(rs->has_doc[i]);
    }
    free(rs);

    struct mcl_checkpoint got;
    mcl_checkpoint_init(&got);
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_true(got.has_window);
    assert_int_equal(got.pages, 1);
    assert_int_equal(got.newest_seen, NOW - 100);
    assert_string_equal(got.page_token, "next-page");
    mcl_checkpoint_fini(&got);

    struct mcl_stream_status_list l;
    assert_int_equal(mcl_store_status_list(st, &l), MCL_OK);
    struct mcl_stream_status *s = status_of(&l, sid);
    assert_int_equal(s->state, MCL_STREAM_OK);
    assert_int_equal(s->events, 3);
    assert_int_equal(s->newest_event, NOW - 100);
    assert_int_equal(s->last_success, NOW);
    assert_int_equal(s->cp.pages, 1);
    mcl_stream_status_list_fini(&l);

    /* An empty page still moves the checkpoint. */
    cp.pages = 2;
    cp.page_token = NULL;
    assert_int_equal(mcl_store_commit_page(st, sid, NULL, 0, &cp, NOW + 1, &res), MCL_OK);
    assert_int_equal(res.inserted, 0);
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_int_equal(got.pages, 2);
    assert_null(got.page_token);
    mcl_checkpoint_fini(&got);
    mcl_store_close(st);
}

static void t_duplicates_absorbed_and_counted(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t s1 = stream(st, "acct", "audit"), s2 = stream(st, "acct", "dlp");
    struct mcl_page_result res;
    /* Within one page. */
    struct mcl_store_event p1[3] = {ev("A", NOW - 3), ev("B", NOW - 2), ev("A", NOW - 3)};
    struct mcl_checkpoint cp = cp_pages(1, "t1");
    assert_int_equal(mcl_store_commit_page(st, s1, p1, 3, &cp, NOW, &res), MCL_OK);
    assert_int_equal(res.inserted, 2);
    assert_int_equal(res.duplicates, 1);
    /* Across pages (a page fetched twice overlaps the last one). */
    struct mcl_store_event p2[2] = {ev("B", NOW - 2), ev("C", NOW - 1)};
    cp.pages = 2;
    assert_int_equal(mcl_store_commit_page(st, s1, p2, 2, &cp, NOW, &res), MCL_OK);
    assert_int_equal(res.inserted, 1);
    assert_int_equal(res.duplicates, 1);
    assert_int_equal(mcl_store_commit_page(st, s1, p2, 2, &cp, NOW, &res), MCL_OK);
    assert_int_equal(res.inserted, 0);
    assert_int_equal(res.duplicates, 2);
    /* The same key in another stream is another event. */
    assert_int_equal(mcl_store_commit_page(st, s2, p2, 2, &cp, NOW, &res), MCL_OK);
    assert_int_equal(res.inserted, 2);
    assert_int_equal(count_rows(st), 5);
    assert_int_equal(events_counter(st, s1), 3);
    assert_int_equal(events_counter(st, s2), 2);
    mcl_store_close(st);
}

static void assert_unchanged(struct mcl_store *st, int64_t sid, size_t rows, int64_t pages,
                             int64_t counter)
{
    assert_int_equal(count_rows(st), rows);
    struct mcl_checkpoint got;
    mcl_checkpoint_init(&got);
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_int_equal(got.pages, pages);
    mcl_checkpoint_fini(&got);
    assert_int_equal(events_counter(st, sid), counter);
}

static void t_failure_rolls_back_everything(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t sid = stream(st, "acct", "audit");
    struct mcl_store_event good[2] = {ev("g1", NOW - 2), ev("g2", NOW - 1)};
    struct mcl_checkpoint cp = cp_pages(1, "t1");
    assert_int_equal(mcl_store_commit_page(st, sid, good, 2, &cp, NOW, NULL), MCL_OK);

    /* The second event is broken: the first was already inserted when it fails. */
    struct mcl_store_event bad[3] = {ev("n1", NOW), ev("n2", NOW), ev("n3", NOW)};
    bad[1].raw = NULL;
    bad[1].raw_len = 7;
    cp.pages = 2;
    assert_int_equal(mcl_store_commit_page(st, sid, bad, 3, &cp, NOW, NULL), MCL_EINVAL);
    assert_unchanged(st, sid, 2, 1, 2);

    /* Group commit: page 3 fails after page 2 applied; the caller rolls back both. */
    struct mcl_store_event p2[1] = {ev("p2", NOW)};
    assert_int_equal(mcl_store_begin(st), MCL_OK);
    assert_int_equal(mcl_store_apply_page(st, sid, p2, 1, &cp, NOW, NULL), MCL_OK);
    cp.pages = 3;
    bad[1].raw = "x";
    bad[1].raw_len = 1;
    bad[2].doc = NULL;
    bad[2].doc_len = 3;
    assert_int_equal(mcl_store_apply_page(st, sid, bad, 3, &cp, NOW, NULL), MCL_EINVAL);
    mcl_store_rollback(st);
    assert_unchanged(st, sid, 2, 1, 2);

    /* An invalid checkpoint is refused before anything is written. */
    cp.window_from = cp.window_to + 1;
    assert_int_equal(mcl_store_commit_page(st, sid, p2, 1, &cp, NOW, NULL), MCL_EINVAL);
    assert_unchanged(st, sid, 2, 1, 2);

    /* Outside a transaction apply_page would lose its atomicity: refused. */
    cp = cp_pages(2, NULL);
    assert_int_equal(mcl_store_apply_page(st, sid, p2, 1, &cp, NOW, NULL), MCL_EINVAL);
    assert_int_equal(mcl_store_commit(st), MCL_EINVAL);
    assert_int_equal(mcl_store_begin(st), MCL_OK);
    assert_int_equal(mcl_store_begin(st), MCL_EINVAL);
    mcl_store_rollback(st);
    mcl_store_rollback(st); /* no-op without a transaction */
    assert_unchanged(st, sid, 2, 1, 2);
    mcl_store_close(st);
}

static void t_checkpoint_round_trip(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t sid = stream(st, "acct", "audit");
    struct mcl_checkpoint got, cp;
    mcl_checkpoint_init(&got);

    /* Never collected: an initialised checkpoint. */
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_false(got.has_window);
    assert_null(got.page_token);
    assert_int_equal(got.newest_seen, INT64_MIN);
    assert_int_equal(got.next_from, INT64_MIN);
    assert_int_equal(got.pages, 0);

    /* In a window, first page: NULL token, nothing seen yet. */
    cp = cp_pages(0, NULL);
    cp.window_from = INT64_MIN + 1;
    cp.window_to = INT64_MAX;
    assert_int_equal(mcl_store_commit_page(st, sid, NULL, 0, &cp, NOW, NULL), MCL_OK);
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_true(got.has_window);
    assert_int_equal(got.window_from, INT64_MIN + 1);
    assert_int_equal(got.window_to, INT64_MAX);
    assert_null(got.page_token);
    assert_int_equal(got.newest_seen, INT64_MIN);
    assert_int_equal(got.next_from, INT64_MIN);

    /* A long token (loading again releases the previous one: no leak). */
    size_t len = 100000;
    char *tok = malloc(len + 1);
    assert_non_null(tok);
    for (size_t i = 0; i < len; i++)
        tok[i] = (char)('A' + i % 26);
    tok[len] = '\0';
    cp = cp_pages(7, tok);
    cp.newest_seen = NOW - 1;
    assert_int_equal(mcl_store_commit_page(st, sid, NULL, 0, &cp, NOW, NULL), MCL_OK);
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_string_equal(got.page_token, tok);
    assert_int_equal(got.pages, 7);
    assert_int_equal(got.newest_seen, NOW - 1);
    free(tok);

    /* Window finished: no window, next_from says where the next one starts. */
    mcl_checkpoint_init(&cp);
    cp.next_from = NOW - 42;
    assert_int_equal(mcl_store_commit_page(st, sid, NULL, 0, &cp, NOW, NULL), MCL_OK);
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_false(got.has_window);
    assert_null(got.page_token);
    assert_int_equal(got.next_from, NOW - 42);
    assert_int_equal(got.newest_seen, INT64_MIN);
    assert_int_equal(got.pages, 0);
    mcl_checkpoint_fini(&got);
    mcl_store_close(st);
}

/* ---- status -------------------------------------------------------------- */

static void t_status_set_and_list(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t b = stream(st, "beta", "audit"), a = stream(st, "alpha", "ttp-url");
    int64_t idle = stream(st, "alpha", "audit");
    assert_int_equal(mcl_store_status_set(st, a, MCL_STREAM_RETRYING, "HTTP 503, retrying in 4s",
                                          NOW),
                     MCL_OK);
    assert_int_equal(mcl_store_status_set(st, b, MCL_STREAM_PARKED,
                                          "permission denied: grant the Audit role", NOW + 1),
                     MCL_OK);
    assert_int_equal(mcl_store_status_set(st, b, (enum mcl_stream_state)9, NULL, NOW),
                     MCL_EINVAL);

    struct mcl_stream_status_list l;
    assert_int_equal(mcl_store_status_list(st, &l), MCL_OK);
    assert_int_equal(l.n, 3);
    /* Ordered by account, then log. */
    assert_string_equal(l.v[0].account, "alpha");
    assert_string_equal(l.v[0].log, "audit");
    assert_string_equal(l.v[1].log, "ttp-url");
    assert_string_equal(l.v[2].account, "beta");
    struct mcl_stream_status *s = status_of(&l, idle);
    assert_int_equal(s->state, MCL_STREAM_IDLE);
    assert_int_equal(s->events, 0);
    assert_int_equal(s->newest_event, INT64_MIN);
    assert_int_equal(s->last_success, INT64_MIN);
    assert_int_equal(s->last_error_at, INT64_MIN);
    assert_null(s->last_error);
    assert_false(s->cp.has_window);
    assert_int_equal(s->cp.next_from, INT64_MIN);
    s = status_of(&l, a);
    assert_int_equal(s->state, MCL_STREAM_RETRYING);
    assert_string_equal(s->last_error, "HTTP 503, retrying in 4s");
    assert_int_equal(s->last_error_at, NOW);
    s = status_of(&l, b);
    assert_int_equal(s->state, MCL_STREAM_PARKED);
    assert_string_equal(mcl_stream_state_name(s->state), "parked");
    mcl_stream_status_list_fini(&l);

    /* A successful page clears the error but remembers when it happened. */
    struct mcl_store_event e[1] = {ev("x", NOW - 9)};
    struct mcl_checkpoint cp = cp_pages(1, "p2");
    assert_int_equal(mcl_store_commit_page(st, a, e, 1, &cp, NOW + 5, NULL), MCL_OK);
    /* Clearing by hand does the same. */
    assert_int_equal(mcl_store_status_set(st, b, MCL_STREAM_IDLE, NULL, NOW + 6), MCL_OK);
    assert_int_equal(mcl_store_status_list(st, &l), MCL_OK);
    s = status_of(&l, a);
    assert_int_equal(s->state, MCL_STREAM_OK);
    assert_null(s->last_error);
    assert_int_equal(s->last_error_at, NOW);
    assert_int_equal(s->last_success, NOW + 5);
    assert_int_equal(s->events, 1);
    assert_int_equal(s->newest_event, NOW - 9);
    assert_int_equal(s->cp.pages, 1);
    assert_string_equal(s->cp.page_token, "p2");
    s = status_of(&l, b);
    assert_int_equal(s->state, MCL_STREAM_IDLE);
    assert_null(s->last_error);
    assert_int_equal(s->last_error_at, NOW + 1);
    mcl_stream_status_list_fini(&l);

    assert_string_equal(mcl_stream_state_name(MCL_STREAM_IDLE), "idle");
    assert_string_equal(mcl_stream_state_name(MCL_STREAM_OK), "ok");
    assert_string_equal(mcl_stream_state_name(MCL_STREAM_RETRYING), "retrying");
    assert_string_equal(mcl_stream_state_name((enum mcl_stream_state)77), "unknown");
    mcl_store_close(st);
}

/* ---- reading ------------------------------------------------------------ */

/* Three streams: (a, x), (a, y), (b, x); times 10..90 with ties. */
static void fill_for_queries(struct mcl_store *st)
{
    const char *acct[3] = {"a", "a", "b"}, *log[3] = {"x", "y", "x"};
    int64_t times[3][3] = {{10, 50, 90}, {20, 50, 80}, {30, 50, 70}};
    char names[3][3][32];
    for (int s = 0; s < 3; s++) {
        int64_t sid = stream(st, acct[s], log[s]);
        struct mcl_store_event e[3];
        for (int i = 0; i < 3; i++) {
            snprintf(names[s][i], sizeof names[s][i], "%s%s%d", acct[s], log[s], i);
            e[i] = ev(names[s][i], times[s][i]);
        }
        struct mcl_checkpoint cp = cp_pages(1, NULL);
        assert_int_equal(mcl_store_commit_page(st, sid, e, 3, &cp, NOW, NULL), MCL_OK);
    }
}

static void assert_newest_first(const struct rows *rs)
{
    for (size_t i = 1; i < rs->n; i++)
        assert_true(rs->time[i - 1] > rs->time[i] ||
                    (rs->time[i - 1] == rs->time[i] && rs->id[i - 1] > rs->id[i]));
}

static void t_query_filters_and_order(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    fill_for_queries(st);
    struct rows *rs = query(st, NULL, NULL, INT64_MIN, INT64_MAX, 0);
    assert_int_equal(rs->n, 9);
    assert_newest_first(rs);
    assert_int_equal(rs->time[0], 90);
    /* Ties on time: the later id first. */
    assert_int_equal(rs->time[3], 50);
    assert_string_equal(rs->account[3], "b");
    assert_string_equal(rs->raw[5], "ax1");
    free(rs);

    rs = query(st, "a", NULL, INT64_MIN, INT64_MAX, 0); /* two streams */
    assert_int_equal(rs->n, 6);
    assert_newest_first(rs);
    for (size_t i = 0; i < rs->n; i++)
        assert_string_equal(rs->account[i], "a");
    free(rs);

    rs = query(st, NULL, "x", INT64_MIN, INT64_MAX, 0);
    assert_int_equal(rs->n, 6);
    for (size_t i = 0; i < rs->n; i++)
        assert_string_equal(rs->log[i], "x");
    free(rs);

    rs = query(st, "a", "y", INT64_MIN, INT64_MAX, 0); /* one stream */
    assert_int_equal(rs->n, 3);
    assert_int_equal(rs->time[0], 80);
    assert_int_equal(rs->time[2], 20);
    free(rs);

    rs = query(st, "b", NULL, 30, 50, 0); /* bounds are inclusive */
    assert_int_equal(rs->n, 2);
    assert_int_equal(rs->time[0], 50);
    assert_int_equal(rs->time[1], 30);
    free(rs);

    rs = query(st, NULL, NULL, 20, 80, 3);
    assert_int_equal(rs->n, 3);
    assert_int_equal(rs->time[0], 80);
    assert_int_equal(rs->time[1], 70);
    assert_int_equal(rs->time[2], 50);
    free(rs);

    rs = query(st, "nobody", NULL, INT64_MIN, INT64_MAX, 0);
    assert_int_equal(rs->n, 0);
    free(rs);
    rs = query(st, "a", "z", INT64_MIN, INT64_MAX, 0);
    assert_int_equal(rs->n, 0);
    free(rs);

    /* The callback stops the walk; its value comes back. */
    struct mcl_query q = {NULL, NULL, INT64_MIN, INT64_MAX, 0};
    rs = calloc(1, sizeof *rs);
    assert_non_null(rs);
    rs->stop_after = 2;
    assert_int_equal(mcl_store_query(st, &q, collect, rs), 42);
    assert_int_equal(rs->n, 2);
    /* ...and the statement was reset: the next walk starts from the top. */
    rs->n = 0;
    rs->stop_after = 0;
    assert_int_equal(mcl_store_query(st, &q, collect, rs), MCL_OK);
    assert_int_equal(rs->n, 9);
    free(rs);
    mcl_store_close(st);
}

/* The plan walks an index in the query's order, so `--since 1h --limit 20`
 * reads ~20 rows on any store size: no full scan, no sort. */
static void t_query_plan_uses_indexes(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    fill_for_queries(st);
#define BY_TIME "SEARCH e USING INDEX events_time (event_time>? AND event_time<?)"
#define BY_STREAM                                                                                  \
    "SEARCH e USING INDEX events_stream_time (stream_id=? AND event_time>? AND event_time<?)"
    struct {
        const char *account, *log, *index;
    } cases[] = {
        {NULL, NULL, BY_TIME}, {"a", NULL, BY_TIME},   {NULL, "x", BY_TIME},
        {"a", "y", BY_STREAM}, {"b", NULL, BY_STREAM}, /* b has one stream */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mcl_query q = {cases[i].account, cases[i].log, NOW - 3600000, INT64_MAX, 20};
        struct mcl_buf plan;
        mcl_buf_init(&plan, 1 << 16);
        assert_int_equal(mcl_store_query_plan(st, &q, &plan), MCL_OK);
        print_message("plan %zu:\n%s", i, mcl_buf_cstr(&plan));
        assert_non_null(strstr(mcl_buf_cstr(&plan), cases[i].index));
        assert_null(strstr(mcl_buf_cstr(&plan), "TEMP B-TREE"));
        assert_non_null(strstr(mcl_buf_cstr(&plan), "SEARCH s USING INTEGER PRIMARY KEY"));
        mcl_buf_fini(&plan);
    }
    mcl_store_close(st);
}

static void t_read_after_order_and_limit(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    fill_for_queries(st);
    struct rows *rs = calloc(1, sizeof *rs);
    assert_non_null(rs);
    assert_int_equal(mcl_store_read_after(st, 0, 4, collect, rs), MCL_OK);
    assert_int_equal(rs->n, 4);
    for (size_t i = 1; i < rs->n; i++)
        assert_true(rs->id[i] > rs->id[i - 1]);
    /* Commit order, not event time: stream (a, x) went first. */
    assert_string_equal(rs->raw[0], "ax0");
    assert_string_equal(rs->raw[3], "ay0");
    int64_t last = rs->id[3];
    rs->n = 0;
    assert_int_equal(mcl_store_read_after(st, last, 0, collect, rs), MCL_OK);
    assert_int_equal(rs->n, 5);
    assert_true(rs->id[0] > last);
    assert_string_equal(rs->raw[4], "bx2");
    last = rs->id[4];
    rs->n = 0;
    assert_int_equal(mcl_store_read_after(st, last, 10, collect, rs), MCL_OK);
    assert_int_equal(rs->n, 0);
    free(rs);
    mcl_store_close(st);
}

static void t_hostile_values_stored_exactly(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    const char *acct = "x'); DROP TABLE events; --", *log = "\"log\" OR 1=1";
    int64_t sid = stream(st, acct, log);
    static const char raw[] = "{\"a\":\"\0\xff\xfe\",\"b\":1}";
    static const char doc[] = "d\0c";
    struct mcl_store_event e[3] = {ev("k1", 1), ev("k2", 2), ev("k3", 3)};
    e[0].raw = raw;
    e[0].raw_len = sizeof raw - 1; /* NUL and invalid UTF-8 inside */
    e[0].doc = doc;
    e[0].doc_len = sizeof doc - 1;
    e[1].raw = NULL; /* empty record */
    e[1].raw_len = 0;
    e[2].doc = "";
    e[2].doc_len = 0;
    struct mcl_checkpoint cp = cp_pages(1, "tok'\"; --");
    assert_int_equal(mcl_store_commit_page(st, sid, e, 3, &cp, NOW, NULL), MCL_OK);
    struct rows *rs = all_rows(st);
    assert_int_equal(rs->n, 3);
    assert_int_equal(rs->raw_len[0], sizeof raw - 1);
    assert_memory_equal(rs->raw[0], raw, sizeof raw - 1);
    assert_true(rs->has_doc[0]);
    assert_int_equal(rs->doc_len[0], 3);
    assert_memory_equal(rs->doc[0], doc, 3);
    assert_int_equal(rs->raw_len[1], 0);
    assert_false(rs->has_doc[1]);
    assert_true(rs->has_doc[2]); /* empty, not NULL */
    assert_int_equal(rs->doc_len[2], 0);
    assert_string_equal(rs->account[0], acct);
    assert_string_equal(rs->log[0], log);
    free(rs);
    rs = query(st, acct, log, INT64_MIN, INT64_MAX, 0);
    assert_int_equal(rs->n, 3);
    free(rs);
    assert_int_equal(mcl_store_output_cursor_set(st, "o'; --", 2, NOW), MCL_OK);
    int64_t last = 0;
    assert_int_equal(mcl_store_output_cursor_get(st, "o'; --", &last), MCL_OK);
    assert_int_equal(last, 2);
    mcl_store_close(st);
}

/* ---- delivery cursors and retention --------------------------------------- */

static void t_output_cursors(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t last = -1;
    assert_int_equal(mcl_store_output_cursor_get(st, "splunk", &last), MCL_OK);
    assert_int_equal(last, 0);
    assert_int_equal(mcl_store_output_cursor_set(st, "splunk", 17, NOW), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_set(st, "file", 5, NOW), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_set(st, "file", -1, NOW), MCL_EINVAL);
    assert_int_equal(mcl_store_output_cursor_get(st, "splunk", &last), MCL_OK);
    assert_int_equal(last, 17);
    assert_int_equal(mcl_store_output_cursor_get(st, "kafka", &last), MCL_OK);
    assert_int_equal(last, 0);

    const char *keep[] = {"splunk", "file"};
    assert_int_equal(mcl_store_output_cursor_prune(st, keep, 2), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_get(st, "file", &last), MCL_OK);
    assert_int_equal(last, 5);
    /* kafka was forgotten: asking again recreates it at 0. */
    assert_int_equal(mcl_store_output_cursor_set(st, "kafka", 9, NOW), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_prune(st, keep, 1), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_get(st, "kafka", &last), MCL_OK);
    assert_int_equal(last, 0);
    assert_int_equal(mcl_store_output_cursor_get(st, "file", &last), MCL_OK);
    assert_int_equal(last, 0);
    assert_int_equal(mcl_store_output_cursor_get(st, "splunk", &last), MCL_OK);
    assert_int_equal(last, 17);
    /* Inside a caller's transaction the prune is part of it. */
    assert_int_equal(mcl_store_begin(st), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_prune(st, NULL, 0), MCL_OK);
    mcl_store_rollback(st);
    assert_int_equal(mcl_store_output_cursor_get(st, "splunk", &last), MCL_OK);
    assert_int_equal(last, 17);
    mcl_store_close(st);
}

/* Stream 1: times 1..6; stream 2: times 100..103 (ids 7..10). */
static void fill_for_retention(struct mcl_store *st, int64_t *s1, int64_t *s2)
{
    *s1 = stream(st, "acct", "audit");
    *s2 = stream(st, "acct", "dlp");
    struct mcl_store_event a[6] = {ev("a1", 1), ev("a2", 2), ev("a3", 3),
                                   ev("a4", 4), ev("a5", 5), ev("a6", 6)};
    struct mcl_store_event b[4] = {ev("b1", 100), ev("b2", 101), ev("b3", 102), ev("b4", 103)};
    struct mcl_checkpoint cp = cp_pages(1, NULL);
    assert_int_equal(mcl_store_commit_page(st, *s1, a, 6, &cp, NOW, NULL), MCL_OK);
    assert_int_equal(mcl_store_commit_page(st, *s2, b, 4, &cp, NOW, NULL), MCL_OK);
}

static int64_t newest_of(struct mcl_store *st, int64_t sid)
{
    struct mcl_stream_status_list l;
    assert_int_equal(mcl_store_status_list(st, &l), MCL_OK);
    int64_t t = status_of(&l, sid)->newest_event;
    mcl_stream_status_list_fini(&l);
    return t;
}

static void t_retention_age_cursors_batches_counters(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t s1, s2, deleted = -1;
    fill_for_retention(st, &s1, &s2);

    /* No cursor rows: age alone, in batches of 4, oldest first. */
    assert_int_equal(mcl_store_retention_run(st, 101, 4, &deleted), MCL_OK);
    assert_int_equal(deleted, 4);
    assert_int_equal(events_counter(st, s1), 2);
    struct rows *rs = all_rows(st);
    assert_string_equal(rs->raw[0], "a5");
    free(rs);
    assert_int_equal(mcl_store_retention_run(st, 101, 4, &deleted), MCL_OK);
    assert_int_equal(deleted, 3); /* a5 a6 b1: fewer than the batch, done */
    assert_int_equal(events_counter(st, s1), 0);
    assert_int_equal(events_counter(st, s2), 3);
    assert_int_equal(newest_of(st, s1), INT64_MIN);
    assert_int_equal(newest_of(st, s2), 103);
    assert_int_equal(mcl_store_retention_run(st, 101, 4, &deleted), MCL_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(mcl_store_retention_run(st, 101, 0, &deleted), MCL_EINVAL);
    mcl_store_close(st);
}

static void t_retention_waits_for_every_output(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t s1, s2, deleted = -1, last;
    fill_for_retention(st, &s1, &s2);
    /* A configured output that never delivered holds everything back. */
    assert_int_equal(mcl_store_output_cursor_set(st, "splunk", 8, NOW), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_get(st, "kafka", &last), MCL_OK);
    assert_int_equal(mcl_store_retention_run(st, INT64_MAX, 100, &deleted), MCL_OK);
    assert_int_equal(deleted, 0);
    /* kafka delivered up to id 3, splunk up to 8: ids 1..3 may go. */
    assert_int_equal(mcl_store_output_cursor_set(st, "kafka", 3, NOW), MCL_OK);
    assert_int_equal(mcl_store_retention_run(st, INT64_MAX, 100, &deleted), MCL_OK);
    assert_int_equal(deleted, 3);
    /* Both past everything, but age still rules: stream 2 (100..103) is new. */
    assert_int_equal(mcl_store_output_cursor_set(st, "kafka", 10, NOW), MCL_OK);
    assert_int_equal(mcl_store_output_cursor_set(st, "splunk", 10, NOW), MCL_OK);
    assert_int_equal(mcl_store_retention_run(st, 102, 100, &deleted), MCL_OK);
    assert_int_equal(deleted, 5); /* a4 a5 a6 b1 b2 */
    assert_int_equal(events_counter(st, s1), 0);
    assert_int_equal(events_counter(st, s2), 2);
    assert_int_equal(count_rows(st), 2);
    /* The newest event of stream 1 was its newest id; the counter follows. */
    assert_int_equal(newest_of(st, s1), INT64_MIN);
    mcl_store_close(st);
}

static void t_ids_never_reused(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t s1, s2, deleted;
    fill_for_retention(st, &s1, &s2);
    /* An output delivered everything; retention then deletes the newest rows. */
    assert_int_equal(mcl_store_output_cursor_set(st, "splunk", 10, NOW), MCL_OK);
    assert_int_equal(mcl_store_retention_run(st, INT64_MAX, 100, &deleted), MCL_OK);
    assert_int_equal(deleted, 10);
    mcl_store_close(st);
    st = open_rw(f); /* the high-water mark survives a reopen */
    struct mcl_store_event e[1] = {ev("late", 1)};
    struct mcl_checkpoint cp = cp_pages(2, NULL);
    assert_int_equal(mcl_store_commit_page(st, s1, e, 1, &cp, NOW, NULL), MCL_OK);
    struct rows *rs = calloc(1, sizeof *rs);
    assert_non_null(rs);
    /* The output reads from its cursor and must see the new event. */
    assert_int_equal(mcl_store_read_after(st, 10, 0, collect, rs), MCL_OK);
    assert_int_equal(rs->n, 1);
    assert_true(rs->id[0] > 10);
    assert_string_equal(rs->raw[0], "late");
    free(rs);
    mcl_store_close(st);
}

/* ---- concurrency and failures --------------------------------------------- */

static void t_readonly_sees_committed_only(void **state)
{
    struct fx *f = *state;
    struct mcl_store *w = open_rw(f);
    int64_t sid = stream(w, "acct", "audit");
    struct mcl_store_event p1[2] = {ev("c1", 1), ev("c2", 2)};
    struct mcl_store_event p2[1] = {ev("u1", 3)};
    struct mcl_checkpoint cp = cp_pages(1, NULL);
    assert_int_equal(mcl_store_commit_page(w, sid, p1, 2, &cp, NOW, NULL), MCL_OK);

    assert_int_equal(mcl_store_begin(w), MCL_OK);
    cp.pages = 2;
    assert_int_equal(mcl_store_apply_page(w, sid, p2, 1, &cp, NOW, NULL), MCL_OK);
    /* Opened while the writer holds an open write transaction. */
    struct mcl_store *r = open_ro(f);
    assert_int_equal(count_rows(r), 2);
    struct rows *rs = query(r, "acct", "audit", INT64_MIN, INT64_MAX, 0);
    assert_int_equal(rs->n, 2);
    free(rs);
    struct mcl_checkpoint got;
    mcl_checkpoint_init(&got);
    assert_int_equal(mcl_store_checkpoint_load(r, sid, &got), MCL_OK);
    assert_int_equal(got.pages, 1);
    assert_int_equal(events_counter(r, sid), 2);
    assert_int_equal(mcl_store_commit(w), MCL_OK);

    assert_int_equal(count_rows(r), 3);
    assert_int_equal(mcl_store_checkpoint_load(r, sid, &got), MCL_OK);
    assert_int_equal(got.pages, 2);
    mcl_checkpoint_fini(&got);
    assert_int_equal(events_counter(r, sid), 3);

    /* Read-only: lookups only, writes refused. */
    int64_t id = 0;
    assert_int_equal(mcl_store_stream_id(r, "acct", "audit", &id), MCL_OK);
    assert_int_equal(id, sid);
    assert_int_equal(mcl_store_stream_id(r, "acct", "new", &id), MCL_ENOTFOUND);
    assert_int_equal(mcl_store_output_cursor_get(r, "splunk", &id), MCL_OK);
    assert_int_equal(id, 0);
    assert_int_equal(mcl_store_begin(r), MCL_EINVAL);
    assert_int_equal(mcl_store_commit_page(r, sid, p2, 1, &cp, NOW, NULL), MCL_EINVAL);
    assert_int_equal(mcl_store_output_cursor_set(r, "splunk", 1, NOW), MCL_EINVAL);
    assert_int_equal(mcl_store_status_set(r, sid, MCL_STREAM_OK, NULL, NOW), MCL_EINVAL);
    assert_int_equal(mcl_store_retention_run(r, INT64_MAX, 10, &id), MCL_EINVAL);
    /* The reader's cursor_get did not create a row that would hold retention. */
    assert_int_equal(mcl_store_retention_run(w, INT64_MAX, 10, &id), MCL_OK);
    assert_int_equal(id, 3);
    int64_t bytes = 0;
    assert_int_equal(mcl_store_size_bytes(r, &bytes), MCL_OK);
    assert_true(bytes > 4096);
    mcl_store_close(r);
    mcl_store_close(w);
}

static char logbuf[8192];

/* RLIMIT_FSIZE makes the kernel refuse writes past a size: a disk-full or
 * I/O error as SQLite sees it. It must surface as MCL_ESTORE with SQLite's
 * message logged, and leave no page half-written. */
static void t_io_failure_is_reported_and_atomic(void **state)
{
    struct fx *f = *state;
    struct mcl_store *st = open_rw(f);
    int64_t sid = stream(st, "acct", "audit");
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
    FILE *logf = fmemopen(logbuf, sizeof logbuf, "w");
    assert_non_null(logf);
    mcl_log_setup(MCL_LOG_ERROR, MCL_LOG_TEXT, logf);

    static char big[4000];
    memset(big, 'x', sizeof big);
    char names[16][32];
    int64_t committed = 0, rc = MCL_OK;
    lim = old;
    lim.rlim_cur = 512 * 1024; /* main file + WAL stay below this... */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (int page = 1; page <= 400 && rc == MCL_OK; page++) { /* ...until they don't */
        struct mcl_store_event e[16];
        for (int i = 0; i < 16; i++) {
            snprintf(names[i], sizeof names[i], "p%di%d", page, i);
            e[i] = ev(names[i], page);
            e[i].raw = big;
            e[i].raw_len = sizeof big;
        }
        struct mcl_checkpoint cp = cp_pages(page, NULL);
        rc = mcl_store_commit_page(st, sid, e, 16, &cp, NOW, NULL);
        if (rc == MCL_OK)
            committed = page;
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, oldsig);
    fflush(logf);
    mcl_log_setup(MCL_LOG_INFO, MCL_LOG_TEXT, stderr);
    fclose(logf);
    print_message("failed after %lld pages: %s", (long long)committed, logbuf);
    assert_int_equal(rc, MCL_ESTORE);
    assert_true(committed > 0);
    assert_non_null(strstr(logbuf, "SQLite error"));

    /* The handle still works, and holds exactly the committed pages. */
    assert_int_equal(events_counter(st, sid), committed * 16);
    struct mcl_checkpoint got;
    mcl_checkpoint_init(&got);
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_int_equal(got.pages, committed);
    mcl_store_close(st);
    st = open_rw(f);
    assert_int_equal(mcl_store_checkpoint_load(st, sid, &got), MCL_OK);
    assert_int_equal(got.pages, committed);
    assert_int_equal(events_counter(st, sid), committed * 16);
    struct mcl_query q = {NULL, NULL, committed + 1, INT64_MAX, 0};
    struct rows *rs = calloc(1, sizeof *rs);
    assert_non_null(rs);
    assert_int_equal(mcl_store_query(st, &q, collect, rs), MCL_OK);
    assert_int_equal(rs->n, 0); /* nothing of the failed page */
    q.since_ms = committed;
    assert_int_equal(mcl_store_query(st, &q, collect, rs), MCL_OK);
    assert_int_equal(rs->n, 16); /* all of the last good one */
    free(rs);
    mcl_checkpoint_fini(&got);
    mcl_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_migrates_new_and_empty_files, setup, teardown),
        cmocka_unit_test_setup_teardown(t_reopen_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(t_future_version_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(t_foreign_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(t_page_commits_events_and_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(t_duplicates_absorbed_and_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(t_failure_rolls_back_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(t_checkpoint_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(t_status_set_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(t_query_filters_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(t_query_plan_uses_indexes, setup, teardown),
        cmocka_unit_test_setup_teardown(t_read_after_order_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(t_hostile_values_stored_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(t_output_cursors, setup, teardown),
        cmocka_unit_test_setup_teardown(t_retention_age_cursors_batches_counters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(t_retention_waits_for_every_output, setup, teardown),
        cmocka_unit_test_setup_teardown(t_ids_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(t_readonly_sees_committed_only, setup, teardown),
        cmocka_unit_test_setup_teardown(t_io_failure_is_reported_and_atomic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
