/* store_bench: what one page commit costs, beside the floor SQLite itself sets.
 *
 *   store_bench [events (1000000)] [directory (a new one under /tmp)]
 *
 * Synthetic events (raw ~600 bytes of JSON-looking text, random 32-byte
 * keys, 6 streams, event times spread over the last 7 days) are stored in
 * pages of 500 with a checkpoint per page, grouping 1, 4 and 16 pages per
 * transaction, each run on a fresh file in its own process (so peak RSS is
 * that run's). The baseline inserts the same rows into a table with no index
 * and no checkpoint, with the same pragmas. Then, on the 16-page store: the
 * rate at which re-applied pages are absorbed as duplicates, and the latency
 * of `mclog query --since 1h --limit 20` through a read-only handle.
 * Times are measured around the store calls only, not the data generation. */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "store/store.h"

#define PAGE 500
#define STREAMS 6
#define RAW_MAX 1024
#define SPAN_MS (7LL * 24 * 3600 * 1000)
#define QUERY_RUNS 200

static const char *const accounts[2] = {"C0A0", "C1B1"};
static const char *const logs[3] = {"receipt", "ttp-url", "audit"};

struct gen {
    int64_t total;
    int64_t now;
    char raw[PAGE][RAW_MAX];
    struct mcl_store_event ev[PAGE];
};

struct timer {
    double wall, cpu;
    struct timespec w0, c0;
};

static double ts_sec(const struct timespec *t)
{
    return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static void timer_start(struct timer *t)
{
    clock_gettime(CLOCK_MONOTONIC, &t->w0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t->c0);
}

static void timer_stop(struct timer *t)
{
    struct timespec w1, c1;
    clock_gettime(CLOCK_MONOTONIC, &w1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    t->wall += ts_sec(&w1) - ts_sec(&t->w0);
    t->cpu += ts_sec(&c1) - ts_sec(&t->c0);
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Page `p` (0-based) belongs to stream p % STREAMS; its events are the same
 * bytes every time it is generated (the duplicate run relies on it). */
static size_t gen_page(struct gen *g, int64_t p)
{
    int64_t first = p * PAGE;
    size_t n = (size_t)(g->total - first < PAGE ? g->total - first : PAGE);
    for (size_t i = 0; i < n; i++) {
        int64_t idx = first + (int64_t)i;
        uint64_t r = (uint64_t)idx * 0x2545f4914f6cdd1dULL;
        struct mcl_store_event *e = &g->ev[i];
        for (int k = 0; k < 4; k++) {
            uint64_t x = splitmix(&r);
            memcpy(e->key + 8 * k, &x, 8);
        }
        uint64_t a = splitmix(&r), b = splitmix(&r);
        e->event_time = g->now - SPAN_MS + (idx + 1) * SPAN_MS / g->total; /* newest = now */
        int len = snprintf(
            g->raw[i], RAW_MAX,
            "{\"aCode\":\"%016" PRIx64 "\",\"acc\":\"%s\",\"datetime\":\"%" PRId64 "\","
            "\"fileName\":\"invoice_%06u.pdf\",\"fileExt\":\"pdf\",\"Subject\":\"Re: quarterly "
            "report %u\",\"Size\":%u,\"Sender\":\"user%u@example.com\","
            "\"Recipient\":\"r%u@corp.example\",\"route\":"
            "\"Inbound\",\"processingId\":\"%016" PRIx64 "%016" PRIx64 "\",\"Virus\":\"\","
            "\"messageId\":\"<%016" PRIx64 "@mail.example.com>\",\"SourceIP\":\"192.0.2.%u\","
            "\"Act\":\"Acc\",\"TlsVersion\":\"TLSv1.3\",\"Cphr\":\"TLS_AES_256_GCM_SHA384\","
            "\"Dir\":\"Inbound\",\"RejType\":\"\","
            "\"MsgId\":\"%" PRIu64 "\",\"headerFrom\":\"billing@vendor%u.example\",\"spamScore\":"
            "%u,\"IP\":\"198.51.100.%u\",\"log\":\"%s\"}",
            a, accounts[p % STREAMS / 3], e->event_time, (unsigned)(a % 1000000),
            (unsigned)(b % 10000), (unsigned)(b % 5000000), (unsigned)(a % 9000),
            (unsigned)(b % 7000), a, b, b, (unsigned)(a % 254), (uint64_t)idx,
            (unsigned)(b % 300), (unsigned)(a % 10), (unsigned)(b % 254), logs[p % 3]);
        e->raw = g->raw[i];
        e->raw_len = (size_t)len;
        e->doc = NULL;
        e->doc_len = 0;
    }
    return n;
}

static double rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static void report(const char *what, int64_t events, const struct timer *t, double bytes)
{
    printf("%-34s %10.0f %12.2f %12.1f", what, (double)events / t->wall,
           t->cpu * 1e6 / (double)events, rss_mib());
    if (bytes > 0)
        printf(" %12.0f", bytes / (double)events);
    printf("\n");
    fflush(stdout);
}

static int64_t file_bytes(const char *path)
{
    struct stat sb;
    char wal[600];
    int64_t n = stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return n + (stat(wal, &sb) == 0 ? (int64_t)sb.st_size : 0);
}

static void remove_store(const char *path)
{
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* The floor: same rows, same pragmas, a bare rowid table. */
static int run_baseline(struct gen *g, const char *path, int group)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    struct timer t = {0};
    int64_t pages = (g->total + PAGE - 1) / PAGE;
    int rc = 1;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                     "PRAGMA cache_size = -8192;"
                     "CREATE TABLE t(stream_id INTEGER, event_time INTEGER, dedupe_key BLOB,"
                     " collected_at INTEGER, raw TEXT, doc TEXT)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?1, ?2, ?3, ?4, ?5, ?6)", -1, &ins,
                           NULL) != SQLITE_OK)
        goto out;
    for (int64_t p = 0; p < pages; p += group) {
        for (int k = 0; k < group && p + k < pages; k++) {
            size_t n = gen_page(g, p + k);
            timer_start(&t);
            if (k == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
                goto out;
            for (size_t i = 0; i < n; i++) {
                const struct mcl_store_event *e = &g->ev[i];
                sqlite3_bind_int64(ins, 1, (p + k) % STREAMS + 1);
                sqlite3_bind_int64(ins, 2, e->event_time);
                sqlite3_bind_blob(ins, 3, e->key, MCL_SHA256_LEN, SQLITE_STATIC);
                sqlite3_bind_int64(ins, 4, g->now);
                sqlite3_bind_text(ins, 5, e->raw, (int)e->raw_len, SQLITE_STATIC);
                sqlite3_bind_null(ins, 6);
                if (sqlite3_step(ins) != SQLITE_DONE)
                    goto out;
                sqlite3_reset(ins);
            }
            timer_stop(&t);
        }
        timer_start(&t);
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            goto out;
        timer_stop(&t);
    }
    char what[64];
    snprintf(what, sizeof what, "baseline, %2d page%s/tx", group, group > 1 ? "s" : "");
    report(what, g->total, &t, (double)file_bytes(path));
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "baseline: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return rc;
}

/* Applies pages [0, pages) in groups, a checkpoint per page. */
static int fill(struct gen *g, struct mcl_store *st, const int64_t *sid, int group,
                struct timer *t, struct mcl_page_result *sum)
{
    int64_t pages = (g->total + PAGE - 1) / PAGE, per_stream[STREAMS] = {0};
    char token[128];
    int rc = MCL_OK;
    for (int64_t p = 0; p < pages && rc == MCL_OK; p += group) {
        int k = 0;
        for (; k < group && p + k < pages && rc == MCL_OK; k++) {
            int64_t q = p + k;
            size_t n = gen_page(g, q);
            struct mcl_checkpoint cp;
            struct mcl_page_result res = {0, 0};
            mcl_checkpoint_init(&cp);
            snprintf(token, sizeof token, "eNpTKkktLlGyUlAqTi0qzszPK8nPS1Wo0c3NTSzITLFVMjQwMDA2"
                     "NjQ0NzIwNjA0MDQ0MlBSK0gtqlSIdbdVcsrPS8ksKk0tAQB7Kg/p%" PRId64, q);
            cp.has_window = true;
            cp.window_from = g->ev[0].event_time;
            cp.window_to = g->now;
            cp.page_token = token;
            cp.newest_seen = g->ev[n - 1].event_time;
            cp.pages = ++per_stream[q % STREAMS];
            timer_start(t);
            if (k == 0)
                rc = mcl_store_begin(st);
            if (rc == MCL_OK)
                rc = mcl_store_apply_page(st, sid[q % STREAMS], g->ev, n, &cp, g->now, &res);
            timer_stop(t);
            sum->inserted += res.inserted;
            sum->duplicates += res.duplicates;
        }
        timer_start(t);
        if (rc == MCL_OK)
            rc = mcl_store_commit(st);
        else
            mcl_store_rollback(st);
        timer_stop(t);
    }
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int count_row(const struct mcl_query_row *r, void *arg)
{
    (*(int *)arg)++;
    return 0;
}

static int run_query(const char *path, const char *what, const struct mcl_query *q)
{
    struct mcl_store *st = NULL;
    static double ms[QUERY_RUNS];
    int rows = 0;
    int rc = mcl_store_open(path, MCL_STORE_READONLY, &st);
    for (int i = 0; i < QUERY_RUNS && rc == MCL_OK; i++) {
        struct timespec a, b;
        rows = 0;
        clock_gettime(CLOCK_MONOTONIC, &a);
        rc = mcl_store_query(st, q, count_row, &rows);
        clock_gettime(CLOCK_MONOTONIC, &b);
        ms[i] = (ts_sec(&b) - ts_sec(&a)) * 1e3;
    }
    mcl_store_close(st);
    if (rc)
        return rc;
    double first = ms[0];
    qsort(ms, QUERY_RUNS, sizeof ms[0], cmp_double);
    printf("%-34s first %.3f ms, median %.3f ms, p99 %.3f ms (%d rows)\n", what, first,
           ms[QUERY_RUNS / 2], ms[QUERY_RUNS * 99 / 100], rows);
    fflush(stdout);
    return MCL_OK;
}

static int run_store(struct gen *g, const char *path, int group, bool extras)
{
    struct mcl_store *st = NULL;
    struct timer t = {0};
    struct mcl_page_result sum = {0, 0};
    int64_t sid[STREAMS];
    int rc = mcl_store_open(path, 0, &st);
    for (int s = 0; s < STREAMS && rc == MCL_OK; s++)
        rc = mcl_store_stream_id(st, accounts[s / 3], logs[s % 3], &sid[s]);
    if (rc || (rc = fill(g, st, sid, group, &t, &sum)))
        goto out;
    if (sum.inserted != g->total) {
        fprintf(stderr, "inserted %" PRId64 " of %" PRId64 "\n", sum.inserted, g->total);
        rc = MCL_EINVAL;
        goto out;
    }
    char what[64];
    snprintf(what, sizeof what, "store, %2d page%s/tx", group, group > 1 ? "s" : "");
    int64_t bytes = 0;
    mcl_store_size_bytes(st, &bytes);
    report(what, g->total, &t, (double)bytes);
    if (!extras)
        goto out;
    /* The same pages again: every event is a duplicate. */
    struct timer d = {0};
    struct mcl_page_result dsum = {0, 0};
    if ((rc = fill(g, st, sid, group, &d, &dsum)))
        goto out;
    if (dsum.duplicates != g->total) {
        fprintf(stderr, "duplicates %" PRId64 " of %" PRId64 "\n", dsum.duplicates, g->total);
        rc = MCL_EINVAL;
        goto out;
    }
    report("duplicates re-applied, 16 pages/tx", g->total, &d, 0);
    mcl_store_close(st);
    st = NULL;
    struct mcl_query q = {NULL, NULL, g->now - 3600 * 1000, INT64_MAX, 20};
    if ((rc = run_query(path, "query --since 1h --limit 20", &q)))
        goto out;
    q.account = accounts[0];
    q.log = logs[1];
    if ((rc = run_query(path, "  + --account --log (1 stream)", &q)))
        goto out;
    q.log = NULL;
    rc = run_query(path, "  + --account (3 streams)", &q);
out:
    mcl_store_close(st);
    return rc;
}

/* Each run in its own process, so ru_maxrss is that run's peak. */
static int in_child(struct gen *g, const char *path, int group, bool baseline, bool extras)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        int rc = baseline ? run_baseline(g, path, group) : run_store(g, path, group, extras);
        remove_store(path);
        _exit(rc ? 1 : 0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
        return 1;
    return 0;
}

int main(int argc, char **argv)
{
    static struct gen g;
    char dir[256] = "/tmp/mcl-store-bench-XXXXXX", path[600];
    bool made = false;
    int rc = 0;
    g.total = argc > 1 ? strtoll(argv[1], NULL, 10) : 1000000;
    if (g.total < PAGE) {
        fprintf(stderr, "usage: store_bench [events >= %d] [directory]\n", PAGE);
        return 2;
    }
    if (argc > 2) {
        snprintf(dir, sizeof dir, "%s", argv[2]);
    } else if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    } else {
        made = true;
    }
    snprintf(path, sizeof path, "%s/bench.db", dir);
    mcl_log_setup(MCL_LOG_WARN, MCL_LOG_TEXT, stderr);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    g.now = (int64_t)now.tv_sec * 1000;

    size_t raw_bytes = 0, n = gen_page(&g, 0);
    for (size_t i = 0; i < n; i++)
        raw_bytes += g.ev[i].raw_len;
    printf("store_bench: %" PRId64 " events, %d streams, pages of %d, raw %zu bytes on average, "
           "SQLite %s, %s\n", g.total, STREAMS, PAGE, raw_bytes / n, sqlite3_libversion(), dir);
    printf("%-34s %10s %12s %12s %12s\n", "", "events/s", "CPU s/M ev", "peak RSS MiB",
           "bytes/event");
    const int groups[3] = {1, 4, 16};
    for (int i = 0; i < 3 && !rc; i++)
        rc = in_child(&g, path, groups[i], true, false);
    for (int i = 0; i < 3 && !rc; i++)
        rc = in_child(&g, path, groups[i], false, groups[i] == 16);
    remove_store(path);
    if (made)
        rmdir(dir);
    if (rc)
        fprintf(stderr, "store_bench: a run failed\n");
    return rc;
}
