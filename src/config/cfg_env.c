/* Scalar values: ${NAME} expansion and secrets read from *_file paths.
 *
 * Expansion rules (docs/CONFIG.md "Environment variables"):
 *   ${NAME}            value of NAME; an error when NAME is not set
 *   ${NAME:-default}   value of NAME, or `default` when NAME is unset or empty
 *   $${                a literal "${" (nothing is expanded)
 *   $ anywhere else    a literal "$"
 * NAME is [A-Za-z_][A-Za-z0-9_]*; the default runs to the first '}' and is
 * not expanded again. Keys are never expanded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfg_internal.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

static bool name_ok(const char *s, size_t n)
{
    if (!n || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

/* c == NULL: quiet mode, no diagnostics. */
static char *expand(struct cfg_ctx *c, const struct cfg_node *at, const char *what)
{
    const char *s = at->str ? at->str : "";
    size_t n = at->len;
    struct mcl_buf b;
    mcl_buf_init(&b, CFG_MAX_FILE_BYTES);
    int rc = MCL_OK;
    size_t i = 0;
    while (i < n && !rc) {
        if (s[i] == '$' && i + 2 < n && s[i + 1] == '$' && s[i + 2] == '{') {
            rc = mcl_buf_append(&b, "${", 2);
            i += 3;
            continue;
        }
        if (!(s[i] == '$' && i + 1 < n && s[i + 1] == '{')) {
            rc = mcl_buf_append_char(&b, s[i++]);
            continue;
        }
        const char *ref = s + i + 2;
        const char *end = memchr(ref, '}', n - (i + 2));
        if (!end) {
            if (c)
                cfg_error(c, at,
                          "'%s': '${' is not closed by '}' (write $${ for a literal ${)", what);
            goto fail;
        }
        size_t rn = (size_t)(end - ref), nn = rn;
        const char *def = NULL;
        for (size_t k = 0; k + 1 < rn; k++) {
            if (ref[k] == ':' && ref[k + 1] == '-') {
                nn = k;
                def = ref + k + 2;
                break;
            }
        }
        if (!name_ok(ref, nn)) {
            if (c)
                cfg_error(c, at,
                          "'%s': bad variable reference: names use letters, digits and '_', "
                          "like ${MY_VAR} or ${MY_VAR:-default} (write $${ for a literal ${)",
                          what);
            goto fail;
        }
        char name[256];
        if (nn >= sizeof name) {
            if (c)
                cfg_error(c, at, "'%s': environment variable name is too long", what);
            goto fail;
        }
        memcpy(name, ref, nn);
        name[nn] = '\0';
        const char *val = getenv(name);
        if (def && (!val || !*val)) {
            rc = mcl_buf_append(&b, def, (size_t)(end - def));
        } else if (!val) {
            if (c)
                cfg_error(c, at,
                          "'%s' uses environment variable '%s', which is not set (export it, "
                          "or give a default: ${%s:-value})",
                          what, name, name);
            goto fail;
        } else {
            rc = mcl_buf_append_str(&b, val);
        }
        i = (size_t)(end - s) + 1;
    }
    if (rc == MCL_ELIMIT) {
        if (c)
            cfg_error(c, at, "'%s' is longer than %d bytes once expanded", what,
                      CFG_MAX_FILE_BYTES);
        goto fail;
    }
    if (rc) {
        if (c)
            c->oom = true;
        goto fail;
    }
    char *out = mcl_buf_steal(&b);
    if (!out && c)
        c->oom = true;
    return out;
fail:
    mcl_buf_fini(&b);
    return NULL;
}

char *cfg_expand_dup(struct cfg_ctx *c, const struct cfg_node *at, const char *what)
{
    return expand(c, at, what);
}

char *cfg_expand_quiet_dup(const struct cfg_node *at)
{
    return expand(NULL, at, "");
}

char *cfg_read_secret_file_dup(struct cfg_ctx *c, const struct cfg_node *at, const char *key,
                               const char *path)
{
    char *data = NULL;
    /* O_NONBLOCK: opening a FIFO must not hang the load; it is refused below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        cfg_error(c, at, "'%s': cannot read '%s': %s", key, cfg_show(path, 0), strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st)) {
        cfg_error(c, at, "'%s': cannot read '%s': %s", key, cfg_show(path, 0), strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        cfg_error(c, at, "'%s': '%s' is not a regular file", key, cfg_show(path, 0));
        goto out;
    }
    if (st.st_size > CFG_MAX_SECRET_FILE)
        goto too_big;
    data = malloc(CFG_MAX_SECRET_FILE + 2);
    if (!data) {
        c->oom = true;
        goto out;
    }
    size_t len = 0;
    while (len <= CFG_MAX_SECRET_FILE) {
        ssize_t r = read(fd, data + len, CFG_MAX_SECRET_FILE + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            cfg_error(c, at, "'%s': cannot read '%s': %s", key, cfg_show(path, 0),
                      strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > CFG_MAX_SECRET_FILE)
        goto too_big;
    if (memchr(data, '\0', len)) {
        cfg_error(c, at, "'%s': '%s' contains a NUL byte; it must hold the secret as text", key,
                  cfg_show(path, 0));
        goto fail;
    }
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ' ||
                   data[len - 1] == '\t' || data[len - 1] == '\v' || data[len - 1] == '\f'))
        len--;
    data[len] = '\0';
    if (!len) {
        cfg_error(c, at, "'%s': '%s' is empty; it must hold the secret", key, cfg_show(path, 0));
        goto fail;
    }
    goto out;
too_big:
    cfg_error(c, at, "'%s': '%s' is larger than %d KiB; it must hold only the secret", key,
              cfg_show(path, 0), CFG_MAX_SECRET_FILE / 1024);
fail:
    free(data);
    data = NULL;
out:
    close(fd);
    return data;
}
