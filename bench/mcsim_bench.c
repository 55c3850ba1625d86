/* mcsim_bench -- how fast mcsim serves TTP URL pages, beside what loopback
 * HTTP alone costs, measured in the same run (bench/README.md).
 *
 *   mcsim_bench [RECORDS] [PAGE_SIZE]      defaults 2000000 and 500
 *
 * Starts mcsim (the build's own binary) with a TTP URL population of about
 * RECORDS events in a fixed one-day window, walks every page oldest first over
 * one keep-alive libcurl connection (bodies discarded except their head, where
 * meta.pagination.next lives), and reports wall time, mcsim CPU time (from
 * /proc/<pid>/stat) and throughput.  Then, on the same connection and the same
 * number of requests: a static body of the average page size
 * (/_sim/blob, no record generation) and a tiny answer (/_sim/ping).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "testhttp.h"
#include "testproc.h"

#ifndef MCSIM_PATH
#error "MCSIM_PATH must be defined by the build"
#endif

struct run {
    long requests;
    long long records;
    unsigned long long bytes;
    double wall;
    double cpu_user, cpu_sys;
};

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cpu(pid_t pid, double *u, double *s)
{
    int rc = tp_cpu_seconds(pid, u, s);

    if (rc)
        fprintf(stderr, "mcsim_bench: cannot read /proc/%d/stat: %s\n", (int)pid, strerror(-rc));
    return rc;
}

/* Copy the value of "key":"…" found in head into out. */
static int json_head_string(const char *head, const char *key, char *out, size_t cap)
{
    char pat[64];
    const char *p, *e;

    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    p = head ? strstr(head, pat) : NULL;
    if (!p)
        return -1;
    p += strlen(pat);
    e = strchr(p, '"');
    if (!e || (size_t)(e - p) >= cap)
        return -1;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return 0;
}

static long long json_head_int(const char *head, const char *key)
{
    char pat[64];
    const char *p;

    snprintf(pat, sizeof(pat), "\"%s\":", key);
    p = head ? strstr(head, pat) : NULL;
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static void print_run(const char *title, const struct run *r, bool with_records)
{
    double cpu_s = r->cpu_user + r->cpu_sys;

    printf("%s\n", title);
    printf("  requests                      %ld\n", r->requests);
    if (with_records)
        printf("  records served                %lld\n", r->records);
    printf("  wall seconds                  %.3f\n", r->wall);
    if (with_records)
        printf("  records/s (wall)              %.0f\n", r->records / r->wall);
    printf("  requests/s (wall)             %.0f\n", r->requests / r->wall);
    printf("  mcsim CPU seconds             %.3f (user %.3f, sys %.3f)\n", cpu_s, r->cpu_user,
           r->cpu_sys);
    if (with_records && cpu_s > 0)
        printf("  records per mcsim CPU-second  %.0f\n", r->records / cpu_s);
    if (cpu_s > 0)
        printf("  requests per mcsim CPU-second %.0f\n", r->requests / cpu_s);
    printf("  bytes/s (wall)                %.1f MB/s (%.1f KiB per answer)\n",
           r->bytes / r->wall / 1e6, r->bytes / 1024.0 / (r->requests ? r->requests : 1));
}

/* GET path `n` times on the same connection, bodies discarded. */
static int baseline(struct th_client *c, const char *base, const char *path, long n, pid_t pid,
                    struct run *r)
{
    char url[256];
    double u0, s0, t0;
    int rc = 0;

    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "%s%s", base, path);
    if ((rc = cpu(pid, &u0, &s0)))
        return rc;
    t0 = mono();
    for (long k = 0; k < n; k++) {
        struct th_request rq = {.method = "GET", .url = url, .flags = TH_DISCARD_BODY};
        struct th_response rs;
        rc = th_request(c, &rq, &rs);
        if (rc || rs.status != 200) {
            fprintf(stderr, "mcsim_bench: GET %s failed (rc %d, status %ld)\n", path, rc,
                    rs.status);
            th_response_free(&rs);
            return -EIO;
        }
        r->bytes += rs.bytes;
        th_response_free(&rs);
    }
    r->wall = mono() - t0;
    r->requests = n;
    if ((rc = cpu(pid, &r->cpu_user, &r->cpu_sys)))
        return rc;
    r->cpu_user -= u0;
    r->cpu_sys -= s0;
    return 0;
}

static int parse_num(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    long long want = 2000000, page_size = 500, total = -1;
    char rate[64], start_s[32], ps_s[32], line[256], base[64], url[256], tok[256], authz[320];
    char body[512], next[128] = "", from[40], to[40], path[96];
    const char *argv_sim[] = {MCSIM_PATH, "--port", "0", "--seed", "1", "--start", start_s,
                              "--rate", rate, "--max-page-size", ps_s, NULL};
    const char *hdrs[] = {"Content-Type: application/json", authz, NULL};
    struct th_client *c = NULL;
    struct tp_proc p;
    struct run walk, blob, ping;
    time_t start;
    unsigned port;
    double u0, s0, t0;
    int rc = 1, st = 0, spawned = 0;

    if ((argc > 1 && parse_num(argv[1], 1000, 1000000000LL, &want)) ||
        (argc > 2 && parse_num(argv[2], 1, 100000, &page_size)) || argc > 3) {
        fprintf(stderr, "usage: mcsim_bench [RECORDS >= 1000] [PAGE_SIZE]\n");
        return 2;
    }
    /* a closed one-day window, two days back: the population cannot change */
    start = (time(NULL) - 2 * 86400) / 3600 * 3600;
    snprintf(start_s, sizeof(start_s), "%lld", (long long)start);
    snprintf(rate, sizeof(rate), "ttp_url=%.6f", (double)want / 86400.0);
    snprintf(ps_s, sizeof(ps_s), "%lld", page_size);
    strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%S+0000", gmtime_r(&start, &(struct tm){0}));
    {
        time_t end = start + 86400 - 1;
        strftime(to, sizeof(to), "%Y-%m-%dT%H:%M:%S+0000", gmtime_r(&end, &(struct tm){0}));
    }

    if (tp_spawn(&p, argv_sim, NULL, 0) != 0) {
        fprintf(stderr, "mcsim_bench: cannot start %s\n", MCSIM_PATH);
        return 1;
    }
    spawned = 1;
    if (tp_read_line(&p, line, sizeof(line), 10000) != 0 ||
        sscanf(line, "mcsim listening on 127.0.0.1:%u", &port) != 1) {
        fprintf(stderr, "mcsim_bench: mcsim did not start\n");
        goto out;
    }
    snprintf(base, sizeof(base), "http://127.0.0.1:%u", port);
    c = th_client_create();

    /* token */
    {
        struct th_response rs;
        snprintf(url, sizeof(url), "%s/oauth/token", base);
        if (th_post(c, url, "application/x-www-form-urlencoded",
                    "client_id=demo-client-id&client_secret=demo-client-secret&"
                    "grant_type=client_credentials",
                    NULL, &rs) != 0 ||
            rs.status != 200 || json_head_string(rs.body, "access_token", tok, sizeof(tok))) {
            fprintf(stderr, "mcsim_bench: no token\n");
            th_response_free(&rs);
            goto out;
        }
        th_response_free(&rs);
        snprintf(authz, sizeof(authz), "Authorization: Bearer %s", tok);
    }

    /* the walk */
    memset(&walk, 0, sizeof(walk));
    snprintf(url, sizeof(url), "%s/api/ttp/url/get-logs", base);
    if (cpu(tp_pid(&p), &u0, &s0))
        goto out;
    t0 = mono();
    for (;;) {
        struct th_request rq = {.method = "POST", .url = url, .headers = hdrs, .body = body,
                                .flags = TH_DISCARD_BODY, .keep_head = 512,
                                .timeout_ms = 120000};
        struct th_response rs;
        int n;

        if (next[0])
            n = snprintf(body, sizeof(body),
                         "{\"meta\":{\"pagination\":{\"pageSize\":%lld,\"pageToken\":\"%s\"}},"
                         "\"data\":[{\"from\":\"%s\",\"to\":\"%s\",\"oldestFirst\":true}]}",
                         page_size, next, from, to);
        else
            n = snprintf(body, sizeof(body),
                         "{\"meta\":{\"pagination\":{\"pageSize\":%lld}},"
                         "\"data\":[{\"from\":\"%s\",\"to\":\"%s\",\"oldestFirst\":true}]}",
                         page_size, from, to);
        if (n < 0 || (size_t)n >= sizeof(body))
            goto out;
        if (th_request(c, &rq, &rs) != 0 || rs.status != 200) {
            fprintf(stderr, "mcsim_bench: page %ld failed (status %ld, curl %d)\n", walk.requests,
                    rs.status, rs.curl_code);
            th_response_free(&rs);
            goto out;
        }
        walk.requests++;
        walk.bytes += rs.bytes;
        if (total < 0)
            total = json_head_int(rs.body, "totalCount");
        if (json_head_string(rs.body, "next", next, sizeof(next)) != 0)
            next[0] = '\0';
        th_response_free(&rs);
        if (!next[0])
            break;
    }
    walk.wall = mono() - t0;
    if (cpu(tp_pid(&p), &walk.cpu_user, &walk.cpu_sys))
        goto out;
    walk.cpu_user -= u0;
    walk.cpu_sys -= s0;
    walk.records = total;
    if (total <= 0 || walk.requests != (total + page_size - 1) / page_size) {
        fprintf(stderr, "mcsim_bench: %ld pages for %lld records: paging is broken\n",
                walk.requests, total);
        goto out;
    }

    snprintf(path, sizeof(path), "/_sim/blob?bytes=%llu", walk.bytes / (unsigned long long)walk.requests);
    if (baseline(c, base, path, walk.requests, tp_pid(&p), &blob) ||
        baseline(c, base, "/_sim/ping", walk.requests, tp_pid(&p), &ping))
        goto out;

    printf("mcsim_bench: TTP URL, %lld records in pages of %lld, oldest first, one keep-alive "
           "connection (%ld opened in total)\n\n",
           total, page_size, th_connects(c));
    print_run("walk /api/ttp/url/get-logs (records generated and rendered per request)", &walk,
              true);
    printf("\n");
    print_run("baseline: GET /_sim/blob, a static body of the average page size", &blob, false);
    printf("\n");
    print_run("baseline: GET /_sim/ping, a 14-byte answer (loopback HTTP round trip)", &ping,
              false);
    {
        double gen = (walk.cpu_user + walk.cpu_sys) - (blob.cpu_user + blob.cpu_sys);
        if (gen > 0)
            printf("\nrecord generation alone (walk CPU - blob CPU): %.0f records per CPU-second\n",
                   total / gen);
    }
    rc = 0;
out:
    th_client_destroy(c);
    if (spawned) {
        if (tp_stop(&p, 30000, &st) != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "mcsim_bench: mcsim did not exit cleanly\n");
            rc = 1;
        }
        tp_close(&p);
    }
    return rc;
}
