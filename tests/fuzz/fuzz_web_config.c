// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for user/args/web_config.c, the --web.config.file parser:
 * any bytes must parse or be refused with "FILE:LINE: reason", never crash,
 * leak or leave fields set after a refusal. Build (see tests/fuzz):
 *   clang -g -O1 -fsanitize=fuzzer,address -Ibpf -Iuser/base -Iuser/model -Iuser/args \
 *     tests/fuzz/fuzz_web_config.c user/args/web_config.c -lyaml
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_web_config c;
	char err[512] = "";
	int ret;

	ret = sc_web_config_parse((const char *)data, size, "fuzz.yml", &c, err, sizeof(err));
	if (ret) {
		/* A refusal explains itself and leaves nothing behind. */
		if (!err[0] || c.users || c.nusers || c.cert_file || c.key || c.tls)
			abort();
		return 0;
	}
	/* An accepted config holds together as the daemon relies on. */
	if (c.tls && ((!c.cert == !c.cert_file) || (!c.key == !c.key_file) ||
		      c.min_version > c.max_version))
		abort();
	if (c.client_auth == SC_CLIENT_AUTH_REQUIRE_VERIFY && !c.client_ca && !c.client_ca_file)
		abort();
	for (size_t i = 0; i < c.nusers; i++)
		if (!c.users[i].name[0] || strchr(c.users[i].name, ':') ||
		    strlen(c.users[i].hash) != 60)
			abort();
	sc_web_config_free(&c);
	return 0;
}
