package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceStatus;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.Opens;
import io.jvs.core.RunningService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many threads open, move and close flows on three services (plain TCP, persistent TCP, UDP) while another thread
 * moves the clock and expires entries. Afterwards every counter must equal what the operations imply: each
 * server's ActiveConn/InActConn/PersistConn equal the live entries the listing shows for it, the connection
 * statistics equal the flows created, the packet statistics the packets counted; no socket was closed twice; and
 * once everything expired the table is empty and every counter is 0.
 */
class ConcurrencyTest {

    private static final int THREADS = 4;
    private static final int FLOWS_PER_THREAD = 4000;
    private static final long SEED = 20261127L;

    @Test
    void countersMatchOperations() throws Exception {
        try (Fixture f = new Fixture()) {
            InetSocketAddress web = addr("10.0.0.1", 80);
            InetSocketAddress app = addr("10.0.0.2", 80);
            InetSocketAddress dns = addr("10.0.0.3", 53);
            List<RunningService> services = List.of(
                    f.start(servers(VirtualService.tcp(web).scheduler("wlc"), 80)),
                    f.start(servers(VirtualService.tcp(app).scheduler("rr").persistence(Duration.ofSeconds(30))
                            .persistenceNetmask(24), 80)),
                    f.start(servers(VirtualService.udp(dns).scheduler("rr"), 53)));
            List<InetSocketAddress> vips = List.of(web, app, dns);
            AtomicLong created = new AtomicLong();
            AtomicLong inPackets = new AtomicLong();
            AtomicLong rescheduled = new AtomicLong();
            AtomicLong doubleCloses = new AtomicLong();
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            CountDownLatch start = new CountDownLatch(1);
            Future<?> clock = pool.submit(() -> {
                start.await();
                for (int i = 0; i < 100_000 && !done.get(); i++) { // bounded; stops when the workers are done
                    f.ticker.advance(Duration.ofMillis(250));
                    f.director.runTimers();
                    Thread.sleep(1);
                }
                return null;
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                int worker = w;
                workers.add(pool.submit(() -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(SEED + worker);
                    for (int i = 0; i < FLOWS_PER_THREAD; i++) {
                        int s = random.nextInt(3);
                        InetSocketAddress client = new InetSocketAddress(InetAddress.getByAddress(new byte[] {
                            10, (byte) worker, (byte) random.nextInt(4), (byte) random.nextInt(256)}), 1024 + i);
                        Protocol protocol = s == 2 ? Protocol.UDP : Protocol.TCP;
                        Connection c = Opens.open(services.get(s), protocol, client, vips.get(s));
                        if (c == null) {
                            throw new AssertionError("refused: " + client);
                        }
                        created.incrementAndGet();
                        Connection.Closer closer = new Connection.Closer() {
                            private final AtomicLong closes = new AtomicLong();

                            @Override
                            public void close(boolean reset) {
                                if (closes.incrementAndGet() > 1) {
                                    doubleCloses.incrementAndGet();
                                }
                            }
                        };
                        c.attach(closer);
                        if (protocol == Protocol.UDP) {
                            for (int k = random.nextInt(4); k >= 0; k--) {
                                Connection again = Opens.open(services.get(s), protocol, client, vips.get(s));
                                if (again != c) {
                                    created.incrementAndGet(); // it expired meanwhile: a new flow
                                    c = again;
                                }
                                c.countInbound(40);
                                inPackets.incrementAndGet();
                                c.countOutbound(80);
                            }
                            continue;
                        }
                        if (random.nextInt(10) == 0 && c.reschedule()) {
                            rescheduled.incrementAndGet(); // counted again on the server it moved to
                        }
                        c.onBackendConnected();
                        for (int k = random.nextInt(5); k > 0; k--) {
                            c.countInbound(100);
                            inPackets.incrementAndGet();
                            c.countOutbound(1000);
                        }
                        switch (random.nextInt(5)) {
                            case 0:
                                c.onClientFin();
                                c.onServerFin();
                                c.onClosed();
                                break;
                            case 1:
                                c.onServerFin();
                                c.onClientFin();
                                c.onClosed();
                                break;
                            case 2:
                                c.onClientReset();
                                c.onClosed();
                                break;
                            case 3:
                                c.onClosed();
                                break;
                            default:
                                break; // stays open: idle until it expires
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> w : workers) {
                w.get(60, TimeUnit.SECONDS);
            }
            done.set(true);
            clock.get(60, TimeUnit.SECONDS);
            pool.shutdown();

            checkCountersMatchListing(f);
            long conns = 0;
            long perServer = 0;
            long packets = 0;
            for (ServiceStatus st : f.director.services()) {
                perServer += st.realServers().stream().mapToLong(r -> r.stats().connections()).sum();
                conns += st.stats().connections();
                packets += st.stats().inPackets();
            }
            assertEquals(created.get(), conns);
            assertEquals(created.get() + rescheduled.get(), perServer);
            assertEquals(inPackets.get(), packets);
            assertEquals(0, doubleCloses.get());

            f.advance(Duration.ofHours(1));
            f.advance(Duration.ofMinutes(1)); // templates kept alive by connections get their last 60 s
            assertEquals(List.of(), f.director.connections());
            assertEquals(0, f.director.connectionTable().entries());
            for (ServiceStatus st : f.director.services()) {
                for (RealServerStatus rs : st.realServers()) {
                    assertEquals(0, rs.activeConnections(), rs.toString());
                    assertEquals(0, rs.inactiveConnections(), rs.toString());
                    assertEquals(0, rs.persistentConnections(), rs.toString());
                    assertTrue(!rs.overloaded());
                }
            }
        }
    }

    private static VirtualService servers(VirtualService.Builder b, int port) throws UnknownHostException {
        for (int i = 1; i <= 3; i++) {
            b.realServer(RealServer.of(InetAddress.getByAddress(new byte[] {(byte) 192, (byte) 168, 1, (byte) i}),
                    port));
        }
        return b.build();
    }

    /** Every server's counters equal the live entries the listing shows for it. */
    private static void checkCountersMatchListing(Fixture f) {
        List<String> states = List.of("ESTABLISHED", "SYN_SENT", "SYN_RECV", "SYNACK");
        Map<String, int[]> expected = new HashMap<>();
        for (ConnectionStatus c : f.director.connections()) {
            int[] n = expected.computeIfAbsent(c.service() + " " + c.destination().getAddress(), k -> new int[3]);
            n[c.template() ? 2 : states.contains(c.state()) ? 0 : 1]++;
        }
        for (ServiceStatus st : f.director.services()) {
            for (RealServerStatus rs : st.realServers()) {
                int[] n = expected.getOrDefault(st.id() + " " + rs.server().address().getAddress(), new int[3]);
                String what = st.id() + " " + rs.server();
                assertEquals(n[0], rs.activeConnections(), "ActiveConn of " + what);
                assertEquals(n[1], rs.inactiveConnections(), "InActConn of " + what);
                assertEquals(n[2], rs.persistentConnections(), "PersistConn of " + what);
            }
        }
    }
    /**
     * Issue 13 review, bug 4: the sync stream's receive threads find a service's real servers by address while the
     * control thread changes them. A real server that stays must be found every time, also while the control thread
     * grows the service's index from one server to thousands (a reload). Bounded: 300 services or 5 s.
     */
    @Test
    void realServerLookup_fromAnotherThread_whileTheControlThreadChangesTheServers() throws Exception {
        try (Fixture f = new Fixture()) {
            InetSocketAddress stays = addr("192.168.0.1", 80);
            List<RealServer> reload = new ArrayList<>();
            reload.add(RealServer.of(stays));
            for (int i = 0; i < 4000; i++) {
                reload.add(RealServer.of(new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 20,
                        (byte) (i >> 8), (byte) i}), 80)));
            }
            AtomicBoolean done = new AtomicBoolean();
            AtomicLong misses = new AtomicLong();
            AtomicLong looks = new AtomicLong();
            java.util.concurrent.atomic.AtomicReference<ServiceEntry> current =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Thread reader = new Thread(() -> {
                while (!done.get()) {
                    ServiceEntry e = current.get();
                    if (e != null) {
                        looks.incrementAndGet();
                        try {
                            if (e.find(stays) == null) {
                                misses.incrementAndGet();
                            }
                        } catch (RuntimeException ex) { // a HashMap read during a resize may throw as well
                            misses.incrementAndGet();
                        }
                    }
                }
            }, "sync-receive");
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            try {
                for (int k = 0; k < 300 && System.nanoTime() < deadline && misses.get() == 0; k++) {
                    InetSocketAddress vip = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0,
                            (byte) (k >> 8), (byte) k}), 80);
                    RunningService s = f.start(VirtualService.tcp(vip).scheduler("rr").realServer(RealServer.of(stays))
                            .build());
                    ServiceEntry e = (ServiceEntry) s;
                    current.set(e);
                    synchronized (f.director) { // as the director's control thread would
                        e.replaceDestinations(reload, a -> null);
                        e.replaceDestinations(List.of(RealServer.of(stays)), a -> null);
                    }
                    f.director.stop(s.id()).join();
                }
            } finally {
                done.set(true);
                reader.join(10_000);
            }
            assertTrue(looks.get() > 0, "the reader ran");
            assertEquals(0, misses.get(), "a real server that stayed was not found " + misses.get() + " times in "
                    + looks.get() + " look-ups");
        }
    }
}
