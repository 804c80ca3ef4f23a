/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_ADDR_H
#define SC_ADDR_H

#include <stddef.h>
#include <linux/types.h>

#define SC_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/* Formats a socket address as inet_ntop does; family is AF_INET or AF_INET6. */
const char *sc_addr_str(__u16 family, const __u8 addr[16], char *buf, size_t len);
const char *sc_family_name(__u16 family);

#endif /* SC_ADDR_H */
