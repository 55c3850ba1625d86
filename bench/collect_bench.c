/* collect_bench -- `mclog once` into an empty store, beside a fetch-only
 * baseline measured in the same run (bench/README.md).
 *
 *   collect_bench [EVENTS] [PAGE_SIZE]      defaults 1000000 and 500
 *
 * mcsim serves about EVENTS events spread evenly over the six log types in a
 * closed one-day window (--start/--end: the population cannot change during
 * the run). Then:
 *   1. baseline: this process walks every page of the six endpoints with
 *      libcurl over one keep-alive connection and discards the bodies
 *      (the cheapest possible client: no JSON parsing, no storage);
 *   2. `mclog once` with page_size PAGE_SIZE into an empty store.
 * It prints events/s, CPU seconds per million events, peak RSS, and the time
 * ratio to the baseline; mcsim's own CPU time is shown for both, since it
 * shares the machine.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testhttp.h"
#include "testproc.h"

#if !defined(MCSIM_PATH) || !defined(MCLOG_PATH)
#error "MCSIM_PATH and MCLOG_PATH must be defined by the build"
#endif

static const char *const logs[6] = {"audit", "dlp", "rejection", "ttp_url", "ttp_impersonation",
                                    "ttp_attachment"};
static const char *const paths[6] = {"/api/audit/get-audit-events", "/api/dlp/get-logs",
                                     "/api/gateway/get-rejections", "/api/ttp/url/get-logs",
                                     "/api/ttp/impersonation/get-logs",
                                     "/api/ttp/attachment/get-logs"};
/* Each endpoint's own window field names and the filters mclog sends. */
static const struct {
    const char *from, *to, *extra;
} filters[6] = {
    {"startDateTime", "endDateTime", ""},
    {"from", "to", ",\"oldestFirst\":true"},
    {"start", "end", ",\"admin\":true"},
    {"from", "to", ",\"oldestFirst\":true,\"route\":\"all\",\"scanResult\":\"all\""},
    {"from", "to", ",\"oldestFirst\":true"},
    {"from", "to", ",\"oldestFirst\":true,\"route\":\"all\",\"result\":\"all\""},
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double sim_cpu(pid_t pid)
{
    double u = 0, s = 0;
    if (tp_cpu_seconds(pid, &u, &s))
        fprintf(stderr, "collect_bench: cannot read mcsim's CPU time\n");
    return u + s;
}

static int head_string(const char *head, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = head ? strstr(head, pat) : NULL;
    if (!p)
        return -1;
    p += strlen(pat);
    const char *e = strchr(p, '"');
    if (!e || (size_t)(e - p) >= cap)
        return -1;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return 0;
}

/* Walks every page of the six endpoints; returns pages walked or -1. */
static long fetch_only(const char *base, long page_size, const char *from, const char *to,
                       unsigned long long *bytes)
{
    struct th_client *c = th_client_create();
    char url[256], tok[256], authz[320], body[1024], next[256], filt[512];
    const char *hdrs[] = {"Content-Type: application/json", authz, NULL};
    long pages = -1;
    struct th_response rs;
    snprintf(url, sizeof url, "%s/oauth/token", base);
    if (!c || th_post(c, url, "application/x-www-form-urlencoded",
                      "client_id=demo-client-id&client_secret=demo-client-secret&"
                      "grant_type=client_credentials",
                      NULL, &rs) != 0 ||
        rs.status != 200 || head_string(rs.body, "access_token", tok, sizeof tok)) {
        fprintf(stderr, "collect_bench: no token for the baseline\n");
        goto out;
    }
    th_response_free(&rs);
    snprintf(authz, sizeof authz, "Authorization: Bearer %s", tok);
    pages = 0;
    for (int l = 0; l < 6; l++) {
        snprintf(url, sizeof url, "%s%s", base, paths[l]);
        snprintf(filt, sizeof filt, "\"%s\":\"%s\",\"%s\":\"%s\"%s", filters[l].from, from,
                 filters[l].to, to, filters[l].extra);
        next[0] = '\0';
        do {
            if (next[0])
                snprintf(body, sizeof body,
                         "{\"meta\":{\"pagination\":{\"pageSize\":%ld,\"pageToken\":\"%s\"}},"
                         "\"data\":[{%s}]}",
                         page_size, next, filt);
            else
                snprintf(body, sizeof body, "{\"meta\":{\"pagination\":{\"pageSize\":%ld}},"
                                            "\"data\":[{%s}]}",
                         page_size, filt);
            struct th_request rq = {.method = "POST", .url = url, .headers = hdrs, .body = body,
                                    .flags = TH_DISCARD_BODY, .keep_head = 512,
                                    .timeout_ms = 120000};
            if (th_request(c, &rq, &rs) != 0 || rs.status != 200) {
                fprintf(stderr, "collect_bench: baseline page failed (%ld)\n", rs.status);
                th_response_free(&rs);
                pages = -1;
                goto out;
            }
            pages++;
            *bytes += rs.bytes;
            if (head_string(rs.body, "next", next, sizeof next))
                next[0] = '\0';
            th_response_free(&rs);
        } while (next[0]);
    }
out:
    th_client_destroy(c);
    return pages;
}

static long long sim_total(const char *base, long long from, long long to)
{
    struct th_client *c = th_client_create();
    char url[256];
    struct th_response rs;
    long long total = -1;
    snprintf(url, sizeof url, "%s/_sim/stats?from=%lld&to=%lld", base, from, to);
    if (c && th_get(c, url, &rs) == 0 && rs.status == 200) {
        total = 0;
        for (int l = 0; l < 6; l++) {
            char pat[64];
            snprintf(pat, sizeof pat, "\"%s\":", logs[l]);
            const char *p = strstr(rs.body, pat);
            total += p ? strtoll(p + strlen(pat), NULL, 10) : 0;
        }
    }
    th_response_free(&rs);
    th_client_destroy(c);
    return total;
}

int main(int argc, char **argv)
{
    long long want = argc > 1 ? strtoll(argv[1], NULL, 10) : 1000000;
    long page_size = argc > 2 ? strtol(argv[2], NULL, 10) : 500;
    if (want < 6000 || page_size < 1 || page_size > 500 || argc > 3) {
        fprintf(stderr, "usage: collect_bench [EVENTS >= 6000] [PAGE_SIZE 1..500]\n");
        return 2;
    }
    int rc = 1;
    time_t now = time(NULL);
    time_t start = (now - 2 * 86400) / 3600 * 3600, end = start + 86400 - 1;
    char start_s[32], end_s[32], rate[64], line[256], base[64], from[40], to[40];
    char dir[] = "/tmp/collect-bench-XXXXXX";
    snprintf(start_s, sizeof start_s, "%lld", (long long)start);
    snprintf(end_s, sizeof end_s, "%lld", (long long)end);
    snprintf(rate, sizeof rate, "all=%.6f", (double)want / 6.0 / 86400.0);
    /* the same window mclog will use: its lookback reaches past the data */
    time_t wf = now - 3 * 86400;
    strftime(from, sizeof from, "%Y-%m-%dT%H:%M:%S+0000", gmtime_r(&wf, &(struct tm){0}));
    strftime(to, sizeof to, "%Y-%m-%dT%H:%M:%S+0000", gmtime_r(&now, &(struct tm){0}));
    const char *argv_sim[] = {MCSIM_PATH, "--port", "0", "--seed", "7", "--start", start_s,
                              "--end", end_s, "--rate", rate, NULL};
    struct tp_proc sim;
    unsigned port;
    if (!mkdtemp(dir) || tp_spawn(&sim, argv_sim, NULL, 0) ||
        tp_read_line(&sim, line, sizeof line, 10000) ||
        sscanf(line, "mcsim listening on 127.0.0.1:%u", &port) != 1) {
        fprintf(stderr, "collect_bench: cannot start mcsim\n");
        return 1;
    }
    snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
    long long total = sim_total(base, start, end + 1);

    /* 1. fetch-only baseline */
    unsigned long long bytes = 0;
    double s0 = sim_cpu(tp_pid(&sim)), t0 = mono();
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    long pages = fetch_only(base, page_size, from, to, &bytes);
    double base_wall = mono() - t0, base_sim = sim_cpu(tp_pid(&sim)) - s0;
    getrusage(RUSAGE_SELF, &ru1);
    double base_cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                      (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                      (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                      (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    if (pages < 0)
        goto out;

    /* 2. mclog once into an empty store */
    char cfg[300], db[300];
    snprintf(cfg, sizeof cfg, "%s/mclog.yaml", dir);
    snprintf(db, sizeof db, "%s/mclog.db", dir);
    FILE *f = fopen(cfg, "w");
    if (!f)
        goto out;
    fprintf(f,
            "store: { path: %s }\n"
            "log: { level: warn }\n"
            "accounts:\n"
            "  - name: demo\n"
            "    base_url: %s\n"
            "    client_id: demo-client-id\n"
            "    client_secret: demo-client-secret\n"
            "    lookback: 3d\n"
            "    page_size: %ld\n",
            db, base, page_size);
    fclose(f);
    s0 = sim_cpu(tp_pid(&sim));
    t0 = mono();
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(MCLOG_PATH, MCLOG_PATH, "once", "-c", cfg, (char *)NULL);
        _exit(127);
    }
    int ws;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &ws, 0, &ru) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        fprintf(stderr, "collect_bench: mclog once failed\n");
        goto out;
    }
    double wall = mono() - t0, simcpu = sim_cpu(tp_pid(&sim)) - s0;
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    struct stat st;
    long long dbsize = stat(db, &st) == 0 ? (long long)st.st_size : -1;

    printf("collect_bench: %lld events over six log types, pages of %ld, one account, 2 cores\n\n",
           total, page_size);
    printf("%-44s %14s %14s\n", "", "mclog once", "fetch-only");
    printf("%-44s %14.2f %14.2f\n", "wall seconds", wall, base_wall);
    printf("%-44s %14.0f %14.0f\n", "events/s", total / wall, total / base_wall);
    printf("%-44s %14.2f %14.2f\n", "client CPU seconds per million events", cpu * 1e6 / total,
           base_cpu * 1e6 / total);
    printf("%-44s %14.2f %14.2f\n", "mcsim CPU seconds per million events", simcpu * 1e6 / total,
           base_sim * 1e6 / total);
    printf("%-44s %14.1f %14s\n", "client peak RSS (MiB)", ru.ru_maxrss / 1024.0, "-");
    printf("%-44s %14s %14ld\n", "pages", "-", pages);
    printf("%-44s %14.1f %14s\n", "store size (MiB)", dbsize / 1048576.0, "-");
    printf("\nmclog once takes %.2fx the fetch-only time (target <= 3x); %s 100,000 events/s; "
           "peak RSS %s 64 MiB\n",
           wall / base_wall, total / wall >= 100000 ? "meets" : "BELOW",
           ru.ru_maxrss / 1024.0 < 64 ? "under" : "OVER");
    rc = 0;
out:
    tp_stop(&sim, 10000, NULL);
    tp_close(&sim);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "collect_bench: could not remove %s\n", dir);
    return rc;
}
