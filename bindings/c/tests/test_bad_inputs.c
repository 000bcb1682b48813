/*
 * The shared bad-input corpus (testdata/bad-inputs/, see its README): every case the C API can
 * gives its expected status and message, as in Rust and Python.
 *
 *   test_bad_inputs CORPUS_DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* One case: the values of its `key = value` lines (strings unquoted). */
typedef struct {
    char input[256], load[32], format[32], delimiter[8], basket[64], item[64], kind[32], message[256];
    unsigned long long min_support, max_memory;
} bad_case;

static void set_text(char *dst, size_t size, const char *value) {
    size_t len = strlen(value);
    if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
        value++;
        len -= 2;
    }
    if (len >= size) len = size - 1;
    memcpy(dst, value, len);
    dst[len] = '\0';
}

static int read_case(const char *path, bad_case *c) {
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    memset(c, 0, sizeof *c);
    char line[512];
    while (fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *eq = strstr(line, " = ");
        if (eq == NULL) continue;
        *eq = '\0';
        const char *key = line, *value = eq + 3;
        if (strcmp(key, "input") == 0) set_text(c->input, sizeof c->input, value);
        else if (strcmp(key, "load") == 0) set_text(c->load, sizeof c->load, value);
        else if (strcmp(key, "format") == 0) set_text(c->format, sizeof c->format, value);
        else if (strcmp(key, "delimiter") == 0) set_text(c->delimiter, sizeof c->delimiter, value);
        else if (strcmp(key, "basket") == 0) set_text(c->basket, sizeof c->basket, value);
        else if (strcmp(key, "item") == 0) set_text(c->item, sizeof c->item, value);
        else if (strcmp(key, "kind") == 0) set_text(c->kind, sizeof c->kind, value);
        else if (strcmp(key, "message") == 0) set_text(c->message, sizeof c->message, value);
        else if (strcmp(key, "min_support") == 0) c->min_support = strtoull(value, NULL, 10);
        else if (strcmp(key, "max_memory") == 0) c->max_memory = strtoull(value, NULL, 10);
    }
    fclose(file);
    return 1;
}

static upsell_status expected_status(const char *kind) {
    if (strcmp(kind, "invalid_input") == 0) return UPSELL_STATUS_INVALID_INPUT;
    if (strcmp(kind, "invalid_parameter") == 0) return UPSELL_STATUS_INVALID_PARAMETER;
    if (strcmp(kind, "parse") == 0) return UPSELL_STATUS_PARSE;
    if (strcmp(kind, "limit_exceeded") == 0) return UPSELL_STATUS_LIMIT_EXCEEDED;
    if (strcmp(kind, "io") == 0) return UPSELL_STATUS_IO;
    return UPSELL_STATUS_OK;
}

/* Runs a case; returns its status and sets *err. */
static upsell_status run_case(const bad_case *c, const char *input, upsell_error **err) {
    if (strcmp(c->load, "model") == 0) {
        upsell_recommender *model = NULL;
        upsell_status status = upsell_recommender_load(input, &model, err);
        upsell_recommender_free(model);
        return status;
    }
    upsell_baskets *baskets = NULL;
    const char *basket_column = c->basket;
    char delimiter = c->delimiter[0] != '\0' ? c->delimiter[0] : ',';
    upsell_status status =
        strcmp(c->format, "fimi") == 0
            ? upsell_baskets_from_fimi_file(input, &baskets, err)
        : strcmp(c->format, "long") == 0
            ? upsell_baskets_from_long_file(input, delimiter, &basket_column, 1, c->item, NULL, NULL,
                                            &baskets, err)
            : upsell_baskets_from_csv_file(input, c->delimiter[0], &baskets, err);
    if (status != UPSELL_STATUS_OK) return status;
    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_count = c->min_support;
    options.max_memory = c->max_memory;
    upsell_itemsets *itemsets = NULL;
    status = upsell_mine(baskets, &options, &itemsets, err);
    upsell_itemsets_free(itemsets);
    upsell_baskets_free(baskets);
    return status;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_bad_inputs CORPUS_DIR\n");
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    CHECK(dir != NULL);
    if (dir == NULL) return REPORT();
    int ran = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        size_t len = strlen(entry->d_name);
        if (len < 6 || strcmp(entry->d_name + len - 5, ".toml") != 0) continue;
        char path[1024], input[1024];
        bad_case c;
        snprintf(path, sizeof path, "%s/%s", argv[1], entry->d_name);
        CHECK(read_case(path, &c));
        snprintf(input, sizeof input, "%s/%s", argv[1], c.input);
        upsell_error *err = NULL;
        upsell_status status = run_case(&c, input, &err);
        if (status != expected_status(c.kind)) {
            fprintf(stderr, "%s: ", entry->d_name);
        }
        CHECK_STATUS(status, expected_status(c.kind), err);
        const char *message = err != NULL ? upsell_error_message(err) : "";
        if (strstr(message, c.message) == NULL) {
            fprintf(stderr, "%s: '%s' not in: %s\n", entry->d_name, c.message, message);
        }
        CHECK(strstr(message, c.message) != NULL);
        upsell_error_free(err);
        ran++;
    }
    closedir(dir);
    printf("%d cases run\n", ran);
    CHECK(ran >= 10);
    return REPORT();
}
