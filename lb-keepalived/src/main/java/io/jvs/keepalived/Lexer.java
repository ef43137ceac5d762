package io.jvs.keepalived;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns keepalived.conf text into tokens the way keepalived reads it: {@code #} and {@code !} start comments
 * anywhere outside quotes ({@code \#} and {@code \!} are literal), a backslash at the end of a line continues it,
 * words are separated by white space, {@code "..."} is one word, and {@code {} and {@code }} are tokens of their
 * own even when attached to a word. {@code include} lines are replaced by the files they name (globs allowed,
 * relative to the including file); {@code $NAME=value} lines define parameters that {@code $NAME} and
 * {@code ${NAME}} are replaced by.
 */
final class Lexer {

    static final Set<String> INCLUDES = Set.of("include", "includer", "includem", "includew", "includeb", "includea");
    private static final int MAX_INCLUDE_DEPTH = 16;
    private static final long MAX_FILE_BYTES = 64L << 20;
    private static final int MAX_LINE_CHARS = 1 << 20;
    private static final Pattern DEFINITION = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)\\s*=(.*)");

    private final List<Token> tokens = new ArrayList<>();
    private final List<ConfigWarning> warnings;
    private final Map<String, String> params = new HashMap<>();
    private final Deque<Path> open = new ArrayDeque<>();

    private Lexer(List<ConfigWarning> warnings) {
        this.warnings = warnings;
    }

    /** Tokenizes {@code text} (and the files it includes, relative to {@code dir}). */
    static List<Token> lex(String text, String fileName, Path dir, List<ConfigWarning> warnings) {
        Lexer lexer = new Lexer(warnings);
        lexer.text(text, fileName, dir);
        return lexer.tokens;
    }

    /** Tokenizes a file (and the files it includes). */
    static List<Token> lex(Path file, List<ConfigWarning> warnings) throws IOException {
        Lexer lexer = new Lexer(warnings);
        lexer.open.push(file.toAbsolutePath().normalize());
        lexer.text(read(file), file.toString(), dirOf(file));
        return lexer.tokens;
    }

    private static Path dirOf(Path file) {
        Path parent = file.toAbsolutePath().normalize().getParent();
        return parent == null ? file.toAbsolutePath().getRoot() : parent;
    }

    private static String read(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException(file + ": larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
        }
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private void text(String text, String file, Path dir) {
        StringBuilder sb = new StringBuilder();
        Positions where = new Positions();
        int lineNo = 0;
        int from = 0;
        int n = text.length();
        while (from <= n) {
            int nl = text.indexOf('\n', from);
            int to = nl < 0 ? n : nl;
            String physical = text.substring(from, to > from && text.charAt(to - 1) == '\r' ? to - 1 : to);
            lineNo++;
            boolean last = nl < 0;
            from = to + 1;
            boolean continued = strip(physical, lineNo, file, sb, where);
            if (continued && !last) {
                continue;
            }
            LogicalLine line;
            if (sb.length() == 0) {
                line = new LogicalLine(file, "", lineNo);
            } else if (where.identity(lineNo)) {
                line = new LogicalLine(file, sb.toString(), lineNo);
            } else {
                line = new LogicalLine(file, sb.toString(), Arrays.copyOf(where.lines, where.size),
                        Arrays.copyOf(where.cols, where.size));
            }
            sb.setLength(0);
            where.size = 0;
            logicalLine(line, dir);
            if (last) {
                break;
            }
        }
    }

    /** The line and column of each character of a logical line being built, without an object per character. */
    private static final class Positions {
        int[] lines = new int[256];
        int[] cols = new int[256];
        int size;

        void add(int line, int col) {
            if (size == lines.length) {
                lines = Arrays.copyOf(lines, size * 2);
                cols = Arrays.copyOf(cols, size * 2);
            }
            lines[size] = line;
            cols[size] = col;
            size++;
        }

        /** Whether every character is on {@code line} at its own index + 1. */
        boolean identity(int line) {
            for (int i = 0; i < size; i++) {
                if (lines[i] != line || cols[i] != i + 1) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Appends one physical line without its comment to {@code sb}; returns whether it ends in a continuation
     * backslash.
     */
    private static boolean strip(String p, int lineNo, String file, StringBuilder sb, Positions where) {
        if (p.length() > MAX_LINE_CHARS) {
            throw new KeepalivedParseException(file, lineNo, 1, "line longer than " + MAX_LINE_CHARS + " characters");
        }
        int mark = sb.length();
        boolean quote = false;
        int quoteCol = 0;
        for (int c = 0; c < p.length(); c++) {
            char ch = p.charAt(c);
            if (quote) {
                if (ch == '\\' && c + 1 < p.length()) {
                    add(sb, where, ch, lineNo, c + 1);
                    add(sb, where, p.charAt(++c), lineNo, c + 1);
                    continue;
                }
                quote = ch != '"';
            } else if (ch == '"') {
                quote = true;
                quoteCol = c + 1;
            } else if (ch == '\\' && c + 1 < p.length() && (p.charAt(c + 1) == '#' || p.charAt(c + 1) == '!')) {
                c++;
                add(sb, where, p.charAt(c), lineNo, c + 1);
                continue;
            } else if (ch == '#' || ch == '!') {
                break;
            }
            add(sb, where, ch, lineNo, c + 1);
        }
        if (quote) {
            throw new KeepalivedParseException(file, lineNo, quoteCol, "unterminated quote (a quoted string ends on "
                    + "its line)");
        }
        int end = sb.length();
        while (end > mark && (sb.charAt(end - 1) == ' ' || sb.charAt(end - 1) == '\t')) {
            end--;
        }
        boolean continued = end > mark && sb.charAt(end - 1) == '\\';
        if (continued) {
            end--;
        }
        sb.setLength(end);
        where.size = end;
        if (continued) {
            add(sb, where, ' ', lineNo, p.length());
        }
        return continued;
    }

    private static void add(StringBuilder sb, Positions where, char ch, int line, int col) {
        sb.append(ch);
        where.add(line, col);
    }

    private void logicalLine(LogicalLine line, Path dir) {
        String trimmed = line.text.strip();
        if (trimmed.isEmpty()) {
            return;
        }
        int first = line.text.indexOf(trimmed.charAt(0));
        Matcher def = trimmed.charAt(0) == '$' ? DEFINITION.matcher(trimmed) : null;
        if (def != null && def.matches()) {
            params.put(def.group(1), def.group(2).strip());
            return;
        }
        if (trimmed.charAt(0) == '@') {
            warn(line, first, "conditional configuration ('" + trimmed.split("\\s+")[0]
                    + "') is not supported; line skipped");
            return;
        }
        if (trimmed.charAt(0) == '~') {
            warn(line, first, "sequence and list blocks ('~') are not supported; line skipped");
            return;
        }
        if (!params.isEmpty() && line.text.indexOf('$') >= 0) {
            line = substitute(line);
            trimmed = line.text.strip();
            first = line.text.indexOf(trimmed.isEmpty() ? ' ' : trimmed.charAt(0));
        }
        int space = 0;
        while (space < trimmed.length() && !Character.isWhitespace(trimmed.charAt(space))) {
            space++;
        }
        String keyword = trimmed.substring(0, space);
        if (INCLUDES.contains(keyword)) {
            // As in keepalived, an include line is taken whole, before braces split it: {a,b} is a glob.
            include(line, first, keyword, dir);
            return;
        }
        List<Token> words = tokenize(line);
        if (words.isEmpty()) {
            return;
        }
        tokens.addAll(words);
        tokens.add(new Token(Token.Kind.EOL, "", line, line.text.length(), line.text.length()));
    }

    private void warn(LogicalLine line, int at, String message) {
        warnings.add(new ConfigWarning(line.file, line.lineAt(at), message));
    }

    /** Replaces {@code $NAME} and {@code ${NAME}} of defined parameters; new characters map to the {@code $}. */
    private LogicalLine substitute(LogicalLine line) {
        String t = line.text;
        StringBuilder sb = new StringBuilder();
        List<Integer> from = new ArrayList<>();
        int i = 0;
        while (i < t.length()) {
            char ch = t.charAt(i);
            if (ch == '$' && i + 1 < t.length()) {
                boolean braced = t.charAt(i + 1) == '{';
                int s = braced ? i + 2 : i + 1;
                int e = s;
                while (e < t.length() && (Character.isLetterOrDigit(t.charAt(e)) || t.charAt(e) == '_')) {
                    e++;
                }
                String name = t.substring(s, e);
                boolean closed = !braced || (e < t.length() && t.charAt(e) == '}');
                String value = closed ? params.get(name) : null;
                if (value != null) {
                    for (int k = 0; k < value.length(); k++) {
                        sb.append(value.charAt(k));
                        from.add(i);
                    }
                    i = braced ? e + 1 : e;
                    if (sb.length() > MAX_LINE_CHARS) {
                        throw new KeepalivedParseException(line.file, line.lineAt(i - 1), line.colAt(i - 1),
                                "parameter substitution makes the line longer than " + MAX_LINE_CHARS + " characters");
                    }
                    continue;
                }
            }
            sb.append(ch);
            from.add(i);
            i++;
        }
        int[] lines = new int[sb.length()];
        int[] cols = new int[sb.length()];
        for (int k = 0; k < sb.length(); k++) {
            lines[k] = line.lineAt(from.get(k));
            cols[k] = line.colAt(from.get(k));
        }
        return new LogicalLine(line.file, sb.toString(), lines, cols);
    }

    private static List<Token> tokenize(LogicalLine line) {
        List<Token> out = new ArrayList<>();
        String t = line.text;
        int i = 0;
        while (i < t.length()) {
            char ch = t.charAt(i);
            if (Character.isWhitespace(ch)) {
                i++;
            } else if (ch == '{' || ch == '}') {
                out.add(new Token(ch == '{' ? Token.Kind.OPEN : Token.Kind.CLOSE, String.valueOf(ch), line, i, i + 1));
                i++;
            } else if (ch == '"') {
                int start = i++;
                StringBuilder sb = new StringBuilder();
                while (i < t.length() && t.charAt(i) != '"') {
                    if (t.charAt(i) == '\\' && i + 1 < t.length() && (t.charAt(i + 1) == '"' || t.charAt(i + 1) == '\\')) {
                        i++;
                    }
                    sb.append(t.charAt(i++));
                }
                if (i >= t.length()) {
                    throw new KeepalivedParseException(line.file, line.lineAt(start), line.colAt(start),
                            "unterminated quote");
                }
                i++;
                out.add(new Token(Token.Kind.WORD, sb.toString(), line, start, i));
            } else {
                int start = i;
                while (i < t.length() && !Character.isWhitespace(t.charAt(i)) && t.charAt(i) != '{'
                        && t.charAt(i) != '}' && t.charAt(i) != '"') {
                    i++;
                }
                out.add(new Token(Token.Kind.WORD, t.substring(start, i), line, start, i));
            }
        }
        return out;
    }

    private void include(LogicalLine line, int first, String keyword, Path dir) {
        int at = first + keyword.length();
        while (at < line.text.length() && Character.isWhitespace(line.text.charAt(at))) {
            at++;
        }
        String pattern = line.text.substring(at).strip();
        Token where = new Token(Token.Kind.WORD, pattern, line, at, line.text.length());
        if (pattern.length() >= 2 && pattern.startsWith("\"") && pattern.endsWith("\"")) {
            pattern = pattern.substring(1, pattern.length() - 1);
        } else if (pattern.chars().anyMatch(Character::isWhitespace)) {
            throw error(where, keyword + ": " + pattern + " (expected: one file or glob pattern; quote a name with "
                    + "spaces)");
        }
        if (pattern.isEmpty()) {
            throw error(where, keyword + ": missing file name (expected: a file or glob pattern)");
        }
        if (open.size() >= MAX_INCLUDE_DEPTH) {
            throw error(where, keyword + ": " + pattern + " (expected: includes nested at most " + MAX_INCLUDE_DEPTH
                    + " deep)");
        }
        List<Path> files;
        try {
            files = expand(dir, pattern);
        } catch (IOException | RuntimeException e) {
            warnings.add(new ConfigWarning(where.file, where.line, keyword + " " + pattern
                    + ": cannot list the files (" + e.getMessage() + "); nothing included"));
            return;
        }
        if (files.isEmpty()) {
            warnings.add(new ConfigWarning(where.file, where.line, keyword + " " + pattern
                    + ": no such file; nothing included"));
            return;
        }
        for (Path f : files) {
            Path real = f.toAbsolutePath().normalize();
            if (open.contains(real)) {
                throw error(where, keyword + ": " + pattern + " (expected: a file that does not include itself; "
                        + real + " is already being read)");
            }
            String text;
            try {
                text = read(f);
            } catch (IOException e) {
                warnings.add(new ConfigWarning(where.file, where.line, keyword + " " + f + ": cannot read it ("
                        + e.getMessage() + "); skipped"));
                continue;
            }
            open.push(real);
            text(text, f.toString(), dirOf(f));
            open.pop();
        }
    }

    private static KeepalivedParseException error(Token at, String reason) {
        return new KeepalivedParseException(at.file, at.line, at.column, reason);
    }

    /** The regular files a keepalived include pattern names, sorted, as glob(3) lists them. */
    private static List<Path> expand(Path dir, String pattern) throws IOException {
        Path p = dir.resolve(pattern).normalize();
        if (!hasGlob(pattern)) {
            return Files.isRegularFile(p) ? List.of(p) : List.of();
        }
        Path base = p.getRoot() == null ? Path.of("") : p.getRoot();
        int depth = 0;
        boolean globbing = false;
        for (Path part : p) {
            if (globbing || hasGlob(part.toString())) {
                globbing = true;
                depth++;
            } else {
                base = base.resolve(part);
            }
        }
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        String glob = p.toString().replace("\\", "\\\\");
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        try (Stream<Path> walk = Files.walk(base, depth)) {
            return walk.filter(f -> Files.isRegularFile(f) && matcher.matches(f)).sorted().collect(Collectors.toList());
        }
    }

    private static boolean hasGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }
}
