#include "mimecast/regions.h"

#include <string.h>
#include <strings.h>

struct region {
    const char *name;
    const char *url;
};

static const struct region v2_regions[] = {
    {"global", "https://api.services.mimecast.com"},
    {"uk", "https://uk-api.services.mimecast.com"},
    {"us", "https://us-api.services.mimecast.com"},
    {NULL, NULL},
};

/* "jer": sources disagree between je-api and jer-api (API.md §7.1); the grid
 * code is jer and Mimecast's own SSO docs use jer-api. base_url overrides. */
static const struct region v1_regions[] = {
    {"eu", "https://eu-api.mimecast.com"},   {"de", "https://de-api.mimecast.com"},
    {"us", "https://us-api.mimecast.com"},   {"usb", "https://usb-api.mimecast.com"},
    {"ca", "https://ca-api.mimecast.com"},   {"za", "https://za-api.mimecast.com"},
    {"au", "https://au-api.mimecast.com"},   {"jer", "https://jer-api.mimecast.com"},
    {NULL, NULL},
};

static const struct region *table(enum mcl_api_version api)
{
    return api == MCL_API_V1 ? v1_regions : v2_regions;
}

const char *mcl_mc_region_url(enum mcl_api_version api, const char *region)
{
    for (const struct region *r = table(api); region && r->name; r++) {
        if (!strcasecmp(r->name, region))
            return r->url;
    }
    return NULL;
}

const char *mcl_mc_region_names(enum mcl_api_version api)
{
    return api == MCL_API_V1 ? "eu, de, us, usb, ca, za, au, jer" : "global, uk, us";
}

const char *mcl_mc_discovery_url(void)
{
    return "https://api.mimecast.com";
}

const char *mcl_mc_region_of_url(enum mcl_api_version api, const char *base_url)
{
    for (const struct region *r = table(api); base_url && r->name; r++) {
        if (!strncasecmp(r->url, base_url, strlen(r->url)))
            return r->name;
    }
    return NULL;
}
