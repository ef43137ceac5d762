package io.jvs.keepalived;

/**
 * Something in a keepalived.conf that JVS does not do: an unsupported block or keyword (skipped), or a value
 * corrected as keepalived corrects it. Loading goes on; each warning is one line.
 *
 * @param file the file, as it was named to the parser or in the {@code include} that brought it in
 * @param line the line, counted from 1
 * @param message what was skipped or changed, and why
 * @since 0.1
 */
public record ConfigWarning(String file, int line, String message) {

    /** {@code keepalived.conf:3: vrrp_instance is not supported ...; block skipped}. */
    @Override
    public String toString() {
        return file + ":" + line + ": " + message;
    }
}
