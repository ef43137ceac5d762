package io.jvs.core;

import io.jvs.api.Protocol;
import java.net.InetSocketAddress;

/** Asks a running service as a socket data path does, for tests that want the connection or nothing. */
public final class Opens {

    private Opens() {}

    /** A new TCP connection or a UDP datagram: the connection found or placed, or null when it was refused. */
    public static Connection open(RunningService s, Protocol protocol, InetSocketAddress client,
            InetSocketAddress virtual) {
        FlowRequest r = new FlowRequest().set(protocol, client, virtual);
        return s.open(r).admitted() ? r.connection() : null;
    }

    /** What {@link #open} answered. */
    public static Outcome outcome(RunningService s, Protocol protocol, InetSocketAddress client,
            InetSocketAddress virtual) {
        return s.open(new FlowRequest().set(protocol, client, virtual));
    }
}
