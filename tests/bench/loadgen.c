// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback TCP load for sockcost's benchmarks. Every mode is bounded in
 * count and time and only ever talks to 127.0.0.0/8.
 *
 *   loadgen hold --pairs N [--active M --interval-ms MS --bytes B] [--unaccepted]
 *                [--src-first K --per-src P] --seconds S
 *       N connected pairs held in this process (2N sockets); the first M
 *       clients send B bytes every MS ms, which the server side reads.
 *       --unaccepted accepts only those M: the server ends of the others stay
 *       in the listener's accept queue, held by no process, as the remote
 *       ends of a server's connections are (N + M sockets held, not 2N).
 *       Needs net.core.somaxconn >= N.
 *       --src-first K connects pair i from 127.0.0.1 + K + i / P (default P
 *       10000), so no source address needs more ephemeral ports than half
 *       the range; without it every client is 127.0.0.1.
 *       Prints "ready PID" once every pair is connected. Ends after S seconds,
 *       on SIGTERM/SIGINT, or when a pipe on stdin closes.
 *   loadgen pingpong --size B --seconds S [--cpus]
 *       One connection, request/response of B bytes between two processes.
 *       Prints "round_trips_per_second X". --cpus pins the client to CPU 0
 *       and the server to CPU 1, so runs do not differ by where the
 *       scheduler happened to put them.
 *   loadgen churn --rate R --seconds S
 *       Opens and closes R connections per second. Prints "opened N closed N"
 *       (both exact: a connection counts once both its ends are established,
 *       and as closed once both are closed) and then "behind_s X", how far
 *       the last connection lagged its schedule (0 when the rate was held).
 *
 * Time: --seconds is capped at a day (a soak runs for hours); an alarm 30 s
 * past it ends a process that missed its own deadline.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_loopback(struct sockaddr_in *addr, int backlog)
{
	socklen_t len = sizeof(*addr);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)addr, &len))
		die("listen");
	return fd;
}

/*
 * Connects from source address 127.0.0.1 + src - 1 (src 0: unbound) so ports
 * do not run out. Without a port in the bind, connect() picks it for the
 * whole 4-tuple, as for an unbound socket.
 */
static int connect_from(const struct sockaddr_in *to, unsigned src)
{
	struct sockaddr_in from = { .sin_family = AF_INET };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (src) {
		from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + src - 1);
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&from, sizeof(from)))
			die("bind source");
	}
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)))
		die("connect");
	return fd;
}

static void raise_nofile(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_NOFILE, &r)) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, char *buf, size_t n)
{
	while (n) {
		ssize_t r = read(fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* The accept queue must take every unaccepted connection, or connect() stalls in SYN retries. */
static void check_somaxconn(long pairs)
{
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
	long max = 0;

	if (!f || fscanf(f, "%ld", &max) != 1)
		die("read /proc/sys/net/core/somaxconn");
	fclose(f);
	if (max < pairs) {
		fprintf(stderr, "loadgen: --unaccepted needs net.core.somaxconn >= %ld (it is %ld)\n",
			pairs, max);
		exit(1);
	}
}

/* Where hold's clients connect from: see --src-first. */
struct sources {
	long first;
	long per_src;
};

static unsigned source_of(const struct sources *src, long i)
{
	if (src->first <= 0)
		return 0;
	return (unsigned)(1 + src->first + i / src->per_src);
}

static int hold(long pairs, long active, long interval_ms, long bytes, int unaccepted,
		const struct sources *src, double seconds)
{
	struct sockaddr_in addr;
	int lfd, *cl, *sv, watch_stdin;
	struct stat st;
	char *buf;
	double end;
	long i;

	raise_nofile();
	if (unaccepted)
		check_somaxconn(pairs);
	lfd = listen_loopback(&addr, unaccepted ? (int)pairs : 4096);
	cl = calloc((size_t)pairs, sizeof(int));
	sv = calloc((size_t)pairs, sizeof(int));
	buf = calloc(1, (size_t)bytes + 1);
	if (!cl || !sv || !buf)
		die("calloc");
	for (i = 0; i < pairs; i++) {
		cl[i] = connect_from(&addr, source_of(src, i));
		sv[i] = -1;
		/* Accepting right after connecting takes this pair's server end. */
		if (unaccepted && i >= active)
			continue;
		sv[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (sv[i] < 0)
			die("accept");
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	watch_stdin = !fstat(0, &st) && S_ISFIFO(st.st_mode);
	end = now_s() + seconds;
	while (!stop && now_s() < end) {
		struct pollfd in = { .fd = watch_stdin ? 0 : -1, .events = POLLIN };

		for (i = 0; i < active && i < pairs; i++) {
			if (write_all(cl[i], buf, (size_t)bytes) || read_all(sv[i], buf, (size_t)bytes))
				die("active traffic");
		}
		/* A pipe on stdin closing (the benchmark ending) also ends the hold. */
		if (poll(&in, 1, (int)interval_ms) > 0 &&
		    (in.revents & (POLLHUP | POLLERR) || read(0, buf, 1) <= 0))
			break;
	}
	/* Reset rather than close: 2N TIME-WAIT sockets would skew the next run. */
	for (i = 0; i < pairs; i++) {
		abort_close(cl[i]);
		if (sv[i] >= 0)
			abort_close(sv[i]);
	}
	close(lfd);
	return 0;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static int pingpong(long size, double seconds, int pin)
{
	struct sockaddr_in addr;
	int lfd, cfd, sfd, one = 1;
	long trips = 0;
	char *buf = calloc(1, (size_t)size);
	double start, end;
	pid_t pid;

	if (!buf)
		die("calloc");
	lfd = listen_loopback(&addr, 1);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) { /* echo server */
		if (pin)
			pin_to_cpu(1);
		sfd = accept(lfd, NULL, NULL);
		setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while (!read_all(sfd, buf, (size_t)size) && !write_all(sfd, buf, (size_t)size))
			;
		_exit(0);
	}
	close(lfd);
	if (pin)
		pin_to_cpu(0);
	cfd = connect_from(&addr, 0);
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	start = now_s();
	end = start + seconds;
	while (!stop) {
		if (write_all(cfd, buf, (size_t)size) || read_all(cfd, buf, (size_t)size))
			die("pingpong");
		/* Checking the clock every 256 trips keeps it off the hot path. */
		if (!(++trips & 255) && now_s() >= end)
			break;
	}
	printf("round_trips_per_second %.0f\n", (double)trips / (now_s() - start));
	close(cfd);
	waitpid(pid, NULL, 0);
	return 0;
}

static int churn(long rate, double seconds)
{
	struct sockaddr_in addr;
	long opened = 0, closed = 0;
	double start, next, end, behind = 0;
	int lfd;

	raise_nofile();
	lfd = listen_loopback(&addr, 4096);
	start = now_s();
	end = start + seconds;
	next = start;
	while (!stop && now_s() < end) {
		/* 64 source addresses keep TIME-WAIT from exhausting ports. */
		int c = connect_from(&addr, 1 + (unsigned)(opened % 64));
		int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (s < 0)
			die("accept");
		opened++;
		close(c);
		close(s);
		closed++;
		next += 1.0 / (double)rate;
		behind = now_s() - next;
		while (!stop && now_s() < next) {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
		}
	}
	printf("opened %ld closed %ld\n", opened, closed);
	printf("behind_s %.3f\n", behind > 0 ? behind : 0);
	return 0;
}

static long arg_long(int argc, char **argv, const char *name, long def)
{
	int i;

	for (i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtol(argv[i + 1], NULL, 10);
	return def;
}

static int has_flag(int argc, char **argv, const char *name)
{
	int i;

	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	double secs;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fputs("usage: loadgen hold|pingpong|churn [options] (see the source)\n", stderr);
		return 2;
	}
	/* Hard cap: no mode runs longer than a day (soaks run for hours). */
	secs = (double)arg_long(argc, argv, "--seconds", 10);
	if (secs <= 0 || secs > 86400)
		secs = 86400;
	alarm((unsigned)secs + 30);
	if (!strcmp(argv[1], "hold")) {
		struct sources src = {
			.first = arg_long(argc, argv, "--src-first", 0),
			.per_src = arg_long(argc, argv, "--per-src", 10000),
		};

		if (src.per_src <= 0)
			src.per_src = 10000;
		return hold(arg_long(argc, argv, "--pairs", 1000), arg_long(argc, argv, "--active", 0),
			    arg_long(argc, argv, "--interval-ms", 500),
			    arg_long(argc, argv, "--bytes", 64), has_flag(argc, argv, "--unaccepted"),
			    &src, secs);
	}
	if (!strcmp(argv[1], "pingpong"))
		return pingpong(arg_long(argc, argv, "--size", 64), secs, has_flag(argc, argv, "--cpus"));
	if (!strcmp(argv[1], "churn"))
		return churn(arg_long(argc, argv, "--rate", 1000), secs);
	fprintf(stderr, "loadgen: unknown mode '%s'\n", argv[1]);
	return 2;
}
