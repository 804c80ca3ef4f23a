// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "auth_cache.h"

#define AUTH_CACHE_ENTRIES 64
#define AUTH_CACHE_TTL_S 60
#define MAC_BYTES 32 /* SHA-256 */

struct auth_entry {
	unsigned char mac[MAC_BYTES];
	time_t at;   /* CLOCK_MONOTONIC seconds; 0: empty */
};

struct auth_cache {
	pthread_mutex_t lock;
	unsigned char key[32];
	struct auth_entry e[AUTH_CACHE_ENTRIES];
};

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1; /* never 0, the empty mark */
}

/* HMAC of "user\0password": the user is part of what is compared. */
static int mac_of(const struct auth_cache *c, const char *user, const char *password,
		  unsigned char *mac)
{
	size_t lu = strlen(user) + 1, lp = strlen(password);
	char *msg = malloc(lu + lp + 1);
	int rc;

	if (!msg)
		return -1;
	memcpy(msg, user, lu);
	memcpy(msg + lu, password, lp);
	rc = gnutls_hmac_fast(GNUTLS_MAC_SHA256, c->key, sizeof(c->key), msg, lu + lp, mac);
	explicit_bzero(msg, lu + lp);
	free(msg);
	return rc < 0 ? -1 : 0;
}

static bool same_mac(const unsigned char *a, const unsigned char *b)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < MAC_BYTES; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

struct auth_cache *auth_cache_new(void)
{
	struct auth_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (gnutls_rnd(GNUTLS_RND_KEY, c->key, sizeof(c->key)) < 0 ||
	    pthread_mutex_init(&c->lock, NULL)) {
		free(c);
		return NULL;
	}
	return c;
}

void auth_cache_free(struct auth_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

bool auth_cache_hit(struct auth_cache *c, const char *user, const char *password)
{
	unsigned char mac[MAC_BYTES];
	bool hit = false;
	time_t now;
	size_t i;

	if (!c || mac_of(c, user, password, mac))
		return false;
	now = now_s();
	pthread_mutex_lock(&c->lock);
	/* Every entry compared whole: the time says nothing about which matched. */
	for (i = 0; i < AUTH_CACHE_ENTRIES; i++)
		hit |= c->e[i].at && now - c->e[i].at < AUTH_CACHE_TTL_S &&
		       same_mac(c->e[i].mac, mac);
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void auth_cache_add(struct auth_cache *c, const char *user, const char *password)
{
	unsigned char mac[MAC_BYTES];
	size_t i, oldest = 0;

	if (!c || mac_of(c, user, password, mac))
		return;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < AUTH_CACHE_ENTRIES; i++) {
		if (c->e[i].at && same_mac(c->e[i].mac, mac)) {
			oldest = i; /* renewed in place, never twice */
			break;
		}
		if (c->e[i].at < c->e[oldest].at)
			oldest = i;
	}
	memcpy(c->e[oldest].mac, mac, MAC_BYTES);
	c->e[oldest].at = now_s();
	pthread_mutex_unlock(&c->lock);
}
