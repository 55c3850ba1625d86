/* Configuration module internals: the generic option tables (every type, on a
 * table unrelated to mclog's schema), "did you mean", and consistency of the
 * mclog schema with core/logtype.c and docs/CONFIG.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg_internal.h"
#include "core/err.h"
#include "core/logtype.h"

static struct mcl_diags D;

static int reset(void **state)
{
    (void)state;
    mcl_diags_fini(&D);
    mcl_diags_init(&D);
    return 0;
}

static char *diag_text(size_t i)
{
    static char buf[2048];
    const struct mcl_diag *g = &D.v[i];
    snprintf(buf, sizeof buf, "%s:%d:%d: %s", g->file, g->line, g->col, g->msg);
    return buf;
}

#define assert_diag(exp)                                                                           \
    do {                                                                                           \
        bool found_ = false;                                                                       \
        for (size_t i_ = 0; i_ < D.n && !found_; i_++)                                            \
            found_ = !strcmp(diag_text(i_), (exp));                                                \
        if (!found_) {                                                                             \
            for (size_t j_ = 0; j_ < D.n; j_++)                                                   \
                print_message("  got: %s\n", diag_text(j_));                                       \
            fail_msg("missing diagnostic: %s", (exp));                                            \
        }                                                                                          \
    } while (0)

/* ---- a table unrelated to mclog ----------------------------------------- */

struct inner {
    char *host;
    int port;
};

struct thing {
    char *name;
    char *password;
    int count;
    int64_t wait_ms;
    uint64_t max_bytes;
    int color;
    unsigned tags;
    char **words;
    size_t n_words;
    struct mcl_cidr *nets;
    size_t n_nets;
    struct inner inner;
    char *extra;
};

enum { G_A = 1, G_B = 2 };

static const struct mcl_opt_name colors[] = {{"red", 1}, {"green", 2}, {"blue", 3}, {NULL, 0}};
static const struct mcl_opt_name tag_names[] = {{"x", 0}, {"y", 1}, {"z", 4}, {NULL, 0}};

static int check_no_upper(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *at,
                          const char *what, char *v)
{
    for (char *p = v; *p; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            cfg_error(c, at, "'%s': no capitals", what);
            return -1;
        }
    }
    return 0;
}

#define T(f) offsetof(struct thing, f)
#define I(f) (offsetof(struct thing, inner.f) - offsetof(struct thing, inner))

static const struct mcl_opt inner_opts[] = {
    {.name = "host", .type = MCL_OPT_STR, .offset = I(host), .flags = MCL_OPT_REQUIRED},
    {.name = "port", .type = MCL_OPT_INT, .offset = I(port), .def = "80", .min = 1, .max = 65535},
    {.name = NULL},
};

static const struct mcl_opt thing_opts[] = {
    {.name = "name", .type = MCL_OPT_STR, .offset = T(name), .flags = MCL_OPT_REQUIRED,
     .check = check_no_upper},
    {.name = "password", .type = MCL_OPT_STR, .offset = T(password), .flags = MCL_OPT_SECRET},
    {.name = "count", .type = MCL_OPT_INT, .offset = T(count), .def = "-3"},
    {.name = "wait", .type = MCL_OPT_DURATION, .offset = T(wait_ms), .def = "2s"},
    {.name = "max_bytes", .type = MCL_OPT_SIZE, .offset = T(max_bytes), .def = "1MiB",
     .min = 1024, .max = 1024 * 1024 * 1024},
    {.name = "color", .type = MCL_OPT_ENUM, .offset = T(color), .def = "green", .names = colors},
    {.name = "tags", .type = MCL_OPT_FLAGS, .offset = T(tags), .def = "x, z", .names = tag_names,
     .item = "tag"},
    {.name = "words", .type = MCL_OPT_STRS, .offset = T(words), .offset_n = T(n_words),
     .def = "alpha, beta", .flags = MCL_OPT_LOWER, .item = "word"},
    {.name = "nets", .type = MCL_OPT_CIDRS, .offset = T(nets), .offset_n = T(n_nets),
     .def = "127.0.0.0/8"},
    {.name = "inner", .type = MCL_OPT_SECTION, .offset = T(inner), .sub = inner_opts},
    {.name = "extra", .type = MCL_OPT_STR, .offset = T(extra), .group = G_B,
     .flags = MCL_OPT_REQUIRED},
    {.name = NULL},
};

/* Parses `text` (a mapping) into *t with thing_opts; returns the error count. */
static unsigned parse_thing(const char *text, struct thing *t, unsigned groups)
{
    struct cfg_ctx c = {.file = "t.yaml", .diags = &D, .first_diag = D.n};
    struct cfg_node *root = NULL;
    memset(t, 0, sizeof *t);
    cfg_opt_defaults(&c, thing_opts, t);
    assert_int_equal(c.errors, 0);
    assert_int_equal(cfg_yaml_parse(&c, text, strlen(text), &root), MCL_OK);
    assert_non_null(root);
    struct cfg_seen seen[16] = {{0}};
    cfg_opt_parse_map(&c, root, thing_opts, t, " in thing", seen);
    cfg_opt_check_required(&c, root, thing_opts, seen, groups, "the thing");
    cfg_node_free_tree(root);
    cfg_diags_finish(&c);
    assert_false(c.oom);
    return c.errors;
}

static void t_generic_defaults(void **state)
{
    struct thing t;
    assert_int_equal(parse_thing("name: n\ninner: {host: h}\n", &t, G_A), 0);
    assert_string_equal(t.name, "n");
    assert_null(t.password);
    assert_int_equal(t.count, -3);
    assert_int_equal(t.wait_ms, 2000);
    assert_int_equal(t.max_bytes, 1024 * 1024);
    assert_int_equal(t.color, 2);
    assert_int_equal(t.tags, (1u << 0) | (1u << 4));
    assert_int_equal(t.n_words, 2);
    assert_string_equal(t.words[1], "beta");
    assert_int_equal(t.n_nets, 1);
    assert_int_equal(t.nets[0].prefix, 8);
    assert_string_equal(t.inner.host, "h");
    assert_int_equal(t.inner.port, 80);
    cfg_opt_free(thing_opts, &t);
    assert_null(t.name);
    assert_null(t.words);
}

static int count_secret(const char *s, void *arg)
{
    (void)s;
    ++*(int *)arg;
    return 0;
}

static void t_generic_every_type(void **state)
{
    struct thing t;
    setenv("MCL_T_PASSWORD_DIR", MCL_TEST_DATA_DIR "/config/secrets", 1);
    assert_int_equal(parse_thing("name: n\n"
                                 "password_file: ${MCL_T_PASSWORD_DIR}/server.token\n"
                                 "count: 42\n"
                                 "wait: 1h\n"
                                 "max_bytes: 10MiB\n"
                                 "color: blue\n"
                                 "tags: [y]\n"
                                 "words: [Gamma]\n"
                                 "nets: ['::1/128', 10.0.0.0/8]\n"
                                 "inner:\n"
                                 "  host: example\n"
                                 "  port: 8080\n"
                                 "extra: e\n",
                                 &t, G_B),
                     0);
    assert_string_equal(t.password, "fake-server-token-0123456789abcdef");
    assert_int_equal(t.count, 42);
    assert_int_equal(t.wait_ms, 3600 * 1000);
    assert_int_equal(t.max_bytes, 10 * 1024 * 1024);
    assert_int_equal(t.color, 3);
    assert_int_equal(t.tags, 1u << 1);
    assert_int_equal(t.n_words, 1); /* the default list is replaced, not appended to */
    assert_string_equal(t.words[0], "gamma");
    assert_int_equal(t.n_nets, 2);
    assert_int_equal(t.nets[0].family, 6);
    assert_int_equal(t.inner.port, 8080);
    assert_string_equal(t.extra, "e");

    int n = 0;
    assert_int_equal(cfg_opt_each_secret(thing_opts, &t, count_secret, &n), 0);
    assert_int_equal(n, 1);
    cfg_opt_free(thing_opts, &t);
}

static void t_generic_errors(void **state)
{
    struct thing t;
    assert_int_equal(parse_thing("name: Upper\n"
                                 "password: pw-1234\n"
                                 "password_file: /x\n"
                                 "count: 1.5\n"
                                 "max_bytes: 10 parsecs\n"
                                 "colour: red\n"
                                 "tags: [x, q]\n"
                                 "words: [[a]]\n"
                                 "inner: {port: 0}\n",
                                 &t, G_B),
                     10);
    assert_diag("t.yaml:1:7: 'name': no capitals");
    assert_diag("t.yaml:3:1: set either 'password' or 'password_file', not both (the other is at "
                "2:1)");
    assert_diag("t.yaml:4:8: 'count' must be an integer, got '1.5'");
    assert_diag("t.yaml:5:12: 'max_bytes' must be a size like 512KiB, 10MiB, got '10 parsecs'");
    assert_diag("t.yaml:6:1: unknown key 'colour' in thing (did you mean 'color'?)");
    assert_diag("t.yaml:7:11: 'tags': unknown tag 'q' (known: x, y, z)");
    assert_diag("t.yaml:8:9: 'words': each word must be a single value, got a list");
    assert_diag("t.yaml:9:8: 'inner' is missing required key 'host'");
    assert_diag("t.yaml:9:15: 'port' must be an integer between 1 and 65535, got '0'");
    assert_diag("t.yaml:1:1: the thing is missing required key 'extra'");
    cfg_opt_free(thing_opts, &t);

    reset(NULL);
    assert_int_equal(parse_thing("name: n\ninner: {host: h}\nmax_bytes: 1KB\n", &t, G_A), 1);
    assert_diag("t.yaml:3:12: 'max_bytes' must be at least 1024 bytes, got '1KB'");
    cfg_opt_free(thing_opts, &t);
}

/* ---- did you mean --------------------------------------------------------- */

static void t_edit_distance(void **state)
{
    assert_int_equal(cfg_edit_distance("client_id", "client_id", 2), 0);
    assert_int_equal(cfg_edit_distance("clientid", "client_id", 2), 1);
    assert_int_equal(cfg_edit_distance("cleint_id", "client_id", 2), 1); /* swap */
    assert_int_equal(cfg_edit_distance("regoin", "region", 2), 1);
    assert_int_equal(cfg_edit_distance("intervl", "interval", 2), 1);
    assert_int_equal(cfg_edit_distance("abc", "xyz", 2), 3); /* capped at cap + 1 */
    assert_int_equal(cfg_edit_distance("a", "abcdefgh", 2), 3);
    assert_int_equal(cfg_edit_distance("", "ab", 2), 2);
}

static void t_did_you_mean(void **state)
{
    const char *cands[] = {"interval", "internal_domains", "lookback", NULL};
    assert_string_equal(cfg_did_you_mean("intreval", cands, 3), "interval");
    assert_string_equal(cfg_did_you_mean("LOOKBACK", cands, 3), "lookback");
    assert_null(cfg_did_you_mean("frequency", cands, 3));
    assert_null(cfg_did_you_mean("x", cands, 4));
    const char *short_cands[] = {"x", "v2", "v1"};
    assert_null(cfg_did_you_mean("q", short_cands, 3)); /* a whole-word change is no typo */
    assert_string_equal(cfg_did_you_mean("2", short_cands, 3), "v2");
    assert_string_equal(cfg_did_you_mean("V1", short_cands, 3), "v1");
}

/* ---- the mclog schema ------------------------------------------------------ */

static void t_schema_defaults_parse_cleanly(void **state)
{
    struct cfg_ctx c = {.file = "defaults", .diags = &D};
    struct mcl_config cfg;
    struct mcl_account_cfg acc;
    memset(&cfg, 0, sizeof cfg);
    memset(&acc, 0, sizeof acc);
    cfg_opt_defaults(&c, cfg_schema_root(), &cfg);
    cfg_opt_defaults(&c, cfg_schema_account(), &acc);
    assert_int_equal(c.errors, 0);
    assert_int_equal(acc.logs, MCL_LOGTYPE_ALL);
    cfg_opt_free(cfg_schema_root(), &cfg);
    cfg_opt_free(cfg_schema_account(), &acc);
}

static void t_logtype_names_match_core(void **state)
{
    const struct mcl_opt *o = cfg_schema_account();
    while (o->name && strcmp(o->name, "logs"))
        o++;
    assert_non_null(o->name);
    int n = 0;
    for (const struct mcl_opt_name *nm = o->names; nm->name; nm++, n++) {
        enum mcl_logtype t;
        assert_int_equal(mcl_logtype_parse(nm->name, &t), MCL_OK);
        assert_int_equal((int)t, nm->value);
        assert_string_equal(mcl_logtype_name(t), nm->name);
    }
    assert_int_equal(n, MCL_LOGTYPE_COUNT);
}

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

/* Every key has a row "| `key` | ... |" in docs/CONFIG.md that shows its default. */
static void check_doc_rows(const char *doc, const struct mcl_opt *opts)
{
    for (const struct mcl_opt *o = opts; o->name; o++) {
        assert_non_null(o->desc);
        char head[96];
        snprintf(head, sizeof head, "\n| `%s` |", o->name);
        const char *row = strstr(doc, head);
        if (!row) {
            free((void *)doc);
            fail_msg("docs/CONFIG.md has no table row for key '%s'", o->name);
        }
        size_t len = 1 + strcspn(row + 1, "\n");
        if (o->def) {
            char def[128];
            snprintf(def, sizeof def, "`%s`", o->def);
            char *line = strndup(row, len);
            bool shown = line && strstr(line, def);
            free(line);
            if (!shown) {
                free((void *)doc);
                fail_msg("docs/CONFIG.md row for '%s' does not show its default %s", o->name, def);
            }
        }
        if (o->type == MCL_OPT_SECTION)
            check_doc_rows(doc, o->sub);
    }
}

static void t_docs_list_every_key(void **state)
{
    char *doc = slurp(MCL_TEST_DATA_DIR "/../../docs/CONFIG.md");
    assert_non_null(doc);
    check_doc_rows(doc, cfg_schema_root());
    check_doc_rows(doc, cfg_schema_account());
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(t_generic_defaults, reset),
        cmocka_unit_test_teardown(t_generic_every_type, reset),
        cmocka_unit_test_teardown(t_generic_errors, reset),
        cmocka_unit_test_teardown(t_edit_distance, reset),
        cmocka_unit_test_teardown(t_did_you_mean, reset),
        cmocka_unit_test_teardown(t_schema_defaults_parse_cleanly, reset),
        cmocka_unit_test_teardown(t_logtype_names_match_core, reset),
        cmocka_unit_test_teardown(t_docs_list_every_key, reset),
    };
    return cmocka_run_group_tests(tests, NULL, reset);
}
