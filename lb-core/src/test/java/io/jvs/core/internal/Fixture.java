package io.jvs.core.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Protocol;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.core.Opens;
import io.jvs.core.RunningService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** A director on a data path that carries nothing, driven by a fake ticker; timers run only when asked. */
final class Fixture implements AutoCloseable {

    /** A ticker moved by hand, starting at an arbitrary large value. */
    static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong(123_456_789_000L);

        @Override
        public long nanoTime() {
            return nanos.get();
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }


    /** A closer that records how it was asked to close. */
    static final class RecordingCloser implements Connection.Closer {
        volatile int closes;
        volatile boolean reset;

        @Override
        public void close(boolean reset) {
            closes++;
            this.reset = reset;
        }
    }

    final FakeTicker ticker = new FakeTicker();
    final Director director;

    Fixture() {
        this(b -> {});
    }

    Fixture(Consumer<Director.Builder> options) {
        Director.Builder b = Director.builder().dataPath(DataPath.detached()).ticker(ticker).rateEstimator(false)
                .connectionTimer(false);
        options.accept(b);
        director = b.build();
    }

    RunningService start(VirtualService vs) {
        director.start(vs).join();
        return director.runningService(vs.id()).orElseThrow();
    }

    /** Advances the clock and runs the connection timer. */
    void advance(Duration d) {
        ticker.advance(d);
        director.runTimers();
    }

    void advanceSeconds(long seconds) {
        advance(Duration.ofSeconds(seconds));
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static InetSocketAddress addr(String literal, int port) {
        return new InetSocketAddress(ip(literal), port);
    }

    /** Opens a TCP connection from {@code client:cport}; fails the test if it is refused. */
    static Connection tcp(RunningService b, String client, int cport, InetSocketAddress virtual) {
        Connection c = Opens.open(b, Protocol.TCP, addr(client, cport), virtual);
        assertNotNull(c, "no connection for " + client + ":" + cport);
        return c;
    }

    ServiceStatus status(ServiceId id) {
        return director.service(id).orElseThrow();
    }

    RealServerStatus server(ServiceId id, InetSocketAddress address) {
        return status(id).realServers().stream().filter(s -> s.server().address().equals(address)).findFirst()
                .orElseThrow(() -> new AssertionError("no server " + address));
    }

    /** The listing entries that are connections (not templates). */
    List<ConnectionStatus> connections() {
        return director.connections().stream().filter(c -> !c.template()).collect(Collectors.toList());
    }

    List<ConnectionStatus> templates() {
        return director.connections().stream().filter(ConnectionStatus::template).collect(Collectors.toList());
    }

    /** The listing entry of the connection from {@code client}. */
    ConnectionStatus entry(InetSocketAddress client) {
        return connections().stream().filter(c -> c.client().equals(client)).findFirst()
                .orElseThrow(() -> new AssertionError("no entry for " + client + " in " + director.connections()));
    }

    /** The director's connection table. */
    ConnectionTable connectionTable() {
        return ((ServiceEntry) director.runningService(director.services().get(0).id()).orElseThrow()).table;
    }

    @Override
    public void close() {
        director.close();
    }
}
