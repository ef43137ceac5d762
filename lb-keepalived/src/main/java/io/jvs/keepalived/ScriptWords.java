package io.jvs.keepalived;

import java.util.ArrayList;
import java.util.List;

/**
 * keepalived's splitting of script command lines: words separated by white space, {@code "..."} and
 * {@code '...'} group (the quotes are removed), a backslash escapes the next character. With escapes on, the
 * shell-like sequences {@code \n}, {@code \t}, {@code \xHH}, {@code \NNN} (octal), {@code \cC} ... are
 * translated; with them off the backslash is kept.
 */
final class ScriptWords {

    private ScriptWords() {}

    /** The words of {@code src}, or {@code null} if a quote is not closed or the text ends in a backslash. */
    static List<String> split(String src, boolean escapes) {
        List<String> words = new ArrayList<>();
        int n = src.length();
        int i = 0;
        while (true) {
            while (i < n && Character.isWhitespace(src.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return words;
            }
            StringBuilder w = new StringBuilder();
            char quote = 0;
            while (i < n) {
                char ch = src.charAt(i);
                if (ch == '\\') {
                    if (++i >= n) {
                        return null;
                    }
                    i = escape(src, i, escapes, w);
                } else if (quote != 0) {
                    if (ch == quote) {
                        quote = 0;
                    } else {
                        w.append(ch);
                    }
                    i++;
                } else if (Character.isWhitespace(ch)) {
                    break;
                } else if (ch == '"' || ch == '\'') {
                    quote = ch;
                    i++;
                } else {
                    w.append(ch);
                    i++;
                }
            }
            if (quote != 0) {
                return null;
            }
            words.add(w.toString());
        }
    }

    /** Appends the escape at {@code i} (just after the backslash); returns the index after it. */
    private static int escape(String s, int i, boolean escapes, StringBuilder w) {
        char c = s.charAt(i);
        if (!escapes) {
            w.append('\\').append(c);
            return i + 1;
        }
        if (c == 'x' && i + 1 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0) {
            int v = 0;
            int j = i + 1;
            for (int k = 0; k < 2 && j < s.length() && Character.digit(s.charAt(j), 16) >= 0; k++, j++) {
                v = v * 16 + Character.digit(s.charAt(j), 16);
            }
            w.append((char) v);
            return j;
        }
        if (c == 'c' && i + 1 < s.length()) {
            w.append((char) (s.charAt(i + 1) & 0x1f));
            return i + 2;
        }
        if (c >= '0' && c <= '7') {
            int v = 0;
            int j = i;
            for (int k = 0; k < 3 && j < s.length() && s.charAt(j) >= '0' && s.charAt(j) <= '7'; k++, j++) {
                v = v * 8 + (s.charAt(j) - '0');
            }
            w.append((char) (v & 0xff));
            return j;
        }
        switch (c) {
            case 'a':
                w.append('\u0007');
                break;
            case 'b':
                w.append('\b');
                break;
            case 'E':
                w.append('\u001b');
                break;
            case 'f':
                w.append('\f');
                break;
            case 'n':
                w.append('\n');
                break;
            case 'r':
                w.append('\r');
                break;
            case 't':
                w.append('\t');
                break;
            case 'v':
                w.append('\u000b');
                break;
            default:
                w.append(c);
        }
        return i + 1;
    }
}
