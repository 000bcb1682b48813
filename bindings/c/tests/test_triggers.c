/*
 * C tests of the trigger API of libupsell: load rules from a string, evaluate customers given as
 * JSON with an injected clock and a history, read the offers, and the error paths.
 *
 * Ends with exactly one line "N passed, M failed"; exits non-zero when M > 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    upsell_rules *rules = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_rules_from_str(RULES, UPSELL_RULES_FORMAT_YAML, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_rules_count(rules) == 2);

    upsell_decision *decision = NULL;
    const char *starter = "{\"id\": \"c1\", \"plan\": \"starter\", \"usage\": {\"feature_x_30d\": 23}}";
    CHECK_STATUS(upsell_rules_evaluate_json(rules, starter, NOW, NULL, &decision, &err), UPSELL_STATUS_OK, err);
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
    CHECK_STATUS(upsell_decision_offer_priority(decision, 1, &priority, &err), UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "out of range") != NULL);
    upsell_error_free(err);
    err = NULL;
    upsell_decision_free(decision);

    /* Money is exact: 75.00 is inside the range. */
    decision = NULL;
    CHECK_STATUS(upsell_rules_evaluate_json(rules, "{\"cart\": {\"total\": 75.00}}", NOW, NULL, &decision, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 1);
    CHECK(strcmp(upsell_decision_offer_target(decision, 0), "free-shipping-100") == 0);
    upsell_decision_free(decision);

    /* Suppression wins. */
    decision = NULL;
    const char *ticket = "{\"plan\": \"starter\", \"usage\": {\"feature_x_30d\": 23}, \"open_tickets\": 2}";
    CHECK_STATUS(upsell_rules_evaluate_json(rules, ticket, NOW, NULL, &decision, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 0);
    CHECK(upsell_decision_suppressed_by(decision) != NULL &&
          strcmp(upsell_decision_suppressed_by(decision), "open-ticket") == 0);
    upsell_decision_free(decision);

    /* A rejection 22 days ago keeps the offer back; 91 days later it is shown again. */
    const char *history =
        "{\"customers\": {\"c1\": {\"events\": [{\"target\": \"pro\", \"outcome\": \"rejected\", "
        "\"at\": \"2026-11-01T00:00:00Z\"}]}}}";
    decision = NULL;
    CHECK_STATUS(upsell_rules_evaluate_json(rules, starter, NOW, history, &decision, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 0);
    upsell_decision_free(decision);
    decision = NULL;
    CHECK_STATUS(upsell_rules_evaluate_json(rules, starter, "2027-02-01T00:00:00Z", history, &decision, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(upsell_decision_offer_count(decision) == 1);
    upsell_decision_free(decision);
    upsell_rules_free(rules);
}

static void test_errors(void) {
    upsell_rules *rules = NULL;
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
    CHECK_STATUS(upsell_rules_from_str(bad, UPSELL_RULES_FORMAT_YAML, &rules, &err), UPSELL_STATUS_PARSE, err);
    CHECK(rules == NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), "2 problems") != NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), "rule 'broken'") != NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), "<memory>:7:11: rule 'mismatch'") != NULL);
    upsell_error_free(err);
    err = NULL;

    CHECK_STATUS(upsell_rules_from_str("{}", 7, &rules, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_rules_from_str(NULL, UPSELL_RULES_FORMAT_JSON, &rules, NULL), UPSELL_STATUS_NULL_PARAMETER, err);

    const char *json = "{\"rules\": [{\"name\": \"r\", \"when\": \"seats > 1\", "
                       "\"offer\": {\"kind\": \"upgrade\", \"target\": \"t\"}}]}";
    CHECK_STATUS(upsell_rules_from_str(json, UPSELL_RULES_FORMAT_JSON, &rules, &err), UPSELL_STATUS_OK, err);
    upsell_decision *decision = NULL;
    CHECK_STATUS(upsell_rules_evaluate_json(rules, "{\"seats\": ", NOW, NULL, &decision, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_rules_evaluate_json(rules, "{\"seats\": 3}", "yesterday", NULL, &decision, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_rules_evaluate_json(rules, "{\"seats\": 3}", NOW, "[]", &decision, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_rules_evaluate_json(rules, "{\"seats\": 3}", NOW, NULL, NULL, &err),
                 UPSELL_STATUS_NULL_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK(decision == NULL);
    CHECK(upsell_decision_offer_count(NULL) == 0);
    CHECK(upsell_decision_offer_target(NULL, 0) == NULL);
    upsell_decision_free(NULL);
    upsell_rules_free(rules);
    upsell_rules_free(NULL);
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
            upsell_rules *rules = NULL;
            upsell_error *err = NULL;
            CHECK_STATUS(upsell_rules_from_str(text, UPSELL_RULES_FORMAT_YAML, &rules, &err), UPSELL_STATUS_PARSE, err);
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
            upsell_rules *rules = NULL;
            upsell_error *err = NULL;
            CHECK_STATUS(upsell_rules_from_str(text, UPSELL_RULES_FORMAT_YAML, &rules, &err), UPSELL_STATUS_OK, err);
            upsell_decision *decision = NULL;
            CHECK_STATUS(upsell_rules_evaluate_json(rules, "{\"seats\": 5}", NOW, NULL, &decision, &err),
                         UPSELL_STATUS_OK, err);
            CHECK(upsell_decision_offer_count(decision) == 1);
            upsell_decision_free(decision);
            decision = NULL;
            CHECK_STATUS(upsell_rules_evaluate_json(rules, "{\"seats\": 3}", NOW, NULL, &decision, &err),
                         UPSELL_STATUS_OK, err);
            CHECK(upsell_decision_offer_count(decision) == 0);
            upsell_decision_free(decision);
            upsell_rules_free(rules);
            free(text);
        }
    }
}

int main(void) {
    test_offers();
    test_errors();
    test_deep_expressions();
    return REPORT();
}
