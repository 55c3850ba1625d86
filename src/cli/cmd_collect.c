/* mclog run / mclog once: collection from the command line. Both take the
 * store's lock file so that two collectors never write one store. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "engine/engine.h"
#include "net/http.h"
#include "sources/collector.h"
#include "store/store.h"

#define MAINTAIN_EVERY_MS (3600 * 1000)

void mcl_cli_run_usage(FILE *out)
{
    fprintf(out, "usage: mclog run -c FILE\n\n"
                 "Runs the daemon: polls every configured account and log type at its interval and\n"
                 "stores each event once. SIGTERM or SIGINT stop it gracefully: pages in flight are\n"
                 "simply fetched again at the next start, nothing is lost or duplicated.\n\n"
                 "  -c, --config FILE   configuration file (default: $MCLOG_CONFIG)\n");
}

void mcl_cli_once_usage(FILE *out)
{
    fprintf(out, "usage: mclog once -c FILE [--max-retries N]\n\n"
                 "Brings every configured stream up to now, then exits: 0 when every stream\n"
                 "succeeded, 1 otherwise. On a terminal it shows live progress per stream; otherwise\n"
                 "it writes structured logs.\n\n"
                 "  -c, --config FILE    configuration file (default: $MCLOG_CONFIG)\n"
                 "      --max-retries N  give a stream up after N transient failures in a row (default 8)\n");
}

/* An advisory lock next to the store: two collectors on one store would
 * fight over its checkpoints. The kernel drops it if we die. */
static int lock_store(const char *store_path, int *fd_out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.lock", store_path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "mclog: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        fprintf(stderr, "mclog: another mclog (pid %s) is already collecting into %s; stop it first\n",
                pid[0] ? pid : "?", store_path);
        close(fd);
        return 1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)len, 0) < 0)
        MCL_WARN(NULL, NULL, "cannot write the pid to %s", path);
    *fd_out = fd;
    return 0;
}

static void draw_progress(struct mcl_collector *c, int64_t started, size_t *drawn)
{
    size_t n = mcl_collector_stream_count(c);
    if (*drawn)
        fprintf(stderr, "\033[%zuA", *drawn);
    double secs = (double)(mcl_time_mono_ms() - started) / 1000.0;
    fprintf(stderr, "\033[2K%-16s %-18s %-9s %6s %-20s %10s %10s %9s\n", "ACCOUNT", "LOG", "STATE",
            "DONE", "REACHED", "EVENTS", "DUPS", "EVENTS/S");
    for (size_t i = 0; i < n; i++) {
        struct mcl_stream_snapshot s;
        mcl_collector_snapshot(c, i, &s);
        char reached[MCL_TIME_TEXT_MAX] = "-", pct[16] = "-";
        int64_t at = s.has_window ? s.covered : s.covered_to;
        mcl_cli_format_time(at, reached);
        if (s.finished && s.state == MCL_STREAM_OK) {
            snprintf(pct, sizeof pct, "100%%");
        } else if (s.has_window && s.window_to > s.window_from) {
            double span = (double)(s.window_to - s.window_from);
            double got = s.covered >= s.window_to ? span : (double)(s.covered - s.window_from);
            /* Newest-first endpoints reach backwards from the window's end. */
            if (s.covered < s.window_from || got < 0)
                got = 0;
            snprintf(pct, sizeof pct, "%3.0f%%", 100.0 * got / span);
        }
        const char *state = mcl_stream_state_name(s.state);
        if (s.finished && s.state == MCL_STREAM_OK)
            state = "done";
        fprintf(stderr, "\033[2K%-16.16s %-18s %-9s %6s %-20s %10lld %10lld %9.0f\n", s.account,
                s.log, state, pct, reached, (long long)s.events_new, (long long)s.events_dup,
                secs > 0 ? (double)s.events_new / secs : 0.0);
        if (s.last_error[0] && s.state != MCL_STREAM_OK)
            fprintf(stderr, "\033[2K    %.150s\n", s.last_error);
        else
            fprintf(stderr, "\033[2K\n");
    }
    *drawn = 1 + 2 * n;
}

static int summary(struct mcl_collector *c, bool once)
{
    size_t n = mcl_collector_stream_count(c);
    int failed = 0;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        struct mcl_stream_snapshot s;
        mcl_collector_snapshot(c, i, &s);
        total += s.events_new;
        bool ok = s.state == MCL_STREAM_OK && (!once || s.finished);
        if (!ok && s.state != MCL_STREAM_IDLE)
            failed++;
        else if (!ok && once)
            failed++;
        char to[MCL_TIME_TEXT_MAX];
        mcl_cli_format_time(s.covered_to, to);
        printf("%-16s %-18s %-9s %8lld new %8lld duplicates  complete up to %s%s%s\n", s.account,
               s.log, ok ? "ok" : mcl_stream_state_name(s.state), (long long)s.events_new,
               (long long)s.events_dup, to, s.last_error[0] && !ok ? "\n    " : "",
               s.last_error[0] && !ok ? s.last_error : "");
    }
    printf("%lld new events; %d of %zu streams %s\n", (long long)total, failed, n,
           failed ? "failed" : "failed (all good)");
    return failed;
}

static int collect(int argc, char **argv, bool once)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"max-retries", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    const char *given = NULL;
    struct mcl_collector_opts opts = {.once = once, .once_max_retries = 8};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
        if (ch == 'c') {
            given = optarg;
        } else if (ch == 'r' && once) {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 1000000) {
                fprintf(stderr, "mclog once: --max-retries wants a number, got '%s'\n", optarg);
                return 2;
            }
            opts.once_max_retries = (int)v;
        } else {
            (once ? mcl_cli_once_usage : mcl_cli_run_usage)(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        (once ? mcl_cli_once_usage : mcl_cli_run_usage)(stderr);
        return 2;
    }
    struct mcl_config *cfg = NULL;
    int status = mcl_cli_load_config(given, &cfg);
    if (status)
        return status;
    status = 1;
    int lock_fd = -1;
    struct mcl_store *st = NULL;
    struct mcl_collector *c = NULL;
    bool tty = once && isatty(STDERR_FILENO);
    /* Signals are taken synchronously by this thread only (engine.h). */
    mcl_engine_block_signals();
    signal(SIGPIPE, SIG_IGN);
    if (lock_store(cfg->store.path, &lock_fd))
        goto out;
    int rc = mcl_http_global_init();
    if (!rc)
        rc = mcl_store_open(cfg->store.path, 0, &st);
    if (rc) {
        fprintf(stderr, "mclog: cannot open the store %s: %s\n", cfg->store.path, mcl_strerror(rc));
        goto out;
    }
    if (tty && mcl_log_level_get() > MCL_LOG_WARN)
        mcl_log_setup(MCL_LOG_WARN, cfg->log.format, stderr); /* the table says the rest */
    rc = mcl_collector_create(cfg, st, &opts, &c);
    if (rc) {
        fprintf(stderr, "mclog: cannot start collecting: %s\n", mcl_strerror(rc));
        goto out;
    }
    MCL_INFO(NULL, NULL, "mclog %s: %zu streams, store %s", once ? "once" : "run",
             mcl_collector_stream_count(c), cfg->store.path);
    if (!once)
        mcl_collector_maintain(c);
    int64_t started = mcl_time_mono_ms(), last_maint = started;
    if ((rc = mcl_collector_start(c))) {
        fprintf(stderr, "mclog: cannot start the collector threads: %s\n", mcl_strerror(rc));
        goto out;
    }
    size_t drawn = 0;
    bool interrupted = false;
    for (;;) {
        if (once && mcl_collector_wait(c, 0))
            break;
        if (mcl_collector_fatal(c))
            break;
        int sig = mcl_engine_wait_signal(tty ? 500 : 1000);
        if (sig == SIGHUP) {
            MCL_WARN(NULL, NULL, "SIGHUP: reloading is not supported; restart mclog to apply a new configuration");
        } else if (sig) {
            MCL_INFO(NULL, NULL, "signal %d: stopping", sig);
            interrupted = true;
            break;
        }
        if (tty)
            draw_progress(c, started, &drawn);
        if (!once && mcl_time_mono_ms() - last_maint >= MAINTAIN_EVERY_MS) {
            mcl_collector_maintain(c);
            last_maint = mcl_time_mono_ms();
        }
    }
    mcl_collector_stop(c);
    if (tty)
        draw_progress(c, started, &drawn);
    int failed = once ? summary(c, true) : 0;
    status = mcl_collector_fatal(c) || failed || (once && interrupted) ? 1 : 0;
    if (!once)
        MCL_INFO(NULL, NULL, "stopped");
out:
    mcl_collector_destroy(c);
    mcl_store_close(st);
    if (lock_fd >= 0)
        close(lock_fd);
    mcl_config_free(cfg);
    mcl_http_global_cleanup();
    return status;
}

int mcl_cli_run(int argc, char **argv)
{
    return collect(argc, argv, false);
}

int mcl_cli_once(int argc, char **argv)
{
    return collect(argc, argv, true);
}
