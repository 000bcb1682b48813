/*
 * mine: read a FIMI .dat (plain or .gz) file, mine the frequent itemsets, print a few with their
 * item labels.
 *
 * With libupsell installed (README, "Install"), from the repository root:
 *
 *     cc -std=c11 bindings/c/examples/mine.c -o out/mine $(pkg-config --cflags --libs upsell)
 *     LD_LIBRARY_PATH="$HOME/.local/lib" out/mine ../shared/data/mushroom.dat.gz 0.3
 */
#include <stdio.h>
#include <stdlib.h>

#include "upsell.h"

/* Prints the error's message and status, frees it, and returns a process exit code. */
static int fail(const char *what, upsell_error *err) {
    fprintf(stderr, "%s failed (%s): %s\n", what, upsell_status_str(upsell_error_status(err)),
            upsell_error_message(err));
    upsell_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.dat[.gz] [MIN_SUPPORT_FRACTION]\n", argv[0]);
        return 2;
    }
    double min_support = argc > 2 ? atof(argv[2]) : 0.3;

    upsell_error *err = NULL;
    upsell_baskets *baskets = NULL;
    if (upsell_baskets_from_fimi_file(argv[1], &baskets, &err) != UPSELL_STATUS_OK)
        return fail("reading", err);

    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_fraction = min_support;
    options.target = UPSELL_TARGET_CLOSED;

    upsell_itemsets *itemsets = NULL;
    if (upsell_mine(baskets, &options, &itemsets, &err) != UPSELL_STATUS_OK) {
        upsell_baskets_free(baskets);
        return fail("mining", err);
    }

    size_t n = upsell_itemsets_len(itemsets);
    printf("%zu closed itemsets in %zu baskets at min_support %g\n", n,
           upsell_baskets_len(baskets), min_support);
    for (size_t i = 0; i < n && i < 10; i++) {
        const uint32_t *items = NULL;
        size_t len = 0;
        uint64_t count = 0;
        if (upsell_itemsets_get(itemsets, i, &items, &len, &count, NULL) != UPSELL_STATUS_OK)
            break;
        printf("%8llu  {", (unsigned long long)count);
        for (size_t k = 0; k < len; k++) {
            const char *label = NULL;
            size_t label_len = 0;
            /* Labels are not NUL-terminated: print them with their length. */
            if (upsell_baskets_item_label(baskets, items[k], &label, &label_len, NULL) ==
                UPSELL_STATUS_OK)
                printf("%s%.*s", k ? ", " : "", (int)label_len, label);
        }
        printf("}\n");
    }

    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
    upsell_shutdown();
    return 0;
}
