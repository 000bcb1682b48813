/*
 * C tests of association rules, affinity pairs, the library's version and the structured error
 * place: rules with every measure checked against their definitions, length limits, item lists,
 * pruning, top-k by a measure; pairs; the path, line and column of a bad FIMI file.
 *
 * Ends with exactly one line "N passed, M failed"; exits non-zero when M > 0.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "upsell.h"
#include "check.h"

/* {0 1 2} {0 1} {0 2} {1 2} {0 1 2} {3} */
static const uint32_t ITEMS[] = {0, 1, 2, 0, 1, 0, 2, 1, 2, 0, 1, 2, 3};
static const size_t OFFSETS[] = {0, 3, 5, 7, 9, 12, 13};

static upsell_itemsets *mine_all(upsell_baskets **baskets) {
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_baskets_from_arrays(ITEMS, 13, OFFSETS, 7, baskets, &err), UPSELL_STATUS_OK, err);
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_count = 2;
    upsell_itemsets *itemsets = NULL;
    CHECK_STATUS(upsell_mine(*baskets, &options, &itemsets, &err), UPSELL_STATUS_OK, err);
    return itemsets;
}

static double support(uint64_t count) { return (double)count / 6.0; }

static void test_measures_and_limits(void) {
    upsell_baskets *baskets = NULL;
    upsell_itemsets *itemsets = mine_all(&baskets);
    upsell_error *err = NULL;

    upsell_rule_options options;
    CHECK(upsell_rule_options_default(&options) == UPSELL_STATUS_OK);
    CHECK(options.min_confidence == 0.8);
    options.min_confidence = 0.0;
    upsell_rules *rules = NULL;
    CHECK_STATUS(upsell_rules_generate(itemsets, &options, &rules, &err), UPSELL_STATUS_OK, err);
    /* Frequent sets of 2+ items: {0,1} {0,2} {1,2} (count 3 each), {0,1,2} (count 2):
     * 3 x 2 + 6 = 12 rules. */
    CHECK(upsell_rules_len(rules) == 12);
    CHECK(upsell_rules_baskets(rules) == 6);
    for (size_t i = 0; i < upsell_rules_len(rules); i++) {
        upsell_rule rule;
        CHECK_STATUS(upsell_rules_get(rules, i, &rule, &err), UPSELL_STATUS_OK, err);
        double sa = support(rule.antecedent_count), sc = support(rule.consequent_count);
        double s = support(rule.count), conf = s / sa;
        double value = 0;
        upsell_rules_measure(rules, i, UPSELL_MEASURE_SUPPORT, &value, &err);
        CHECK(fabs(value - s) < 1e-12);
        upsell_rules_measure(rules, i, UPSELL_MEASURE_CONFIDENCE, &value, &err);
        CHECK(fabs(value - conf) < 1e-12);
        upsell_rules_measure(rules, i, UPSELL_MEASURE_LIFT, &value, &err);
        CHECK(fabs(value - conf / sc) < 1e-12);
        upsell_rules_measure(rules, i, UPSELL_MEASURE_LEVERAGE, &value, &err);
        CHECK(fabs(value - (s - sa * sc)) < 1e-12);
        upsell_rules_measure(rules, i, UPSELL_MEASURE_JACCARD, &value, &err);
        CHECK(fabs(value - s / (sa + sc - s)) < 1e-12);
        upsell_rules_measure(rules, i, UPSELL_MEASURE_KULCZYNSKI, &value, &err);
        CHECK(fabs(value - (conf + s / sc) / 2) < 1e-12);
        for (int m = UPSELL_MEASURE_ANTECEDENT_SUPPORT; m <= UPSELL_MEASURE_REPRESENTATIVITY; m++) {
            CHECK_STATUS(upsell_rules_measure(rules, i, m, &value, &err), UPSELL_STATUS_OK, err);
        }
    }
    double value = 0;
    CHECK_STATUS(upsell_rules_measure(rules, 0, 12, &value, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "measure") == 0);
    upsell_error_free(err);
    err = NULL;
    upsell_rule rule;
    CHECK_STATUS(upsell_rules_get(rules, 12, &rule, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;

    /* Top 3 by confidence: the three rules {a,b} -> {c} of confidence 2/3 come after the
     * confidence-1 ones? None reaches 1 here; the best are the pair rules at 3/4. */
    size_t top[3];
    size_t written = 0;
    CHECK_STATUS(upsell_rules_top(rules, UPSELL_MEASURE_CONFIDENCE, top, 3, &written, &err), UPSELL_STATUS_OK, err);
    CHECK(written == 3);
    double previous = INFINITY;
    for (size_t k = 0; k < written; k++) {
        upsell_rules_measure(rules, top[k], UPSELL_MEASURE_CONFIDENCE, &value, &err);
        CHECK(value <= previous);
        CHECK(fabs(value - 0.75) < 1e-12);
        previous = value;
    }
    CHECK_STATUS(upsell_rules_top(rules, UPSELL_MEASURE_LIFT, NULL, 0, &written, &err), UPSELL_STATUS_OK, err);
    CHECK(written == 0);
    upsell_rules_free(rules);

    /* Length limits and item lists. */
    options.max_antecedent_len = 1;
    options.max_consequent_len = 1;
    CHECK_STATUS(upsell_rules_generate(itemsets, &options, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_rules_len(rules) == 6);
    upsell_rules_free(rules);
    const uint32_t premium[] = {2};
    options.consequent_items = premium;
    options.consequent_items_len = 1;
    options.max_antecedent_len = 0;
    CHECK_STATUS(upsell_rules_generate(itemsets, &options, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_rules_len(rules) == 3); /* {0}->{2} {1}->{2} {0,1}->{2} */
    for (size_t i = 0; i < upsell_rules_len(rules); i++) {
        upsell_rules_get(rules, i, &rule, &err);
        CHECK(rule.consequent_len == 1 && rule.consequent[0] == 2);
    }
    upsell_rules_free(rules);
    /* Pruning: {0,1} -> {2} (2/3) is less confident than {0} -> {2} (3/4): dropped. */
    options.prune_redundant = 1;
    CHECK_STATUS(upsell_rules_generate(itemsets, &options, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_rules_len(rules) == 2);
    upsell_rules_free(rules);
    options.consequent_items = NULL;
    options.consequent_items_len = 0;
    const uint32_t excluded[] = {0};
    options.exclude_items = excluded;
    options.exclude_items_len = 1;
    options.prune_redundant = 0;
    CHECK_STATUS(upsell_rules_generate(itemsets, &options, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_rules_len(rules) == 2); /* {1}->{2}, {2}->{1} */
    upsell_rules_free(rules);

    /* Bad parameters are named. */
    options.min_confidence = 1.5;
    CHECK_STATUS(upsell_rules_generate(itemsets, &options, &rules, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "min_confidence") == 0);
    CHECK(err != NULL && upsell_error_path(err) == NULL && upsell_error_line(err) == 0);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_rules_generate(itemsets, NULL, &rules, &err), UPSELL_STATUS_NULL_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "options") == 0);
    upsell_error_free(err);
    upsell_rules_free(NULL);

    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
}

static void test_affinity_pairs(void) {
    upsell_baskets *baskets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_baskets_from_arrays(ITEMS, 13, OFFSETS, 7, &baskets, &err), UPSELL_STATUS_OK, err);
    upsell_pair *pairs = NULL;
    size_t len = 0;
    CHECK_STATUS(upsell_affinity_pairs(baskets, 10, 1, 0.0, 0.0, &pairs, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(len == 3);
    for (size_t i = 0; i < len; i++) {
        CHECK(pairs[i].a < pairs[i].b && pairs[i].b <= 2);
        CHECK(pairs[i].count == 3);
        CHECK(fabs(pairs[i].support - 0.5) < 1e-12);
        CHECK(fabs(pairs[i].confidence_ab - 0.75) < 1e-12);
    }
    upsell_pairs_free(pairs, len);
    CHECK_STATUS(upsell_affinity_pairs(baskets, 10, 0, 0.6, 0.0, &pairs, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(len == 0 && pairs == NULL);
    upsell_pairs_free(pairs, len);
    CHECK_STATUS(upsell_affinity_pairs(baskets, 10, 0, 2.0, 0.0, &pairs, &len, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "min_support") == 0);
    upsell_error_free(err);
    upsell_baskets_free(baskets);
}

/* The affinity matrix of the same baskets: items 0, 1, 2 in four of six baskets each, every two
 * of them together in three; item 3 alone once. */
static void test_affinity_matrix(void) {
    upsell_baskets *baskets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_baskets_from_arrays(ITEMS, 13, OFFSETS, 7, &baskets, &err), UPSELL_STATUS_OK, err);
    upsell_affinity *matrix = NULL;
    CHECK_STATUS(upsell_affinity_matrix(baskets, 10, 1, &matrix, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_affinity_len(matrix) == 4 && upsell_affinity_baskets(matrix) == 6);
    uint32_t ids[4] = {0};
    uint64_t counts[4] = {0};
    for (size_t i = 0; i < 4; i++)
        CHECK_STATUS(upsell_affinity_item(matrix, i, &ids[i], &counts[i], &err), UPSELL_STATUS_OK, err);
    CHECK(counts[0] == 4 && counts[1] == 4 && counts[2] == 4 && ids[3] == 3 && counts[3] == 1);
    for (size_t r = 0; r < 4; r++) {
        for (size_t c = 0; c < 4; c++) {
            uint64_t count = 99;
            double confidence = -1, lift = -1;
            CHECK_STATUS(upsell_affinity_get(matrix, r, c, &count, &confidence, &lift, &err), UPSELL_STATUS_OK,
                         err);
            if (r == c) {
                CHECK(count == counts[r] && fabs(confidence - 1.0) < 1e-12);
            } else if (r < 3 && c < 3) {
                CHECK(count == 3 && fabs(confidence - 0.75) < 1e-12 && fabs(lift - 1.125) < 1e-12);
            } else {
                CHECK(count == 0 && confidence == 0.0 && lift == 0.0);
            }
        }
    }
    uint64_t count = 0;
    double confidence = 0, lift = 0;
    CHECK_STATUS(upsell_affinity_get(matrix, 0, 4, &count, &confidence, &lift, &err), UPSELL_STATUS_INVALID_PARAMETER,
                 err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "column") == 0);
    upsell_error_free(err);
    err = NULL;
    uint32_t id = 0;
    CHECK_STATUS(upsell_affinity_item(matrix, 4, &id, &count, NULL), UPSELL_STATUS_INVALID_PARAMETER, NULL);
    upsell_affinity_free(matrix);
    upsell_affinity_free(NULL);

    /* Two items: the two most frequent. */
    CHECK_STATUS(upsell_affinity_matrix(baskets, 2, 0, &matrix, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_affinity_len(matrix) == 2);
    upsell_affinity_free(matrix);
    CHECK_STATUS(upsell_affinity_matrix(baskets, 0, 0, &matrix, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "top") == 0);
    upsell_error_free(err);
    CHECK(upsell_affinity_len(NULL) == 0);
    upsell_baskets_free(baskets);
}

static void test_version_and_error_place(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", UPSELL_VERSION_MAJOR, UPSELL_VERSION_MINOR,
             UPSELL_VERSION_PATCH);
    CHECK(strcmp(upsell_version(), expected) == 0);

    char path[64];
    snprintf(path, sizeof path, "/tmp/upsell-ctest-%ld.dat", (long)getpid());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL) return;
    fputs("1 2 3\n4 x 6\n", f);
    fclose(f);
    upsell_baskets *baskets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_baskets_from_fimi_file(path, &baskets, &err), UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && upsell_error_path(err) != NULL && strcmp(upsell_error_path(err), path) == 0);
    CHECK(upsell_error_line(err) == 2);
    CHECK(upsell_error_column(err) == 2);
    CHECK(upsell_error_parameter(err) == NULL);
    upsell_error_free(err);
    err = NULL;
    remove(path);
    CHECK_STATUS(upsell_baskets_from_fimi_file("no/such/file.dat", &baskets, &err), UPSELL_STATUS_IO, err);
    CHECK(err != NULL && strcmp(upsell_error_path(err), "no/such/file.dat") == 0);
    upsell_error_free(err);
    /* NULL errors answer with neutral values. */
    CHECK(upsell_error_path(NULL) == NULL && upsell_error_line(NULL) == 0 &&
          upsell_error_column(NULL) == 0 && upsell_error_parameter(NULL) == NULL);
}

int main(void) {
    test_measures_and_limits();
    test_affinity_pairs();
    test_affinity_matrix();
    test_version_and_error_place();
    return REPORT();
}
