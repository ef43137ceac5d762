package io.jvs.keepalived;

/** A token: a word (quotes removed), a brace, or the end of a line. */
final class Token {
    enum Kind { WORD, OPEN, CLOSE, EOL }

    final Kind kind;
    final String text;
    final String file;
    final int line;
    final int column;
    final LogicalLine source;
    final int start;
    final int end;

    Token(Kind kind, String text, LogicalLine source, int start, int end) {
        this.kind = kind;
        this.text = text;
        this.source = source;
        this.start = start;
        this.end = end;
        this.file = source.file;
        int at = Math.min(start, source.text.length() - 1);
        if (at < 0) {
            this.line = source.lineAt(0);
            this.column = 1;
        } else if (start >= source.text.length()) {
            this.line = source.lineAt(at);
            this.column = source.colAt(at) + 1;
        } else {
            this.line = source.lineAt(at);
            this.column = source.colAt(at);
        }
    }

    @Override
    public String toString() {
        return kind == Kind.EOL ? "end of line" : "'" + text + "'";
    }
}
