// C++17 through the C header: RAII wrappers (std::unique_ptr with each handle's _free as the
// deleter, an exception carrying the upsell_error's status and message) and mining, recommending
// and triggers end to end on the sample baskets.
//
//   test_cpp examples/data/groceries_sample.csv
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "upsell.h"

namespace upsell {

template <typename T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *handle) const { Free(handle); }
};

using Baskets = std::unique_ptr<upsell_baskets, Deleter<upsell_baskets, upsell_baskets_free>>;
using Itemsets = std::unique_ptr<upsell_itemsets, Deleter<upsell_itemsets, upsell_itemsets_free>>;
using Recommender = std::unique_ptr<upsell_recommender, Deleter<upsell_recommender, upsell_recommender_free>>;
using Ruleset = std::unique_ptr<upsell_ruleset, Deleter<upsell_ruleset, upsell_ruleset_free>>;
using Decision = std::unique_ptr<upsell_decision, Deleter<upsell_decision, upsell_decision_free>>;
using ErrorPtr = std::unique_ptr<upsell_error, Deleter<upsell_error, upsell_error_free>>;

// A failed call: the status and the library's message.
struct Error : std::runtime_error {
    upsell_status status;
    Error(upsell_status s, const std::string &message) : std::runtime_error(message), status(s) {}
};

// Runs a call whose last argument is `upsell_error **`, throwing on failure.
template <typename Call>
void check(Call call) {
    upsell_error *raw = nullptr;
    upsell_status status = call(&raw);
    ErrorPtr err(raw);
    if (status != UPSELL_STATUS_OK) {
        throw Error(status, err ? upsell_error_message(err.get()) : upsell_status_str(status));
    }
}

}  // namespace upsell

static int passed = 0, failed = 0;
#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                              \
    } while (0)

static void run(const char *sample) {
    using namespace upsell;
    upsell_baskets *raw_baskets = nullptr;
    check([&](upsell_error **e) { return upsell_baskets_from_csv_file(sample, ',', &raw_baskets, e); });
    Baskets baskets(raw_baskets);
    CHECK(upsell_baskets_len(baskets.get()) > 100);

    upsell_mine_options options;
    upsell_mine_options_default(&options);
    options.min_support_fraction = 0.01;
    upsell_itemsets *raw_itemsets = nullptr;
    check([&](upsell_error **e) { return upsell_mine(baskets.get(), &options, &raw_itemsets, e); });
    Itemsets itemsets(raw_itemsets);
    CHECK(upsell_itemsets_len(itemsets.get()) > 10);

    upsell_recommender *raw_model = nullptr;
    check([&](upsell_error **e) {
        return upsell_recommender_build(itemsets.get(), baskets.get(), 0.1, 2, &raw_model, e);
    });
    Recommender model(raw_model);
    uint32_t milk = 0;
    check([&](upsell_error **e) { return upsell_recommender_item(model.get(), "whole milk", &milk, e); });
    std::vector<upsell_recommendation> found(5);
    size_t written = 0;
    check([&](upsell_error **e) {
        return upsell_recommend(model.get(), &milk, 1, found.size(), UPSELL_RANKING_CONFIDENCE, 0.0, 1, found.data(),
                                &written, e);
    });
    CHECK(written == 5);
    for (size_t i = 0; i < written; i++) {
        CHECK(found[i].item != milk);
        CHECK(upsell_recommender_label(model.get(), found[i].item) != nullptr);
    }

    upsell_ruleset *raw_rules = nullptr;
    const char *yaml =
        "rules:\n"
        "  - name: milk-lovers\n"
        "    when: '\"whole milk\" in cart'\n"
        "    offer: {kind: cross_sell, target: butter}\n";
    check([&](upsell_error **e) { return upsell_ruleset_from_str(yaml, UPSELL_RULESET_FORMAT_YAML, &raw_rules, e); });
    Ruleset rules(raw_rules);
    upsell_decision *raw_decision = nullptr;
    check([&](upsell_error **e) {
        return upsell_ruleset_evaluate_json(rules.get(), "{\"id\": \"c1\", \"cart\": [\"whole milk\"]}",
                                            "2026-11-23T10:00:00Z", nullptr, &raw_decision, e);
    });
    Decision decision(raw_decision);
    CHECK(upsell_decision_offer_count(decision.get()) == 1);
    CHECK(std::strcmp(upsell_decision_offer_rule(decision.get(), 0), "milk-lovers") == 0);

    // A failure is an exception with the status and the message; nothing leaks on the way out.
    try {
        check([&](upsell_error **e) { return upsell_baskets_from_csv_file("/nonexistent.csv", ',', &raw_baskets, e); });
        CHECK(false);
    } catch (const Error &error) {
        CHECK(error.status == UPSELL_STATUS_IO);
        CHECK(std::string(error.what()).find("nonexistent.csv") != std::string::npos);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s groceries_sample.csv\n", argv[0]);
        return 2;
    }
    try {
        run(argv[1]);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "unexpected failure: %s\n", e.what());
        failed++;
    }
    upsell_shutdown();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
