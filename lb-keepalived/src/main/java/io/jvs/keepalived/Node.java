package io.jvs.keepalived;

import java.util.ArrayList;
import java.util.List;

/**
 * One statement of keepalived.conf: a keyword, its arguments, and its block if it has one. Built from tokens by
 * {@link #parse}, which checks that braces balance.
 */
final class Node {

    private static final int MAX_DEPTH = 32;

    final Token keyword;
    final List<Token> args;
    /** The statements of its block, or {@code null} if it has none. */
    List<Node> children;
    /** The block's opening brace, or {@code null}. */
    Token open;

    private Node(Token keyword, List<Token> args) {
        this.keyword = keyword;
        this.args = args;
    }

    String name() {
        return keyword.text;
    }

    boolean hasBlock() {
        return children != null;
    }

    /**
     * Builds the statement tree. A block opens with {@code {} on the statement's line or, as keepalived allows,
     * alone at the start of a following line.
     */
    static List<Node> parse(List<Token> tokens) {
        List<Node> top = new ArrayList<>();
        List<List<Node>> stack = new ArrayList<>();
        List<Node> parents = new ArrayList<>();
        List<Node> current = top;
        Node last = null; // the last statement, while a '{' on a later line may still open its block
        int i = 0;
        while (i < tokens.size()) {
            Token t = tokens.get(i);
            switch (t.kind) {
                case EOL:
                    i++;
                    break;
                case CLOSE:
                    if (stack.isEmpty()) {
                        throw error(t, "unexpected '}' (no block is open here)");
                    }
                    current = stack.remove(stack.size() - 1);
                    parents.remove(parents.size() - 1);
                    last = null;
                    i++;
                    break;
                case OPEN:
                    if (last == null || last.hasBlock()) {
                        throw error(t, "unexpected '{' (a block follows a keyword such as real_server)");
                    }
                    if (stack.size() >= MAX_DEPTH) {
                        throw error(t, "blocks nested deeper than " + MAX_DEPTH);
                    }
                    last.children = new ArrayList<>();
                    last.open = t;
                    stack.add(current);
                    parents.add(last);
                    current = last.children;
                    last = null;
                    i++;
                    break;
                default:
                    List<Token> args = new ArrayList<>();
                    i++;
                    while (i < tokens.size() && tokens.get(i).kind == Token.Kind.WORD) {
                        args.add(tokens.get(i++));
                    }
                    Node n = new Node(t, args);
                    current.add(n);
                    last = n;
            }
        }
        if (!stack.isEmpty()) {
            Token open = parents.get(parents.size() - 1).open;
            throw error(open, "missing '}': the block of " + parents.get(parents.size() - 1).name()
                    + " opened here is not closed");
        }
        return top;
    }

    private static KeepalivedParseException error(Token at, String reason) {
        return new KeepalivedParseException(at.file, at.line, at.column, reason);
    }
}
