/* mcsim -- request counters (see counters.h). */
#include "counters.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

struct cred_counts {
    uint64_t requests;
    uint64_t dropped; /* reset fault: no answer at all */
    uint64_t s2xx, s4xx, s5xx;
    uint64_t s401, s403, s418, s429;
    uint64_t tokens;
    uint64_t faults[SIM_FAULT_COUNT];
};

struct sim_counters {
    pthread_mutex_t mu;
    const struct sim_config *cfg;
    size_t n;
    struct cred_counts *v;
};

struct sim_counters *sim_counters_create(const struct sim_config *cfg)
{
    struct sim_counters *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->n = SIM_CRED_COUNT(cfg);
    c->v = calloc(c->n, sizeof(*c->v));
    if (!c->v) {
        free(c);
        return NULL;
    }
    c->cfg = cfg;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void sim_counters_destroy(struct sim_counters *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c->v);
    free(c);
}

void sim_counters_request(struct sim_counters *c, size_t cred, int status)
{
    struct cred_counts *x;

    if (cred >= c->n)
        return;
    pthread_mutex_lock(&c->mu);
    x = &c->v[cred];
    x->requests++;
    if (status == 0)
        x->dropped++;
    else if (status >= 200 && status < 300)
        x->s2xx++;
    else if (status >= 400 && status < 500)
        x->s4xx++;
    else if (status >= 500)
        x->s5xx++;
    if (status == 401)
        x->s401++;
    else if (status == 403)
        x->s403++;
    else if (status == 418)
        x->s418++;
    else if (status == 429)
        x->s429++;
    pthread_mutex_unlock(&c->mu);
}

void sim_counters_token(struct sim_counters *c, size_t cred)
{
    if (cred >= c->n)
        return;
    pthread_mutex_lock(&c->mu);
    c->v[cred].tokens++;
    pthread_mutex_unlock(&c->mu);
}

void sim_counters_fault(struct sim_counters *c, size_t cred, int type)
{
    if (cred >= c->n || type < 0 || type >= SIM_FAULT_COUNT)
        return;
    pthread_mutex_lock(&c->mu);
    c->v[cred].faults[type]++;
    pthread_mutex_unlock(&c->mu);
}

static void render_faults(struct sim_buf *b, const uint64_t *f)
{
    sim_buf_addc(b, '{');
    for (int t = 0; t < SIM_FAULT_COUNT; t++) {
        if (t)
            sim_buf_addc(b, ',');
        sim_buf_jrawz(b, sim_fault_names[t]);
        sim_buf_addc(b, ':');
        sim_buf_u64(b, f[t]);
    }
    sim_buf_addc(b, '}');
}

void sim_counters_render(struct sim_counters *c, struct sim_buf *b)
{
    uint64_t total[SIM_FAULT_COUNT] = {0};

    pthread_mutex_lock(&c->mu);
    SIM_BUF_LIT(b, "{\"credentials\":[");
    for (size_t k = 0; k < c->n; k++) {
        const struct cred_counts *x = &c->v[k];
        const struct sim_account *a = k / 2 < c->cfg->n_accounts ? &c->cfg->accounts[k / 2] : NULL;
        if (k)
            sim_buf_addc(b, ',');
        SIM_BUF_LIT(b, "{\"credential\":");
        if (!a)
            SIM_BUF_LIT(b, "\"anonymous\",\"scheme\":\"none\",\"account\":null");
        else {
            sim_buf_jrawz(b, k % 2 == 0 ? a->client_id : a->access_key);
            sim_buf_adds(b, k % 2 == 0 ? ",\"scheme\":\"v2\"" : ",\"scheme\":\"v1\"");
            SIM_BUF_LIT(b, ",\"account\":");
            sim_buf_jrawz(b, a->name);
        }
        sim_buf_printf(b,
                       ",\"requests\":%llu,\"dropped\":%llu,\"status_2xx\":%llu,"
                       "\"status_4xx\":%llu,\"status_5xx\":%llu,\"status_401\":%llu,"
                       "\"status_403\":%llu,\"status_418\":%llu,\"status_429\":%llu,"
                       "\"tokens_issued\":%llu,\"faults\":",
                       (unsigned long long)x->requests, (unsigned long long)x->dropped,
                       (unsigned long long)x->s2xx, (unsigned long long)x->s4xx,
                       (unsigned long long)x->s5xx, (unsigned long long)x->s401,
                       (unsigned long long)x->s403, (unsigned long long)x->s418,
                       (unsigned long long)x->s429, (unsigned long long)x->tokens);
        render_faults(b, x->faults);
        sim_buf_addc(b, '}');
        for (int t = 0; t < SIM_FAULT_COUNT; t++)
            total[t] += x->faults[t];
    }
    SIM_BUF_LIT(b, "],\"faults\":");
    render_faults(b, total);
    sim_buf_addc(b, '}');
    pthread_mutex_unlock(&c->mu);
}
