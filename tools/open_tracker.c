// SPDX-License-Identifier: GPL-2.0
/* How the commands open the kernel side: the loader knows no idle policy, the commands do. */
#include <math.h>
#include <signal.h>
#include <time.h>

#include "idle.h"
#include "log.h"
#include "open_tracker.h"

/*
 * The kernel judges calls against the heartbeat threshold it was loaded
 * with; on the daemon's pinned programs that is the daemon's. Sets the
 * policy's to it, saying so if the caller asked for another.
 */
static void follow_kernel_threshold(struct sc_idle_policy *policy, const struct sc_tracker *t)
{
	struct sc_config cfg;

	if (sc_tracker_read_config(t, &cfg) || cfg.heartbeat_bytes == policy->heartbeat_bytes)
		return;
	sc_info("sockcostd's programs count calls above %llu bytes as activity; using that "
		"heartbeat threshold, not %llu", (unsigned long long)cfg.heartbeat_bytes,
		(unsigned long long)policy->heartbeat_bytes);
	policy->heartbeat_bytes = cfg.heartbeat_bytes;
}

struct sc_tracker *cmd_open_tracker(struct sc_idle_policy *policy, bool live_counters)
{
	struct sc_tracker_opts opts = {
		.heartbeat_bytes = policy->heartbeat_bytes,
		.live_counters = live_counters,
		.pin_mode = SC_PIN_READ,
	};
	struct sc_tracker *t = sc_tracker_open(&opts);

	if (t)
		follow_kernel_threshold(policy, t);
	return t;
}

const struct sc_take_scope *cmd_take_scope(const struct sc_filter *f, struct sc_take_scope *buf)
{
	bool whole = f->service[0] != '\0';

	*buf = (struct sc_take_scope){ .pid = whole ? 0 : f->pid, .port = whole ? -1 : f->port };
	return buf;
}

static volatile sig_atomic_t stop_observing;

static void on_interrupt(int sig)
{
	(void)sig;
	stop_observing = 1;
}

/* Watches activity for secs; Ctrl-C ends the watch early and still reports. */
void cmd_observe(double secs)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	struct timespec left = { .tv_sec = (time_t)secs,
				 .tv_nsec = (long)((secs - floor(secs)) * 1e9) };

	if (secs <= 0)
		return;
	sc_info("watching activity for %.1fs (Ctrl-C reports early)", secs);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!stop_observing && nanosleep(&left, &left))
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}
