/*
 * The Arrow C data interface from C, with no Arrow library: a tiny producer builds
 * ArrowArrayStreams by hand (baskets as list<utf8>, long order lines, customers), the library
 * reads them, and the streams it returns (itemsets, rules, offers) are read back and checked,
 * the offers against the row-wise batch API on the same customers. Every stream is released, so
 * valgrind and ASan see each buffer freed once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- a minimal producer: schemas and arrays over static buffers ---- */

static void release_schema(struct ArrowSchema *schema) {
    for (int64_t i = 0; i < schema->n_children; i++) {
        struct ArrowSchema *child = schema->children[i];
        if (child->release != NULL) child->release(child);
        free(child);
    }
    free(schema->children);
    schema->release = NULL;
}

/* A schema node; `children` (n of them) are moved into it. */
static void make_schema(struct ArrowSchema *out, const char *format, const char *name, int64_t flags, int64_t n,
                        struct ArrowSchema *children) {
    memset(out, 0, sizeof *out);
    out->format = format;
    out->name = name;
    out->flags = flags;
    out->n_children = n;
    out->children = n > 0 ? calloc((size_t)n, sizeof(struct ArrowSchema *)) : NULL;
    for (int64_t i = 0; i < n; i++) {
        out->children[i] = malloc(sizeof(struct ArrowSchema));
        *out->children[i] = children[i];
    }
    out->release = release_schema;
}

static void release_array(struct ArrowArray *array) {
    for (int64_t i = 0; i < array->n_children; i++) {
        struct ArrowArray *child = array->children[i];
        if (child->release != NULL) child->release(child);
        free(child);
    }
    free(array->children);
    free((void *)array->buffers);
    array->release = NULL;
}

/* An array node over borrowed (static) buffers; `children` are moved into it. */
static void make_array(struct ArrowArray *out, int64_t length, int64_t null_count, int64_t n_buffers,
                       const void *b0, const void *b1, const void *b2, int64_t n, struct ArrowArray *children) {
    memset(out, 0, sizeof *out);
    out->length = length;
    out->null_count = null_count;
    out->n_buffers = n_buffers;
    const void **buffers = calloc(3, sizeof(void *));
    buffers[0] = b0;
    buffers[1] = b1;
    buffers[2] = b2;
    out->buffers = buffers;
    out->n_children = n;
    out->children = n > 0 ? calloc((size_t)n, sizeof(struct ArrowArray *)) : NULL;
    for (int64_t i = 0; i < n; i++) {
        out->children[i] = malloc(sizeof(struct ArrowArray));
        *out->children[i] = children[i];
    }
    out->release = release_array;
}

/* A stream of `batches` batches, each made by `make_batch(index, out)`, of schema `make_schema`. */
struct producer {
    void (*schema)(struct ArrowSchema *);
    void (*batch)(int, struct ArrowArray *);
    int batches;
    int next;
};

static int producer_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out) {
    ((struct producer *)stream->private_data)->schema(out);
    return 0;
}

static int producer_next(struct ArrowArrayStream *stream, struct ArrowArray *out) {
    struct producer *p = stream->private_data;
    if (p->next == p->batches) {
        memset(out, 0, sizeof *out); /* release == NULL: the end */
        return 0;
    }
    p->batch(p->next++, out);
    return 0;
}

static const char *producer_error(struct ArrowArrayStream *stream) {
    (void)stream;
    return NULL;
}

static void producer_release(struct ArrowArrayStream *stream) {
    free(stream->private_data);
    stream->release = NULL;
}

static struct ArrowArrayStream stream_of(void (*schema)(struct ArrowSchema *), void (*batch)(int, struct ArrowArray *),
                                         int batches) {
    struct producer *p = malloc(sizeof *p);
    p->schema = schema;
    p->batch = batch;
    p->batches = batches;
    p->next = 0;
    struct ArrowArrayStream stream = {producer_schema, producer_next, producer_error, producer_release, p};
    return stream;
}

/* ---- baskets: struct<basket: list<item: utf8>>, two batches ---- */

static void baskets_schema(struct ArrowSchema *out) {
    struct ArrowSchema item, list;
    make_schema(&item, "u", "item", ARROW_FLAG_NULLABLE, 0, NULL);
    make_schema(&list, "+l", "basket", ARROW_FLAG_NULLABLE, 1, &item);
    make_schema(out, "+s", "", 0, 1, &list);
}

/* Batch 0: [milk bread] [bread]; batch 1: null, [milk bread milk], [eggs]. */
static const char TEXT0[] = "milkbreadbread";
static const int32_t TEXT0_OFFSETS[] = {0, 4, 9, 14};
static const int32_t LIST0_OFFSETS[] = {0, 2, 3};
static const char TEXT1[] = "milkbreadmilkeggs";
static const int32_t TEXT1_OFFSETS[] = {0, 4, 9, 13, 17};
static const int32_t LIST1_OFFSETS[] = {0, 0, 3, 4};
static const uint8_t LIST1_VALID[] = {0x06}; /* rows 1 and 2 */

static void baskets_batch(int index, struct ArrowArray *out) {
    struct ArrowArray text, list;
    if (index == 0) {
        make_array(&text, 3, 0, 3, NULL, TEXT0_OFFSETS, TEXT0, 0, NULL);
        make_array(&list, 2, 0, 2, NULL, LIST0_OFFSETS, NULL, 1, &text);
        make_array(out, 2, 0, 1, NULL, NULL, NULL, 1, &list);
    } else {
        make_array(&text, 4, 0, 3, NULL, TEXT1_OFFSETS, TEXT1, 0, NULL);
        make_array(&list, 3, 1, 2, LIST1_VALID, LIST1_OFFSETS, NULL, 1, &text);
        make_array(out, 3, 0, 1, NULL, NULL, NULL, 1, &list);
    }
}

/* Reads the one batch of an output stream: its schema and struct array (caller releases both). */
static int read_single(struct ArrowArrayStream *stream, struct ArrowSchema *schema, struct ArrowArray *array) {
    if (stream->get_schema(stream, schema) != 0) return 0;
    if (stream->get_next(stream, array) != 0 || array->release == NULL) return 0;
    struct ArrowArray end;
    if (stream->get_next(stream, &end) != 0 || end.release != NULL) return 0;
    return 1;
}

static int64_t child_index(const struct ArrowSchema *schema, const char *name) {
    for (int64_t i = 0; i < schema->n_children; i++)
        if (strcmp(schema->children[i]->name, name) == 0) return i;
    return -1;
}

/* Label list `row` of a list<utf8> column, joined with spaces into `out`. */
static void list_text(const struct ArrowArray *list, int64_t row, char *out, size_t size) {
    const int32_t *offsets = list->buffers[1];
    const struct ArrowArray *text = list->children[0];
    const int32_t *text_offsets = text->buffers[1];
    const char *data = text->buffers[2];
    out[0] = '\0';
    for (int32_t v = offsets[list->offset + row]; v < offsets[list->offset + row + 1]; v++) {
        int32_t at = text_offsets[text->offset + v], len = text_offsets[text->offset + v + 1] - at;
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%.*s", used > 0 ? " " : "", (int)len, data + at);
    }
}

static void test_baskets_itemsets_rules(void) {
    upsell_error *err = NULL;
    struct ArrowArrayStream input = stream_of(baskets_schema, baskets_batch, 2);
    upsell_baskets *baskets = NULL;
    CHECK_STATUS(upsell_baskets_from_arrow(&input, NULL, &baskets, &err), UPSELL_STATUS_OK, err);
    CHECK(input.release == NULL); /* moved in and released by the library */
    CHECK(upsell_baskets_len(baskets) == 5);

    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_count = 2;
    upsell_itemsets *itemsets = NULL;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, &err), UPSELL_STATUS_OK, err);

    struct ArrowArrayStream out;
    CHECK_STATUS(upsell_itemsets_to_arrow(itemsets, baskets, &out, &err), UPSELL_STATUS_OK, err);
    struct ArrowSchema schema;
    struct ArrowArray array;
    CHECK(read_single(&out, &schema, &array));
    CHECK(strcmp(schema.format, "+s") == 0 && schema.n_children == 3);
    int64_t set_at = child_index(&schema, "itemset"), count_at = child_index(&schema, "count");
    CHECK(set_at == 0 && count_at == 1 && child_index(&schema, "support") == 2);
    CHECK(strcmp(schema.children[set_at]->format, "+l") == 0);
    CHECK(strcmp(schema.children[count_at]->format, "l") == 0);
    /* {bread}: 3, {milk}: 2, {bread milk}: 2 (eggs is below the threshold). */
    CHECK(array.length == 3);
    int seen = 0;
    for (int64_t r = 0; r < array.length; r++) {
        char items[64];
        list_text(array.children[set_at], r, items, sizeof items);
        int64_t count = ((const int64_t *)array.children[count_at]->buffers[1])[r];
        if (strcmp(items, "bread") == 0 && count == 3) seen |= 1;
        if (strcmp(items, "milk") == 0 && count == 2) seen |= 2;
        if ((strcmp(items, "milk bread") == 0 || strcmp(items, "bread milk") == 0) && count == 2) seen |= 4;
    }
    CHECK(seen == 7);
    const double *support = array.children[2]->buffers[1];
    CHECK(support[0] > 0.0 && support[0] <= 1.0);
    array.release(&array);
    schema.release(&schema);
    out.release(&out);

    /* Ids instead of labels when no baskets are given. */
    CHECK_STATUS(upsell_itemsets_to_arrow(itemsets, NULL, &out, &err), UPSELL_STATUS_OK, err);
    CHECK(read_single(&out, &schema, &array));
    CHECK(strcmp(schema.children[0]->children[0]->format, "I") == 0);
    array.release(&array);
    schema.release(&schema);
    out.release(&out);

    upsell_rule_options rule_options;
    upsell_rule_options_default(&rule_options);
    rule_options.min_confidence = 0.5;
    upsell_rules *rules = NULL;
    CHECK_STATUS(upsell_rules_generate(itemsets, &rule_options, &rules, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_rules_to_arrow(rules, baskets, &out, &err), UPSELL_STATUS_OK, err);
    CHECK(read_single(&out, &schema, &array));
    CHECK(schema.n_children == 17);
    CHECK(child_index(&schema, "antecedents") == 0 && child_index(&schema, "consequents") == 1);
    CHECK(child_index(&schema, "confidence") == 5 && child_index(&schema, "zhangs_metric") == 10);
    CHECK(child_index(&schema, "consequent count") == 16);
    /* milk -> bread (confidence 1) and bread -> milk (2/3). */
    CHECK(array.length == (int64_t)upsell_rules_len(rules) && array.length == 2);
    for (int64_t r = 0; r < array.length; r++) {
        char antecedent[32];
        list_text(array.children[0], r, antecedent, sizeof antecedent);
        double confidence = ((const double *)array.children[5]->buffers[1])[r];
        CHECK(strcmp(antecedent, "milk") == 0 ? confidence == 1.0 : confidence > 0.66 && confidence < 0.67);
    }
    array.release(&array);
    schema.release(&schema);
    out.release(&out);

    upsell_rules_free(rules);
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
}

/* ---- long order lines: invoice utf8, item int64, customer utf8, time timestamp[s] ---- */

static void long_schema(struct ArrowSchema *out) {
    struct ArrowSchema columns[4];
    make_schema(&columns[0], "u", "invoice", 0, 0, NULL);
    make_schema(&columns[1], "l", "item", 0, 0, NULL);
    make_schema(&columns[2], "u", "customer", 0, 0, NULL);
    make_schema(&columns[3], "tss:UTC", "time", 0, 0, NULL);
    make_schema(out, "+s", "", 0, 4, columns);
}

static const char INVOICES[] = "A1A2A1";
static const int32_t INVOICE_OFFSETS[] = {0, 2, 4, 6};
static const int64_t LONG_ITEMS[] = {10, 20, 30};
static const char CUSTOMERS[] = "c1c2c1";
static const int64_t TIMES[] = {1700000100, 1700000200, 1700000000};

static void long_batch(int index, struct ArrowArray *out) {
    (void)index;
    struct ArrowArray columns[4];
    make_array(&columns[0], 3, 0, 3, NULL, INVOICE_OFFSETS, INVOICES, 0, NULL);
    make_array(&columns[1], 3, 0, 2, NULL, LONG_ITEMS, NULL, 0, NULL);
    make_array(&columns[2], 3, 0, 3, NULL, INVOICE_OFFSETS, CUSTOMERS, 0, NULL);
    make_array(&columns[3], 3, 0, 2, NULL, TIMES, NULL, 0, NULL);
    make_array(out, 3, 0, 1, NULL, NULL, NULL, 4, columns);
}

static void test_long(void) {
    upsell_error *err = NULL;
    struct ArrowArrayStream input = stream_of(long_schema, long_batch, 1);
    upsell_baskets *baskets = NULL;
    CHECK_STATUS(upsell_baskets_from_arrow_long(&input, "invoice", "item", "customer", "time", &baskets, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(input.release == NULL);
    CHECK(upsell_baskets_len(baskets) == 2);
    const char *text = NULL;
    size_t len = 0;
    CHECK_STATUS(upsell_baskets_key(baskets, 0, &text, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(len == 2 && strncmp(text, "A1", 2) == 0);
    CHECK_STATUS(upsell_baskets_customer(baskets, 1, &text, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(len == 2 && strncmp(text, "c2", 2) == 0);
    int64_t seconds = 0;
    CHECK_STATUS(upsell_baskets_time(baskets, 0, &seconds, &err), UPSELL_STATUS_OK, err);
    CHECK(seconds == 1700000000); /* the earliest of A1's rows */
    CHECK_STATUS(upsell_baskets_item_label(baskets, 2, &text, &len, &err), UPSELL_STATUS_OK, err);
    CHECK(len == 2 && strncmp(text, "30", 2) == 0);
    upsell_baskets_free(baskets);

    /* Column errors: the stream is released all the same. */
    input = stream_of(long_schema, long_batch, 1);
    CHECK_STATUS(upsell_baskets_from_arrow_long(&input, "order", "item", NULL, NULL, &baskets, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(input.release == NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), "invoice, item, customer, time") != NULL);
    upsell_error_free(err);
    err = NULL;
    input = stream_of(long_schema, long_batch, 1);
    CHECK_STATUS(upsell_baskets_from_arrow_long(&input, "invoice", NULL, NULL, NULL, &baskets, &err),
                 UPSELL_STATUS_NULL_PARAMETER, err);
    CHECK(input.release == NULL);
    upsell_error_free(err);
    err = NULL;
    /* A plain column is not a basket list. */
    input = stream_of(long_schema, long_batch, 1);
    CHECK_STATUS(upsell_baskets_from_arrow(&input, "invoice", &baskets, &err), UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "'invoice'") != NULL);
    upsell_error_free(err);
    err = NULL;
    /* A released stream and a NULL one. */
    CHECK_STATUS(upsell_baskets_from_arrow(&input, NULL, &baskets, &err), UPSELL_STATUS_INVALID_INPUT, err);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_baskets_from_arrow(NULL, NULL, &baskets, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
}

/* ---- customers: id utf8, seats int64 (one null), plan dictionary<int32, utf8>, active bool ---- */

static const char *RULES =
    "rules:\n"
    "  - name: team\n"
    "    when: seats > 10 && active\n"
    "    offer: {kind: upgrade, target: team}\n"
    "    priority: 5\n"
    "  - name: starter\n"
    "    when: plan == \"starter\"\n"
    "    offer: {kind: cross_sell, target: support}\n"
    "    priority: 3\n";

static void customers_schema(struct ArrowSchema *out) {
    struct ArrowSchema columns[4], values;
    make_schema(&columns[0], "u", "id", 0, 0, NULL);
    make_schema(&columns[1], "l", "seats", ARROW_FLAG_NULLABLE, 0, NULL);
    make_schema(&columns[2], "i", "plan", ARROW_FLAG_NULLABLE, 0, NULL);
    make_schema(&values, "u", "", 0, 0, NULL);
    columns[2].dictionary = malloc(sizeof values);
    *columns[2].dictionary = values;
    make_schema(&columns[3], "b", "active", 0, 0, NULL);
    make_schema(out, "+s", "", 0, 4, columns);
}

/* The dictionary child is not in `children`: release it too. */
static void release_plan_schema(struct ArrowSchema *schema) {
    for (int64_t i = 0; i < schema->n_children; i++) {
        struct ArrowSchema *child = schema->children[i];
        if (child->dictionary != NULL) {
            child->dictionary->release(child->dictionary);
            free(child->dictionary);
        }
    }
    release_schema(schema);
}

static void customers_schema_owned(struct ArrowSchema *out) {
    customers_schema(out);
    out->release = release_plan_schema;
}

static const char IDS[] = "c1c2c3c4";
static const int32_t ID_OFFSETS[] = {0, 2, 4, 6, 8};
static const int64_t SEATS[] = {12, 3, 0, 40};
static const uint8_t SEATS_VALID[] = {0x0b}; /* c3 unknown */
static const int32_t PLAN_CODES[] = {0, 1, 0, 1};
static const char PLANS[] = "starterpro";
static const int32_t PLAN_OFFSETS[] = {0, 7, 10};
static const uint8_t ACTIVE[] = {0x09}; /* c1 and c4 */

static void release_plan_array(struct ArrowArray *array) {
    for (int64_t i = 0; i < array->n_children; i++) {
        struct ArrowArray *child = array->children[i];
        if (child->dictionary != NULL) {
            child->dictionary->release(child->dictionary);
            free(child->dictionary);
        }
    }
    release_array(array);
}

static void customers_batch(int index, struct ArrowArray *out) {
    (void)index;
    struct ArrowArray columns[4], values;
    make_array(&columns[0], 4, 0, 3, NULL, ID_OFFSETS, IDS, 0, NULL);
    make_array(&columns[1], 4, 1, 2, SEATS_VALID, SEATS, NULL, 0, NULL);
    make_array(&columns[2], 4, 0, 2, NULL, PLAN_CODES, NULL, 0, NULL);
    make_array(&values, 2, 0, 3, NULL, PLAN_OFFSETS, PLANS, 0, NULL);
    columns[2].dictionary = malloc(sizeof values);
    *columns[2].dictionary = values;
    make_array(&columns[3], 4, 0, 2, NULL, ACTIVE, NULL, 0, NULL);
    make_array(out, 4, 0, 1, NULL, NULL, NULL, 4, columns);
    out->release = release_plan_array;
}

static void nested_schema(struct ArrowSchema *out) {
    struct ArrowSchema field, nested;
    make_schema(&field, "l", "n", 0, 0, NULL);
    make_schema(&nested, "+s", "address", 0, 1, &field);
    make_schema(out, "+s", "", 0, 1, &nested);
}

static void nested_batch(int index, struct ArrowArray *out) {
    (void)index;
    struct ArrowArray field, nested;
    make_array(&field, 3, 0, 2, NULL, LONG_ITEMS, NULL, 0, NULL);
    make_array(&nested, 3, 0, 1, NULL, NULL, NULL, 1, &field);
    make_array(out, 3, 0, 1, NULL, NULL, NULL, 1, &nested);
}

static void test_offers(void) {
    upsell_error *err = NULL;
    upsell_ruleset *rules = NULL;
    CHECK_STATUS(upsell_ruleset_from_str(RULES, UPSELL_RULESET_FORMAT_YAML, &rules, &err), UPSELL_STATUS_OK, err);
    const char *now = "2026-11-23T10:00:00Z";

    struct ArrowArrayStream input = stream_of(customers_schema_owned, customers_batch, 2);
    struct ArrowArrayStream out;
    CHECK_STATUS(upsell_ruleset_evaluate_arrow(rules, &input, now, "id", NULL, 1, &out, &err), UPSELL_STATUS_OK, err);
    CHECK(input.release == NULL);
    struct ArrowSchema schema;
    CHECK(out.get_schema(&out, &schema) == 0);
    CHECK(schema.n_children == 8 && child_index(&schema, "customer") == 0 && child_index(&schema, "held_out") == 7);
    CHECK(strcmp(schema.children[6]->format, "d:38,6") == 0);

    /* The same customers through the row-wise batch API. */
    upsell_batch *batch = upsell_batch_new();
    const char *ids[] = {"c1", "c2", "c3", "c4"};
    const char *plans[] = {"starter", "pro", "starter", "pro"};
    const uint8_t seats_valid[] = {1, 1, 0, 1}, active[] = {1, 0, 0, 1};
    CHECK_STATUS(upsell_batch_add_strings(batch, "id", ids, 4, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_ints(batch, "seats", SEATS, seats_valid, 4, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_strings(batch, "plan", plans, 4, &err), UPSELL_STATUS_OK, err);
    CHECK_STATUS(upsell_batch_add_bools(batch, "active", active, NULL, 4, &err), UPSELL_STATUS_OK, err);
    upsell_batch_offers *expected = NULL;
    CHECK_STATUS(upsell_ruleset_evaluate_batch(rules, batch, now, "id", NULL, 1, &expected, &err), UPSELL_STATUS_OK,
                 err);
    size_t per_batch = upsell_batch_offers_count(expected);
    CHECK(per_batch == 3); /* c1: team (one offer each by default); c3: starter; c4: team */

    /* Two input batches of the same customers: each gives the same offers. */
    int batches = 0;
    for (;;) {
        struct ArrowArray array;
        CHECK(out.get_next(&out, &array) == 0);
        if (array.release == NULL) break;
        batches++;
        CHECK(array.length == (int64_t)per_batch);
        const struct ArrowArray *customer = array.children[0], *rule = array.children[1];
        const int32_t *c_offsets = customer->buffers[1], *r_offsets = rule->buffers[1];
        for (int64_t r = 0; r < array.length && (size_t)r < per_batch; r++) {
            upsell_batch_offer offer;
            CHECK_STATUS(upsell_batch_offers_get(expected, (size_t)r, &offer, &err), UPSELL_STATUS_OK, err);
            CHECK(strncmp(offer.customer, (const char *)customer->buffers[2] + c_offsets[r],
                          (size_t)(c_offsets[r + 1] - c_offsets[r])) == 0);
            CHECK(strncmp(offer.rule, (const char *)rule->buffers[2] + r_offsets[r],
                          (size_t)(r_offsets[r + 1] - r_offsets[r])) == 0);
            CHECK(((const int64_t *)array.children[4]->buffers[1])[r] == offer.priority);
        }
        array.release(&array);
    }
    CHECK(batches == 2);
    schema.release(&schema);
    out.release(&out);

    /* A column type rules cannot use: a struct. */
    input = stream_of(nested_schema, nested_batch, 1);
    CHECK_STATUS(upsell_ruleset_evaluate_arrow(rules, &input, now, NULL, NULL, 1, &out, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "'address'") != NULL);
    upsell_error_free(err);
    err = NULL;
    CHECK(input.release == NULL);
    CHECK_STATUS(upsell_ruleset_evaluate_arrow(rules, NULL, now, NULL, NULL, 1, &out, &err),
                 UPSELL_STATUS_NULL_PARAMETER, err);
    upsell_error_free(err);

    upsell_batch_offers_free(expected);
    upsell_batch_free(batch);
    upsell_ruleset_free(rules);
}

/* Recommendations for the baskets stream's rows as carts, checked against upsell_recommend. */
static void test_recommendations(void) {
    upsell_error *err = NULL;
    struct ArrowArrayStream input = stream_of(baskets_schema, baskets_batch, 2);
    upsell_baskets *baskets = NULL;
    CHECK_STATUS(upsell_baskets_from_arrow(&input, NULL, &baskets, &err), UPSELL_STATUS_OK, err);
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_count = 1;
    upsell_itemsets *itemsets = NULL;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, &err), UPSELL_STATUS_OK, err);
    upsell_recommender *model = NULL;
    CHECK_STATUS(upsell_recommender_build(itemsets, baskets, 0.1, 2, &model, &err), UPSELL_STATUS_OK, err);

    /* The carts: [milk bread] [bread] | null, [milk bread milk], [eggs]. */
    struct ArrowArrayStream carts = stream_of(baskets_schema, baskets_batch, 2), out;
    size_t unknown = 99;
    CHECK_STATUS(upsell_recommend_arrow(model, &carts, "basket", 2, UPSELL_RANKING_CONFIDENCE, 5.0, 1, 2, &out,
                                        &unknown, &err),
                 UPSELL_STATUS_OK, err);
    CHECK(carts.release == NULL && unknown == 0);
    struct ArrowSchema schema;
    CHECK(out.get_schema(&out, &schema) == 0);
    CHECK(schema.n_children == 9 && child_index(&schema, "cart") == 0 && child_index(&schema, "item") == 2);
    CHECK(child_index(&schema, "rule") == 4 && strcmp(schema.children[5]->format, "+l") == 0);

    const char *cart_labels[5][3] = {{"milk", "bread"}, {"bread"}, {NULL}, {"milk", "bread", "milk"}, {"eggs"}};
    int64_t cart = 0, rows = 0;
    for (;;) {
        struct ArrowArray array;
        CHECK(out.get_next(&out, &array) == 0);
        if (array.release == NULL) break;
        const int64_t *carts_at = array.children[0]->buffers[1], *ranks = array.children[1]->buffers[1];
        const int64_t *rules = array.children[4]->buffers[1];
        const uint8_t *rule_valid = array.children[4]->buffers[0];
        const double *scores = array.children[3]->buffers[1];
        for (int64_t r = 0; r < array.length; r++, rows++) {
            CHECK(carts_at[r] >= cart);
            cart = carts_at[r];
            uint32_t ids[3];
            size_t n = 0;
            for (; n < 3 && cart_labels[cart][n] != NULL; n++)
                CHECK_STATUS(upsell_recommender_item(model, cart_labels[cart][n], &ids[n], &err), UPSELL_STATUS_OK,
                             err);
            upsell_recommendation expected[2];
            size_t found = 0;
            CHECK_STATUS(upsell_recommend(model, ids, n, 2, UPSELL_RANKING_CONFIDENCE, 5.0, 1, expected, &found, &err),
                         UPSELL_STATUS_OK, err);
            int64_t rank = ranks[r] - 1;
            CHECK(rank >= 0 && (size_t)rank < found);
            if (rank < 0 || (size_t)rank >= found) continue;
            char item[64];
            const int32_t *offsets = array.children[2]->buffers[1];
            snprintf(item, sizeof item, "%.*s", (int)(offsets[r + 1] - offsets[r]),
                     (const char *)array.children[2]->buffers[2] + offsets[r]);
            CHECK(strcmp(item, upsell_recommender_label(model, expected[rank].item)) == 0);
            CHECK(scores[r] == expected[rank].score);
            int valid = rule_valid == NULL || (rule_valid[r / 8] >> (r % 8)) & 1;
            CHECK(valid ? rules[r] == expected[rank].rule : expected[rank].rule == -1);
            if (valid) {
                char antecedent[64];
                list_text(array.children[5], r, antecedent, sizeof antecedent);
                CHECK(strlen(antecedent) > 0);
            }
        }
        array.release(&array);
    }
    CHECK(rows > 0 && cart == 4);
    schema.release(&schema);
    out.release(&out);

    /* A column that is not a list, and an unknown column name. */
    carts = stream_of(customers_schema_owned, customers_batch, 1);
    CHECK_STATUS(upsell_recommend_arrow(model, &carts, "seats", 2, 0, 5.0, 1, 1, &out, NULL, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "carts are a list") != NULL);
    upsell_error_free(err);
    err = NULL;
    carts = stream_of(baskets_schema, baskets_batch, 2);
    CHECK_STATUS(upsell_recommend_arrow(model, &carts, "cart", 2, 0, 5.0, 1, 1, &out, NULL, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    err = NULL;
    CHECK(carts.release == NULL);
    carts = stream_of(baskets_schema, baskets_batch, 2);
    CHECK_STATUS(upsell_recommend_arrow(model, &carts, NULL, 2, 7, 5.0, 1, 1, &out, NULL, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    CHECK_STATUS(upsell_recommend_arrow(NULL, NULL, NULL, 2, 0, 5.0, 1, 1, &out, NULL, NULL),
                 UPSELL_STATUS_NULL_PARAMETER, NULL);

    upsell_recommender_free(model);
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
}

/* EASE over an Arrow stream of carts: each row as upsell_ease_recommend answers that cart. */
static void test_ease_recommendations(void) {
    upsell_error *err = NULL;
    struct ArrowArrayStream input = stream_of(baskets_schema, baskets_batch, 2);
    upsell_baskets *baskets = NULL;
    CHECK_STATUS(upsell_baskets_from_arrow(&input, NULL, &baskets, &err), UPSELL_STATUS_OK, err);
    upsell_ease_options options;
    upsell_ease_options_default(&options);
    upsell_ease *model = NULL;
    CHECK_STATUS(upsell_ease_fit(baskets, &options, &model, &err), UPSELL_STATUS_OK, err);

    struct ArrowArrayStream carts = stream_of(baskets_schema, baskets_batch, 2), out;
    size_t unknown = 99;
    CHECK_STATUS(upsell_ease_recommend_arrow(model, &carts, "basket", 2, 2, &out, &unknown, &err), UPSELL_STATUS_OK,
                 err);
    CHECK(carts.release == NULL && unknown == 0);
    struct ArrowSchema schema;
    CHECK(out.get_schema(&out, &schema) == 0);
    CHECK(schema.n_children == 6 && child_index(&schema, "cart") == 0 && child_index(&schema, "because") == 4);
    CHECK(strcmp(schema.children[5]->format, "g") == 0);

    const char *cart_labels[5][3] = {{"milk", "bread"}, {"bread"}, {NULL}, {"milk", "bread", "milk"}, {"eggs"}};
    int64_t rows = 0;
    for (;;) {
        struct ArrowArray array;
        CHECK(out.get_next(&out, &array) == 0);
        if (array.release == NULL) break;
        const int64_t *carts_at = array.children[0]->buffers[1], *ranks = array.children[1]->buffers[1];
        const double *scores = array.children[3]->buffers[1];
        const double *weights = array.children[5]->buffers[1];
        for (int64_t r = 0; r < array.length; r++, rows++) {
            int64_t cart = carts_at[r];
            CHECK(cart >= 0 && cart < 5);
            if (cart < 0 || cart >= 5) continue;
            uint32_t ids[3];
            size_t n = 0;
            for (; n < 3 && cart_labels[cart][n] != NULL; n++)
                CHECK_STATUS(upsell_ease_item(model, cart_labels[cart][n], &ids[n], &err), UPSELL_STATUS_OK, err);
            upsell_ease_recommendation expected[2];
            size_t found = 0;
            CHECK_STATUS(upsell_ease_recommend(model, ids, n, 2, expected, &found, &err), UPSELL_STATUS_OK, err);
            int64_t rank = ranks[r] - 1;
            CHECK(rank >= 0 && (size_t)rank < found);
            if (rank < 0 || (size_t)rank >= found) continue;
            char item[64];
            const int32_t *offsets = array.children[2]->buffers[1];
            snprintf(item, sizeof item, "%.*s", (int)(offsets[r + 1] - offsets[r]),
                     (const char *)array.children[2]->buffers[2] + offsets[r]);
            CHECK(strcmp(item, upsell_ease_label(model, expected[rank].item)) == 0);
            CHECK(scores[r] == expected[rank].score);
            const uint8_t *because_valid = array.children[4]->buffers[0];
            int valid = because_valid == NULL || (because_valid[r / 8] >> (r % 8)) & 1;
            CHECK(valid == (expected[rank].strongest_item != UINT32_MAX));
            if (valid) CHECK(weights[r] == (double)expected[rank].strongest_weight);
        }
        array.release(&array);
    }
    CHECK(rows > 0);
    schema.release(&schema);
    out.release(&out);

    carts = stream_of(baskets_schema, baskets_batch, 2);
    CHECK_STATUS(upsell_ease_recommend_arrow(model, &carts, "cart", 2, 1, &out, NULL, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(carts.release == NULL);
    upsell_error_free(err);
    CHECK_STATUS(upsell_ease_recommend_arrow(NULL, NULL, NULL, 2, 1, &out, NULL, NULL), UPSELL_STATUS_NULL_PARAMETER,
                 NULL);
    upsell_ease_free(model);
    upsell_baskets_free(baskets);
}

int main(void) {
    test_baskets_itemsets_rules();
    test_long();
    test_offers();
    test_recommendations();
    test_ease_recommendations();
    return REPORT();
}
