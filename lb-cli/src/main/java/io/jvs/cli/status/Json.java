package io.jvs.cli.status;

/**
 * A minimal streaming JSON writer for the status endpoint (the daemon has no JSON library and needs none):
 * {@code new Json().object().field("a").value(1).end().toString()}. Commas are placed by the writer.
 */
final class Json {

    private final StringBuilder sb = new StringBuilder(4096);
    /** Whether the current container already has an element (bit per nesting level, up to 64). */
    private long hasElement;
    private final char[] closers = new char[63];
    private int depth;
    private boolean afterName;

    Json object() {
        open('{');
        return this;
    }

    Json array() {
        open('[');
        return this;
    }

    /** Closes the innermost object or array. */
    Json end() {
        if (depth == 0) {
            throw new IllegalStateException("end() without an open object or array");
        }
        hasElement &= ~(1L << depth);
        sb.append(closers[--depth]);
        return this;
    }

    /** Starts a member of the current object. */
    Json field(String name) {
        comma();
        string(name);
        sb.append(':');
        afterName = true;
        return this;
    }

    Json value(String s) {
        comma();
        if (s == null) {
            sb.append("null");
        } else {
            string(s);
        }
        return this;
    }

    Json value(long n) {
        comma();
        sb.append(n);
        return this;
    }

    /** A number, or null for NaN and infinities (JSON has neither). */
    Json value(double d) {
        comma();
        if (Double.isFinite(d)) {
            sb.append(d);
        } else {
            sb.append("null");
        }
        return this;
    }

    Json value(boolean b) {
        comma();
        sb.append(b);
        return this;
    }

    Json nullValue() {
        comma();
        sb.append("null");
        return this;
    }

    private void open(char c) {
        if (depth == closers.length - 1) {
            throw new IllegalStateException("JSON nested too deep");
        }
        comma();
        sb.append(c);
        closers[depth++] = c == '{' ? '}' : ']';
    }

    private void comma() {
        if (afterName) {
            afterName = false;
            return;
        }
        if ((hasElement & (1L << depth)) != 0) {
            sb.append(',');
        }
        hasElement |= 1L << depth;
    }

    private void string(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || c == '<') {
                        sb.append(String.format("\\u%04x", (int) c)); // '<': safe to embed in HTML too
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
