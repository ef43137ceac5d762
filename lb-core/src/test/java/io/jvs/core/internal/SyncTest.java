package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.SyncRecord;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import io.jvs.core.StateSync;
import io.jvs.core.SyncPolicy;
import io.jvs.core.SyncTarget;
import io.jvs.testing.Allocations;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Connection sync in the director: when IPVS's rules publish an entry ({@link StateSync}), and how a received entry
 * is bound, updated, replaced or refused ({@link SyncTarget}), with the counters lc/wlc read.
 */
class SyncTest {

    private static final InetSocketAddress VIP = addr("10.0.0.1", 80);
    private static final InetSocketAddress RS1 = addr("192.168.1.2", 80);
    private static final InetSocketAddress RS2 = addr("192.168.1.3", 80);

    /** Records what the director publishes. */
    static final class Recorder implements StateSync {
        final List<SyncRecord> published = new ArrayList<>();
        SyncTarget target;

        @Override
        public synchronized void changed(Entry e) {
            published.add(e.toRecord());
        }

        @Override
        public void attached(SyncTarget t) {
            target = t;
        }

        synchronized List<SyncRecord> take() {
            List<SyncRecord> l = new ArrayList<>(published);
            published.clear();
            return l;
        }
    }

    private static VirtualService web(boolean persistent) {
        VirtualService.Builder b = VirtualService.tcp(VIP).scheduler("rr").realServer(RealServer.of(RS1))
                .realServer(RealServer.of(RS2));
        return (persistent ? b.persistence(Duration.ofSeconds(300)) : b).build();
    }

    private static Fixture director(Recorder r) {
        return new Fixture(b -> b.stateSync(r));
    }

    @Test
    void tcpIsPublishedInSynRecvAtPacketThreeEveryFiftyAndAtOnceOnClosingStates() {
        Recorder rec = new Recorder();
        try (Fixture f = director(rec)) {
            RunningService s = f.start(web(false));
            Connection c = Fixture.tcp(s, "10.9.0.1", 40000, VIP);
            List<SyncRecord> p = rec.take();
            assertEquals(1, p.size(), "SYN_RECV at once (JVS syncs it, IPVS does not): " + p);
            assertEquals(3, p.get(0).state());
            assertEquals(0, p.get(0).flags() & SyncRecord.F_INACTIVE, "SYN_RECV is active");
            assertEquals(addr("10.9.0.1", 40000), p.get(0).client());
            assertEquals(60, p.get(0).timeoutSeconds(), "the state's timeout");
            c.onBackendConnected(); // packet 2: ESTABLISHED, not yet
            assertEquals(List.of(), rec.take());
            c.countInbound(10); // packet 3
            p = rec.take();
            assertEquals(1, p.size());
            assertEquals(1, p.get(0).state());
            assertEquals(900, p.get(0).timeoutSeconds());
            for (int i = 4; i <= 52; i++) {
                c.countInbound(10);
            }
            assertEquals(List.of(), rec.take(), "packets 4-52");
            c.countInbound(10);
            assertEquals(1, rec.take().size(), "packet 53");
            c.onClientFin();
            p = rec.take();
            assertEquals(1, p.size());
            assertEquals(7, p.get(0).state(), "CLOSE_WAIT at once");
            assertEquals(SyncRecord.F_INACTIVE, p.get(0).flags() & SyncRecord.F_INACTIVE);
        }
    }

    @Test
    void aTemplateIsPublishedWithEveryConnectionItControls_andDrDirectRoutesInTheFlags() {
        Recorder rec = new Recorder();
        try (Fixture f = director(rec)) {
            RunningService s = f.start(VirtualService.tcp(VIP).scheduler("rr").persistence(Duration.ofSeconds(300))
                    .realServer(RealServer.of(RS1).withForwardingMethod(ForwardingMethod.DR)).build());
            FlowRequest r = new FlowRequest().setV4(6, 0x0A090001, 40000, 0x0A000001, 80).packetBytes(60);
            assertEquals(Outcome.PLACED, s.open(r));
            List<SyncRecord> p = rec.take();
            assertEquals(2, p.size(), "the connection, then its template: " + p);
            assertEquals(SyncRecord.F_DROUTE | SyncRecord.F_NOOUTPUT, p.get(0).flags() & ~SyncRecord.F_INACTIVE);
            SyncRecord t = p.get(1);
            assertTrue(t.isTemplate());
            assertEquals(addr("10.9.0.1", 0), t.client());
            assertEquals(300, t.timeoutSeconds());
            assertEquals(SyncRecord.F_DROUTE | SyncRecord.F_TEMPLATE, t.flags());
            s.open(r.setV4(6, 0x0A090001, 40000, 0x0A000001, 80).tcpFlags(FlowRequest.ACK).packetBytes(60));
            p = rec.take();
            assertEquals(1, p.size(), "packet 2: the template only");
            assertTrue(p.get(0).isTemplate());
        }
    }

    @Test
    void aBackupBindsReceivedEntriesToItsServersAndCountsThem() {
        Recorder master = new Recorder();
        try (Fixture a = director(master); Fixture b = new Fixture()) {
            RunningService s = a.start(web(true));
            b.start(web(true));
            Connection c = Fixture.tcp(s, "10.9.0.1", 40000, VIP);
            c.onBackendConnected();
            c.countInbound(10);
            InetSocketAddress server = c.destinationAddress();
            for (SyncRecord r : master.take()) {
                SyncTarget.Result res = b.director.syncTarget().apply(r, "d1");
                assertTrue(res == SyncTarget.Result.CREATED || res == SyncTarget.Result.UPDATED, res::toString);
            }
            RealServerStatus st = b.server(web(true).id(), server);
            assertEquals(1, st.activeConnections(), "ESTABLISHED counts active on the backup: lc/wlc see it");
            assertEquals(0, st.inactiveConnections());
            assertEquals(1, st.persistentConnections(), "the template");
            ConnectionStatus e = b.entry(addr("10.9.0.1", 40000));
            assertEquals("ESTABLISHED", e.state());
            assertEquals(server, e.destination());
            assertEquals(Duration.ofSeconds(900), e.expiresIn());

            // A persistent client comes back through the backup: its template sends it to the same server.
            RunningService bs = b.director.runningService(web(true).id()).orElseThrow();
            for (int port = 40001; port < 40005; port++) {
                assertEquals(server, Fixture.tcp(bs, "10.9.0.1", port, VIP).destinationAddress());
            }

            // The master's client closes: the INACTIVE flip moves the backup's counters.
            c.onClientFin();
            master.take().forEach(r -> b.director.syncTarget().apply(r, "d1"));
            st = b.server(web(true).id(), server);
            assertEquals(4, st.activeConnections(), "the four local SYN_RECV");
            assertEquals(1, st.inactiveConnections(), "CLOSE_WAIT");
            assertEquals(1, b.director.syncCount(SyncTarget.Result.CREATED) - 1, "connection and template created");
        }
    }

    private static SyncRecord record(InetSocketAddress dest, int state, int flags, long timeout) {
        return new SyncRecord(6, flags, state, addr("10.9.0.7", 41000), VIP, dest, 0, timeout, null, null, null);
    }

    @Test
    void anotherServerReplacesUnlessInactive_unboundIsNotKept_andTheTimeoutIsTheRecords() {
        try (Fixture b = new Fixture()) {
            b.start(web(false));
            SyncTarget t = b.director.syncTarget();
            assertEquals(SyncTarget.Result.CREATED, t.apply(record(RS1, 1, 0, 30), "d1"));
            assertEquals(SyncTarget.Result.STALE, t.apply(record(RS2, 5, SyncRecord.F_INACTIVE, 120), "d2"));
            assertEquals(RS1, b.entry(addr("10.9.0.7", 41000)).destination());
            assertEquals(SyncTarget.Result.REPLACED, t.apply(record(RS2, 1, 0, 30), "d2"));
            assertEquals(RS2, b.entry(addr("10.9.0.7", 41000)).destination());
            assertEquals(0, b.server(web(false).id(), RS1).activeConnections());
            assertEquals(1, b.server(web(false).id(), RS2).activeConnections());
            assertEquals(SyncTarget.Result.UNBOUND, t.apply(new SyncRecord(6, 0, 1, addr("10.9.0.7", 1), VIP,
                    addr("192.168.9.9", 80), 0, 30, null, null, null), "d2"), "no such real server here");
            assertEquals(SyncTarget.Result.UNBOUND, t.apply(new SyncRecord(6, 0, 1, addr("10.9.0.7", 1),
                    addr("10.0.0.2", 80), RS1, 0, 30, null, null, null), "d2"), "no such service here");
            b.advanceSeconds(31);
            assertEquals(List.of(), b.connections(), "gone after the record's 30 s");
            assertEquals(0, b.server(web(false).id(), RS2).activeConnections());
        }
    }

    @Test
    void aReceivedEntryIsAdoptedAtItsFirstLocalPacket_andPublishedFromThenOn() {
        Recorder rec = new Recorder();
        try (Fixture b = director(rec)) {
            RunningService s = b.start(VirtualService.tcp(VIP).scheduler("rr")
                    .realServer(RealServer.of(RS1).withForwardingMethod(ForwardingMethod.DR)).build());
            rec.target.apply(record(RS1, 1, SyncRecord.F_DROUTE, 900), "d2");
            ConnectionEntry e = (ConnectionEntry) b.connectionTable().find(0, 0, false, 0, 0, 0, 0, 0, 0);
            assertNull(e, "(a key that is not there)");
            FlowRequest r = new FlowRequest().setV4(6, 0x0A090007, 41000, 0x0A000001, 80).tcpFlags(FlowRequest.ACK)
                    .packetBytes(60);
            assertEquals(Outcome.FOUND, s.open(r), "a mid-flow packet of another director's connection goes on");
            ConnectionEntry found = (ConnectionEntry) r.connection();
            assertNull(found.owner(), "adopted");
            assertEquals(RS1, found.destinationAddress());
            // The entry starts at the threshold (3): the next publication is at packet 53.
            for (int i = 0; i < 48; i++) {
                s.open(r.setV4(6, 0x0A090007, 41000, 0x0A000001, 80).tcpFlags(FlowRequest.ACK).packetBytes(60));
            }
            assertEquals(List.of(), rec.take());
            s.open(r.setV4(6, 0x0A090007, 41000, 0x0A000001, 80).tcpFlags(FlowRequest.ACK).packetBytes(60));
            assertEquals(1, rec.take().size());
        }
    }

    /**
     * Issue 13 review, bug 7: connections taken over after a failover count toward the service's connection limit and
     * the per-source limit from their first local packet; over a limit they live all the same, and new connections
     * meet the limit they pushed up until they end.
     */
    @Test
    void adoptedEntries_takeAPlaceAndASourceCount_andLiveOverTheLimit() {
        try (Fixture b = new Fixture()) {
            RunningService s = b.start(VirtualService.tcp(VIP).scheduler("rr")
                    .realServer(RealServer.of(RS1).withForwardingMethod(ForwardingMethod.DR))
                    .maxConnections(2).sourceLimit(io.jvs.api.SourceLimit.maxConnections(1)).build());
            for (int port = 41000; port < 41003; port++) {
                assertEquals(SyncTarget.Result.CREATED, b.director.syncTarget().apply(new SyncRecord(6,
                        SyncRecord.F_DROUTE, 1, addr("10.9.0.7", port), VIP, RS1, 0, 900, null, null, null), "d2"));
            }
            ServiceEntry e = (ServiceEntry) s;
            assertEquals(0, b.director.defences().services().get(0).openConnections(), "synced: not this director's");
            FlowRequest r = new FlowRequest();
            for (int port = 41000; port < 41003; port++) {
                assertEquals(Outcome.FOUND, s.open(r.setV4(6, 0x0A090007, port, 0x0A000001, 80)
                        .tcpFlags(FlowRequest.ACK).packetBytes(60)), "never dropped: port " + port);
                s.open(r.setV4(6, 0x0A090007, port, 0x0A000001, 80).tcpFlags(FlowRequest.ACK).packetBytes(60));
            }
            assertEquals(3, b.director.defences().services().get(0).openConnections(), "over the limit of 2");
            assertEquals(3, e.openFromSource(Fixture.ip("10.9.0.7")), "over the source's limit of 1");
            assertEquals(Outcome.SERVICE_LIMIT, s.open(r.setV4(6, 0x0A090008, 1, 0x0A000001, 80)), "a new client waits");
            for (int port = 41000; port < 41003; port++) {
                s.open(r.setV4(6, 0x0A090007, port, 0x0A000001, 80).tcpFlags(FlowRequest.RST));
            }
            b.advanceSeconds(11); // CLOSE: 10 s
            assertEquals(0, b.director.defences().services().get(0).openConnections());
            assertEquals(0, e.openFromSource(Fixture.ip("10.9.0.7")));
            assertEquals(Outcome.PLACED, s.open(r.setV4(6, 0x0A090008, 1, 0x0A000001, 80)));
        }
    }

    @Test
    void theSnapshotGivesOwnEntriesFirstWithTheTimeLeft() {
        try (Fixture b = new Fixture()) {
            RunningService s = b.start(web(false));
            b.director.syncTarget().apply(record(RS1, 1, 0, 500), "d2");
            Fixture.tcp(s, "10.9.0.1", 40000, VIP);
            b.ticker.advance(Duration.ofSeconds(100));
            List<SyncRecord> all = new ArrayList<>();
            b.director.syncTarget().snapshot(all::add);
            assertEquals(2, all.size());
            assertEquals(addr("10.9.0.1", 40000), all.get(0).client(), "own first");
            assertEquals(400, all.get(1).timeoutSeconds(), "500 s less the 100 s gone by");
        }
    }

    @Test
    void policyRules_andBuilderRules() {
        assertThrows(IllegalArgumentException.class, () -> new SyncPolicy(50, 50, Duration.ZERO, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SyncPolicy(3, 50, Duration.ZERO, 4, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyncPolicy(3, 50, Duration.ofSeconds(-1), 0, false));
        assertEquals("refreshPeriod: PT-1S (expected: PT0S-PT24H)", e.getMessage());
        new SyncPolicy(7, 0, Duration.ZERO, 0, false);
        Recorder r = new Recorder();
        io.jvs.core.Director.Builder b = io.jvs.core.Director.builder().stateSync(r);
        assertThrows(IllegalStateException.class, () -> b.stateSync(StateSync.NONE));
        b.syncPolicy(SyncPolicy.DEFAULT);
        assertThrows(IllegalStateException.class, () -> b.syncPolicy(SyncPolicy.DEFAULT));
    }

    @Test
    void periodZeroPublishesOnlyAtTheThreshold() {
        Recorder rec = new Recorder();
        try (Fixture f = new Fixture(b -> b.stateSync(rec).syncPolicy(new SyncPolicy(2, 0, Duration.ZERO, 0,
                false)))) {
            RunningService s = f.start(VirtualService.udp(addr("10.0.0.1", 53)).scheduler("rr")
                    .realServer(RealServer.of("192.168.1.2", 53)).build());
            FlowRequest r = new FlowRequest();
            for (int i = 0; i < 10; i++) {
                s.open(r.setV4(17, 0x0A080101, 5353, 0x0A000001, 53).packetBytes(100));
            }
            List<SyncRecord> p = rec.take();
            assertEquals(1, p.size(), "UDP: packet 2 only");
            assertEquals(17, p.get(0).protocol());
            assertEquals(0, p.get(0).state());
        }
    }

    @Test
    void publishingAllocatesNothingPerPacket() {
        Allocations.assumeCounted();
        long[] seen = new long[1];
        StateSync counting = e -> seen[0] += e.clientLow() + e.destinationLow() + e.syncFlags() + e.timeoutSeconds()
                + e.fwmark() + e.syncState() + e.destinationPort();
        try (Fixture f = new Fixture(b -> b.stateSync(counting).syncPolicy(new SyncPolicy(0, 1, Duration.ZERO, 0,
                false)))) {
            RunningService s = f.start(VirtualService.udp(addr("10.0.0.1", 53)).scheduler("rr")
                    .persistence(Duration.ofSeconds(60)).realServer(RealServer.of("192.168.1.2", 53)).build());
            FlowRequest r = new FlowRequest();
            assertEquals(Outcome.PLACED, s.open(r.setV4(17, 0x0A080101, 5353, 0x0A000001, 53).packetBytes(100)));
            long bytes = Allocations.leastOf(10, () -> {
                for (int i = 0; i < 10_000; i++) {
                    s.open(r.setV4(17, 0x0A080101, 5353, 0x0A000001, 53).packetBytes(100));
                }
            });
            assertTrue(bytes < 1024, "10,000 published packets allocated " + bytes + " bytes");
            assertTrue(seen[0] != 0);
        }
    }

    @Test
    void withoutStateSyncNoRuleRuns() {
        try (Fixture f = new Fixture()) {
            f.start(web(false));
            assertNull(f.connectionTable().sync);
            assertSame(StateSync.NONE, StateSync.NONE);
            assertEquals(0, f.director.syncCount(SyncTarget.Result.CREATED));
        }
    }

    @Test
    void ownEntriesWithOpenSocketsAreKept() {
        try (Fixture b = new Fixture()) {
            RunningService s = b.start(VirtualService.tcp(VIP).scheduler("rr").realServer(RealServer.of(RS1))
                    .build());
            Connection c = Fixture.tcp(s, "10.9.0.7", 41000, VIP);
            c.attach(reset -> {});
            assertEquals(SyncTarget.Result.LOCAL, b.director.syncTarget().apply(record(RS1, 5, 0, 30), "d2"));
            assertEquals("SYN_RECV", b.entry(addr("10.9.0.7", 41000)).state());
            assertEquals(ServiceId.tcp(VIP), c.service());
            assertEquals(Protocol.TCP, c.protocol());
        }
    }
}
