/*
 * The cross-surface table (testdata/cross-surface/cases.toml, see its README) through the C API:
 * every case gives the answer written in the table, as it does through the core
 * (crates/upsell/tests/upsell/cross_surface.rs) and Python (python/tests/test_cross_surface.py).
 *
 * The table stays the one source of truth: run.sh converts cases.toml to JSON with Python's
 * tomllib when the tests run, and this program reads that JSON with the small parser below. Every
 * case runs: a job the C API could not express would be a gap in the API, not a case to skip.
 *
 *   test_cross_surface CASES_JSON TABLE_DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* -- A minimal JSON reader: the subset json.dump writes (and NaN, which it writes for nan). ---- */

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json {
    json_type type;
    double number;    /* JSON_NUMBER, JSON_BOOL */
    int is_integer;   /* JSON_NUMBER written without a fraction or exponent */
    char *text;       /* JSON_STRING: NUL-terminated UTF-8 */
    size_t len;       /* JSON_ARRAY, JSON_OBJECT: the number of items */
    struct json **items;
    char **keys;      /* JSON_OBJECT: the key of each item */
} json;

static void json_free(json *value) {
    if (value == NULL) return;
    for (size_t i = 0; i < value->len; i++) {
        json_free(value->items[i]);
        if (value->keys != NULL) free(value->keys[i]);
    }
    free(value->items);
    free(value->keys);
    free(value->text);
    free(value);
}

typedef struct {
    const char *at;
    const char *error;
} json_reader;

static void skip_space(json_reader *r) {
    while (*r->at == ' ' || *r->at == '\n' || *r->at == '\r' || *r->at == '\t') r->at++;
}

static int hex4(const char *p, unsigned *out) {
    *out = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned digit;
        if (c >= '0' && c <= '9') digit = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') digit = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') digit = (unsigned)(c - 'A' + 10);
        else return 0;
        *out = *out * 16 + digit;
    }
    return 1;
}

/* Reads a string literal at r->at (on its opening quote) into a new NUL-terminated buffer. */
static char *read_string(json_reader *r) {
    r->at++;
    /* UTF-8 of an escape is never longer than the escape itself, so the input's length bounds
     * the output's. */
    char *out = malloc(strlen(r->at) + 1);
    size_t n = 0;
    while (*r->at != '"') {
        unsigned char c = (unsigned char)*r->at;
        if (c == '\0' || c < 0x20) {
            r->error = "unterminated string or control character in a string";
            free(out);
            return NULL;
        }
        if (c != '\\') {
            out[n++] = (char)c;
            r->at++;
            continue;
        }
        r->at++;
        char e = *r->at++;
        switch (e) {
            case '"': out[n++] = '"'; break;
            case '\\': out[n++] = '\\'; break;
            case '/': out[n++] = '/'; break;
            case 'b': out[n++] = '\b'; break;
            case 'f': out[n++] = '\f'; break;
            case 'n': out[n++] = '\n'; break;
            case 'r': out[n++] = '\r'; break;
            case 't': out[n++] = '\t'; break;
            case 'u': {
                unsigned code, low;
                if (!hex4(r->at, &code)) goto bad_escape;
                r->at += 4;
                if (code >= 0xD800 && code < 0xDC00) {
                    if (r->at[0] != '\\' || r->at[1] != 'u' || !hex4(r->at + 2, &low) ||
                        low < 0xDC00 || low >= 0xE000)
                        goto bad_escape;
                    r->at += 6;
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                }
                if (code < 0x80) {
                    out[n++] = (char)code;
                } else if (code < 0x800) {
                    out[n++] = (char)(0xC0 | (code >> 6));
                    out[n++] = (char)(0x80 | (code & 0x3F));
                } else if (code < 0x10000) {
                    out[n++] = (char)(0xE0 | (code >> 12));
                    out[n++] = (char)(0x80 | ((code >> 6) & 0x3F));
                    out[n++] = (char)(0x80 | (code & 0x3F));
                } else {
                    out[n++] = (char)(0xF0 | (code >> 18));
                    out[n++] = (char)(0x80 | ((code >> 12) & 0x3F));
                    out[n++] = (char)(0x80 | ((code >> 6) & 0x3F));
                    out[n++] = (char)(0x80 | (code & 0x3F));
                }
                break;
            }
            default:
                goto bad_escape;
        }
    }
    r->at++;
    out[n] = '\0';
    return out;
bad_escape:
    r->error = "bad escape in a string";
    free(out);
    return NULL;
}

static json *read_value(json_reader *r);

/* Appends `item` (and its `key`, for objects) to `parent`. */
static void push(json *parent, json *item, char *key) {
    parent->items = realloc(parent->items, (parent->len + 1) * sizeof *parent->items);
    parent->items[parent->len] = item;
    if (parent->type == JSON_OBJECT) {
        parent->keys = realloc(parent->keys, (parent->len + 1) * sizeof *parent->keys);
        parent->keys[parent->len] = key;
    }
    parent->len++;
}

/* Reads the items of an array or object (r->at on its opening bracket) into `value`. */
static json *read_container(json_reader *r, json *value) {
    char close = value->type == JSON_ARRAY ? ']' : '}';
    r->at++;
    skip_space(r);
    if (*r->at == close) {
        r->at++;
        return value;
    }
    for (;;) {
        char *key = NULL;
        skip_space(r);
        if (value->type == JSON_OBJECT) {
            if (*r->at != '"' || (key = read_string(r)) == NULL) break;
            skip_space(r);
            if (*r->at++ != ':') {
                free(key);
                break;
            }
        }
        json *item = read_value(r);
        if (item == NULL) {
            free(key);
            break;
        }
        push(value, item, key);
        skip_space(r);
        if (*r->at == ',') {
            r->at++;
        } else if (*r->at == close) {
            r->at++;
            return value;
        } else {
            break;
        }
    }
    if (r->error == NULL) r->error = "bad array or object";
    json_free(value);
    return NULL;
}

static json *read_value(json_reader *r) {
    skip_space(r);
    json *value = calloc(1, sizeof *value);
    const char *start = r->at;
    if (*r->at == '{' || *r->at == '[') {
        value->type = *r->at == '{' ? JSON_OBJECT : JSON_ARRAY;
        return read_container(r, value);
    }
    if (*r->at == '"') {
        value->type = JSON_STRING;
        value->text = read_string(r);
        if (value->text != NULL) return value;
    } else if (strncmp(r->at, "null", 4) == 0) {
        r->at += 4;
        return value;
    } else if (strncmp(r->at, "true", 4) == 0 || strncmp(r->at, "false", 5) == 0) {
        value->type = JSON_BOOL;
        value->number = *r->at == 't';
        r->at += *r->at == 't' ? 4 : 5;
        return value;
    } else if (strncmp(r->at, "NaN", 3) == 0) {
        value->type = JSON_NUMBER;
        value->number = NAN;
        r->at += 3;
        return value;
    } else {
        char *end;
        value->type = JSON_NUMBER;
        value->number = strtod(r->at, &end);
        if (end != r->at) {
            value->is_integer = strcspn(start, ".eEnNiI") >= (size_t)(end - start);
            r->at = end;
            return value;
        }
        r->error = "not a JSON value";
    }
    free(value->text);
    free(value);
    if (r->error == NULL) r->error = "bad string";
    return NULL;
}

/* Parses `text`; NULL (with the reason on stderr) when it is not JSON. */
static json *json_parse(const char *text) {
    json_reader r = {text, NULL};
    json *value = read_value(&r);
    if (value != NULL) {
        skip_space(&r);
        if (*r.at != '\0') {
            r.error = "text after the JSON value";
            json_free(value);
            value = NULL;
        }
    }
    if (value == NULL) fprintf(stderr, "bad JSON at offset %ld: %s\n", (long)(r.at - text), r.error);
    return value;
}

static const json *json_get(const json *object, const char *key) {
    for (size_t i = 0; object != NULL && object->type == JSON_OBJECT && i < object->len; i++) {
        if (strcmp(object->keys[i], key) == 0) return object->items[i];
    }
    return NULL;
}

/* -- Text: a growing buffer, and JSON written to it in one canonical form. --------------------- */

typedef struct {
    char *data;
    size_t len, cap;
} text;

static void add(text *t, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->data = realloc(t->data, t->cap);
    }
    va_start(args, format);
    vsnprintf(t->data + t->len, (size_t)n + 1, format, args);
    va_end(args);
    t->len += (size_t)n;
}

/* Adds `len` bytes of `s` as a JSON string literal. */
static void add_string(text *t, const char *s, size_t len) {
    add(t, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') add(t, "\\%c", c);
        else if (c < 0x20) add(t, "\\u%04x", c);
        else add(t, "%c", c);
    }
    add(t, "\"");
}

static void add_json(text *t, const json *value) {
    switch (value->type) {
        case JSON_NULL: add(t, "null"); break;
        case JSON_BOOL: add(t, value->number != 0 ? "true" : "false"); break;
        case JSON_NUMBER: add(t, "%.17g", value->number); break;
        case JSON_STRING: add_string(t, value->text, strlen(value->text)); break;
        case JSON_ARRAY:
        case JSON_OBJECT:
            add(t, value->type == JSON_ARRAY ? "[" : "{");
            for (size_t i = 0; i < value->len; i++) {
                if (i > 0) add(t, ", ");
                if (value->type == JSON_OBJECT) add(t, "\"%s\": ", value->keys[i]);
                add_json(t, value->items[i]);
            }
            add(t, value->type == JSON_ARRAY ? "]" : "}");
            break;
    }
}

/* The canonical text of `value` (freed by the caller). */
static char *canonical(const json *value) {
    text t = {0};
    add_json(&t, value);
    return t.data;
}

static int by_canonical_text(const void *a, const void *b) {
    char *x = canonical(*(json *const *)a), *y = canonical(*(json *const *)b);
    int order = strcmp(x, y);
    free(x);
    free(y);
    return order;
}

/* -- Reading a case's options. ----------------------------------------------------------------- */

static double number(const json *c, const char *key, double fallback) {
    const json *v = json_get(c, key);
    return v != NULL && v->type == JSON_NUMBER ? v->number : fallback;
}

static const char *string(const json *c, const char *key, const char *fallback) {
    const json *v = json_get(c, key);
    return v != NULL && v->type == JSON_STRING ? v->text : fallback;
}

/* `min_support`: an integer is a basket count, a number with a fraction a share of baskets. */
static void support(const json *c, double *fraction, uint64_t *count) {
    const json *v = json_get(c, "min_support");
    *fraction = 0.0;
    *count = 0;
    if (v == NULL) return;
    if (v->is_integer) *count = (uint64_t)v->number;
    else *fraction = v->number;
}

/* A name of the table mapped to the C enum's value; -1 for a name the table does not know. */
typedef struct {
    const char *name;
    int value;
} named;

static int value_of(const named *names, const char *name) {
    for (; names->name != NULL; names++) {
        if (strcmp(names->name, name) == 0) return names->value;
    }
    return -1;
}

static const named targets[] = {
    {"all", UPSELL_TARGET_ALL}, {"closed", UPSELL_TARGET_CLOSED}, {"maximal", UPSELL_TARGET_MAXIMAL}, {NULL, 0}};
static const named rankings[] = {{"confidence", UPSELL_RANKING_CONFIDENCE},
                                 {"lift", UPSELL_RANKING_LIFT},
                                 {"expected_revenue", UPSELL_RANKING_EXPECTED_REVENUE},
                                 {NULL, 0}};
static const named endings[] = {{"exact", UPSELL_PRICE_ENDING_EXACT},     {"nine", UPSELL_PRICE_ENDING_NINE},
                                {"cents99", UPSELL_PRICE_ENDING_CENTS99}, {"cents95", UPSELL_PRICE_ENDING_CENTS95},
                                {"whole", UPSELL_PRICE_ENDING_WHOLE},     {"whole_nine", UPSELL_PRICE_ENDING_WHOLE_NINE},
                                {NULL, 0}};

/* -- The jobs: each runs one case through the C API and writes its answer as JSON to `out`. ---- */

/* Adds the labels of `len` item ids as a JSON array, sorted (an itemset is a set). */
static upsell_status add_labels(text *out, const upsell_baskets *baskets, const uint32_t *ids, size_t len,
                                upsell_error **err) {
    json array = {.type = JSON_ARRAY};
    upsell_status status = UPSELL_STATUS_OK;
    for (size_t i = 0; i < len && status == UPSELL_STATUS_OK; i++) {
        const char *label;
        size_t label_len;
        status = upsell_baskets_item_label(baskets, ids[i], &label, &label_len, err);
        if (status != UPSELL_STATUS_OK) break;
        json *item = calloc(1, sizeof *item);
        item->type = JSON_STRING;
        item->text = strndup(label, label_len);
        push(&array, item, NULL);
    }
    qsort(array.items, array.len, sizeof *array.items, by_canonical_text);
    add_json(out, &array);
    for (size_t i = 0; i < array.len; i++) json_free(array.items[i]);
    free(array.items);
    return status;
}

static upsell_status read_baskets(const char *path, upsell_baskets **baskets, upsell_error **err) {
    return upsell_baskets_from_csv_file(path, ',', baskets, err);
}

static upsell_status mine(const json *c, const upsell_baskets *baskets, upsell_itemsets **itemsets,
                          upsell_error **err) {
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    support(c, &options.min_support_fraction, &options.min_support_count);
    options.target = (upsell_target)value_of(targets, string(c, "target", "all"));
    options.max_len = (uint32_t)number(c, "max_len", 0);
    return upsell_mine(baskets, &options, itemsets, err);
}

/* `mine`: `[items, count]` per itemset. */
static upsell_status job_mine(const json *c, const char *path, text *out, upsell_error **err) {
    upsell_baskets *baskets = NULL;
    upsell_itemsets *itemsets = NULL;
    upsell_status status = read_baskets(path, &baskets, err);
    if (status == UPSELL_STATUS_OK) status = mine(c, baskets, &itemsets, err);
    add(out, "[");
    for (size_t i = 0; status == UPSELL_STATUS_OK && i < upsell_itemsets_len(itemsets); i++) {
        const uint32_t *items;
        size_t len;
        uint64_t count;
        status = upsell_itemsets_get(itemsets, i, &items, &len, &count, err);
        if (status != UPSELL_STATUS_OK) break;
        add(out, i > 0 ? ", [" : "[");
        status = add_labels(out, baskets, items, len, err);
        add(out, ", %llu]", (unsigned long long)count);
    }
    add(out, "]");
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
    return status;
}

/* `rules`: `[antecedent, consequent, count]` per rule. */
static upsell_status job_rules(const json *c, const char *path, text *out, upsell_error **err) {
    upsell_baskets *baskets = NULL;
    upsell_itemsets *itemsets = NULL;
    upsell_rules *rules = NULL;
    upsell_status status = read_baskets(path, &baskets, err);
    if (status == UPSELL_STATUS_OK) status = mine(c, baskets, &itemsets, err);
    if (status == UPSELL_STATUS_OK) {
        upsell_rule_options options;
        upsell_rule_options_default(&options);
        options.min_confidence = number(c, "min_confidence", options.min_confidence);
        options.max_antecedent_len = (uint32_t)number(c, "max_antecedent_len", options.max_antecedent_len);
        status = upsell_rules_generate(itemsets, &options, &rules, err);
    }
    add(out, "[");
    for (size_t i = 0; status == UPSELL_STATUS_OK && i < upsell_rules_len(rules); i++) {
        upsell_rule rule;
        status = upsell_rules_get(rules, i, &rule, err);
        if (status != UPSELL_STATUS_OK) break;
        add(out, i > 0 ? ", [" : "[");
        status = add_labels(out, baskets, rule.antecedent, rule.antecedent_len, err);
        add(out, ", ");
        if (status == UPSELL_STATUS_OK) status = add_labels(out, baskets, rule.consequent, rule.consequent_len, err);
        add(out, ", %llu]", (unsigned long long)rule.count);
    }
    add(out, "]");
    upsell_rules_free(rules);
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
    return status;
}

/* `recommend`: the recommended labels, best first. Cart items the model does not know are left
 * out, as the other surfaces ignore them. */
static upsell_status job_recommend(const json *c, const char *path, text *out, upsell_error **err) {
    upsell_baskets *baskets = NULL;
    upsell_recommender *model = NULL;
    double fraction;
    uint64_t count;
    support(c, &fraction, &count);
    upsell_status status = read_baskets(path, &baskets, err);
    if (status == UPSELL_STATUS_OK) {
        status = upsell_recommender_fit(baskets, fraction, count, number(c, "min_confidence", 0.01),
                                        (uint32_t)number(c, "max_antecedent_len", 3), 0, &model, err);
    }
    const json *cart_labels = json_get(c, "cart");
    size_t k = (size_t)number(c, "k", 5), cart_len = 0, found = 0;
    uint32_t *cart = calloc(cart_labels->len + 1, sizeof *cart);
    upsell_recommendation *recommended = calloc(k + 1, sizeof *recommended);
    for (size_t i = 0; status == UPSELL_STATUS_OK && i < cart_labels->len; i++) {
        if (upsell_recommender_item(model, cart_labels->items[i]->text, &cart[cart_len], NULL) == UPSELL_STATUS_OK)
            cart_len++;
    }
    if (status == UPSELL_STATUS_OK) {
        status = upsell_recommend(model, cart, cart_len, k, value_of(rankings, string(c, "by", "confidence")),
                                  number(c, "smoothing", 5.0), 1, recommended, &found, err);
    }
    add(out, "[");
    for (size_t i = 0; status == UPSELL_STATUS_OK && i < found; i++) {
        const char *label = upsell_recommender_label(model, recommended[i].item);
        if (i > 0) add(out, ", ");
        add_string(out, label, strlen(label));
    }
    add(out, "]");
    free(recommended);
    free(cart);
    upsell_recommender_free(model);
    upsell_baskets_free(baskets);
    return status;
}

/* `affinity_pairs`: `[item_a, item_b, count]` per pair, in the library's order. */
static upsell_status job_affinity_pairs(const json *c, const char *path, text *out, upsell_error **err) {
    upsell_baskets *baskets = NULL;
    upsell_pair *pairs = NULL;
    size_t len = 0;
    upsell_status status = read_baskets(path, &baskets, err);
    if (status == UPSELL_STATUS_OK) {
        status = upsell_affinity_pairs(baskets, (size_t)number(c, "top", 20), 0, number(c, "min_support", 0.03),
                                       number(c, "min_lift", 1.5), &pairs, &len, err);
    }
    add(out, "[");
    for (size_t i = 0; status == UPSELL_STATUS_OK && i < len; i++) {
        const uint32_t ids[2] = {pairs[i].a, pairs[i].b};
        for (size_t j = 0; j < 2 && status == UPSELL_STATUS_OK; j++) {
            const char *label;
            size_t label_len;
            status = upsell_baskets_item_label(baskets, ids[j], &label, &label_len, err);
            add(out, j == 0 ? (i > 0 ? ", [" : "[") : ", ");
            if (status == UPSELL_STATUS_OK) add_string(out, label, label_len);
        }
        add(out, ", %llu]", (unsigned long long)pairs[i].count);
    }
    add(out, "]");
    upsell_pairs_free(pairs, len);
    upsell_baskets_free(baskets);
    return status;
}

/* `evaluate`: a long CSV split by time; `[train_baskets, test_baskets, cases]`. */
static upsell_status job_evaluate(const json *c, const char *path, text *out, upsell_error **err) {
    const char *basket_columns[] = {"order"};
    upsell_baskets *baskets = NULL;
    char *report = NULL;
    upsell_status status = upsell_baskets_from_long_file(path, ',', basket_columns, 1, "item", NULL, "time", &baskets, err);
    if (status == UPSELL_STATUS_OK) {
        upsell_evaluate_options options;
        upsell_evaluate_options_default(&options);
        support(c, &options.min_support_fraction, &options.min_support_count);
        options.split_by_time = 1;
        options.train_fraction = number(c, "train", options.train_fraction);
        options.cutoff = string(c, "cutoff", NULL);
        options.k = (size_t)number(c, "k", (double)options.k);
        options.max_antecedent_len = (uint32_t)number(c, "max_antecedent_len", options.max_antecedent_len);
        options.smoothing = number(c, "smoothing", options.smoothing);
        status = upsell_evaluate_json(baskets, &options, &report, err);
    }
    if (status == UPSELL_STATUS_OK) {
        json *result = json_parse(report);
        add(out, "[%.17g, %.17g, %.17g]", number(result, "train_baskets", -1), number(result, "test_baskets", -1),
            number(result, "cases", -1));
        json_free(result);
    }
    upsell_string_free(report);
    upsell_baskets_free(baskets);
    return status;
}

/* `bundle_price`: the bundle's price in GBP as text; the items are named by label in a price list
 * the core parses from the table's decimal texts, as Python's `price_bundle` reads its dict. */
static upsell_status job_bundle_price(const json *c, const char *path, text *out, upsell_error **err) {
    (void)path;
    const json *items = json_get(c, "items"), *prices = json_get(c, "prices"), *band = json_get(c, "discount");
    const char **names = calloc(items->len + 1, sizeof *names), **amounts = calloc(prices->len + 1, sizeof *amounts);
    for (size_t i = 0; i < items->len; i++) names[i] = items->items[i]->text;
    for (size_t i = 0; i < prices->len; i++) amounts[i] = prices->items[i]->text;
    upsell_bundle_policy policy;
    upsell_bundle_quote quote;
    upsell_bundle_policy_default(&policy);
    if (band != NULL) {
        policy.min_discount_bp = (uint32_t)(band->items[0]->number * 100);
        policy.max_discount_bp = (uint32_t)(band->items[1]->number * 100);
    }
    if (json_get(c, "ending") != NULL) policy.ending = (upsell_price_ending)value_of(endings, string(c, "ending", ""));
    upsell_price_list *list = NULL;
    uint8_t exponent = 0;
    upsell_status status = upsell_currency_exponent("GBP", &exponent, err);
    if (status == UPSELL_STATUS_OK)
        status = upsell_price_list_new("GBP", (const char *const *)prices->keys, amounts, prices->len, &list, err);
    if (status == UPSELL_STATUS_OK) status = upsell_bundle_price_labels(names, items->len, list, NULL, &policy, &quote, err);
    if (status == UPSELL_STATUS_OK && quote.refusal != UPSELL_BUNDLE_REFUSAL_NONE) {
        add(out, "\"refused: upsell_bundle_refusal %d\"", (int)quote.refusal);
    } else if (status == UPSELL_STATUS_OK) {
        int64_t scale = 1;
        for (uint8_t d = 0; d < exponent; d++) scale *= 10;
        if (exponent == 0) add(out, "\"%lld\"", (long long)quote.price_minor);
        else add(out, "\"%lld.%0*lld\"", (long long)(quote.price_minor / scale), (int)exponent,
                 (long long)(quote.price_minor % scale));
    }
    upsell_price_list_free(list);
    free(amounts);
    free(names);
    return status;
}

/* Adds one `[customer, rule]` row of an offer; `rows` counts the rows added so far. */
static void add_offer(text *out, size_t *rows, const char *customer, const char *rule) {
    add(out, (*rows)++ > 0 ? ", [" : "[");
    add_string(out, customer, strlen(customer));
    add(out, ", ");
    add_string(out, rule, strlen(rule));
    add(out, "]");
}

/* `triggers`: `[customer, rule]` per offer, customers given as JSON objects. */
static upsell_status job_triggers(const json *c, const char *path, text *out, upsell_error **err) {
    (void)path;
    upsell_ruleset *rules = NULL;
    upsell_status status = upsell_ruleset_from_str(string(c, "rules", ""), UPSELL_RULESET_FORMAT_YAML, &rules, err);
    const json *rows = json_get(c, "rows");
    size_t offers = 0;
    add(out, "[");
    for (size_t i = 0; status == UPSELL_STATUS_OK && i < rows->len; i++) {
        upsell_decision *decision = NULL;
        status = upsell_ruleset_evaluate_json(rules, rows->items[i]->text, "2026-11-23T10:00:00Z", NULL, &decision, err);
        json *row = json_parse(rows->items[i]->text);
        const char *customer = string(row, "id", "");
        for (size_t j = 0; status == UPSELL_STATUS_OK && j < upsell_decision_offer_count(decision); j++) {
            add_offer(out, &offers, customer, upsell_decision_offer_rule(decision, j));
        }
        json_free(row);
        upsell_decision_free(decision);
    }
    add(out, "]");
    upsell_ruleset_free(rules);
    return status;
}

/* `triggers_table`: a customers' CSV file read by the core with the rule file's schema, as
 * `upsell triggers eval` reads it, then evaluated as a batch; offers held out are not shown. */
static upsell_status job_triggers_table(const json *c, const char *path, text *out, upsell_error **err) {
    upsell_ruleset *rules = NULL;
    upsell_batch *batch = NULL;
    upsell_batch_offers *offers = NULL;
    upsell_status status = upsell_ruleset_from_str(string(c, "rules", ""), UPSELL_RULESET_FORMAT_YAML, &rules, err);
    if (status == UPSELL_STATUS_OK) status = upsell_batch_from_csv_file(path, rules, &batch, err);
    if (status == UPSELL_STATUS_OK)
        status = upsell_ruleset_evaluate_batch(rules, batch, "2026-11-23T10:00:00Z", NULL, NULL, 0, &offers, err);
    size_t rows = 0;
    add(out, "[");
    for (size_t i = 0; status == UPSELL_STATUS_OK && i < upsell_batch_offers_count(offers); i++) {
        upsell_batch_offer offer;
        status = upsell_batch_offers_get(offers, i, &offer, err);
        if (status == UPSELL_STATUS_OK && !offer.held_out) add_offer(out, &rows, offer.customer, offer.rule);
    }
    add(out, "]");
    upsell_batch_offers_free(offers);
    upsell_batch_free(batch);
    upsell_ruleset_free(rules);
    return status;
}

typedef upsell_status (*job_fn)(const json *c, const char *path, text *out, upsell_error **err);

static const struct {
    const char *name;
    job_fn run;
    int unordered; /* the answer is a set of rows: compared whatever their order */
} jobs[] = {
    {"mine", job_mine, 1},
    {"rules", job_rules, 1},
    {"recommend", job_recommend, 0},
    {"affinity_pairs", job_affinity_pairs, 0},
    {"evaluate", job_evaluate, 0},
    {"bundle_price", job_bundle_price, 0},
    {"triggers", job_triggers, 0},
    {"triggers_table", job_triggers_table, 0},
};

static const char *kind_of(upsell_status status) {
    switch (status) {
        case UPSELL_STATUS_INVALID_INPUT: return "invalid_input";
        case UPSELL_STATUS_INVALID_PARAMETER: return "invalid_parameter";
        case UPSELL_STATUS_PARSE: return "parse";
        case UPSELL_STATUS_LIMIT_EXCEEDED: return "limit_exceeded";
        case UPSELL_STATUS_CANCELLED: return "cancelled";
        case UPSELL_STATUS_IO: return "io";
        default: return upsell_status_str(status);
    }
}

/* The canonical text of `value`, its rows sorted when `unordered`. */
static char *comparable(json *value, int unordered) {
    if (unordered && value->type == JSON_ARRAY) {
        qsort(value->items, value->len, sizeof *value->items, by_canonical_text);
    }
    return canonical(value);
}

/* Runs one case; 1 when it gives the table's answer. */
static int run_case(const json *c, const char *dir) {
    const char *name = string(c, "name", "?"), *job = string(c, "job", "?");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, string(c, "input", ""));
    job_fn run = NULL;
    int unordered = 0;
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        if (strcmp(jobs[i].name, job) == 0) {
            run = jobs[i].run;
            unordered = jobs[i].unordered;
        }
    }
    if (run == NULL) {
        fprintf(stderr, "%s: unknown job '%s'\n", name, job);
        return 0;
    }
    text answer = {0};
    upsell_error *err = NULL;
    upsell_status status = run(c, path, &answer, &err);
    int ok = 0;
    const char *expected_kind = string(c, "error", NULL);
    if (expected_kind != NULL) {
        const char *message = err != NULL ? upsell_error_message(err) : "";
        ok = strcmp(kind_of(status), expected_kind) == 0 && strstr(message, string(c, "mentions", "")) != NULL;
        if (!ok) {
            fprintf(stderr, "%s: expected %s mentioning '%s', got %s: %s\n", name, expected_kind,
                    string(c, "mentions", ""), kind_of(status), message);
        }
    } else if (status != UPSELL_STATUS_OK) {
        fprintf(stderr, "%s: %s: %s\n", name, kind_of(status), err != NULL ? upsell_error_message(err) : "");
    } else {
        /* A copy of the expected answer, to sort its rows without touching the table. */
        char *table_text = canonical(json_get(c, "expect"));
        json *got = json_parse(answer.data), *expect = json_parse(table_text);
        if (got != NULL && expect != NULL) {
            char *got_text = comparable(got, unordered), *expect_text = comparable(expect, unordered);
            ok = strcmp(got_text, expect_text) == 0;
            if (!ok) fprintf(stderr, "%s:\n  expected %s\n  got      %s\n", name, expect_text, got_text);
            free(got_text);
            free(expect_text);
        }
        json_free(got);
        json_free(expect);
        free(table_text);
    }
    upsell_error_free(err);
    free(answer.data);
    return ok;
}

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    text t = {0};
    char chunk[4096];
    size_t n;
    add(&t, "");
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0) add(&t, "%.*s", (int)n, chunk);
    fclose(file);
    return t.data;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_cross_surface CASES_JSON TABLE_DIR\n");
        return 2;
    }
    char *source = read_file(argv[1]);
    json *table = source != NULL ? json_parse(source) : NULL;
    free(source);
    const json *cases = json_get(table, "case");
    CHECK(cases != NULL && cases->type == JSON_ARRAY);
    if (cases == NULL || cases->type != JSON_ARRAY) {
        json_free(table);
        return REPORT();
    }
    for (size_t i = 0; i < cases->len; i++) CHECK(run_case(cases->items[i], argv[2]));
    printf("%zu cross-surface cases run through the C API\n", cases->len);
    CHECK(cases->len >= 40);
    json_free(table);
    return REPORT();
}
