/*
 * C tests of libupsell: a real C program against include/upsell.h.
 *
 * Usage: test_mining [path/to/mushroom.dat.gz]
 * Without an argument the mushroom tests are skipped (run.sh does that under valgrind).
 * Ends with exactly one line "N passed, M failed"; exits non-zero when M > 0.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "upsell.h"
#include "check.h"

/* Writes `text` to a new temporary file; the caller unlinks and frees the returned path. The
 * readers are told the format, so the name needs no extension; `kind` only names the file. */
static char *temp_file(const char *text, const char *kind) {
    char *path = malloc(64);
    if (path == NULL) return NULL;
    snprintf(path, 64, "/tmp/upsell-ctest-%s-XXXXXX", kind);
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

/* The count of the itemset equal to `set` (ascending), or -1 when it is not in `itemsets`. */
static int64_t find(const upsell_itemsets *itemsets, const uint32_t *set, size_t n) {
    for (size_t i = 0; i < upsell_itemsets_len(itemsets); i++) {
        const uint32_t *items = NULL;
        size_t len = 0;
        uint64_t count = 0;
        if (upsell_itemsets_get(itemsets, i, &items, &len, &count, NULL) != UPSELL_STATUS_OK)
            return -2;
        if (len == n && memcmp(items, set, n * sizeof *set) == 0) return (int64_t)count;
    }
    return -1;
}

/* Baskets {0,1}, {0,1,2}, {1,2}: hand-checked, at count 2 the frequent itemsets are
 * {0}:2 {1}:3 {2}:2 {0,1}:2 {1,2}:2; closed {1} {0,1} {1,2}; maximal {0,1} {1,2}. */
static upsell_baskets *small_baskets(void) {
    const uint32_t items[] = {0, 1, 1, 0, 2, 1, 2}; /* unsorted on purpose */
    const size_t offsets[] = {0, 2, 5, 7};
    upsell_baskets *baskets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_baskets_from_arrays(items, 7, offsets, 4, &baskets, &err), UPSELL_STATUS_OK,
                 err);
    upsell_error_free(err);
    return baskets;
}

static upsell_itemsets *mine_count(const upsell_baskets *baskets, uint64_t count,
                                   upsell_target target, upsell_algorithm algorithm) {
    upsell_mine_options options;
    CHECK(upsell_mine_options_default(&options) == UPSELL_STATUS_OK);
    options.min_support_count = count;
    options.target = target;
    options.algorithm = algorithm;
    upsell_itemsets *itemsets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, &err), UPSELL_STATUS_OK, err);
    upsell_error_free(err);
    return itemsets;
}

static void test_arrays_and_counts(void) {
    upsell_baskets *baskets = small_baskets();
    CHECK(baskets != NULL);
    CHECK(upsell_baskets_len(baskets) == 3);

    const upsell_algorithm algorithms[] = {UPSELL_ALGORITHM_AUTO, UPSELL_ALGORITHM_FP_GROWTH,
                                           UPSELL_ALGORITHM_ECLAT, UPSELL_ALGORITHM_APRIORI};
    for (size_t a = 0; a < 4; a++) {
        upsell_itemsets *itemsets = mine_count(baskets, 2, UPSELL_TARGET_ALL, algorithms[a]);
        CHECK(upsell_itemsets_len(itemsets) == 5);
        CHECK(upsell_itemsets_baskets(itemsets) == 3);
        const uint32_t s0[] = {0}, s1[] = {1}, s2[] = {2}, s01[] = {0, 1}, s12[] = {1, 2},
                       s02[] = {0, 2};
        CHECK(find(itemsets, s0, 1) == 2);
        CHECK(find(itemsets, s1, 1) == 3);
        CHECK(find(itemsets, s2, 1) == 2);
        CHECK(find(itemsets, s01, 2) == 2);
        CHECK(find(itemsets, s12, 2) == 2);
        CHECK(find(itemsets, s02, 2) == -1); /* count 1: infrequent */
        upsell_itemsets_free(itemsets);
    }

    /* Fraction 1.0: only {1} is in every basket. */
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_fraction = 1.0;
    upsell_itemsets *itemsets = NULL;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, NULL), UPSELL_STATUS_OK, NULL);
    CHECK(upsell_itemsets_len(itemsets) == 1);
    upsell_itemsets_free(itemsets);

    /* Length limits. */
    upsell_mine_options_default(&options);
    options.min_support_count = 2;
    options.max_len = 1;
    itemsets = NULL;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, NULL), UPSELL_STATUS_OK, NULL);
    CHECK(upsell_itemsets_len(itemsets) == 3);
    upsell_itemsets_free(itemsets);
    options.max_len = 0;
    options.min_len = 2;
    options.threads = 1;
    itemsets = NULL;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, NULL), UPSELL_STATUS_OK, NULL);
    CHECK(upsell_itemsets_len(itemsets) == 2);

    /* Reading an itemset past the end. */
    const uint32_t *items = NULL;
    size_t len = 0;
    uint64_t count = 0;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_itemsets_get(itemsets, 2, &items, &len, &count, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(items == NULL && len == 0 && count == 0); /* out-parameters untouched */
    CHECK(err != NULL && strstr(upsell_error_message(err), "index") != NULL);
    upsell_error_free(err);
    upsell_itemsets_free(itemsets);

    /* Array baskets have no labels. */
    const char *label = NULL;
    err = NULL;
    CHECK_STATUS(upsell_baskets_item_label(baskets, 0, &label, &len, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(label == NULL);
    upsell_error_free(err);

    upsell_baskets_free(baskets);
}

static void test_closed_and_maximal(void) {
    upsell_baskets *baskets = small_baskets();
    const uint32_t s0[] = {0}, s1[] = {1}, s01[] = {0, 1}, s12[] = {1, 2};

    upsell_itemsets *closed =
        mine_count(baskets, 2, UPSELL_TARGET_CLOSED, UPSELL_ALGORITHM_AUTO);
    CHECK(upsell_itemsets_len(closed) == 3);
    CHECK(find(closed, s1, 1) == 3);
    CHECK(find(closed, s01, 2) == 2);
    CHECK(find(closed, s12, 2) == 2);
    CHECK(find(closed, s0, 1) == -1);
    upsell_itemsets_free(closed);

    upsell_itemsets *maximal =
        mine_count(baskets, 2, UPSELL_TARGET_MAXIMAL, UPSELL_ALGORITHM_AUTO);
    CHECK(upsell_itemsets_len(maximal) == 2);
    CHECK(find(maximal, s01, 2) == 2);
    CHECK(find(maximal, s12, 2) == 2);
    CHECK(find(maximal, s1, 1) == -1);
    upsell_itemsets_free(maximal);

    upsell_baskets_free(baskets);
}

static void test_fimi_and_csv_files(void) {
    /* FIMI: item "2" is in every basket, so it becomes id 0. */
    char *path = temp_file("1 2\n2 3\n2\n", "dat");
    CHECK(path != NULL);
    if (path == NULL) return;
    upsell_baskets *baskets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_baskets_from_fimi_file(path, &baskets, &err), UPSELL_STATUS_OK, err);
    upsell_error_free(err);
    CHECK(upsell_baskets_len(baskets) == 3);
    const char *label = NULL;
    size_t len = 0;
    CHECK_STATUS(upsell_baskets_item_label(baskets, 0, &label, &len, NULL), UPSELL_STATUS_OK,
                 NULL);
    CHECK(len == 1 && label != NULL && memcmp(label, "2", 1) == 0);
    err = NULL;
    CHECK_STATUS(upsell_baskets_item_label(baskets, 3, &label, &len, &err),
                 UPSELL_STATUS_INVALID_PARAMETER, err);
    upsell_error_free(err);
    upsell_itemsets *itemsets = mine_count(baskets, 1, UPSELL_TARGET_ALL, UPSELL_ALGORITHM_AUTO);
    /* {2} {1} {3} {1,2} {2,3} */
    CHECK(upsell_itemsets_len(itemsets) == 5);
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
    unlink(path);
    free(path);

    /* Bad FIMI data: the message names the file and the line. */
    path = temp_file("1 2\n3 x\n", "dat");
    CHECK(path != NULL);
    if (path == NULL) return;
    baskets = NULL;
    err = NULL;
    CHECK_STATUS(upsell_baskets_from_fimi_file(path, &baskets, &err), UPSELL_STATUS_INVALID_INPUT,
                 err);
    CHECK(baskets == NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), path) != NULL);
    CHECK(err != NULL && upsell_error_status(err) == UPSELL_STATUS_INVALID_INPUT);
    upsell_error_free(err);
    unlink(path);
    free(path);

    /* One basket a line, named items. */
    path = temp_file("bread,milk\nbread,butter\nbread,milk,butter\nmilk\n", "csv");
    CHECK(path != NULL);
    if (path == NULL) return;
    baskets = NULL;
    err = NULL;
    CHECK_STATUS(upsell_baskets_from_csv_file(path, ',', &baskets, &err), UPSELL_STATUS_OK, err);
    upsell_error_free(err);
    CHECK(upsell_baskets_len(baskets) == 4);
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_fraction = 0.5;
    itemsets = NULL;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, NULL), UPSELL_STATUS_OK, NULL);
    /* bread, milk, butter, {bread, milk}, {bread, butter} */
    CHECK(upsell_itemsets_len(itemsets) == 5);
    int found_bread = 0;
    for (uint32_t id = 0; id < 3; id++) {
        label = NULL;
        len = 0;
        CHECK_STATUS(upsell_baskets_item_label(baskets, id, &label, &len, NULL), UPSELL_STATUS_OK,
                     NULL);
        if (len == 5 && memcmp(label, "bread", 5) == 0) found_bread = 1;
    }
    CHECK(found_bread);
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
    unlink(path);
    free(path);
}

static void test_error_paths(void) {
    upsell_baskets *baskets = NULL;
    upsell_error *err = NULL;

    /* A missing file: IO, and the message names the path. */
    const char *missing = "/nonexistent/upsell/no-such-file.dat";
    CHECK_STATUS(upsell_baskets_from_fimi_file(missing, &baskets, &err), UPSELL_STATUS_IO, err);
    CHECK(baskets == NULL);
    CHECK(err != NULL && strstr(upsell_error_message(err), missing) != NULL);
    CHECK(err != NULL && upsell_error_status(err) == UPSELL_STATUS_IO);
    upsell_error_free(err);
    err = NULL;
    CHECK_STATUS(upsell_baskets_from_csv_file(missing, ',', &baskets, &err), UPSELL_STATUS_IO, err);
    upsell_error_free(err);

    /* err == NULL is accepted: the status alone tells what happened. */
    CHECK(upsell_baskets_from_fimi_file(missing, &baskets, NULL) == UPSELL_STATUS_IO);
    CHECK(baskets == NULL);

    /* Bad offsets: INVALID_INPUT. */
    const uint32_t items[] = {1, 2};
    const size_t bad_last[] = {0, 3};
    const size_t bad_first[] = {1, 2};
    const size_t decreasing[] = {0, 2, 1, 2};
    err = NULL;
    CHECK_STATUS(upsell_baskets_from_arrays(items, 2, bad_last, 2, &baskets, &err),
                 UPSELL_STATUS_INVALID_INPUT, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "offset") != NULL);
    upsell_error_free(err);
    CHECK(upsell_baskets_from_arrays(items, 2, bad_first, 2, &baskets, NULL) ==
          UPSELL_STATUS_INVALID_INPUT);
    CHECK(upsell_baskets_from_arrays(items, 2, decreasing, 4, &baskets, NULL) ==
          UPSELL_STATUS_INVALID_INPUT);
    CHECK(upsell_baskets_from_arrays(items, 2, NULL, 0, &baskets, NULL) ==
          UPSELL_STATUS_INVALID_INPUT);
    CHECK(baskets == NULL);

    /* An item id at or above 2^26 would size every per-item table by it: LIMIT_EXCEEDED, naming
     * the id (found by the c_api fuzz target: mining such baskets aborted on a 32 GB allocation). */
    const uint32_t stray[] = {1, 4294967293u};
    const size_t one_basket[] = {0, 2};
    err = NULL;
    CHECK_STATUS(upsell_baskets_from_arrays(stray, 2, one_basket, 2, &baskets, &err),
                 UPSELL_STATUS_LIMIT_EXCEEDED, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "items[1] is 4294967293") != NULL);
    upsell_error_free(err);
    CHECK(baskets == NULL);

    /* NULL arguments: NULL_PARAMETER, with the argument's name. */
    err = NULL;
    CHECK_STATUS(upsell_baskets_from_fimi_file(NULL, &baskets, &err),
                 UPSELL_STATUS_NULL_PARAMETER, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "path") != NULL);
    upsell_error_free(err);
    CHECK(upsell_baskets_from_fimi_file(missing, NULL, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    CHECK(upsell_baskets_from_arrays(NULL, 2, bad_last, 2, &baskets, NULL) ==
          UPSELL_STATUS_NULL_PARAMETER);
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_count = 1;
    upsell_itemsets *itemsets = NULL;
    CHECK(upsell_mine(NULL, &options, &itemsets, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    CHECK(upsell_mine_options_default(NULL) == UPSELL_STATUS_NULL_PARAMETER);
    CHECK(upsell_control_cancel(NULL, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    CHECK(upsell_baskets_len(NULL) == 0);
    CHECK(upsell_itemsets_len(NULL) == 0);
    CHECK(upsell_error_message(NULL) == NULL);
    CHECK(upsell_error_status(NULL) == UPSELL_STATUS_NULL_PARAMETER);
    /* Every _free accepts NULL. */
    upsell_baskets_free(NULL);
    upsell_itemsets_free(NULL);
    upsell_control_free(NULL);
    upsell_error_free(NULL);

    /* Parameters: INVALID_PARAMETER, before any work. */
    upsell_baskets *small = small_baskets();
    CHECK(upsell_mine(small, NULL, &itemsets, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    CHECK(upsell_mine(small, &options, NULL, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    upsell_mine_options_default(&options);
    options.min_support_fraction = 1.5;
    err = NULL;
    CHECK_STATUS(upsell_mine(small, &options, &itemsets, &err), UPSELL_STATUS_INVALID_PARAMETER,
                 err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "min_support") != NULL);
    upsell_error_free(err);
    options.min_support_fraction = 0.0; /* neither set */
    CHECK(upsell_mine(small, &options, &itemsets, NULL) == UPSELL_STATUS_INVALID_PARAMETER);
    options.min_support_fraction = 0.5; /* both set */
    options.min_support_count = 2;
    CHECK(upsell_mine(small, &options, &itemsets, NULL) == UPSELL_STATUS_INVALID_PARAMETER);
    options.min_support_fraction = 0.0;
    options.min_len = 3;
    options.max_len = 2;
    CHECK(upsell_mine(small, &options, &itemsets, NULL) == UPSELL_STATUS_INVALID_PARAMETER);
    upsell_mine_options_default(&options);
    options.min_support_count = 2;
    options.algorithm = (upsell_algorithm)99;
    CHECK(upsell_mine(small, &options, &itemsets, NULL) == UPSELL_STATUS_INVALID_PARAMETER);
    upsell_mine_options_default(&options);
    options.min_support_count = 2;
    options.target = (upsell_target)-1;
    CHECK(upsell_mine(small, &options, &itemsets, NULL) == UPSELL_STATUS_INVALID_PARAMETER);
    CHECK(itemsets == NULL);

    /* The itemset budget: LIMIT_EXCEEDED. */
    upsell_mine_options_default(&options);
    options.min_support_count = 1;
    options.max_itemsets = 2;
    err = NULL;
    CHECK_STATUS(upsell_mine(small, &options, &itemsets, &err), UPSELL_STATUS_LIMIT_EXCEEDED, err);
    CHECK(itemsets == NULL);
    upsell_error_free(err);
    upsell_baskets_free(small);

    /* Static descriptions. */
    CHECK(strcmp(upsell_status_str(UPSELL_STATUS_OK), "ok") == 0);
    CHECK(strstr(upsell_status_str(UPSELL_STATUS_CANCELLED), "cancel") != NULL);
    CHECK(strcmp(upsell_status_str(99), "unknown status") == 0);
    CHECK(UPSELL_STATUS_PANIC == 8 && UPSELL_STATUS_NULL_PARAMETER == 7);
}

/* A basket too wide to mine whole (2^100 frequent subsets, or 100,000 items) is LIMIT_EXCEEDED
 * with the basket named, never an abort; max_len makes it minable. Bad thread counts and a
 * zero-byte budget are refused before any work. */
static void test_wide_baskets(void) {
    enum { WIDE = 100000 };
    static uint32_t items[WIDE];
    for (uint32_t i = 0; i < WIDE; i++) items[i] = i;
    const size_t widths[] = {100, WIDE};
    for (size_t w = 0; w < 2; w++) {
        const size_t offsets[] = {0, widths[w]};
        upsell_baskets *baskets = NULL;
        upsell_error *err = NULL;
        CHECK_STATUS(upsell_baskets_from_arrays(items, widths[w], offsets, 2, &baskets, &err),
                     UPSELL_STATUS_OK, err);
        upsell_mine_options options;
        upsell_mine_options_default(&options);
        options.min_support_count = 1;
        upsell_itemsets *itemsets = NULL;
        CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, &err), UPSELL_STATUS_LIMIT_EXCEEDED,
                     err);
        CHECK(itemsets == NULL);
        CHECK(err != NULL && strstr(upsell_error_message(err), "basket 0") != NULL);
        CHECK(err != NULL && strstr(upsell_error_message(err), "max_len") != NULL);
        upsell_error_free(err);
        err = NULL;
        options.max_len = 1;
        CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, &err), UPSELL_STATUS_OK, err);
        CHECK(itemsets != NULL && upsell_itemsets_len(itemsets) == widths[w]);
        upsell_itemsets_free(itemsets);
        itemsets = NULL;
        /* A small explicit memory budget. */
        options.max_len = 2;
        options.max_memory = 1000;
        CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, &err), UPSELL_STATUS_LIMIT_EXCEEDED,
                     err);
        upsell_error_free(err);
        err = NULL;
        options.max_memory = 0;
        options.max_len = 0;
        options.threads = 100000;
        CHECK(upsell_mine(baskets, &options, &itemsets, NULL) == UPSELL_STATUS_INVALID_PARAMETER);
        CHECK(itemsets == NULL);
        upsell_baskets_free(baskets);
    }
}

static void test_cancel_before(void) {
    upsell_baskets *baskets = small_baskets();
    upsell_control *control = upsell_control_new();
    CHECK(control != NULL);
    CHECK(upsell_control_cancel(control, NULL) == UPSELL_STATUS_OK);
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_count = 1;
    options.control = control;
    upsell_itemsets *itemsets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, &err), UPSELL_STATUS_CANCELLED, err);
    CHECK(itemsets == NULL);
    CHECK(err != NULL && upsell_error_status(err) == UPSELL_STATUS_CANCELLED);
    upsell_error_free(err);

    /* A fresh control lets the same call finish, and reports progress. */
    upsell_control *fresh = upsell_control_new();
    options.control = fresh;
    CHECK_STATUS(upsell_mine(baskets, &options, &itemsets, NULL), UPSELL_STATUS_OK, NULL);
    uint64_t done = 99, total = 0;
    CHECK(upsell_control_progress(fresh, &done, &total, NULL) == UPSELL_STATUS_OK);
    CHECK(done <= total);
    CHECK(upsell_control_progress(fresh, NULL, &total, NULL) == UPSELL_STATUS_NULL_PARAMETER);
    upsell_itemsets_free(itemsets);
    upsell_control_free(fresh);
    upsell_control_free(control);
    upsell_baskets_free(baskets);
}

struct mine_job {
    const upsell_baskets *baskets;
    upsell_mine_options options;
    upsell_itemsets *itemsets;
    upsell_status status;
};

static int mine_thread(void *arg) {
    struct mine_job *job = arg;
    job->status = upsell_mine(job->baskets, &job->options, &job->itemsets, NULL);
    return 0;
}

static void test_mushroom(const char *path) {
    upsell_baskets *baskets = NULL;
    upsell_error *err = NULL;
    CHECK_STATUS(upsell_baskets_from_fimi_file(path, &baskets, &err), UPSELL_STATUS_OK, err);
    upsell_error_free(err);
    if (baskets == NULL) return;
    CHECK(upsell_baskets_len(baskets) == 8124);

    upsell_itemsets *itemsets = mine_count(baskets, 813, UPSELL_TARGET_ALL, UPSELL_ALGORITHM_AUTO);
    CHECK(upsell_itemsets_len(itemsets) == 574431);
    CHECK(upsell_itemsets_baskets(itemsets) == 8124);
    upsell_itemsets_free(itemsets);

    /* Cancel from another thread while a long call runs. */
    upsell_control *control = upsell_control_new();
    struct mine_job job = {.baskets = baskets, .itemsets = NULL, .status = UPSELL_STATUS_OK};
    upsell_mine_options_default(&job.options);
    job.options.min_support_count = 100;
    job.options.threads = 1;
    job.options.max_itemsets = 20000000; /* bounds memory, should the cancel fail */
    job.options.control = control;
    thrd_t thread;
    CHECK(thrd_create(&thread, mine_thread, &job) == thrd_success);
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    uint64_t done = 0, total = 0;
    CHECK(upsell_control_progress(control, &done, &total, NULL) == UPSELL_STATUS_OK);
    CHECK(upsell_control_cancel(control, NULL) == UPSELL_STATUS_OK);
    thrd_join(thread, NULL);
    CHECK(job.status == UPSELL_STATUS_CANCELLED);
    CHECK(job.itemsets == NULL);
    upsell_itemsets_free(job.itemsets);
    upsell_control_free(control);
    upsell_baskets_free(baskets);
}

/* Baskets from (basket, item) pairs and from a one-hot matrix give the small baskets' itemsets;
 * the top itemsets come most frequent first. */
static void test_pairs_dense_and_top(void) {
    upsell_error *err = NULL;
    const uint32_t basket_ids[] = {2, 0, 1, 1, 0, 1, 2, 1};
    const uint32_t item_ids[] = {2, 1, 2, 0, 0, 1, 1, 1}; /* {0,1} {0,1,2} {1,2}, 1 twice in 1 */
    upsell_baskets *pairs = NULL;
    CHECK_STATUS(upsell_baskets_from_pairs(basket_ids, item_ids, 8, &pairs, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_baskets_len(pairs) == 3);
    const uint8_t cells[] = {1, 1, 0, /* */ 1, 1, 7, /* */ 0, 1, 1};
    upsell_baskets *dense = NULL;
    CHECK_STATUS(upsell_baskets_from_dense(cells, 3, 3, &dense, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_baskets_len(dense) == 3);
    const uint32_t s1[] = {1}, s01[] = {0, 1}, s12[] = {1, 2}, s02[] = {0, 2};
    upsell_baskets *both[] = {pairs, dense};
    for (size_t b = 0; b < 2; b++) {
        upsell_itemsets *itemsets = mine_count(both[b], 2, UPSELL_TARGET_ALL, UPSELL_ALGORITHM_AUTO);
        CHECK(upsell_itemsets_len(itemsets) == 5);
        CHECK(find(itemsets, s1, 1) == 3);
        CHECK(find(itemsets, s01, 2) == 2);
        CHECK(find(itemsets, s12, 2) == 2);
        CHECK(find(itemsets, s02, 2) == -1);
        /* Top 2: {1}:3 first, then a single item of count 2 (fewer items before more). */
        size_t top[8] = {0};
        size_t written = 99;
        CHECK_STATUS(upsell_itemsets_top(itemsets, top, 2, &written, &err), UPSELL_STATUS_OK, err);
        CHECK(written == 2);
        const uint32_t *items = NULL;
        size_t len = 0;
        uint64_t count = 0;
        CHECK_STATUS(upsell_itemsets_get(itemsets, top[0], &items, &len, &count, &err), UPSELL_STATUS_OK, err);
        CHECK(len == 1 && items[0] == 1 && count == 3);
        CHECK_STATUS(upsell_itemsets_get(itemsets, top[1], &items, &len, &count, &err), UPSELL_STATUS_OK, err);
        CHECK(len == 1 && count == 2);
        /* More room than itemsets: all of them; counts never increase. */
        CHECK_STATUS(upsell_itemsets_top(itemsets, top, 8, &written, &err), UPSELL_STATUS_OK, err);
        CHECK(written == 5);
        uint64_t previous = UINT64_MAX;
        for (size_t i = 0; i < written; i++) {
            upsell_itemsets_get(itemsets, top[i], &items, &len, &count, NULL);
            CHECK(count <= previous);
            previous = count;
        }
        CHECK_STATUS(upsell_itemsets_top(itemsets, NULL, 0, &written, &err), UPSELL_STATUS_OK, err);
        CHECK(written == 0);
        CHECK_STATUS(upsell_itemsets_top(itemsets, NULL, 1, &written, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
        upsell_itemsets_free(itemsets);
    }
    upsell_baskets_free(pairs);
    upsell_baskets_free(dense);

    /* NULL arrays with a nonzero length are refused; so is a size beyond size_t. */
    CHECK_STATUS(upsell_baskets_from_pairs(NULL, item_ids, 8, &pairs, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
    CHECK_STATUS(upsell_baskets_from_dense(NULL, 2, 2, &dense, NULL), UPSELL_STATUS_NULL_PARAMETER, NULL);
    CHECK_STATUS(upsell_baskets_from_dense(cells, SIZE_MAX, 2, &dense, &err), UPSELL_STATUS_INVALID_PARAMETER, err);
    CHECK(err != NULL && strstr(upsell_error_message(err), "overflow") != NULL);
    upsell_error_free(err);
    err = NULL;
    /* No pairs: no baskets. */
    CHECK_STATUS(upsell_baskets_from_pairs(NULL, NULL, 0, &pairs, &err), UPSELL_STATUS_OK, err);
    CHECK(upsell_baskets_len(pairs) == 0);
    upsell_baskets_free(pairs);
}

int main(int argc, char **argv) {
    test_arrays_and_counts();
    test_pairs_dense_and_top();
    test_closed_and_maximal();
    test_fimi_and_csv_files();
    test_error_paths();
    test_wide_baskets();
    test_cancel_before();
    if (argc > 1) {
        test_mushroom(argv[1]);
    } else {
        fprintf(stderr, "no mushroom.dat.gz path given: skipping the mushroom tests\n");
    }
    return REPORT();
}
