package io.jvs.core.internal;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Destination;
import io.jvs.api.Flow;
import io.jvs.api.Protocol;
import io.jvs.api.ServiceId;
import io.jvs.api.Timeouts;
import io.jvs.api.internal.Addresses;
import io.jvs.core.Connection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection (IPVS {@code struct ip_vs_conn}) and, before it is placed, the {@link Flow} its scheduler
 * reads. Confined to the data-path thread that opened it.
 */
final class ConnectionEntry implements Connection, Flow {

    private final ServiceEntry service;
    private final Protocol protocol;
    private final InetSocketAddress client;
    private final InetSocketAddress virtual;
    private final int clientHash;
    private final int virtualHash;
    private DestinationEntry destination;
    private InetSocketAddress destinationAddress;
    private boolean active;
    private boolean closed;
    private boolean clientFin;
    private boolean serverFin;
    /** The IPVS state name, for listings; written on this connection's thread, read by listings. */
    private volatile String state;
    private volatile long lastActivityNanos;
    private Closer closer;
    /** Servers that failed to accept this connection, when it was rescheduled. */
    private List<DestinationEntry> tried;

    ConnectionEntry(ServiceEntry service, Protocol protocol, InetSocketAddress client, InetSocketAddress virtual) {
        this.service = service;
        this.protocol = protocol;
        this.client = client;
        this.virtual = virtual;
        this.clientHash = Addresses.fold(client.getAddress());
        this.virtualHash = Addresses.fold(virtual.getAddress());
        this.state = protocol == Protocol.TCP ? "SYN_RECV" : "UDP";
        this.lastActivityNanos = service.nanoTime();
    }

    /** Binds the connection to its server: counted as a new, inactive connection. */
    void bind(DestinationEntry d) {
        service.stats().connection();
        bindTo(d);
    }

    private void bindTo(DestinationEntry d) {
        destination = d;
        InetSocketAddress a = d.address();
        destinationAddress = a.getPort() != 0 ? a : new InetSocketAddress(a.getAddress(), virtual.getPort());
        d.stats().connection();
        d.bindInactive();
    }

    // ---- Flow

    @Override
    public Protocol protocol() {
        return protocol;
    }

    @Override
    public int clientAddressHash() {
        return clientHash;
    }

    @Override
    public int clientPort() {
        return client.getPort();
    }

    @Override
    public int virtualAddressHash() {
        return virtualHash;
    }

    @Override
    public int virtualPort() {
        return virtual.getPort();
    }

    // ---- Connection

    @Override
    public ServiceId service() {
        return service.id();
    }

    @Override
    public InetSocketAddress client() {
        return client;
    }

    @Override
    public InetSocketAddress virtual() {
        return virtual;
    }

    @Override
    public Destination destination() {
        return destination;
    }

    @Override
    public InetSocketAddress destinationAddress() {
        return destinationAddress;
    }

    @Override
    public boolean reschedule() {
        if (closed) {
            return false;
        }
        DestinationEntry failed = destination;
        failed.connectFailed();
        failed.unbind(active);
        active = false;
        if (tried == null) {
            tried = new ArrayList<>(2);
        }
        tried.add(failed);
        DestinationEntry next = service.reschedule(this, failed, tried);
        if (next == null) {
            closed = true;
            service.forget(this);
            return false;
        }
        bindTo(next);
        return true;
    }

    @Override
    public void attach(Closer closer) {
        this.closer = closer;
    }

    /** Asks the data path to close this connection's sockets; false if it attached no way to. */
    boolean close(boolean reset) {
        Closer c = closer;
        if (c == null) {
            return false;
        }
        c.close(reset);
        return true;
    }

    @Override
    public void onBackendConnected() {
        if (!closed && !active && protocol == Protocol.TCP) {
            active = true;
            state = "ESTABLISHED";
            touch();
            destination.activate();
        }
    }

    @Override
    public void onClientFin() {
        clientFin = true;
        finState();
    }

    @Override
    public void onServerFin() {
        serverFin = true;
        finState();
    }

    /** The IPVS NAT trace: a client FIN gives CLOSE_WAIT, a server FIN FIN_WAIT, both TIME_WAIT. */
    private void finState() {
        if (closed || protocol != Protocol.TCP) {
            return;
        }
        state = clientFin && serverFin ? "TIME_WAIT" : clientFin ? "CLOSE_WAIT" : "FIN_WAIT";
        touch();
        deactivate();
    }

    @Override
    public void onReset() {
        if (!closed && protocol == Protocol.TCP) {
            state = "CLOSE";
            touch();
        }
        deactivate();
    }

    private void touch() {
        lastActivityNanos = service.nanoTime();
    }

    /** The entry as {@code ipvsadm -L -c} lists it. */
    ConnectionStatus status(Timeouts timeouts) {
        String s = state;
        long timeoutSeconds;
        switch (s) {
            case "ESTABLISHED":
                timeoutSeconds = timeouts.tcp().getSeconds();
                break;
            case "FIN_WAIT":
                timeoutSeconds = timeouts.tcpFin().getSeconds();
                break;
            case "UDP":
                timeoutSeconds = timeouts.udp().getSeconds();
                break;
            case "SYN_RECV":
            case "CLOSE_WAIT":
                timeoutSeconds = 60;
                break;
            case "CLOSE":
                timeoutSeconds = 10;
                break;
            default:
                timeoutSeconds = 120;
        }
        long idle = Math.max(0, service.nanoTime() - lastActivityNanos);
        Duration left = Duration.ofSeconds(timeoutSeconds).minusNanos(idle);
        return new ConnectionStatus(service.id(), protocol, left.isNegative() ? Duration.ZERO : left, s, client,
                virtual, destinationAddress, false);
    }

    private void deactivate() {
        if (!closed && active) {
            active = false;
            destination.deactivate();
        }
    }

    @Override
    public void onClosed() {
        if (!closed) {
            closed = true;
            destination.unbind(active);
            active = false;
        }
        service.forget(this);
    }

    @Override
    public void countInbound(int bytes) {
        service.stats().inbound(bytes);
        destination.stats().inbound(bytes);
        touch();
    }

    @Override
    public void countOutbound(int bytes) {
        service.stats().outbound(bytes);
        destination.stats().outbound(bytes);
        touch();
    }

    @Override
    public String toString() {
        return protocol + " " + Addresses.toString(client) + " -> " + Addresses.toString(virtual) + " -> "
                + (destinationAddress == null ? "?" : Addresses.toString(destinationAddress));
    }
}
