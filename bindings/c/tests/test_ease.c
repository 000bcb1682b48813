/*
 * C tests of the EASE recommender and of offline evaluation: fit on the groceries sample, query,
 * save and load, bad options; evaluate rules, popularity and EASE on a held-out split.
 *
 * Usage: test_ease path/to/groceries_sample.csv
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

static void test_fit_query_save(const upsell_baskets *baskets) {
    upsell_error *err = NULL;
    upsell_ease_options options;
    CHECK(upsell_ease_options_default(&options) == UPSELL_STATUS_OK);
    CHECK(options.lambda == 100.0 && options.min_count == 1 && options.max_items == 8000);
    options.min_count = 5;
    upsell_ease *model = NULL;
    CHECK_STATUS(upsell_ease_fit(baskets, &options, &model, &err), UPSELL_STATUS_OK, err);
    if (model == NULL) return;
    CHECK(upsell_ease_item_count(model) > 50);

    uint32_t cart[1];
    CHECK_STATUS(upsell_ease_item(model, "whole milk", &cart[0], &err), UPSELL_STATUS_OK, err);
    CHECK(strcmp(upsell_ease_label(model, cart[0]), "whole milk") == 0);
    CHECK(upsell_ease_label(model, 1u << 30) == NULL);
    upsell_ease_recommendation found[5];
    size_t n = 0;
    CHECK_STATUS(upsell_ease_recommend(model, cart, 1, 5, found, &n, &err), UPSELL_STATUS_OK, err);
    CHECK(n == 5);
    for (size_t i = 0; i < n; i++) {
        CHECK(found[i].item != cart[0]);
        if (i > 0) CHECK(found[i - 1].score >= found[i].score);
    }
    size_t none = 99;
    CHECK_STATUS(upsell_ease_recommend(model, cart, 1, 0, NULL, &none, &err), UPSELL_STATUS_OK, err);
    CHECK(none == 0);
    /* The candidates and the weight matrix: a recommendation's weight is its matrix entry. */
    const uint32_t *candidates = NULL;
    size_t candidate_count = 0, side = 0;
    const float *weights = NULL;
    CHECK_STATUS(upsell_ease_candidates(model, &candidates, &candidate_count, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ease_weights(model, &weights, &side, &err), UPSELL_STATUS_OK, err);
    CHECK(candidate_count > 5 && candidate_count <= upsell_ease_item_count(model) && side == candidate_count);
    size_t from = SIZE_MAX, to = SIZE_MAX;
    for (size_t i = 0; i < candidate_count; i++) {
        if (candidates[i] == cart[0]) from = i;
        if (candidates[i] == found[0].item) to = i;
    }
    CHECK(from != SIZE_MAX && to != SIZE_MAX && found[0].strongest_item == cart[0]);
    if (from != SIZE_MAX && to != SIZE_MAX) {
        CHECK(weights[from * side + to] == found[0].strongest_weight);
        CHECK(weights[from * side + from] == 0.0f); /* EASE's zero diagonal */
    }
    CHECK_STATUS(upsell_ease_weights(model, NULL, &side, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
    CHECK_STATUS(upsell_ease_candidates(NULL, &candidates, &candidate_count, NULL), UPSELL_STATUS_NULL_PARAMETER,
                 NULL);

    uint32_t id = 0;
    CHECK_STATUS(upsell_ease_item(model, "no such item", &id, &err), UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    err = NULL;

    char path[] = "/tmp/upsell-ctest-ease-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_STATUS(upsell_ease_save(model, path, &err), UPSELL_STATUS_OK, err);
    upsell_ease *loaded = NULL;
    CHECK_STATUS(upsell_ease_load(path, &loaded, &err), UPSELL_STATUS_OK, err);
    upsell_ease_recommendation again[5];
    size_t m = 0;
    CHECK_STATUS(upsell_ease_recommend(loaded, cart, 1, 5, again, &m, &err), UPSELL_STATUS_OK, err);
    CHECK(m == n);
    for (size_t i = 0; i < m && i < n; i++) CHECK(again[i].item == found[i].item);
    unlink(path);
    upsell_ease_free(loaded);
    upsell_ease_free(model);
    upsell_ease_free(NULL);

    /* max_items is a budget: more candidate items than it is an error naming the way out. */
    options.max_items = 10;
    CHECK_STATUS(upsell_ease_fit(baskets, &options, &model, &err), UPSELL_STATUS_LIMIT_EXCEEDED, err);
    upsell_error_free(err);
    err = NULL;
    options.max_items = 8000;
    options.lambda = 0;
    CHECK_STATUS(upsell_ease_fit(baskets, &options, &model, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "lambda") == 0);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_ease_load("/nonexistent/ease.bin", &model, &err), UPSELL_STATUS_IO, err);
    upsell_error_free(err);
}

static void test_evaluate(const upsell_baskets *baskets) {
    upsell_error *err = NULL;
    upsell_evaluate_options options;
    CHECK(upsell_evaluate_options_default(&options) == UPSELL_STATUS_OK);
    CHECK(options.k == 5 && options.train_fraction == 0.8 && options.max_antecedent_len == 3);
    char *json = NULL;
    /* No support set: refused, as for mining. */
    CHECK_STATUS(upsell_evaluate_json(baskets, &options, &json, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    options.min_support_count = 5;
    options.ease = 1;
    options.threads = 1;
    CHECK_STATUS(upsell_evaluate_json(baskets, &options, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"hit_rate\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"popularity\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"ease\"") != NULL);
    upsell_string_free(json);
    upsell_string_free(NULL);
    /* Arrays have no times: a split by time is refused with the parameter named. */
    options.split_by_time = 1;
    CHECK_STATUS(upsell_evaluate_json(baskets, &options, &json, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "split_by_time") == 0);
    upsell_error_free(err);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_ease path/to/groceries_sample.csv\n");
        return 2;
    }
    upsell_baskets *baskets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_baskets_from_csv_file(argv[1], ',', &baskets, &err), UPSELL_STATUS_OK, err);
    if (baskets != NULL) {
        test_fit_query_save(baskets);
        test_evaluate(baskets);
    }
    upsell_baskets_free(baskets);
    return REPORT();
}
