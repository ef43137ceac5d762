package io.jvs.ipvsadm.internal;

/**
 * ipvsadm ended the whole process ({@code exit()}): an argument error ({@code fail}, status 2), a parse failure of
 * the command itself (255), {@code -h} or {@code -v} (0), a listing error (1). Inside {@code -R} it aborts the
 * restore. Whatever was printed is already in the output.
 */
final class Exit extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;

    Exit(int status) {
        super(null, null, false, false);
        this.status = status;
    }
}
