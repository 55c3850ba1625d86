/* tests/lib -- spawn and control child processes from tests and benchmarks.
 *
 * Typical use:
 *     struct tp_proc p;
 *     const char *argv[] = {MCSIM_PATH, "--port", "0", NULL};
 *     tp_spawn(&p, argv, NULL, 0);
 *     tp_read_line(&p, line, sizeof(line), 10000);   // "mcsim listening on ..."
 *     ...
 *     tp_stop(&p, 20000, &status);                   // SIGTERM, wait, SIGKILL on timeout
 *     tp_close(&p);
 *
 * Synchronisation is always on events (a line on a pipe, the child's exit) with
 * a deadline; nothing here sleeps to "let things settle".
 *
 * Children die with the test process (PR_SET_PDEATHSIG) and any still
 * running at exit() are killed, so a failed assertion never leaves one behind.
 *
 * Ownership: pointers passed in are borrowed (argv/env are copied by the
 * kernel at spawn time).  A struct tp_proc owns its pipe descriptors and, until
 * it has been reaped, the child; tp_close() releases both (killing the child
 * if it still runs).  Functions return 0 or a negative errno value.
 */
#ifndef MCL_TESTPROC_H
#define MCL_TESTPROC_H

#include <stddef.h>
#include <sys/types.h>

#define TP_STDERR_PIPE 0x1 /* capture stderr (tp_read_stderr); default: inherited */
#define TP_STDERR_NULL 0x2 /* send stderr to /dev/null */

struct tp_proc {
    pid_t pid;       /* > 0 while the child has not been reaped */
    int out_fd;      /* read end of the child's stdout, -1 when closed */
    int err_fd;      /* read end of the child's stderr (TP_STDERR_PIPE), else -1 */
    int pidfd;       /* pidfd of the child (Linux >= 5.3), -1 if unavailable */
    int exited;      /* 1 once reaped */
    int wstatus;     /* raw waitpid() status once exited */
    char buf[8192];  /* stdout bytes read but not yet returned by tp_read_line */
    size_t len;
};

/* Start argv[0] (a path) with argv; env_extra is a NULL-terminated list of
 * "NAME=value" added to (or overriding) the current environment, or NULL.
 * stdin is /dev/null; stdout is a pipe read with tp_read_line().  An exec
 * failure shows as the child exiting with status 127. */
int tp_spawn(struct tp_proc *p, const char *const argv[], const char *const env_extra[],
             int flags);

/* Read one line of the child's stdout (without the newline) within timeout_ms.
 * Returns 0, -ETIMEDOUT, -EPIPE (EOF before a full line) or -EMSGSIZE. */
int tp_read_line(struct tp_proc *p, char *line, size_t cap, int timeout_ms);

/* Read the child's stderr (TP_STDERR_PIPE) until EOF or timeout_ms; always
 * NUL-terminates.  Returns the number of bytes read or a negative errno. */
long tp_read_stderr(struct tp_proc *p, char *buf, size_t cap, int timeout_ms);

int tp_signal(struct tp_proc *p, int sig);

/* Wait for the child to exit within timeout_ms (-1 = forever).  On success
 * *wstatus (may be NULL) gets the raw status (use WIFEXITED etc.).
 * Returns 0 or -ETIMEDOUT. */
int tp_wait(struct tp_proc *p, int timeout_ms, int *wstatus);

/* SIGTERM, then wait up to timeout_ms; on timeout SIGKILL and reap (returns
 * -ETIMEDOUT in that case). */
int tp_stop(struct tp_proc *p, int timeout_ms, int *wstatus);

/* SIGKILL and reap. */
int tp_kill(struct tp_proc *p);

pid_t tp_pid(const struct tp_proc *p);

/* CPU time (user + system, seconds) consumed so far by process pid, from
 * /proc/<pid>/stat.  Returns 0 or a negative errno. */
int tp_cpu_seconds(pid_t pid, double *user_s, double *sys_s);

/* Close descriptors; kill and reap the child if still running. */
void tp_close(struct tp_proc *p);

#endif
