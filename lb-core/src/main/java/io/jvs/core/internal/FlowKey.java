package io.jvs.core.internal;

import io.jvs.api.ConnectionKey;
import io.jvs.api.Protocol;
import io.jvs.core.FlowRequest;

/**
 * A new flow's key while it is admitted and placed, before any entry exists: what its scheduler reads
 * ({@link ConnectionKey}) and what {@link Placement} answers (the real server, the port, the template). One per
 * thread, set again for each new flow, so that a flow that is refused (no destination, a full table) allocates
 * nothing; only a placed flow gets its {@link ConnectionEntry}.
 */
final class FlowKey implements ConnectionKey {

    private static final ThreadLocal<FlowKey> CURRENT = ThreadLocal.withInitial(FlowKey::new);

    int protocol;
    boolean v6;
    long caHi;
    long caLo;
    int cport;
    long vaHi;
    long vaLo;
    int vport;
    /** Placement's answer: the server, the port to connect to, and the template placed through (or null). */
    DestinationEntry dest;
    int dport;
    ConnectionEntry template;

    private FlowKey() {}

    /** This thread's key, set to {@code r}'s; the answer is cleared. */
    static FlowKey of(FlowRequest r) {
        FlowKey k = CURRENT.get();
        k.protocol = r.protocol();
        k.v6 = r.isV6();
        k.caHi = r.clientHigh();
        k.caLo = r.clientLow();
        k.cport = r.clientPort();
        k.vaHi = r.virtualHigh();
        k.vaLo = r.virtualLow();
        k.vport = r.virtualPort();
        k.dest = null;
        k.template = null;
        k.dport = 0;
        return k;
    }

    /** Placement's answer. */
    void placed(DestinationEntry d, int port, ConnectionEntry controlling) {
        dest = d;
        dport = port;
        template = controlling;
    }

    /** Forgets the answer, so that the thread's key holds no server or template once the flow is done. */
    void clear() {
        dest = null;
        template = null;
    }

    @Override
    public Protocol protocol() {
        return protocol == TableEntry.TCP ? Protocol.TCP : protocol == TableEntry.UDP ? Protocol.UDP : null;
    }

    @Override
    public int clientAddressFold() {
        return AddressWords.fold(v6, caHi, caLo);
    }

    @Override
    public int clientPort() {
        return cport;
    }

    @Override
    public int virtualAddressFold() {
        return AddressWords.fold(v6, vaHi, vaLo);
    }

    @Override
    public int virtualPort() {
        return vport;
    }
}
