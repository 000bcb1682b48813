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

/* Items named by label in price lists the core parses: the quote of test_bundle_price, the
 * margin floor from a cost list, and an item without a price named in the error. */
static void test_bundle_price_labels(void) {
    upsell_bundle_policy policy;
    upsell_bundle_policy_default(&policy);
    upsell_bundle_quote quote;
    upsell_error *err = NULL;
    const char *labels[] = {"MUG", "TEA"}, *amounts[] = {"12.00", "8.00"}, *cost_amounts[] = {"8.00", "8.00"};
    const char *items[] = {"MUG", "TEA"}, *unpriced[] = {"MUG", "SPOON"};
    upsell_price_list *prices = NULL, *costs = NULL;
    CHECK_STATUS(upsell_price_list_new("GBP", labels, amounts, 2, &prices, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_price_list_new("GBP", labels, cost_amounts, 2, &costs, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_bundle_price_labels(items, 2, prices, NULL, &policy, &quote, &err), UPSELL_STATUS_OK, err);
    CHECK(quote.refusal == UPSELL_BUNDLE_REFUSAL_NONE && quote.price_minor == 1699 && quote.saving_bp == 1505);
    policy.min_margin_bp = 1500;
    CHECK_STATUS(upsell_bundle_price_labels(items, 2, prices, costs, &policy, &quote, &err), UPSELL_STATUS_OK, err);
    CHECK(quote.refusal == UPSELL_BUNDLE_REFUSAL_MARGIN_FLOOR && quote.sum_minor == 2000);
    CHECK(upsell_bundle_price_labels(unpriced, 2, prices, NULL, &policy, &quote, &err) == UPSELL_STATUS_INVALID_INPUT);
    CHECK(err != NULL && strstr(upsell_error_message(err), "'SPOON'") != NULL);
    upsell_error_free(err);
    err = NULL;
    const char *bad[] = {"12.00", "cheap"};
    upsell_price_list *unread = NULL;
    CHECK(upsell_price_list_new("GBP", labels, bad, 2, &unread, &err) == UPSELL_STATUS_INVALID_INPUT);
    CHECK(unread == NULL && err != NULL && strstr(upsell_error_message(err), "'TEA'") != NULL);
    upsell_error_free(err);
    CHECK(upsell_price_list_new("GBP", NULL, amounts, 2, &unread, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    CHECK(upsell_bundle_price_labels(items, 2, NULL, NULL, &policy, &quote, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    upsell_price_list_free(NULL);
    upsell_price_list_free(costs);
    upsell_price_list_free(prices);
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

/* The textbook mixed bundling case (Python's test): profits 150, 200 and 230, bundle at 100. */
static void test_mixed_bundle(void) {
    upsell_error *err = NULL;
    const int64_t wtp[] = {1000, 9000, 5000, 5000, 6000, 4000, 9000, 1000};
    const int64_t costs[] = {2000, 3000};
    char *json = NULL;
    CHECK_STATUS(upsell_mixed_bundle_json(wtp, 4, 2, costs, "USD", UPSELL_MIXED_SEARCH_AUTO, 20000000, &json, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"bundle_price\":{\"minor\":10000,\"currency\":\"USD\"}") != NULL);
    CHECK(json != NULL && strstr(json, "\"outcome\":{\"profit\":{\"minor\":23000,") != NULL);
    CHECK(json != NULL && strstr(json, "\"separate\":{\"profit\":{\"minor\":15000,") != NULL);
    CHECK(json != NULL && strstr(json, "\"pure_bundle\":{\"profit\":{\"minor\":20000,") != NULL);
    CHECK(json != NULL && strstr(json, "\"exact\":true") != NULL);
    upsell_string_free(json);
    json = NULL;
    const int64_t negative[] = {1, -1, 2, 2};
    CHECK_STATUS(upsell_mixed_bundle_json(negative, 2, 2, NULL, "USD", 0, 20000000, &json, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "negative willingness to pay") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_mixed_bundle_json(wtp, 4, 2, NULL, "USD", 9, 20000000, &json, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "search") == 0);
    upsell_error_free(err);
    CHECK_STATUS(upsell_mixed_bundle_json(NULL, 4, 2, NULL, "USD", 0, 20000000, &json, NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);
}

/* Python's tier case: 9 -> 29 -> 99 has two gaps, bridged at 19.00 and 49.00. */
static void test_tiers(void) {
    upsell_error *err = NULL;
    const char *names[] = {"Basic", "Pro", "Business"};
    const int64_t prices[] = {900, 2900, 9900};
    const uint64_t customers[] = {500, 300, 40};
    char *json = NULL;
    CHECK_STATUS(upsell_tiers_json(names, prices, customers, 3, "USD", 25000, 500, UPSELL_PRICE_ENDING_WHOLE_NINE,
                                   &json, &err),
                 UPSELL_STATUS_OK, err);
    const char *first = "[{\"tier\":{\"name\":\"Basic\"";
    CHECK(json != NULL && strncmp(json, first, strlen(first)) == 0);
    CHECK(json != NULL && strstr(json, "\"bridge_price\":{\"minor\":1900,") != NULL);
    CHECK(json != NULL && strstr(json, "\"bridge_price\":{\"minor\":4900,") != NULL);
    upsell_string_free(json);
    json = NULL;
    CHECK_STATUS(upsell_tiers_json(names, prices, customers, 3, "USD", 25000, 500, 42, &json, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    const char *holes[] = {"Basic", NULL};
    CHECK_STATUS(upsell_tiers_json(holes, prices, customers, 2, "USD", 25000, 500, 5, &json, NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);
}

/* Python's hand-checked history: free -> basic -> business for a, basic -> team for b, basic
 * -> business for c; four upgrades, today's tiers basic 0, team 1, business 2. */
static void test_tier_migration(void) {
    upsell_error *err = NULL;
    const char *customers[] = {"a", "b", "a", "c", "b", "c", "a"};
    const int64_t day = 86400, jan1 = 1767225600; /* 2026-01-01T00:00:00Z */
    const int64_t seconds[] = {jan1, jan1, jan1 + 10 * day, jan1 + 5 * day, jan1 + 40 * day, jan1 + 65 * day,
                               jan1 + 30 * day};
    const char *plans[] = {"free", "basic", "basic", "basic", "team", "business", "business"};
    const int64_t mrr[] = {0, 900, 900, 900, 2900, 9900, 9900};
    char *json = NULL;
    CHECK_STATUS(upsell_tier_migration_json(customers, seconds, plans, mrr, 7, "USD", NULL, 0, &json, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"tiers\":[\"free\",\"basic\",\"team\",\"business\"]") != NULL);
    CHECK(json != NULL && strstr(json, "\"matrix\":[[0,1,0,0],[0,0,1,2],[0,0,0,0],[0,0,0,0]]") != NULL);
    CHECK(json != NULL && strstr(json, "\"upgrades\":4,\"downgrades\":0") != NULL);
    CHECK(json != NULL && strstr(json, "\"median_days_to_upgrade\":30.0") != NULL);
    CHECK(json != NULL && strstr(json, "\"current_tiers\":[{\"name\":\"basic\"") != NULL);
    upsell_string_free(json);
    json = NULL;
    const char *three[] = {"free", "basic", "team"};
    CHECK_STATUS(upsell_tier_migration_json(customers, seconds, plans, mrr, 7, "USD", three, 3, &json, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "unknown plan 'business' in row 6") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_tier_migration_json(NULL, NULL, NULL, NULL, 0, "USD", NULL, 0, &json, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "empty history") != NULL);
    upsell_error_free(err);
}

int main(void) {
    test_bundle_price();
    test_bundle_errors();
    test_bundle_price_labels();
    test_threshold_fill();
    test_mixed_bundle();
    test_tiers();
    test_tier_migration();
    return REPORT();
}
