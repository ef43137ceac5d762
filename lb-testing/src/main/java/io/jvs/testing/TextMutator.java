package io.jvs.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutates valid parser input into nearly valid input for property tests: one to four edits, each a cut, inserted
 * junk, a word swapped for one of the format's own words, a line dropped, repeated or swapped, or a truncation.
 */
public final class TextMutator {

    private final String junk;
    private final int maxCut;
    private final List<String> vocabulary;
    private final int lineWeight;

    /**
     * @param junk the characters inserted at random
     * @param maxCut the most characters one cut removes
     * @param vocabulary the words that replace a random word
     * @param lineWeight how much likelier a line edit is than each other kind of edit
     */
    public TextMutator(String junk, int maxCut, List<String> vocabulary, int lineWeight) {
        this.junk = junk;
        this.maxCut = maxCut;
        this.vocabulary = List.copyOf(vocabulary);
        this.lineWeight = lineWeight;
    }

    /** {@code text} after one to four random edits drawn from {@code r}. */
    public String mutate(String text, Random r) {
        String t = text;
        for (int i = 1 + r.nextInt(4); i > 0; i--) {
            int at = t.isEmpty() ? 0 : r.nextInt(t.length());
            int kind = r.nextInt(4 + lineWeight);
            if (kind == 0) {
                t = t.substring(0, at) + t.substring(Math.min(t.length(), at + 1 + r.nextInt(maxCut)));
            } else if (kind == 1) {
                StringBuilder sb = new StringBuilder();
                for (int k = r.nextInt(6); k >= 0; k--) {
                    sb.append(junk.charAt(r.nextInt(junk.length())));
                }
                t = t.substring(0, at) + sb + t.substring(at);
            } else if (kind == 2) {
                String[] words = t.split(" ", -1);
                words[r.nextInt(words.length)] = vocabulary.get(r.nextInt(vocabulary.size()));
                t = String.join(" ", words);
            } else if (kind < 3 + lineWeight) {
                t = editLine(t, r);
            } else {
                t = t.substring(0, at);
            }
        }
        return t;
    }

    private static String editLine(String t, Random r) {
        List<String> lines = new ArrayList<>(Arrays.asList(t.split("\n", -1)));
        int a = r.nextInt(lines.size());
        int b = r.nextInt(lines.size());
        if (r.nextBoolean() && lines.size() > 1) {
            lines.remove(a);
        } else if (r.nextBoolean()) {
            lines.add(b, lines.get(a));
        } else {
            String x = lines.get(a);
            lines.set(a, lines.get(b));
            lines.set(b, x);
        }
        return String.join("\n", lines);
    }
}
