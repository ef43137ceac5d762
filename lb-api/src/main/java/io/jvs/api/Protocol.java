package io.jvs.api;

/**
 * The transport protocol of a virtual service (ipvsadm {@code -t} and {@code -u}).
 *
 * @since 0.1
 */
public enum Protocol {
    /** TCP, IP protocol number 6 (ipvsadm {@code -t}). */
    TCP(6),
    /** UDP, IP protocol number 17 (ipvsadm {@code -u}). */
    UDP(17);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** The IP protocol number: 6 for TCP, 17 for UDP. */
    public int number() {
        return number;
    }
}
