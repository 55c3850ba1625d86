#include "fakesrv.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct fake_srv {
    struct MHD_Daemon *d;
    fake_handler h;
    void *ud;
    int port;
    atomic_int stopping;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool slow_started;
};

struct conn_state {
    char *body;
    size_t len, cap;
};

struct reader {
    struct fake_srv *s;
    char *data;
    size_t len;   /* bytes to send before failing (truncate) or total (chunked) */
    size_t pos;
    enum fake_mode mode;
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void announce(struct fake_srv *s)
{
    pthread_mutex_lock(&s->lock);
    s->slow_started = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void fake_hang(const struct fake_req *rq)
{
    announce(rq->srv);
    for (int i = 0; i < 3000 && !atomic_load(&rq->srv->stopping); i++)
        sleep_ms(10);
}

static ssize_t read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct reader *r = cls;
    switch (r->mode) {
    case FAKE_TRUNCATE:
        if (r->pos >= r->len)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        {
            size_t n = r->len - r->pos < max ? r->len - r->pos : max;
            memcpy(buf, r->data + r->pos, n);
            r->pos += n;
            return (ssize_t)n;
        }
    case FAKE_SLOW:
        announce(r->s);
        if (!atomic_load(&r->s->stopping))
            sleep_ms(20);
        if (atomic_load(&r->s->stopping) || r->pos > 1500)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        buf[0] = 'x';
        r->pos++;
        return 1;
    case FAKE_CHUNKED:
        if (r->pos >= r->len)
            return MHD_CONTENT_READER_END_OF_STREAM;
        {
            size_t n = r->len - r->pos < max ? r->len - r->pos : max;
            memset(buf, 'x', n);
            r->pos += n;
            return (ssize_t)n;
        }
    default:
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

static void free_reader(void *cls)
{
    struct reader *r = cls;
    free(r->data);
    free(r);
}

static void free_resp(struct fake_resp *rs)
{
    free(rs->body);
    for (int i = 0; i < rs->n_headers; i++) {
        free(rs->hname[i]);
        free(rs->hvalue[i]);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct fake_srv *s = cls;
    struct conn_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        *con_cls = st;
        return MHD_YES;
    }
    if (*upload_size) {
        if (st->len + *upload_size + 1 > st->cap) {
            size_t cap = (st->len + *upload_size + 1) * 2;
            char *p = realloc(st->body, cap);
            if (!p)
                return MHD_NO;
            st->body = p;
            st->cap = cap;
        }
        memcpy(st->body + st->len, upload, *upload_size);
        st->len += *upload_size;
        st->body[st->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    struct fake_req rq = {method, url, st->body ? st->body : "", st->len, c, 0, s};
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        rq.client_port = ntohs(((const struct sockaddr_in *)ci->client_addr)->sin_port);
    struct fake_resp rs;
    memset(&rs, 0, sizeof rs);
    rs.status = 200;
    s->h(s->ud, &rq, &rs);
    struct MHD_Response *r;
    if (rs.mode == FAKE_NORMAL) {
        r = MHD_create_response_from_buffer(rs.body_len, rs.body ? rs.body : (char *)"",
                                            MHD_RESPMEM_MUST_COPY);
    } else {
        struct reader *rd = calloc(1, sizeof *rd);
        rd->s = s;
        rd->mode = rs.mode;
        rd->data = rs.body;
        rs.body = NULL;
        uint64_t total = MHD_SIZE_UNKNOWN;
        if (rs.mode == FAKE_TRUNCATE) {
            total = rs.body_len;
            rd->len = rs.body_len / 2;
        } else if (rs.mode == FAKE_SLOW) {
            total = 1000000;
        } else {
            rd->len = rs.chunked_len;
        }
        r = MHD_create_response_from_callback(total, 4096, read_cb, rd, free_reader);
    }
    for (int i = 0; i < rs.n_headers; i++)
        MHD_add_response_header(r, rs.hname[i], rs.hvalue[i]);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs.status, r);
    MHD_destroy_response(r);
    free_resp(&rs);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_state *st = *con_cls;
    if (st) {
        free(st->body);
        free(st);
    }
    *con_cls = NULL;
}

struct fake_srv *fake_start(fake_handler h, void *ud, const char *cert_pem, const char *key_pem)
{
    struct fake_srv *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->h = h;
    s->ud = ud;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (cert_pem) {
        flags |= MHD_USE_TLS;
        s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                MHD_OPTION_HTTPS_MEM_CERT, cert_pem, MHD_OPTION_HTTPS_MEM_KEY,
                                key_pem, MHD_OPTION_END);
    } else {
        s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    }
    if (!s->d) {
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    return s;
}

void fake_stop(struct fake_srv *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

int fake_port(const struct fake_srv *s)
{
    return s->port;
}

bool fake_wait_slow_started(struct fake_srv *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&s->lock);
    while (!s->slow_started) {
        if (pthread_cond_timedwait(&s->cond, &s->lock, &ts))
            break;
    }
    bool ok = s->slow_started;
    s->slow_started = false; /* consumed: the next wait needs a new start */
    pthread_mutex_unlock(&s->lock);
    return ok;
}

const char *fake_header(const struct fake_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

void fake_resp_header(struct fake_resp *rs, const char *name, const char *value)
{
    if (rs->n_headers == FAKE_MAX_HEADERS)
        abort();
    rs->hname[rs->n_headers] = strdup(name);
    rs->hvalue[rs->n_headers] = strdup(value);
    rs->n_headers++;
}

void fake_resp_body(struct fake_resp *rs, const char *text)
{
    free(rs->body);
    rs->body = strdup(text);
    rs->body_len = strlen(text);
}

void fake_resp_json(struct fake_resp *rs, int status, const char *text)
{
    rs->status = status;
    fake_resp_body(rs, text);
    fake_resp_header(rs, "Content-Type", "application/json");
}
