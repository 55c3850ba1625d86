/* mcsim -- JSON scenario files (format: docs/MCSIM.md).
 *
 * Ownership: values read from the file are copied into cfg (which owns them).
 */
#ifndef MCSIM_SCENARIO_H
#define MCSIM_SCENARIO_H

#include <stddef.h>

#include "sim.h"

/* Load path into cfg (on top of the defaults).  On error returns a negative
 * code and writes "FILE:LINE:COL: message" (syntax) or "FILE: where: message"
 * (content) into err. */
int sim_scenario_load(struct sim_config *cfg, const char *path, char *err, size_t errlen);

#endif
