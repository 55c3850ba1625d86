/* Mimecast base URLs by API generation and region (API.md §1.3, §2.1).
 * Pure data: no I/O. Returned strings are static. */
#ifndef MCL_MIMECAST_REGIONS_H
#define MCL_MIMECAST_REGIONS_H

enum mcl_api_version {
    MCL_API_V1 = 1, /* legacy HMAC-SHA1 "MC" signatures, regional hosts */
    MCL_API_V2 = 2, /* OAuth2 client credentials, global/uk/us gateways */
};

/* Base URL of a region ("global", "uk", "us" for v2; "eu", "de", "us",
 * "usb", "ca", "za", "au", "jer" for v1), or NULL if unknown. */
const char *mcl_mc_region_url(enum mcl_api_version api, const char *region);
/* Comma-separated list of the valid region names, for error messages. */
const char *mcl_mc_region_names(enum mcl_api_version api);
/* The API 1.0 host used only for discover-authentication. */
const char *mcl_mc_discovery_url(void);
/* The v1 region whose host a base URL points at, or NULL (for wrong-region advice). */
const char *mcl_mc_region_of_url(enum mcl_api_version api, const char *base_url);

#endif
