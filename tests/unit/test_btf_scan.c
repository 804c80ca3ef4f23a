// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/base/btf_scan.c: finding a function's id in a raw BTF blob. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/btf.h>

#include "btf_scan.h"

#define BTF_INFO_ENC(kind, kind_flag, vlen) \
	(((__u32)(kind) << 24) | ((__u32)(kind_flag) << 31) | (__u32)(vlen))

/* Types 1..5: INT, STRUCT with 2 members, FUNC_PROTO with 1 param, FUNC "f_one", FUNC "f_two". */
struct blob {
	struct btf_header h;
	struct btf_type t_int;
	__u32 int_info;
	struct btf_type t_struct;
	struct btf_member members[2];
	struct btf_type t_proto;
	struct btf_param params[1];
	struct btf_type t_f1;
	struct btf_type t_f2;
	char strs[32];
};

#define STR_S 1   /* "s" */
#define STR_F1 3  /* "f_one" */
#define STR_F2 9  /* "f_two" */

static void make_blob(struct blob *b)
{
	memset(b, 0, sizeof(*b));
	b->h = (struct btf_header){
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(b->h),
		.type_off = 0, .type_len = (__u32)offsetof(struct blob, strs) - sizeof(b->h),
		.str_off = (__u32)offsetof(struct blob, strs) - sizeof(b->h),
		.str_len = sizeof(b->strs),
	};
	b->t_int.info = BTF_INFO_ENC(BTF_KIND_INT, 0, 0);
	b->t_int.size = 4;
	b->t_struct = (struct btf_type){ .name_off = STR_S,
		.info = BTF_INFO_ENC(BTF_KIND_STRUCT, 0, 2), .size = 8 };
	b->t_proto = (struct btf_type){ .info = BTF_INFO_ENC(BTF_KIND_FUNC_PROTO, 0, 1), .type = 1 };
	b->t_f1 = (struct btf_type){ .name_off = STR_F1,
		.info = BTF_INFO_ENC(BTF_KIND_FUNC, 0, 0), .type = 3 };
	b->t_f2 = (struct btf_type){ .name_off = STR_F2,
		.info = BTF_INFO_ENC(BTF_KIND_FUNC, 0, 0), .type = 3 };
	memcpy(b->strs, "\0s\0f_one\0f_two", 15);
}

static void test_finds_functions_after_trailing_data(void **state)
{
	struct blob b;

	(void)state;
	make_blob(&b);
	assert_int_equal(sc_btf_find_func(&b, sizeof(b), "f_one"), 4);
	assert_int_equal(sc_btf_find_func(&b, sizeof(b), "f_two"), 5);
	/* A struct's name is not a function's; a prefix is not the name. */
	assert_int_equal(sc_btf_find_func(&b, sizeof(b), "s"), -ENOENT);
	assert_int_equal(sc_btf_find_func(&b, sizeof(b), "f_"), -ENOENT);
	assert_int_equal(sc_btf_find_func(&b, sizeof(b), "nothing"), -ENOENT);
}

static void test_refuses_what_it_cannot_walk(void **state)
{
	struct blob b;

	(void)state;
	make_blob(&b);
	assert_int_equal(sc_btf_find_func(&b, sizeof(b.h) - 1, "f_one"), -EPROTO);
	assert_int_equal(sc_btf_find_func(&b, sizeof(b) - 1, "f_one"), -EPROTO); /* strings cut */
	b.h.magic = 0;
	assert_int_equal(sc_btf_find_func(&b, sizeof(b), "f_one"), -EPROTO);
	make_blob(&b);
	b.t_int.info = BTF_INFO_ENC(31, 0, 0); /* a kind from the future, before the function */
	assert_int_equal(sc_btf_find_func(&b, sizeof(b), "f_one"), -EPROTO);
	make_blob(&b);
	b.t_struct.info = BTF_INFO_ENC(BTF_KIND_STRUCT, 0, 200); /* members past the end */
	assert_int_equal(sc_btf_find_func(&b, sizeof(b), "nothing"), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_functions_after_trailing_data),
		cmocka_unit_test(test_refuses_what_it_cannot_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
