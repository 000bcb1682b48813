/*
 * C tests of long order data and the metrics around it: baskets from invoice/item columns with
 * customer and time, order metrics (JSON and Arrow) and bundles as JSON reports, A/B tests, sample size, power,
 * forecasts, a currency's minor-unit exponent and the upsell report.
 *
 * Usage: test_metrics path/to/online_retail_sample.csv
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

static void test_long_baskets(const char *path) {
    upsell_error *err = NULL;
    upsell_baskets *baskets = NULL;
    const char *keys[] = {"InvoiceNo"};
    CHECK_STATUS(upsell_baskets_from_long_file(path, ',', keys, 1, "Description", "CustomerID", "InvoiceDate",
                                               &baskets, &err),
                 UPSELL_STATUS_OK, err);
    size_t n = upsell_baskets_len(baskets);
    CHECK(n > 10);
    const char *text = NULL;
    size_t len = 0;
    CHECK_STATUS(upsell_baskets_key(baskets, 0, &text, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(len == 6 && strncmp(text, "536365", 6) == 0);
    CHECK_STATUS(upsell_baskets_customer(baskets, 0, &text, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(len == 7 && strncmp(text, "17850.0", 7) == 0);
    int64_t seconds = 0;
    CHECK_STATUS(upsell_baskets_time(baskets, 0, &seconds, &err), UPSELL_STATUS_OK, err);
    CHECK(seconds == 1291191960); /* 2010-12-01 08:26:00 UTC */
    CHECK_STATUS(upsell_baskets_time(baskets, n, &seconds, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_baskets_item_label(baskets, 0, &text, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(len > 0);

    /* The long data's times drive a split by time in evaluate. */
    upsell_evaluate_options options;
    upsell_evaluate_options_default(&options);
    options.min_support_count = 3;
    options.split_by_time = 1;
    options.threads = 1;
    char *json = NULL;
    CHECK_STATUS(upsell_evaluate_json(baskets, &options, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"train_baskets\"") != NULL);
    upsell_string_free(json);
    upsell_baskets_free(baskets);

    /* Without a customer column: its accessor says so. */
    CHECK_STATUS(upsell_baskets_from_long_file(path, ',', keys, 1, "StockCode", NULL, NULL, &baskets, &err),
                 UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_baskets_customer(baskets, 0, &text, &len, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "customer_column") == 0);
    upsell_error_free(err);
    err = NULL;
    upsell_baskets_free(baskets);
    /* A column not in the header is named. */
    CHECK_STATUS(upsell_baskets_from_long_file(path, ',', keys, 1, "NoSuchColumn", NULL, NULL, &baskets, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "NoSuchColumn") != NULL);
    upsell_error_free(err);
    err = NULL;
    /* FIMI baskets have no keys. */
    CHECK_STATUS(upsell_baskets_from_long_file(path, ',', NULL, 0, "StockCode", NULL, NULL, &baskets, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
}

static void test_order_reports(const char *path) {
    upsell_error *err = NULL;
    char *json = NULL;
    CHECK_STATUS(upsell_order_metrics_json(path, "GBP", "all", 0, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"summary\"") != NULL && strstr(json, "\"rows\"") != NULL);
    long long revenue_minor = -1, orders = -1;
    const char *row = json != NULL ? strstr(json, "\"rows\"") : NULL;
    const char *revenue = row != NULL ? strstr(row, "\"revenue\":{\"minor\":") : NULL;
    const char *orders_at = row != NULL ? strstr(row, "\"orders\":") : NULL;
    CHECK(revenue != NULL && sscanf(revenue, "\"revenue\":{\"minor\":%lld", &revenue_minor) == 1);
    CHECK(orders_at != NULL && sscanf(orders_at, "\"orders\":%lld", &orders) == 1);
    upsell_string_free(json);

    /* The same metrics as an Arrow stream: one row, money as decimal128 of the minor unit. */
    struct ArrowArrayStream stream;
    CHECK_STATUS(upsell_order_metrics_to_arrow(path, "GBP", "all", 0, &stream, &err), UPSELL_STATUS_OK, err);
    struct ArrowSchema schema;
    struct ArrowArray array, end;
    CHECK(stream.get_schema(&stream, &schema) == 0);
    CHECK(schema.n_children == 13 && strcmp(schema.children[5]->name, "revenue") == 0);
    CHECK(strcmp(schema.children[5]->format, "d:38,2") == 0 && strcmp(schema.children[12]->name, "currency") == 0);
    CHECK(stream.get_next(&stream, &array) == 0 && array.release != NULL && array.length == 1);
    if (array.release != NULL && array.length == 1) {
        CHECK(((const int64_t *)array.children[2]->buffers[1])[0] == orders);
        CHECK(((const int64_t *)array.children[5]->buffers[1])[0] == revenue_minor); /* low half, little-endian */
        array.release(&array);
    }
    CHECK(stream.get_next(&stream, &end) == 0 && end.release == NULL);
    schema.release(&schema);
    stream.release(&stream);
    CHECK_STATUS(upsell_order_metrics_to_arrow(path, "GBP", "month", 1, &stream, &err), UPSELL_STATUS_OK, err);
    CHECK(stream.get_next(&stream, &array) == 0 && array.length > 1);
    array.release(&array);
    stream.release(&stream);
    CHECK_STATUS(upsell_order_metrics_to_arrow(path, "GBP", "fortnight", 0, &stream, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_order_metrics_to_arrow(path, "GBP", "all", 0, NULL, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
    CHECK_STATUS(upsell_order_metrics_json(path, "GBP", "fortnight", 0, &json, &err), UPSELL_STATUS_INVALID_PARAMETER,
                 err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "period") == 0);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_order_metrics_json("/nonexistent/orders.csv", "GBP", "all", 0, &json, &err), UPSELL_STATUS_IO,
                 err);
    upsell_error_free(err);
    err = NULL;

    upsell_bundle_policy policy;
    upsell_bundle_policy_default(&policy);
    CHECK_STATUS(upsell_bundles_json(path, "GBP", 3, 2, 3, 5, &policy, 1, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"report\"") != NULL);
    upsell_string_free(json);
    CHECK_STATUS(upsell_bundles_json(path, "XYZ", 3, 2, 3, 5, &policy, 1, &json, &err), UPSELL_STATUS_INVALID_PARAMETER,
                 err);
    upsell_error_free(err);
}

static void test_ab_and_power(void) {
    upsell_error *err = NULL;
    upsell_ab_test_result r;
    CHECK_STATUS(upsell_ab_test(100, 1000, 150, 1000, 0.05, 1, &r, &err), UPSELL_STATUS_OK, err);
    CHECK(fabs(r.rate_a - 0.10) < 1e-12 && fabs(r.rate_b - 0.15) < 1e-12);
    CHECK(fabs(r.difference - 0.05) < 1e-12);
    CHECK(r.difference_low < 0.05 && r.difference_high > 0.05);
    CHECK(r.verdict == UPSELL_VERDICT_B_BETTER && r.p_value < 0.05);
    CHECK(fabs(r.lift - 0.5) < 1e-9);
    CHECK(r.peeking_warning == 0);
    CHECK_STATUS(upsell_ab_test(100, 1000, 101, 1000, 0.05, 1, &r, &err), UPSELL_STATUS_OK, err);
    CHECK(r.verdict == UPSELL_VERDICT_INCONCLUSIVE);
    CHECK_STATUS(upsell_ab_test(10, 5, 1, 5, 0.05, 1, &r, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;

    upsell_sample_size_result s;
    CHECK_STATUS(upsell_sample_size(0.10, 0.02, 0.05, 0.8, &s, &err), UPSELL_STATUS_OK, err);
    /* statsmodels' NormalIndPower for h(0.12, 0.10) gives 3840.8 per arm. */
    CHECK(s.n_per_arm == (uint64_t)ceil(s.n_per_arm_exact));
    CHECK(s.n_per_arm > 3800 && s.n_per_arm < 3900);
    double p = 0;
    CHECK_STATUS(upsell_power(s.effect_size, s.n_per_arm_exact, 0.05, &p, &err), UPSELL_STATUS_OK, err);
    CHECK(fabs(p - 0.8) < 1e-6);
    double mde = 0;
    CHECK_STATUS(upsell_minimum_detectable_effect(0.10, s.n_per_arm_exact, 0.05, 0.8, &mde, &err), UPSELL_STATUS_OK,
                 err);
    CHECK(fabs(mde - 0.02) < 1e-6);
    CHECK_STATUS(upsell_sample_size(1.5, 0.02, 0.05, 0.8, &s, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "baseline") == 0);
    upsell_error_free(err);
    err = NULL;

    char *json = NULL;
    CHECK_STATUS(upsell_forecast_json("smb", "pro", 1000, 30, 200, 4900, "USD", 0.05, &json, &err), UPSELL_STATUS_OK,
                 err);
    CHECK(json != NULL && strstr(json, "\"minor\"") != NULL);
    upsell_string_free(json);
}

static void test_currency(void) {
    upsell_error *err = NULL;
    uint8_t exponent = 99;
    CHECK_STATUS(upsell_currency_exponent("GBP", &exponent, &err), UPSELL_STATUS_OK, err);
    CHECK(exponent == 2);
    CHECK_STATUS(upsell_currency_exponent("JPY", &exponent, &err), UPSELL_STATUS_OK, err);
    CHECK(exponent == 0);
    CHECK_STATUS(upsell_currency_exponent("KWD", &exponent, &err), UPSELL_STATUS_OK, err);
    CHECK(exponent == 3);
    CHECK_STATUS(upsell_currency_exponent("ZZZ", &exponent, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    CHECK_STATUS(upsell_currency_exponent(NULL, &exponent, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
}

/* The report of the order file: the JSON document Python reads, its files, and its refusals. */
static void test_report(const char *path) {
    upsell_error *err = NULL;
    char *json = NULL;
    char dir[] = "/tmp/upsell-c-report-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char options[256];
    snprintf(options, sizeof options, "{\"date\": \"2026-12-03\", \"title\": \"C shop\", \"threads\": 1, \"output\": \"%s\"}",
             dir);
    CHECK_STATUS(upsell_report_json(path, options, NULL, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"report\":") != NULL && strstr(json, "<!doctype html>") != NULL);
    CHECK(json != NULL && strstr(json, "upsell-maximizer-2026-12-03-c-shop.html") != NULL);
    upsell_string_free(json);
    /* The four files, each removed to check it was written. */
    static const char *const written[] = {".html", ".md", ".json", "-triggers.yaml"};
    for (size_t i = 0; i < 4; i++) {
        char file[512];
        snprintf(file, sizeof file, "%s/upsell-maximizer-2026-12-03-c-shop%s", dir, written[i]);
        CHECK(remove(file) == 0);
    }
    CHECK(rmdir(dir) == 0);

    /* An unknown option and a bad threshold name themselves; a cancelled control stops it. */
    json = NULL;
    CHECK_STATUS(upsell_report_json(path, "{\"tile\": \"x\"}", NULL, &json, &err), UPSELL_STATUS_INVALID_PARAMETER,
                 err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "options_json") == 0);
    CHECK(json == NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_report_json(path, "{\"min_lift\": -1}", NULL, &json, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    upsell_control *control = upsell_control_new();
    CHECK_STATUS(upsell_control_cancel(control, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_report_json(path, NULL, control, &json, &err), UPSELL_STATUS_CANCELLED, err);
    upsell_error_free(err);
    upsell_control_free(control);
    CHECK_STATUS(upsell_report_json(path, NULL, NULL, NULL, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
}

/* Threshold fillers from the order file: for an invoice of it, and for a cart of labels. */
static void test_threshold_fillers(const char *path) {
    upsell_error *err = NULL;
    char *json = NULL;
    CHECK_STATUS(upsell_threshold_fillers_json(path, "GBP", 20000, "536365", NULL, 0, 5, 1, 200, &json, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"cart_total\":{\"minor\":13912,\"currency\":\"GBP\"}") != NULL);
    CHECK(json != NULL && strstr(json, "\"gap\":{\"minor\":6088,\"currency\":\"GBP\"}") != NULL);
    CHECK(json != NULL && strstr(json, "\"summary\":") != NULL && strstr(json, "\"fillers\":[") != NULL);
    upsell_string_free(json);
    json = NULL;
    const char *cart[] = {"85123A", "71053"};
    CHECK_STATUS(upsell_threshold_fillers_json(path, "GBP", 10000, NULL, cart, 2, 3, 0, 200, &json, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"threshold\":{\"minor\":10000,") != NULL);
    upsell_string_free(json);
    json = NULL;
    CHECK_STATUS(upsell_threshold_fillers_json(path, "GBP", 10000, "536365", cart, 2, 3, 0, 200, &json, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(json == NULL && err != NULL && strstr(upsell_error_message(err), "exactly one") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_threshold_fillers_json(path, "GBP", 10000, "no-such-invoice", NULL, 0, 3, 0, 200, &json, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    CHECK_STATUS(upsell_threshold_fillers_json(path, "GBP", 10000, NULL, NULL, 2, 3, 0, 200, &json, NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_metrics path/to/online_retail_sample.csv\n");
        return 2;
    }
    test_long_baskets(argv[1]);
    test_order_reports(argv[1]);
    test_threshold_fillers(argv[1]);
    test_ab_and_power();
    test_currency();
    test_report(argv[1]);
    return REPORT();
}
