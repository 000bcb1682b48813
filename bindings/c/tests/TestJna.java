// Java 17 through JNA (Debian's libjna-java): libupsell's C API mapped as an interface, then
// mining, recommending and triggers end to end on the sample baskets.
//
//   java -cp /usr/share/java/jna.jar -Djna.library.path=LIBDIR TestJna.java groceries_sample.csv
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

public class TestJna {
    /** The entry points used here, as upsell.h declares them (size_t as long on 64-bit hosts). */
    public interface Upsell extends Library {
        Upsell LIB = Native.load("upsell", Upsell.class);

        int upsell_baskets_from_csv_file(String path, byte delimiter, PointerByReference out, PointerByReference err);
        long upsell_baskets_len(Pointer baskets);
        void upsell_baskets_free(Pointer baskets);
        int upsell_mine_options_default(Pointer out);
        int upsell_mine(Pointer baskets, Pointer options, PointerByReference out, PointerByReference err);
        long upsell_itemsets_len(Pointer itemsets);
        void upsell_itemsets_free(Pointer itemsets);
        int upsell_recommender_build(Pointer itemsets, Pointer baskets, double minConfidence, int maxAntecedentLen,
                                     PointerByReference out, PointerByReference err);
        int upsell_recommender_item(Pointer model, String label, IntByReference id, PointerByReference err);
        int upsell_recommend(Pointer model, int[] cart, long cartLen, long k, int by, double smoothing, int backfill,
                             Pointer out, LongByReference outLen, PointerByReference err);
        String upsell_recommender_label(Pointer model, int id);
        void upsell_recommender_free(Pointer model);
        int upsell_ruleset_from_str(String text, int format, PointerByReference out, PointerByReference err);
        int upsell_ruleset_evaluate_json(Pointer rules, String context, String now, String history,
                                         PointerByReference out, PointerByReference err);
        long upsell_decision_offer_count(Pointer decision);
        String upsell_decision_offer_rule(Pointer decision, long index);
        void upsell_decision_free(Pointer decision);
        void upsell_ruleset_free(Pointer rules);
        String upsell_error_message(Pointer err);
        void upsell_error_free(Pointer err);
        long upsell_shutdown();
    }

    static int passed = 0, failed = 0;

    static void check(boolean condition, String what) {
        if (condition) {
            passed++;
        } else {
            failed++;
            System.err.println("check failed: " + what);
        }
    }

    /** Checks a status, printing and freeing the error on failure. */
    static void ok(int status, PointerByReference err, String what) {
        if (status != 0 && err.getValue() != null) {
            System.err.println(what + ": " + Upsell.LIB.upsell_error_message(err.getValue()));
            Upsell.LIB.upsell_error_free(err.getValue());
        }
        check(status == 0, what);
    }

    public static void main(String[] args) {
        Upsell u = Upsell.LIB;
        PointerByReference err = new PointerByReference();
        PointerByReference out = new PointerByReference();

        ok(u.upsell_baskets_from_csv_file(args[0], (byte) ',', out, err), err, "read baskets");
        Pointer baskets = out.getValue();
        check(u.upsell_baskets_len(baskets) > 100, "baskets read");

        // upsell_mine_options: min_support_fraction is the first field (a double at offset 0).
        Memory options = new Memory(128);
        options.clear();
        ok(u.upsell_mine_options_default(options), err, "default options");
        options.setDouble(0, 0.01);
        ok(u.upsell_mine(baskets, options, out, err), err, "mine");
        Pointer itemsets = out.getValue();
        check(u.upsell_itemsets_len(itemsets) > 10, "itemsets mined");

        ok(u.upsell_recommender_build(itemsets, baskets, 0.1, 2, out, err), err, "build recommender");
        Pointer model = out.getValue();
        IntByReference milk = new IntByReference();
        ok(u.upsell_recommender_item(model, "whole milk", milk, err), err, "item id");
        // upsell_recommendation: uint32 item, double score, int64 rule: 24 bytes each.
        Memory found = new Memory(24 * 5);
        LongByReference written = new LongByReference();
        ok(u.upsell_recommend(model, new int[] {milk.getValue()}, 1, 5, 0, 0.0, 1, found, written, err), err,
           "recommend");
        check(written.getValue() == 5, "five recommendations");
        for (int i = 0; i < written.getValue(); i++) {
            int item = found.getInt(24L * i);
            check(item != milk.getValue(), "not the cart's item");
            check(u.upsell_recommender_label(model, item) != null, "a label");
        }

        String yaml = "rules:\n  - name: milk-lovers\n    when: '\"whole milk\" in cart'\n"
                      + "    offer: {kind: cross_sell, target: butter}\n";
        ok(u.upsell_ruleset_from_str(yaml, 0, out, err), err, "rule set");
        Pointer rules = out.getValue();
        ok(u.upsell_ruleset_evaluate_json(rules, "{\"id\": \"c1\", \"cart\": [\"whole milk\"]}",
                                          "2026-11-23T10:00:00Z", null, out, err), err, "evaluate");
        Pointer decision = out.getValue();
        check(u.upsell_decision_offer_count(decision) == 1, "one offer");
        check("milk-lovers".equals(u.upsell_decision_offer_rule(decision, 0)), "the rule's name");

        int status = u.upsell_baskets_from_csv_file("/nonexistent.csv", (byte) ',', out, err);
        check(status != 0 && u.upsell_error_message(err.getValue()).contains("nonexistent.csv"), "a failure's message");
        u.upsell_error_free(err.getValue());

        u.upsell_decision_free(decision);
        u.upsell_ruleset_free(rules);
        u.upsell_recommender_free(model);
        u.upsell_itemsets_free(itemsets);
        u.upsell_baskets_free(baskets);
        u.upsell_shutdown();
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
