/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_NAMES_H
#define SC_NAMES_H

#include <linux/types.h>

#include "sockcost.h"

const char *sc_hook_name(enum sc_hook hook);
/* TCP state as ss(8) names it. */
const char *sc_tcp_state_name(__u8 state);

#endif /* SC_NAMES_H */
