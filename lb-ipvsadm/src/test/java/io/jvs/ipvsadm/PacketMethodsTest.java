package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.TunnelChecksum;
import io.jvs.api.TunnelType;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code -g} and {@code -i} on a director that carries DR and TUN next to full NAT and NAT (a socket and a packet data
 * path): ipvsadm's default method, the tunnel options, the listings and the saved table, as ipvsadm 1.31 prints them.
 */
class PacketMethodsTest {

    private Director director;
    private Ipvsadm ipvsadm;

    @BeforeEach
    void start() {
        DataPath both = DataPath.byForwardingMethod(new FakeDataPath(ForwardingMethod.FULLNAT, ForwardingMethod.NAT),
                new FakeDataPath(ForwardingMethod.DR, ForwardingMethod.TUN));
        director = Director.builder().dataPath(both).rateEstimator(false).maxConnections(4096).build();
        ipvsadm = Ipvsadm.of(director, GoldenFixture.names());
    }

    @AfterEach
    void close() {
        director.close();
    }

    private void ok(String... args) {
        Ipvsadm.Result r = ipvsadm.execute(args);
        assertEquals("", r.stderr(), String.join(" ", args));
        assertEquals(0, r.status(), String.join(" ", args));
    }

    private RealServer server(String vip, String rs) {
        String[] v = vip.split(":");
        String[] r = rs.split(":");
        return director.service(ServiceId.tcp(new InetSocketAddress(v[0], Integer.parseInt(v[1])))).orElseThrow()
                .realServers().stream().filter(s -> s.server().address().equals(
                        new InetSocketAddress(r[0], Integer.parseInt(r[1])))).findFirst().orElseThrow().server();
    }

    @Test
    void walkThrough_listsRoute() {
        ok("-A", "-t", "192.168.0.200:80", "-s", "wrr");
        ok("-a", "-t", "192.168.0.200:80", "-r", "192.168.0.201:80", "-g", "-w", "1");
        ok("-a", "-t", "192.168.0.200:80", "-r", "192.168.0.202:80", "-g", "-w", "1");
        assertEquals("IP Virtual Server version 1.2.1 (size=4096)\n"
                + "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                + "TCP  192.168.0.200:80 wrr\n"
                + "  -> 192.168.0.201:80             Route   1      0          0         \n"
                + "  -> 192.168.0.202:80             Route   1      0          0         \n",
                ipvsadm.execute("-L", "-n").stdout());
    }

    @Test
    void noMethod_isGatewaying_whenDrIsCarried() {
        ok("-A", "-t", "192.168.0.200:80");
        ok("-a", "-t", "192.168.0.200:80", "-r", "192.168.0.201:8080");
        RealServer rs = server("192.168.0.200:80", "192.168.0.201:80");
        assertEquals(ForwardingMethod.DR, rs.forwardingMethod(), "and the port is the service's, as ipvsadm forces");
    }

    @Test
    void tunnels_listedSavedAndRestored() {
        ok("-A", "-t", "10.0.0.1:80", "-s", "rr");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2", "-i");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.3", "-i", "--tun-type", "gue", "--tun-port", "6080",
                "--tun-nocsum");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.4", "-i", "--tun-type", "gue", "--tun-port", "6081",
                "--tun-csum", "-w", "2");
        RealServer gue = server("10.0.0.1:80", "192.168.1.4:80");
        assertEquals(TunnelType.GUE, gue.tunnelType());
        assertEquals(6081, gue.tunnelPort());
        assertEquals(TunnelChecksum.CHECKSUM, gue.tunnelChecksum());
        assertEquals("Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
                + "TCP  10.0.0.1:80 rr\n"
                + "  -> 192.168.1.2:80               Tunnel  ipip          1      0          0         \n"
                + "  -> 192.168.1.3:80               Tunnel  gue:6080:-c   1      0          0         \n"
                + "  -> 192.168.1.4:80               Tunnel  gue:6081:+c   2      0          0         \n",
                ipvsadm.execute("-L", "-n", "--tun-info", "-t", "10.0.0.1:80").stdout());
        String saved = ipvsadm.execute("-S", "-n").stdout();
        assertEquals("-A -t 10.0.0.1:80 -s rr\n"
                + "-a -t 10.0.0.1:80 -r 192.168.1.2:80 -i -w 1 --tun-type ipip\n"
                + "-a -t 10.0.0.1:80 -r 192.168.1.3:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum\n"
                + "-a -t 10.0.0.1:80 -r 192.168.1.4:80 -i -w 2 --tun-type gue --tun-port 6081 --tun-csum\n", saved);
        ok("-C");
        assertEquals(new Ipvsadm.Result("", "", 0), ipvsadm.execute(List.of("-R"), saved));
        assertEquals(saved, ipvsadm.execute("-S", "-n").stdout());
    }

    @Test
    void edit_replacesTheTunnel() {
        ok("-A", "-t", "10.0.0.1:80");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2", "-i", "--tun-type", "gue", "--tun-port", "6080",
                "--tun-csum");
        ok("-e", "-t", "10.0.0.1:80", "-r", "192.168.1.2", "-i");
        assertEquals("ipip", server("10.0.0.1:80", "192.168.1.2:80").tunnelInfo());
    }

    @Test
    void gre_refused() {
        ok("-A", "-t", "10.0.0.1:80");
        assertEquals(new Ipvsadm.Result("", "Tunnel type gre is not supported by this director (expected: ipip or "
                + "gue)\n", 2), ipvsadm.execute("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2", "-i", "--tun-type",
                "gre"));
    }

    @Test
    void remcsum_refused() {
        ok("-A", "-t", "10.0.0.1:80");
        assertEquals(new Ipvsadm.Result("", "The 'tun-remcsum' option is not supported by this director (expected: "
                + "tun-nocsum or tun-csum)\n", 2), ipvsadm.execute("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2",
                "-i", "--tun-type", "gue", "--tun-port", "6080", "--tun-remcsum"));
        assertTrue(director.service(ServiceId.tcp(new InetSocketAddress("10.0.0.1", 80))).orElseThrow()
                .realServers().isEmpty());
    }

    @Test
    void gueWithoutPort_refusedAsIpvsadm() {
        ok("-A", "-t", "10.0.0.1:80");
        assertEquals(new Ipvsadm.Result("", "You need to supply the 'tun-port' option for the 'gue' tunnel type\n", 2),
                ipvsadm.execute("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2", "-i", "--tun-type", "gue"));
    }

    @Test
    void mix_refusedNamingBoth() {
        ok("-A", "-t", "10.0.0.1:80");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2", "-g");
        Ipvsadm.Result r = ipvsadm.execute("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.3", "-m");
        assertEquals(255, r.status(), r.toString());
        assertTrue(r.stderr().contains("192.168.1.2:80 (DR) and 192.168.1.3:80 (NAT)"), r.stderr());
    }
}
