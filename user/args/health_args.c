// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "args_common.h"
#include "health_args.h"

/* A day: anything longer is a typo, and keeps ms far from overflow. */
#define MAX_THRESHOLD_S 86400.0

const char health_threshold_usage[] =
	"Health (what is broken, not just quiet):\n"
	"      --close-wait-after SECS  close_wait: the peer closed, the process has not,\n"
	"                            for SECS (default 60): an fd leak\n"
	"      --stall-after SECS    stalled: data queued and no progress for SECS (no\n"
	"                            data sent, or no ACK while retransmitting: a zero\n"
	"                            window, a dead path; default 10)\n"
	"      --nat-timeout SECS    dead_peer_risk: silent both ways for SECS with\n"
	"                            keepalive off or slower (default 350, the AWS NAT\n"
	"                            and load balancer idle timeout)\n";

const char health_filter_usage[] =
	"      --health CLASS[,CLASS]  only sockets of these health classes: ok,\n"
	"                            close_wait, stalled, dead_peer_risk, time_wait,\n"
	"                            orphaned\n";

static int threshold(const char *name, const char *arg, double min, __u64 *ms, char *err,
		     size_t errlen)
{
	double secs;

	if (parse_seconds(arg, MAX_THRESHOLD_S, &secs) || secs < min) {
		snprintf(err, errlen, "invalid --%s '%s': expected seconds %s, at most a day", name,
			 arg, min > 0 ? "> 0" : ">= 0");
		return -EINVAL;
	}
	*ms = (__u64)llround(secs * 1000);
	if (!*ms && min > 0)
		*ms = 1;
	return 0;
}

int parse_health_option(int opt, const char *arg, struct sc_health_policy *policy,
			unsigned int *mask, char *err, size_t errlen)
{
	char bad[64];

	switch (opt) {
	case ARGS_OPT_CLOSE_WAIT_AFTER:
		return threshold("close-wait-after", arg, 0, &policy->close_wait_after_ms, err,
				 errlen);
	case ARGS_OPT_STALL_AFTER:
		return threshold("stall-after", arg, 0, &policy->stall_after_ms, err, errlen);
	case ARGS_OPT_NAT_TIMEOUT:
		/* 0 would call every established connection at risk. */
		return threshold("nat-timeout", arg, 0.001, &policy->nat_timeout_ms, err, errlen);
	case ARGS_OPT_HEALTH:
		if (!mask || sc_health_parse_mask(arg, mask, bad, sizeof(bad))) {
			snprintf(err, errlen, "invalid --health '%s': expected ok, close_wait, "
				 "stalled, dead_peer_risk, time_wait or orphaned, comma-separated",
				 arg);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(err, errlen, "not a health option");
	return -EINVAL;
}
