// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "addr.h"

const char *sc_addr_str(__u16 family, const __u8 addr[16], char *buf, size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *sc_family_name(__u16 family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}
