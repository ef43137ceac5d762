package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.Stats;
import io.jvs.api.VirtualService;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PROXY protocol version 2 over UDP: every datagram to a real server that asks for it starts with a v2 header of the
 * UDP family, which netty-codec-haproxy decodes; version 1 has no UDP form and is refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpProxyProtocolTest {

    private static final String TRANSPORTS = "io.jvs.netty.Lbs#transports";

    /**
     * A real server that decodes the PROXY header in front of each datagram with Netty's decoder and answers
     * {@code PROTOCOL source>destination|payload}, or {@code no header|payload}.
     */
    static UdpBackend decodingServer() throws Exception {
        return new UdpBackend("pp", 0, (req, from) -> {
            EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
            try {
                ch.writeInbound(Unpooled.wrappedBuffer(req));
                Object first = ch.readInbound();
                if (!(first instanceof HAProxyMessage)) {
                    io.netty.util.ReferenceCountUtil.release(first);
                    return List.of(("no header|" + new String(req, StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8));
                }
                HAProxyMessage m = (HAProxyMessage) first;
                String rest = "";
                ByteBuf payload = ch.readInbound();
                if (payload != null) {
                    rest = payload.toString(StandardCharsets.UTF_8);
                    payload.release();
                }
                String answer = m.protocolVersion() + " " + m.command() + " " + m.proxiedProtocol() + " "
                        + m.sourceAddress() + ":" + m.sourcePort() + ">" + m.destinationAddress() + ":"
                        + m.destinationPort() + "|" + rest;
                m.release();
                return List.of(answer.getBytes(StandardCharsets.UTF_8));
            } finally {
                ch.finishAndReleaseAll();
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void v2HeaderOfTheUdpFamily_inFrontOfEveryDatagram(Transport t) throws Exception {
        try (UdpBackend pp = decodingServer(); UdpBackend plain = new UdpBackend("plain");
                NettyLoadBalancer lb = Lbs.builder(t).build();
                UdpClient cl = new UdpClient(InetAddress.getByName("127.0.0.9"))) {
            InetSocketAddress vip = UdpTest.startUdp(lb, VirtualService.udp("127.0.0.1", UdpBackend.freePort())
                    .scheduler("rr").realServer(RealServer.of(pp.address()).withProxyProtocol(ProxyProtocol.V2)));
            String expected = "V2 PROXY UDP4 127.0.0.9:" + cl.address().getPort() + ">127.0.0.1:" + vip.getPort() + "|";
            long in = 0;
            for (int i = 0; i < 5; i++) {
                String q = "datagram " + i;
                assertEquals(expected + q, cl.ask(vip, q).text());
                in += q.length();
            }
            Stats st = lb.services().get(0).stats();
            assertEquals(in, st.inBytes(), "the payload is counted, not the header");
            assertEquals(5, st.inPackets());

            // Switched off for the server, datagrams go bare; the flow stays on its server.
            lb.editRealServer(ServiceId.udp(vip), RealServer.of(pp.address()));
            assertEquals("no header|bare", cl.ask(vip, "bare").text());
            assertEquals(List.of(), pp.errors());
            assertEquals(List.of(), plain.errors());
        }
    }

    @Test
    void v2OverIpv6() throws Exception {
        Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback here");
        try (UdpBackend pp = decodingServer(); NettyLoadBalancer lb = Lbs.builder(Transport.NIO).build();
                UdpClient cl = new UdpClient(InetAddress.getByName("::1"))) {
            int port = UdpBackend.freePort();
            InetSocketAddress vip = UdpTest.startUdp(lb, VirtualService.udp("::1", port).scheduler("rr")
                    .realServer(RealServer.of(pp.address()).withProxyProtocol(ProxyProtocol.V2)));
            String reply = cl.ask(vip, "six").text();
            assertEquals("V2 PROXY UDP6 0:0:0:0:0:0:0:1:" + cl.address().getPort() + ">0:0:0:0:0:0:0:1:" + port
                    + "|six", reply);
        }
    }

    @Test
    void v1IsRefusedForUdp_withTheFieldAndWhatIsAccepted() throws Exception {
        try (UdpBackend a = new UdpBackend("a"); NettyLoadBalancer lb = Lbs.builder(Transport.NIO).build()) {
            VirtualService v1 = VirtualService.udp("127.0.0.1", UdpBackend.freePort())
                    .realServer(RealServer.of(a.address()).withProxyProtocol(ProxyProtocol.V1)).build();
            LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> lb.start(v1));
            assertEquals(LoadBalancerException.Reason.UNSUPPORTED, e.reason());
            assertEquals("PROXY protocol V1 of real server " + io.jvs.api.internal.Addresses.toString(a.address())
                    + " in " + v1.id() + ": version 1 has no form for UDP (expected: V2 or NONE for a service with UDP "
                    + "endpoints)", e.getMessage());
            assertEquals(List.of(), lb.services(), "nothing started");

            VirtualService ok = VirtualService.udp("127.0.0.1", UdpBackend.freePort()).realServer(
                    RealServer.of(a.address())).build();
            Lbs.start(lb, ok);
            RealServer withV1 = RealServer.of(a.address()).withProxyProtocol(ProxyProtocol.V1);
            assertThrows(LoadBalancerException.class, () -> lb.editRealServer(ok.id(), withV1));
            assertThrows(LoadBalancerException.class, () -> lb.addRealServer(ok.id(),
                    RealServer.of("127.0.0.1", 9).withProxyProtocol(ProxyProtocol.V1)));
            assertEquals(ok, lb.service(ok.id()).orElseThrow().service(), "unchanged");
            // A TCP service takes V1 as before.
            Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort()).realServer(withV1).build());
        }
    }

    @Test
    void acceptingProxyProtocolOnAUdpEndpoint_isRefused() throws Exception {
        try (NettyLoadBalancer lb = Lbs.builder(Transport.NIO).build()) {
            VirtualService s = VirtualService.udp("127.0.0.1", UdpBackend.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8"))).build();
            LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> lb.start(s));
            assertTrue(e.getMessage().contains("accepting PROXY protocol headers is for TCP endpoints only"),
                    e.getMessage());
        }
    }

    static boolean ipv6Loopback() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            return true;
        } catch (SocketException | java.net.UnknownHostException e) {
            return false;
        }
    }
}
