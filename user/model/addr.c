// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "addr.h"

/* Dotted quad without stdio: this runs for every socket of a snapshot. */
static void ipv4_str(const __u8 a[4], char *buf)
{
	char *p = buf;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

const char *sc_addr_str(__u16 family, const __u8 addr[16], char *buf, size_t len)
{
	if (family != AF_INET6 && len >= 16) {
		ipv4_str(addr, buf);
		return buf;
	}
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *sc_family_name(__u16 family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}
