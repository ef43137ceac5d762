package io.jvs.ipvsadm.internal;

import java.util.Locale;

/** What a command printed on standard output and standard error. */
final class Out {

    final StringBuilder stdout = new StringBuilder();
    final StringBuilder stderr = new StringBuilder();

    /** {@code printf} to standard output. */
    Out printf(String format, Object... args) {
        stdout.append(String.format(Locale.ROOT, format, args));
        return this;
    }

    Out print(String s) {
        stdout.append(s);
        return this;
    }

    /** One line on standard error. */
    void error(String line) {
        stderr.append(line).append('\n');
    }

    /** ipvsadm's {@code fail()}: the message on standard error, then exit with {@code status}. */
    Exit fail(int status, String message) {
        error(message);
        return new Exit(status);
    }
}
