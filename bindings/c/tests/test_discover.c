/*
 * C tests of subgroup discovery in libupsell: customers written to a CSV file with a planted
 * effect, discovered, read back subgroup by subgroup, the rules loaded, and the error paths.
 *
 * Ends with exactly one line "N passed, M failed"; exits non-zero when M > 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "upsell.h"
#include "check.h"

/* Starter customers using feature X at least 20 times upgrade two times in three, others one in ten. */
static int write_customers(const char *path) {
    FILE *file = fopen(path, "w");
    if (file == NULL) {
        return 0;
    }
    fprintf(file, "id,plan,usage,upgraded\n");
    for (long i = 0; i < 2000; i++) {
        int starter = i % 2 == 0;
        long usage = (i * 7919) % 40;
        int upgraded = starter && usage >= 20 ? i % 3 != 0 : i % 10 == 0;
        fprintf(file, "c%ld,%s,%ld,%d\n", i, starter ? "starter" : "pro", usage, upgraded);
    }
    return fclose(file) == 0;
}

static void test_discovery(const char *path) {
    upsell_discovery *found = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_discovery_from_csv(path, "{\"outcome\": \"upgraded\", \"ignore\": [\"id\"]}", &found, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(upsell_discovery_count(found) >= 1);

    upsell_subgroup first;
    CHECK_STATUS(upsell_discovery_subgroup(found, 0, &first, &err), UPSELL_STATUS_OK, err);
    CHECK(strcmp(first.expression, "plan == \"starter\" && usage >= 20") == 0);
    CHECK(first.size == 500);
    CHECK(first.rate > 0.6 && first.rate_low < first.rate && first.rate < first.rate_high);
    CHECK(first.lift > 2.0 && first.p_adjusted < 1e-10);

    upsell_ruleset *rules = NULL;
    CHECK_STATUS(upsell_ruleset_from_str(upsell_discovery_rules_yaml(found), UPSELL_RULESET_FORMAT_YAML, &rules, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(upsell_ruleset_count(rules) >= 1);
    upsell_ruleset_free(rules);

    CHECK_STATUS(upsell_discovery_subgroup(found, 1000000, &first, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "out of range") != NULL);
    upsell_error_free(err);
    err = NULL;
    upsell_discovery_free(found);
}

static void test_errors(const char *path) {
    upsell_discovery *found = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_discovery_from_csv(NULL, "{\"outcome\": \"upgraded\"}", &found, &err),
                 UPSELL_STATUS_NULL_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_discovery_from_csv(path, "{\"outcome\": \"upgraded\", \"max_conditions\": 9}", &found, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "max_conditions") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_discovery_from_csv(path, "{\"outcome\": \"churned\"}", &found, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "churned") != NULL);
    upsell_error_free(err);
    CHECK(found == NULL);
    CHECK(upsell_discovery_count(NULL) == 0);
    CHECK(upsell_discovery_rules_yaml(NULL) == NULL);
    upsell_discovery_free(NULL);
}

/* Python's hand-checked adoption gap: ten pro customers, four never used reports, three of
 * them churned (of four churners): share 0.4, lift 0.75 / 0.4, p = 25 / 210. */
static void test_adoption_gaps(void) {
    upsell_error *err = NULL;
    const char *ids[] = {"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10"};
    const char *plan[] = {"pro", "pro", "pro", "pro", "pro", "pro", "pro", "pro", "pro", "pro"};
    const int64_t reports[] = {0, 0, 0, 0, 5, 1, 2, 9, 3, 4};
    const int64_t churned[] = {1, 1, 1, 0, 1, 0, 0, 0, 0, 0};
    upsell_batch *batch = upsell_batch_new();
    CHECK_STATUS(upsell_batch_add_strings(batch, "id", ids, 10, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_strings(batch, "plan", plan, 10, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_ints(batch, "reports", reports, NULL, 10, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_ints(batch, "churned", churned, NULL, 10, &err), UPSELL_STATUS_OK, err);
    const char *plans[] = {"pro"};
    const char *features[] = {"reports"};
    const size_t offsets[] = {0, 1};
    char *json = NULL;
    CHECK_STATUS(upsell_adoption_gaps_json(batch, plans, 1, features, offsets, NULL, NULL, "id", 1, 0.05,
                                           UPSELL_CORRECTION_HOLM, &json, &err),
                 UPSELL_STATUS_OK, err);
    const char *totals = "{\"customers\":10,\"positives\":4,";
    CHECK(json != NULL && strncmp(json, totals, strlen(totals)) == 0);
    CHECK(json != NULL && strstr(json, "\"customers\":4,\"positives\":3,\"share\":0.4,") != NULL);
    CHECK(json != NULL && strstr(json, "\"p_value\":0.1190476190") != NULL); /* 25 / 210 */
    CHECK(json != NULL && strstr(json, "\"condition\":\"plan == \\\"pro\\\" && reports < 1\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"customer_gaps\":[{\"row\":0,\"customer\":\"c1\",") != NULL);
    upsell_string_free(json);
    json = NULL;

    /* A plan no customer is on is fine; a customer on an unlisted plan is an error naming it. */
    const char *other[] = {"starter"};
    const size_t none[] = {0, 0};
    CHECK_STATUS(upsell_adoption_gaps_json(batch, other, 1, NULL, none, NULL, NULL, NULL, 1, 0.05, 0, &json, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "unknown plan 'pro' in row 1") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_adoption_gaps_json(batch, plans, 1, features, offsets, NULL, "left", NULL, 1, 0.05, 0, &json,
                                           &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "no outcome column 'left'") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_adoption_gaps_json(batch, plans, 1, features, offsets, NULL, NULL, NULL, 1, 0.05, 5, &json,
                                           &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "correction") == 0);
    upsell_error_free(err);
    err = NULL;
    const size_t decreasing[] = {1, 0};
    CHECK_STATUS(upsell_adoption_gaps_json(batch, plans, 1, features, decreasing, NULL, NULL, NULL, 1, 0.05, 0, &json,
                                           &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    CHECK_STATUS(upsell_adoption_gaps_json(NULL, plans, 1, features, offsets, NULL, NULL, NULL, 1, 0.05, 0, &json,
                                           NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);
    upsell_batch_free(batch);
}

/* A synthetic customer table with a planted gap, read by the adoption gaps: the same seed gives
 * the same table, so the same report. */
static char *gaps_of_synthetic(uint64_t seed) {
    upsell_error *err = NULL;
    const upsell_planted_effect effect = {"churned", "team", "usage.feature_2", "<", 1, 5.0};
    upsell_batch *batch = NULL;
    CHECK_STATUS(upsell_synthetic_subscriptions(3000, NULL, 0, 2, 10.0, 0.05, 0.03, &effect, 1, seed, &batch, &err),
                 UPSELL_STATUS_OK, err);
    const char *plans[] = {"starter", "team", "pro"};
    const char *features[] = {"usage.feature_1", "usage.feature_1", "usage.feature_2", "usage.feature_1",
                              "usage.feature_2"};
    const size_t offsets[] = {0, 1, 3, 5};
    char *json = NULL;
    CHECK_STATUS(upsell_adoption_gaps_json(batch, plans, 3, features, offsets, NULL, NULL, "id", 1, 0.05,
                                           UPSELL_CORRECTION_BENJAMINI_HOCHBERG, &json, &err),
                 UPSELL_STATUS_OK, err);
    upsell_batch_free(batch);
    return json;
}

static void test_synthetic_subscriptions(void) {
    char *first = gaps_of_synthetic(7), *again = gaps_of_synthetic(7), *other = gaps_of_synthetic(8);
    const char *totals = "{\"customers\":3000,";
    CHECK(first != NULL && strncmp(first, totals, strlen(totals)) == 0);
    CHECK(first != NULL && strstr(first, "\"plan\":\"team\",\"feature\":\"usage.feature_2\"") != NULL);
    CHECK(first != NULL && again != NULL && strcmp(first, again) == 0);
    CHECK(first != NULL && other != NULL && strcmp(first, other) != 0);
    upsell_string_free(first);
    upsell_string_free(again);
    upsell_string_free(other);

    upsell_error *err = NULL;
    upsell_batch *batch = NULL;
    CHECK_STATUS(upsell_synthetic_subscriptions(0, NULL, 0, 2, 10.0, 0.05, 0.03, NULL, 0, 1, &batch, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(batch == NULL && err != NULL && strcmp(upsell_error_parameter(err), "customers") == 0);
    upsell_error_free(err);
    err = NULL;
    const upsell_planted_effect equal = {"churned", NULL, "seats", "==", 1, 2.0};
    CHECK_STATUS(upsell_synthetic_subscriptions(10, NULL, 0, 2, 10.0, 0.05, 0.03, &equal, 1, 1, &batch, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    CHECK_STATUS(upsell_synthetic_subscriptions(10, NULL, 0, 2, 10.0, 0.05, 0.03, NULL, 0, 1, NULL, NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);
}

int main(void) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/upsell-test-discover-%ld.csv", (long)getpid());
    CHECK(write_customers(path));
    test_discovery(path);
    test_errors(path);
    test_adoption_gaps();
    test_synthetic_subscriptions();
    remove(path);
    return REPORT();
}
