/*
 * C tests of the trigger API of libupsell: load rules from a string, evaluate customers given as
 * JSON with an injected clock and a history, read the offers, and the error paths.
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

static const char *RULES =
    "schema: {id: string, plan: string, usage.feature_x_30d: int, open_tickets: int,\n"
    "         cart.total: decimal}\n"
    "suppress:\n"
    "  - {name: open-ticket, when: open_tickets > 0}\n"
    "rules:\n"
    "  - name: starter-to-pro\n"
    "    when: plan == \"starter\" && usage.feature_x_30d > 20\n"
    "    offer: {kind: upgrade, target: pro}\n"
    "    priority: 10\n"
    "    rejected_cooldown_days: 90\n"
    "  - name: free-shipping\n"
    "    when: cart.total in range(75.00, 95.00)\n"
    "    offer: {kind: threshold_fill, target: free-shipping-100}\n"
    "    priority: 5\n";

static const char *NOW = "2026-11-23T10:00:00Z";

static void test_offers(void) {
    upsell_ruleset *rules = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_ruleset_from_str(RULES, UPSELL_RULESET_FORMAT_YAML, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_ruleset_count(rules) == 2);

    upsell_decision *decision = NULL;
    const char *starter = "{\"id\": \"c1\", \"plan\": \"starter\", \"usage\": {\"feature_x_30d\": 23}}";
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, starter, NOW, NULL, &decision, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 1);
    CHECK(strcmp(upsell_decision_offer_rule(decision, 0), "starter-to-pro") == 0);
    CHECK(strcmp(upsell_decision_offer_kind(decision, 0), "upgrade") == 0);
    CHECK(strcmp(upsell_decision_offer_target(decision, 0), "pro") == 0);
    CHECK(strcmp(upsell_decision_offer_reason(decision, 0),
                 "plan == \"starter\" (was 'starter') && usage.feature_x_30d > 20 (was 23)") == 0);
    int64_t priority = 0;
    CHECK_STATUS(upsell_decision_offer_priority(decision, 0, &priority, &err), UPSELL_STATUS_OK, err);
    CHECK(priority == 10);
    CHECK(upsell_decision_suppressed_by(decision) == NULL);
    /* Out of range: NULL strings, an error status for the priority. */
    CHECK(upsell_decision_offer_rule(decision, 1) == NULL);
    CHECK_STATUS(upsell_decision_offer_priority(decision, 1, &priority, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "out of range") != NULL);
    upsell_error_free(err);
    err = NULL;
    upsell_decision_free(decision);

    /* Money is exact: 75.00 is inside the range. */
    decision = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, "{\"cart\": {\"total\": 75.00}}", NOW, NULL, &decision, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 1);
    CHECK(strcmp(upsell_decision_offer_target(decision, 0), "free-shipping-100") == 0);
    upsell_decision_free(decision);

    /* Suppression wins. */
    decision = NULL;
    const char *ticket = "{\"plan\": \"starter\", \"usage\": {\"feature_x_30d\": 23}, \"open_tickets\": 2}";
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, ticket, NOW, NULL, &decision, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 0);
    CHECK(upsell_decision_suppressed_by(decision) != NULL &&
          strcmp(upsell_decision_suppressed_by(decision), "open-ticket") == 0);
    upsell_decision_free(decision);

    /* A rejection 22 days ago keeps the offer back; 91 days later it is shown again. */
    const char *history =
        "{\"customers\": {\"c1\": {\"events\": [{\"target\": \"pro\", \"outcome\": \"rejected\", "
        "\"at\": \"2026-11-01T00:00:00Z\"}]}}}";
    decision = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, starter, NOW, history, &decision, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 0);
    upsell_decision_free(decision);
    decision = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, starter, "2027-02-01T00:00:00Z", history, &decision, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 1);
    upsell_decision_free(decision);
    upsell_ruleset_free(rules);
}

static void test_errors(void) {
    upsell_ruleset *rules = NULL;
    upsell_error *err = NULL;
    const char *bad =
        "schema: {plan: string, seats: int}\n"
        "rules:\n"
        "  - name: broken\n"
        "    when: plan == \n"
        "    offer: {kind: upgrade, target: pro}\n"
        "  - name: mismatch\n"
        "    when: seats == \"many\"\n"
        "    offer: {kind: upgrade, target: pro}\n";
    CHECK_STATUS(upsell_ruleset_from_str(bad, UPSELL_RULESET_FORMAT_YAML, &rules, &err), UPSELL_STATUS_PARSE, err);
    CHECK(rules == NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), "2 problems") != NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), "rule 'broken'") != NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), "<memory>:7:11: rule 'mismatch'") != NULL);
    upsell_error_free(err);
    err = NULL;

    CHECK_STATUS(upsell_ruleset_from_str("{}", 7, &rules, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_ruleset_from_str(NULL, UPSELL_RULESET_FORMAT_JSON, &rules, NULL), UPSELL_STATUS_NULL_PARAMETER, err);

    const char *json = "{\"rules\": [{\"name\": \"r\", \"when\": \"seats > 1\", "
                       "\"offer\": {\"kind\": \"upgrade\", \"target\": \"t\"}}]}";
    CHECK_STATUS(upsell_ruleset_from_str(json, UPSELL_RULESET_FORMAT_JSON, &rules, &err), UPSELL_STATUS_OK, err);
    upsell_decision *decision = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, "{\"seats\": ", NOW, NULL, &decision, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, "{\"seats\": 3}", "yesterday", NULL, &decision, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, "{\"seats\": 3}", NOW, "[]", &decision, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_json(rules, "{\"seats\": 3}", NOW, NULL, NULL, &err),
                 UPSELL_STATUS_NULL_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK(decision == NULL);
    CHECK(upsell_decision_offer_count(NULL) == 0);
    CHECK(upsell_decision_offer_target(NULL, 0) == NULL);
    upsell_decision_free(NULL);
    upsell_ruleset_free(rules);
    upsell_ruleset_free(NULL);
}

/* A one-rule YAML file: `open` repeated n times, then `middle`, then `close` repeated n times. */
static char *rule_file(const char *open, size_t n, const char *middle, const char *close) {
    const char *head = "rules:\n  - name: deep\n    when: '";
    const char *tail = "'\n    offer: {kind: upgrade, target: t}\n";
    size_t size = strlen(head) + n * (strlen(open) + strlen(close)) + strlen(middle) + strlen(tail) + 32;
    char *text = malloc(size);
    if (text == NULL) {
        return NULL;
    }
    char *at = text;
    at += sprintf(at, "%s", head);
    for (size_t k = 0; k < n; k++) {
        at += sprintf(at, "%s", open);
    }
    at += sprintf(at, "%s", middle);
    for (size_t k = 0; k < n; k++) {
        at += sprintf(at, "%s", close);
    }
    sprintf(at, "%s", tail);
    return text;
}

/* Issue 14: the sizes that overflowed the stack, and ten times each. Nesting past the limit is a
 * PARSE error naming the rule and position; flat chains of any length load and evaluate. */
static void test_deep_expressions(void) {
    const size_t nested[] = {2777, 3962, 27770, 39620};
    const size_t flat[] = {2778, 3265, 27780, 32650};
    for (size_t k = 0; k < 4; k++) {
        const char *shapes[][3] = {{"(", "seats > 1", ")"}, {"!", "(seats > 1)", ""}, {"seats > 1 && (", "seats > 1", ")"}};
        for (size_t s = 0; s < 3; s++) {
            char *text = rule_file(shapes[s][0], nested[k], shapes[s][1], shapes[s][2]);
            CHECK(text != NULL);
            if (text == NULL) {
                continue;
            }
            upsell_ruleset *rules = NULL;
            upsell_error *err = NULL;
            CHECK_STATUS(upsell_ruleset_from_str(text, UPSELL_RULESET_FORMAT_YAML, &rules, &err), UPSELL_STATUS_PARSE, err);
            CHECK(rules == NULL);
            CHECK(err != NULL && strstr(upsell_error_message(err), "<memory>:3:") != NULL);
            CHECK(err != NULL && strstr(upsell_error_message(err),
                                        "rule 'deep': when: expression nests deeper than 128 levels") != NULL);
            upsell_error_free(err);
            free(text);
        }
        const char *chains[][3] = {{"seats == 99 || ", "seats == 5", ""}, {"1 + ", "seats > 4", ""}};
        for (size_t s = 0; s < 2; s++) {
            char *text = rule_file(chains[s][0], flat[k], chains[s][1], chains[s][2]);
            CHECK(text != NULL);
            if (text == NULL) {
                continue;
            }
            if (s == 1) {
                /* 1 + 1 + ... + seats > n + 4 */
                char *cmp = strstr(text, "seats > 4");
                char tail[64];
                snprintf(tail, sizeof tail, "seats > %zu'\n    offer: {kind: upgrade, target: t}\n", flat[k] + 4);
                strcpy(cmp, tail);
            }
            upsell_ruleset *rules = NULL;
            upsell_error *err = NULL;
            CHECK_STATUS(upsell_ruleset_from_str(text, UPSELL_RULESET_FORMAT_YAML, &rules, &err), UPSELL_STATUS_OK, err);
            upsell_decision *decision = NULL;
            CHECK_STATUS(upsell_ruleset_evaluate_json(rules, "{\"seats\": 5}", NOW, NULL, &decision, &err),
                         UPSELL_STATUS_OK, err);
            CHECK(upsell_decision_offer_count(decision) == 1);
            upsell_decision_free(decision);
            decision = NULL;
            CHECK_STATUS(upsell_ruleset_evaluate_json(rules, "{\"seats\": 3}", NOW, NULL, &decision, &err),
                         UPSELL_STATUS_OK, err);
            CHECK(upsell_decision_offer_count(decision) == 0);
            upsell_decision_free(decision);
            upsell_ruleset_free(rules);
            free(text);
        }
    }
}

static const char *BATCH_RULES =
    "schema: {id: string, plan: string, seats: int, score: float, active: bool}\n"
    "rules:\n"
    "  - name: team\n"
    "    when: seats > 10 && active\n"
    "    offer: {kind: upgrade, target: team}\n"
    "    priority: 5\n"
    "  - name: rescue\n"
    "    when: score < 0.25 && plan != \"free\"\n"
    "    offer: {kind: cross_sell, target: support}\n"
    "    priority: 3\n";

/* Writes `text` to a new temporary file whose name ends in `suffix`, into `path`. */
static int write_temp(char *path, size_t size, const char *suffix, const char *text) {
    snprintf(path, size, "/tmp/upsell-ctest-%ld%s", (long)getpid(), suffix);
    FILE *f = fopen(path, "w");
    if (f == NULL) return 0;
    fputs(text, f);
    fclose(f);
    return 1;
}

static void test_from_path_and_explain(const char *testdata) {
    upsell_error *err = NULL;
    char path[128];
    CHECK(write_temp(path, sizeof path, ".yaml", BATCH_RULES));
    upsell_ruleset *rules = NULL;
    CHECK_STATUS(upsell_ruleset_from_path(path, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_ruleset_count(rules) == 2);
    remove(path);

    upsell_explanation *explained = NULL;
    const char *customer = "{\"id\": \"c1\", \"plan\": \"pro\", \"seats\": 12, \"score\": 0.5, \"active\": true}";
    CHECK_STATUS(upsell_ruleset_explain(rules, customer, NOW, &explained, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_explanation_count(explained) == 2);
    const char *name = NULL, *trace = NULL;
    int fired = -1;
    CHECK_STATUS(upsell_explanation_get(explained, 0, &name, &fired, &trace, &err), UPSELL_STATUS_OK, err);
    CHECK(strcmp(name, "team") == 0 && fired == 1);
    CHECK(strstr(trace, "seats > 10 (was 12)") != NULL);
    CHECK_STATUS(upsell_explanation_get(explained, 1, &name, &fired, &trace, &err), UPSELL_STATUS_OK, err);
    CHECK(strcmp(name, "rescue") == 0 && fired == 0);
    CHECK_STATUS(upsell_explanation_get(explained, 2, &name, &fired, &trace, &err), UPSELL_STATUS_INVALID_PARAMETER,
                 err);
    upsell_error_free(err);
    err = NULL;
    upsell_explanation_free(explained);
    upsell_explanation_free(NULL);
    upsell_ruleset_free(rules);

    /* A rule file with problems: every one in the message, the first one's place structured. */
    char bad[512];
    snprintf(bad, sizeof bad, "%s/bad_rules.yaml", testdata);
    CHECK_STATUS(upsell_ruleset_from_path(bad, &rules, &err), UPSELL_STATUS_PARSE, err);
    CHECK(err != NULL && upsell_error_path(err) != NULL && strstr(upsell_error_path(err), "bad_rules.yaml") != NULL);
    CHECK(err != NULL && upsell_error_line(err) == 4 && upsell_error_column(err) > 0);
    CHECK(err != NULL && strstr(upsell_error_message(err), "wrong-type") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_ruleset_from_path("/nonexistent/rules.yaml", &rules, &err), UPSELL_STATUS_IO, err);
    upsell_error_free(err);
}

/* Batch evaluation over columns gives, customer by customer, the offers of the one-customer call. */
static void test_batch(void) {
    enum { N = 500 };
    upsell_error *err = NULL;
    upsell_ruleset *rules = NULL;
    CHECK_STATUS(upsell_ruleset_from_str(BATCH_RULES, UPSELL_RULESET_FORMAT_YAML, &rules, &err), UPSELL_STATUS_OK,
                 err);
    static char ids[N][16];
    const char *id_ptrs[N];
    const char *plans[N];
    int64_t seats[N];
    uint8_t seats_valid[N];
    double scores[N];
    uint8_t active[N];
    const char *plan_names[] = {"free", "starter", "pro"};
    uint32_t state = 12345;
    for (int i = 0; i < N; i++) {
        state = state * 1103515245u + 12345u;
        snprintf(ids[i], sizeof ids[i], "c%d", i);
        id_ptrs[i] = ids[i];
        plans[i] = (i % 17 == 0) ? NULL : plan_names[(state >> 8) % 3];
        seats[i] = (int64_t)((state >> 12) % 20);
        seats_valid[i] = (i % 13) != 0;
        scores[i] = (double)((state >> 4) % 100) / 100.0;
        active[i] = (state >> 20) & 1;
    }
    upsell_batch *batch = upsell_batch_new();
    CHECK_STATUS(upsell_batch_add_strings(batch, "id", id_ptrs, N, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_strings(batch, "plan", plans, N, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_ints(batch, "seats", seats, seats_valid, N, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_floats(batch, "score", scores, NULL, N, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_bools(batch, "active", active, NULL, N, &err), UPSELL_STATUS_OK, err);

    upsell_batch_offers *serial = NULL, *parallel = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, batch, NOW, NULL, NULL, 1, &serial, &err), UPSELL_STATUS_OK,
                 err);
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, batch, NOW, "id", NULL, 0, &parallel, &err), UPSELL_STATUS_OK,
                 err);
    size_t count = upsell_batch_offers_count(serial);
    CHECK(count > 50);
    CHECK(count == upsell_batch_offers_count(parallel));

    size_t next = 0;
    for (int i = 0; i < N; i++) {
        char json[256];
        int n = snprintf(json, sizeof json, "{\"id\": \"%s\", \"score\": %.2f, \"active\": %s", ids[i], scores[i],
                         active[i] ? "true" : "false");
        if (plans[i] != NULL) n += snprintf(json + n, sizeof json - n, ", \"plan\": \"%s\"", plans[i]);
        if (seats_valid[i]) n += snprintf(json + n, sizeof json - n, ", \"seats\": %lld", (long long)seats[i]);
        snprintf(json + n, sizeof json - n, "}");
        upsell_decision *decision = NULL;
        CHECK_STATUS(upsell_ruleset_evaluate_json(rules, json, NOW, NULL, &decision, &err), UPSELL_STATUS_OK, err);
        for (size_t k = 0; k < upsell_decision_offer_count(decision); k++, next++) {
            upsell_batch_offer a, b;
            CHECK_STATUS(upsell_batch_offers_get(serial, next, &a, &err), UPSELL_STATUS_OK, err);
            CHECK_STATUS(upsell_batch_offers_get(parallel, next, &b, &err), UPSELL_STATUS_OK, err);
            if (err != NULL) break;
            CHECK(a.row == (size_t)i && strcmp(a.customer, ids[i]) == 0);
            CHECK(strcmp(a.rule, upsell_decision_offer_rule(decision, k)) == 0);
            CHECK(strcmp(a.target, upsell_decision_offer_target(decision, k)) == 0);
            CHECK(strcmp(a.kind, upsell_decision_offer_kind(decision, k)) == 0);
            CHECK(a.held_out == 0);
            CHECK(b.row == a.row && strcmp(b.rule, a.rule) == 0);
        }
        upsell_decision_free(decision);
    }
    CHECK(next == count);
    upsell_batch_offer offer;
    CHECK_STATUS(upsell_batch_offers_get(serial, count, &offer, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    upsell_batch_offers_free(serial);
    upsell_batch_offers_free(parallel);

    /* Columns of different lengths and an unknown id column are refused. */
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, batch, NOW, "nope", NULL, 1, &serial, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strcmp(upsell_error_parameter(err), "id_column") == 0);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_batch_add_ints(batch, "extra", seats, NULL, N - 1, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, batch, NOW, NULL, NULL, 1, &serial, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_batch_add_ints(NULL, "x", seats, NULL, 1, &err), UPSELL_STATUS_NULL_PARAMETER, err);
    upsell_error_free(err);
    upsell_batch_free(batch);
    upsell_batch_free(NULL);
    upsell_batch_offers_free(NULL);
    upsell_ruleset_free(rules);
}

/* The rule names and the declared schema, as JSON (Python's RuleSet.names and .schema). */
static void test_names_and_schema(void) {
    upsell_ruleset *rules = NULL;
    upsell_error *err = NULL;
    char *json = NULL;
    CHECK_STATUS(upsell_ruleset_from_str(RULES, UPSELL_RULESET_FORMAT_YAML, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ruleset_names_json(rules, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strcmp(json, "[\"starter-to-pro\",\"free-shipping\"]") == 0);
    upsell_string_free(json);
    json = NULL;
    CHECK_STATUS(upsell_ruleset_schema_json(rules, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"cart.total\":\"decimal\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"usage.feature_x_30d\":\"int\"") != NULL);
    CHECK(json != NULL && json[0] == '{' && strstr(json, "\"plan\":\"string\"") != NULL);
    upsell_string_free(json);
    json = NULL;
    CHECK_STATUS(upsell_ruleset_names_json(NULL, &json, &err), UPSELL_STATUS_NULL_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_ruleset_schema_json(rules, NULL, NULL), UPSELL_STATUS_NULL_PARAMETER, err);
    upsell_ruleset_free(rules);

    const char *undeclared = "{\"rules\": [{\"name\": \"r\", \"when\": \"seats > 1\", "
                             "\"offer\": {\"kind\": \"upgrade\", \"target\": \"t\"}}]}";
    CHECK_STATUS(upsell_ruleset_from_str(undeclared, UPSELL_RULESET_FORMAT_JSON, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ruleset_schema_json(rules, &json, &err), UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strcmp(json, "null") == 0);
    upsell_string_free(json);
    upsell_ruleset_free(rules);
}

/* Python's sequence case: step 1 due on day 3; after a recorded rejection, the customer left. */
static void test_sequences_and_history(void) {
    const char *yaml =
        "schema: { bought_analytics_at: timestamp, bought_reports_at: timestamp }\n"
        "sequences:\n"
        "  - name: after-analytics\n"
        "    anchor: bought_analytics_at\n"
        "    exit_when: has(bought_reports_at)\n"
        "    steps:\n"
        "      - { day: 3, offer: { kind: cross_sell, target: reports, channel: email, message: tips } }\n"
        "      - { day: 7, offer: { kind: cross_sell, target: reports, channel: in_app, message: demo } }\n";
    const char *row = "{\"id\": \"c1\", \"bought_analytics_at\": \"2026-11-20T08:00:00Z\"}";
    upsell_ruleset *rules = NULL;
    upsell_error *err = NULL;
    char *json = NULL;
    CHECK_STATUS(upsell_ruleset_from_str(yaml, UPSELL_RULESET_FORMAT_YAML, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ruleset_sequences_json(rules, row, "2026-11-23T10:00:00Z", NULL, &json, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"sequence\":\"after-analytics\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"day\":3") != NULL && strstr(json, "\"step\":1") != NULL);
    CHECK(json != NULL && strstr(json, "\"channel\":\"email\"") != NULL);
    upsell_string_free(json);
    json = NULL;

    char *history = NULL;
    CHECK_STATUS(upsell_history_record_json(NULL, "c1", "reports", "rejected", "2026-11-24T00:00:00Z", &history, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(history != NULL && strstr(history, "\"rejected\"") != NULL);
    CHECK_STATUS(upsell_ruleset_sequences_json(rules, row, "2026-11-27T10:00:00Z", history, &json, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(json != NULL && strstr(json, "\"step\":null") != NULL && strstr(json, "\"offer\":null") != NULL);
    CHECK(json != NULL && strstr(json, "left sequence 'after-analytics': rejected reports") != NULL);
    upsell_string_free(json);
    json = NULL;
    /* Recording onto the stored history keeps its events. */
    char *longer = NULL;
    CHECK_STATUS(upsell_history_record_json(history, "c2", "pro", "shown", "2026-11-25T00:00:00Z", &longer, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(longer != NULL && strstr(longer, "\"c1\"") != NULL && strstr(longer, "\"c2\"") != NULL);
    upsell_string_free(longer);
    CHECK_STATUS(upsell_history_record_json(history, "c1", "pro", "ignored", "2026-11-25T00:00:00Z", &longer, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    upsell_string_free(history);
    CHECK_STATUS(upsell_ruleset_sequences_json(rules, NULL, NULL, NULL, &json, NULL), UPSELL_STATUS_NULL_PARAMETER,
                 NULL);
    upsell_ruleset_free(rules);
}

/* One meaning on every surface: a column the schema declares must be in the data, a money value
 * has at most six decimal places (never rounded), and a NULL string is null. */
static void test_declared_values(void) {
    upsell_error *err = NULL;
    upsell_ruleset *rules = NULL;
    CHECK_STATUS(upsell_ruleset_from_str("schema: {id: string, tier: string, total: money}\n"
                                         "rules:\n"
                                         "  - {name: no-tier, when: '!has(tier)', offer: {kind: upgrade, target: t}}\n",
                                         UPSELL_RULESET_FORMAT_YAML, &rules, &err),
                 UPSELL_STATUS_OK, err);
    const char *ids[] = {"c1", "c2"};
    const char *tiers[] = {"gold", NULL};
    double exact[] = {82.5, 19.99};
    double seven_places[] = {82.5, 1.1234567};
    upsell_batch_offers *offers = NULL;

    upsell_batch *batch = upsell_batch_new();
    CHECK_STATUS(upsell_batch_add_strings(batch, "id", ids, 2, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_floats(batch, "total", exact, NULL, 2, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, batch, NOW, NULL, NULL, 1, &offers, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "'tier'") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_batch_add_strings(batch, "tier", tiers, 2, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, batch, NOW, NULL, NULL, 1, &offers, &err), UPSELL_STATUS_OK,
                 err);
    upsell_batch_offer offer;
    CHECK(upsell_batch_offers_count(offers) == 1);
    CHECK_STATUS(upsell_batch_offers_get(offers, 0, &offer, &err), UPSELL_STATUS_OK, err);
    CHECK(offer.row == 1);
    upsell_batch_offers_free(offers);
    upsell_batch_free(batch);

    batch = upsell_batch_new();
    CHECK_STATUS(upsell_batch_add_strings(batch, "id", ids, 2, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_strings(batch, "tier", tiers, 2, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_floats(batch, "total", seven_places, NULL, 2, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, batch, NOW, NULL, NULL, 1, &offers, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "column 'total'") != NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), "money is never rounded") != NULL);
    upsell_error_free(err);
    err = NULL;
    upsell_batch_free(batch);

    /* The same customers from a CSV file, typed by the declared schema: "19.99" is money. */
    char path[256];
    upsell_batch *from_file = NULL;
    CHECK(write_temp(path, sizeof path, ".csv", "id,tier,total\nc1,gold,82.50\nc2,,19.99\n"));
    CHECK_STATUS(upsell_batch_from_csv_file(path, rules, &from_file, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, from_file, NOW, NULL, NULL, 1, &offers, &err), UPSELL_STATUS_OK,
                 err);
    CHECK(upsell_batch_offers_count(offers) == 1);
    CHECK_STATUS(upsell_batch_offers_get(offers, 0, &offer, &err), UPSELL_STATUS_OK, err);
    CHECK(offer.row == 1 && strcmp(offer.customer, "c2") == 0);
    upsell_batch_offers_free(offers);
    upsell_batch_free(from_file);
    remove(path);
    from_file = NULL;
    CHECK(upsell_batch_from_csv_file(path, rules, &from_file, &err) == UPSELL_STATUS_IO);
    CHECK(from_file == NULL && err != NULL && strstr(upsell_error_message(err), path) != NULL);
    upsell_error_free(err);
    CHECK(upsell_batch_from_csv_file(NULL, rules, &from_file, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    upsell_ruleset_free(rules);
}

int main(int argc, char **argv) {
    test_offers();
    test_names_and_schema();
    test_sequences_and_history();
    test_errors();
    test_deep_expressions();
    if (argc > 1) test_from_path_and_explain(argv[1]);
    test_batch();
    test_declared_values();
    return REPORT();
}
