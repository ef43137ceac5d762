package io.jvs.keepalived;

/**
 * One logical line: its text and where each character came from. Most lines are one physical line whose
 * characters sit where they were read ({@code lines == null}: line {@code physical}, column index + 1); a line
 * continued, unescaped or substituted keeps the line and column of every character.
 */
final class LogicalLine {
    final String file;
    final String text;
    private final int physical;
    private final int[] lines;
    private final int[] cols;

    LogicalLine(String file, String text, int[] lines, int[] cols) {
        this.file = file;
        this.text = text;
        this.physical = 0;
        this.lines = lines;
        this.cols = cols;
    }

    /** A line read as it stands on physical line {@code physical}. */
    LogicalLine(String file, String text, int physical) {
        this.file = file;
        this.text = text;
        this.physical = physical;
        this.lines = null;
        this.cols = null;
    }

    /** The physical line of character {@code i} (clamped to the text; the line's own for an empty one). */
    int lineAt(int i) {
        if (lines == null) {
            return physical;
        }
        return lines.length == 0 ? 1 : lines[Math.max(0, Math.min(i, lines.length - 1))];
    }

    /** The column of character {@code i}, counted from 1. */
    int colAt(int i) {
        return cols == null ? i + 1 : cols[i];
    }
}
