/* tests/lib -- child process control (see testproc.h). */
#include "testproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline (-1 = no deadline), never negative. */
static int left_ms(long long deadline)
{
    long long now;

    if (deadline < 0)
        return -1;
    now = mono_ms();
    return now >= deadline ? 0 : (int)(deadline - now);
}

/* environ + extras (extras override same-name entries).  Caller frees the
 * array (not the strings, which are borrowed). */
static char **build_env(const char *const env_extra[])
{
    size_t n = 0, m = 0, k = 0;
    char **env;

    while (environ && environ[n])
        n++;
    while (env_extra && env_extra[m])
        m++;
    env = calloc(n + m + 1, sizeof(*env));
    if (!env)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        int overridden = 0;
        for (size_t j = 0; j < m && !overridden; j++)
            overridden = strncmp(env_extra[j], environ[i], nl) == 0 && env_extra[j][nl] == '=';
        if (!overridden)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        env[k++] = (char *)env_extra[j];
    env[k] = NULL;
    return env;
}

/* Children still running when the test process exits (a failed cmocka
 * assertion skips the test's cleanup) are killed, so nothing outlives the
 * test and keeps CTest waiting on an inherited pipe. */
#define MAX_LIVE 64
static pid_t live[MAX_LIVE];
static int atexit_done;

static void kill_live(void)
{
    for (int k = 0; k < MAX_LIVE; k++) {
        if (live[k] > 0) {
            kill(live[k], SIGKILL);
            waitpid(live[k], NULL, 0);
            live[k] = 0;
        }
    }
}

static void track(pid_t pid, bool add)
{
    for (int k = 0; k < MAX_LIVE; k++) {
        if (add && live[k] == 0) {
            live[k] = pid;
            return;
        }
        if (!add && live[k] == pid) {
            live[k] = 0;
            return;
        }
    }
}

int tp_spawn(struct tp_proc *p, const char *const argv[], const char *const env_extra[],
             int flags)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, devnull = -1, rc = 0;
    pid_t parent = getpid(), pid;
    char **env = NULL;

    memset(p, 0, sizeof(*p));
    p->out_fd = p->err_fd = p->pidfd = -1;
    p->pid = -1;
    if (!atexit_done) {
        atexit(kill_live);
        atexit_done = 1;
    }
    if (pipe2(out, O_CLOEXEC) != 0 || ((flags & TP_STDERR_PIPE) && pipe2(err, O_CLOEXEC) != 0)) {
        rc = -errno;
        goto out;
    }
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    env = build_env(env_extra);
    if (devnull < 0 || !env) {
        rc = devnull < 0 ? -errno : -ENOMEM;
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        rc = -errno;
        goto out;
    }
    if (pid == 0) {
        /* child: async-signal-safe calls only.  Die with the parent. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        if (dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0)
            _exit(127);
        if ((flags & TP_STDERR_PIPE) && dup2(err[1], 2) < 0)
            _exit(127);
        if ((flags & TP_STDERR_NULL) && dup2(devnull, 2) < 0)
            _exit(127);
        execve(argv[0], (char *const *)argv, env);
        _exit(127);
    }
    p->pid = pid;
    track(pid, true);
    p->out_fd = out[0];
    out[0] = -1;
    p->err_fd = err[0];
    err[0] = -1;
    p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    if (p->pidfd < 0)
        p->pidfd = -1; /* old kernel: tp_wait falls back to bounded polling */
out:
    free(env);
    if (devnull >= 0)
        close(devnull);
    for (int k = 0; k < 2; k++) {
        if (out[k] >= 0)
            close(out[k]);
        if (err[k] >= 0)
            close(err[k]);
    }
    return rc;
}

int tp_read_line(struct tp_proc *p, char *line, size_t cap, int timeout_ms)
{
    long long deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;

    for (;;) {
        char *nl = memchr(p->buf, '\n', p->len);
        struct pollfd pfd;
        ssize_t n;
        int pr;

        if (nl) {
            size_t ll = (size_t)(nl - p->buf);
            if (ll + 1 > cap)
                return -EMSGSIZE;
            memcpy(line, p->buf, ll);
            line[ll] = '\0';
            memmove(p->buf, nl + 1, p->len - ll - 1);
            p->len -= ll + 1;
            return 0;
        }
        if (p->len == sizeof(p->buf))
            return -EMSGSIZE;
        if (p->out_fd < 0)
            return -EPIPE;
        pfd.fd = p->out_fd;
        pfd.events = POLLIN;
        pr = poll(&pfd, 1, left_ms(deadline));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return -errno;
        if (pr == 0)
            return -ETIMEDOUT;
        n = read(p->out_fd, p->buf + p->len, sizeof(p->buf) - p->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EPIPE;
        p->len += (size_t)n;
    }
}

long tp_read_stderr(struct tp_proc *p, char *buf, size_t cap, int timeout_ms)
{
    long long deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
    size_t len = 0;

    if (cap == 0)
        return -EINVAL;
    buf[0] = '\0';
    if (p->err_fd < 0)
        return -EBADF;
    while (len + 1 < cap) {
        struct pollfd pfd = {p->err_fd, POLLIN, 0};
        int pr = poll(&pfd, 1, left_ms(deadline));
        ssize_t n;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            break; /* timeout: return what we have */
        n = read(p->err_fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return (long)len;
}

int tp_signal(struct tp_proc *p, int sig)
{
    if (p->pid <= 0 || p->exited)
        return -ESRCH;
    return kill(p->pid, sig) == 0 ? 0 : -errno;
}

int tp_wait(struct tp_proc *p, int timeout_ms, int *wstatus)
{
    long long deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;

    if (p->pid <= 0)
        return -ECHILD;
    while (!p->exited) {
        pid_t r = waitpid(p->pid, &p->wstatus, WNOHANG);
        if (r == p->pid) {
            p->exited = 1;
            track(p->pid, false);
            break;
        }
        if (r < 0 && errno != EINTR)
            return -errno;
        if (deadline >= 0 && left_ms(deadline) == 0)
            return -ETIMEDOUT;
        if (p->pidfd >= 0) {
            struct pollfd pfd = {p->pidfd, POLLIN, 0};
            poll(&pfd, 1, left_ms(deadline)); /* readable once the child exits */
        } else {
            /* no pidfd: poll the condition every 5 ms, bounded by the deadline */
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
    if (wstatus)
        *wstatus = p->wstatus;
    return 0;
}

int tp_stop(struct tp_proc *p, int timeout_ms, int *wstatus)
{
    int rc;

    if (p->exited) {
        if (wstatus)
            *wstatus = p->wstatus;
        return 0;
    }
    tp_signal(p, SIGTERM);
    rc = tp_wait(p, timeout_ms, wstatus);
    if (rc == -ETIMEDOUT) {
        tp_kill(p);
        if (wstatus)
            *wstatus = p->wstatus;
    }
    return rc;
}

int tp_kill(struct tp_proc *p)
{
    if (p->pid <= 0 || p->exited)
        return 0;
    kill(p->pid, SIGKILL);
    return tp_wait(p, -1, NULL);
}

pid_t tp_pid(const struct tp_proc *p)
{
    return p->pid;
}

int tp_cpu_seconds(pid_t pid, double *user_s, double *sys_s)
{
    char path[64], buf[1024], *rp;
    unsigned long long ut = 0, st = 0;
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f;
    size_t n;
    int rc = 0;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -errno;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* fields after the ")" of comm: state(3) ... utime(14) stime(15) */
    rp = strrchr(buf, ')');
    if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                      &st) != 2) {
        rc = -EPROTO;
        goto out;
    }
    if (hz <= 0)
        hz = 100;
    if (user_s)
        *user_s = (double)ut / (double)hz;
    if (sys_s)
        *sys_s = (double)st / (double)hz;
out:
    return rc;
}

void tp_close(struct tp_proc *p)
{
    if (p->pid > 0 && !p->exited)
        tp_kill(p);
    if (p->out_fd >= 0)
        close(p->out_fd);
    if (p->err_fd >= 0)
        close(p->err_fd);
    if (p->pidfd >= 0)
        close(p->pidfd);
    p->out_fd = p->err_fd = p->pidfd = -1;
}
