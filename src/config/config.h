/* mclog configuration: YAML file -> typed structs, with every problem reported
 * as "file:line:col: message".
 *
 * Loading never stops at the first problem: it collects diagnostics for
 * unknown keys, duplicate keys, wrong types, bad values, missing required
 * keys and unset ${ENV} variables, so `mclog validate` can print them all.
 *
 * Ownership: mcl_config_load() returns a config the caller frees with
 * mcl_config_free(); everything inside it belongs to the config. Diagnostics
 * belong to the struct mcl_diags and are freed by mcl_diags_fini().
 */
#ifndef MCL_CONFIG_CONFIG_H
#define MCL_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/log.h"
#include "core/logtype.h"
#include "core/netaddr.h"
#include "mimecast/regions.h"

struct mcl_diag {
    char *file;
    int line;    /* 1-based; 0 when the problem has no position */
    int col;     /* 1-based */
    char *msg;
};

struct mcl_diags {
    struct mcl_diag *v;
    size_t n, cap;
};

void mcl_diags_init(struct mcl_diags *d);
void mcl_diags_fini(struct mcl_diags *d);
int mcl_diags_add(struct mcl_diags *d, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* One "file:line:col: message" per line. */
void mcl_diags_print(const struct mcl_diags *d, FILE *out);

struct mcl_account_cfg {
    char *name;                 /* label; unique; appears in logs and the store */
    enum mcl_api_version api;   /* v2 by default */
    char *region;               /* as configured ("global" by default for v2), NULL when
                                   base_url was given */
    char *base_url;             /* effective: base_url or the region's URL, no trailing '/';
                                   NULL only for a v1 account with discover_email and neither
                                   region nor base_url (found at run time) */
    char *discover_email;       /* v1 only: resolve the region with discover-authentication */
    /* API 2.0 */
    char *client_id;
    char *client_secret;        /* secret */
    /* API 1.0 */
    char *app_id;
    char *app_key;              /* secret */
    char *access_key;           /* secret */
    char *secret_key;           /* secret, base64 */
    unsigned logs;              /* bit (1u << enum mcl_logtype); default all six */
    int64_t lookback_ms;        /* first run starts this long ago (default 7d) */
    int64_t interval_ms;        /* poll period per log type (default 5m) */
    int64_t overlap_ms;         /* re-read this much before the newest event seen (default 1m) */
    int page_size;              /* records per page requested (default 100, 1..500) */
    char **internal_domains;
    size_t n_internal_domains;
    struct mcl_cidr *internal_networks;
    size_t n_internal_networks;
    char *ca_file;              /* CA bundle for TLS verification; NULL = system default */
    char *proxy;                /* HTTPS proxy URL; NULL = none (env vars are not read) */
    int line, col;              /* where the account was defined */
};

struct mcl_config {
    char *path;
    struct {
        char *path;             /* default ./mclog.db */
        int64_t retention_ms;   /* 0 = keep forever (default) */
    } store;
    struct mcl_account_cfg *accounts;
    size_t n_accounts;
    struct {
        char *listen;           /* host:port, default 127.0.0.1:8478 */
        char *token;            /* secret; required when listen is not loopback */
    } server;
    struct {
        enum mcl_log_level level;    /* default info */
        enum mcl_log_format format;  /* default text */
    } log;
    struct {
        int max_threads;        /* collector threads at most (default 8) */
        int64_t retry_initial_ms; /* first backoff after a transient failure (default 1s) */
        int64_t retry_max_ms;     /* backoff ceiling (default 5m) */
    } collector;
};

/* Loads and validates `path`. Returns MCL_OK, MCL_ECONFIG when diagnostics
 * were added (*out is NULL then), or MCL_EIO/MCL_ENOMEM. MCL_EIO (file
 * missing or unreadable) also adds one diagnostic without position saying
 * why. Diagnostics are appended to `diags` (NULL: not collected), sorted by
 * position, at most 200 per load plus a final "N more problems" line. */
int mcl_config_load(const char *path, struct mcl_config **out, struct mcl_diags *diags);
/* Same from text in memory; `name` is used in diagnostics (tests, fuzzing). */
int mcl_config_load_text(const char *text, size_t len, const char *name, struct mcl_config **out,
                         struct mcl_diags *diags);
void mcl_config_free(struct mcl_config *cfg);
/* Registers every secret of the config (client_secret, app_key, access_key,
 * secret_key, server.token) and nothing else with the logger for redaction.
 * MCL_EINVAL for NULL; the logger's MCL_ELIMIT/MCL_ENOMEM otherwise. */
int mcl_config_register_secrets(const struct mcl_config *cfg);
const struct mcl_account_cfg *mcl_config_account(const struct mcl_config *cfg, const char *name);

#endif
