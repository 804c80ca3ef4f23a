// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "fd_eta_text.h"

const char *fmt_fd_eta(const struct sc_fd_eta *e, char *buf, size_t len)
{
	double s = e->eta_s;

	if (e->why == SC_FD_ETA_AT_LIMIT)
		snprintf(buf, len, "limit");
	else if (e->why != SC_FD_ETA_OK)
		snprintf(buf, len, "%s", "");
	else if (s > SC_FD_ETA_CAP_S)
		snprintf(buf, len, ">%dd", SC_FD_ETA_CAP_S / 86400);
	else if (s < 1)
		snprintf(buf, len, "<1s");
	else if (s < 60)
		snprintf(buf, len, "%us", (unsigned)s);
	else if (s < 3600)
		snprintf(buf, len, "%um", (unsigned)(s / 60));
	else if (s < 86400)
		snprintf(buf, len, "%uh", (unsigned)(s / 3600));
	else
		snprintf(buf, len, "%ud", (unsigned)(s / 86400));
	return buf;
}
