/* mcsim -- fault schedules (see faults.h). */
#include "faults.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct rule_state {
    uint64_t matched;
    uint64_t fired;
    struct sim_rng rng;
};

struct sim_faults {
    pthread_mutex_t mu;
    const struct sim_fault_rule *rules;
    size_t n;
    struct rule_state *st;
    int any[SIM_FAULT_COUNT];
};

struct sim_faults *sim_faults_create(const struct sim_config *cfg)
{
    struct sim_faults *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->st = calloc(cfg->n_faults ? cfg->n_faults : 1, sizeof(*f->st));
    if (!f->st) {
        free(f);
        return NULL;
    }
    f->rules = cfg->faults;
    f->n = cfg->n_faults;
    for (size_t k = 0; k < f->n; k++) {
        sim_rng_seed(&f->st[k].rng, sim_mix64(cfg->seed ^ 0xfa017fa017ULL) + k);
        f->any[f->rules[k].type]++;
    }
    pthread_mutex_init(&f->mu, NULL);
    return f;
}

void sim_faults_destroy(struct sim_faults *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->mu);
    free(f->st);
    free(f);
}

int sim_faults_any(const struct sim_faults *f, int type)
{
    return type >= 0 && type < SIM_FAULT_COUNT ? f->any[type] : 0;
}

static bool path_matches(const struct sim_fault_rule *r, const char *path)
{
    if (r->n_paths == 0)
        return true;
    for (size_t k = 0; k < r->n_paths; k++) {
        size_t n = strlen(r->paths[k]);
        if (n && r->paths[k][n - 1] == '*') {
            if (strncmp(path, r->paths[k], n - 1) == 0)
                return true;
        } else if (strcmp(path, r->paths[k]) == 0) {
            return true;
        }
    }
    return false;
}

static bool account_matches(const struct sim_fault_rule *r, const char *account)
{
    if (r->n_accounts == 0)
        return true;
    if (!account)
        return false;
    for (size_t k = 0; k < r->n_accounts; k++)
        if (strcmp(account, r->accounts[k]) == 0)
            return true;
    return false;
}

const struct sim_fault_rule *sim_faults_fire(struct sim_faults *f, int type, const char *path,
                                             const char *account)
{
    const struct sim_fault_rule *hit = NULL;

    if (!sim_faults_any(f, type))
        return NULL;
    pthread_mutex_lock(&f->mu);
    for (size_t k = 0; k < f->n; k++) {
        const struct sim_fault_rule *r = &f->rules[k];
        struct rule_state *st = &f->st[k];
        bool fire;

        if (r->type != type || !path_matches(r, path) || !account_matches(r, account))
            continue;
        st->matched++;
        if (hit)
            continue;
        /* after=A, every=K: the (A+K)-th, (A+2K)-th ... matching requests */
        fire = st->matched > r->after && (st->matched - r->after) % r->every == 0 &&
               (r->count == 0 || st->fired < r->count);
        /* draw only when the schedule allows, so `prob` thins the schedule */
        if (fire && r->prob < 1.0)
            fire = sim_rng_unit(&st->rng) < r->prob;
        if (fire) {
            st->fired++;
            hit = r;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return hit;
}
