#include "core/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "core/time.h"

#define MAX_SECRETS 4096
#define MAX_LINE (16 * 1024)
#define REDACTED "[REDACTED]"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static enum mcl_log_level cur_level = MCL_LOG_INFO;
static enum mcl_log_format cur_format = MCL_LOG_TEXT;
static FILE *cur_out;
static char *secrets[MAX_SECRETS];
static size_t n_secrets;

static const char *level_names[] = {"error", "warn", "info", "debug"};

void mcl_log_setup(enum mcl_log_level level, enum mcl_log_format format, FILE *out)
{
    pthread_mutex_lock(&lock);
    cur_level = level;
    cur_format = format;
    cur_out = out;
    pthread_mutex_unlock(&lock);
}

enum mcl_log_level mcl_log_level_get(void)
{
    return __atomic_load_n(&cur_level, __ATOMIC_RELAXED);
}

int mcl_log_level_parse(const char *s, enum mcl_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (mcl_str_ieq(s, level_names[i])) {
            *out = (enum mcl_log_level)i;
            return MCL_OK;
        }
    }
    if (mcl_str_ieq(s, "warning")) {
        *out = MCL_LOG_WARN;
        return MCL_OK;
    }
    return MCL_EINVAL;
}

int mcl_log_format_parse(const char *s, enum mcl_log_format *out)
{
    if (mcl_str_ieq(s, "text")) {
        *out = MCL_LOG_TEXT;
        return MCL_OK;
    }
    if (mcl_str_ieq(s, "json")) {
        *out = MCL_LOG_JSON;
        return MCL_OK;
    }
    return MCL_EINVAL;
}

int mcl_log_add_secret(const char *secret)
{
    int rc = MCL_OK;
    if (!secret || strlen(secret) < 4)
        return MCL_OK;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_secrets; i++) {
        if (!strcmp(secrets[i], secret))
            goto out;
    }
    if (n_secrets == MAX_SECRETS) {
        rc = MCL_ELIMIT;
        goto out;
    }
    secrets[n_secrets] = strdup(secret);
    if (!secrets[n_secrets]) {
        rc = MCL_ENOMEM;
        goto out;
    }
    n_secrets++;
out:
    pthread_mutex_unlock(&lock);
    return rc;
}

void mcl_log_remove_secret(const char *secret)
{
    if (!secret)
        return;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_secrets; i++) {
        if (!strcmp(secrets[i], secret)) {
            free(secrets[i]);
            secrets[i] = secrets[--n_secrets];
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}

void mcl_log_clear_secrets(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_secrets; i++)
        free(secrets[i]);
    n_secrets = 0;
    pthread_mutex_unlock(&lock);
}

/* Caller holds the lock. Returns a copy of s with every secret replaced. */
static char *redact_locked(const char *s)
{
    struct mcl_buf b;
    mcl_buf_init(&b, MAX_LINE * 2);
    if (mcl_buf_append_str(&b, s))
        goto fail;
    for (size_t i = 0; i < n_secrets; i++) {
        const char *sec = secrets[i];
        size_t sl = strlen(sec);
        char *hit = strstr(b.data, sec);
        if (!hit)
            continue;
        struct mcl_buf o;
        mcl_buf_init(&o, MAX_LINE * 2);
        const char *p = b.data;
        int rc = MCL_OK;
        while (hit && !rc) {
            rc = mcl_buf_append(&o, p, (size_t)(hit - p));
            if (!rc)
                rc = mcl_buf_append_str(&o, REDACTED);
            p = hit + sl;
            hit = strstr(p, sec);
        }
        if (!rc)
            rc = mcl_buf_append_str(&o, p);
        mcl_buf_fini(&b);
        b = o;
        if (rc)
            goto fail;
    }
    return mcl_buf_steal(&b);
fail:
    mcl_buf_fini(&b);
    return NULL;
}

char *mcl_log_redact(const char *s)
{
    pthread_mutex_lock(&lock);
    char *r = redact_locked(s);
    pthread_mutex_unlock(&lock);
    return r;
}

void mcl_log_vwrite(enum mcl_log_level level, const char *account, const char *log,
                    const char *fmt, va_list ap)
{
    if (level > mcl_log_level_get())
        return;
    char msg[MAX_LINE];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n >= (int)sizeof msg)
        memcpy(msg + sizeof msg - 4, "...", 4);
    char ts[MCL_TIME_TEXT_MAX];
    mcl_time_format_rfc3339(mcl_time_now_ms(), ts);
    if (!account || !*account)
        account = "-";
    if (!log || !*log)
        log = "-";

    pthread_mutex_lock(&lock);
    FILE *out = cur_out ? cur_out : stderr;
    char *clean = redact_locked(msg);
    const char *text = clean ? clean : "(log line dropped: out of memory)";
    if (cur_format == MCL_LOG_JSON) {
        struct mcl_buf b;
        mcl_buf_init(&b, MAX_LINE * 4);
        int rc = mcl_buf_appendf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"account\":", ts,
                                 level_names[level]);
        if (!rc)
            rc = mcl_json_escape(&b, account, strlen(account));
        if (!rc)
            rc = mcl_buf_append_str(&b, ",\"log\":");
        if (!rc)
            rc = mcl_json_escape(&b, log, strlen(log));
        if (!rc)
            rc = mcl_buf_append_str(&b, ",\"message\":");
        if (!rc)
            rc = mcl_json_escape(&b, text, strlen(text));
        if (!rc)
            rc = mcl_buf_append_str(&b, "}\n");
        if (!rc)
            fwrite(b.data, 1, b.len, out);
        mcl_buf_fini(&b);
    } else {
        fprintf(out, "%s %-5s account=%s log=%s %s\n", ts, level_names[level], account, log, text);
    }
    fflush(out);
    free(clean);
    pthread_mutex_unlock(&lock);
}

void mcl_log_write(enum mcl_log_level level, const char *account, const char *log, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcl_log_vwrite(level, account, log, fmt, ap);
    va_end(ap);
}
