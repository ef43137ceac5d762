package io.jvs.keepalived;

/**
 * A keepalived.conf could not be loaded: a syntax error (an unbalanced brace, an unterminated quote) or a value
 * that is not valid (a weight out of range, an unknown scheduler). The message names the file, line and column,
 * as compilers do: {@code keepalived.conf:12:16: weight: 70000 (expected: 0-65535)}.
 *
 * @since 0.1
 */
public final class KeepalivedParseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final int column;
    private final String reason;

    /** An error at {@code file:line:column} (both counted from 1). */
    public KeepalivedParseException(String file, int line, int column, String reason) {
        super(file + ":" + line + ":" + column + ": " + reason);
        this.file = file;
        this.line = line;
        this.column = column;
        this.reason = reason;
    }

    /** The file, as it was named to the parser or in the {@code include} that brought it in. */
    public String file() {
        return file;
    }

    /** The line, counted from 1. */
    public int line() {
        return line;
    }

    /** The column, counted from 1. */
    public int column() {
        return column;
    }

    /** What is wrong, without the position. */
    public String reason() {
        return reason;
    }
}
