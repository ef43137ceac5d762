package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.ConnectionStatus;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Refusal;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.SourceLimit;
import io.jvs.api.Stats;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The UDP data path over real sockets, on every transport: flows, replies, expiry, statistics. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpTest {

    private static final String TRANSPORTS = "io.jvs.netty.Lbs#transports";

    static InetSocketAddress startUdp(NettyLoadBalancer lb, VirtualService.Builder b) {
        VirtualService s = b.build();
        Lbs.start(lb, s);
        return s.id().address();
    }

    static VirtualService.Builder udp(String scheduler, UdpBackend... backends) throws Exception {
        VirtualService.Builder b = VirtualService.udp("127.0.0.1", UdpBackend.freePort()).scheduler(scheduler);
        for (UdpBackend be : backends) {
            b.realServer(RealServer.of(be.address()));
        }
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void dnsStyle_manyClients_everyAnswerReachesItsClient_oneFlowEach(Transport t) throws Exception {
        int clients = 120;
        int rounds = 3;
        try (UdpBackend a = new UdpBackend("a"); UdpBackend b = new UdpBackend("b"); UdpBackend c = new UdpBackend("c");
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a, b, c));
            List<UdpClient> list = new ArrayList<>();
            Map<InetSocketAddress, String> serverOf = new HashMap<>();
            long inBytes = 0;
            long outBytes = 0;
            try {
                for (int i = 0; i < clients; i++) {
                    list.add(new UdpClient());
                }
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < clients; i++) {
                        UdpClient cl = list.get(i);
                        String q = "query " + i + " round " + r + " from " + cl.address().getPort();
                        UdpClient.Reply reply = cl.ask(vip, q);
                        assertEquals(vip, reply.from(), "replies come from the virtual address and port");
                        assertTrue(reply.text().endsWith("|" + q), reply.text());
                        String prev = serverOf.putIfAbsent(cl.address(), reply.server());
                        if (prev != null) {
                            assertEquals(prev, reply.server(), "a flow's later datagrams follow its first");
                        }
                        inBytes += q.length();
                        outBytes += reply.text().length();
                    }
                }
                List<ConnectionStatus> flows = lb.connections();
                assertEquals(clients, flows.size(), flows::toString);
                Set<InetSocketAddress> seen = new HashSet<>();
                for (ConnectionStatus f : flows) {
                    assertEquals("UDP", f.state());
                    assertEquals(vip, f.virtual());
                    assertTrue(seen.add(f.client()), "one entry per client: " + f);
                    assertTrue(serverOf.containsKey(f.client()), f.toString());
                }
                assertEquals(clients, lb.stats().udpFlows());
                ServiceStatus s = lb.service(ServiceId.udp(vip)).orElseThrow();
                int inactive = 0;
                for (RealServerStatus rs : s.realServers()) {
                    assertEquals(0, rs.activeConnections(), "UDP flows are never active");
                    assertEquals(clients / 3, rs.inactiveConnections(), "rr: a third each");
                    inactive += rs.inactiveConnections();
                }
                assertEquals(clients, inactive);
                Stats st = s.stats();
                assertEquals(clients, st.connections());
                assertEquals((long) clients * rounds, st.inPackets());
                assertEquals((long) clients * rounds, st.outPackets());
                assertEquals(inBytes, st.inBytes());
                assertEquals(outBytes, st.outBytes());
            } finally {
                list.forEach(UdpClient::close);
            }
            assertEquals(List.of(), a.errors());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void flowsExpireAfterTheUdpTimeout_andTheirSocketsClose(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); UdpBackend b = new UdpBackend("b");
                NettyLoadBalancer lb = Lbs.builder(t).build(); UdpClient cl = new UdpClient()) {
            lb.setTimeouts(Timeouts.ofSeconds(0, 0, 1));
            InetSocketAddress vip = startUdp(lb, udp("rr", a, b));
            String first = cl.ask(vip, "one").server();
            assertEquals(1, lb.connections().size());
            assertEquals(1, lb.stats().udpFlows());
            Lbs.await(() -> lb.connections().isEmpty() && lb.stats().udpFlows() == 0, Duration.ofSeconds(5),
                    () -> "flow still there: " + lb.connections() + " " + lb.stats());
            // The same client again is a new flow, scheduled anew (rr: the other server).
            String second = cl.ask(vip, "two").server();
            assertTrue(!first.equals(second), first + " then " + second);
            assertEquals(2, lb.service(ServiceId.udp(vip)).orElseThrow().stats().connections());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void anyNumberOfRepliesPerRequest_allReachTheClient(Transport t) throws Exception {
        UdpBackend.Handler three = (req, from) -> List.of("r1".getBytes(StandardCharsets.UTF_8),
                "r2".getBytes(StandardCharsets.UTF_8), "r3".getBytes(StandardCharsets.UTF_8));
        try (UdpBackend a = new UdpBackend("a", 0, three); NettyLoadBalancer lb = Lbs.builder(t).build();
                UdpClient cl = new UdpClient()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a));
            for (int i = 0; i < 5; i++) {
                cl.send(vip, "q" + i);
                for (int r = 1; r <= 3; r++) {
                    UdpClient.Reply reply = cl.receive(5000);
                    assertNotNull(reply, "reply " + r + " to q" + i);
                    assertEquals("r" + r, reply.text());
                    assertEquals(vip, reply.from());
                }
            }
            assertNull(cl.receive(200), "nothing more");
            Stats st = lb.services().get(0).stats();
            assertEquals(new Stats(1, 5, 15, 10, 30), st);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void onePacket_spreadsOneClientsDatagrams_andRepliesComeBack(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); UdpBackend b = new UdpBackend("b"); UdpBackend c = new UdpBackend("c");
                NettyLoadBalancer lb = Lbs.builder(t).build(); UdpClient cl = new UdpClient()) {
            lb.setTimeouts(Timeouts.ofSeconds(0, 0, 1));
            InetSocketAddress vip = startUdp(lb, udp("rr", a, b, c).onePacket());
            Map<String, Integer> counts = new HashMap<>();
            List<String> order = new ArrayList<>();
            long in = 0;
            long out = 0;
            for (int i = 0; i < 30; i++) {
                UdpClient.Reply r = cl.ask(vip, "d" + i);
                assertEquals(vip, r.from());
                counts.merge(r.server(), 1, Integer::sum);
                order.add(r.server());
                in += ("d" + i).length();
                out += r.text().length();
            }
            assertEquals(Map.of("a", 10, "b", 10, "c", 10), counts, "rr over every datagram of one client");
            for (int i = 3; i < 30; i++) {
                assertEquals(order.get(i - 3), order.get(i), "round robin: " + order);
            }
            assertEquals(List.of(), lb.connections(), "one-packet datagrams keep no entry");
            assertEquals(new Stats(30, 30, 30, in, out), lb.services().get(0).stats());
            assertEquals(1, lb.stats().udpFlows(), "one client, with a socket per server");
            Lbs.await(() -> lb.stats().udpFlows() == 0, Duration.ofSeconds(5),
                    () -> "the one-packet client's sockets outlive the udp timeout: " + lb.stats());
        }
    }

    /**
     * Issue 13 review, item 19: a one-packet client's idle time is measured on the director's ticker, as the entries'
     * timeouts are: while a fake clock stands still the client's flow is not idle however long it waits; once the
     * clock moves past the {@code udp} timeout the flow ends.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void onePacket_idleExpiryRunsOnTheDirectorsTicker(Transport t) throws Exception {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        try (UdpBackend a = new UdpBackend("a"); NettyLoadBalancer lb = Lbs.builder(t).ticker(clock::get).build();
                UdpClient cl = new UdpClient()) {
            lb.setTimeouts(Timeouts.ofSeconds(0, 0, 1));
            InetSocketAddress vip = startUdp(lb, udp("rr", a).onePacket());
            assertEquals("a|one", cl.ask(vip, "one").text());
            assertEquals(1, lb.stats().udpFlows());
            Thread.sleep(2500); // more than twice the udp timeout of real time, none of the director's
            assertEquals(1, lb.stats().udpFlows(), "the director's clock stood still: the client is not idle");
            clock.addAndGet(Duration.ofSeconds(2).toNanos());
            Lbs.await(() -> lb.stats().udpFlows() == 0, Duration.ofSeconds(5),
                    () -> "the director's clock moved past the udp timeout: " + lb.stats());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void serverGoingAway_itsFlowsMoveOnTheirNextDatagram(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); UdpBackend b = new UdpBackend("b");
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            List<InetSocketAddress> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
            lb.addListener(new io.jvs.api.LoadBalancerListener() {
                @Override
                public void connectFailed(ServiceId service, InetSocketAddress server) {
                    failed.add(server);
                }
            });
            InetSocketAddress vip = startUdp(lb, udp("rr", a, b));
            List<UdpClient> clients = new ArrayList<>();
            try {
                List<UdpClient> onA = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    UdpClient cl = new UdpClient();
                    clients.add(cl);
                    if (cl.ask(vip, "hello " + i).server().equals("a")) {
                        onA.add(cl);
                    }
                }
                assertEquals(3, onA.size());
                InetSocketAddress gone = a.address();
                a.close(); // its port now answers ICMP port unreachable
                for (UdpClient cl : onA) {
                    UdpClient.Reply r = cl.askRetrying(vip, "again", 10, 300);
                    assertEquals("b", r.server(), "moved to the server that is left");
                    assertEquals("b", cl.ask(vip, "and again").server(), "and stays there");
                }
                assertTrue(failed.size() >= 3 && failed.stream().allMatch(gone::equals), failed.toString());
                assertTrue(lb.stats().connectFailures() >= 3, lb.stats().toString());
                for (ConnectionStatus c : lb.connections()) {
                    assertEquals(b.address(), c.destination(), "every flow is on b now: " + c);
                }
                assertEquals(6, lb.connections().size(), "still one entry per client");
            } finally {
                clients.forEach(UdpClient::close);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void persistence_aClientsFlowsAndOnePacketDatagramsStayOnItsServer(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); UdpBackend b = new UdpBackend("b"); UdpBackend c = new UdpBackend("c");
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a, b, c).persistence(Duration.ofSeconds(60)));
            InetSocketAddress vip2 = startUdp(lb, udp("rr", a, b, c).persistence(Duration.ofSeconds(60))
                    .onePacket());
            Map<String, Set<String>> serversByIp = new HashMap<>();
            List<UdpClient> open = new java.util.ArrayList<>(); // all open till the end: four distinct source ports
            try {
                for (String ip : List.of("127.0.0.1", "127.0.0.2", "127.0.0.3")) {
                    for (int i = 0; i < 4; i++) { // four source ports each: four flows
                        UdpClient cl = new UdpClient(java.net.InetAddress.getByName(ip));
                        open.add(cl);
                        serversByIp.computeIfAbsent(ip, k -> new HashSet<>()).add(cl.ask(vip, "x").server());
                        for (int k = 0; k < 3; k++) { // one-packet: every datagram scheduled, the template holds
                            serversByIp.get(ip).add(cl.ask(vip2, "y" + k).server());
                        }
                    }
                }
            } finally {
                open.forEach(UdpClient::close); // (closed earlier, a port could come back for the next client)
            }
            Set<String> all = new HashSet<>();
            for (Map.Entry<String, Set<String>> e : serversByIp.entrySet()) {
                assertEquals(1, e.getValue().size(), "one server for every flow of " + e.getKey() + ": " + serversByIp);
                all.addAll(e.getValue());
            }
            assertEquals(Set.of("a", "b", "c"), all, "rr placed the three clients' templates on three servers");
            ServiceStatus s = lb.service(ServiceId.udp(vip)).orElseThrow();
            assertEquals(3, s.realServers().stream().mapToInt(RealServerStatus::persistentConnections).sum());
            assertEquals(12, s.realServers().stream().mapToInt(RealServerStatus::inactiveConnections).sum());
            long templates = lb.connections().stream().filter(ConnectionStatus::template).count();
            assertEquals(6, templates, "a template per client address and service");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void longDatagrams_areDroppedAndCounted_neverCutShort(Transport t) throws Exception {
        UdpBackend.Handler answer = (req, from) -> List.of(new byte[req.length == 100 ? 600 : 10]);
        try (UdpBackend a = new UdpBackend("a", 0, answer);
                NettyLoadBalancer lb = Lbs.builder(t).maxDatagramSize(512).build(); UdpClient cl = new UdpClient()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a));
            cl.send(vip, new byte[513]);
            assertNull(cl.receive(300), "too long: dropped");
            cl.send(vip, new byte[512]);
            assertNotNull(cl.receive(5000), "the longest allowed");
            cl.send(vip, new byte[100]); // answered with 600 bytes: dropped on the way back
            assertNull(cl.receive(300));
            assertEquals(2, lb.stats().udpOversized(), lb.stats().toString());
            assertEquals(2, a.received());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void configurationChanges_leaveFlowsOnTheirServers_deletedServerDropsItsFlowsDatagrams(Transport t)
            throws Exception {
        try (UdpBackend a = new UdpBackend("a"); UdpBackend b = new UdpBackend("b");
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a, b));
            ServiceId id = ServiceId.udp(vip);
            List<UdpClient> clients = new ArrayList<>();
            try {
                Map<UdpClient, String> placed = new HashMap<>();
                for (int i = 0; i < 4; i++) {
                    UdpClient cl = new UdpClient();
                    clients.add(cl);
                    placed.put(cl, cl.ask(vip, "first").server());
                }
                lb.update(VirtualService.udp(vip).scheduler("wlc").realServer(RealServer.of(a.address()).withWeight(5))
                        .realServer(RealServer.of(b.address()).withWeight(0)).build());
                for (UdpClient cl : clients) {
                    assertEquals(placed.get(cl), cl.ask(vip, "after -E and -e").server());
                }
                lb.removeRealServer(id, a.address());
                long dropsBefore = lb.stats().noDestination();
                for (UdpClient cl : clients) {
                    if (placed.get(cl).equals("a")) {
                        for (int i = 0; i < 2; i++) {
                            cl.send(vip, "a is deleted " + i);
                            assertNull(cl.receive(300), "IPVS drops a deleted server's flows' datagrams until they "
                                    + "expire");
                        }
                    } else {
                        assertEquals("b", cl.ask(vip, "b is quiesced, its flows go on").server());
                    }
                }
                // Issue 13 review, item 21: every datagram dropped counts, as DataPathStats and Refusal say
                assertEquals(dropsBefore + 4, lb.stats().noDestination(), lb.stats().toString());
                assertEquals(4, lb.stats().refused(Refusal.SERVER_DELETED), lb.stats().toString());
            } finally {
                clients.forEach(UdpClient::close);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void serviceStopped_flowsEnd_entriesStay(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); NettyLoadBalancer lb = Lbs.builder(t).build();
                UdpClient cl = new UdpClient()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a));
            cl.ask(vip, "x");
            assertEquals(1, lb.stats().udpFlows());
            lb.stop(ServiceId.udp(vip)).get(10, TimeUnit.SECONDS);
            Lbs.await(() -> lb.stats().udpFlows() == 0, Duration.ofSeconds(5), lb.stats()::toString);
            assertEquals(1, lb.connections().size(), "the entry lingers until its timeout, as in IPVS");
            cl.send(vip, "y");
            assertNull(cl.receive(300), "nobody listens any more");
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"wrr", "sh"})
    void schedulersChooseForUdpFlowsAsForTcpConnections(String scheduler) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.jvs.api.Scheduler.Factory.find(scheduler).isPresent(),
                "scheduler " + scheduler + " is not registered here");
        int[] weights = {3, 2, 1};
        List<Backend> tcp = new ArrayList<>();
        List<UdpBackend> udp = new ArrayList<>();
        try (NettyLoadBalancer lb = Lbs.builder(Lbs.transports().findFirst().orElseThrow()).build()) {
            VirtualService.Builder t = VirtualService.tcp("127.0.0.1", Net.freePort()).scheduler(scheduler);
            VirtualService.Builder u = VirtualService.udp("127.0.0.1", UdpBackend.freePort()).scheduler(scheduler);
            for (int i = 0; i < 3; i++) {
                String name = "s" + i;
                Backend b = new Backend(sock -> sock.getOutputStream().write((name + "|").getBytes(StandardCharsets.UTF_8)));
                tcp.add(b);
                UdpBackend ub = new UdpBackend(name);
                udp.add(ub);
                t.realServer(RealServer.of(b.address()).withWeight(weights[i]));
                u.realServer(RealServer.of(ub.address()).withWeight(weights[i]));
            }
            int tcpPort = Lbs.start(lb, t.build());
            InetSocketAddress vip = startUdp(lb, u);
            List<String> byTcp = new ArrayList<>();
            List<String> byUdp = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                java.net.InetAddress from = java.net.InetAddress.getByName("127.0.0." + (10 + i % 20));
                try (java.net.Socket s = Net.connect(from, tcpPort)) {
                    String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    byTcp.add(answer.substring(0, answer.indexOf('|')));
                }
                try (UdpClient cl = new UdpClient(from)) {
                    byUdp.add(cl.ask(vip, "which").server());
                }
            }
            assertEquals(byTcp, byUdp, "the same choices, connection by connection and flow by flow");
            if (scheduler.equals("wrr")) {
                assertEquals(30, byUdp.stream().filter("s0"::equals).count());
                assertEquals(20, byUdp.stream().filter("s1"::equals).count());
                assertEquals(10, byUdp.stream().filter("s2"::equals).count());
            }
        } finally {
            for (Backend b : tcp) {
                b.close();
            }
            udp.forEach(UdpBackend::close);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void dataPathFlowLimit_newClientsDroppedAndCounted_othersServed(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); NettyLoadBalancer lb = Lbs.builder(t).maxUdpFlows(3).build()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a));
            List<UdpClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    clients.add(new UdpClient());
                }
                for (int i = 0; i < 3; i++) {
                    clients.get(i).ask(vip, "in");
                }
                for (int i = 3; i < 5; i++) {
                    clients.get(i).send(vip, "out");
                    assertNull(clients.get(i).receive(300), "over the limit: dropped");
                }
                assertEquals(2, lb.stats().udpFlowLimitDrops());
                assertEquals(3, lb.stats().udpFlows());
                assertEquals(3, lb.connections().size(), "no entry for a dropped client");
                assertEquals("a|again", clients.get(0).ask(vip, "again").text(), "existing flows go on");
            } finally {
                clients.forEach(UdpClient::close);
            }
        }
    }

    /**
     * Issue 13 review, bug 6: the data path's flow limit is admission's last check. Once it is reached, a denied
     * client is still counted as denied and a client of a service without a usable server as having no destination;
     * only a client that would get a flow is counted under FLOW_LIMIT.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void dataPathFlowLimit_isTheLastCheck_otherRefusalsKeepTheirReason(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); NettyLoadBalancer lb = Lbs.builder(t).maxUdpFlows(1).build()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a).allow(List.of(Cidr.parse("127.0.0.0/8")))
                    .deny(List.of(Cidr.parse("127.0.0.3/32"))));
            InetSocketAddress none = startUdp(lb, VirtualService.udp("127.0.0.1", UdpBackend.freePort())
                    .scheduler("rr").realServer(RealServer.of(a.address()).withWeight(0)));
            try (UdpClient first = new UdpClient(InetAddress.getByName("127.0.0.2"));
                    UdpClient denied = new UdpClient(InetAddress.getByName("127.0.0.3"));
                    UdpClient noServer = new UdpClient(InetAddress.getByName("127.0.0.4"));
                    UdpClient over = new UdpClient(InetAddress.getByName("127.0.0.5"))) {
                assertEquals("a|hello", first.ask(vip, "hello").text(), "the one flow the data path may keep");
                for (int i = 0; i < 3; i++) {
                    denied.send(vip, "denied " + i);
                    noServer.send(none, "none " + i);
                }
                over.send(vip, "over");
                Lbs.await(() -> lb.stats().refused() == 7, Duration.ofSeconds(5), () -> lb.stats().toString());
                assertEquals(3, lb.stats().refused(Refusal.ACCESS_DENIED));
                assertEquals(3, lb.stats().refused(Refusal.NO_DESTINATION));
                assertEquals(1, lb.stats().refused(Refusal.FLOW_LIMIT), "only the client that would get a flow");
                long flowLimit = 0;
                for (ServiceDefenceStatus d : lb.defences().services()) {
                    flowLimit += d.refused(Refusal.FLOW_LIMIT);
                }
                assertEquals(1, flowLimit, "counted once, under the service");
                assertEquals(1, lb.connections().size(), "no entry for a refused client");
                assertEquals("a|again", first.ask(vip, "again").text());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void deniedNetwork_datagramsDroppedAndCounted_neverReachTheRealServer(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a).allow(List.of(Cidr.parse("127.0.0.0/8")))
                    .deny(List.of(Cidr.parse("127.0.0.3/32"))));
            try (UdpClient denied = new UdpClient(InetAddress.getByName("127.0.0.3"));
                    UdpClient allowed = new UdpClient(InetAddress.getByName("127.0.0.2"))) {
                for (int i = 0; i < 5; i++) {
                    denied.send(vip, "denied " + i);
                }
                assertNull(denied.receive(300), "a denied client gets no answer");
                Lbs.await(() -> defences(lb).denied() == 5, Duration.ofSeconds(5), () -> defences(lb).toString());
                assertEquals(0, a.received(), "the real server never saw a denied datagram");
                assertEquals(List.of(), lb.connections(), "no flow for a denied client");
                assertEquals("a|hello", allowed.ask(vip, "hello").text(), "an allowed client is relayed");
                assertEquals(1, a.received());
                assertEquals(5, defences(lb).denied(), "the allowed datagram was not counted");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void perSourceLimit_countsFlows_aSourcesExtraPortsAreDropped(Transport t) throws Exception {
        try (UdpBackend a = new UdpBackend("a"); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a).sourceLimit(SourceLimit.maxConnections(3)));
            List<UdpClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    clients.add(new UdpClient(InetAddress.getByName("127.0.0.5")));
                }
                for (int i = 0; i < 3; i++) {
                    assertEquals("a|in " + i, clients.get(i).ask(vip, "in " + i).text());
                }
                for (int i = 3; i < 6; i++) {
                    clients.get(i).send(vip, "over " + i);
                    assertNull(clients.get(i).receive(300), "the source's fourth flow is dropped");
                }
                Lbs.await(() -> defences(lb).sourceConnectionsRefused() == 3, Duration.ofSeconds(5),
                        () -> defences(lb).toString());
                assertEquals(3, a.received());
                assertEquals(3, lb.connections().size());
                try (UdpClient other = new UdpClient(InetAddress.getByName("127.0.0.6"))) {
                    assertEquals("a|other", other.ask(vip, "other").text(), "another source has its own count");
                }
                assertEquals("a|again", clients.get(0).ask(vip, "again").text(), "existing flows go on");
            } finally {
                clients.forEach(UdpClient::close);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void emptyDatagrams_relayedOnIoUring_droppedAndCountedElsewhere(Transport t) throws Exception {
        UdpBackend.Handler empty = (req, from) -> List.of(new byte[0]);
        try (UdpBackend a = new UdpBackend("a", 0, empty); NettyLoadBalancer lb = Lbs.builder(t).build();
                UdpClient cl = new UdpClient()) {
            InetSocketAddress vip = startUdp(lb, udp("rr", a));
            cl.send(vip, new byte[0]);
            if (lb.transport() == Transport.IO_URING) {
                Lbs.await(() -> a.received() == 1, Duration.ofSeconds(5), () -> "server got " + a.received());
                UdpClient.Reply r = cl.receive(3000);
                assertNotNull(r, "the empty reply");
                assertEquals("", r.text());
                assertEquals(new Stats(1, 1, 1, 0, 0), lb.services().get(0).stats());
            } else {
                // Netty 4.2.18's epoll and NIO datagram channels take an empty write as done and send nothing.
                Lbs.await(() -> lb.stats().udpDropped() == 1, Duration.ofSeconds(5), () -> lb.stats().toString());
                assertNull(cl.receive(300));
                assertEquals(0, a.received(), "never half-relayed");
                assertEquals(List.of(), lb.connections(), "no flow for a datagram that cannot be relayed");
                assertEquals(new Stats(0, 0, 0, 0, 0), lb.services().get(0).stats());
            }
        }
    }

    private static ServiceDefenceStatus defences(NettyLoadBalancer lb) {
        return lb.defences().services().get(0);
    }
}
