/* The client and logdef against mcsim, our independent Mimecast simulator:
 * every log type paged to the end and counted against /_sim/stats (API 2.0
 * and 1.0 signatures), the same under injected faults (5xx, truncation,
 * invalid JSON, fail[] in 200, short and empty pages, repeated boundaries,
 * token expiry, resets, a stale page token), rate-limit headers in each
 * Reset style and spelling, and the permission / binding / region errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "mimecast/client.h"
#include "net/http.h"
#include "sources/logdef.h"
#include "testproc.h"

#define MAX_ARGS 32
#define SECRET_KEY_B64 "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

struct sim {
    struct tp_proc p;
    int port;
    char base[64];
    int64_t now_s; /* the simulator's clock at start */
};

/* Simulators still running when an assertion jumps out of a test; the group
 * teardown stops them. */
static struct sim *running[4];

static void sim_start(struct sim *s, const char *const *extra)
{
    const char *argv[MAX_ARGS] = {MCSIM_PATH, "--port", "0", "--period", "1d",
                                  "--rate", "all=0.01"};
    size_t n = 7;
    for (size_t i = 0; extra && extra[i] && n < MAX_ARGS - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    char line[256];
    assert_int_equal(tp_spawn(&s->p, argv, NULL, TP_STDERR_NULL), 0);
    assert_int_equal(tp_read_line(&s->p, line, sizeof line, 15000), 0);
    const char *colon = strrchr(line, ':');
    assert_non_null(strstr(line, "mcsim listening on 127.0.0.1:"));
    s->port = (int)strtol(colon + 1, NULL, 10);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    for (size_t i = 0; i < 4; i++) {
        if (!running[i]) {
            running[i] = s;
            break;
        }
    }
}

static void sim_stop(struct sim *s)
{
    int st;
    for (size_t i = 0; i < 4; i++) {
        if (running[i] == s)
            running[i] = NULL;
    }
    tp_stop(&s->p, 20000, &st);
    tp_close(&s->p);
}

static int stop_leftovers(void **state)
{
    for (size_t i = 0; i < 4; i++) {
        if (running[i])
            sim_stop(running[i]);
    }
    return 0;
}

static json_t *sim_get(struct sim *s, struct mcl_http *h, const char *path)
{
    char url[256];
    struct mcl_http_response r;
    json_error_t je;
    snprintf(url, sizeof url, "%s%s", s->base, path);
    struct mcl_http_request rq = {"GET", url, NULL, 0, NULL, 0, false};
    mcl_http_response_init(&r);
    assert_int_equal(mcl_http_request(h, &rq, &r), MCL_OK);
    assert_int_equal(r.status, 200);
    json_t *j = json_loadb(r.body.data, r.body.len, 0, &je);
    assert_non_null(j);
    mcl_http_response_fini(&r);
    return j;
}

struct fx {
    struct sim sim;
    struct mcl_account_cfg cfg;
    struct mcl_mc_account *a;
    struct mcl_http *h;
};

static void fx_up(struct fx *f, enum mcl_api_version api, const char *const *extra)
{
    memset(f, 0, sizeof *f);
    sim_start(&f->sim, extra);
    f->cfg.name = "demo";
    f->cfg.api = api;
    f->cfg.base_url = f->sim.base;
    f->cfg.client_id = "demo-client-id";
    f->cfg.client_secret = "demo-client-secret";
    f->cfg.app_id = "demo-app-id";
    f->cfg.app_key = "demo-app-key";
    f->cfg.access_key = "demo-access-key";
    f->cfg.secret_key = SECRET_KEY_B64;
    struct mcl_http_opts o;
    mcl_mc_http_opts(&f->cfg, NULL, &o);
    o.timeout_ms = 10000;
    assert_int_equal(mcl_http_create(&o, &f->h), MCL_OK);
    assert_int_equal(mcl_mc_account_create(&f->cfg, &f->a), MCL_OK);
    json_t *info = sim_get(&f->sim, f->h, "/_sim/info");
    f->sim.now_s = json_integer_value(json_object_get(info, "now"));
    assert_true(f->sim.now_s > 0);
    json_decref(info);
}

static void fx_down(struct fx *f)
{
    mcl_mc_account_destroy(f->a);
    mcl_http_destroy(f->h);
    sim_stop(&f->sim);
}

/* Events the simulator holds in [from_s, to_s] (its stats are [from, to)). */
static long long sim_count(struct fx *f, const char *log, int64_t from_s, int64_t to_s)
{
    char path[160];
    snprintf(path, sizeof path, "/_sim/stats?from=%lld&to=%lld&log=%s", (long long)from_s,
             (long long)to_s + 1, log);
    json_t *j = sim_get(&f->sim, f->h, path);
    long long n = json_integer_value(json_object_get(json_object_get(json_object_get(j, "accounts"), "demo"), log));
    json_decref(j);
    return n;
}

struct coll {
    size_t records, pages, unique, fallbacks, retries, restarts;
};

static int key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, MCL_SHA256_LEN);
}

/* Pages one window to the end the way the stream engine will: the same
 * filter with each token, retry what is retryable, restart on a stale token. */
static int collect(struct fx *f, enum mcl_logtype t, int64_t from_s, int64_t to_s, bool tolerant,
                   struct coll *c, struct mcl_mc_error *err)
{
    const struct mcl_logdef *d = mcl_logdef_get(t);
    struct mcl_mc_call call = {d->path, d->name, d->permission};
    struct mcl_logdef_ctx ctx;
    struct mcl_buf body;
    unsigned char(*keys)[MCL_SHA256_LEN] = NULL;
    size_t cap = 0;
    char *token = NULL;
    int rc = MCL_OK;
    memset(c, 0, sizeof *c);
    mcl_logdef_ctx_init(&ctx, d, "demo");
    mcl_buf_init(&body, 64 * 1024);
    for (int guard = 0; guard < 5000; guard++) {
        json_t *root = NULL;
        struct mcl_logdef_page p;
        mcl_buf_reset(&body);
        assert_int_equal(mcl_logdef_request(d, from_s * 1000, to_s * 1000, 100, token, &body),
                         MCL_OK);
        rc = mcl_mc_post(f->a, f->h, &call, body.data, body.len, &root, err);
        if (rc) {
            if (tolerant && rc == MCL_ESTALE) {
                c->restarts++;
                free(token);
                token = NULL;
                continue;
            }
            if (tolerant && err->retryable && rc != MCL_ERATELIMIT && c->retries < 1000) {
                c->retries++;
                continue;
            }
            goto out;
        }
        assert_int_equal(mcl_logdef_page_take(d, root, &p), MCL_OK);
        c->pages++;
        for (size_t i = 0; i < p.n_records; i++) {
            struct mcl_logdef_rec r;
            assert_int_equal(mcl_logdef_extract(&ctx, mcl_logdef_page_record(&p, i), to_s * 1000, &r),
                             MCL_OK);
            assert_true(r.event_ms >= from_s * 1000 && r.event_ms <= to_s * 1000 + 999);
            c->fallbacks += r.time_fallback;
            if (c->records == cap) {
                cap = cap ? cap * 2 : 1024;
                keys = realloc(keys, cap * MCL_SHA256_LEN);
                assert_non_null(keys);
            }
            memcpy(keys[c->records++], r.key, MCL_SHA256_LEN);
        }
        bool done = p.done;
        free(token);
        token = done ? NULL : strdup(p.next);
        mcl_logdef_page_fini(&p);
        if (done)
            break;
    }
    if (c->records)
        qsort(keys, c->records, MCL_SHA256_LEN, key_cmp);
    for (size_t i = 0; i < c->records; i++)
        c->unique += i == 0 || memcmp(keys[i], keys[i - 1], MCL_SHA256_LEN) != 0;
out:
    free(token);
    free(keys);
    mcl_buf_fini(&body);
    mcl_logdef_ctx_fini(&ctx);
    return rc;
}

static void every_log(struct fx *f, bool tolerant, const char *label)
{
    int64_t to = f->sim.now_s - 30, from = f->sim.now_s - 2 * 86400;
    for (int t = 0; t < MCL_LOGTYPE_COUNT; t++) {
        struct coll c;
        struct mcl_mc_error err;
        const char *name = mcl_logtype_name((enum mcl_logtype)t);
        int rc = collect(f, (enum mcl_logtype)t, from, to, tolerant, &c, &err);
        if (rc)
            fail_msg("%s %s: %s (%s) %s", label, name, mcl_strerror(rc), err.message, err.advice);
        long long want = sim_count(f, name, from, to);
        printf("%s %-18s %5zu records %4zu unique-dups %3zu pages %3zu retries %zu restarts "
               "(sim: %lld)\n",
               label, name, c.records, c.records - c.unique, c.pages, c.retries, c.restarts, want);
        assert_true(want > 100);
        assert_int_equal((long long)c.unique, want);
        assert_int_equal(c.fallbacks, 0);
        assert_true(c.pages >= 2);
        if (!tolerant)
            assert_int_equal(c.records, c.unique);
    }
}

static void t_v2_every_log_to_the_end(void **state)
{
    struct fx f;
    fx_up(&f, MCL_API_V2, NULL);
    every_log(&f, false, "v2");
    fx_down(&f);
}

static void t_v1_signed_every_log(void **state)
{
    struct fx f;
    const char *extra[] = {"--date-style", "mixed", NULL};
    fx_up(&f, MCL_API_V1, extra);
    every_log(&f, false, "v1");
    fx_down(&f);
}

static void t_faults(void **state)
{
    struct fx f;
    const char *extra[] = {"--seed", "7",
                           "--fault", "http503:0.1",
                           "--fault", "truncate:0.05",
                           "--fault", "invalid_json:0.05",
                           "--fault", "fail200:0.05",
                           "--fault", "short_pages:0.3",
                           "--fault", "empty_last_page",
                           "--fault", "repeat_boundary:0.2",
                           "--fault", "token_expiry@after=3,every=9",
                           "--fault", "reset:0.05",
                           "--fault", "stale_page_token@after=5,count=2",
                           NULL};
    fx_up(&f, MCL_API_V2, extra);
    every_log(&f, true, "faults");
    fx_down(&f);
}

static void t_rate_limit_headers(void **state)
{
    const char *styles[][2] = {{"ms", "X-RateLimit"},
                               {"epoch_s", "X-Rate-Limit"},
                               {"epoch_ms", "X-RateLimit"}};
    for (size_t i = 0; i < 3; i++) {
        struct fx f;
        const char *extra[] = {"--rate-limit", "3:60000", "--reset-style", styles[i][0],
                               "--header-style", styles[i][1], NULL};
        fx_up(&f, MCL_API_V2, extra);
        const struct mcl_logdef *d = mcl_logdef_get(MCL_LOGTYPE_AUDIT);
        struct mcl_mc_call call = {d->path, d->name, d->permission};
        struct mcl_buf body;
        struct mcl_mc_error err;
        mcl_buf_init(&body, 4096);
        mcl_logdef_request(d, (f.sim.now_s - 3600) * 1000, f.sim.now_s * 1000, 10, NULL, &body);
        int rc = MCL_OK, n_ok = 0;
        for (int k = 0; k < 6 && rc == MCL_OK; k++) {
            json_t *out = NULL;
            rc = mcl_mc_post(f.a, f.h, &call, body.data, body.len, &out, &err);
            json_decref(out);
            n_ok += rc == MCL_OK;
        }
        printf("reset style %-8s %-12s: %d accepted, then %s after %lld ms (HTTP %ld)\n",
               styles[i][0], styles[i][1], n_ok, mcl_strerror(rc), (long long)err.retry_after_ms,
               err.http_status);
        assert_int_equal(rc, MCL_ERATELIMIT);
        assert_true(n_ok >= 2 && n_ok <= 3);
        /* the bucket refills one request per 60 s */
        assert_true(err.retry_after_ms >= 30000 && err.retry_after_ms <= 75000);
        /* the next call does not reach the server */
        json_t *out = NULL;
        assert_int_equal(mcl_mc_post(f.a, f.h, &call, body.data, body.len, &out, &err),
                         MCL_ERATELIMIT);
        assert_int_equal(err.http_status, 0);
        mcl_buf_fini(&body);
        fx_down(&f);
    }
}

static void t_refusals(void **state)
{
    struct fx f;
    struct coll c;
    struct mcl_mc_error err;
    int64_t now;
    const char *deny[] = {"--deny", "ttp_url", NULL};
    fx_up(&f, MCL_API_V2, deny);
    now = f.sim.now_s;
    assert_int_equal(collect(&f, MCL_LOGTYPE_TTP_URL, now - 3600, now, false, &c, &err), MCL_EPERM);
    assert_non_null(strstr(err.advice, "Monitoring | URL Protection | Read"));
    assert_int_equal(collect(&f, MCL_LOGTYPE_AUDIT, now - 3600, now, false, &c, &err), MCL_OK);
    fx_down(&f);

    const char *deny200[] = {"--deny", "dlp", "--deny-style", "fail200", NULL};
    fx_up(&f, MCL_API_V2, deny200);
    now = f.sim.now_s;
    assert_int_equal(collect(&f, MCL_LOGTYPE_DLP, now - 3600, now, false, &c, &err), MCL_EPERM);
    assert_non_null(strstr(err.advice, "Monitoring | Data Leak Prevention | Read"));
    fx_down(&f);

    const char *expired[] = {"--binding-expired", NULL};
    fx_up(&f, MCL_API_V1, expired);
    now = f.sim.now_s;
    assert_int_equal(collect(&f, MCL_LOGTYPE_AUDIT, now - 3600, now, false, &c, &err),
                     MCL_EEXPIRED);
    assert_non_null(strstr(err.advice, "Authentication Cache TTL to Never Expire"));
    fx_down(&f);

    const char *region[] = {"--region", "de", NULL};
    fx_up(&f, MCL_API_V1, region);
    now = f.sim.now_s;
    assert_int_equal(collect(&f, MCL_LOGTYPE_AUDIT, now - 3600, now, false, &c, &err), MCL_EREGION);
    assert_non_null(strstr(err.advice, f.sim.base));
    fx_down(&f);

    /* wrong client secret */
    fx_up(&f, MCL_API_V2, NULL);
    mcl_mc_account_destroy(f.a);
    f.cfg.client_secret = "not-the-secret";
    assert_int_equal(mcl_mc_account_create(&f.cfg, &f.a), MCL_OK);
    assert_int_equal(mcl_mc_check_credentials(f.a, f.h, &err), MCL_EAUTH);
    assert_non_null(strstr(err.advice, "client_id/client_secret refused by"));
    fx_down(&f);
}

int main(void)
{
    assert_int_equal(mcl_http_global_init(), MCL_OK);
    mcl_log_setup(MCL_LOG_ERROR, MCL_LOG_TEXT, stderr);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_v2_every_log_to_the_end), cmocka_unit_test(t_v1_signed_every_log),
        cmocka_unit_test(t_faults),                  cmocka_unit_test(t_rate_limit_headers),
        cmocka_unit_test(t_refusals),
    };
    int rc = cmocka_run_group_tests(tests, NULL, stop_leftovers);
    mcl_http_global_cleanup();
    return rc;
}
