/* Generic typed option tables: a mapping in the YAML tree -> fields of a
 * struct, driven by a `const struct mcl_opt[]` table (name, type, offsetof,
 * default, flags, range, description). Nothing here knows the mclog schema.
 *
 * Rules implemented once for every table:
 *   - unknown keys are errors, with "did you mean" (edit distance <= 2);
 *   - SECRET rows are also accepted as "<name>_file" (never both);
 *   - every scalar value goes through ${ENV} expansion;
 *   - a key with no value is an empty mapping (SECTION) or an empty list
 *     (FLAGS/STRS/CIDRS), and an error for single values;
 *   - secrets and NOECHO values are never quoted in messages.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfg_internal.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/netaddr.h"
#include "core/str.h"
#include "core/time.h"

#define FIELD(obj, o, T) ((T *)(void *)((char *)(obj) + (o)->offset))
#define FIELD_N(obj, o) ((size_t *)(void *)((char *)(obj) + (o)->offset_n))
#define MIN_SECRET_LEN 4 /* shorter strings are not redacted by core/log.c */

size_t cfg_opt_count(const struct mcl_opt *opts)
{
    size_t n = 0;
    while (opts && opts[n].name)
        n++;
    return n;
}

/* ---- did you mean ----------------------------------------------------- */

size_t cfg_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    if (la > 64 || lb > 64)
        return cap + 1;
    /* Optimal string alignment: insert, delete, substitute, swap neighbours. */
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb] > cap ? cap + 1 : d[la][lb];
}

const char *cfg_did_you_mean(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t d = strcasecmp(word, cands[i]) ? cfg_edit_distance(word, cands[i], 2) : 0;
        /* Replacing every character of a short word is not a typo ('q' vs 'x'). */
        size_t longest = strlen(word) > strlen(cands[i]) ? strlen(word) : strlen(cands[i]);
        if (d && d >= longest)
            continue;
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best_d <= 2 ? best : NULL;
}

/* Candidate keys of a table: every name, and "<name>_file" for secrets. */
struct keynames {
    const char *v[256];
    char files[128][72];
    size_t n, nf;
};

static void keynames_fill(struct keynames *k, const struct mcl_opt *opts)
{
    k->n = k->nf = 0;
    for (const struct mcl_opt *o = opts; o->name && k->n < 256; o++) {
        k->v[k->n++] = o->name;
        if ((o->flags & MCL_OPT_SECRET) && k->nf < 128 && k->n < 256 &&
            strlen(o->name) + 6 <= sizeof k->files[0]) {
            snprintf(k->files[k->nf], sizeof k->files[0], "%s_file", o->name);
            k->v[k->n++] = k->files[k->nf++];
        }
    }
}

static const char *names_list(const struct mcl_opt_name *names, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (const struct mcl_opt_name *n = names; n && n->name; n++) {
        int w = snprintf(buf + o, size - o, "%s%s", o ? ", " : "", n->name);
        if (w < 0 || (size_t)w >= size - o)
            break;
        o += (size_t)w;
    }
    return buf;
}

static const struct mcl_opt_name *names_find(const struct mcl_opt_name *names, const char *s)
{
    for (const struct mcl_opt_name *n = names; n && n->name; n++) {
        if (!strcmp(n->name, s))
            return n;
    }
    return NULL;
}

static const char *names_suggest(const struct mcl_opt_name *names, const char *s)
{
    const char *v[64];
    size_t n = 0;
    for (const struct mcl_opt_name *p = names; p && p->name && n < 64; p++)
        v[n++] = p->name;
    return cfg_did_you_mean(s, v, n);
}

/* ---- scalars ---------------------------------------------------------- */

static bool hidden(const struct mcl_opt *o)
{
    return o->flags & (MCL_OPT_SECRET | MCL_OPT_NOECHO);
}

char *cfg_opt_scalar_dup(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *val,
                         const char *what)
{
    if (val->kind == CFG_NULL) {
        if (o && o->def)
            cfg_error(c, val, "'%s' has no value; give one, or remove the key to use the default (%s)",
                      what, o->def);
        else
            cfg_error(c, val, "'%s' has no value; give one, or remove the key", what);
        return NULL;
    }
    if (val->kind != CFG_SCALAR) {
        cfg_error(c, val, "'%s' must be a single value, got %s", what, cfg_kind_name(val->kind));
        return NULL;
    }
    if (strlen(val->str) != val->len) {
        cfg_error(c, val, "'%s' contains a NUL character (\\0)", what);
        return NULL;
    }
    return cfg_expand_dup(c, val, what);
}

static bool parse_int(const char *s, long long *out)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++) {
        if (!isdigit((unsigned char)*q))
            return false;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Type errors for scalar rows, e.g. "must be an integer between 1 and 500". */
static void expect_text(const struct mcl_opt *o, char *buf, size_t size)
{
    char tmp[512];
    switch (o->type) {
    case MCL_OPT_INT:
        if (o->min || o->max)
            snprintf(buf, size, "an integer between %lld and %lld", (long long)o->min,
                     (long long)o->max);
        else
            snprintf(buf, size, "an integer");
        return;
    case MCL_OPT_DURATION:
        snprintf(buf, size, "a duration like %s", o->example ? o->example : "30s, 5m, 1h");
        return;
    case MCL_OPT_SIZE:
        snprintf(buf, size, "a size like %s", o->example ? o->example : "512KiB, 10MiB");
        return;
    case MCL_OPT_ENUM:
        snprintf(buf, size, "one of %s", names_list(o->names, tmp, sizeof tmp));
        return;
    case MCL_OPT_FLAGS:
    case MCL_OPT_STRS:
    case MCL_OPT_CIDRS:
        if (o->example)
            snprintf(buf, size, "a list like %s", o->example);
        else
            snprintf(buf, size, "a list");
        return;
    case MCL_OPT_SECTION:
        snprintf(buf, size, "a mapping (keys indented below it)");
        return;
    case MCL_OPT_STR:
    case MCL_OPT_CUSTOM:
        break;
    }
    snprintf(buf, size, "a string");
}

static void type_error(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *val,
                       const char *what, const char *got)
{
    char exp[600];
    expect_text(o, exp, sizeof exp);
    if (got && !hidden(o))
        cfg_error(c, val, "'%s' must be %s, got '%s'", what, exp, cfg_show(got, 0));
    else
        cfg_error(c, val, "'%s' must be %s, got %s", what, exp,
                  got ? "something else (the value is not shown)" : cfg_kind_name(val->kind));
}

/* Scalar text of a single-value row; type errors for lists and mappings are
 * phrased with the row's expected type. */
static char *scalar_for(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *val,
                        const char *what)
{
    if (val->kind == CFG_MAP || val->kind == CFG_SEQ) {
        type_error(c, o, val, what, NULL);
        return NULL;
    }
    return cfg_opt_scalar_dup(c, o, val, what);
}

static void parse_str(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *val,
                      void *obj, const char *what, bool from_file)
{
    char *s = scalar_for(c, o, val, what);
    if (!s)
        return;
    if (from_file) {
        if (!*s) {
            cfg_error(c, val, "'%s' must be a file path, got an empty string", what);
            free(s);
            return;
        }
        char *sec = cfg_read_secret_file_dup(c, val, what, s);
        free(s);
        if (!sec)
            return;
        s = sec;
    }
    size_t len = strlen(s);
    if (!len) {
        cfg_error(c, val, "'%s' must not be empty; remove the key if you do not need it", what);
        goto bad;
    }
    size_t min = o->min > 0 ? (size_t)o->min : 0;
    if ((o->flags & MCL_OPT_SECRET) && min < MIN_SECRET_LEN)
        min = MIN_SECRET_LEN;
    if (len < min) {
        cfg_error(c, val, "'%s' is too short: it must be at least %zu characters", what, min);
        goto bad;
    }
    if (o->max > 0 && len > (size_t)o->max) {
        cfg_error(c, val, "'%s' is too long: it must be at most %lld characters", what,
                  (long long)o->max);
        goto bad;
    }
    if (o->flags & MCL_OPT_LOWER) {
        for (char *p = s; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    if (o->check && o->check(c, o, val, what, s))
        goto bad;
    char **f = FIELD(obj, o, char *);
    free(*f);
    *f = s;
    return;
bad:
    if (o->flags & MCL_OPT_SECRET)
        memset(s, 0, len);
    free(s);
}

static void parse_number(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *val,
                         void *obj, const char *what)
{
    char *s = scalar_for(c, o, val, what);
    if (!s)
        return;
    char lo[MCL_TIME_TEXT_MAX], hi[MCL_TIME_TEXT_MAX];
    switch (o->type) {
    case MCL_OPT_INT: {
        long long v;
        long long min = o->min || o->max ? o->min : INT_MIN;
        long long max = o->min || o->max ? o->max : INT_MAX;
        if (!parse_int(s, &v) || v < min || v > max)
            type_error(c, o, val, what, s);
        else
            *FIELD(obj, o, int) = (int)v;
        break;
    }
    case MCL_OPT_DURATION: {
        int64_t v;
        if (mcl_duration_parse(s, &v)) {
            type_error(c, o, val, what, s);
        } else if (v < o->min) {
            mcl_duration_format(o->min, lo);
            cfg_error(c, val, "'%s' must be at least %s, got '%s'", what, lo, cfg_show(s, 0));
        } else if (o->max > 0 && v > o->max) {
            mcl_duration_format(o->max, hi);
            cfg_error(c, val, "'%s' must be at most %s, got '%s'", what, hi, cfg_show(s, 0));
        } else {
            *FIELD(obj, o, int64_t) = v;
        }
        break;
    }
    case MCL_OPT_SIZE: {
        uint64_t v;
        if (mcl_size_parse(s, &v)) {
            type_error(c, o, val, what, s);
        } else if (o->min > 0 && v < (uint64_t)o->min) {
            cfg_error(c, val, "'%s' must be at least %lld bytes, got '%s'", what,
                      (long long)o->min, cfg_show(s, 0));
        } else if (o->max > 0 && v > (uint64_t)o->max) {
            cfg_error(c, val, "'%s' must be at most %lld bytes, got '%s'", what,
                      (long long)o->max, cfg_show(s, 0));
        } else {
            *FIELD(obj, o, uint64_t) = v;
        }
        break;
    }
    case MCL_OPT_ENUM: {
        const struct mcl_opt_name *n = names_find(o->names, s);
        if (n) {
            *FIELD(obj, o, int) = n->value;
            break;
        }
        char list[512];
        const char *sug = names_suggest(o->names, s);
        if (sug)
            cfg_error(c, val, "'%s' must be one of %s, got '%s' (did you mean '%s'?)", what,
                      names_list(o->names, list, sizeof list), cfg_show(s, 0), sug);
        else
            type_error(c, o, val, what, s);
        break;
    }
    default:
        break;
    }
    free(s);
}

/* ---- lists ------------------------------------------------------------ */

static const char *item_noun(const struct mcl_opt *o)
{
    return o->item ? o->item : "value";
}

static void list_free(const struct mcl_opt *o, void *obj)
{
    size_t *n = FIELD_N(obj, o);
    if (o->type == MCL_OPT_STRS) {
        char **v = *FIELD(obj, o, char **);
        for (size_t i = 0; i < *n; i++)
            free(v[i]);
        free(v);
        *FIELD(obj, o, char **) = NULL;
    } else if (o->type == MCL_OPT_CIDRS) {
        free(*FIELD(obj, o, struct mcl_cidr *));
        *FIELD(obj, o, struct mcl_cidr *) = NULL;
    }
    *n = 0;
}

static void parse_list(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *val,
                       void *obj, const char *what)
{
    if (val->kind == CFG_SCALAR || val->kind == CFG_MAP) {
        type_error(c, o, val, what, NULL);
        return;
    }
    size_t n = val->kind == CFG_SEQ ? val->n : 0;
    unsigned bits = 0;
    const struct cfg_node **first = NULL; /* FLAGS: where each value was first listed */
    char **strs = NULL;
    struct mcl_cidr *cidrs = NULL;
    size_t got = 0;
    bool bad = false;

    if (o->type == MCL_OPT_FLAGS)
        first = calloc(32, sizeof *first);
    else if (o->type == MCL_OPT_STRS)
        strs = calloc(n ? n : 1, sizeof *strs);
    else
        cidrs = calloc(n ? n : 1, sizeof *cidrs);
    if (!first && !strs && !cidrs) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct cfg_node *it = &val->kids[i];
        if (it->kind != CFG_SCALAR) {
            cfg_error(c, it, "'%s': each %s must be a single value, got %s", what, item_noun(o),
                      cfg_kind_name(it->kind));
            bad = true;
            continue;
        }
        char *s = cfg_opt_scalar_dup(c, NULL, it, what);
        if (!s) {
            bad = true;
            continue;
        }
        if (o->type == MCL_OPT_FLAGS) {
            char list[512];
            const struct mcl_opt_name *nm = names_find(o->names, s);
            const char *sug = nm ? NULL : names_suggest(o->names, s);
            if (!nm && sug) {
                cfg_error(c, it, "'%s': unknown %s '%s' (known: %s; did you mean '%s'?)", what,
                          item_noun(o), cfg_show(s, 0), names_list(o->names, list, sizeof list),
                          sug);
                bad = true;
            } else if (!nm) {
                cfg_error(c, it, "'%s': unknown %s '%s' (known: %s)", what, item_noun(o),
                          cfg_show(s, 0), names_list(o->names, list, sizeof list));
                bad = true;
            } else if (nm->value < 0 || nm->value >= 32) {
                bad = true; /* table error */
            } else if (first[nm->value]) {
                cfg_error(c, it, "'%s': '%s' is listed twice (first at %d:%d)", what,
                          cfg_show(s, 0), first[nm->value]->line, first[nm->value]->col);
                bad = true;
            } else {
                first[nm->value] = it;
                bits |= 1u << nm->value;
                got++;
            }
            free(s);
        } else if (o->type == MCL_OPT_STRS) {
            if (!*s) {
                cfg_error(c, it, "'%s': empty %s; remove it from the list", what, item_noun(o));
                free(s);
                bad = true;
                continue;
            }
            if (o->flags & MCL_OPT_LOWER) {
                for (char *p = s; *p; p++)
                    *p = (char)tolower((unsigned char)*p);
            }
            if (o->check && o->check(c, o, it, what, s)) {
                free(s);
                bad = true;
                continue;
            }
            strs[got++] = s;
        } else {
            if (mcl_cidr_parse(s, &cidrs[got])) {
                cfg_error(c, it, "'%s': '%s' is not a network like 10.0.0.0/8 or 2001:db8::/32",
                          what, cfg_show(s, 0));
                bad = true;
            } else {
                got++;
            }
            free(s);
        }
    }
    if (!bad && !got && (o->flags & MCL_OPT_NONEMPTY))
        cfg_error(c, val, "'%s' must list at least one %s", what, item_noun(o));
    /* Store what parsed (the load fails anyway when something did not). */
    if (o->type == MCL_OPT_FLAGS) {
        *FIELD(obj, o, unsigned) = bits;
        free(first);
        return;
    }
    list_free(o, obj);
    if (o->type == MCL_OPT_STRS)
        *FIELD(obj, o, char **) = strs;
    else
        *FIELD(obj, o, struct mcl_cidr *) = cidrs;
    *FIELD_N(obj, o) = got;
}

/* ---- mappings --------------------------------------------------------- */

static void parse_section(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *val,
                          void *obj, const char *what)
{
    if (val->kind == CFG_SCALAR || val->kind == CFG_SEQ) {
        type_error(c, o, val, what, NULL);
        return;
    }
    if (val->kind == CFG_NULL) /* "server:" with everything commented out */
        return;
    void *sub = (char *)obj + o->offset;
    size_t n = cfg_opt_count(o->sub);
    struct cfg_seen *seen = calloc(n ? n : 1, sizeof *seen);
    if (!seen) {
        c->oom = true;
        return;
    }
    char where[96], owner[96];
    snprintf(where, sizeof where, " in '%s'", what);
    snprintf(owner, sizeof owner, "'%s'", what);
    cfg_opt_parse_map(c, val, o->sub, sub, where, seen);
    cfg_opt_check_required(c, val, o->sub, seen, ~0u, owner);
    free(seen);
}

static void parse_value(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *key,
                        const struct cfg_node *val, void *obj, const char *what, bool from_file)
{
    switch (o->type) {
    case MCL_OPT_STR:
        parse_str(c, o, val, obj, what, from_file);
        return;
    case MCL_OPT_INT:
    case MCL_OPT_DURATION:
    case MCL_OPT_SIZE:
    case MCL_OPT_ENUM:
        parse_number(c, o, val, obj, what);
        return;
    case MCL_OPT_FLAGS:
    case MCL_OPT_STRS:
    case MCL_OPT_CIDRS:
        parse_list(c, o, val, obj, what);
        return;
    case MCL_OPT_SECTION:
        parse_section(c, o, val, obj, what);
        return;
    case MCL_OPT_CUSTOM:
        if (o->custom && o->custom->parse)
            o->custom->parse(c, o, key, val, obj);
        return;
    }
}

static const struct mcl_opt *find_row(const struct mcl_opt *opts, const char *k, size_t len,
                                      size_t *idx)
{
    for (size_t i = 0; opts[i].name; i++) {
        if (strlen(opts[i].name) == len && !memcmp(opts[i].name, k, len)) {
            *idx = i;
            return &opts[i];
        }
    }
    return NULL;
}

/* Returns the row suggested by "did you mean", or NULL. */
static const char *unknown_key(struct cfg_ctx *c, const struct cfg_node *k,
                               const struct mcl_opt *opts, const char *where)
{
    const char *name = k->str;
    size_t len = strlen(name), idx;
    if (len > 5 && !strcmp(name + len - 5, "_file")) {
        const struct mcl_opt *o = find_row(opts, name, len - 5, &idx);
        if (o) {
            cfg_error(c, k, "'%s'%s: only secrets can be read from a file; set '%s' directly",
                      cfg_show(name, 0), where, o->name);
            return NULL;
        }
    }
    struct keynames *kn = malloc(sizeof *kn);
    if (!kn) {
        c->oom = true;
        return NULL;
    }
    keynames_fill(kn, opts);
    const char *sug = cfg_did_you_mean(name, kn->v, kn->n);
    if (sug) {
        cfg_error(c, k, "unknown key '%s'%s (did you mean '%s'?)", cfg_show(name, 0), where, sug);
    } else if (kn->n <= 8) {
        char list[512];
        size_t o = 0;
        list[0] = '\0';
        for (size_t i = 0; i < kn->n; i++) {
            int w = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", kn->v[i]);
            if (w < 0 || (size_t)w >= sizeof list - o)
                break;
            o += (size_t)w;
        }
        cfg_error(c, k, "unknown key '%s'%s (valid keys: %s)", cfg_show(name, 0), where, list);
    } else {
        cfg_error(c, k, "unknown key '%s'%s (see docs/CONFIG.md for the valid keys)",
                  cfg_show(name, 0), where);
    }
    /* Map "x_file" back to row "x" (the strings in kn are about to go). */
    const char *row = NULL;
    for (size_t i = 0; sug && opts[i].name && !row; i++) {
        size_t l = strlen(opts[i].name);
        if (!strncmp(sug, opts[i].name, l) && (!sug[l] || !strcmp(sug + l, "_file")))
            row = opts[i].name;
    }
    free(kn);
    return row;
}

void cfg_opt_parse_map(struct cfg_ctx *c, const struct cfg_node *map, const struct mcl_opt *opts,
                       void *obj, const char *where, struct cfg_seen *seen)
{
    size_t nrows = cfg_opt_count(opts);
    struct cfg_seen *own = NULL;
    if (!seen) {
        own = seen = calloc(nrows ? nrows : 1, sizeof *seen);
        if (!seen) {
            c->oom = true;
            return;
        }
    }
    for (size_t i = 0; map->kind == CFG_MAP && i < map->n && !c->oom; i++) {
        const struct cfg_node *k = CFG_MAP_KEY(map, i), *v = CFG_MAP_VAL(map, i);
        size_t idx, len = k->len;
        bool from_file = false;
        const struct mcl_opt *o = strlen(k->str) == len ? find_row(opts, k->str, len, &idx) : NULL;
        if (!o && len > 5 && !strcmp(k->str + len - 5, "_file")) {
            o = find_row(opts, k->str, len - 5, &idx);
            if (o && !(o->flags & MCL_OPT_SECRET))
                o = NULL;
            from_file = o != NULL;
        }
        if (!o) {
            const char *sug = unknown_key(c, k, opts, where);
            if (sug && find_row(opts, sug, strlen(sug), &idx))
                seen[idx].suggested = true;
            continue;
        }
        if (seen[idx].key) {
            /* Same name twice was caught by the YAML layer: this is x + x_file. */
            cfg_error(c, k, "set either '%s' or '%s_file', not both (the other is at %d:%d)",
                      o->name, o->name, seen[idx].key->line, seen[idx].key->col);
            continue;
        }
        seen[idx].key = k;
        seen[idx].val = v;
        parse_value(c, o, k, v, obj, k->str, from_file);
    }
    free(own);
}

void cfg_opt_check_required(struct cfg_ctx *c, const struct cfg_node *map,
                            const struct mcl_opt *opts, const struct cfg_seen *seen,
                            unsigned groups, const char *owner)
{
    for (size_t i = 0; opts[i].name; i++) {
        const struct mcl_opt *o = &opts[i];
        if (!(o->flags & MCL_OPT_REQUIRED) || seen[i].key || seen[i].suggested)
            continue;
        if (o->group && !(o->group & groups))
            continue;
        if (o->flags & MCL_OPT_SECRET)
            cfg_error(c, map, "%s is missing required key '%s' (or '%s_file')", owner, o->name,
                      o->name);
        else
            cfg_error(c, map, "%s is missing required key '%s'", owner, o->name);
    }
}

/* ---- defaults, free, secrets ------------------------------------------ */

void cfg_opt_defaults(struct cfg_ctx *c, const struct mcl_opt *opts, void *obj)
{
    for (const struct mcl_opt *o = opts; o->name && !c->oom; o++) {
        if (o->type == MCL_OPT_SECTION) {
            cfg_opt_defaults(c, o->sub, (char *)obj + o->offset);
            continue;
        }
        if (!o->def)
            continue;
        struct cfg_node val = {.kind = CFG_SCALAR, .str = (char *)o->def, .len = strlen(o->def)};
        if (o->type != MCL_OPT_FLAGS && o->type != MCL_OPT_STRS && o->type != MCL_OPT_CIDRS) {
            parse_value(c, o, NULL, &val, obj, o->name, false);
            continue;
        }
        /* List defaults are written "a, b, c". */
        struct cfg_node items[32];
        char text[32][64];
        size_t n = 0;
        const char *p = o->def;
        while (*p && n < 32) {
            while (*p == ' ' || *p == ',')
                p++;
            size_t l = strcspn(p, ", ");
            if (!l)
                break;
            if (l >= sizeof text[0])
                l = sizeof text[0] - 1;
            memcpy(text[n], p, l);
            text[n][l] = '\0';
            items[n] = (struct cfg_node){.kind = CFG_SCALAR, .str = text[n], .len = l};
            n++;
            p += strcspn(p, ", ");
        }
        struct cfg_node seq = {.kind = CFG_SEQ, .kids = items, .n = n};
        parse_list(c, o, &seq, obj, o->name);
    }
}

void cfg_opt_free(const struct mcl_opt *opts, void *obj)
{
    if (!obj)
        return;
    for (const struct mcl_opt *o = opts; o->name; o++) {
        switch (o->type) {
        case MCL_OPT_STR: {
            char **f = FIELD(obj, o, char *);
            if (*f && (o->flags & MCL_OPT_SECRET))
                memset(*f, 0, strlen(*f));
            free(*f);
            *f = NULL;
            break;
        }
        case MCL_OPT_STRS:
        case MCL_OPT_CIDRS:
            list_free(o, obj);
            break;
        case MCL_OPT_SECTION:
            cfg_opt_free(o->sub, (char *)obj + o->offset);
            break;
        case MCL_OPT_CUSTOM:
            if (o->custom && o->custom->free)
                o->custom->free(o, obj);
            break;
        default:
            break;
        }
    }
}

int cfg_opt_each_secret(const struct mcl_opt *opts, const void *obj,
                        int (*fn)(const char *secret, void *arg), void *arg)
{
    int rc = MCL_OK;
    for (const struct mcl_opt *o = opts; o->name && !rc; o++) {
        if (o->type == MCL_OPT_STR && (o->flags & MCL_OPT_SECRET)) {
            const char *s = *(char *const *)(const void *)((const char *)obj + o->offset);
            if (s)
                rc = fn(s, arg);
        } else if (o->type == MCL_OPT_SECTION) {
            rc = cfg_opt_each_secret(o->sub, (const char *)obj + o->offset, fn, arg);
        } else if (o->type == MCL_OPT_CUSTOM && o->custom && o->custom->each_secret) {
            rc = o->custom->each_secret(o, obj, fn, arg);
        }
    }
    return rc;
}
