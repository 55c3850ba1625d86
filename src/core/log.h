/* Logging: levels, text or JSON lines, account and log type on every line,
 * and redaction of registered secrets.
 *
 * Every line names the account and the log type it is about ("-" when it is
 * about neither), so a multi-account daemon's output stays readable.
 * Secrets (client secrets, keys, bearer tokens) are registered once with
 * mcl_log_add_secret(); any occurrence in a formatted message is replaced by
 * "[REDACTED]" before the line is written. Thread-safe.
 *
 * Ownership: strings passed in are borrowed (secrets are copied).
 */
#ifndef MCL_CORE_LOG_H
#define MCL_CORE_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum mcl_log_level {
    MCL_LOG_ERROR = 0,
    MCL_LOG_WARN = 1,
    MCL_LOG_INFO = 2,
    MCL_LOG_DEBUG = 3,
};

enum mcl_log_format {
    MCL_LOG_TEXT = 0,
    MCL_LOG_JSON = 1,
};

/* Defaults: info, text, stderr. `out` is borrowed and must outlive logging. */
void mcl_log_setup(enum mcl_log_level level, enum mcl_log_format format, FILE *out);
enum mcl_log_level mcl_log_level_get(void);
int mcl_log_level_parse(const char *s, enum mcl_log_level *out);
int mcl_log_format_parse(const char *s, enum mcl_log_format *out);

/* Registers a secret for redaction; strings shorter than 4 bytes are ignored
 * (they would redact ordinary words). */
int mcl_log_add_secret(const char *secret);
/* Forgets one secret (a bearer token that was replaced), so the list does
 * not grow with every token refresh. Unknown strings are ignored. */
void mcl_log_remove_secret(const char *secret);
/* Drops every registered secret (tests, config reload). */
void mcl_log_clear_secrets(void);

void mcl_log_write(enum mcl_log_level level, const char *account, const char *log, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
void mcl_log_vwrite(enum mcl_log_level level, const char *account, const char *log,
                    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* Replaces registered secrets in `s` (NUL-terminated, modified in place would
 * not fit) and returns a newly allocated copy, or NULL on allocation failure. */
char *mcl_log_redact(const char *s);

#define MCL_ERR(acct, log, ...) mcl_log_write(MCL_LOG_ERROR, acct, log, __VA_ARGS__)
#define MCL_WARN(acct, log, ...) mcl_log_write(MCL_LOG_WARN, acct, log, __VA_ARGS__)
#define MCL_INFO(acct, log, ...) mcl_log_write(MCL_LOG_INFO, acct, log, __VA_ARGS__)
#define MCL_DEBUG(acct, log, ...)                                                                  \
    do {                                                                                           \
        if (mcl_log_level_get() >= MCL_LOG_DEBUG)                                                  \
            mcl_log_write(MCL_LOG_DEBUG, acct, log, __VA_ARGS__);                                  \
    } while (0)

#endif
