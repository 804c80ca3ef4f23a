/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_AUTH_CACHE_H
#define SC_AUTH_CACHE_H

#include <stdbool.h>

/*
 * Basic-auth successes remembered for a while (as the exporter-toolkit
 * caches them), so a scrape does not pay a bcrypt each time, nor wait
 * behind clients sending wrong passwords. It holds no password: only an
 * HMAC of user and password under a key drawn per process. Failures are
 * never remembered. Thread-safe.
 */
struct auth_cache;

/* NULL when out of memory or without randomness (then nothing is cached). */
struct auth_cache *auth_cache_new(void);
void auth_cache_free(struct auth_cache *c);

/* True when user and password succeeded less than a minute ago. */
bool auth_cache_hit(struct auth_cache *c, const char *user, const char *password);
/* Remembers a success, pushing out the oldest entry when full. */
void auth_cache_add(struct auth_cache *c, const char *user, const char *password);

#endif /* SC_AUTH_CACHE_H */
