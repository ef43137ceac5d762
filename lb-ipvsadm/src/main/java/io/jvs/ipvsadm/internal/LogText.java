package io.jvs.ipvsadm.internal;

/**
 * Makes text from outside (command arguments, file contents, request paths, peers' messages) safe to put in a log
 * line: a newline in a jvsadm argument must not forge a log line, and a terminal escape must not reach the
 * operator's terminal. Every control character (C0, DEL, C1), the Unicode line and paragraph separators and the
 * backslash are written as Java-style escapes ({@code \n}, {@code \t}, {@code \\}, {@code \x1b}, {@code \u2028}),
 * so the result is one line of printable text that still says exactly what was sent. The admin server and the
 * {@code jvs} commands log through it.
 */
public final class LogText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {}

    /** {@code text} with control characters and backslashes escaped; {@code "null"} for null. */
    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                sb.append(c);
                continue;
            }
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c <= 0xff) {
                        sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                                .append(HEX[c & 0xf]);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** {@link #escape(String)} of {@code String.valueOf(value)}. */
    public static String escape(Object value) {
        return escape(String.valueOf(value));
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || c == '\\' || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
