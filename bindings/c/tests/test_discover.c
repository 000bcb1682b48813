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

int main(void) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/upsell-test-discover-%ld.csv", (long)getpid());
    CHECK(write_customers(path));
    test_discovery(path);
    test_errors(path);
    remove(path);
    return REPORT();
}
