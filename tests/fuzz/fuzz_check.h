/* fuzz_check.h: Check's assertions outside a Check run (force-included into the stack-based harnesses): a failure aborts, a pass records nothing. */
#ifndef PMT_FUZZ_CHECK_H
#define PMT_FUZZ_CHECK_H

#include <check.h>

/*
 * tests/unit/tstack.c asserts with Check, whose every passing
 * assertion reports progress to a test runner, and which exits the
 * process when there is none. Under libFuzzer there is none: a pass
 * does nothing, a failure prints and aborts, so libFuzzer keeps the
 * input.
 */
void fz_ck_failed(const char *file, int line, const char *expr, ...)
	__attribute__((noreturn));

#undef _mark_point
#define _mark_point(file, line) ((void)0)
#define _ck_assert_failed fz_ck_failed

#endif /* PMT_FUZZ_CHECK_H */
