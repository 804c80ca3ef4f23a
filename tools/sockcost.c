// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "commands.h"
#include "log.h"
#include "version.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "snapshot", cmd_snapshot, "connections, idle ones and their cost, once" },
	{ "top", cmd_top, "live view per process and port, like top (batch mode: -b)" },
	{ "cost", cmd_cost, "memory per connection, capacity, idle-timeout what-if" },
	{ "close", cmd_close, "abort idle connections of a process, port or service (dry run first)" },
};

static void usage(FILE *out)
{
	size_t i;

	fputs("Usage: sockcost [-v] COMMAND [OPTIONS]\n"
	      "\n"
	      "Tracks what TCP connections cost per process: counts, idle connections,\n"
	      "file descriptors against limits, and kernel socket memory, using eBPF.\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "  -v, --verbose  log details, including libbpf's messages\n"
	      "  -h, --help     show this help (COMMAND --help for a command's options)\n"
	      "  -V, --version  show the version\n", out);
}

int main(int argc, char **argv)
{
	bool verbose = false;
	int i = 1;
	size_t c;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("sockcost %s\n", SOCKCOST_VERSION);
			return 0;
		}
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
			continue;
		}
		fprintf(stderr, "sockcost: unknown option '%s' (see sockcost --help)\n", argv[i]);
		return SC_EXIT_USAGE;
	}
	sc_log_init("sockcost", verbose);
	if (i >= argc) {
		fputs("sockcost: missing command (see sockcost --help)\n", stderr);
		return SC_EXIT_USAGE;
	}
	for (c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].run(argc - i, argv + i);
	fprintf(stderr, "sockcost: unknown command '%s' (see sockcost --help)\n", argv[i]);
	return SC_EXIT_USAGE;
}
