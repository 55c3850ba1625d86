/* Private to src/config/: the YAML tree, the load context and the generic
 * typed option tables. Nothing outside src/config/ (and its unit tests) may
 * include this file; config/config.h is the module's only public header.
 *
 * Layers:
 *   cfg_yaml.c  libyaml document -> struct cfg_node tree (positions, duplicate
 *               keys, aliases, limits); the only file that includes <yaml.h>
 *   cfg_env.c   ${NAME} expansion and *_file secret reading
 *   cfg_opt.c   generic option tables (struct mcl_opt): defaults, typed
 *               parsing, unknown keys with "did you mean", secrets, freeing
 *   cfg_diag.c  struct mcl_diags
 *   config.c    the mclog schema (tables + cross-field rules)
 *
 * Ownership: pointers passed in are borrowed; functions whose name contains
 * "dup" or "steal" return memory the caller frees.
 */
#ifndef MCL_CONFIG_CFG_INTERNAL_H
#define MCL_CONFIG_CFG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Limits (see docs/CONFIG.md "Limits"). */
#define CFG_MAX_FILE_BYTES (1024 * 1024)  /* whole configuration file */
#define CFG_MAX_NODES 100000              /* YAML nodes in the document */
#define CFG_MAX_DEPTH 32                  /* nesting of mappings/lists */
#define CFG_MAX_SECRET_FILE (64 * 1024)   /* one *_file secret */
#define CFG_MAX_DIAGS 200                 /* problems reported per load */
#define CFG_MAX_SHOWN 60                  /* characters of a value quoted in a message */

/* ---- YAML tree (cfg_yaml.c) ------------------------------------------- */

enum cfg_kind {
    CFG_NULL,    /* plain empty, ~, null, Null, NULL */
    CFG_SCALAR,
    CFG_MAP,
    CFG_SEQ,
};

struct cfg_node {
    enum cfg_kind kind;
    int line, col;         /* 1-based, of the node's first character */
    char *str;             /* SCALAR/NULL: text, NUL-terminated (may hold NULs, see len) */
    size_t len;
    struct cfg_node *kids; /* MAP: key, value, key, value...; SEQ: items */
    size_t n;              /* MAP: number of pairs; SEQ: number of items */
};

#define CFG_MAP_KEY(m, i) (&(m)->kids[2 * (i)])
#define CFG_MAP_VAL(m, i) (&(m)->kids[2 * (i) + 1])

struct cfg_ctx;

/* Parses `text`. On success *root is the document's root (free with
 * cfg_node_free_tree). When the text is not usable YAML (syntax error,
 * empty, several documents, aliases, limits) diagnostics are added and
 * *root is NULL; the return value is MCL_OK unless memory ran out. */
int cfg_yaml_parse(struct cfg_ctx *c, const char *text, size_t len, struct cfg_node **root);
void cfg_node_free_tree(struct cfg_node *root);
/* "a string", "a list", "a mapping", "no value". */
const char *cfg_kind_name(enum cfg_kind k);
/* The value node of key `name` in mapping `map`, or NULL. */
const struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *name,
                                   const struct cfg_node **key);

/* ---- Load context and diagnostics (cfg_diag.c) ------------------------ */

struct cfg_ctx {
    const char *file;         /* name used in diagnostics */
    struct mcl_diags *diags;
    size_t first_diag;        /* diags->n when the load started */
    unsigned errors;          /* problems found (also those not stored past the cap) */
    bool oom;                 /* an allocation failed: the load returns MCL_ENOMEM */
};

void cfg_error(struct cfg_ctx *c, const struct cfg_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cfg_error_at(struct cfg_ctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cfg_verror_at(struct cfg_ctx *c, int line, int col, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* A value made safe to quote in a message: control characters escaped,
 * truncated to CFG_MAX_SHOWN characters with "...". Never pass secrets.
 * Returns a thread-local buffer per slot (0..3) so a message can quote a few. */
const char *cfg_show(const char *s, int slot);
/* Sorts the diagnostics added during this load by position (stable) and
 * notes how many were not stored past CFG_MAX_DIAGS. */
void cfg_diags_finish(struct cfg_ctx *c);

/* ---- Values: ${ENV} expansion and secret files (cfg_env.c) ------------ */

/* Expands ${NAME}, ${NAME:-default} and the $${ escape in a scalar's text.
 * Returns a string to free, or NULL after adding a diagnostic at `at`
 * (unset variable, bad reference) or on allocation failure (c->oom).
 * `what` names the key for messages. */
char *cfg_expand_dup(struct cfg_ctx *c, const struct cfg_node *at, const char *what);
/* Same without diagnostics: NULL on any problem (used for labels). */
char *cfg_expand_quiet_dup(const struct cfg_node *at);
/* Reads a secret from `path` (regular file, 1..64 KiB, no NUL byte), trailing
 * whitespace stripped. Returns a string to free or NULL after a diagnostic
 * at `at` that names `key` and the path, never the content. */
char *cfg_read_secret_file_dup(struct cfg_ctx *c, const struct cfg_node *at, const char *key,
                               const char *path);

/* ---- Generic option tables (cfg_opt.c) -------------------------------- */

enum mcl_opt_type {
    MCL_OPT_STR,       /* char *                                             */
    MCL_OPT_INT,       /* int, decimal, range [min, max]                     */
    MCL_OPT_DURATION,  /* int64_t ms, mcl_duration_parse, range [min, max]   */
    MCL_OPT_SIZE,      /* uint64_t bytes, mcl_size_parse, range [min, max]   */
    MCL_OPT_ENUM,      /* int (or an enum), one of `names`                   */
    MCL_OPT_FLAGS,     /* unsigned bit set: list of unique `names` (bit = 1u << value) */
    MCL_OPT_STRS,      /* char ** + size_t count at offset_n                 */
    MCL_OPT_CIDRS,     /* struct mcl_cidr * + size_t count at offset_n       */
    MCL_OPT_SECTION,   /* nested mapping parsed with `sub` into the struct at offset */
    MCL_OPT_CUSTOM,    /* parsed, freed and walked by `custom` hooks         */
};

enum {
    MCL_OPT_REQUIRED = 1u << 0, /* must be set (when its group is active) */
    MCL_OPT_SECRET = 1u << 1,   /* STR: also accepted as <name>_file; never shown;
                                   registered for log redaction */
    MCL_OPT_NONEMPTY = 1u << 2, /* FLAGS/STRS/CIDRS: at least one item */
    MCL_OPT_NOECHO = 1u << 3,   /* value never quoted in messages (may hold credentials) */
    MCL_OPT_LOWER = 1u << 4,    /* STR/STRS: stored in lower case */
};

struct mcl_opt_name {
    const char *name;
    int value;
};

struct mcl_opt;

/* STR (and STRS item) validation after expansion; may normalise `value` in
 * place (only shortening it). Adds a diagnostic at `at` and returns nonzero
 * when the value is refused. `what` is the key as written. */
typedef int (*mcl_opt_check_fn)(struct cfg_ctx *c, const struct mcl_opt *o,
                                const struct cfg_node *at, const char *what, char *value);

struct mcl_opt_custom {
    /* `val` is the value node of `key`; `obj` the struct the table describes. */
    void (*parse)(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *key,
                  const struct cfg_node *val, void *obj);
    void (*free)(const struct mcl_opt *o, void *obj);
    int (*each_secret)(const struct mcl_opt *o, const void *obj,
                       int (*fn)(const char *secret, void *arg), void *arg);
};

struct mcl_opt {
    const char *name;            /* NULL ends a table */
    enum mcl_opt_type type;
    size_t offset;               /* offsetof(struct, field) */
    const char *def;             /* default written as in the file ("7d", "100",
                                    "audit, dlp" for lists); NULL = none */
    unsigned flags;
    unsigned group;              /* 0 = always valid; else bit(s) the schema
                                    activates (e.g. api v1 / v2) */
    int64_t min, max;            /* INT (both 0 = any int), DURATION/SIZE
                                    (max 0 = no upper bound), STR length (max 0 = none) */
    size_t offset_n;             /* STRS/CIDRS: offsetof the size_t count */
    const struct mcl_opt_name *names;  /* ENUM/FLAGS, ended by {NULL, 0} */
    const struct mcl_opt *sub;   /* SECTION */
    mcl_opt_check_fn check;      /* STR */
    const struct mcl_opt_custom *custom; /* CUSTOM */
    const char *example;         /* shown in type errors, e.g. "[audit, dlp]" */
    const char *item;            /* FLAGS/STRS/CIDRS: one item in messages ("log type") */
    const char *desc;            /* one line, for docs/CONFIG.md */
};

/* What a mapping set, one slot per table row (same index). */
struct cfg_seen {
    const struct cfg_node *key;  /* the key as written (may be "<name>_file") */
    const struct cfg_node *val;
    bool suggested;              /* an unknown key was reported as "did you mean"
                                    this row: no "missing required" for it */
};

size_t cfg_opt_count(const struct mcl_opt *opts);
/* Fills every row's default (recursing into SECTIONs). Defaults are checked
 * by the unit tests; a bad one is a programming error reported at 0:0. */
void cfg_opt_defaults(struct cfg_ctx *c, const struct mcl_opt *opts, void *obj);
/* Parses mapping `map` into `obj`. Unknown keys are reported as
 * "unknown key 'k'<where> (did you mean 'x'?)"; `where` is "" or e.g.
 * " in account 'acme'". `seen` (cfg_opt_count(opts) slots, zeroed by the
 * caller) may be NULL. Does not check required keys. */
void cfg_opt_parse_map(struct cfg_ctx *c, const struct cfg_node *map, const struct mcl_opt *opts,
                       void *obj, const char *where, struct cfg_seen *seen);
/* Reports every REQUIRED row whose group is 0 or in `groups` and that was not
 * set, at `map`: "<owner> is missing required key 'k'". */
void cfg_opt_check_required(struct cfg_ctx *c, const struct cfg_node *map,
                            const struct mcl_opt *opts, const struct cfg_seen *seen,
                            unsigned groups, const char *owner);
/* Expands a scalar value for option `o`, with a type error for lists and
 * mappings and an error for NULs / empty values. NULL after a diagnostic. */
char *cfg_opt_scalar_dup(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *val,
                         const char *what);
void cfg_opt_free(const struct mcl_opt *opts, void *obj);
/* Calls fn on every non-NULL SECRET value; stops at the first nonzero return. */
int cfg_opt_each_secret(const struct mcl_opt *opts, const void *obj,
                        int (*fn)(const char *secret, void *arg), void *arg);
/* Closest of `cands` (NULL-terminated) within edit distance 2, or NULL. */
const char *cfg_did_you_mean(const char *word, const char *const *cands, size_t n);
/* Optimal-string-alignment distance, capped at cap + 1. */
size_t cfg_edit_distance(const char *a, const char *b, size_t cap);

/* ---- The mclog schema (config.c), exposed for the unit tests ---------- */

const struct mcl_opt *cfg_schema_root(void);
const struct mcl_opt *cfg_schema_account(void);

#endif
