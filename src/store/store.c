/* The embedded SQLite store (see store.h for the contract, docs/STORE.md for
 * the schema and the exactly-once argument). */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"

#define APP_ID 1296256071          /* 0x4d434c47, "MCLG": marks a file as ours */
#define BUSY_TIMEOUT_MS 5000
#define WRITER_CACHE_KIB 8192      /* the daemon's whole RSS budget is 64 MiB */
#define READER_CACHE_KIB 2048      /* readers touch few pages: newest rows, one batch */
#define WAL_LIMIT_BYTES (64 * 1024 * 1024)

/* Schema migrations: migrations[v] takes a store from version v to v + 1 and
 * runs in its own transaction with the user_version bump. Append only: a
 * released step is never edited. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE streams("
    " id INTEGER PRIMARY KEY,"
    " account TEXT NOT NULL,"
    " log TEXT NOT NULL,"
    " UNIQUE(account, log));"
    /* AUTOINCREMENT: ids are the outputs' delivery order, so an id must never
     * come back after retention deleted the newest rows (plain rowids restart
     * at max(id) + 1, below the output cursors). */
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " stream_id INTEGER NOT NULL,"
    " event_time INTEGER NOT NULL,"
    " dedupe_key BLOB NOT NULL,"
    " collected_at INTEGER NOT NULL,"
    " raw TEXT NOT NULL,"
    " doc TEXT,"
    " UNIQUE(stream_id, dedupe_key));"
    "CREATE INDEX events_stream_time ON events(stream_id, event_time);"
    "CREATE INDEX events_time ON events(event_time);"
    "CREATE TABLE checkpoints("
    " stream_id INTEGER PRIMARY KEY,"
    " has_window INTEGER NOT NULL,"
    " window_from INTEGER NOT NULL,"
    " window_to INTEGER NOT NULL,"
    " page_token TEXT,"
    " newest_seen INTEGER,"
    " next_from INTEGER,"
    " covered_to INTEGER,"
    " pages INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE stream_status("
    " stream_id INTEGER PRIMARY KEY,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " events INTEGER NOT NULL DEFAULT 0,"
    " newest_event INTEGER,"
    " last_success INTEGER,"
    " last_error TEXT,"
    " last_error_at INTEGER);"
    "CREATE TABLE output_cursors("
    " output TEXT PRIMARY KEY,"
    " last_id INTEGER NOT NULL,"
    " updated_at INTEGER);"
    "PRAGMA application_id = 1296256071;",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

#define EVENT_COLS                                                                                 \
    "e.id, s.account, s.log, e.event_time, e.collected_at, e.dedupe_key, e.raw, e.doc"

/* Every statement is prepared on first use and kept for the life of the handle. */
enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_STREAM_GET,
    S_STREAM_ADD,
    S_EVENT_ADD,
    S_CP_LOAD,
    S_CP_SAVE,
    S_STATUS_PAGE,
    S_STATUS_SET,
    S_STATUS_LIST,
    S_STREAMS_MATCH,
    S_QUERY_ONE,
    S_QUERY_ANY,
    S_READ_AFTER,
    S_CURSOR_GET,
    S_CURSOR_ADD,
    S_CURSOR_SET,
    S_CURSOR_NAMES,
    S_CURSOR_DEL,
    S_CURSOR_MIN,
    S_RETAIN_DELETE,
    S_RETAIN_STATUS,
    S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT mcl_op",
    [S_RELEASE] = "RELEASE mcl_op",
    [S_ROLLBACK_TO] = "ROLLBACK TO mcl_op",
    [S_STREAM_GET] = "SELECT id FROM streams WHERE account = ?1 AND log = ?2",
    [S_STREAM_ADD] = "INSERT INTO streams(account, log) VALUES(?1, ?2)"
                     " ON CONFLICT(account, log) DO NOTHING",
    /* Only the dedupe conflict is absorbed; INSERT OR IGNORE would also
     * swallow NOT NULL violations and count them as duplicates. */
    [S_EVENT_ADD] = "INSERT INTO events(stream_id, event_time, dedupe_key, collected_at, raw, doc)"
                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(stream_id, dedupe_key) DO NOTHING",
    [S_CP_LOAD] = "SELECT has_window, window_from, window_to, page_token, newest_seen, next_from,"
                  " pages, covered_to FROM checkpoints WHERE stream_id = ?1",
    [S_CP_SAVE] = "INSERT INTO checkpoints(stream_id, has_window, window_from, window_to,"
                  " page_token, newest_seen, next_from, pages, updated_at, covered_to)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                  " ON CONFLICT(stream_id) DO UPDATE SET"
                  " has_window = excluded.has_window, window_from = excluded.window_from,"
                  " window_to = excluded.window_to, page_token = excluded.page_token,"
                  " newest_seen = excluded.newest_seen, next_from = excluded.next_from,"
                  " pages = excluded.pages, updated_at = excluded.updated_at,"
                  " covered_to = excluded.covered_to",
    /* max() of two values where either may be NULL (no event yet / none new). */
    [S_STATUS_PAGE] = "INSERT INTO stream_status(stream_id, state, events, newest_event,"
                      " last_success) VALUES(?1, ?2, ?3, ?4, ?5)"
                      " ON CONFLICT(stream_id) DO UPDATE SET"
                      " state = excluded.state, events = events + excluded.events,"
                      " newest_event = max(coalesce(newest_event, excluded.newest_event),"
                      "                    coalesce(excluded.newest_event, newest_event)),"
                      " last_success = excluded.last_success, last_error = NULL",
    /* Clearing the error keeps last_error_at: when it last went wrong. */
    [S_STATUS_SET] = "INSERT INTO stream_status(stream_id, state, last_error, last_error_at)"
                     " VALUES(?1, ?2, ?3, CASE WHEN ?3 IS NULL THEN NULL ELSE ?4 END)"
                     " ON CONFLICT(stream_id) DO UPDATE SET state = excluded.state,"
                     " last_error = excluded.last_error,"
                     " last_error_at = coalesce(excluded.last_error_at, last_error_at)",
    /* One statement, so one snapshot: counters and checkpoint agree. */
    [S_STATUS_LIST] = "SELECT s.id, s.account, s.log, coalesce(t.state, 0), coalesce(t.events, 0),"
                      " t.newest_event, t.last_success, t.last_error_at, t.last_error,"
                      " c.stream_id IS NOT NULL, c.has_window, c.window_from, c.window_to,"
                      " c.page_token, c.newest_seen, c.next_from, c.pages, c.covered_to"
                      " FROM streams s LEFT JOIN stream_status t ON t.stream_id = s.id"
                      " LEFT JOIN checkpoints c ON c.stream_id = s.id ORDER BY s.account, s.log",
    [S_STREAMS_MATCH] = "SELECT id FROM streams WHERE (?1 IS NULL OR account = ?1)"
                        " AND (?2 IS NULL OR log = ?2) LIMIT 2",
    /* CROSS JOIN keeps events as the outer loop, so the index walk gives the
     * order and LIMIT stops it early: no sort, whatever the store's size. */
    [S_QUERY_ONE] = "SELECT " EVENT_COLS " FROM events e CROSS JOIN streams s ON s.id = e.stream_id"
                    " WHERE e.stream_id = ?1 AND e.event_time >= ?2 AND e.event_time <= ?3"
                    " ORDER BY e.event_time DESC, e.id DESC LIMIT ?4",
    [S_QUERY_ANY] = "SELECT " EVENT_COLS " FROM events e CROSS JOIN streams s ON s.id = e.stream_id"
                    " WHERE e.event_time >= ?1 AND e.event_time <= ?2"
                    " AND (?3 IS NULL OR s.account = ?3) AND (?4 IS NULL OR s.log = ?4)"
                    " ORDER BY e.event_time DESC, e.id DESC LIMIT ?5",
    [S_READ_AFTER] = "SELECT " EVENT_COLS " FROM events e"
                     " CROSS JOIN streams s ON s.id = e.stream_id"
                     " WHERE e.id > ?1 ORDER BY e.id LIMIT ?2",
    [S_CURSOR_GET] = "SELECT last_id FROM output_cursors WHERE output = ?1",
    [S_CURSOR_ADD] = "INSERT INTO output_cursors(output, last_id) VALUES(?1, 0)"
                     " ON CONFLICT(output) DO NOTHING",
    [S_CURSOR_SET] = "INSERT INTO output_cursors(output, last_id, updated_at) VALUES(?1, ?2, ?3)"
                     " ON CONFLICT(output) DO UPDATE SET last_id = excluded.last_id,"
                     " updated_at = excluded.updated_at",
    [S_CURSOR_NAMES] = "SELECT output FROM output_cursors",
    [S_CURSOR_DEL] = "DELETE FROM output_cursors WHERE output = ?1",
    [S_CURSOR_MIN] = "SELECT min(last_id) FROM output_cursors",
    /* Oldest first through events_time; RETURNING tells which streams'
     * counters to lower. */
    [S_RETAIN_DELETE] = "DELETE FROM events WHERE id IN (SELECT id FROM events"
                        " WHERE event_time < ?1 AND id <= ?2 ORDER BY event_time, id LIMIT ?3)"
                        " RETURNING stream_id",
    [S_RETAIN_STATUS] = "UPDATE stream_status SET events = events - ?2,"
                        " newest_event = (SELECT max(event_time) FROM events WHERE stream_id = ?1)"
                        " WHERE stream_id = ?1",
};

struct mcl_store {
    sqlite3 *db;
    char *path;
    unsigned flags;
    int version;
    sqlite3_stmt *stmt[S_COUNT];
};

/* Logs a SQLite failure with SQLite's own message and maps it to an MCL_E*
 * code. Call it right after the failing call, before anything else touches
 * the handle's error state. */
static int sql_fail(struct mcl_store *st, int src, const char *what)
{
    int rc;
    switch (src & 0xff) {
    case SQLITE_NOMEM: rc = MCL_ENOMEM; break;
    case SQLITE_TOOBIG: rc = MCL_ELIMIT; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: rc = MCL_ETIMEDOUT; break;
    case SQLITE_CANTOPEN: rc = MCL_EIO; break;
    default: rc = MCL_ESTORE; break;
    }
    /* The handle's message is richer ("UNIQUE constraint failed: ..."), but
     * only if it is about this failure. */
    const char *msg = st->db && sqlite3_extended_errcode(st->db) == src ? sqlite3_errmsg(st->db)
                                                                       : sqlite3_errstr(src);
    MCL_ERR(NULL, NULL, "store %s: %.60s failed: %s (SQLite error %d)", st->path, what, msg, src);
    return rc;
}

static int stmt_get(struct mcl_store *st, enum stmt_id id, sqlite3_stmt **out)
{
    if (!st->stmt[id]) {
        int rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &st->stmt[id], NULL);
        if (rc != SQLITE_OK)
            return sql_fail(st, rc, stmt_sql[id]);
    }
    *out = st->stmt[id];
    return MCL_OK;
}

/* Binders keep the first failure in *rc so a run of binds is checked once. */
static void bind_i64(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
    if (*rc == SQLITE_OK)
        *rc = sqlite3_bind_int64(s, i, v);
}

/* INT64_MIN is the API's "none"; the file says NULL, which reads better. */
static void bind_opt_i64(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
    if (*rc == SQLITE_OK)
        *rc = v == INT64_MIN ? sqlite3_bind_null(s, i) : sqlite3_bind_int64(s, i, v);
}

/* NULL p binds SQL NULL. The bytes must outlive the step (SQLITE_STATIC). */
static void bind_text(sqlite3_stmt *s, int i, const char *p, size_t n, int *rc)
{
    if (*rc == SQLITE_OK)
        *rc = p ? sqlite3_bind_text64(s, i, p, n, SQLITE_STATIC, SQLITE_UTF8)
                : sqlite3_bind_null(s, i);
}

static void bind_str(sqlite3_stmt *s, int i, const char *p, int *rc)
{
    bind_text(s, i, p, p ? strlen(p) : 0, rc);
}

static int64_t col_opt_i64(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(s, i);
}

/* Copies a nullable text column; *out stays NULL for SQL NULL. */
static int col_strdup(sqlite3_stmt *s, int i, char **out)
{
    *out = NULL;
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return MCL_OK;
    const char *p = (const char *)sqlite3_column_text(s, i);
    if (!p)
        return MCL_ENOMEM;
    *out = mcl_strndup(p, (size_t)sqlite3_column_bytes(s, i));
    return *out ? MCL_OK : MCL_ENOMEM;
}

/* Steps a statement whose rows (if any) are not needed, then resets it. */
static int run(struct mcl_store *st, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? MCL_OK : sql_fail(st, rc, sqlite3_sql(s));
    sqlite3_reset(s);
    return ret;
}

static int run_id(struct mcl_store *st, enum stmt_id id)
{
    sqlite3_stmt *s = NULL;
    int rc = stmt_get(st, id, &s);
    return rc ? rc : run(st, s);
}

static int exec(struct mcl_store *st, const char *sql)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? MCL_OK : sql_fail(st, rc, sql);
}

static int pragma_int(struct mcl_store *st, const char *sql, int64_t *v)
{
    sqlite3_stmt *s = NULL;
    int ret = MCL_OK;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(s, 0);
    else
        ret = sql_fail(st, rc, sql);
    sqlite3_finalize(s);
    return ret;
}

static bool writable(struct mcl_store *st, const char *what)
{
    if (!(st->flags & MCL_STORE_READONLY))
        return true;
    MCL_ERR(NULL, NULL, "store %s: %s on a read-only handle", st->path, what);
    return false;
}

/* Internal writes of several statements are atomic on their own: their own
 * transaction when none is open, else a savepoint inside the caller's. */
static int op_begin(struct mcl_store *st, bool *own)
{
    *own = sqlite3_get_autocommit(st->db) != 0;
    return run_id(st, *own ? S_BEGIN : S_SAVEPOINT);
}

static int op_end(struct mcl_store *st, bool own, int rc)
{
    if (rc == MCL_OK) {
        rc = run_id(st, own ? S_COMMIT : S_RELEASE);
        if (rc == MCL_OK)
            return MCL_OK;
    }
    /* SQLite may already have rolled back (disk full, I/O error). */
    if (sqlite3_get_autocommit(st->db))
        return rc;
    if (own) {
        run_id(st, S_ROLLBACK);
    } else if (run_id(st, S_ROLLBACK_TO) == MCL_OK) {
        run_id(st, S_RELEASE);
    }
    return rc;
}

/* ---- open, schema ---------------------------------------------------- */

static const char *version_hint(int v)
{
    return v > SCHEMA_VERSION ? "it was written by a newer mclog: upgrade mclog, or point the "
                                "store at another file"
                              : "open it once with the daemon (read-write) to migrate it";
}

/* Applies the missing migrations, each in its own transaction. The version is
 * re-read under the write lock, so two processes cannot both migrate. */
static int migrate(struct mcl_store *st)
{
    int rc = MCL_OK;
    for (;;) {
        int64_t v = 0, app = 0, objects = 0;
        char bump[64];
        if ((rc = run_id(st, S_BEGIN)))
            goto out;
        if ((rc = pragma_int(st, "PRAGMA user_version", &v)) ||
            (rc = pragma_int(st, "PRAGMA application_id", &app)))
            goto out;
        /* A fresh file has no objects; anything else must carry our id. */
        if (v == 0 && (rc = pragma_int(st, "SELECT count(*) FROM sqlite_schema", &objects)))
            goto out;
        if (v < 0 || (v == 0 && (objects || app)) || (v > 0 && app != APP_ID)) {
            MCL_ERR(NULL, NULL, "store %s: this SQLite file is not an mclog store; refusing to "
                    "change it (point the store at a new file)", st->path);
            rc = MCL_ESTORE;
            goto out;
        }
        if (v == SCHEMA_VERSION)
            break;
        if (v > SCHEMA_VERSION) {
            MCL_ERR(NULL, NULL, "store %s: schema version %lld, this mclog knows up to %d: %s",
                    st->path, (long long)v, SCHEMA_VERSION, version_hint((int)v));
            rc = MCL_ESTORE;
            goto out;
        }
        snprintf(bump, sizeof bump, "PRAGMA user_version = %lld", (long long)v + 1);
        if ((rc = exec(st, migrations[v])) || (rc = exec(st, bump)) ||
            (rc = run_id(st, S_COMMIT)))
            goto out;
        MCL_INFO(NULL, NULL, "store %s: migrated schema %lld -> %lld", st->path, (long long)v,
                 (long long)v + 1);
    }
    rc = run_id(st, S_COMMIT);
    st->version = SCHEMA_VERSION;
out:
    if (rc && !sqlite3_get_autocommit(st->db))
        run_id(st, S_ROLLBACK);
    return rc;
}

/* A read-only handle cannot migrate: it only accepts the current schema. */
static int check_version(struct mcl_store *st)
{
    int64_t v = 0, app = 0;
    int rc = pragma_int(st, "PRAGMA user_version", &v);
    if (rc == MCL_OK)
        rc = pragma_int(st, "PRAGMA application_id", &app);
    if (rc)
        return rc;
    if (v != 0 && app != APP_ID) {
        MCL_ERR(NULL, NULL, "store %s: this SQLite file is not an mclog store", st->path);
        return MCL_ESTORE;
    }
    if (v != SCHEMA_VERSION) {
        MCL_ERR(NULL, NULL, "store %s: schema version %lld, this mclog needs %d: %s", st->path,
                (long long)v, SCHEMA_VERSION, version_hint((int)v));
        return MCL_ESTORE;
    }
    st->version = (int)v;
    return MCL_OK;
}

static int setup_writer(struct mcl_store *st)
{
    char sql[160];
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    int ret = MCL_OK;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        ret = sql_fail(st, rc, "PRAGMA journal_mode = WAL");
        goto out;
    }
    /* Readers must work beside the writer, which only WAL offers. */
    if (!mcl_str_ieq((const char *)sqlite3_column_text(s, 0), "wal")) {
        MCL_ERR(NULL, NULL, "store %s: cannot use WAL journaling (journal mode stays '%s'); the "
                "store needs a local file system", st->path, sqlite3_column_text(s, 0));
        ret = MCL_ESTORE;
        goto out;
    }
    snprintf(sql, sizeof sql,
             "PRAGMA synchronous = %s; PRAGMA cache_size = -%d; PRAGMA journal_size_limit = %d",
             (st->flags & MCL_STORE_SYNC_FULL) ? "FULL" : "NORMAL", WRITER_CACHE_KIB,
             WAL_LIMIT_BYTES);
    ret = exec(st, sql);
out:
    sqlite3_finalize(s);
    return ret;
}

/* Creates a missing store file with mode 0600 before SQLite sees it (SQLite
 * would use 0644): events hold mail metadata. The -wal and -shm files copy
 * the main file's mode. */
static int create_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        close(fd);
        return MCL_OK;
    }
    if (errno == EEXIST)
        return MCL_OK;
    MCL_ERR(NULL, NULL, "store %s: cannot create the file: %s", path, strerror(errno));
    return MCL_EIO;
}

int mcl_store_open(const char *path, unsigned flags, struct mcl_store **out)
{
    struct mcl_store *st = NULL;
    struct stat sb;
    int rc;
    if (!path || !*path || !out)
        return MCL_EINVAL;
    *out = NULL;
    bool ro = flags & MCL_STORE_READONLY;
    if (ro && stat(path, &sb) != 0 && errno == ENOENT)
        return MCL_ENOTFOUND;
    if (!ro && (rc = create_private(path)))
        return rc;
    if (!(st = calloc(1, sizeof *st)) || !(st->path = mcl_strdup(path))) {
        rc = MCL_ENOMEM;
        goto out;
    }
    st->flags = flags;
    /* NOMUTEX: a handle is used by one thread at a time (store.h). */
    int oflags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    int src = sqlite3_open_v2(path, &st->db, oflags, NULL);
    if (src != SQLITE_OK) {
        rc = sql_fail(st, src, "open");
        goto out;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    /* Hardening: no SQL can corrupt the file on purpose, and the schema may
     * not run functions with side effects. */
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    if (ro) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", READER_CACHE_KIB);
        if ((rc = exec(st, sql)) || (rc = check_version(st)))
            goto out;
    } else if ((rc = setup_writer(st)) || (rc = migrate(st))) {
        goto out;
    }
    *out = st;
    st = NULL;
out:
    mcl_store_close(st);
    return rc;
}

void mcl_store_close(struct mcl_store *st)
{
    if (!st)
        return;
    if (st->db && !sqlite3_get_autocommit(st->db))
        run_id(st, S_ROLLBACK);
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    if (st->db) {
        int rc = sqlite3_close(st->db);
        if (rc != SQLITE_OK)
            MCL_ERR(NULL, NULL, "store %s: close failed: %s", st->path, sqlite3_errstr(rc));
    }
    free(st->path);
    free(st);
}

int mcl_store_schema_version(struct mcl_store *st)
{
    return st->version;
}

const char *mcl_store_errmsg(struct mcl_store *st)
{
    return st && st->db ? sqlite3_errmsg(st->db) : "no store";
}

/* ---- streams, transactions ------------------------------------------- */

static int stream_lookup(struct mcl_store *st, const char *account, const char *log, int64_t *id)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    int rc = stmt_get(st, S_STREAM_GET, &s);
    if (rc)
        return rc;
    bind_str(s, 1, account, &brc);
    bind_str(s, 2, log, &brc);
    if (brc != SQLITE_OK) {
        rc = sql_fail(st, brc, "bind");
        goto out;
    }
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    else
        rc = src == SQLITE_DONE ? MCL_ENOTFOUND : sql_fail(st, src, "stream lookup");
out:
    sqlite3_reset(s);
    return rc;
}

int mcl_store_stream_id(struct mcl_store *st, const char *account, const char *log, int64_t *id)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    if (!st || !account || !log || !id)
        return MCL_EINVAL;
    int rc = stream_lookup(st, account, log, id);
    if (rc != MCL_ENOTFOUND || (st->flags & MCL_STORE_READONLY))
        return rc;
    /* Both steps are idempotent, so no transaction is needed around them. */
    if ((rc = stmt_get(st, S_STREAM_ADD, &s)))
        return rc;
    bind_str(s, 1, account, &brc);
    bind_str(s, 2, log, &brc);
    rc = brc == SQLITE_OK ? run(st, s) : sql_fail(st, brc, "bind");
    return rc ? rc : stream_lookup(st, account, log, id);
}

int mcl_store_begin(struct mcl_store *st)
{
    if (!st || !writable(st, "begin"))
        return MCL_EINVAL;
    if (!sqlite3_get_autocommit(st->db)) {
        MCL_ERR(NULL, NULL, "store %s: begin inside an open transaction", st->path);
        return MCL_EINVAL;
    }
    return run_id(st, S_BEGIN);
}

int mcl_store_commit(struct mcl_store *st)
{
    if (!st)
        return MCL_EINVAL;
    if (sqlite3_get_autocommit(st->db)) {
        MCL_ERR(NULL, NULL, "store %s: commit without a transaction", st->path);
        return MCL_EINVAL;
    }
    int rc = run_id(st, S_COMMIT);
    if (rc)
        mcl_store_rollback(st);
    return rc;
}

void mcl_store_rollback(struct mcl_store *st)
{
    if (st && st->db && !sqlite3_get_autocommit(st->db))
        run_id(st, S_ROLLBACK);
}

/* ---- checkpoints, pages ---------------------------------------------- */

void mcl_checkpoint_init(struct mcl_checkpoint *cp)
{
    cp->has_window = false;
    cp->window_from = 0;
    cp->window_to = 0;
    cp->page_token = NULL;
    cp->newest_seen = INT64_MIN;
    cp->next_from = INT64_MIN;
    cp->covered_to = INT64_MIN;
    cp->pages = 0;
}

void mcl_checkpoint_fini(struct mcl_checkpoint *cp)
{
    free(cp->page_token);
    mcl_checkpoint_init(cp);
}

/* Fills cp from columns first..first+7 of a checkpoints row. */
static int col_checkpoint(sqlite3_stmt *s, int first, struct mcl_checkpoint *cp)
{
    cp->has_window = sqlite3_column_int(s, first) != 0;
    cp->window_from = sqlite3_column_int64(s, first + 1);
    cp->window_to = sqlite3_column_int64(s, first + 2);
    cp->newest_seen = col_opt_i64(s, first + 4);
    cp->next_from = col_opt_i64(s, first + 5);
    cp->pages = sqlite3_column_int64(s, first + 6);
    cp->covered_to = col_opt_i64(s, first + 7);
    return col_strdup(s, first + 3, &cp->page_token);
}

int mcl_store_checkpoint_load(struct mcl_store *st, int64_t stream_id, struct mcl_checkpoint *cp)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    if (!st || !cp)
        return MCL_EINVAL;
    mcl_checkpoint_fini(cp);
    int rc = stmt_get(st, S_CP_LOAD, &s);
    if (rc)
        return rc;
    bind_i64(s, 1, stream_id, &brc);
    int src = brc == SQLITE_OK ? sqlite3_step(s) : brc;
    if (src == SQLITE_ROW)
        rc = col_checkpoint(s, 0, cp);
    else if (src != SQLITE_DONE)
        rc = sql_fail(st, src, "checkpoint load");
    sqlite3_reset(s);
    if (rc)
        mcl_checkpoint_fini(cp);
    return rc;
}

static int checkpoint_save(struct mcl_store *st, int64_t stream_id,
                           const struct mcl_checkpoint *cp, int64_t now_ms)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    int rc = stmt_get(st, S_CP_SAVE, &s);
    if (rc)
        return rc;
    bind_i64(s, 1, stream_id, &brc);
    bind_i64(s, 2, cp->has_window, &brc);
    bind_i64(s, 3, cp->window_from, &brc);
    bind_i64(s, 4, cp->window_to, &brc);
    bind_str(s, 5, cp->page_token, &brc);
    bind_opt_i64(s, 6, cp->newest_seen, &brc);
    bind_opt_i64(s, 7, cp->next_from, &brc);
    bind_i64(s, 8, cp->pages, &brc);
    bind_i64(s, 9, now_ms, &brc);
    bind_opt_i64(s, 10, cp->covered_to, &brc);
    return brc == SQLITE_OK ? run(st, s) : sql_fail(st, brc, "checkpoint bind");
}

static int insert_events(struct mcl_store *st, int64_t stream_id,
                         const struct mcl_store_event *ev, size_t n, int64_t now_ms,
                         struct mcl_page_result *res, int64_t *newest)
{
    sqlite3_stmt *s = NULL;
    int rc = stmt_get(st, S_EVENT_ADD, &s);
    for (size_t i = 0; i < n && rc == MCL_OK; i++) {
        const struct mcl_store_event *e = &ev[i];
        int brc = SQLITE_OK;
        if ((!e->raw && e->raw_len) || (!e->doc && e->doc_len)) {
            MCL_ERR(NULL, NULL, "store %s: event %zu of the page has a NULL raw or doc with a "
                    "non-zero length", st->path, i);
            rc = MCL_EINVAL;
            break;
        }
        bind_i64(s, 1, stream_id, &brc);
        bind_i64(s, 2, e->event_time, &brc);
        if (brc == SQLITE_OK)
            brc = sqlite3_bind_blob(s, 3, e->key, MCL_SHA256_LEN, SQLITE_STATIC);
        bind_i64(s, 4, now_ms, &brc);
        bind_text(s, 5, e->raw ? e->raw : "", e->raw_len, &brc);
        bind_text(s, 6, e->doc, e->doc_len, &brc);
        if (brc != SQLITE_OK) {
            rc = sql_fail(st, brc, "event bind");
            break;
        }
        if ((rc = run(st, s)))
            break;
        if (sqlite3_changes(st->db) > 0) {
            res->inserted++;
            if (e->event_time > *newest)
                *newest = e->event_time;
        } else {
            res->duplicates++;
        }
    }
    return rc;
}

int mcl_store_apply_page(struct mcl_store *st, int64_t stream_id, const struct mcl_store_event *ev,
                         size_t n, const struct mcl_checkpoint *cp, int64_t now_ms,
                         struct mcl_page_result *res)
{
    struct mcl_page_result r = {0, 0};
    int64_t newest = INT64_MIN;
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    int rc;
    if (!st || !cp || (n && !ev))
        return MCL_EINVAL;
    if (!writable(st, "apply_page"))
        return MCL_EINVAL;
    if (cp->pages < 0 || (cp->has_window && cp->window_from > cp->window_to)) {
        MCL_ERR(NULL, NULL, "store %s: invalid checkpoint (window %lld..%lld, pages %lld)",
                st->path, (long long)cp->window_from, (long long)cp->window_to,
                (long long)cp->pages);
        return MCL_EINVAL;
    }
    /* Outside a transaction each insert would commit on its own and the
     * page-plus-checkpoint atomicity would be gone. */
    if (sqlite3_get_autocommit(st->db)) {
        MCL_ERR(NULL, NULL, "store %s: apply_page outside a transaction", st->path);
        return MCL_EINVAL;
    }
    if ((rc = insert_events(st, stream_id, ev, n, now_ms, &r, &newest)) ||
        (rc = checkpoint_save(st, stream_id, cp, now_ms)) ||
        (rc = stmt_get(st, S_STATUS_PAGE, &s)))
        goto out;
    bind_i64(s, 1, stream_id, &brc);
    bind_i64(s, 2, MCL_STREAM_OK, &brc);
    bind_i64(s, 3, r.inserted, &brc);
    bind_opt_i64(s, 4, newest, &brc);
    bind_i64(s, 5, now_ms, &brc);
    if ((rc = brc == SQLITE_OK ? run(st, s) : sql_fail(st, brc, "status bind")))
        goto out;
    if (res)
        *res = r;
out:
    return rc;
}

int mcl_store_commit_page(struct mcl_store *st, int64_t stream_id, const struct mcl_store_event *ev,
                          size_t n, const struct mcl_checkpoint *cp, int64_t now_ms,
                          struct mcl_page_result *res)
{
    int rc = mcl_store_begin(st);
    if (rc)
        return rc;
    if ((rc = mcl_store_apply_page(st, stream_id, ev, n, cp, now_ms, res))) {
        mcl_store_rollback(st);
        return rc;
    }
    return mcl_store_commit(st);
}

/* ---- status ---------------------------------------------------------- */

int mcl_store_status_set(struct mcl_store *st, int64_t stream_id, enum mcl_stream_state state,
                         const char *message, int64_t now_ms)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    if (!st || (int)state < MCL_STREAM_IDLE || (int)state > MCL_STREAM_PARKED)
        return MCL_EINVAL;
    if (!writable(st, "status_set"))
        return MCL_EINVAL;
    int rc = stmt_get(st, S_STATUS_SET, &s);
    if (rc)
        return rc;
    bind_i64(s, 1, stream_id, &brc);
    bind_i64(s, 2, (int64_t)state, &brc);
    bind_str(s, 3, message, &brc);
    bind_i64(s, 4, now_ms, &brc);
    return brc == SQLITE_OK ? run(st, s) : sql_fail(st, brc, "status bind");
}

static void status_fini(struct mcl_stream_status *r)
{
    free(r->account);
    free(r->log);
    free(r->last_error);
    mcl_checkpoint_fini(&r->cp);
}

static int col_status(sqlite3_stmt *s, struct mcl_stream_status *r)
{
    memset(r, 0, sizeof *r);
    mcl_checkpoint_init(&r->cp);
    r->stream_id = sqlite3_column_int64(s, 0);
    r->state = (enum mcl_stream_state)sqlite3_column_int(s, 3);
    r->events = sqlite3_column_int64(s, 4);
    r->newest_event = col_opt_i64(s, 5);
    r->last_success = col_opt_i64(s, 6);
    r->last_error_at = col_opt_i64(s, 7);
    int rc = col_strdup(s, 1, &r->account);
    if (rc == MCL_OK)
        rc = col_strdup(s, 2, &r->log);
    if (rc == MCL_OK)
        rc = col_strdup(s, 8, &r->last_error);
    if (rc == MCL_OK && sqlite3_column_int(s, 9))
        rc = col_checkpoint(s, 10, &r->cp);
    return rc;
}

int mcl_store_status_list(struct mcl_store *st, struct mcl_stream_status_list *out)
{
    struct mcl_stream_status_list l = {NULL, 0};
    size_t cap = 0;
    sqlite3_stmt *s = NULL;
    int src;
    if (!st || !out)
        return MCL_EINVAL;
    int rc = stmt_get(st, S_STATUS_LIST, &s);
    if (rc)
        return rc;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        if (l.n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct mcl_stream_status *v = realloc(l.v, ncap * sizeof *v);
            if (!v) {
                rc = MCL_ENOMEM;
                goto out;
            }
            l.v = v;
            cap = ncap;
        }
        rc = col_status(s, &l.v[l.n]);
        l.n++;
        if (rc)
            goto out;
    }
    if (src != SQLITE_DONE)
        rc = sql_fail(st, src, "status list");
out:
    sqlite3_reset(s);
    if (rc)
        mcl_stream_status_list_fini(&l);
    else
        *out = l;
    return rc;
}

void mcl_stream_status_list_fini(struct mcl_stream_status_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        status_fini(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

const char *mcl_stream_state_name(enum mcl_stream_state s)
{
    switch (s) {
    case MCL_STREAM_IDLE: return "idle";
    case MCL_STREAM_OK: return "ok";
    case MCL_STREAM_RETRYING: return "retrying";
    case MCL_STREAM_PARKED: return "parked";
    }
    return "unknown";
}

/* ---- reading events -------------------------------------------------- */

/* Walks the rows of a statement selecting EVENT_COLS. */
static int walk_rows(struct mcl_store *st, sqlite3_stmt *s, mcl_store_row_fn fn, void *arg)
{
    int src, rc = MCL_OK;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        struct mcl_query_row r;
        r.id = sqlite3_column_int64(s, 0);
        r.account = (const char *)sqlite3_column_text(s, 1);
        r.log = (const char *)sqlite3_column_text(s, 2);
        r.event_time = sqlite3_column_int64(s, 3);
        r.collected_at = sqlite3_column_int64(s, 4);
        r.key = sqlite3_column_blob(s, 5);
        size_t keylen = (size_t)sqlite3_column_bytes(s, 5);
        r.raw = (const char *)sqlite3_column_text(s, 6);
        r.raw_len = (size_t)sqlite3_column_bytes(s, 6);
        bool has_doc = sqlite3_column_type(s, 7) != SQLITE_NULL;
        r.doc = has_doc ? (const char *)sqlite3_column_text(s, 7) : NULL;
        r.doc_len = has_doc ? (size_t)sqlite3_column_bytes(s, 7) : 0;
        if (!r.account || !r.log || !r.raw || (has_doc && !r.doc)) {
            rc = MCL_ENOMEM;
            break;
        }
        if (keylen != MCL_SHA256_LEN) {
            MCL_ERR(NULL, NULL, "store %s: event %lld has a %zu-byte dedupe key", st->path,
                    (long long)r.id, keylen);
            rc = MCL_ESTORE;
            break;
        }
        if ((rc = fn(&r, arg)))
            break;
    }
    if (rc == MCL_OK && src != SQLITE_DONE)
        rc = sql_fail(st, src, "read events");
    sqlite3_reset(s);
    return rc;
}

/* Chooses the statement for q: a single stream walks events_stream_time,
 * anything else events_time. *none: no stream matches the filter. */
static int query_prepare(struct mcl_store *st, const struct mcl_query *q, enum stmt_id *id,
                         int64_t *stream, bool *none)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK, src, found = 0;
    *none = false;
    *id = S_QUERY_ANY;
    if (!q->account && !q->log)
        return MCL_OK;
    int rc = stmt_get(st, S_STREAMS_MATCH, &s);
    if (rc)
        return rc;
    bind_str(s, 1, q->account, &brc);
    bind_str(s, 2, q->log, &brc);
    if (brc != SQLITE_OK) {
        rc = sql_fail(st, brc, "bind");
        goto out;
    }
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        *stream = sqlite3_column_int64(s, 0);
        found++;
    }
    if (src != SQLITE_DONE) {
        rc = sql_fail(st, src, "stream match");
        goto out;
    }
    *none = found == 0;
    if (found == 1)
        *id = S_QUERY_ONE;
out:
    sqlite3_reset(s);
    return rc;
}

static int query_bind(struct mcl_store *st, sqlite3_stmt *s, enum stmt_id id,
                      const struct mcl_query *q, int64_t stream)
{
    int brc = SQLITE_OK;
    int i = 1;
    if (id == S_QUERY_ONE)
        bind_i64(s, i++, stream, &brc);
    bind_i64(s, i++, q->since_ms, &brc);
    bind_i64(s, i++, q->until_ms, &brc);
    if (id == S_QUERY_ANY) {
        bind_str(s, i++, q->account, &brc);
        bind_str(s, i++, q->log, &brc);
    }
    bind_i64(s, i, q->limit > 0 ? q->limit : -1, &brc);
    return brc == SQLITE_OK ? MCL_OK : sql_fail(st, brc, "query bind");
}

int mcl_store_query(struct mcl_store *st, const struct mcl_query *q, mcl_store_row_fn fn, void *arg)
{
    enum stmt_id id;
    int64_t stream = 0;
    bool none;
    sqlite3_stmt *s = NULL;
    if (!st || !q || !fn)
        return MCL_EINVAL;
    int rc = query_prepare(st, q, &id, &stream, &none);
    if (rc || none)
        return rc;
    if ((rc = stmt_get(st, id, &s)))
        return rc;
    if ((rc = query_bind(st, s, id, q, stream))) {
        sqlite3_reset(s);
        return rc;
    }
    return walk_rows(st, s, fn, arg);
}

int mcl_store_query_plan(struct mcl_store *st, const struct mcl_query *q, struct mcl_buf *out)
{
    enum stmt_id id;
    int64_t stream = 0;
    bool none;
    sqlite3_stmt *s = NULL;
    struct mcl_buf sql;
    int src;
    if (!st || !q || !out)
        return MCL_EINVAL;
    mcl_buf_init(&sql, 4096);
    int rc = query_prepare(st, q, &id, &stream, &none);
    if (rc)
        goto out;
    if (none) {
        rc = mcl_buf_append_str(out, "no stream matches\n");
        goto out;
    }
    if ((rc = mcl_buf_appendf(&sql, "EXPLAIN QUERY PLAN %s", stmt_sql[id])))
        goto out;
    if ((src = sqlite3_prepare_v2(st->db, sql.data, -1, &s, NULL)) != SQLITE_OK) {
        rc = sql_fail(st, src, "explain");
        goto out;
    }
    if ((rc = query_bind(st, s, id, q, stream)))
        goto out;
    while ((src = sqlite3_step(s)) == SQLITE_ROW && rc == MCL_OK)
        rc = mcl_buf_appendf(out, "%s\n", (const char *)sqlite3_column_text(s, 3));
    if (rc == MCL_OK && src != SQLITE_DONE)
        rc = sql_fail(st, src, "explain");
out:
    sqlite3_finalize(s);
    mcl_buf_fini(&sql);
    return rc;
}

int mcl_store_read_after(struct mcl_store *st, int64_t after_id, int64_t limit, mcl_store_row_fn fn,
                         void *arg)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    if (!st || !fn)
        return MCL_EINVAL;
    int rc = stmt_get(st, S_READ_AFTER, &s);
    if (rc)
        return rc;
    bind_i64(s, 1, after_id, &brc);
    bind_i64(s, 2, limit > 0 ? limit : -1, &brc);
    if (brc != SQLITE_OK) {
        sqlite3_reset(s);
        return sql_fail(st, brc, "bind");
    }
    return walk_rows(st, s, fn, arg);
}

/* ---- output cursors, retention --------------------------------------- */

int mcl_store_output_cursor_get(struct mcl_store *st, const char *output, int64_t *last_id)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    if (!st || !output || !last_id)
        return MCL_EINVAL;
    int rc = stmt_get(st, S_CURSOR_GET, &s);
    if (rc)
        return rc;
    bind_str(s, 1, output, &brc);
    int src = brc == SQLITE_OK ? sqlite3_step(s) : brc;
    *last_id = src == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = sql_fail(st, src, "cursor get");
    sqlite3_reset(s);
    if (rc || src == SQLITE_ROW || (st->flags & MCL_STORE_READONLY))
        return rc;
    /* A new output holds retention back from now on. */
    if ((rc = stmt_get(st, S_CURSOR_ADD, &s)))
        return rc;
    bind_str(s, 1, output, &brc);
    return brc == SQLITE_OK ? run(st, s) : sql_fail(st, brc, "bind");
}

int mcl_store_output_cursor_set(struct mcl_store *st, const char *output, int64_t last_id,
                                int64_t now_ms)
{
    sqlite3_stmt *s = NULL;
    int brc = SQLITE_OK;
    if (!st || !output || last_id < 0)
        return MCL_EINVAL;
    if (!writable(st, "output_cursor_set"))
        return MCL_EINVAL;
    int rc = stmt_get(st, S_CURSOR_SET, &s);
    if (rc)
        return rc;
    bind_str(s, 1, output, &brc);
    bind_i64(s, 2, last_id, &brc);
    bind_i64(s, 3, now_ms, &brc);
    return brc == SQLITE_OK ? run(st, s) : sql_fail(st, brc, "bind");
}

static bool name_in(const char *name, const char *const *keep, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (mcl_str_eq(name, keep[i]))
            return true;
    return false;
}

int mcl_store_output_cursor_prune(struct mcl_store *st, const char *const *keep, size_t n)
{
    char **gone = NULL;
    size_t ngone = 0, cap = 0;
    sqlite3_stmt *s = NULL;
    bool own = false, begun = false;
    int src;
    if (!st || (n && !keep))
        return MCL_EINVAL;
    if (!writable(st, "output_cursor_prune"))
        return MCL_EINVAL;
    int rc = op_begin(st, &own);
    if (rc)
        goto out;
    begun = true;
    /* Names first, deletes after: no writes under an active SELECT. */
    if ((rc = stmt_get(st, S_CURSOR_NAMES, &s)))
        goto out;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        if (!name || name_in(name, keep, n))
            continue;
        if (ngone == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char **v = realloc(gone, ncap * sizeof *v);
            if (!v) {
                rc = MCL_ENOMEM;
                break;
            }
            gone = v;
            cap = ncap;
        }
        if (!(gone[ngone] = mcl_strdup(name))) {
            rc = MCL_ENOMEM;
            break;
        }
        ngone++;
    }
    if (rc == MCL_OK && src != SQLITE_DONE)
        rc = sql_fail(st, src, "cursor names");
    sqlite3_reset(s);
    if (rc || (rc = stmt_get(st, S_CURSOR_DEL, &s)))
        goto out;
    for (size_t i = 0; i < ngone && rc == MCL_OK; i++) {
        int brc = SQLITE_OK;
        bind_str(s, 1, gone[i], &brc);
        rc = brc == SQLITE_OK ? run(st, s) : sql_fail(st, brc, "bind");
        if (rc == MCL_OK)
            MCL_INFO(NULL, NULL, "store %s: forgot the delivery cursor of output '%s' (no longer "
                     "configured)", st->path, gone[i]);
    }
out:
    if (begun)
        rc = op_end(st, own, rc);
    for (size_t i = 0; i < ngone; i++)
        free(gone[i]);
    free(gone);
    return rc;
}

struct stream_count {
    int64_t stream_id;
    int64_t n;
};

int mcl_store_retention_run(struct mcl_store *st, int64_t cutoff_ms, int64_t max_rows,
                            int64_t *deleted)
{
    struct stream_count *counts = NULL;
    size_t ncounts = 0, cap = 0;
    int64_t total = 0, min_id = INT64_MAX;
    sqlite3_stmt *s = NULL;
    bool own = false, begun = false;
    int src;
    if (!st || max_rows <= 0 || !deleted)
        return MCL_EINVAL;
    *deleted = 0;
    if (!writable(st, "retention_run"))
        return MCL_EINVAL;
    int rc = op_begin(st, &own);
    if (rc)
        goto out;
    begun = true;
    /* The slowest output bounds what may go; no cursor rows: age alone. */
    if ((rc = stmt_get(st, S_CURSOR_MIN, &s)))
        goto out;
    if ((src = sqlite3_step(s)) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        min_id = sqlite3_column_int64(s, 0);
    if (src != SQLITE_ROW)
        rc = sql_fail(st, src, "cursor min");
    sqlite3_reset(s);
    if (rc || (rc = stmt_get(st, S_RETAIN_DELETE, &s)))
        goto out;
    int brc = SQLITE_OK;
    bind_i64(s, 1, cutoff_ms, &brc);
    bind_i64(s, 2, min_id, &brc);
    bind_i64(s, 3, max_rows, &brc);
    if (brc != SQLITE_OK) {
        rc = sql_fail(st, brc, "bind");
        goto out;
    }
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t sid = sqlite3_column_int64(s, 0);
        size_t i = 0;
        while (i < ncounts && counts[i].stream_id != sid)
            i++;
        if (i == ncounts) {
            if (ncounts == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct stream_count *v = realloc(counts, ncap * sizeof *v);
                if (!v) {
                    rc = MCL_ENOMEM;
                    break;
                }
                counts = v;
                cap = ncap;
            }
            counts[ncounts++] = (struct stream_count){sid, 0};
        }
        counts[i].n++;
        total++;
    }
    if (rc == MCL_OK && src != SQLITE_DONE)
        rc = sql_fail(st, src, "retention delete");
    sqlite3_reset(s);
    if (rc || (rc = stmt_get(st, S_RETAIN_STATUS, &s)))
        goto out;
    for (size_t i = 0; i < ncounts && rc == MCL_OK; i++) {
        brc = SQLITE_OK;
        bind_i64(s, 1, counts[i].stream_id, &brc);
        bind_i64(s, 2, counts[i].n, &brc);
        rc = brc == SQLITE_OK ? run(st, s) : sql_fail(st, brc, "bind");
    }
out:
    if (begun)
        rc = op_end(st, own, rc);
    if (rc == MCL_OK)
        *deleted = total;
    free(counts);
    return rc;
}

int mcl_store_size_bytes(struct mcl_store *st, int64_t *bytes)
{
    struct stat sb;
    struct mcl_buf wal;
    int rc;
    if (!st || !bytes)
        return MCL_EINVAL;
    *bytes = 0;
    mcl_buf_init(&wal, 8192);
    if (stat(st->path, &sb) != 0) {
        MCL_ERR(NULL, NULL, "store %s: stat failed: %s", st->path, strerror(errno));
        rc = MCL_EIO;
        goto out;
    }
    *bytes = (int64_t)sb.st_size;
    if ((rc = mcl_buf_appendf(&wal, "%s-wal", st->path)))
        goto out;
    if (stat(wal.data, &sb) == 0)
        *bytes += (int64_t)sb.st_size;
out:
    mcl_buf_fini(&wal);
    return rc;
}
