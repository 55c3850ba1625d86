/* Shared by the configuration tests: load text, collect the diagnostics in
 * D, and assert on them as "file:line:col: message" strings. Header-only
 * (static inline) because each test binary is one file. */
#ifndef MCL_TEST_CFGTEST_H
#define MCL_TEST_CFGTEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

static struct mcl_diags D;
static struct mcl_config *CFG;

static inline int reset(void **state)
{
    (void)state;
    mcl_config_free(CFG);
    CFG = NULL;
    mcl_diags_fini(&D);
    mcl_diags_init(&D);
    return 0;
}

static inline int load_n(const char *text, size_t len)
{
    reset(NULL);
    return mcl_config_load_text(text, len, "config.yaml", &CFG, &D);
}

static inline int load(const char *text)
{
    return load_n(text, strlen(text));
}

static inline char *diag_text(size_t i)
{
    static char buf[2048];
    const struct mcl_diag *g = &D.v[i];
    if (g->line)
        snprintf(buf, sizeof buf, "%s:%d:%d: %s", g->file, g->line, g->col, g->msg);
    else
        snprintf(buf, sizeof buf, "%s: %s", g->file, g->msg);
    return buf;
}

static inline void dump(void)
{
    for (size_t i = 0; i < D.n; i++)
        print_message("  got: %s\n", diag_text(i));
}

static inline bool any_diag_contains(const char *needle)
{
    for (size_t i = 0; i < D.n; i++) {
        if (strstr(diag_text(i), needle))
            return true;
    }
    return false;
}

#define assert_diag(exp)                                                                           \
    do {                                                                                           \
        bool found_ = false;                                                                       \
        for (size_t i_ = 0; i_ < D.n && !found_; i_++)                                            \
            found_ = !strcmp(diag_text(i_), (exp));                                                \
        if (!found_) {                                                                             \
            dump();                                                                                \
            fail_msg("missing diagnostic: %s", (exp));                                            \
        }                                                                                          \
    } while (0)

#define assert_ndiags(cnt)                                                                         \
    do {                                                                                           \
        if (D.n != (size_t)(cnt)) {                                                                \
            dump();                                                                                \
            fail_msg("expected %d diagnostics, got %zu", (int)(cnt), D.n);                        \
        }                                                                                          \
    } while (0)

#define assert_only_diag(exp)                                                                      \
    do {                                                                                           \
        assert_ndiags(1);                                                                          \
        assert_diag(exp);                                                                          \
    } while (0)

#define assert_loads(text)                                                                         \
    do {                                                                                           \
        int rc_ = load(text);                                                                      \
        if (rc_ != MCL_OK) {                                                                       \
            dump();                                                                                \
            fail_msg("load failed: %d", rc_);                                                      \
        }                                                                                          \
        assert_non_null(CFG);                                                                      \
    } while (0)

#endif
