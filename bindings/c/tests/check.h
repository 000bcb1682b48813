/*
 * The checks shared by the C tests: CHECK and CHECK_STATUS count passes and failures, and
 * REPORT() prints the one closing line "N passed, M failed" and gives the exit status.
 */
#ifndef UPSELL_TEST_CHECK_H
#define UPSELL_TEST_CHECK_H

#include <stdio.h>

#include "upsell.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                              \
    } while (0)

/* Checks a status, printing the error's message when it is not the one expected. */
#define CHECK_STATUS(call, expected, err)                                                      \
    do {                                                                                       \
        upsell_status got_ = (call);                                                           \
        if (got_ == (expected)) {                                                              \
            passed++;                                                                          \
        } else {                                                                               \
            failed++;                                                                          \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d: %s\n", __FILE__,         \
                    __LINE__, #call, (int)got_, upsell_status_str(got_), (int)(expected),      \
                    (err) != NULL ? upsell_error_message(err) : "(no error object)");          \
        }                                                                                      \
    } while (0)

/* Ends a test program: stops the library's worker threads (so valgrind sees none alive), prints
 * the closing line and gives the exit status. */
#define REPORT()                                                           \
    (upsell_shutdown(), printf("%d passed, %d failed\n", passed, failed), \
     failed == 0 ? 0 : 1)

#endif
