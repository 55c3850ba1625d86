/* Crash consistency: a child process commits pages in a loop and is killed
 * with SIGKILL at a random point; the parent reopens the store and checks
 * that, for every stream, the checkpoint's page count is exactly the set of
 * pages whose events are present, that no page is half-present, and that
 * every commit the child reported survived. Synchronisation is the pipe the
 * child reports its commits on: no sleeps. Seed: MCL_TEST_SEED=<n> replays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/err.h"
#include "store/store.h"

#define ROUNDS 20
#define MAX_DELAY_US 3000 /* ~2 commit cycles of the child */
#define STREAMS 3
#define MAX_PAGES 4096      /* per stream, over all rounds */
#define MAX_PAGE_EVENTS 160
#define CHILD_MAX_COMMITS 100000 /* bound, in case the parent never kills */

struct report {
    int32_t stream;
    int32_t pad;
    int64_t page;
};

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* How many events page `page` of stream `s` holds: fixed by (s, page), so
 * the parent knows what a complete page looks like. 0 happens (empty pages). */
static int page_events(int s, int64_t page)
{
    uint64_t x = (uint64_t)s * 1000003u + (uint64_t)page;
    uint64_t r = splitmix(&x);
    return r % 16 == 0 ? 0 : 1 + (int)((r >> 8) % MAX_PAGE_EVENTS);
}

static void make_key(int s, int64_t page, int i, unsigned char key[MCL_SHA256_LEN])
{
    memset(key, 0, MCL_SHA256_LEN);
    memcpy(key, "CRSH", 4);
    key[4] = (unsigned char)s;
    for (int b = 0; b < 8; b++)
        key[5 + b] = (unsigned char)((uint64_t)page >> (8 * b));
    for (int b = 0; b < 4; b++)
        key[13 + b] = (unsigned char)((unsigned)i >> (8 * b));
}

static const char *const logs[STREAMS] = {"audit", "receipt", "ttp-url"};

/* Child: commits 1-3 pages per transaction forever, reporting each page
 * after its transaction committed. Never returns. */
static void child(const char *path, int wfd, uint64_t seed)
{
    static char raw[MAX_PAGE_EVENTS][320];
    struct mcl_store_event ev[MAX_PAGE_EVENTS];
    struct mcl_store *st = NULL;
    int64_t sid[STREAMS];
    struct report rep[3];
    if (mcl_store_open(path, 0, &st))
        _exit(2);
    for (int s = 0; s < STREAMS; s++)
        if (mcl_store_stream_id(st, "crash", logs[s], &sid[s]))
            _exit(2);
    for (int commits = 0; commits < CHILD_MAX_COMMITS; commits++) {
        int group = 1 + (int)(splitmix(&seed) % 3);
        if (mcl_store_begin(st))
            _exit(2);
        for (int g = 0; g < group; g++) {
            int s = (int)(splitmix(&seed) % STREAMS);
            struct mcl_checkpoint cp;
            mcl_checkpoint_init(&cp);
            /* Reads its own transaction's earlier pages: same handle. */
            if (mcl_store_checkpoint_load(st, sid[s], &cp))
                _exit(2);
            int64_t page = cp.pages + 1;
            int n = page_events(s, page);
            for (int i = 0; i < n; i++) {
                memset(&ev[i], 0, sizeof ev[i]);
                int len = snprintf(raw[i], sizeof raw[i],
                                   "{\"stream\":%d,\"page\":%" PRId64 ",\"i\":%d,"
                                   "\"pad\":\"%0200d\"}", s, page, i, i);
                make_key(s, page, i, ev[i].key);
                ev[i].event_time = page * 1000 + i;
                ev[i].raw = raw[i];
                ev[i].raw_len = (size_t)len;
            }
            mcl_checkpoint_fini(&cp);
            cp.has_window = true;
            cp.window_to = 1;
            cp.pages = page;
            if (mcl_store_apply_page(st, sid[s], ev, (size_t)n, &cp, page, NULL))
                _exit(2);
            rep[g] = (struct report){s, 0, page};
        }
        if (mcl_store_commit(st))
            _exit(2);
        for (int g = 0; g < group; g++)
            if (write(wfd, &rep[g], sizeof rep[g]) != (ssize_t)sizeof rep[g])
                _exit(2);
    }
    _exit(3);
}

struct seen {
    int present[STREAMS][MAX_PAGES + 2];
    bool bad_key;
};

static int mark(const struct mcl_query_row *r, void *arg)
{
    struct seen *sn = arg;
    int s = r->key[4];
    int64_t page = 0;
    for (int b = 0; b < 8; b++)
        page |= (int64_t)r->key[5 + b] << (8 * b);
    if (memcmp(r->key, "CRSH", 4) || s >= STREAMS || page < 1 || page > MAX_PAGES) {
        sn->bad_key = true;
        return 1;
    }
    sn->present[s][page]++;
    return 0;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Reads `n` reports, lets the child run on for a random while so the kill
 * lands anywhere in its commit cycle (a busy wait: it only spreads the kill
 * point, nothing depends on it), kills it, drains what it reported before
 * dying. */
static void run_round(const char *path, uint64_t *seed, int64_t reported[STREAMS])
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    uint64_t child_seed = splitmix(seed);
    int n = 1 + (int)(splitmix(seed) % 40);
    int64_t delay = (int64_t)(splitmix(seed) % MAX_DELAY_US);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child(path, fds[1], child_seed);
    }
    close(fds[1]);
    struct report r;
    int got = 0;
    ssize_t k;
    while ((k = read(fds[0], &r, sizeof r)) == (ssize_t)sizeof r) {
        if (r.stream >= 0 && r.stream < STREAMS && r.page > reported[r.stream])
            reported[r.stream] = r.page;
        if (++got == n) {
            int64_t until = mono_us() + delay;
            while (mono_us() < until)
                ;
            assert_int_equal(kill(pid, SIGKILL), 0);
        }
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    if (!WIFSIGNALED(status))
        fail_msg("child ended on its own (status %d) after %d reports", status, got);
    assert_int_equal(WTERMSIG(status), SIGKILL);
    assert_true(got >= n);
}

static void verify(const char *path, const int64_t reported[STREAMS])
{
    struct mcl_store *st = NULL;
    struct seen *sn = calloc(1, sizeof *sn);
    assert_non_null(sn);
    assert_int_equal(mcl_store_open(path, 0, &st), MCL_OK);
    assert_int_equal(mcl_store_read_after(st, 0, 0, mark, sn), MCL_OK);
    assert_false(sn->bad_key);
    struct mcl_stream_status_list l;
    assert_int_equal(mcl_store_status_list(st, &l), MCL_OK);
    assert_int_equal(l.n, STREAMS);
    for (size_t j = 0; j < l.n; j++) {
        int s = 0;
        while (s < STREAMS && strcmp(l.v[j].log, logs[s]))
            s++;
        assert_true(s < STREAMS);
        int64_t pages = l.v[j].cp.pages, events = 0;
        /* Everything the child saw committed survived the kill. */
        assert_true(pages >= reported[s]);
        assert_true(pages < MAX_PAGES);
        for (int64_t p = 1; p <= MAX_PAGES; p++) {
            int want = p <= pages ? page_events(s, p) : 0;
            if (sn->present[s][p] != want)
                fail_msg("stream %d page %" PRId64 ": %d of %d events present, checkpoint at "
                         "page %" PRId64, s, p, sn->present[s][p], want, pages);
            events += want;
        }
        assert_int_equal(l.v[j].events, events);
    }
    mcl_stream_status_list_fini(&l);
    mcl_store_close(st);
    free(sn);
}

static int setup(void **state)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/mcl-store-crash-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    *state = dir;
    return 0;
}

/* Runs even when the test failed. */
static int teardown(void **state)
{
    const char *dir = *state;
    char p[512];
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    return rmdir(dir);
}

static void t_kill_9_never_half_commits(void **state)
{
    const char *dir = *state;
    char path[128];
    uint64_t seed;
    int64_t reported[STREAMS] = {0};
    const char *env = getenv("MCL_TEST_SEED");
    if (env)
        seed = strtoull(env, NULL, 10);
    else
        assert_int_equal(mcl_random_bytes(&seed, sizeof seed), MCL_OK);
    print_message("MCL_TEST_SEED=%" PRIu64 "\n", seed);
    snprintf(path, sizeof path, "%s/store.db", dir);
    for (int round = 0; round < ROUNDS; round++) {
        run_round(path, &seed, reported);
        verify(path, reported);
    }
    print_message("pages committed: %" PRId64 " %" PRId64 " %" PRId64 "\n", reported[0],
                  reported[1], reported[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_kill_9_never_half_commits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
