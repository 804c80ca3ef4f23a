// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: a process whose main thread has exited while two other
 * threads hold its fds, so its thread group leader is a zombie. Opens a
 * loopback listener and one connected pair, prints "ready PID", and exits
 * when stdin closes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *hold(void *arg)
{
	char c;

	(void)arg;
	while (read(0, &c, 1) > 0)
		;
	_exit(0);
	return NULL;
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	pthread_t t[2];
	int l, c, s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		return 1;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	s = accept(l, NULL, NULL);
	if (s < 0)
		return 1;
	printf("ready %d %u\n", getpid(), ntohs(a.sin_port));
	fflush(stdout);
	if (pthread_create(&t[0], NULL, hold, NULL) || pthread_create(&t[1], NULL, hold, NULL))
		return 1;
	pthread_exit(NULL);
}
