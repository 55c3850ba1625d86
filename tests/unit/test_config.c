/* Configuration loader, mclog schema: defaults, the example file, typed
 * values, accounts (v1/v2, regions, base_url), ${ENV}, *_file secrets,
 * secrets never shown and redacted once registered, several errors at once.
 * Every position is asserted exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfgtest.h"
#include "config/config.h"
#include "core/err.h"
#include "core/log.h"

#define DATA MCL_TEST_DATA_DIR "/config"

/* ---- defaults and the example ------------------------------------------ */

static void t_defaults_applied(void **state)
{
    assert_loads("accounts:\n"
                 "  - name: acme\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n");
    assert_string_equal(CFG->path, "config.yaml");
    assert_string_equal(CFG->store.path, "./mclog.db");
    assert_int_equal(CFG->store.retention_ms, 0);
    assert_string_equal(CFG->server.listen, "127.0.0.1:8478");
    assert_null(CFG->server.token);
    assert_int_equal(CFG->log.level, MCL_LOG_INFO);
    assert_int_equal(CFG->log.format, MCL_LOG_TEXT);
    assert_int_equal(CFG->collector.max_threads, 8);
    assert_int_equal(CFG->n_accounts, 1);
    const struct mcl_account_cfg *a = &CFG->accounts[0];
    assert_string_equal(a->name, "acme");
    assert_int_equal(a->api, MCL_API_V2);
    assert_string_equal(a->region, "global");
    assert_string_equal(a->base_url, "https://api.services.mimecast.com");
    assert_null(a->discover_email);
    assert_string_equal(a->client_id, "id-1");
    assert_string_equal(a->client_secret, "s3cret-value");
    assert_null(a->app_id);
    assert_null(a->app_key);
    assert_null(a->access_key);
    assert_null(a->secret_key);
    assert_int_equal(a->logs, MCL_LOGTYPE_ALL);
    assert_int_equal(a->lookback_ms, 7LL * 86400 * 1000);
    assert_int_equal(a->interval_ms, 5 * 60 * 1000);
    assert_int_equal(a->overlap_ms, 60 * 1000);
    assert_int_equal(a->page_size, 100);
    assert_int_equal(a->n_internal_domains, 0);
    assert_null(a->internal_domains);
    assert_int_equal(a->n_internal_networks, 0);
    assert_null(a->ca_file);
    assert_null(a->proxy);
    assert_int_equal(a->line, 2);
    assert_int_equal(a->col, 5);
    assert_ptr_equal(mcl_config_account(CFG, "acme"), a);
    assert_null(mcl_config_account(CFG, "other"));
    assert_null(mcl_config_account(CFG, NULL));
}

static void set_example_env(void)
{
    setenv("ACME_CLIENT_ID", "4f7d0b2e-acme-client", 1);
    setenv("ACME_CLIENT_SECRET", "acme-very-secret-value-42", 1);
    setenv("MCLOG_SECRETS", DATA "/secrets", 1);
    unsetenv("LEGACY_APP_ID");
}

static void t_example_file_loads(void **state)
{
    set_example_env();
    reset(NULL);
    int rc = mcl_config_load(DATA "/example.yaml", &CFG, &D);
    if (rc) {
        dump();
        fail_msg("example.yaml did not load: %d", rc);
    }
    assert_string_equal(CFG->path, DATA "/example.yaml");
    assert_string_equal(CFG->store.path, "/var/lib/mclog/mclog.db");
    assert_int_equal(CFG->store.retention_ms, 30LL * 86400 * 1000);
    assert_int_equal(CFG->n_accounts, 2);

    const struct mcl_account_cfg *a = mcl_config_account(CFG, "acme");
    assert_non_null(a);
    assert_int_equal(a->api, MCL_API_V2);
    assert_string_equal(a->base_url, "https://api.services.mimecast.com");
    assert_string_equal(a->client_id, "4f7d0b2e-acme-client");
    assert_string_equal(a->client_secret, "acme-very-secret-value-42");
    assert_int_equal(a->logs, MCL_LOGTYPE_ALL);
    assert_int_equal(a->n_internal_domains, 2);
    assert_string_equal(a->internal_domains[0], "acme.com");
    assert_string_equal(a->internal_domains[1], "acme.co.uk");
    assert_int_equal(a->n_internal_networks, 3);
    assert_int_equal(a->internal_networks[0].family, 4);
    assert_int_equal(a->internal_networks[0].prefix, 8);
    assert_int_equal(a->internal_networks[2].family, 6);
    assert_int_equal(a->internal_networks[2].prefix, 32);
    assert_string_equal(a->proxy, "http://proxy.acme.internal:3128");

    const struct mcl_account_cfg *l = mcl_config_account(CFG, "legacy-eu");
    assert_non_null(l);
    assert_int_equal(l->api, MCL_API_V1);
    assert_string_equal(l->region, "eu");
    assert_string_equal(l->base_url, "https://eu-api.mimecast.com");
    assert_string_equal(l->discover_email, "svc-mclog@legacy.example");
    assert_string_equal(l->app_id, "5f2c9a1e-7b3d-4c8e-9a06-1d2e3f405162"); /* ${:-default} */
    assert_string_equal(l->app_key, "fake-app-key-for-tests-0001");          /* \n stripped */
    assert_string_equal(l->access_key, "fake-access-key-for-tests-0002");    /* \r\n\n stripped */
    assert_string_equal(l->secret_key, "ZmFrZS1zZWNyZXQta2V5LWZvci10ZXN0cw==");
    assert_int_equal(l->logs, (1u << MCL_LOGTYPE_AUDIT) | (1u << MCL_LOGTYPE_TTP_URL));
    assert_int_equal(l->interval_ms, 15 * 60 * 1000);
    assert_string_equal(l->ca_file, "/etc/ssl/certs/ca-certificates.crt");

    assert_string_equal(CFG->server.listen, "127.0.0.1:8478");
    assert_string_equal(CFG->server.token, "fake-server-token-0123456789abcdef");
    assert_int_equal(CFG->log.level, MCL_LOG_INFO);
    assert_int_equal(CFG->collector.max_threads, 8);
}

/* The example in docs/CONFIG.md is byte-for-byte tests/data/config/example.yaml. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void t_example_matches_docs(void **state)
{
    char *doc = slurp(MCL_TEST_DATA_DIR "/../../docs/CONFIG.md");
    char *ex = slurp(DATA "/example.yaml");
    const char *begin = "<!-- example.yaml: begin -->\n```yaml\n";
    const char *end = "```\n<!-- example.yaml: end -->";
    char *b = doc ? strstr(doc, begin) : NULL;
    char *e = b ? strstr(b + strlen(begin), end) : NULL;
    bool same = false;
    if (e && ex) {
        *e = '\0';
        same = !strcmp(b + strlen(begin), ex);
    }
    free(doc);
    free(ex);
    if (!same)
        fail_msg("docs/CONFIG.md's example (between the example.yaml markers) differs from "
                 "tests/data/config/example.yaml; copy the file into the doc");
}

/* ---- keys and types ---------------------------------------------------- */

static void t_unknown_key_did_you_mean(void **state)
{
    assert_int_equal(load("# mclog\n"
                          "store:\n"
                          "  path: ./x.db\n"
                          "accounts:\n"
                          "  - name: acme\n"
                          "    api: v2\n"
                          "    clientid: id-1\n"
                          "    client_secret: s3cret-value\n"),
                     MCL_ECONFIG);
    /* No extra "missing client_id": the suggestion covers it. */
    assert_only_diag("config.yaml:7:5: unknown key 'clientid' in account 'acme' (did you mean "
                     "'client_id'?)");

    assert_int_equal(load("acounts: []\n"
                          "store: {pth: x, retension: 1d, zzz: 1}\n"
                          "Log: {}\n"
                          "accounts:\n"
                          "  - name: acme\n"
                          "    client_id: id-1\n"
                          "    client_sercet: s3cret-value\n"
                          "    client_secret_fil: /x\n"
                          "    client_id_file: /x\n"
                          "    colour: blue\n"),
                     MCL_ECONFIG);
    assert_ndiags(9);
    assert_diag("config.yaml:1:1: unknown key 'acounts' (did you mean 'accounts'?)");
    assert_diag("config.yaml:2:9: unknown key 'pth' in 'store' (did you mean 'path'?)");
    assert_diag("config.yaml:2:17: unknown key 'retension' in 'store' (did you mean "
                "'retention'?)");
    assert_diag("config.yaml:2:32: unknown key 'zzz' in 'store' (valid keys: path, retention)");
    assert_diag("config.yaml:3:1: unknown key 'Log' (did you mean 'log'?)");
    assert_diag("config.yaml:7:5: unknown key 'client_sercet' in account 'acme' (did you mean "
                "'client_secret'?)");
    assert_diag("config.yaml:8:5: unknown key 'client_secret_fil' in account 'acme' (did you "
                "mean 'client_secret_file'?)");
    assert_diag("config.yaml:9:5: 'client_id_file' in account 'acme': only secrets can be read "
                "from a file; set 'client_id' directly");
    assert_diag("config.yaml:10:5: unknown key 'colour' in account 'acme' (see docs/CONFIG.md "
                "for the valid keys)");
}

static void t_wrong_yaml_types(void **state)
{
    assert_int_equal(load("store: [a, b]\n"
                          "server: x\n"
                          "collector: {max_threads: [1]}\n"
                          "accounts:\n"
                          "  - name: acme\n"
                          "    client_id: [id-1]\n"
                          "    client_secret: {a: b}\n"
                          "    logs: audit\n"
                          "    internal_domains: {a: b}\n"
                          "    internal_networks: [[10.0.0.0/8]]\n"
                          "    interval: [5m]\n"
                          "  - just-a-string\n"),
                     MCL_ECONFIG);
    assert_ndiags(10);
    assert_diag("config.yaml:1:8: 'store' must be a mapping (keys indented below it), got a list");
    assert_diag("config.yaml:2:9: 'server' must be a mapping (keys indented below it), got a "
                "string");
    assert_diag("config.yaml:3:26: 'max_threads' must be an integer between 1 and 256, got a "
                "list");
    assert_diag("config.yaml:6:16: 'client_id' must be a string, got a list");
    assert_diag("config.yaml:7:20: 'client_secret' must be a string, got a mapping");
    assert_diag("config.yaml:8:11: 'logs' must be a list like [audit, dlp], got a string");
    assert_diag("config.yaml:9:23: 'internal_domains' must be a list like [example.com], got a "
                "mapping");
    assert_diag("config.yaml:10:25: 'internal_networks': each network must be a single value, "
                "got a list");
    assert_diag("config.yaml:11:15: 'interval' must be a duration like 30s, 5m, 1h, got a list");
    assert_diag("config.yaml:12:5: each account must be a mapping (name: ..., client_id: ...), "
                "got a string");

    assert_int_equal(load("accounts: {name: acme}\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:1:11: 'accounts' must be a list of accounts (each starting with "
                     "'- name:'), got a mapping");
}

static void t_no_value(void **state)
{
    /* A key with no value: an error for single values, empty for sections and lists. */
    assert_int_equal(load("server:\n"
                          "  # listen: 0.0.0.0:8478\n"
                          "accounts:\n"
                          "  - name: acme\n"
                          "    client_id:\n"
                          "    client_secret: s3cret-value\n"
                          "    page_size: ~\n"
                          "    internal_domains:\n"
                          "    logs: null\n"),
                     MCL_ECONFIG);
    assert_ndiags(3);
    assert_diag("config.yaml:5:15: 'client_id' has no value; give one, or remove the key");
    assert_diag("config.yaml:7:16: 'page_size' has no value; give one, or remove the key to use "
                "the default (100)");
    assert_diag("config.yaml:9:11: 'logs' must list at least one log type");
}

static void t_empty_string_refused(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    client_id: ''\n"
                          "    client_secret: s3cret-value\n"
                          "    internal_domains: [acme.com, \"\"]\n"),
                     MCL_ECONFIG);
    assert_ndiags(2);
    assert_diag("config.yaml:3:16: 'client_id' must not be empty; remove the key if you do not "
                "need it");
    assert_diag("config.yaml:5:34: 'internal_domains': empty domain; remove it from the list");
}

static void t_bad_duration(void **state)
{
    assert_int_equal(load("store: {retention: -1d}\n"
                          "accounts:\n"
                          "  - name: acme\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "    interval: 5 minutes\n"
                          "    lookback: 7\n"
                          "    overlap: 1h30\n"
                          "  - name: fast\n"
                          "    client_id: id-2\n"
                          "    client_secret: s3cret-value\n"
                          "    interval: 5s\n"
                          "    lookback: 3651d\n"),
                     MCL_ECONFIG);
    assert_ndiags(6);
    assert_diag("config.yaml:1:20: 'retention' must be a duration like 30s, 5m, 1h, got '-1d'");
    assert_diag("config.yaml:6:15: 'interval' must be a duration like 30s, 5m, 1h, got '5 "
                "minutes'");
    assert_diag("config.yaml:7:15: 'lookback' must be a duration like 30s, 5m, 1h, got '7'");
    assert_diag("config.yaml:8:14: 'overlap' must be a duration like 30s, 5m, 1h, got '1h30'");
    assert_diag("config.yaml:12:15: 'interval' must be at least 10s, got '5s'");
    assert_diag("config.yaml:13:15: 'lookback' must be at most 3650d, got '3651d'");

    assert_loads("accounts:\n"
                 "  - name: acme\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n"
                 "    interval: 1h30m\n"
                 "    lookback: 0\n"
                 "    overlap: 250ms\n");
    assert_int_equal(CFG->accounts[0].interval_ms, 90 * 60 * 1000);
    assert_int_equal(CFG->accounts[0].lookback_ms, 0);
    assert_int_equal(CFG->accounts[0].overlap_ms, 250);
}

static void t_bad_integer(void **state)
{
    static const struct {
        const char *v;
        const char *shown;
    } bad[] = {{"abc", "abc"}, {"0", "0"},     {"501", "501"},       {"10x", "10x"},
               {"-1", "-1"},   {"+5", "+5"},   {"\" 5\"", " 5"},     {"1e2", "1e2"},
               {"0x10", "0x10"}, {"99999999999999999999", "99999999999999999999"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], exp[256];
        snprintf(text, sizeof text,
                 "accounts:\n"
                 "  - name: acme\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n"
                 "    page_size: %s\n",
                 bad[i].v);
        assert_int_equal(load(text), MCL_ECONFIG);
        snprintf(exp, sizeof exp,
                 "config.yaml:5:16: 'page_size' must be an integer between 1 and 500, got '%s'",
                 bad[i].shown);
        assert_only_diag(exp);
    }
    assert_loads("accounts:\n"
                 "  - name: acme\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n"
                 "    page_size: \"500\"\n"
                 "collector: {max_threads: 256}\n");
    assert_int_equal(CFG->accounts[0].page_size, 500);
    assert_int_equal(CFG->collector.max_threads, 256);
}

static void t_enums(void **state)
{
    assert_int_equal(load("log: {level: Debug, format: jsonl}\n"
                          "accounts:\n"
                          "  - name: acme\n"
                          "    api: 2\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"),
                     MCL_ECONFIG);
    assert_ndiags(3);
    assert_diag("config.yaml:1:14: 'level' must be one of error, warn, info, debug, got 'Debug' "
                "(did you mean 'debug'?)");
    assert_diag("config.yaml:1:29: 'format' must be one of text, json, got 'jsonl' (did you mean "
                "'json'?)");
    assert_diag("config.yaml:4:10: 'api' must be one of v2, v1, got '2' (did you mean 'v2'?)");

    assert_loads("log: {level: debug, format: json}\n"
                 "accounts:\n"
                 "  - name: acme\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n");
    assert_int_equal(CFG->log.level, MCL_LOG_DEBUG);
    assert_int_equal(CFG->log.format, MCL_LOG_JSON);
}

/* ---- accounts ---------------------------------------------------------- */

static void t_accounts_required(void **state)
{
    assert_int_equal(load("# no accounts\nstore: {path: x.db}\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:2:1: no 'accounts' section: add at least one account (see "
                     "docs/CONFIG.md)");
    assert_int_equal(load("accounts: []\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:1:11: 'accounts' is empty: add at least one account");
    assert_int_equal(load("store: {}\naccounts:\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:2:10: 'accounts' is empty: add at least one account");
}

static void t_account_names(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "  - name: acme\n"
                          "    client_id: id-2\n"
                          "    client_secret: s3cret-value\n"
                          "  - name: bad name!\n"
                          "    client_id: id-3\n"
                          "    client_secret: s3cret-value\n"
                          "  - client_id: id-4\n"
                          "    client_secret: s3cret-value\n"
                          "  - name: "
                          "a123456789b123456789c123456789d123456789e123456789f123456789g1234\n"
                          "    client_id: id-5\n"
                          "    client_secret: s3cret-value\n"),
                     MCL_ECONFIG);
    assert_ndiags(4);
    assert_diag("config.yaml:5:11: duplicate account name 'acme' (first defined at 2:11); names "
                "must be unique");
    assert_diag("config.yaml:8:11: account name 'bad name!' may only use letters, digits, '_', "
                "'.' and '-' (1 to 64 characters)");
    assert_diag("config.yaml:11:5: account #4 is missing required key 'name'");
    assert_diag("config.yaml:13:11: account name "
                "'a123456789b123456789c123456789d123456789e123456789f123456789...' may only use "
                "letters, digits, '_', '.' and '-' (1 to 64 characters)");
}

static void t_region_per_api(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: two\n"
                          "    region: eu\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "  - name: one\n"
                          "    api: v1\n"
                          "    region: global\n"
                          "    app_id: app\n"
                          "    app_key: app-key\n"
                          "    access_key: access-key\n"
                          "    secret_key: c2VjcmV0\n"
                          "  - name: nowhere\n"
                          "    region: mars\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"),
                     MCL_ECONFIG);
    assert_ndiags(3);
    assert_diag("config.yaml:3:13: 'region': unknown region 'eu' for api v2 (valid: global, uk, "
                "us); 'eu' is an api v1 region");
    assert_diag("config.yaml:8:13: 'region': unknown region 'global' for api v1 (valid: eu, de, "
                "us, usb, ca, za, au, jer); 'global' is an api v2 region");
    assert_diag("config.yaml:14:13: 'region': unknown region 'mars' for api v2 (valid: global, "
                "uk, us)");

    assert_loads("accounts:\n"
                 "  - name: two\n"
                 "    region: uk\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n"
                 "  - name: one\n"
                 "    api: v1\n"
                 "    region: jer\n"
                 "    app_id: app\n"
                 "    app_key: app-key\n"
                 "    access_key: access-key\n"
                 "    secret_key: c2VjcmV0\n");
    assert_string_equal(CFG->accounts[0].base_url, "https://uk-api.services.mimecast.com");
    assert_string_equal(CFG->accounts[1].region, "jer");
    assert_string_equal(CFG->accounts[1].base_url, "https://jer-api.mimecast.com");
}

static void t_v1_missing_keys(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: old\n"
                          "    api: v1\n"
                          "  - name: old2\n"
                          "    api: v1\n"
                          "    region: de\n"
                          "    app_id: app\n"
                          "    app_key_file: /nonexistent/app_key\n"),
                     MCL_ECONFIG);
    assert_ndiags(8);
    assert_diag("config.yaml:2:5: account 'old' is missing required key 'app_id'");
    assert_diag("config.yaml:2:5: account 'old' is missing required key 'app_key' (or "
                "'app_key_file')");
    assert_diag("config.yaml:2:5: account 'old' is missing required key 'access_key' (or "
                "'access_key_file')");
    assert_diag("config.yaml:2:5: account 'old' is missing required key 'secret_key' (or "
                "'secret_key_file')");
    assert_diag("config.yaml:2:5: account 'old' (api v1) needs 'region' (eu, de, us, usb, ca, "
                "za, au, jer), 'base_url' or 'discover_email'");
    assert_diag("config.yaml:4:5: account 'old2' is missing required key 'access_key' (or "
                "'access_key_file')");
    assert_diag("config.yaml:4:5: account 'old2' is missing required key 'secret_key' (or "
                "'secret_key_file')");
    assert_diag("config.yaml:8:19: 'app_key_file': cannot read '/nonexistent/app_key': No such "
                "file or directory");
}

static void t_v1_discovery_only(void **state)
{
    assert_loads("accounts:\n"
                 "  - name: old\n"
                 "    api: v1\n"
                 "    discover_email: svc@old.example\n"
                 "    app_id: app\n"
                 "    app_key: app-key\n"
                 "    access_key: access-key\n"
                 "    secret_key: c2VjcmV0LWtleQ==\n");
    assert_null(CFG->accounts[0].region);
    assert_null(CFG->accounts[0].base_url); /* found at run time */
    assert_string_equal(CFG->accounts[0].discover_email, "svc@old.example");

    assert_int_equal(load("accounts:\n"
                          "  - name: old\n"
                          "    api: v1\n"
                          "    region: eu\n"
                          "    discover_email: not-an-address\n"
                          "    app_id: app\n"
                          "    app_key: app-key\n"
                          "    access_key: access-key\n"
                          "    secret_key: c2VjcmV0LWtleQ==\n"),
                     MCL_ECONFIG);
    assert_only_diag("config.yaml:5:21: 'discover_email' must be an email address like "
                     "svc@example.com, got 'not-an-address'");
}

static void t_mixed_v1_v2_keys(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "    app_id: app\n"
                          "    discover_email: a@b.example\n"
                          "  - name: old\n"
                          "    api: v1\n"
                          "    region: us\n"
                          "    app_id: app\n"
                          "    app_key: app-key\n"
                          "    access_key: access-key\n"
                          "    secret_key: c2VjcmV0\n"
                          "    client_secret_file: " DATA "/secrets/legacy.app_key\n"),
                     MCL_ECONFIG);
    assert_ndiags(3);
    assert_diag("config.yaml:5:5: account 'acme' uses api v2 but sets v1 key 'app_id'; remove it, "
                "or set 'api: v1'");
    assert_diag("config.yaml:6:5: account 'acme' uses api v2 but sets v1 key 'discover_email'; "
                "remove it, or set 'api: v1'");
    assert_diag("config.yaml:14:5: account 'old' uses api v1 but sets v2 key "
                "'client_secret_file'; remove it, or set 'api: v2'");
}

static void t_bad_api_does_not_cascade(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    api: v3\n"
                          "    app_id: app\n"),
                     MCL_ECONFIG);
    assert_only_diag("config.yaml:3:10: 'api' must be one of v2, v1, got 'v3' (did you mean "
                     "'v2'?)");
}

static void t_base_url_rules(void **state)
{
    static const char *const ok[][2] = {
        {"http://127.0.0.1:8089", "http://127.0.0.1:8089"},
        {"http://127.9.8.7/", "http://127.9.8.7"},
        {"http://localhost:8089/", "http://localhost:8089"},
        {"http://LOCALHOST", "http://LOCALHOST"},
        {"\"http://[::1]:8089//\"", "http://[::1]:8089"},
        {"https://eu-api.mimecast.com/", "https://eu-api.mimecast.com"},
        {"https://mc.example:8443/api/", "https://mc.example:8443/api"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "accounts:\n"
                 "  - name: acme\n"
                 "    region: uk\n"
                 "    base_url: %s\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n",
                 ok[i][0]);
        assert_loads(text);
        assert_string_equal(CFG->accounts[0].base_url, ok[i][1]);
        assert_null(CFG->accounts[0].region); /* base_url wins */
    }
    static const char *const bad[][2] = {
        {"http://example.com:8089", "'base_url': plain http is only allowed to loopback "
                                    "addresses; use https"},
        {"http://10.0.0.1", "'base_url': plain http is only allowed to loopback addresses; use "
                            "https"},
        {"http://127.0.0.1@evil.example", "'base_url': plain http is only allowed to loopback "
                                          "addresses; use https"},
        {"http://localhost.evil.example", "'base_url': plain http is only allowed to loopback "
                                          "addresses; use https"},
        {"ftp://example.com", "'base_url' must be a URL like https://api.services.mimecast.com "
                              "(no spaces, query or fragment), got 'ftp://example.com'"},
        {"api.mimecast.com", "'base_url' must be a URL like https://api.services.mimecast.com "
                             "(no spaces, query or fragment), got 'api.mimecast.com'"},
        {"https://", "'base_url' has no host name, got 'https://'"},
        {"https://x.example/?a=b", "'base_url' must be a URL like "
                                   "https://api.services.mimecast.com (no spaces, query or "
                                   "fragment), got 'https://x.example/?a=b'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], exp[512];
        snprintf(text, sizeof text,
                 "accounts:\n"
                 "  - name: acme\n"
                 "    base_url: %s\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n",
                 bad[i][0]);
        assert_int_equal(load(text), MCL_ECONFIG);
        snprintf(exp, sizeof exp, "config.yaml:3:15: %s", bad[i][1]);
        assert_only_diag(exp);
    }
}

static void t_logs_rules(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: a\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "    logs: [audit, ttp_urls, audit, siem]\n"
                          "  - name: b\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "    logs: []\n"),
                     MCL_ECONFIG);
    assert_ndiags(4);
    assert_diag("config.yaml:5:19: 'logs': unknown log type 'ttp_urls' (known: audit, dlp, "
                "rejection, ttp_url, ttp_impersonation, ttp_attachment; did you mean "
                "'ttp_url'?)");
    assert_diag("config.yaml:5:29: 'logs': 'audit' is listed twice (first at 5:12)");
    assert_diag("config.yaml:5:36: 'logs': unknown log type 'siem' (known: audit, dlp, "
                "rejection, ttp_url, ttp_impersonation, ttp_attachment)");
    assert_diag("config.yaml:9:11: 'logs' must list at least one log type");

    assert_loads("accounts:\n"
                 "  - name: a\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n"
                 "    logs:\n"
                 "      - ttp_attachment\n"
                 "      - dlp\n");
    assert_int_equal(CFG->accounts[0].logs,
                     (1u << MCL_LOGTYPE_TTP_ATTACHMENT) | (1u << MCL_LOGTYPE_DLP));
}

static void t_internal_lists(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: a\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "    internal_domains: [Acme.COM, \"bad domain\", .x.com]\n"
                          "    internal_networks: [10.0.0.0/33, 192.168.1.0/24, 'fe80::/10', "
                          "nope]\n"),
                     MCL_ECONFIG);
    assert_ndiags(4);
    assert_diag("config.yaml:5:34: 'internal_domains': 'bad domain' is not a domain name like "
                "example.com");
    assert_diag("config.yaml:5:48: 'internal_domains': '.x.com' is not a domain name like "
                "example.com");
    assert_diag("config.yaml:6:25: 'internal_networks': '10.0.0.0/33' is not a network like "
                "10.0.0.0/8 or 2001:db8::/32");
    assert_diag("config.yaml:6:67: 'internal_networks': 'nope' is not a network like 10.0.0.0/8 "
                "or 2001:db8::/32");

    assert_loads("accounts:\n"
                 "  - name: a\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n"
                 "    internal_domains: [Acme.COM, sub.acme.co.uk]\n"
                 "    internal_networks: [10.1.2.3/8, '::1']\n");
    const struct mcl_account_cfg *a = &CFG->accounts[0];
    assert_int_equal(a->n_internal_domains, 2);
    assert_string_equal(a->internal_domains[0], "acme.com");
    assert_int_equal(a->n_internal_networks, 2);
    assert_int_equal(a->internal_networks[0].addr[1], 0); /* host bits cleared */
    assert_int_equal(a->internal_networks[1].prefix, 128);
}

static void t_proxy_value_never_shown(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: a\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "    proxy: user:Pr0xyPassw0rd@proxy.example:3128\n"),
                     MCL_ECONFIG);
    assert_only_diag("config.yaml:5:12: 'proxy' must be a URL like http://proxy.example:3128 "
                     "(schemes: http, https, socks4, socks4a, socks5, socks5h); the value is not "
                     "shown");
    assert_loads("accounts:\n"
                 "  - name: a\n"
                 "    client_id: id-1\n"
                 "    client_secret: s3cret-value\n"
                 "    proxy: socks5h://127.0.0.1:1080\n");
}

/* ---- server, outputs ---------------------------------------------------- */

static void t_server_token_rule(void **state)
{
    const char *acct = "accounts:\n"
                       "  - name: a\n"
                       "    client_id: id-1\n"
                       "    client_secret: s3cret-value\n";
    char text[1024];
    snprintf(text, sizeof text, "%sserver:\n  listen: 0.0.0.0:8478\n", acct);
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_only_diag("config.yaml:6:11: 'listen' is not a loopback address, so 'token' (or "
                     "'token_file') is required to protect the HTTP API");

    snprintf(text, sizeof text,
             "%sserver:\n  listen: 0.0.0.0:8478\n  token: 0123456789abcdef-token\n", acct);
    assert_loads(text);
    assert_string_equal(CFG->server.token, "0123456789abcdef-token");

    static const char *const loop[] = {"127.0.0.1:9000", "localhost:9000", "\"[::1]:9000\""};
    for (size_t i = 0; i < 3; i++) {
        snprintf(text, sizeof text, "%sserver: {listen: %s}\n", acct, loop[i]);
        assert_loads(text);
    }

    snprintf(text, sizeof text, "%sserver:\n  token: short\n  listen: localhost\n", acct);
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_ndiags(2);
    assert_diag("config.yaml:6:10: 'token' is too short: it must be at least 16 characters");
    assert_diag("config.yaml:7:11: 'listen' must be host:port like 127.0.0.1:8478, 0.0.0.0:8478 "
                "or [::1]:8478 (port 1 to 65535), got 'localhost'");

    static const char *const bad_listen[] = {":8478", "::1:8478", "[::1]", "host:0",
                                             "host:65536", "host:80x"};
    for (size_t i = 0; i < sizeof bad_listen / sizeof bad_listen[0]; i++) {
        snprintf(text, sizeof text, "%sserver: {listen: \"%s\"}\n", acct, bad_listen[i]);
        assert_int_equal(load(text), MCL_ECONFIG);
        assert_ndiags(1);
    }
}

static void t_outputs_not_available_yet(void **state)
{
    const char *acct = "accounts:\n"
                       "  - name: a\n"
                       "    client_id: id-1\n"
                       "    client_secret: s3cret-value\n";
    char text[1024];
    snprintf(text, sizeof text,
             "%soutputs:\n"
             "  - type: splunk_hec\n"
             "    endpoint: https://splunk.example:8088\n"
             "  - {type: file}\n"
             "  - name: no-type\n"
             "  - just-a-string\n",
             acct);
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_ndiags(4);
    assert_diag("config.yaml:6:11: output type 'splunk_hec' is not available yet; leave 'outputs' "
                "empty ([])");
    assert_diag("config.yaml:8:12: output type 'file' is not available yet; leave 'outputs' "
                "empty ([])");
    assert_diag("config.yaml:9:5: output #3 has no 'type'");
    assert_diag("config.yaml:10:5: each output must be a mapping with a 'type' key, got a string");

    snprintf(text, sizeof text, "%soutputs: {type: file}\n", acct);
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_only_diag("config.yaml:5:10: 'outputs' must be a list (each item a mapping with a "
                     "'type'), got a mapping");

    snprintf(text, sizeof text, "%soutputs: []\n", acct);
    assert_loads(text);
    snprintf(text, sizeof text, "%soutputs:\n", acct);
    assert_loads(text);
}

/* ---- ${ENV} ------------------------------------------------------------- */

static void t_env_expansion(void **state)
{
    setenv("MCL_T_ID", "id-from-env", 1);
    setenv("MCL_T_EMPTY", "", 1);
    setenv("MCL_T_PAGE", "250", 1);
    unsetenv("MCL_T_UNSET");
    assert_loads("accounts:\n"
                 "  - name: acme\n"
                 "    client_id: pre-${MCL_T_ID}-post\n"
                 "    client_secret: ${MCL_T_UNSET:-fallback-secret}\n"
                 "    page_size: ${MCL_T_PAGE}\n"
                 "    proxy: ${MCL_T_EMPTY:-http://127.0.0.1:3128}\n"
                 "    ca_file: /a$${literal}/b$c/$$/${MCL_T_ID}\n");
    const struct mcl_account_cfg *a = &CFG->accounts[0];
    assert_string_equal(a->client_id, "pre-id-from-env-post");
    assert_string_equal(a->client_secret, "fallback-secret");
    assert_int_equal(a->page_size, 250);
    assert_string_equal(a->proxy, "http://127.0.0.1:3128");
    assert_string_equal(a->ca_file, "/a${literal}/b$c/$$/id-from-env");

    /* Keys are not expanded. */
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    ${MCL_T_ID}: x\n"
                          "    client_id: ${MCL_T_UNSET}\n"
                          "    client_secret: \"${MCL_T_UNSET2\"\n"
                          "    ca_file: ${1BAD}\n"
                          "    proxy: ${MCL_T_EMPTY}\n"),
                     MCL_ECONFIG);
    assert_ndiags(5);
    assert_diag("config.yaml:3:5: unknown key '${MCL_T_ID}' in account 'acme' (see "
                "docs/CONFIG.md for the valid keys)");
    assert_diag("config.yaml:4:16: 'client_id' uses environment variable 'MCL_T_UNSET', which is "
                "not set (export it, or give a default: ${MCL_T_UNSET:-value})");
    assert_diag("config.yaml:5:20: 'client_secret': '${' is not closed by '}' (write $${ for a "
                "literal ${)");
    assert_diag("config.yaml:6:14: 'ca_file': bad variable reference: names use letters, digits "
                "and '_', like ${MY_VAR} or ${MY_VAR:-default} (write $${ for a literal ${)");
    assert_diag("config.yaml:7:12: 'proxy' must not be empty; remove the key if you do not need "
                "it");
}

static void t_env_in_account_name_label(void **state)
{
    setenv("MCL_T_NAME", "from-env", 1);
    assert_int_equal(load("accounts:\n"
                          "  - name: ${MCL_T_NAME}\n"
                          "    client_id: id\n"
                          "    cilent_secret: s3cret-value\n"),
                     MCL_ECONFIG);
    assert_only_diag("config.yaml:4:5: unknown key 'cilent_secret' in account 'from-env' (did you "
                     "mean 'client_secret'?)");
}

/* ---- *_file secrets ---------------------------------------------------- */

static void t_secret_file_read(void **state)
{
    setenv("MCL_T_DATA", DATA, 1);
    assert_loads("accounts:\n"
                 "  - name: acme\n"
                 "    client_id: id-1\n"
                 "    client_secret_file: ${MCL_T_DATA}/secrets/legacy.access_key\n"
                 "server:\n"
                 "  token_file: " DATA "/secrets/server.token\n");
    assert_string_equal(CFG->accounts[0].client_secret, "fake-access-key-for-tests-0002");
    assert_string_equal(CFG->server.token, "fake-server-token-0123456789abcdef");
}

static void t_secret_file_errors(void **state)
{
    char big[] = "/tmp/mcl_cfg_big_XXXXXX";
    int fd = mkstemp(big);
    assert_true(fd >= 0);
    char chunk[1024];
    memset(chunk, 'k', sizeof chunk);
    for (int i = 0; i < 64; i++)
        assert_int_equal(write(fd, chunk, sizeof chunk), (ssize_t)sizeof chunk);
    assert_int_equal(write(fd, "k", 1), 1); /* 64 KiB + 1 */
    close(fd);

    char text[2048];
    snprintf(text, sizeof text,
             "accounts:\n"
             "  - name: a\n"
             "    client_id: id-1\n"
             "    client_secret_file: /nonexistent/secret\n"
             "  - name: b\n"
             "    client_id: id-1\n"
             "    client_secret: s3cret-value\n"
             "    client_secret_file: " DATA "/secrets/server.token\n"
             "  - name: c\n"
             "    client_id: id-1\n"
             "    client_secret_file: " DATA "/secrets/blank.secret\n"
             "  - name: d\n"
             "    client_id: id-1\n"
             "    client_secret_file: %s\n"
             "  - name: e\n"
             "    client_id: id-1\n"
             "    client_secret_file: " DATA "\n"
             "  - name: f\n"
             "    client_id: id-1\n"
             "    client_secret_file: \"\"\n",
             big);
    assert_int_equal(load(text), MCL_ECONFIG);
    unlink(big);
    char exp[512];
    assert_ndiags(6);
    assert_diag("config.yaml:4:25: 'client_secret_file': cannot read '/nonexistent/secret': No "
                "such file or directory");
    assert_diag("config.yaml:8:5: set either 'client_secret' or 'client_secret_file', not both "
                "(the other is at 7:5)");
    assert_diag("config.yaml:11:25: 'client_secret_file': '" DATA "/secrets/blank.secret' is "
                "empty; it must hold the secret");
    snprintf(exp, sizeof exp,
             "config.yaml:14:25: 'client_secret_file': '%s' is larger than 64 KiB; it must hold "
             "only the secret",
             big);
    assert_diag(exp);
    snprintf(exp, sizeof exp, "config.yaml:17:25: 'client_secret_file': '%.60s...' is not a "
                              "regular file", DATA);
    if (strlen(DATA) <= 60)
        snprintf(exp, sizeof exp,
                 "config.yaml:17:25: 'client_secret_file': '%s' is not a regular file", DATA);
    assert_diag(exp);
    assert_diag("config.yaml:20:25: 'client_secret_file' must be a file path, got an empty "
                "string");
}

static void t_secret_file_fifo_does_not_hang(void **state)
{
    char dir[] = "/tmp/mcl_cfg_fifo_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], text[512], exp[512];
    snprintf(path, sizeof path, "%s/pipe", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(text, sizeof text,
             "accounts:\n"
             "  - name: a\n"
             "    client_id: id-1\n"
             "    client_secret_file: %s\n",
             path);
    assert_int_equal(load(text), MCL_ECONFIG);
    snprintf(exp, sizeof exp, "config.yaml:4:25: 'client_secret_file': '%s' is not a regular file",
             path);
    assert_only_diag(exp);
    unlink(path);
    rmdir(dir);
}

/* ---- secrets ------------------------------------------------------------ */

static void t_secrets_absent_from_diagnostics(void **state)
{
    setenv("MCL_T_SECRET", "Env-Secret-Value-777", 1);
    assert_int_equal(load("server:\n"
                          "  token: TokTokSecret\n"
                          "accounts:\n"
                          "  - name: old\n"
                          "    api: v1\n"
                          "    region: eu\n"
                          "    app_id: app\n"
                          "    app_key: [AppKeySecret-1]\n"
                          "    access_key: ${MCL_T_SECRET}\n"
                          "    secret_key: Not*Base64*Secret\n"
                          "    client_secret: ClientSecret-Wrong-Api\n"
                          "  - name: v2\n"
                          "    client_id: id\n"
                          "    client_secret: abc\n"),
                     MCL_ECONFIG);
    assert_ndiags(5);
    assert_diag("config.yaml:2:10: 'token' is too short: it must be at least 16 characters");
    assert_diag("config.yaml:8:14: 'app_key' must be a string, got a list");
    assert_diag("config.yaml:10:17: 'secret_key' must be valid base64, as the Mimecast console "
                "shows the Secret Key (the value is not shown)");
    assert_diag("config.yaml:11:5: account 'old' uses api v1 but sets v2 key 'client_secret'; "
                "remove it, or set 'api: v2'");
    assert_diag("config.yaml:14:20: 'client_secret' is too short: it must be at least 4 "
                "characters");
    static const char *const secrets[] = {"TokTokSecret",      "AppKeySecret-1",
                                          "Env-Secret-Value",  "Not*Base64*Secret",
                                          "ClientSecret-Wrong", "abc"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        if (any_diag_contains(secrets[i])) {
            dump();
            fail_msg("a diagnostic shows the secret '%s'", secrets[i]);
        }
    }
}

static void t_register_secrets_redacts_logs(void **state)
{
    set_example_env();
    assert_loads("server:\n"
                 "  token_file: ${MCLOG_SECRETS}/server.token\n"
                 "accounts:\n"
                 "  - name: acme\n"
                 "    client_id: acme-client-id\n"
                 "    client_secret: ${ACME_CLIENT_SECRET}\n"
                 "  - name: old\n"
                 "    api: v1\n"
                 "    region: za\n"
                 "    app_id: old-app-id\n"
                 "    app_key_file: ${MCLOG_SECRETS}/legacy.app_key\n"
                 "    access_key: old-access-key-v1\n"
                 "    secret_key: c2VjcmV0LWtleS1vbGQ=\n");
    mcl_log_clear_secrets();
    assert_int_equal(mcl_config_register_secrets(CFG), MCL_OK);
    assert_int_equal(mcl_config_register_secrets(NULL), MCL_EINVAL);

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    mcl_log_setup(MCL_LOG_INFO, MCL_LOG_TEXT, f);
    MCL_INFO("acme", "-", "token=%s secret=%s key=%s access=%s sk=%s id=%s app=%s",
             CFG->server.token, CFG->accounts[0].client_secret, CFG->accounts[1].app_key,
             CFG->accounts[1].access_key, CFG->accounts[1].secret_key,
             CFG->accounts[0].client_id, CFG->accounts[1].app_id);
    mcl_log_setup(MCL_LOG_INFO, MCL_LOG_TEXT, NULL);
    fclose(f);
    assert_non_null(strstr(out, "token=[REDACTED] secret=[REDACTED] key=[REDACTED] "
                                "access=[REDACTED] sk=[REDACTED] id=acme-client-id "
                                "app=old-app-id"));
    assert_null(strstr(out, "fake-server-token"));
    assert_null(strstr(out, "acme-very-secret"));
    free(out);

    /* Nothing but secrets is registered: names and URLs stay readable. */
    char *r = mcl_log_redact("acme old https://za-api.mimecast.com 127.0.0.1:8478");
    assert_string_equal(r, "acme old https://za-api.mimecast.com 127.0.0.1:8478");
    free(r);
    mcl_log_clear_secrets();
}

/* ---- several problems at once ------------------------------------------ */

static void t_many_errors_all_reported(void **state)
{
    assert_int_equal(load("store:\n"
                          "  path: ./x.db\n"
                          "  retention: forever\n"
                          "accounts:\n"
                          "  - name: acme\n"
                          "    regoin: uk\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "    page_size: 1000\n"
                          "    interval: 5 minutes\n"
                          "    logs: [audit, audits]\n"
                          "    base_url: http://mimecast.example\n"
                          "    app_id: app\n"
                          "server: {listen: 0.0.0.0:8478}\n"
                          "log: {level: verbose}\n"
                          "collector: {max_threads: 0}\n"
                          "outputs: [{type: syslog}]\n"),
                     MCL_ECONFIG);
    assert_null(CFG);
    assert_ndiags(11);
    static const char *const exp[] = {
        "config.yaml:3:14: 'retention' must be a duration like 30s, 5m, 1h, got 'forever'",
        "config.yaml:6:5: unknown key 'regoin' in account 'acme' (did you mean 'region'?)",
        "config.yaml:9:16: 'page_size' must be an integer between 1 and 500, got '1000'",
        "config.yaml:10:15: 'interval' must be a duration like 30s, 5m, 1h, got '5 minutes'",
        "config.yaml:11:19: 'logs': unknown log type 'audits' (known: audit, dlp, rejection, "
        "ttp_url, ttp_impersonation, ttp_attachment; did you mean 'audit'?)",
        "config.yaml:12:15: 'base_url': plain http is only allowed to loopback addresses; use "
        "https",
        "config.yaml:13:5: account 'acme' uses api v2 but sets v1 key 'app_id'; remove it, or set "
        "'api: v1'",
        "config.yaml:14:18: 'listen' is not a loopback address, so 'token' (or 'token_file') is "
        "required to protect the HTTP API",
        "config.yaml:15:14: 'level' must be one of error, warn, info, debug, got 'verbose'",
        "config.yaml:16:26: 'max_threads' must be an integer between 1 and 256, got '0'",
        "config.yaml:17:18: output type 'syslog' is not available yet; leave 'outputs' empty ([])",
    };
    /* All of them, in file order. */
    for (size_t i = 0; i < sizeof exp / sizeof exp[0]; i++)
        assert_string_equal(diag_text(i), exp[i]);
}

/* ---- files -------------------------------------------------------------- */

static void t_load_file_errors(void **state)
{
    reset(NULL);
    assert_int_equal(mcl_config_load("/nonexistent/mclog.yaml", &CFG, &D), MCL_EIO);
    assert_null(CFG);
    assert_only_diag("/nonexistent/mclog.yaml: cannot read the configuration: No such file or "
                     "directory");
    reset(NULL);
    assert_int_equal(mcl_config_load(DATA, &CFG, &D), MCL_EIO);
    assert_only_diag(DATA ": cannot read the configuration: Is a directory");
    reset(NULL);
    assert_int_equal(mcl_config_load("/nonexistent/mclog.yaml", &CFG, NULL), MCL_EIO);
}

static void t_load_file_too_large(void **state)
{
    char path[] = "/tmp/mcl_cfg_large_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char chunk[4096];
    memset(chunk, '#', sizeof chunk);
    for (int i = 0; i < 257; i++)
        assert_int_equal(write(fd, chunk, sizeof chunk), (ssize_t)sizeof chunk);
    close(fd);
    reset(NULL);
    assert_int_equal(mcl_config_load(path, &CFG, &D), MCL_ECONFIG);
    char exp[256];
    snprintf(exp, sizeof exp,
             "%s: the configuration is larger than 1024 KiB; this is not a configuration file",
             path);
    assert_only_diag(exp);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(t_defaults_applied, reset),
        cmocka_unit_test_teardown(t_example_file_loads, reset),
        cmocka_unit_test_teardown(t_example_matches_docs, reset),
        cmocka_unit_test_teardown(t_unknown_key_did_you_mean, reset),
        cmocka_unit_test_teardown(t_wrong_yaml_types, reset),
        cmocka_unit_test_teardown(t_no_value, reset),
        cmocka_unit_test_teardown(t_empty_string_refused, reset),
        cmocka_unit_test_teardown(t_bad_duration, reset),
        cmocka_unit_test_teardown(t_bad_integer, reset),
        cmocka_unit_test_teardown(t_enums, reset),
        cmocka_unit_test_teardown(t_accounts_required, reset),
        cmocka_unit_test_teardown(t_account_names, reset),
        cmocka_unit_test_teardown(t_region_per_api, reset),
        cmocka_unit_test_teardown(t_v1_missing_keys, reset),
        cmocka_unit_test_teardown(t_v1_discovery_only, reset),
        cmocka_unit_test_teardown(t_mixed_v1_v2_keys, reset),
        cmocka_unit_test_teardown(t_bad_api_does_not_cascade, reset),
        cmocka_unit_test_teardown(t_base_url_rules, reset),
        cmocka_unit_test_teardown(t_logs_rules, reset),
        cmocka_unit_test_teardown(t_internal_lists, reset),
        cmocka_unit_test_teardown(t_proxy_value_never_shown, reset),
        cmocka_unit_test_teardown(t_server_token_rule, reset),
        cmocka_unit_test_teardown(t_outputs_not_available_yet, reset),
        cmocka_unit_test_teardown(t_env_expansion, reset),
        cmocka_unit_test_teardown(t_env_in_account_name_label, reset),
        cmocka_unit_test_teardown(t_secret_file_read, reset),
        cmocka_unit_test_teardown(t_secret_file_errors, reset),
        cmocka_unit_test_teardown(t_secret_file_fifo_does_not_hang, reset),
        cmocka_unit_test_teardown(t_secrets_absent_from_diagnostics, reset),
        cmocka_unit_test_teardown(t_register_secrets_redacts_logs, reset),
        cmocka_unit_test_teardown(t_many_errors_all_reported, reset),
        cmocka_unit_test_teardown(t_load_file_errors, reset),
        cmocka_unit_test_teardown(t_load_file_too_large, reset),
    };
    return cmocka_run_group_tests(tests, NULL, reset);
}
