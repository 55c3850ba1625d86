/* Configuration loader, YAML layer: syntax errors, empty and multi-document
 * files, aliases, duplicate keys, key types, limits, diagnostics format.
 * Every position is asserted exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgtest.h"
#include "config/config.h"
#include "core/err.h"

static const char *ACCOUNT = "accounts:\n"
                             "  - name: acme\n"
                             "    client_id: id-1\n"
                             "    client_secret: s3cret-value\n";

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    assert_non_null(s);
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

static void t_valid_minimal_loads(void **state)
{
    assert_int_equal(load(ACCOUNT), MCL_OK);
    assert_non_null(CFG);
    assert_int_equal(D.n, 0);
}

static void t_syntax_error_has_libyaml_position(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "   client_id: x\n"),
                     MCL_ECONFIG);
    assert_null(CFG);
    assert_only_diag("config.yaml:3:4: YAML syntax error: did not find expected '-' indicator "
                     "(while parsing a block collection that started at 2:3)");

    assert_int_equal(load("store:\n  path: \"unterminated\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:3:1: YAML syntax error: found unexpected end of stream (while "
                     "scanning a quoted scalar that started at 2:9)");

    assert_int_equal(load("store:\n\tpath: x\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:2:1: YAML syntax error: found character that cannot start any "
                     "token (while scanning for the next token)");

    assert_int_equal(load("accounts: [a, b\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:2:1: YAML syntax error: did not find expected ',' or ']' "
                     "(while parsing a flow sequence that started at 1:11)");
}

static void t_invalid_utf8_has_position(void **state)
{
    assert_int_equal(load("store:\n  path: a\xff\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:2:10: not valid YAML text: invalid leading UTF-8 octet (byte "
                     "0xff); save the file as UTF-8");
}

static void t_empty_file(void **state)
{
    const char *msg = "config.yaml: empty configuration: it needs at least an 'accounts' list "
                      "(see docs/CONFIG.md)";
    assert_int_equal(load(""), MCL_ECONFIG);
    assert_only_diag(msg);
    assert_int_equal(load("# nothing but a comment\n\n"), MCL_ECONFIG);
    assert_only_diag(msg);
    assert_int_equal(load("---\n"), MCL_ECONFIG);
    assert_only_diag(msg);
    assert_int_equal(load("~\n"), MCL_ECONFIG);
    assert_only_diag(msg);
    assert_int_equal(mcl_config_load_text(NULL, 0, "config.yaml", &CFG, &D), MCL_ECONFIG);
}

static void t_root_must_be_mapping(void **state)
{
    assert_int_equal(load("# comment\n- a\n- b\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:2:1: the configuration must be a mapping of sections (store, "
                     "accounts, outputs, server, log, collector), got a list");
    assert_int_equal(load("hello\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:1:1: the configuration must be a mapping of sections (store, "
                     "accounts, outputs, server, log, collector), got a string");
}

static void t_multi_document_refused(void **state)
{
    char *text = concat(ACCOUNT, "---\nlog: {level: debug}\n");
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_only_diag("config.yaml:5:1: a second YAML document starts here; the configuration "
                     "must be a single document (remove this '---' and what follows, or merge "
                     "it)");
    free(text);
    /* An explicit start and end marker around one document is fine. */
    text = concat("---\n", ACCOUNT);
    char *t2 = concat(text, "...\n");
    assert_int_equal(load(t2), MCL_OK);
    free(text);
    free(t2);
}

static void t_aliases_refused(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - &first\n"
                          "    name: acme\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "  - *first\n"),
                     MCL_ECONFIG);
    assert_only_diag("config.yaml:6:5: YAML alias '*first' is not supported: write the value out "
                     "instead of referring to the anchor '&first'");

    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    client_id: &id id-1\n"
                          "    client_secret: *id\n"),
                     MCL_ECONFIG);
    assert_only_diag("config.yaml:4:20: YAML alias '*id' is not supported: write the value out "
                     "instead of referring to the anchor '&id'");

    /* Merge keys are aliases too. */
    assert_int_equal(load("defaults: &d {interval: 5m}\n"
                          "accounts:\n"
                          "  - name: acme\n"
                          "    <<: *d\n"),
                     MCL_ECONFIG);
    assert_only_diag("config.yaml:4:9: YAML alias '*d' is not supported: write the value out "
                     "instead of referring to the anchor '&d'");

    /* A self-referencing anchor must not loop. */
    assert_int_equal(load("x: &a [*a]\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:1:8: YAML alias '*a' is not supported: write the value out "
                     "instead of referring to the anchor '&a'");

    /* Refused before libyaml would complain that the anchor is undefined. */
    assert_int_equal(load("x: *nope\n"), MCL_ECONFIG);
    assert_only_diag("config.yaml:1:4: YAML alias '*nope' is not supported: write the value out "
                     "instead of referring to the anchor '&nope'");
}

static void t_anchor_without_alias_is_harmless(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - &a\n"
                          "    name: acme\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"),
                     MCL_OK);
}

static void t_billion_laughs_is_cheap(void **state)
{
    const char *text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_int_equal(D.n, 60); /* one per alias, never expanded */
    assert_diag("config.yaml:2:8: YAML alias '*a' is not supported: write the value out instead "
                "of referring to the anchor '&a'");
    assert_diag("config.yaml:7:44: YAML alias '*f' is not supported: write the value out instead "
                "of referring to the anchor '&f'");
}

static void t_duplicate_keys(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    client_id: id-1\n"
                          "    client_secret: s3cret-value\n"
                          "    region: uk\n"
                          "    region: us\n"
                          "    region: global\n"
                          "log: {level: info}\n"
                          "log: {level: debug}\n"),
                     MCL_ECONFIG);
    assert_int_equal(D.n, 3);
    assert_diag("config.yaml:6:5: duplicate key 'region' (first defined at 5:5); keep only one");
    assert_diag("config.yaml:7:5: duplicate key 'region' (first defined at 5:5); keep only one");
    assert_diag("config.yaml:9:1: duplicate key 'log' (first defined at 8:1); keep only one");
}

static void t_duplicate_keys_in_flow_mapping(void **state)
{
    char *text = concat(ACCOUNT, "server: {listen: 127.0.0.1:1, listen: 127.0.0.1:2}\n");
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_only_diag("config.yaml:5:31: duplicate key 'listen' (first defined at 5:10); keep only "
                     "one");
    free(text);
}

static void t_keys_must_be_scalars(void **state)
{
    char *text = concat(ACCOUNT, "[a, b]: x\n? {k: v}\n: y\n~: z\n");
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_int_equal(D.n, 3);
    assert_diag("config.yaml:5:1: mapping keys must be plain names, got a list");
    assert_diag("config.yaml:6:3: mapping keys must be plain names, got a mapping");
    assert_diag("config.yaml:8:1: empty mapping key: write a name before ':'");
    free(text);
}

static void t_nesting_is_bounded(void **state)
{
    /* 40 levels inside a value: refused without recursion trouble. */
    char text[256] = "x: ";
    memset(text + 3, '[', 40);
    memset(text + 43, ']', 40);
    memcpy(text + 83, "\n", 2);
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_only_diag("config.yaml:1:35: nesting is deeper than 32 levels; the configuration never "
                     "needs that");

    /* 100000 levels: libyaml copes, we refuse at depth 32. */
    size_t n = 100000;
    char *deep = malloc(2 * n + 8);
    assert_non_null(deep);
    memcpy(deep, "x: ", 3);
    memset(deep + 3, '[', n);
    memset(deep + 3 + n, ']', n);
    deep[3 + 2 * n] = '\0';
    assert_int_equal(load(deep), MCL_ECONFIG);
    assert_int_equal(D.n, 1);
    free(deep);
}

static void t_node_count_is_bounded(void **state)
{
    size_t items = 100001;
    char *text = malloc(4 + 2 * items + 8);
    assert_non_null(text);
    size_t o = 0;
    memcpy(text, "x: [", 4);
    o = 4;
    for (size_t i = 0; i < items; i++) {
        text[o++] = '0';
        text[o++] = ',';
    }
    text[o - 1] = ']';
    text[o++] = '\n';
    text[o] = '\0';
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_only_diag("config.yaml: the configuration has more than 100000 YAML values; that is "
                     "far more than any real configuration needs");
    free(text);
}

static void t_size_is_bounded(void **state)
{
    size_t n = 1024 * 1024 + 1;
    char *text = malloc(n + 1);
    assert_non_null(text);
    memset(text, '#', n);
    text[n] = '\0';
    assert_int_equal(load_n(text, n), MCL_ECONFIG);
    assert_only_diag("config.yaml: the configuration is larger than 1024 KiB; this is not a "
                     "configuration file");
    /* Exactly at the cap is parsed (here: a comment only). */
    assert_int_equal(load_n(text, n - 1), MCL_ECONFIG);
    assert_only_diag("config.yaml: empty configuration: it needs at least an 'accounts' list (see "
                     "docs/CONFIG.md)");
    free(text);
}

static void t_nul_in_value(void **state)
{
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    client_id: \"id\\0more\"\n"
                          "    client_secret: s3cret-value\n"),
                     MCL_ECONFIG);
    assert_only_diag("config.yaml:3:16: 'client_id' contains a NUL character (\\0)");
}

static void t_diagnostics_are_capped(void **state)
{
    size_t cap = 300 * 32 + 256;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t o = (size_t)snprintf(text, cap, "%s", ACCOUNT);
    for (int i = 0; i < 300; i++)
        o += (size_t)snprintf(text + o, cap - o, "zz_unknown_%03d: 1\n", i);
    assert_int_equal(load(text), MCL_ECONFIG);
    assert_int_equal(D.n, 201);
    assert_diag("config.yaml: 100 more problems not shown (fix the ones above first)");
    free(text);
}

static void t_diagnostics_sorted_and_printed(void **state)
{
    /* The missing-key error (reported after the keys are read) sorts first. */
    assert_int_equal(load("accounts:\n"
                          "  - name: acme\n"
                          "    page_size: 0\n"
                          "log: {level: loud}\n"),
                     MCL_ECONFIG);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    mcl_diags_print(&D, f);
    fclose(f);
    assert_string_equal(out,
                        "config.yaml:2:5: account 'acme' is missing required key 'client_id'\n"
                        "config.yaml:2:5: account 'acme' is missing required key 'client_secret' "
                        "(or 'client_secret_file')\n"
                        "config.yaml:3:16: 'page_size' must be an integer between 1 and 500, "
                        "got '0'\n"
                        "config.yaml:4:14: 'level' must be one of error, warn, info, debug, got "
                        "'loud'\n");
    free(out);
}

static void t_diags_api(void **state)
{
    struct mcl_diags d;
    mcl_diags_init(&d);
    assert_int_equal(mcl_diags_add(&d, "f.yaml", 3, 7, "bad %s %d", "thing", 42), MCL_OK);
    assert_int_equal(mcl_diags_add(&d, "f.yaml", 0, 0, "no position"), MCL_OK);
    assert_int_equal(d.n, 2);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    mcl_diags_print(&d, f);
    fclose(f);
    assert_string_equal(out, "f.yaml:3:7: bad thing 42\nf.yaml: no position\n");
    free(out);
    mcl_diags_fini(&d);
    assert_int_equal(d.n, 0);
    mcl_diags_fini(&d); /* twice is fine */
}

static void t_diags_accumulate_across_loads(void **state)
{
    /* Diagnostics from an earlier load are kept (and not re-sorted). */
    reset(NULL);
    assert_int_equal(mcl_config_load_text("x: 1\n", 5, "b.yaml", &CFG, &D), MCL_ECONFIG);
    size_t n1 = D.n;
    assert_int_equal(mcl_config_load_text("", 0, "a.yaml", &CFG, &D), MCL_ECONFIG);
    assert_int_equal(D.n, n1 + 1);
    assert_string_equal(D.v[0].file, "b.yaml");
    assert_string_equal(D.v[n1].file, "a.yaml");
    /* NULL diags is allowed (fuzzing, quick checks). */
    assert_int_equal(mcl_config_load_text("", 0, "a.yaml", &CFG, NULL), MCL_ECONFIG);
    assert_null(CFG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(t_valid_minimal_loads, reset),
        cmocka_unit_test_teardown(t_syntax_error_has_libyaml_position, reset),
        cmocka_unit_test_teardown(t_invalid_utf8_has_position, reset),
        cmocka_unit_test_teardown(t_empty_file, reset),
        cmocka_unit_test_teardown(t_root_must_be_mapping, reset),
        cmocka_unit_test_teardown(t_multi_document_refused, reset),
        cmocka_unit_test_teardown(t_aliases_refused, reset),
        cmocka_unit_test_teardown(t_anchor_without_alias_is_harmless, reset),
        cmocka_unit_test_teardown(t_billion_laughs_is_cheap, reset),
        cmocka_unit_test_teardown(t_duplicate_keys, reset),
        cmocka_unit_test_teardown(t_duplicate_keys_in_flow_mapping, reset),
        cmocka_unit_test_teardown(t_keys_must_be_scalars, reset),
        cmocka_unit_test_teardown(t_nesting_is_bounded, reset),
        cmocka_unit_test_teardown(t_node_count_is_bounded, reset),
        cmocka_unit_test_teardown(t_size_is_bounded, reset),
        cmocka_unit_test_teardown(t_nul_in_value, reset),
        cmocka_unit_test_teardown(t_diagnostics_are_capped, reset),
        cmocka_unit_test_teardown(t_diagnostics_sorted_and_printed, reset),
        cmocka_unit_test_teardown(t_diags_api, reset),
        cmocka_unit_test_teardown(t_diags_accumulate_across_loads, reset),
    };
    return cmocka_run_group_tests(tests, NULL, reset);
}
