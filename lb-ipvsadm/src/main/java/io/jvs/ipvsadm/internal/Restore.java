package io.jvs.ipvsadm.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * ipvsadm's {@code config_stream_read}: standard input as argument vectors, one per line. Words are separated by
 * spaces, tabs and carriage returns; a word longer than 4096 characters is split; every word {@code ipvsadm} is
 * dropped; lines without words are skipped. {@code #} starts no comment here (the {@code ipvsadm-restore} script
 * removes comment lines before calling {@code -R}).
 */
public final class Restore {

    static final int MAX_TOKEN = 4096;

    private Restore() {}

    /** The argument vectors of {@code input}, in order. */
    public static List<List<String>> lines(String input) {
        List<List<String>> result = new ArrayList<>();
        for (String line : input.split("\n", -1)) {
            List<String> tokens = new ArrayList<>();
            for (String word : line.split("[ \t\r]+")) {
                for (int i = 0; i < word.length(); i += MAX_TOKEN) {
                    String t = word.substring(i, Math.min(word.length(), i + MAX_TOKEN));
                    if (!t.isEmpty() && !t.equals(Usage.PROGRAM)) {
                        tokens.add(t);
                    }
                }
            }
            if (!tokens.isEmpty()) {
                result.add(tokens);
            }
        }
        return result;
    }
}
