/* tests/e2e -- see e2e.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "e2e.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MCLOG_PATH
#error "MCLOG_PATH must be defined by the build"
#endif

void e2e_setup(struct e2e *e, const char *const sim_args[])
{
    memset(e, 0, sizeof *e);
    const char *tmp = getenv("TMPDIR");
    snprintf(e->dir, sizeof e->dir, "%s/mclog-e2e-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->cfg, sizeof e->cfg, "%s/mclog.yaml", e->dir);
    snprintf(e->db, sizeof e->db, "%s/mclog.db", e->dir);
    e->http = th_client_create();
    assert_non_null(e->http);
    st_sim_start(&e->sim, sim_args);
    e->sim_running = true;
}

void e2e_teardown(struct e2e *e)
{
    if (e->sim_running)
        st_sim_stop(&e->sim);
    e->sim_running = false;
    th_client_destroy(e->http);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    if (system(cmd) != 0)
        print_message("could not remove %s\n", e->dir);
}

static char *replace_base(const char *text, const char *base)
{
    size_t cap = strlen(text) * 2 + 1024, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (const char *p = text; *p;) {
        if (!strncmp(p, "%BASE%", 6)) {
            n += (size_t)snprintf(out + n, cap - n, "%s", base);
            p += 6;
        } else {
            out[n++] = *p++;
        }
        assert_true(n < cap - 1);
    }
    out[n] = '\0';
    return out;
}

void e2e_config(struct e2e *e, const char *accounts_yaml, const char *extra_yaml)
{
    char *acc = replace_base(accounts_yaml, e->sim.base);
    FILE *f = fopen(e->cfg, "w");
    assert_non_null(f);
    bool own_log = extra_yaml && strstr(extra_yaml, "log:");
    fprintf(f,
            "store: { path: %s }\n"
            "%s"
            "collector: { retry_initial: 20ms, retry_max: 300ms }\n"
            "%s"
            "accounts:\n%s",
            e->db, own_log ? "" : "log: { level: info }\n", extra_yaml ? extra_yaml : "", acc);
    assert_int_equal(fclose(f), 0);
    free(acc);
}

const char *e2e_demo_v2(void)
{
    return "  - name: demo\n"
           "    api: v2\n"
           "    base_url: %BASE%\n"
           "    client_id: demo-client-id\n"
           "    client_secret: demo-client-secret\n"
           "    lookback: 30d\n"
           "    page_size: 50\n";
}

const char *e2e_demo_v1(void)
{
    return "  - name: demo\n"
           "    api: v1\n"
           "    base_url: %BASE%\n"
           "    app_id: demo-app-id\n"
           "    app_key: demo-app-key\n"
           "    access_key: demo-access-key\n"
           "    secret_key: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"
           "    lookback: 30d\n"
           "    page_size: 50\n";
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct stat st;
    assert_int_equal(fstat(fileno(f), &st), 0);
    char *buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

void e2e_mclog(struct e2e *e, const char *const args[], int timeout_ms, struct e2e_run *r)
{
    char out[400], err[400];
    snprintf(out, sizeof out, "%s/run.out", e->dir);
    snprintf(err, sizeof err, "%s/run.err", e->dir);
    const char *argv[64];
    size_t n = 0;
    argv[n++] = MCLOG_PATH;
    for (const char *const *a = args; *a && n < 60; a++)
        argv[n++] = *a;
    argv[n++] = "-c";
    argv[n++] = e->cfg;
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fi = open("/dev/null", O_RDONLY);
        if (fo < 0 || fe < 0 || fi < 0)
            _exit(127);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    /* Wait for the exit on a pidfd: an event, with a deadline. */
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    assert_true(pfd >= 0);
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    int rc = poll(&p, 1, timeout_ms);
    close(pfd);
    if (rc == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        char *e_text = slurp(err);
        fail_msg("mclog %s did not finish within %d ms; stderr:\n%.3000s", args[0], timeout_ms,
                 e_text);
    }
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    r->out = slurp(out);
    r->err = slurp(err);
}

void e2e_run_free(struct e2e_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

json_t *e2e_status(struct e2e *e)
{
    struct e2e_run r;
    const char *args[] = {"status", "--json", NULL};
    e2e_mclog(e, args, 60000, &r);
    if (r.status != 0)
        fail_msg("mclog status failed (%d): %s", r.status, r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    if (!json_is_array(j))
        fail_msg("mclog status --json printed no JSON array: %s (%.500s)", je.text, r.out);
    e2e_run_free(&r);
    return j;
}

json_t *e2e_status_entry(json_t *status, const char *account, const char *log)
{
    size_t i;
    json_t *v;
    json_array_foreach(status, i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "account")), account) &&
            !strcmp(json_string_value(json_object_get(v, "log")), log))
            return v;
    }
    fail_msg("no status entry for %s/%s", account, log);
    return NULL;
}

static int log_index(const char *log)
{
    for (int i = 0; i < ST_LOGS; i++) {
        if (!strcmp(st_log_names[i], log))
            return i;
    }
    fail_msg("unknown log type %s", log);
    return -1;
}

/* Replaces the record's time field with its instant, so that "Z", "+0000"
 * and "-0400" renderings of one event compare equal. */
static void normalise_times(json_t *records, int li)
{
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        json_t *t = json_object_get(rec, st_log_time_fields[li]);
        if (json_is_string(t)) {
            long long s = st_parse_time(json_string_value(t));
            assert_true(s >= 0);
            json_object_set_new(rec, st_log_time_fields[li], json_integer(s));
        }
    }
}

long e2e_assert_exact(struct e2e *e, const char *account, const char *log)
{
    int li = log_index(log);
    json_t *status = e2e_status(e);
    json_t *ent = e2e_status_entry(status, account, log);
    const char *covered = json_string_value(json_object_get(ent, "covered_to"));
    if (!covered)
        fail_msg("%s/%s has not completed a window (state %s, error %s)", account, log,
                 json_string_value(json_object_get(ent, "state")),
                 json_string_value(json_object_get(ent, "last_error")));
    long long to = st_parse_time(covered);
    assert_true(to > 0);
    long long stored = json_integer_value(json_object_get(ent, "events"));
    json_decref(status);

    /* What mclog stored, as the raw records under "mimecast". */
    struct e2e_run r;
    const char *args[] = {"query", "--account", account, "--log", log, NULL};
    e2e_mclog(e, args, 120000, &r);
    if (r.status != 0)
        fail_msg("mclog query failed (%d): %s", r.status, r.err);
    json_t *got = json_array();
    char *save = NULL;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t je;
        json_t *doc = json_loads(line, 0, &je);
        if (!doc)
            fail_msg("mclog query printed a line that is not JSON (%s): %.200s", je.text, line);
        json_t *raw = json_object_get(doc, "mimecast");
        assert_true(json_is_object(raw));
        json_array_append(got, raw);
        json_decref(doc);
    }
    e2e_run_free(&r);
    json_t *want = st_sim_events(e->http, &e->sim, account, li, 0, to + 1);
    normalise_times(got, li);
    normalise_times(want, li);
    if ((long long)json_array_size(got) != stored)
        fail_msg("%s/%s: status says %lld events, query printed %zu", account, log, stored,
                 json_array_size(got));
    st_assert_same_records(got, want, false);
    long n = (long)json_array_size(want);
    json_decref(got);
    json_decref(want);
    return n;
}

void e2e_assert_all_exact(struct e2e *e, const char *account)
{
    for (int i = 0; i < ST_LOGS; i++) {
        long n = e2e_assert_exact(e, account, st_log_names[i]);
        assert_true(n > 0); /* an empty comparison would prove nothing */
    }
}

long long e2e_sim_counter(struct e2e *e, const char *credential, const char *name)
{
    json_t *c = st_get_json(e->http, &e->sim, "/_sim/counters");
    json_t *cred = NULL, *v;
    size_t i;
    json_array_foreach(json_object_get(c, "credentials"), i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "credential")), credential))
            cred = v;
    }
    if (!cred)
        fail_msg("no counters for credential %s", credential);
    /* "faults.token_expiry" reaches into the nested fault counters. */
    v = !strncmp(name, "faults.", 7) ? json_object_get(json_object_get(cred, "faults"), name + 7)
                                     : json_object_get(cred, name);
    if (!json_is_integer(v))
        fail_msg("no counter %s for %s", name, credential);
    long long out = json_integer_value(v);
    json_decref(c);
    return out;
}
