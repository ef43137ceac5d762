package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.Refusal;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.SourceLimit;
import io.jvs.api.Stats;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import io.jvs.testing.Allocations;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The one pipeline every data path asks ({@link RunningService#open}): each answer, each refusal counted under its own
 * reason, and the packet data path's use of it (primitive keys, TCP flags, packets counted, no allocation).
 */
class PipelineTest {

    private static final InetSocketAddress VIP = addr("10.0.0.1", 80);
    private static final InetSocketAddress DNS = addr("10.0.0.1", 53);
    private static final int VIP_V4 = 0x0A000001;

    private static VirtualService.Builder tcp() {
        return VirtualService.tcp(VIP).scheduler("rr").realServer(RealServer.of("192.168.1.2", 80));
    }

    private static Outcome open(RunningService s, Protocol p, String client, int port, InetSocketAddress virtual) {
        return s.open(new FlowRequest().set(p, addr(client, port), virtual));
    }

    private static ServiceDefenceStatus defences(Fixture f) {
        return f.director.defences().services().get(0);
    }

    @Test
    void accessDenied_countedUnderItsReason() {
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(tcp().deny(List.of(Cidr.parse("10.9.0.0/16"))).build());
            assertEquals(Outcome.ACCESS_DENIED, open(s, Protocol.TCP, "10.9.1.1", 1, VIP));
            assertEquals(Outcome.PLACED, open(s, Protocol.TCP, "10.8.1.1", 1, VIP));
            assertEquals(1, defences(f).refused(Refusal.ACCESS_DENIED));
            assertEquals(1, defences(f).refused(), "nothing else counted: " + defences(f).refusals());
        }
    }

    @Test
    void noDestination_isNotADefenceRefusal() {
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(VirtualService.tcp(VIP).scheduler("rr")
                    .realServer(RealServer.of("192.168.1.2", 80).withWeight(0)).build());
            assertEquals(Outcome.NO_DESTINATION, open(s, Protocol.TCP, "10.8.1.1", 1, VIP));
            assertEquals(1, defences(f).refused(Refusal.NO_DESTINATION));
            assertEquals(0, defences(f).denied());
        }
    }

    @Test
    void sourceLimits_eachReasonApart() {
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(tcp().sourceLimit(SourceLimit.maxConnections(1).withRate(1, 2)).build());
            assertEquals(Outcome.PLACED, open(s, Protocol.TCP, "10.8.1.1", 1, VIP));
            assertEquals(Outcome.SOURCE_CONNECTIONS, open(s, Protocol.TCP, "10.8.1.1", 2, VIP));
            assertEquals(Outcome.PLACED, open(s, Protocol.TCP, "10.8.1.2", 1, VIP));
            assertEquals(1, defences(f).refused(Refusal.SOURCE_CONNECTIONS));
            assertEquals(0, defences(f).refused(Refusal.SOURCE_RATE));
        }
    }

    @Test
    void memoryShort_refusedAndCounted() {
        AtomicLong available = new AtomicLong(1L << 30);
        try (Fixture f = new Fixture(d -> d.memoryThreshold(1000).availableMemory(available::get))) {
            RunningService s = f.start(tcp().build());
            available.set(0); // nothing left: every new connection is refused
            f.director.runDefences();
            assertEquals(Outcome.MEMORY_SHORT, open(s, Protocol.TCP, "10.8.1.1", 1, VIP));
            assertEquals(1, defences(f).refused(Refusal.MEMORY_SHORT));
        }
    }

    @Test
    void serviceLimit_placesHeldUntilSocketsClose_udpRefusalsCounted_tcpHeldNotCounted() {
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(tcp().maxConnections(2).build());
            FlowRequest r = new FlowRequest();
            assertEquals(Outcome.PLACED, s.open(r.set(Protocol.TCP, addr("10.8.1.1", 1), VIP)));
            Connection first = r.connection();
            assertEquals(Outcome.PLACED, open(s, Protocol.TCP, "10.8.1.1", 2, VIP));
            assertTrue(s.atConnectionLimit());
            assertEquals(Outcome.SERVICE_LIMIT, open(s, Protocol.TCP, "10.8.1.1", 3, VIP));
            assertEquals(0, defences(f).refused(Refusal.SERVICE_LIMIT),
                    "a TCP client at the limit waits (socket: held; packet: its SYN is sent again): not a refusal");
            assertEquals(2, defences(f).openConnections());
            first.onClosed(); // its sockets closed: its place is free, though its entry stays in CLOSE
            assertFalse(s.atConnectionLimit());
            assertEquals(Outcome.PLACED, open(s, Protocol.TCP, "10.8.1.1", 3, VIP));
        }
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(VirtualService.udp(DNS).scheduler("rr").maxConnections(1)
                    .realServer(RealServer.of("192.168.1.2", 53)).build());
            assertEquals(Outcome.PLACED, open(s, Protocol.UDP, "10.8.1.1", 1, DNS));
            assertEquals(Outcome.FOUND, open(s, Protocol.UDP, "10.8.1.1", 1, DNS), "the flow goes on at the limit");
            assertEquals(Outcome.SERVICE_LIMIT, open(s, Protocol.UDP, "10.8.1.2", 1, DNS));
            assertEquals(1, defences(f).refused(Refusal.SERVICE_LIMIT), "a dropped datagram is a refusal");
            f.advanceSeconds(301); // the flow expires, and gives its place back
            assertEquals(0, defences(f).openConnections());
            assertEquals(Outcome.PLACED, open(s, Protocol.UDP, "10.8.1.2", 1, DNS));
        }
    }

    /**
     * A full table: entries of closed connections (TIME_WAIT for two minutes, as IPVS keeps them) yield to new
     * connections, at once or at the next tick, while live connections and their places are never taken.
     */
    @Test
    void tableFull_closedConnectionsYieldToNewOnes_liveOnesNever() {
        try (Fixture f = new Fixture(d -> d.maxConnections(4))) {
            RunningService s = f.start(tcp().build());
            FlowRequest r = new FlowRequest();
            Connection[] live = new Connection[4];
            for (int i = 0; i < 4; i++) {
                assertEquals(Outcome.PLACED, s.open(r.set(Protocol.TCP, addr("10.8.1." + (i + 1), 1), VIP)));
                live[i] = r.connection();
                live[i].onBackendConnected();
            }
            assertEquals(Outcome.TABLE_FULL, open(s, Protocol.TCP, "10.8.2.1", 1, VIP), "four live connections");
            f.advance(Duration.ofMillis(200));
            assertEquals(Outcome.TABLE_FULL, open(s, Protocol.TCP, "10.8.2.1", 1, VIP), "the timer takes none either");
            for (int i = 0; i < 2; i++) { // two end: their entries stay (TIME_WAIT), holding no socket
                live[i].onClientFin();
                live[i].onServerFin();
                live[i].onClosed();
            }
            assertEquals(4, f.director.connections().size());
            f.advance(Duration.ofMillis(200)); // the timer makes room ahead of new clients, or the insert does
            assertEquals(Outcome.PLACED, open(s, Protocol.TCP, "10.8.2.1", 1, VIP), "a closed entry made room");
            assertEquals(Outcome.PLACED, open(s, Protocol.TCP, "10.8.2.2", 1, VIP), "the other one too");
            assertEquals(Outcome.TABLE_FULL, open(s, Protocol.TCP, "10.8.2.3", 1, VIP), "never a live one");
            assertEquals(3, defences(f).refused(Refusal.TABLE_FULL), "the refusals, counted: " + defences(f));
            assertEquals(2, f.director.connectionTable().reclaimed(), "ended entries reclaimed");
            for (int i = 2; i < 4; i++) {
                InetSocketAddress client = live[i].client();
                assertTrue(f.director.connections().stream().anyMatch(c -> c.client().equals(client)), "kept");
            }
        }
    }

    @Test
    void serverDeleted_flowDatagramsRefused_serviceStopped_tableFull() {
        try (Fixture f = new Fixture(d -> d.maxConnections(2))) {
            VirtualService udp = VirtualService.udp(DNS).scheduler("rr").realServer(RealServer.of("192.168.1.2", 53))
                    .realServer(RealServer.of("192.168.1.3", 53)).build();
            RunningService s = f.start(udp);
            assertEquals(Outcome.PLACED, open(s, Protocol.UDP, "10.8.1.1", 1, DNS));
            assertEquals(Outcome.PLACED, open(s, Protocol.UDP, "10.8.1.2", 1, DNS));
            assertEquals(Outcome.TABLE_FULL, open(s, Protocol.UDP, "10.8.1.3", 1, DNS));
            f.director.removeRealServer(udp.id(), addr("192.168.1.2", 53));
            f.director.removeRealServer(udp.id(), addr("192.168.1.3", 53));
            assertEquals(Outcome.SERVER_DELETED, open(s, Protocol.UDP, "10.8.1.1", 1, DNS));
            ServiceDefenceStatus d = defences(f);
            assertEquals(1, d.refused(Refusal.TABLE_FULL));
            assertEquals(1, d.refused(Refusal.SERVER_DELETED));
            f.director.stop(udp.id()).join();
            assertEquals(Outcome.SERVICE_STOPPED, open(s, Protocol.UDP, "10.8.1.9", 1, DNS));
        }
    }

    @Test
    void admitPeer_untrustedProxySourceCounted() {
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(tcp().acceptProxyProtocol(List.of(Cidr.parse("10.1.0.0/16"))).build());
            assertEquals(Outcome.ADMITTED, s.admitPeer(addr("10.1.2.3", 5000)));
            assertEquals(Outcome.UNTRUSTED_PROXY, s.admitPeer(addr("10.2.2.3", 5000)));
            assertEquals(1, defences(f).refused(Refusal.UNTRUSTED_PROXY));
            s.refused(Refusal.PROXY_HEADER);
            assertEquals(1, defences(f).refused(Refusal.PROXY_HEADER));
        }
    }

    @Test
    void packetPath_directRouting_inputOnlyStates_inPacketsCounted_outNever() {
        try (Fixture f = new Fixture()) {
            VirtualService vs = VirtualService.tcp(VIP).scheduler("rr")
                    .realServer(RealServer.of("192.168.1.2", 80).withForwardingMethod(ForwardingMethod.DR)).build();
            RunningService s = f.start(vs);
            FlowRequest r = new FlowRequest();
            int client = 0x0A080101; // 10.8.1.1
            assertEquals(Outcome.NOT_SYN, s.open(r.setV4(6, client, 40000, VIP_V4, 80).tcpFlags(FlowRequest.ACK)
                    .packetBytes(52)), "a segment without SYN makes no entry");
            assertEquals(Outcome.PLACED, s.open(r.setV4(6, client, 40000, VIP_V4, 80).tcpFlags(FlowRequest.SYN)
                    .packetBytes(60)));
            Connection c = r.connection();
            assertEquals("SYN_RECV", f.entry(addr("10.8.1.1", 40000)).state());
            assertEquals(Outcome.FOUND, s.open(r.setV4(6, client, 40000, VIP_V4, 80).tcpFlags(FlowRequest.ACK)
                    .packetBytes(52)));
            assertSame(c, r.connection());
            assertEquals("ESTABLISHED", f.entry(addr("10.8.1.1", 40000)).state(),
                    "the client's ACK establishes it (INPUT-ONLY: replies bypass the director)");
            s.open(r.setV4(6, client, 40000, VIP_V4, 80).tcpFlags(FlowRequest.ACK).packetBytes(1000));
            s.open(r.setV4(6, client, 40000, VIP_V4, 80).tcpFlags(FlowRequest.FIN | FlowRequest.ACK).packetBytes(52));
            assertEquals("FIN_WAIT", f.entry(addr("10.8.1.1", 40000)).state());
            Stats st = f.status(vs.id()).stats();
            assertEquals(1, st.connections());
            assertEquals(4, st.inPackets());
            assertEquals(60 + 52 + 1000 + 52, st.inBytes());
            assertEquals(0, st.outPackets());
            assertEquals(0, st.outBytes());
            assertEquals(Outcome.FOUND, s.lookup(r.setV4(6, client, 40000, VIP_V4, 80)));
            assertEquals(Outcome.NO_ENTRY, s.lookup(r.setV4(6, client, 40001, VIP_V4, 80)));
            assertNull(r.connection());
            assertEquals(4, f.status(vs.id()).stats().inPackets(), "a look-up counts nothing");
        }
    }

    @Test
    void packetPath_foundFlowAllocatesNothing() {
        Allocations.assumeCounted();
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(VirtualService.udp(DNS).scheduler("rr")
                    .realServer(RealServer.of("192.168.1.2", 53).withForwardingMethod(ForwardingMethod.DR)).build());
            FlowRequest r = new FlowRequest();
            assertEquals(Outcome.PLACED, s.open(r.setV4(17, 0x0A080101, 5353, VIP_V4, 53).packetBytes(100)));
            long bytes = Allocations.leastOf(10, () -> {
                for (int i = 0; i < 10_000; i++) {
                    s.open(r.setV4(17, 0x0A080101, 5353, VIP_V4, 53).packetBytes(100));
                }
            });
            assertTrue(bytes < 1024, "10,000 packets of a live flow allocated " + bytes + " bytes");
        }
    }

    /**
     * Issue 13 review, bug 10: a socket data path's questions about IPv6 flows allocate nothing: a flow's own request,
     * set once, asked for each datagram, and the listener's request set for a client with the listener's own endpoint
     * (the virtual address's words are read once, not copied per datagram).
     */
    @Test
    void socketPath_ipv6Datagrams_allocateNothing() {
        Allocations.assumeCounted();
        InetSocketAddress vip6 = addr("2001:db8::1", 53);
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(VirtualService.udp(vip6).scheduler("rr")
                    .realServer(RealServer.of("2001:db8::2", 53)).build());
            FlowRequest flow = new FlowRequest().set(Protocol.UDP, addr("2001:db8:1::7", 5353), vip6);
            InetSocketAddress v4client = addr("10.8.1.1", 5353); // an IPv4 client of a dual-stack listener
            FlowRequest listener = new FlowRequest();
            assertEquals(Outcome.PLACED, s.open(flow));
            assertEquals(Outcome.PLACED, s.open(listener.set(Protocol.UDP, v4client, vip6)));
            long bytes = Allocations.leastOf(10, () -> {
                for (int i = 0; i < 10_000; i++) {
                    assertEquals(Outcome.FOUND, s.open(flow));
                    assertEquals(Outcome.FOUND, s.open(listener.set(Protocol.UDP, v4client, vip6)));
                }
            });
            assertTrue(bytes < 1024, "20,000 datagrams of two live flows allocated " + bytes + " bytes");
        }
    }

    /**
     * Issue 13 review, bug 3: a SYN sent again for a flow still in SYN_RECV (its SYN-ACK was lost) finds the flow; it
     * is not a new connection, so no source limit, rate or count, applies to it.
     */
    @Test
    void packetPath_retransmittedSyn_isFound_notAdmittedAgain() {
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(tcp().sourceLimit(SourceLimit.rate(1, 1)).build());
            FlowRequest r = new FlowRequest();
            assertEquals(Outcome.PLACED, s.open(r.setV4(6, 0x01010101, 5555, VIP_V4, 80).packetBytes(60)));
            for (int i = 0; i < 3; i++) {
                assertEquals(Outcome.FOUND, s.open(r.setV4(6, 0x01010101, 5555, VIP_V4, 80).packetBytes(60)),
                        "retransmission " + i);
            }
            assertEquals("SYN_RECV", f.connections().get(0).state());
            assertEquals(0, defences(f).sourceRateRefused());
            RunningService c = f.start(VirtualService.tcp(addr("10.0.0.2", 80)).scheduler("rr")
                    .realServer(RealServer.of("192.168.1.2", 80)).sourceLimit(SourceLimit.maxConnections(1)).build());
            assertEquals(Outcome.PLACED, c.open(r.setV4(6, 0x01010101, 5555, 0x0A000002, 80)));
            assertEquals(Outcome.FOUND, c.open(r.setV4(6, 0x01010101, 5555, 0x0A000002, 80)));
            assertEquals(1, ((ServiceEntry) c).openFromSource(Fixture.ip("1.1.1.1")), "counted once");
        }
    }

    /**
     * The same key reused by a new connection once the old one is finished (TIME_WAIT, kept because a template
     * controls it) is a new connection: the source rate applies to it again.
     */
    @Test
    void packetPath_synOnAFinishedEntry_isANewConnection() {
        try (Fixture f = new Fixture()) {
            RunningService s = f.start(tcp().persistence(Duration.ofSeconds(300))
                    .sourceLimit(SourceLimit.rate(1, 1)).build());
            FlowRequest r = new FlowRequest();
            assertEquals(Outcome.PLACED, s.open(r.setV4(6, 0x01010101, 5555, VIP_V4, 80)));
            s.open(r.setV4(6, 0x01010101, 5555, VIP_V4, 80).tcpFlags(FlowRequest.ACK));
            s.open(r.setV4(6, 0x01010101, 5555, VIP_V4, 80).tcpFlags(FlowRequest.FIN | FlowRequest.ACK));
            s.open(r.setV4(6, 0x01010101, 5555, VIP_V4, 80).tcpFlags(FlowRequest.RST));
            assertEquals("CLOSE", f.connections().get(0).state());
            assertEquals(Outcome.SOURCE_RATE, s.open(r.setV4(6, 0x01010101, 5555, VIP_V4, 80)),
                    "a new connection within the same second");
            f.ticker.advance(Duration.ofSeconds(1));
            assertEquals(Outcome.FOUND, s.open(r.setV4(6, 0x01010101, 5555, VIP_V4, 80)));
            assertEquals("SYN_RECV", f.connections().get(0).state());
            assertEquals(1, defences(f).sourceRateRefused());
        }
    }

    /**
     * Issue 13 review, bug 9: a refused new flow allocates nothing, so a SYN flood to a service without a usable
     * server, or datagrams to a one-packet service without one, cost no garbage; only a placed flow's entry is new.
     */
    @Test
    void refusedNewFlows_allocateNothing() {
        Allocations.assumeCounted();
        try (Fixture f = new Fixture()) {
            RunningService tcp = f.start(VirtualService.tcp(VIP).scheduler("wlc")
                    .realServer(RealServer.of("192.168.1.2", 80).withWeight(0)).build());
            RunningService persistent = f.start(VirtualService.tcp(addr("10.0.0.2", 80)).scheduler("rr")
                    .persistence(Duration.ofSeconds(60)).realServer(RealServer.of("192.168.1.2", 80).withWeight(0))
                    .build());
            RunningService onePacket = f.start(VirtualService.udp(DNS).scheduler("rr").onePacket()
                    .realServer(RealServer.of("192.168.1.2", 53).withWeight(0)).build());
            FlowRequest r = new FlowRequest();
            long bytes = Allocations.leastOf(10, () -> {
                for (int i = 0; i < 10_000; i++) {
                    int client = 0x0B000000 + i;
                    assertEquals(Outcome.NO_DESTINATION, tcp.open(r.setV4(6, client, 1000 + i, VIP_V4, 80)));
                    assertEquals(Outcome.NO_DESTINATION, persistent.open(r.setV4(6, client, 1000 + i, 0x0A000002, 80)));
                    assertEquals(Outcome.NO_DESTINATION, onePacket.open(r.setV4(17, client, 1000 + i, VIP_V4, 53)
                            .packetBytes(60)));
                }
            });
            assertTrue(bytes < 1024, "30,000 refused new flows allocated " + bytes + " bytes");
            assertEquals(0, f.director.connections().size());
        }
    }

    /**
     * Issue 13 review, bug 6: a data path's flow limit ({@link FlowRequest#flowLimit(Semaphore)}) is admission's last
     * check: a permit is taken only for a flow that passed every other check and has a server, and given back when
     * the table refuses the flow.
     */
    @Test
    void flowLimit_isTheLastCheck_andGivenBackWhenTheTableIsFull() {
        try (Fixture f = new Fixture(b -> b.maxConnections(2))) {
            RunningService s = f.start(VirtualService.udp(DNS).scheduler("rr").deny(List.of(Cidr.parse("10.9.0.0/16")))
                    .realServer(RealServer.of("192.168.1.2", 53)).build());
            Semaphore flows = new Semaphore(0);
            FlowRequest r = new FlowRequest();
            assertEquals(Outcome.ACCESS_DENIED, s.open(r.set(Protocol.UDP, addr("10.9.1.1", 1), DNS).flowLimit(flows)));
            assertEquals(0, defences(f).refused(Refusal.FLOW_LIMIT), "a denied client never meets the flow limit");
            assertEquals(Outcome.FLOW_LIMIT, s.open(r.set(Protocol.UDP, addr("10.8.1.1", 1), DNS).flowLimit(flows)));
            assertEquals(1, defences(f).refused(Refusal.FLOW_LIMIT));
            assertEquals(0, f.director.connections().size(), "no entry for a flow over the limit");
            flows.release(3);
            assertEquals(Outcome.PLACED, s.open(r.set(Protocol.UDP, addr("10.8.1.1", 1), DNS).flowLimit(flows)));
            assertEquals(2, flows.availablePermits(), "a placed flow holds a permit");
            assertEquals(Outcome.FOUND, s.open(r.set(Protocol.UDP, addr("10.8.1.1", 1), DNS).flowLimit(flows)));
            assertEquals(2, flows.availablePermits(), "a flow found takes none");
            assertEquals(Outcome.PLACED, s.open(r.set(Protocol.UDP, addr("10.8.1.2", 1), DNS).flowLimit(flows)));
            assertEquals(Outcome.TABLE_FULL, s.open(r.set(Protocol.UDP, addr("10.8.1.3", 1), DNS).flowLimit(flows)));
            assertEquals(1, flows.availablePermits(), "the permit of a flow the table refused goes back");
            assertEquals(Outcome.NO_ENTRY, s.lookup(r.set(Protocol.UDP, addr("10.8.1.3", 1), DNS)));
        }
    }

    @Test
    void everyRefusalHasADistinctReason() {
        Set<Refusal> seen = EnumSet.noneOf(Refusal.class);
        for (Outcome o : Outcome.values()) {
            if (o.refusal() != null) {
                assertFalse(o.admitted(), o.name());
                assertTrue(seen.add(o.refusal()), "two outcomes count as " + o.refusal());
                assertEquals(o.name(), o.refusal().name());
            } else {
                assertNotNull(o.name());
            }
        }
    }
}
