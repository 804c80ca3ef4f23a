// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <sys/socket.h>

#include "addr.h"
#include "format.h"

const char *fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	/* Pick the unit after rounding to one decimal, so 1048575 is "1.0 MiB". */
	while (v >= 1023.95 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

const char *fmt_duration_ms(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%llu.%llus", (unsigned long long)s,
			 (unsigned long long)(ms % 1000 / 100));
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
	return buf;
}

const char *fmt_percent(uint64_t part, uint64_t whole, char *buf, size_t len)
{
	unsigned __int128 scaled = (unsigned __int128)part * 100;
	unsigned __int128 pct;

	if (!whole) {
		snprintf(buf, len, "%s", part ? "-" : "0%");
		return buf;
	}
	pct = scaled / whole;
	if ((scaled % whole) * 2 >= whole)
		pct++;
	/* Rounding must not hide a remainder or a sliver: say which side of the edge. */
	if (pct == 100 && part != whole)
		pct = part < whole ? 99 : 101;
	if (pct == 0 && part)
		snprintf(buf, len, "<1%%");
	else
		snprintf(buf, len, "%llu%%", (unsigned long long)pct);
	return buf;
}

const char *fmt_printable(const char *s, char *buf, size_t len)
{
	size_t i;

	if (!len)
		return buf;
	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

const char *fmt_endpoint(__u16 family, const __u8 addr[16], __u16 port, char *buf, size_t len)
{
	char a[SC_ADDR_STRLEN];

	sc_addr_str(family, addr, a, sizeof(a));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}
