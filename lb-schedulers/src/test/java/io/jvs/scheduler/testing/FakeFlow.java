package io.jvs.scheduler.testing;

import io.jvs.api.ConnectionKey;
import io.jvs.api.Protocol;
import io.jvs.api.internal.Addresses;

/** A mutable {@link ConnectionKey}: set the fields, then pick. */
public final class FakeFlow implements ConnectionKey {

    private Protocol protocol = Protocol.TCP;
    private int clientAddress;
    private int clientPort;
    private int virtualAddress;
    private int virtualPort = 80;

    /** A TCP flow from {@code client:port} to {@code virtual:80} (IP literals). */
    public static FakeFlow of(String client, int port, String virtual) {
        return new FakeFlow().client(client, port).virtual(virtual, 80);
    }

    public FakeFlow client(String address, int port) {
        return client(Addresses.fold(Addresses.parseLiteral(address)), port);
    }

    public FakeFlow client(int foldedAddress, int port) {
        this.clientAddress = foldedAddress;
        this.clientPort = port;
        return this;
    }

    public FakeFlow virtual(String address, int port) {
        return virtual(Addresses.fold(Addresses.parseLiteral(address)), port);
    }

    public FakeFlow virtual(int foldedAddress, int port) {
        this.virtualAddress = foldedAddress;
        this.virtualPort = port;
        return this;
    }

    public FakeFlow protocol(Protocol p) {
        this.protocol = p;
        return this;
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    @Override
    public int clientAddressFold() {
        return clientAddress;
    }

    @Override
    public int clientPort() {
        return clientPort;
    }

    @Override
    public int virtualAddressFold() {
        return virtualAddress;
    }

    @Override
    public int virtualPort() {
        return virtualPort;
    }
}
