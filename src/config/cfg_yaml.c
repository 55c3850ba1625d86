/* YAML text -> struct cfg_node tree, with libyaml.
 *
 * Two passes over the text:
 *  1. prescan(): libyaml's event API, to enforce the limits before anything
 *     is built. libyaml re-examines every open flow level for each token, so
 *     parsing "[[[[..." is quadratic in the depth (100k levels took 24 s);
 *     stopping at CFG_MAX_DEPTH keeps a 1 MiB file cheap. It also reports
 *     syntax errors, every alias at its exact position, and a second
 *     document.
 *  2. the document API (yaml_parser_load), whose node table we copy into our
 *     own tree so the rest of the module never sees <yaml.h>, adding what
 *     libyaml does not do: duplicate-key detection and key type checks.
 *
 * Aliases ("*name", merge keys "<<: *name") are refused: they would defeat
 * duplicate detection and allow "billion laughs" blow-ups. Anchors alone are
 * harmless and accepted. (The loader resolves an alias to the anchored node,
 * so pass 2 also refuses a node reached twice, as a second line of defence.)
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/cfg_internal.h"
#include "core/err.h"

struct conv {
    struct cfg_ctx *c;
    yaml_document_t *doc;
    unsigned char *visited; /* per node id */
    size_t n_nodes;
    bool broken;            /* aliases or too deep: the tree is not usable */
};

static int mark_line(yaml_mark_t m)
{
    return m.line >= (size_t)INT32_MAX ? INT32_MAX : (int)m.line + 1;
}

static int mark_col(yaml_mark_t m)
{
    return m.column >= (size_t)INT32_MAX ? INT32_MAX : (int)m.column + 1;
}

const char *cfg_kind_name(enum cfg_kind k)
{
    switch (k) {
    case CFG_SCALAR:
        return "a string";
    case CFG_MAP:
        return "a mapping";
    case CFG_SEQ:
        return "a list";
    case CFG_NULL:
        break;
    }
    return "no value";
}

static void node_fini(struct cfg_node *n)
{
    if (!n)
        return;
    free(n->str);
    if (n->kids) {
        size_t k = n->kind == CFG_MAP ? 2 * n->n : n->n;
        for (size_t i = 0; i < k; i++)
            node_fini(&n->kids[i]);
        free(n->kids);
    }
    memset(n, 0, sizeof *n);
}

void cfg_node_free_tree(struct cfg_node *root)
{
    node_fini(root);
    free(root);
}

const struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *name,
                                   const struct cfg_node **key)
{
    if (!map || map->kind != CFG_MAP)
        return NULL;
    size_t nl = strlen(name);
    for (size_t i = 0; i < map->n; i++) {
        const struct cfg_node *k = CFG_MAP_KEY(map, i);
        if (k->len == nl && !memcmp(k->str, name, nl)) {
            if (key)
                *key = k;
            return CFG_MAP_VAL(map, i);
        }
    }
    return NULL;
}

static bool plain_null(const yaml_node_t *y)
{
    if (y->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)y->data.scalar.value;
    size_t n = y->data.scalar.length;
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

static void syntax_error(struct cfg_ctx *c, const yaml_parser_t *p, const char *text, size_t len)
{
    if (p->error == YAML_MEMORY_ERROR) {
        c->oom = true;
        return;
    }
    int line, col;
    if (p->error == YAML_READER_ERROR) {
        /* Reader errors carry a byte offset, not a mark: count characters. */
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        line = 1;
        col = 1;
        for (size_t i = 0; i < off; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
                col++;
            }
        }
        if (p->problem_value >= 0)
            cfg_error_at(c, line, col, "not valid YAML text: %s (byte 0x%02x); save the file as UTF-8",
                         p->problem ? p->problem : "unreadable", (unsigned)p->problem_value & 0xffu);
        else
            cfg_error_at(c, line, col, "not valid YAML text: %s; save the file as UTF-8",
                         p->problem ? p->problem : "unreadable");
        return;
    }
    line = mark_line(p->problem_mark);
    col = mark_col(p->problem_mark);
    bool same = p->context_mark.line == p->problem_mark.line &&
                p->context_mark.column == p->problem_mark.column;
    if (p->context && same)
        cfg_error_at(c, line, col, "YAML syntax error: %s (%s)",
                     p->problem ? p->problem : "unknown problem", p->context);
    else if (p->context)
        cfg_error_at(c, line, col, "YAML syntax error: %s (%s that started at %d:%d)",
                     p->problem ? p->problem : "unknown problem", p->context,
                     mark_line(p->context_mark), mark_col(p->context_mark));
    else
        cfg_error_at(c, line, col, "YAML syntax error: %s",
                     p->problem ? p->problem : "unknown problem");
}

static yaml_node_t *get_node(struct conv *cv, int id)
{
    if (id < 1 || (size_t)id > cv->n_nodes)
        return NULL;
    return yaml_document_get_node(cv->doc, id);
}

static void convert(struct conv *cv, int id, struct cfg_node *out, int depth);

/* Converts child `id`. prescan() refused every alias, so a node reached
 * twice means libyaml surprised us: refuse the file rather than loop. */
static void convert_child(struct conv *cv, int id, struct cfg_node *out, int depth, int line,
                          int col)
{
    if (!get_node(cv, id) || cv->visited[id - 1]) {
        if (!cv->broken)
            cfg_error_at(cv->c, line, col, "YAML node used twice; write the value out in full");
        cv->broken = true;
        out->kind = CFG_NULL;
        out->line = line;
        out->col = col;
        return;
    }
    convert(cv, id, out, depth);
}

struct keyref {
    const struct cfg_node *k;
    size_t i;
};

static int keyref_cmp(const void *pa, const void *pb)
{
    const struct keyref *a = pa, *b = pb;
    if (a->k->len != b->k->len)
        return a->k->len < b->k->len ? -1 : 1;
    int r = memcmp(a->k->str, b->k->str, a->k->len);
    if (r)
        return r;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Drops pairs whose key is not a scalar or repeats an earlier key. */
static void check_keys(struct conv *cv, struct cfg_node *map)
{
    struct cfg_ctx *c = cv->c;
    size_t n = map->n;
    bool *drop = calloc(n ? n : 1, sizeof *drop);
    struct keyref *refs = calloc(n ? n : 1, sizeof *refs);
    if (!drop || !refs) {
        c->oom = true;
        goto out;
    }
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cfg_node *k = CFG_MAP_KEY(map, i);
        if (k->kind == CFG_SCALAR) {
            refs[nr++] = (struct keyref){k, i};
            continue;
        }
        drop[i] = true;
        if (k->kind == CFG_NULL)
            cfg_error(c, k, "empty mapping key: write a name before ':'");
        else
            cfg_error(c, k, "mapping keys must be plain names, got %s", cfg_kind_name(k->kind));
    }
    qsort(refs, nr, sizeof *refs, keyref_cmp);
    /* Sorted by (key, position): the first of a run of equal keys is the original. */
    size_t first = 0;
    for (size_t i = 1; i < nr; i++) {
        const struct cfg_node *k = refs[i].k, *f = refs[first].k;
        if (k->len != f->len || memcmp(k->str, f->str, k->len)) {
            first = i;
            continue;
        }
        drop[refs[i].i] = true;
        cfg_error(c, k, "duplicate key '%s' (first defined at %d:%d); keep only one",
                  cfg_show(k->str, 0), f->line, f->col);
    }
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (drop[i]) {
            node_fini(CFG_MAP_KEY(map, i));
            node_fini(CFG_MAP_VAL(map, i));
            continue;
        }
        if (w != i) {
            *CFG_MAP_KEY(map, w) = *CFG_MAP_KEY(map, i);
            *CFG_MAP_VAL(map, w) = *CFG_MAP_VAL(map, i);
        }
        w++;
    }
    map->n = w;
out:
    free(drop);
    free(refs);
}

static void convert(struct conv *cv, int id, struct cfg_node *out, int depth)
{
    struct cfg_ctx *c = cv->c;
    yaml_node_t *y = get_node(cv, id);
    if (!y) {
        cv->broken = true;
        return;
    }
    cv->visited[id - 1] = 1;
    out->line = mark_line(y->start_mark);
    out->col = mark_col(y->start_mark);
    if (depth > CFG_MAX_DEPTH && y->type != YAML_SCALAR_NODE) {
        cfg_error(c, out, "nesting is deeper than %d levels; the configuration never needs that",
                  CFG_MAX_DEPTH);
        out->kind = CFG_NULL;
        cv->broken = true;
        return;
    }
    switch (y->type) {
    case YAML_SCALAR_NODE:
        out->kind = plain_null(y) ? CFG_NULL : CFG_SCALAR;
        out->len = y->data.scalar.length;
        out->str = malloc(out->len + 1);
        if (!out->str) {
            c->oom = true;
            return;
        }
        memcpy(out->str, y->data.scalar.value, out->len);
        out->str[out->len] = '\0';
        return;
    case YAML_SEQUENCE_NODE: {
        out->kind = CFG_SEQ;
        size_t n = (size_t)(y->data.sequence.items.top - y->data.sequence.items.start);
        if (!n)
            return;
        out->kids = calloc(n, sizeof *out->kids);
        if (!out->kids) {
            c->oom = true;
            return;
        }
        out->n = n;
        for (size_t i = 0; i < n && !c->oom; i++)
            convert_child(cv, y->data.sequence.items.start[i], &out->kids[i], depth + 1,
                          out->line, out->col);
        return;
    }
    case YAML_MAPPING_NODE: {
        out->kind = CFG_MAP;
        size_t n = (size_t)(y->data.mapping.pairs.top - y->data.mapping.pairs.start);
        if (!n)
            return;
        out->kids = calloc(2 * n, sizeof *out->kids);
        if (!out->kids) {
            c->oom = true;
            return;
        }
        out->n = n;
        for (size_t i = 0; i < n && !c->oom; i++) {
            yaml_node_pair_t *pr = &y->data.mapping.pairs.start[i];
            struct cfg_node *k = CFG_MAP_KEY(out, i);
            convert_child(cv, pr->key, k, depth + 1, out->line, out->col);
            if (c->oom)
                break;
            convert_child(cv, pr->value, CFG_MAP_VAL(out, i), depth + 1,
                          k->line ? k->line : out->line, k->line ? k->col : out->col);
        }
        if (!c->oom)
            check_keys(cv, out);
        return;
    }
    case YAML_NO_NODE:
        break;
    }
    out->kind = CFG_NULL;
}

/* Pass 1. Returns true when pass 2 may run. */
static bool prescan(struct cfg_ctx *c, const char *text, size_t len)
{
    yaml_parser_t p;
    yaml_event_t ev;
    bool ok = true, done = false;
    int depth = 0, docs = 0;
    size_t nodes = 0;

    if (!yaml_parser_initialize(&p)) {
        c->oom = true;
        return false;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            syntax_error(c, &p, text, len);
            ok = false;
            break;
        }
        int line = mark_line(ev.start_mark), col = mark_col(ev.start_mark);
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs == 2) {
                cfg_error_at(c, line, col,
                             "a second YAML document starts here; the configuration must be a "
                             "single document (remove this '---' and what follows, or merge it)");
                ok = false;
                done = true;
            }
            break;
        case YAML_ALIAS_EVENT:
            cfg_error_at(c, line, col,
                         "YAML alias '*%s' is not supported: write the value out instead of "
                         "referring to the anchor '&%s'",
                         cfg_show((const char *)ev.data.alias.anchor, 0),
                         cfg_show((const char *)ev.data.alias.anchor, 1));
            ok = false;
            nodes++;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > CFG_MAX_DEPTH) {
                cfg_error_at(c, line, col,
                             "nesting is deeper than %d levels; the configuration never needs "
                             "that",
                             CFG_MAX_DEPTH);
                ok = false;
                done = true;
            }
            nodes++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SCALAR_EVENT:
            nodes++;
            break;
        default:
            break;
        }
        if (!done && nodes > CFG_MAX_NODES) {
            cfg_error_at(c, 0, 0,
                         "the configuration has more than %d YAML values; that is far more than "
                         "any real configuration needs",
                         CFG_MAX_NODES);
            ok = false;
            done = true;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return ok && !c->oom;
}

int cfg_yaml_parse(struct cfg_ctx *c, const char *text, size_t len, struct cfg_node **root)
{
    yaml_parser_t p;
    yaml_document_t doc;
    bool have_doc = false;
    struct cfg_node *tree = NULL;
    struct conv cv = {.c = c};

    *root = NULL;
    if (!prescan(c, text, len))
        return c->oom ? MCL_ENOMEM : MCL_OK;
    if (!yaml_parser_initialize(&p)) {
        c->oom = true;
        return MCL_ENOMEM;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        syntax_error(c, &p, text, len);
        goto out;
    }
    have_doc = true;
    yaml_node_t *r = yaml_document_get_root_node(&doc);
    if (!r || (r->type == YAML_SCALAR_NODE && plain_null(r))) {
        cfg_error_at(c, 0, 0, "empty configuration: it needs at least an 'accounts' list "
                              "(see docs/CONFIG.md)");
        goto out;
    }

    cv.doc = &doc;
    cv.n_nodes = (size_t)(doc.nodes.top - doc.nodes.start);
    cv.visited = calloc(cv.n_nodes, 1);
    tree = calloc(1, sizeof *tree);
    if (!cv.visited || !tree) {
        c->oom = true;
        goto out;
    }
    convert(&cv, 1, tree, 1);
    if (cv.broken || c->oom) {
        cfg_node_free_tree(tree);
        tree = NULL;
    }
out:
    free(cv.visited);
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    *root = tree;
    return c->oom ? MCL_ENOMEM : MCL_OK;
}
