/*
 * C tests of libupsell's pricing: bundle prices in integer minor units and threshold fillers.
 *
 * Usage: test_pricing
 * Ends with exactly one line "N passed, M failed"; exits non-zero when M > 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "upsell.h"
#include "check.h"

/* A bundle of 12.00 + 8.00 GBP at 15-25 % off, ending in 9: 16.99, saving 3.01 (15.05 %). */
static void test_bundle_price(void) {
    upsell_bundle_policy policy;
    CHECK(upsell_bundle_policy_default(&policy) == UPSELL_STATUS_OK);
    CHECK(policy.min_discount_bp == 1500 && policy.max_discount_bp == 2500);
    const int64_t prices[] = {1200, 800};
    upsell_bundle_quote quote;
    upsell_error *err = NULL;
    CHECK(upsell_bundle_price(prices, NULL, 2, "GBP", &policy, &quote, &err) == UPSELL_STATUS_OK);
    CHECK(err == NULL);
    CHECK(quote.refusal == UPSELL_BUNDLE_REFUSAL_NONE);
    CHECK(quote.sum_minor == 2000 && quote.price_minor == 1699 && quote.saving_minor == 301);
    CHECK(quote.saving_bp == 1505);

    /* Costs of 8.00 each with a 15 % margin floor: the floor (18.40) is above the band. */
    const int64_t costs[] = {800, 800};
    const int64_t even[] = {1000, 1000};
    policy.min_margin_bp = 1500;
    CHECK(upsell_bundle_price(even, costs, 2, "GBP", &policy, &quote, NULL) == UPSELL_STATUS_OK);
    CHECK(quote.refusal == UPSELL_BUNDLE_REFUSAL_MARGIN_FLOOR);
    CHECK(quote.sum_minor == 2000);
}

static void test_bundle_errors(void) {
    upsell_bundle_policy policy;
    upsell_bundle_policy_default(&policy);
    upsell_bundle_quote quote;
    upsell_error *err = NULL;

    const int64_t negative[] = {1200, -5};
    CHECK(upsell_bundle_price(negative, NULL, 2, "GBP", &policy, &quote, &err) == UPSELL_STATUS_INVALID_INPUT);
    CHECK(err != NULL && strstr(upsell_error_message(err), "negative") != NULL);
    upsell_error_free(err);
    err = NULL;

    const int64_t prices[] = {1200, 800};
    policy.max_discount_bp = 12000; /* 120 %: outside 0-100 % */
    CHECK(upsell_bundle_price(prices, NULL, 2, "GBP", &policy, &quote, &err) == UPSELL_STATUS_INVALID_PARAMETER);
    CHECK(err != NULL && strstr(upsell_error_message(err), "discount_band") != NULL);
    upsell_error_free(err);
    err = NULL;

    upsell_bundle_policy_default(&policy);
    CHECK(upsell_bundle_price(prices, NULL, 2, "XXX", &policy, &quote, &err) == UPSELL_STATUS_INVALID_PARAMETER);
    upsell_error_free(err);
    CHECK(upsell_bundle_price(prices, NULL, 2, NULL, &policy, &quote, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    CHECK(upsell_bundle_price(NULL, NULL, 2, "GBP", &policy, &quote, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    CHECK(upsell_bundle_price(prices, NULL, 0, "GBP", &policy, &quote, NULL) == UPSELL_STATUS_INVALID_PARAMETER);
    CHECK(upsell_bundle_policy_default(NULL) == UPSELL_STATUS_NULL_PARAMETER);
}

/* A 90.00 cart, a 100.00 threshold: the 10.00 mug fits exactly. */
static void test_threshold_fill(void) {
    const int64_t prices[] = {1250, 1000, 3000, 400, 700};
    const uint64_t affinity[] = {8, 10, 20, 5, 5};
    upsell_filler fillers[4];
    size_t written = 0;
    upsell_error *err = NULL;
    CHECK(upsell_threshold_fill(9000, 10000, "GBP", prices, affinity, 5, fillers, 4, &written, &err) ==
          UPSELL_STATUS_OK);
    CHECK(written == 4);
    CHECK(fillers[0].first == 1 && fillers[0].second == SIZE_MAX);
    CHECK(fillers[0].added_minor == 1000 && fillers[0].overshoot_minor == 0);
    for (size_t k = 0; k < written; k++) {
        CHECK(fillers[k].added_minor - fillers[k].overshoot_minor == 1000);
        CHECK(k == 0 || fillers[k - 1].score >= fillers[k].score);
    }
    /* At the threshold already: nothing to add. */
    CHECK(upsell_threshold_fill(10000, 10000, "GBP", prices, affinity, 5, fillers, 4, &written, NULL) ==
          UPSELL_STATUS_OK);
    CHECK(written == 0);
    const int64_t bad[] = {0};
    const uint64_t one[] = {1};
    CHECK(upsell_threshold_fill(9000, 10000, "GBP", bad, one, 1, fillers, 4, &written, &err) ==
          UPSELL_STATUS_INVALID_INPUT);
    upsell_error_free(err);
    CHECK(upsell_threshold_fill(9000, 10000, "GBP", prices, affinity, 5, NULL, 4, &written, NULL) ==
          UPSELL_STATUS_NULL_PARAMETER);
}

int main(void) {
    test_bundle_price();
    test_bundle_errors();
    test_threshold_fill();
    return REPORT();
}
