package io.jvs.keepalived;

import java.util.List;

/** The warnings of one load, each at the line of the keyword it is about. */
final class Warnings {

    private final List<ConfigWarning> list;

    Warnings(List<ConfigWarning> list) {
        this.list = list;
    }

    void warn(Node n, String message) {
        list.add(new ConfigWarning(n.keyword.file, n.keyword.line, message));
    }

    /** {@code KEYWORD is not supported (WHY); block skipped} (or {@code ignored} without a block). */
    void unsupported(Node n, String why) {
        warn(n, n.name() + " is not supported (" + why + "); " + skipped(n));
    }

    /** {@code unknown keyword KEYWORD in PARENT; ignored}. */
    void unknown(Node n, String parent) {
        warn(n, "unknown keyword " + n.name() + (parent == null ? "" : " in " + parent) + "; " + skipped(n));
    }

    /** Warns when a single-valued keyword comes again; as in keepalived, the last value wins. */
    void replaced(Token previous, Node n) {
        if (previous != null) {
            warn(n, n.name() + " is given again (first at line " + previous.line + "); the last value is used");
        }
    }

    private static String skipped(Node n) {
        return n.hasBlock() ? "block skipped" : "ignored";
    }
}
