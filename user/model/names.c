// SPDX-License-Identifier: GPL-2.0
/* Names users see for kernel enums. */
#include "common.h"
#include "names.h"

const char *sc_hook_name(enum sc_hook hook)
{
	switch (hook) {
	case SC_HOOK_TRACEPOINT:
		return "tracepoint";
	case SC_HOOK_FEXIT:
		return "fexit";
	case SC_HOOK_NONE:
		break;
	}
	return "kernel-timestamps";
}

const char *sc_tcp_state_name(__u8 state)
{
	/* Named as ss(8) names them. */
	static const char *const names[] = {
		[1] = "ESTAB",     [2] = "SYN-SENT",  [3] = "SYN-RECV",
		[4] = "FIN-WAIT-1", [5] = "FIN-WAIT-2", [6] = "TIME-WAIT",
		[7] = "UNCONN",    [8] = "CLOSE-WAIT", [9] = "LAST-ACK",
		[10] = "LISTEN",   [11] = "CLOSING",   [12] = "SYN-RECV" /* request socket */,
	};

	if (state < ARRAY_SIZE(names) && names[state])
		return names[state];
	return "UNKNOWN";
}
