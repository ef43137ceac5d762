package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static io.jvs.core.internal.Fixture.ip;
import static io.jvs.core.internal.Fixture.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.ConnectionStatus;
import io.jvs.api.MemoryDefenceStatus;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.SourceLimit;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.Opens;
import io.jvs.core.RunningService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Admission in the director's packet path: access lists, per-source limits (connections at once and a token bucket,
 * in a bounded table) and the memory defence (drop idle entries oldest first, refuse a growing share of new ones).
 */
class DefencesTest {

    private static final InetSocketAddress VIP = addr("10.0.0.1", 80);
    private static final InetSocketAddress VIP6 = addr("2001:db8::1", 80);
    private static final InetSocketAddress DNS = addr("10.0.0.1", 53);
    private static final InetSocketAddress RS1 = addr("192.168.1.2", 80);

    private static List<Cidr> cidrs(String... s) {
        List<Cidr> l = new ArrayList<>();
        for (String c : s) {
            l.add(Cidr.parse(c));
        }
        return l;
    }

    private static ServiceDefenceStatus defences(Fixture f) {
        return f.director.defences().services().get(0);
    }

    @Test
    void accessLists_longestNetworkDecides_denyWinsATie() {
        VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of(RS1))
                .allow(cidrs("10.0.0.0/8", "10.66.1.0/24", "2001:db8:1::/48"))
                .deny(cidrs("10.66.0.0/16", "10.77.0.0/16", "2001:db8:1:bad::/64")).build();
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(vs);
            String[][] cases = {
                {"10.1.2.3", "true"}, {"10.66.2.7", "false"}, {"10.66.1.7", "true"}, {"10.77.0.1", "false"},
                {"192.0.2.1", "false"}, {"2001:db8:1::7", "true"}, {"2001:db8:1:bad::7", "false"},
                {"2001:db8:2::7", "false"}};
            int port = 40000;
            int refused = 0;
            for (String[] c : cases) {
                boolean expected = Boolean.parseBoolean(c[1]);
                assertEquals(expected, vs.defences().admits(ip(c[0])), c[0]);
                Connection conn = Opens.open(b, Protocol.TCP, addr(c[0], port++), VIP);
                assertEquals(expected, conn != null, c[0]);
                refused += expected ? 0 : 1;
            }
            assertEquals(refused, defences(f).denied());
            assertEquals(cases.length - refused, f.connections().size(), "a refused client leaves no entry");
            assertEquals(cases.length - refused, f.status(vs.id()).stats().connections());
        }
        // Ties: a deny beats an allow of the same network; deny alone lets everyone else in.
        VirtualService tie = VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).allow(cidrs("10.0.0.0/8"))
                .deny(cidrs("10.0.0.0/8")).build();
        assertFalse(tie.defences().admits(ip("10.1.1.1")));
        VirtualService denyOnly = VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).deny(cidrs("10.0.0.0/8",
                "::/0")).build();
        assertTrue(denyOnly.defences().admits(ip("192.0.2.1")));
        assertFalse(denyOnly.defences().admits(ip("10.0.0.1")));
        assertFalse(denyOnly.defences().admits(ip("2001:db8::5")));
    }

    @Test
    void accessLists_udp_newFlowsOnly_andEditsApplyToNewConnections() {
        try (Fixture f = new Fixture()) {
            VirtualService open = VirtualService.udp(DNS).realServer(RealServer.of(addr("192.168.1.2", 53))).build();
            RunningService b = f.start(open);
            Connection flow = Opens.open(b, Protocol.UDP, addr("10.9.9.9", 5353), DNS);
            assertNotNull(flow);
            f.director.update(open.toBuilder().deny(cidrs("10.9.0.0/16")).build());
            assertSame(flow, Opens.open(b, Protocol.UDP, addr("10.9.9.9", 5353), DNS), "an existing flow goes on");
            assertNull(Opens.open(b, Protocol.UDP, addr("10.9.9.9", 5354), DNS), "a new flow is dropped");
            assertNotNull(Opens.open(b, Protocol.UDP, addr("10.8.9.9", 5354), DNS));
            assertEquals(1, defences(f).denied());
            assertEquals(List.of(Cidr.parse("10.9.0.0/16")), defences(f).deny());
        }
    }

    @Test
    void sourceLimit_connectionsAtOnce_countUntilTheSocketsClose() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1))
                    .sourceLimit(SourceLimit.maxConnections(3)).build());
            List<Connection> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                open.add(tcp(b, "10.1.1.1", 40000 + i, VIP));
            }
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", 40010), VIP), "the fourth at once");
            assertNotNull(Opens.open(b, Protocol.TCP, addr("10.1.1.2", 40010), VIP), "another source");
            assertEquals(1, defences(f).sourceConnectionsRefused());
            assertEquals(3, ((ServiceEntry) b).openFromSource(ip("10.1.1.1")));
            open.get(0).onBackendConnected();
            open.get(0).onClientFin();
            open.get(0).onServerFin();
            open.get(0).onClosed(); // TIME_WAIT: the entry lingers, the connection no longer counts
            assertEquals("TIME_WAIT", f.entry(open.get(0).client()).state());
            assertEquals(2, ((ServiceEntry) b).openFromSource(ip("10.1.1.1")));
            assertNotNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", 40011), VIP));
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", 40012), VIP));
            open.get(1).onClosed();
            open.get(1).onClosed(); // twice: counted down once
            assertEquals(2, ((ServiceEntry) b).openFromSource(ip("10.1.1.1")));
            assertEquals(2, defences(f).sourceConnectionsRefused());
            assertEquals(2, defences(f).trackedSources());
        }
    }

    @Test
    void sourceLimit_expiryOfAnOpenConnection_uncountsIt_andUdpFlowsCountUntilTheyExpire() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).realServer(RealServer.of(addr("192.168.1.2", 53)))
                    .sourceLimit(SourceLimit.maxConnections(2)).build());
            assertNotNull(Opens.open(b, Protocol.UDP, addr("10.1.1.1", 1000), DNS));
            Connection second = Opens.open(b, Protocol.UDP, addr("10.1.1.1", 1001), DNS);
            assertNotNull(second);
            second.attach(new Fixture.RecordingCloser());
            assertSame(second, Opens.open(b, Protocol.UDP, addr("10.1.1.1", 1001), DNS), "its own flow: not a new one");
            assertNull(Opens.open(b, Protocol.UDP, addr("10.1.1.1", 1002), DNS));
            f.advanceSeconds(301); // both flows expire
            assertNotNull(Opens.open(b, Protocol.UDP, addr("10.1.1.1", 1002), DNS));
            assertEquals(1, ((ServiceEntry) b).openFromSource(ip("10.1.1.1")));
        }
    }

    @Test
    void sourceLimit_rate_tokenBucket_refusalTakesNoToken() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1))
                    .sourceLimit(SourceLimit.rate(2, 3)).build());
            int port = 40000;
            for (int i = 0; i < 3; i++) {
                assertNotNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", port++), VIP), "burst " + i);
            }
            for (int i = 0; i < 5; i++) {
                assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", port++), VIP), "empty bucket");
            }
            assertEquals(5, defences(f).sourceRateRefused());
            f.ticker.advance(Duration.ofMillis(499));
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", port++), VIP));
            f.ticker.advance(Duration.ofMillis(1));
            assertNotNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", port++), VIP), "one token after 500 ms");
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", port++), VIP));
            f.ticker.advance(Duration.ofSeconds(10));
            for (int i = 0; i < 3; i++) {
                assertNotNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", port++), VIP), "full again: a burst of 3");
            }
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", port++), VIP));
            assertEquals(8, defences(f).sourceRateRefused());
            assertEquals(7, f.status(b.id()).stats().connections());
        }
    }

    @Test
    void sourceLimit_prefixLengths_groupNetworks() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP6).realServer(RealServer.of(addr("2001:db8::10", 80)))
                    .sourceLimit(SourceLimit.maxConnections(2).withPrefixLengths(24, 64)).build());
            tcp(b, "2001:db8:1:2::1", 1, VIP6);
            tcp(b, "2001:db8:1:2:ffff::9", 1, VIP6); // the same /64
            assertNull(Opens.open(b, Protocol.TCP, addr("2001:db8:1:2::77", 1), VIP6));
            tcp(b, "2001:db8:1:3::1", 1, VIP6);
            tcp(b, "10.1.1.1", 1, VIP6); // an IPv4 client of an IPv6 service: /24
            tcp(b, "10.1.1.200", 1, VIP6);
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.7", 2), VIP6));
            tcp(b, "10.1.2.7", 1, VIP6);
            assertEquals(2, defences(f).sourceConnectionsRefused());
            assertEquals(4, defences(f).trackedSources());
        }
    }

    @Test
    void sourceTable_boundedMemory_refusesNewSourcesOnlyWhenEverySlotHoldsOpenConnections() {
        try (Fixture f = new Fixture()) {
            // 16 sources fit: one set of the set-associative table.
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1))
                    .sourceLimit(SourceLimit.maxConnections(5).withMaxSources(16)).build());
            List<Connection> held = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                held.add(tcp(b, "10.2.0." + i, 1, VIP));
            }
            assertNull(Opens.open(b, Protocol.TCP, addr("10.3.0.1", 1), VIP), "no room");
            assertEquals(1, defences(f).sourceTableFull());
            tcp(b, "10.2.0.3", 2, VIP); // a known source still gets in
            held.get(7).onClosed(); // 10.2.0.7 has nothing open now: its place can go
            tcp(b, "10.3.0.1", 1, VIP);
            assertNull(Opens.open(b, Protocol.TCP, addr("10.3.0.2", 1), VIP));
            assertEquals(2, defences(f).sourceTableFull());
            assertEquals(16, defences(f).trackedSources());
        }
        try (Fixture f = new Fixture()) {
            // With a rate only, sources hold no place: a new one takes the place of the one refilled earliest.
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1))
                    .sourceLimit(SourceLimit.rate(1, 1).withMaxSources(16)).build());
            for (int i = 0; i < 1000; i++) {
                assertNotNull(Opens.open(b, Protocol.TCP, addr("10." + (i >> 8) + "." + (i & 255) + ".1", 1), VIP));
            }
            assertEquals(0, defences(f).sourceTableFull());
            assertEquals(16, defences(f).trackedSources(), "memory stays bounded");
        }
    }

    @Test
    void memoryDefence_dropsIdleEntriesOldestFirst_keepsOpenConnections_refusesAGrowingShare() {
        AtomicLong available = new AtomicLong(10_000);
        try (Fixture f = new Fixture(d -> d.memoryThreshold(1000).availableMemory(available::get)
                .maxConnections(8192))) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1))
                    .persistence(Duration.ofSeconds(300)).build());
            // 300 closed connections (TIME_WAIT, no sockets), a second apart, each from its own client; their
            // templates stay while they live.
            List<Connection> closed = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                Connection c = tcp(b, "10.5." + (i >> 8) + "." + (i & 255), 1000, VIP);
                c.onBackendConnected();
                c.onClientFin();
                c.onServerFin();
                c.onClosed();
                closed.add(c);
                f.ticker.advance(Duration.ofMillis(100));
            }
            // Open connections: never dropped, nor the templates that control them.
            List<Connection> live = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Connection c = tcp(b, "10.6.0." + i, 1000, VIP);
                c.attach(new Fixture.RecordingCloser());
                c.onBackendConnected();
                live.add(c);
            }
            f.director.runDefences();
            assertEquals(640, f.director.connections().size());
            MemoryDefenceStatus calm = f.director.defences().memory();
            assertTrue(calm.enabled());
            assertFalse(calm.underPressure());
            assertEquals(10_000, calm.availableBytes());

            available.set(100); // below the threshold
            f.director.runDefences(); // a budget of 256 (capacity / 32): the 256 oldest closed ones go
            MemoryDefenceStatus low = f.director.defences().memory();
            assertTrue(low.underPressure());
            assertEquals(1, low.refusing(), "1000 / (1000 - 100): every new connection");
            assertEquals(256, low.entriesDropped());
            List<InetSocketAddress> left = f.connections().stream().map(ConnectionStatus::client)
                    .collect(Collectors.toList());
            for (int i = 0; i < 300; i++) {
                assertEquals(i >= 256, left.contains(closed.get(i).client()), "closed connection " + i);
            }
            for (Connection c : live) {
                assertTrue(left.contains(c.client()), "open connections stay");
            }
            assertNull(Opens.open(b, Protocol.TCP, addr("10.7.0.1", 1), VIP));
            assertEquals(1, f.director.defences().memory().connectionsRefused());

            f.director.runDefences(); // the rest of the closed ones, then templates no connection uses
            f.director.runDefences();
            assertEquals(40, f.director.connections().size(), "the 20 open connections and their templates");
            for (Connection c : live) {
                assertNotNull(c.attached(), "never reset");
            }

            available.set(950); // 1000 / (1000 - 950) = 20: one in 20 is refused
            f.director.runDefences();
            int refused = 0;
            for (int i = 0; i < 100; i++) {
                Connection c = Opens.open(b, Protocol.TCP, addr("10.8.0." + i, 1), VIP);
                refused += c == null ? 1 : 0;
            }
            assertEquals(5, refused);
            available.set(5000);
            f.director.runDefences();
            assertEquals(0, f.director.defences().memory().refusing());
            for (int i = 0; i < 100; i++) {
                assertNotNull(Opens.open(b, Protocol.TCP, addr("10.9.0." + i, 1), VIP));
            }
            assertEquals(6, f.director.defences().memory().connectionsRefused());
        }
    }

    @Test
    void memoryDefence_dropsIdleUdpFlowsThroughTheirCloser_butNotRecentOnes() {
        AtomicLong available = new AtomicLong(0);
        try (Fixture f = new Fixture(d -> d.memoryThreshold(1000).availableMemory(available::get))) {
            RunningService b = f.start(VirtualService.udp(DNS).realServer(RealServer.of(addr("192.168.1.2", 53)))
                    .build());
            Connection old = Opens.open(b, Protocol.UDP, addr("10.1.1.1", 1000), DNS);
            Fixture.RecordingCloser oldSocket = new Fixture.RecordingCloser();
            old.attach(oldSocket);
            f.ticker.advance(Duration.ofSeconds(61));
            Connection recent = Opens.open(b, Protocol.UDP, addr("10.1.1.2", 1000), DNS);
            Fixture.RecordingCloser recentSocket = new Fixture.RecordingCloser();
            recent.attach(recentSocket);
            f.director.runDefences();
            assertEquals(1, oldSocket.closes);
            assertEquals(0, recentSocket.closes);
            assertEquals(1, f.connections().size());
        }
    }

    @Test
    void memoryDefence_offWithThresholdZero_andDefaultIsOn() {
        try (Fixture f = new Fixture(d -> d.memoryThreshold(0).availableMemory(() -> -1))) {
            f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            f.director.runDefences();
            assertEquals(MemoryDefenceStatus.DISABLED, f.director.defences().memory());
        }
        try (Fixture f = new Fixture()) {
            f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            f.director.runDefences();
            MemoryDefenceStatus m = f.director.defences().memory();
            assertTrue(m.enabled());
            assertEquals(Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 16), m.thresholdBytes());
            assertTrue(m.availableBytes() > m.thresholdBytes() && m.availableBytes() <= Runtime.getRuntime()
                    .maxMemory(), "measured " + m.availableBytes());
            assertFalse(m.underPressure());
        }
    }

    @Test
    void defences_listSettingsAndCounters_zeroedWithTheCounters() {
        try (Fixture f = new Fixture()) {
            VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).deny(cidrs("10.0.0.0/8"))
                    .sourceLimit(SourceLimit.maxConnections(1)).maxConnections(100)
                    .awaitClientData(Duration.ofSeconds(5)).build();
            RunningService b = f.start(vs);
            assertNull(Opens.open(b, Protocol.TCP, addr("10.0.0.9", 1), VIP));
            Connection c = tcp(b, "192.0.2.1", 1, VIP);
            assertNull(Opens.open(b, Protocol.TCP, addr("192.0.2.1", 2), VIP));
            b.refused(io.jvs.api.Refusal.CLIENT_DATA_TIMEOUT);
            c.onClosed();
            ServiceDefenceStatus d = defences(f);
            assertEquals(vs.id(), d.service());
            assertEquals(List.of(Cidr.parse("10.0.0.0/8")), d.deny());
            assertEquals(List.of(), d.allow());
            assertEquals(SourceLimit.maxConnections(1), d.sourceLimit());
            assertEquals(100, d.maxConnections());
            assertEquals(Duration.ofSeconds(5), d.clientDataTimeout());
            assertEquals(1, d.denied());
            assertEquals(1, d.sourceConnectionsRefused());
            assertEquals(1, d.clientDataTimeouts());
            assertEquals(3, d.refused());
            assertEquals(f.director.connectionTable(), f.director.defences().connectionTable());
            f.director.zeroCounters();
            assertEquals(0, defences(f).refused());
        }
    }
    /**
     * Issue 13 review, bug 5: an edit ({@code -E}) that replaces the per-source table while a new connection is
     * admitted and placed: the connection is counted in the table it was admitted in, and given back there, so the
     * new table's counts stay right. The scheduler makes the edit during the connection's placement.
     */
    @Test
    void sourceLimit_tableReplacedWhileAConnectionIsPlaced_countsItInTheTableItWasAdmittedIn() {
        try (Fixture f = new Fixture()) {
            java.util.concurrent.atomic.AtomicReference<Runnable> duringSelect =
                    new java.util.concurrent.atomic.AtomicReference<>();
            io.jvs.api.Scheduler.Factory rr = io.jvs.api.Scheduler.Factory.byName("rr");
            io.jvs.api.Scheduler.Factory hooked = new io.jvs.api.Scheduler.Factory() {
                @Override
                public String name() {
                    return "rr";
                }

                @Override
                public io.jvs.api.Scheduler create(io.jvs.api.Scheduler.Context context) {
                    io.jvs.api.Scheduler inner = rr.create(context);
                    return new io.jvs.api.Scheduler() {
                        @Override
                        public void update(List<io.jvs.api.Destination> destinations) {
                            inner.update(destinations);
                        }

                        @Override
                        public io.jvs.api.Destination select(io.jvs.api.ConnectionKey key) {
                            Runnable r = duringSelect.getAndSet(null);
                            if (r != null) {
                                r.run();
                            }
                            return inner.select(key);
                        }
                    };
                }
            };
            VirtualService before = VirtualService.tcp(VIP).scheduler(hooked).realServer(RealServer.of(RS1))
                    .sourceLimit(SourceLimit.maxConnections(5)).build();
            VirtualService after = before.toBuilder().sourceLimit(SourceLimit.maxConnections(1).withMaxSources(128))
                    .build();
            RunningService b = f.start(before);
            duringSelect.set(() -> f.director.update(after));
            Connection a = tcp(b, "10.1.1.1", 40000, VIP); // admitted in the old table, placed after the edit
            Connection second = tcp(b, "10.1.1.1", 40001, VIP); // the first in the new table (limit 1)
            assertEquals(1, ((ServiceEntry) b).openFromSource(ip("10.1.1.1")));
            a.onClosed(); // given back to the old table: the new one still counts the second connection
            assertEquals(1, ((ServiceEntry) b).openFromSource(ip("10.1.1.1")));
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", 40002), VIP), "one at once from the source");
            second.onClosed();
            assertNotNull(Opens.open(b, Protocol.TCP, addr("10.1.1.1", 40003), VIP));
        }
    }
}
