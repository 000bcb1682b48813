/*
 * C tests of time-window affinity (upsell_sequential_affinity): a real C program against
 * include/upsell.h, with a brute-force check on random histories.
 *
 * Usage: test_sequence
 * Ends with exactly one line "N passed, M failed"; exits non-zero when M > 0.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upsell.h"
#include "check.h"

#define DAY 86400

/* ann: tent day 0, stove day 4; bob: tent day 1, stove day 58; cat: stove day 2. */
static const int64_t customers[] = {1, 1, 2, 2, 3};
static const uint32_t items[] = {0, 1, 0, 1, 1};
static const int64_t seconds[] = {0, 4 * DAY, 1 * DAY, 58 * DAY, 2 * DAY};
static const char *const labels[] = {"tent", "stove"};

static void test_a_small_history(void) {
    upsell_sequence_options options;
    CHECK_STATUS(upsell_sequence_options_default(&options), UPSELL_STATUS_OK, NULL);
    const int64_t windows[] = {90, 7};
    options.windows = windows;
    options.windows_len = 2;
    upsell_sequence_rules *rules = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_sequential_affinity(customers, items, seconds, 5, labels, 2, &options, &rules, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(upsell_sequence_rules_len(rules) == 2);
    CHECK(upsell_sequence_rules_customers(rules) == 3);
    CHECK(upsell_sequence_rules_excluded_rows(rules) == 0);
    upsell_sequence_rule rule;
    const char *text = NULL;
    CHECK_STATUS(upsell_sequence_rules_get(rules, 0, &rule, &text, &err), UPSELL_STATUS_OK, err);
    CHECK(rule.antecedent == 0 && rule.consequent == 1 && rule.window_days == 7);
    CHECK(rule.antecedent_customers == 2 && rule.customers == 1 && rule.baseline_customers == 1);
    CHECK(rule.confidence == 0.5 && fabs(rule.support - 1.0 / 3.0) < 1e-15);
    CHECK(fabs(rule.lift - 1.5) < 1e-12);
    CHECK(text != NULL && strcmp(text, "stove: 50% of buyers of tent within 7 days") == 0);
    CHECK_STATUS(upsell_sequence_rules_get(rules, 1, &rule, NULL, &err), UPSELL_STATUS_OK, err);
    CHECK(rule.window_days == 90 && rule.customers == 2 && rule.confidence == 1.0);
    CHECK_STATUS(upsell_sequence_rules_get(rules, 2, &rule, NULL, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    upsell_sequence_rules_free(rules);
}

static void test_defaults_ids_and_excluded_rows(void) {
    const int64_t with_missing[] = {1, 1, -1, 2, 2};
    upsell_sequence_rules *rules = NULL;
    upsell_error *err = NULL;
    /* NULL options: the default windows 7, 30, 60 and 90 days; no labels: items named by id. */
    CHECK_STATUS(upsell_sequential_affinity(with_missing, items, seconds, 5, NULL, 0, NULL, &rules, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(upsell_sequence_rules_excluded_rows(rules) == 1);
    CHECK(upsell_sequence_rules_customers(rules) == 2);
    CHECK(upsell_sequence_rules_len(rules) == 4);
    upsell_sequence_rule rule;
    const char *text = NULL;
    CHECK_STATUS(upsell_sequence_rules_get(rules, 0, &rule, &text, &err), UPSELL_STATUS_OK, err);
    CHECK(strcmp(text, "1: 100% of buyers of 0 within 7 days") == 0);
    CHECK(isnan(rule.lift) == 0);
    upsell_sequence_rules_free(rules);
}

static void test_bad_input(void) {
    upsell_sequence_options options;
    upsell_sequence_options_default(&options);
    upsell_sequence_rules *rules = NULL;
    upsell_error *err = NULL;
    const int64_t zero[] = {7, 0};
    options.windows = zero;
    options.windows_len = 2;
    CHECK_STATUS(upsell_sequential_affinity(customers, items, seconds, 5, labels, 2, &options, &rules, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "'windows'") != NULL);
    upsell_error_free(err);
    err = NULL;
    const int64_t negative[] = {-30};
    options.windows = negative;
    options.windows_len = 1;
    CHECK_STATUS(upsell_sequential_affinity(customers, items, seconds, 5, labels, 2, &options, &rules, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    options.windows_len = 0;
    options.min_confidence = 2.0;
    CHECK_STATUS(upsell_sequential_affinity(customers, items, seconds, 5, labels, 2, &options, &rules, NULL),
                 UPSELL_STATUS_INVALID_PARAMETER, NULL);
    /* An item id without a label. */
    CHECK_STATUS(upsell_sequential_affinity(customers, items, seconds, 5, labels, 1, NULL, &rules, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    /* A time no calendar holds: the error names the row. */
    const int64_t far[] = {0, 4 * DAY, INT64_MAX, 58 * DAY, 2 * DAY};
    err = NULL;
    CHECK_STATUS(upsell_sequential_affinity(customers, items, far, 5, labels, 2, NULL, &rules, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "<memory>:3") != NULL);
    upsell_error_free(err);
    /* Every row without a customer. */
    const int64_t nobody[] = {-1, -1, -1, -1, -1};
    CHECK_STATUS(upsell_sequential_affinity(nobody, items, seconds, 5, NULL, 0, NULL, &rules, NULL),
                 UPSELL_STATUS_INVALID_INPUT, NULL);
    CHECK_STATUS(upsell_sequential_affinity(NULL, items, seconds, 5, NULL, 0, NULL, &rules, NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);
    CHECK_STATUS(upsell_sequential_affinity(customers, items, seconds, 5, NULL, 0, NULL, NULL, NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);
    CHECK(rules == NULL);
    CHECK(upsell_sequence_rules_len(NULL) == 0);
    upsell_sequence_rules_free(NULL);
}

static void test_cancelled_before(void) {
    upsell_control *control = upsell_control_new();
    upsell_control_cancel(control, NULL);
    upsell_sequence_options options;
    upsell_sequence_options_default(&options);
    options.control = control;
    upsell_sequence_rules *rules = NULL;
    CHECK_STATUS(upsell_sequential_affinity(customers, items, seconds, 5, labels, 2, &options, &rules, NULL),
                 UPSELL_STATUS_CANCELLED, NULL);
    CHECK(rules == NULL);
    upsell_control_free(control);
}

/* A small deterministic generator, so the test needs no seed from outside. */
static uint64_t state = 0x9e3779b97f4a7c15u;
static uint32_t next(uint32_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)((state >> 33) % bound);
}

enum { ROWS = 400, CUSTOMERS = 40, ITEMS = 6 };

/* Customers who bought b strictly after, and at most `window` days after, their first a. */
static uint64_t brute_force(const int64_t *cs, const uint32_t *is, const int64_t *ts, uint32_t a, uint32_t b,
                            int64_t window) {
    uint64_t count = 0;
    for (int64_t c = 0; c < CUSTOMERS; c++) {
        int64_t anchor = INT64_MAX;
        for (int r = 0; r < ROWS; r++)
            if (cs[r] == c && is[r] == a && ts[r] < anchor) anchor = ts[r];
        if (anchor == INT64_MAX) continue;
        for (int r = 0; r < ROWS; r++) {
            if (cs[r] == c && is[r] == b && ts[r] > anchor && ts[r] - anchor <= window * DAY) {
                count++;
                break;
            }
        }
    }
    return count;
}

static void test_random_histories_against_brute_force(void) {
    int64_t cs[ROWS], ts[ROWS];
    uint32_t is[ROWS];
    for (int r = 0; r < ROWS; r++) {
        cs[r] = next(CUSTOMERS);
        is[r] = next(ITEMS);
        ts[r] = (int64_t)next(120) * DAY / 2;
    }
    const int64_t windows[] = {3, 10, 30};
    upsell_sequence_options options;
    upsell_sequence_options_default(&options);
    options.windows = windows;
    options.windows_len = 3;
    options.threads = 2;
    upsell_sequence_rules *rules = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_sequential_affinity(cs, is, ts, ROWS, NULL, 0, &options, &rules, &err), UPSELL_STATUS_OK,
                 err);
    size_t expected_rules = 0;
    for (uint32_t a = 0; a < ITEMS; a++)
        for (uint32_t b = 0; b < ITEMS; b++)
            for (int w = 0; w < 3; w++)
                if (a != b && brute_force(cs, is, ts, a, b, windows[w]) > 0) expected_rules++;
    CHECK(upsell_sequence_rules_len(rules) == expected_rules);
    int mismatches = 0;
    for (size_t i = 0; i < upsell_sequence_rules_len(rules); i++) {
        upsell_sequence_rule rule;
        if (upsell_sequence_rules_get(rules, i, &rule, NULL, NULL) != UPSELL_STATUS_OK) mismatches++;
        if (rule.customers != brute_force(cs, is, ts, rule.antecedent, rule.consequent, rule.window_days))
            mismatches++;
    }
    CHECK(mismatches == 0);
    upsell_sequence_rules_free(rules);
}

int main(void) {
    test_a_small_history();
    test_defaults_ids_and_excluded_rows();
    test_bad_input();
    test_cancelled_before();
    test_random_histories_against_brute_force();
    return REPORT();
}
