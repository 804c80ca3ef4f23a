/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_FORMAT_H
#define SC_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

/* "512 B", "3.2 KiB", "1.0 GiB" */
const char *fmt_bytes(uint64_t bytes, char *buf, size_t len);
/* "45s", "12m03s", "3h02m", "4d03h" */
const char *fmt_duration_ms(uint64_t ms, char *buf, size_t len);
/* "10.0.0.1:8080" or "[::1]:8080"; family is AF_INET or AF_INET6. */
const char *fmt_endpoint(__u16 family, const __u8 addr[16], __u16 port, char *buf, size_t len);
/*
 * part of whole as a whole percent, rounded half up ("8%" for 1548/20000),
 * the one way every command prints a share. Never "100%" unless part equals
 * whole (4000/4020 is "99%", 20001/20000 "101%"), never "0%" unless part is 0
 * (1/100000 is "<1%"); whole 0 is "0%" for part 0, else "-".
 */
const char *fmt_percent(uint64_t part, uint64_t whole, char *buf, size_t len);
/* Copies s with every byte a terminal could misread (control, non-ASCII) as '?'. */
const char *fmt_printable(const char *s, char *buf, size_t len);

#endif /* SC_FORMAT_H */
