/*
 * host: what a C host does with libupsell, end to end. It reads baskets (one a line, items
 * separated by commas), mines them, builds a "frequently bought together" model, and answers a
 * cart with the rule that explains each recommendation. Every status is checked, every failure
 * is reported with its upsell_error message, and every handle is freed on every path.
 *
 * Build and run from the repository root, with libupsell installed as README's "Install" shows
 * (cargo cinstall into ~/.local, PKG_CONFIG_PATH set):
 *
 *     cc -std=c11 -Wall examples/c/host.c -o out/host $(pkg-config --cflags --libs upsell)
 *     LD_LIBRARY_PATH="$HOME/.local/lib" out/host examples/data/groceries_sample.csv "whole milk" butter
 *
 * Usage: host BASKETS.csv [CART_ITEM...]   (the cart defaults to whole milk and butter).
 * bindings/c/tests/run.sh builds it and runs it plainly, under valgrind and under ASan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "upsell.h"

enum { RECOMMENDATIONS = 5 };

/* Reports a failed call with the error's status and message, then frees the error. */
static void report(const char *what, upsell_status status, upsell_error *err) {
    fprintf(stderr, "host: %s failed (%s): %s\n", what, upsell_status_str(status),
            err != NULL ? upsell_error_message(err) : "(no details)");
    upsell_error_free(err);
}

/* Prints "whole milk + butter -> root vegetables (confidence 38.6%, lift 3.40, 22 baskets)". */
static int print_rule(const upsell_recommender *model, int64_t number) {
    upsell_error *err = NULL;
    upsell_model_rule rule;
    upsell_status status = upsell_recommender_rule(model, number, &rule, &err);
    if (status != UPSELL_STATUS_OK) {
        report("upsell_recommender_rule", status, err);
        return -1;
    }
    for (size_t i = 0; i < rule.antecedent_len; i++)
        printf("%s%s", i ? " + " : "", upsell_recommender_label(model, rule.antecedent[i]));
    printf(" -> %s (confidence %.1f%%, lift %.2f, %llu baskets)\n",
           upsell_recommender_label(model, rule.consequent), 100.0 * rule.confidence, rule.lift,
           (unsigned long long)rule.count);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s BASKETS.csv [CART_ITEM...]\n", argv[0]);
        return 2;
    }
    static const char *default_cart[] = {"whole milk", "butter"};
    const char *const *labels = argc > 2 ? (const char *const *)argv + 2 : default_cart;
    size_t labels_len = argc > 2 ? (size_t)argc - 2 : 2;

    int exit_code = 1;
    upsell_error *err = NULL;
    upsell_status status;
    upsell_baskets *baskets = NULL;
    upsell_itemsets *itemsets = NULL;
    upsell_recommender *model = NULL;
    uint32_t *cart = NULL;

    status = upsell_baskets_from_csv_file(argv[1], ',', &baskets, &err);
    if (status != UPSELL_STATUS_OK) {
        report("reading the baskets", status, err);
        goto done;
    }

    /* Itemsets in at least 10 baskets, of up to 3 items: rules with up to 2 items on the left. */
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_count = 10;
    options.max_len = 3;
    status = upsell_mine(baskets, &options, &itemsets, &err);
    if (status != UPSELL_STATUS_OK) {
        report("mining", status, err);
        goto done;
    }
    status = upsell_recommender_build(itemsets, baskets, 0.01, 2, &model, &err);
    if (status != UPSELL_STATUS_OK) {
        report("building the recommender", status, err);
        goto done;
    }
    printf("%zu baskets, %zu itemsets, %zu rules over %zu items\n", upsell_baskets_len(baskets),
           upsell_itemsets_len(itemsets), upsell_recommender_rule_count(model),
           upsell_recommender_item_count(model));

    /* A product the model has never seen is not an error for the shop: leave it out of the cart. */
    cart = malloc(labels_len * sizeof *cart);
    if (cart == NULL) {
        fprintf(stderr, "host: out of memory\n");
        goto done;
    }
    size_t cart_len = 0;
    printf("cart:");
    for (size_t i = 0; i < labels_len; i++) {
        status = upsell_recommender_item(model, labels[i], &cart[cart_len], &err);
        if (status == UPSELL_STATUS_OK) {
            printf(" [%s]", labels[i]);
            cart_len++;
        } else if (status == UPSELL_STATUS_INVALID_INPUT) {
            printf(" (skipped: %s)", upsell_error_message(err));
            upsell_error_free(err);
            err = NULL;
        } else {
            report("looking up a cart item", status, err);
            goto done;
        }
    }
    printf("\n");

    upsell_recommendation found[RECOMMENDATIONS];
    size_t found_len = 0;
    status = upsell_recommend(model, cart, cart_len, RECOMMENDATIONS, UPSELL_RANKING_CONFIDENCE, 5.0,
                              1, found, &found_len, &err);
    if (status != UPSELL_STATUS_OK) {
        report("recommending", status, err);
        goto done;
    }
    for (size_t i = 0; i < found_len; i++) {
        printf("%zu. %-20s %.3f  ", i + 1, upsell_recommender_label(model, found[i].item),
               found[i].score);
        if (found[i].rule < 0)
            printf("(popular)\n");
        else if (print_rule(model, found[i].rule) != 0)
            goto done;
    }
    exit_code = 0;

done:
    free(cart);
    upsell_recommender_free(model);
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
    /* The last call: stops the library's worker threads, so nothing of it outlives main. */
    upsell_shutdown();
    return exit_code;
}
