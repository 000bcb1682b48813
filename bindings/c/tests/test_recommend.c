/*
 * C tests of the recommender of libupsell: build from mined itemsets, query, explain, save and
 * load, and the errors of damaged model files.
 *
 * Usage: test_recommend path/to/groceries_sample.csv
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

/* Mines the sample and builds a model of rules with up to two antecedent items. */
static upsell_recommender *build(const char *path) {
    upsell_error *err = NULL;
    upsell_baskets *baskets = NULL;
    upsell_itemsets *itemsets = NULL;
    upsell_recommender *model = NULL;
    CHECK_STATUS(upsell_baskets_from_csv_file(path, ',', &baskets, &err), UPSELL_STATUS_OK, err);
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_count = 10;
    options.max_len = 3;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, &err), UPSELL_STATUS_OK, err);
    /* 0 is not "no limit": the same invalid parameter as Python's and the core's fit. */
    CHECK_STATUS(upsell_recommender_build(itemsets, baskets, 0.01, 0, &model, &err), UPSELL_STATUS_INVALID_PARAMETER,
                 err);
    CHECK(model == NULL && strstr(upsell_error_message(err), "max_antecedent_len") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_recommender_build(itemsets, baskets, 0.01, 2, &model, &err), UPSELL_STATUS_OK, err);
    upsell_error_free(err);
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
    return model;
}

static void test_query_and_explain(const upsell_recommender *model) {
    upsell_error *err = NULL;
    CHECK(upsell_recommender_rule_count(model) > 100);
    uint32_t cart[2];
    CHECK_STATUS(upsell_recommender_item(model, "whole milk", &cart[0], &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_recommender_item(model, "butter", &cart[1], &err), UPSELL_STATUS_OK, err);
    CHECK(strcmp(upsell_recommender_label(model, cart[0]), "whole milk") == 0);

    upsell_recommendation found[5];
    size_t n = 0;
    CHECK_STATUS(upsell_recommend(model, cart, 2, 5, UPSELL_RANKING_CONFIDENCE, 5.0, 1, found, &n, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(n == 5);
    for (size_t i = 0; i < n; i++) {
        CHECK(found[i].item != cart[0] && found[i].item != cart[1]);
        if (i > 0) CHECK(found[i - 1].score >= found[i].score);
    }
    CHECK(found[0].rule >= 0);
    upsell_model_rule rule;
    CHECK_STATUS(upsell_recommender_rule(model, found[0].rule, &rule, &err), UPSELL_STATUS_OK, err);
    CHECK(rule.consequent == found[0].item);
    CHECK(rule.antecedent_len >= 1 && rule.antecedent_len <= 2);
    for (size_t i = 0; i < rule.antecedent_len; i++)
        CHECK(rule.antecedent[i] == cart[0] || rule.antecedent[i] == cart[1]);
    CHECK(rule.confidence > 0.0 && rule.confidence <= 1.0 && rule.count <= rule.antecedent_count);

    /* An empty cart gets the popular items; unknown ids are ignored. */
    uint32_t unknown[1] = {4000000000u};
    CHECK_STATUS(upsell_recommend(model, unknown, 1, 3, UPSELL_RANKING_LIFT, 0.0, 1, found, &n, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(n == 3 && found[0].rule == -1);
    CHECK_STATUS(upsell_recommend(model, NULL, 0, 3, UPSELL_RANKING_CONFIDENCE, 5.0, 0, found, &n, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(n == 0);

    /* Bad arguments are statuses with a message, never a crash. */
    CHECK_STATUS(upsell_recommender_item(model, "no such product", &cart[0], &err), UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "no such product") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_recommend(model, cart, 2, 5, 7, 5.0, 1, found, &n, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_recommend(model, cart, 2, 5, UPSELL_RANKING_CONFIDENCE, -1.0, 1, found, &n, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_recommend(NULL, cart, 2, 5, UPSELL_RANKING_CONFIDENCE, 5.0, 1, found, &n, NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);
    CHECK_STATUS(upsell_recommender_rule(model, -1, &rule, NULL), UPSELL_STATUS_INVALID_PARAMETER, NULL);
    CHECK(upsell_recommender_label(model, 999999) == NULL);
}

static void test_save_load_and_damage(const upsell_recommender *model) {
    upsell_error *err = NULL;
    char path[] = "/tmp/upsell-ctest-model-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_STATUS(upsell_recommender_save(model, path, &err), UPSELL_STATUS_OK, err);
    upsell_recommender *loaded = NULL;
    CHECK_STATUS(upsell_recommender_load(path, &loaded, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_recommender_rule_count(loaded) == upsell_recommender_rule_count(model));

    /* The same answers from the loaded model. */
    uint32_t cart[1] = {0};
    upsell_recommendation a[4], b[4];
    size_t na = 0, nb = 0;
    upsell_recommend(model, cart, 1, 4, UPSELL_RANKING_CONFIDENCE, 5.0, 1, a, &na, NULL);
    upsell_recommend(loaded, cart, 1, 4, UPSELL_RANKING_CONFIDENCE, 5.0, 1, b, &nb, NULL);
    CHECK(na == nb);
    for (size_t i = 0; i < na && i < nb; i++)
        CHECK(a[i].item == b[i].item && a[i].score == b[i].score && a[i].rule == b[i].rule);
    upsell_recommender_free(loaded);

    /* A truncated file is a parse error that says so. */
    FILE *file = fopen(path, "rb");
    CHECK(file != NULL);
    unsigned char bytes[64];
    size_t got = file != NULL ? fread(bytes, 1, sizeof bytes, file) : 0;
    if (file != NULL) fclose(file);
    CHECK(got == sizeof bytes);
    upsell_recommender *damaged = NULL;
    CHECK_STATUS(upsell_recommender_from_bytes(bytes, sizeof bytes, &damaged, &err), UPSELL_STATUS_PARSE, err);
    CHECK(damaged == NULL && err != NULL && strstr(upsell_error_message(err), "truncated") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_recommender_from_bytes((const uint8_t *)"not a model", 11, &damaged, &err),
                 UPSELL_STATUS_PARSE, err);
    upsell_error_free(err);
    CHECK_STATUS(upsell_recommender_load("/nonexistent/model", &damaged, NULL), UPSELL_STATUS_IO, NULL);
    unlink(path);
    upsell_recommender_free(NULL);
}

static void test_prices_and_edges(const upsell_recommender *model) {
    upsell_error *err = NULL;
    uint32_t cart[1] = {0};
    upsell_recommendation found[3];
    size_t n = 99;
    /* Without prices, ranking by expected revenue is refused rather than scoring 0. */
    CHECK_STATUS(upsell_recommend(model, cart, 1, 3, UPSELL_RANKING_EXPECTED_REVENUE, 5.0, 1, found, &n, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "by") == 0);
    upsell_error_free(err);
    err = NULL;
    /* k = 0 writes nothing, and its array may be NULL, as everywhere. */
    CHECK_STATUS(upsell_recommend(model, cart, 1, 0, UPSELL_RANKING_CONFIDENCE, 5.0, 1, NULL, &n, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(n == 0);

    size_t items = upsell_recommender_item_count(model);
    int64_t *prices = calloc(items, sizeof *prices);
    uint8_t *known = calloc(items, 1);
    for (size_t i = 0; i < items; i++) {
        prices[i] = 100 + (int64_t)i; /* 1.00 GBP and up */
        known[i] = i != 1;
    }
    upsell_recommender *priced = NULL;
    CHECK_STATUS(upsell_recommender_with_prices(model, "GBP", prices, known, items - 1, &priced, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_recommender_with_prices(model, "GBP", prices, known, items, &priced, &err), UPSELL_STATUS_OK,
                 err);
    int64_t price = 0;
    CHECK_STATUS(upsell_recommender_price(priced, 2, &price, &err), UPSELL_STATUS_OK, err);
    CHECK(price == 102);
    CHECK_STATUS(upsell_recommender_price(priced, 1, &price, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_recommend(priced, cart, 1, 3, UPSELL_RANKING_EXPECTED_REVENUE, 5.0, 0, found, &n, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(n > 0);
    for (size_t i = 0; i < n; i++) CHECK(found[i].item == 1 || found[i].score > 0);
    prices[0] = -5;
    upsell_recommender *negative = NULL;
    CHECK_STATUS(upsell_recommender_with_prices(model, "GBP", prices, NULL, items, &negative, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    free(prices);
    free(known);

    /* Saving into a directory that does not exist says "cannot write" and names the path. */
    CHECK_STATUS(upsell_recommender_save(priced, "/nonexistent-dir/model.bin", &err), UPSELL_STATUS_IO, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "cannot write") != NULL);
    CHECK(err != NULL && upsell_error_path(err) != NULL &&
          strcmp(upsell_error_path(err), "/nonexistent-dir/model.bin") == 0);
    upsell_error_free(err);
    upsell_recommender_free(priced);
}

/* The model as JSON and as bytes in memory, and back: the same rules and answers. */
static void test_in_memory_encodings(const upsell_recommender *model) {
    upsell_error *err = NULL;
    char *json = NULL;
    CHECK_STATUS(upsell_recommender_to_json(model, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strncmp(json, "{\"format\":\"upsell-recommender\"", 30) == 0);
    upsell_recommender *from_json = NULL;
    CHECK_STATUS(upsell_recommender_from_json(json, &from_json, &err), UPSELL_STATUS_OK, err);
    upsell_string_free(json);
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_STATUS(upsell_recommender_to_bytes(model, &bytes, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(bytes != NULL && len > 64);
    upsell_recommender *from_bytes = NULL;
    CHECK_STATUS(upsell_recommender_from_bytes(bytes, len, &from_bytes, &err), UPSELL_STATUS_OK, err);
    upsell_bytes_free(bytes, len);
    upsell_bytes_free(NULL, 0);
    uint32_t cart[1] = {0};
    upsell_recommendation a[4], b[4], c[4];
    size_t na = 0, nb = 0, nc = 0;
    upsell_recommend(model, cart, 1, 4, UPSELL_RANKING_LIFT, 5.0, 1, a, &na, NULL);
    upsell_recommend(from_json, cart, 1, 4, UPSELL_RANKING_LIFT, 5.0, 1, b, &nb, NULL);
    upsell_recommend(from_bytes, cart, 1, 4, UPSELL_RANKING_LIFT, 5.0, 1, c, &nc, NULL);
    CHECK(na > 0 && na == nb && na == nc);
    for (size_t i = 0; i < na && i < nb && i < nc; i++)
        CHECK(a[i].item == b[i].item && a[i].score == b[i].score && a[i].item == c[i].item &&
              a[i].score == c[i].score);
    CHECK(upsell_recommender_rule_count(from_json) == upsell_recommender_rule_count(model));
    upsell_recommender_free(from_json);
    upsell_recommender_free(from_bytes);

    upsell_recommender *bad = NULL;
    CHECK_STATUS(upsell_recommender_from_json("{\"format\": \"something else\"}", &bad, &err), UPSELL_STATUS_PARSE,
                 err);
    CHECK(bad == NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_recommender_from_json(NULL, &bad, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
    CHECK_STATUS(upsell_recommender_to_bytes(model, NULL, &len, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_recommend path/to/groceries_sample.csv\n");
        return 2;
    }
    upsell_recommender *model = build(argv[1]);
    CHECK(model != NULL);
    if (model != NULL) {
        test_query_and_explain(model);
        test_save_load_and_damage(model);
        test_in_memory_encodings(model);
        test_prices_and_edges(model);
    }
    upsell_recommender_free(model);
    return REPORT();
}
