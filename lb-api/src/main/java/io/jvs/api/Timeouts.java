package io.jvs.api;

import io.jvs.api.internal.Checks;
import java.time.Duration;

/**
 * The connection timeouts ipvsadm {@code --set tcp tcpfin udp} sets: how long an idle TCP connection stays
 * ESTABLISHED, how long a closing one stays in FIN_WAIT, and how long an idle UDP flow lives. A connection
 * expires this long after its last packet in that state.
 *
 * @param tcp the ESTABLISHED timeout (IPVS default 900 s)
 * @param tcpFin the FIN_WAIT timeout (IPVS default 120 s)
 * @param udp the UDP timeout (IPVS default 300 s)
 * @since 0.1
 */
public record Timeouts(Duration tcp, Duration tcpFin, Duration udp) {

    /** The longest timeout ipvsadm accepts: 31 days. */
    public static final Duration MAX = Duration.ofSeconds(2_678_400);

    /** The IPVS defaults: 900 s, 120 s, 300 s. */
    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(900), Duration.ofSeconds(120),
            Duration.ofSeconds(300));

    /**
     * Checks the values. {@link Duration#ZERO} means "leave this one unchanged" when passed to
     * {@link LoadBalancer#setTimeouts(Timeouts)}.
     *
     * @throws IllegalArgumentException if a value is negative, longer than 31 days or not whole seconds
     */
    public Timeouts {
        check(tcp, "tcp");
        check(tcpFin, "tcpFin");
        check(udp, "udp");
    }

    /** Timeouts in seconds, as ipvsadm takes them; 0 leaves that one unchanged. */
    public static Timeouts ofSeconds(long tcp, long tcpFin, long udp) {
        Checks.checkInRange(tcp, 0, MAX.getSeconds(), "tcp");
        Checks.checkInRange(tcpFin, 0, MAX.getSeconds(), "tcpFin");
        Checks.checkInRange(udp, 0, MAX.getSeconds(), "udp");
        return new Timeouts(Duration.ofSeconds(tcp), Duration.ofSeconds(tcpFin), Duration.ofSeconds(udp));
    }

    private static void check(Duration d, String name) {
        Checks.checkNotNull(d, name);
        Checks.checkArgument(!d.isNegative() && d.getNano() == 0 && d.compareTo(MAX) <= 0, name, d,
                "whole seconds, PT0S-PT744H");
    }

    /** These timeouts with every zero value replaced by the one in {@code current}. */
    public Timeouts orElse(Timeouts current) {
        return new Timeouts(tcp.isZero() ? current.tcp : tcp, tcpFin.isZero() ? current.tcpFin : tcpFin,
                udp.isZero() ? current.udp : udp);
    }
}
