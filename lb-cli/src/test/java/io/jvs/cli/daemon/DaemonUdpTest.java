package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvsadm -A -u} through {@code jvs daemon}, as separate processes: a UDP service and its real servers set up
 * with ipvsadm's commands, datagrams from several clients relayed both ways, and the listings showing the flows
 * (state UDP, the {@code --set} timeout) and exact datagram and byte counts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DaemonUdpTest {

    @TempDir
    Path dir;

    private final List<DatagramSocket> servers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private Process daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        servers.forEach(DatagramSocket::close);
        for (Thread t : threads) {
            t.join(5000);
        }
    }

    /** A UDP real server on 127.0.0.1 answering {@code NAME:} followed by each request. */
    private String udpServer(String name) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        servers.add(s);
        Thread t = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!s.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                    byte[] answer = (name + ":" + new String(buf, 0, p.getLength(), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                    s.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }, "udp-server-" + name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
        return "127.0.0.1:" + s.getLocalPort();
    }

    private String[] jvsadm(Path socket, String stdin, String... args) throws Exception {
        return Jvm.jvsadm(java.util.Map.of("JVS_ADMIN", socket.toString()), stdin, args);
    }

    @Test
    void jvsadmAddsAUdpService_datagramsFlow_listingsShowTheFlows() throws Exception {
        String b1 = udpServer("one");
        String b2 = udpServer("two");
        int vport = io.jvs.testing.Ports.udp();
        String vip = "127.0.0.1:" + vport;
        Path socket = dir.resolve("admin.sock");
        daemon = Jvm.java("io.jvs.cli.Jvs", "daemon", "--admin", socket.toString(), "--threads", "2")
                .redirectError(dir.resolve("daemon.log").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        assertTrue(ready != null && ready.startsWith("jvs daemon: admin socket "), () -> ready + "; " + log());

        String rules = "-A -u " + vip + " -s rr\n-a -u " + vip + " -r " + b1 + "\n-a -u " + vip + " -r " + b2 + "\n";
        assertEquals(List.of("", "", "0"), List.of(jvsadm(socket, rules, "-R")));
        assertEquals(List.of("", "", "0"), List.of(jvsadm(socket, "", "--set", "0", "0", "45")));

        int clients = 6;
        long inBytes = 0;
        long outBytes = 0;
        Set<String> answeredBy = new HashSet<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            try (DatagramSocket c = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                c.setSoTimeout(5000);
                byte[] q = ("question " + i).getBytes(StandardCharsets.UTF_8);
                c.send(new DatagramPacket(q, q.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), vport)));
                byte[] buf = new byte[2048];
                DatagramPacket r = new DatagramPacket(buf, buf.length);
                c.receive(r);
                String answer = new String(buf, 0, r.getLength(), StandardCharsets.UTF_8);
                assertTrue(answer.endsWith(":question " + i), answer);
                assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), vport), r.getSocketAddress(),
                        "the answer comes from the virtual address");
                answeredBy.add(answer.substring(0, answer.indexOf(':')));
                inBytes += q.length;
                outBytes += r.getLength();
                ports.add(c.getLocalPort());
            }
        }
        assertEquals(Set.of("one", "two"), answeredBy, "rr over both");

        String[] stats = jvsadm(socket, "", "-L", "-n", "--stats");
        assertEquals("0", stats[2], stats[1]);
        Matcher m = Pattern.compile("(?m)^UDP  " + Pattern.quote(vip) + " +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(\\d+)$")
                .matcher(stats[0]);
        assertTrue(m.find(), stats[0]);
        assertEquals(List.of((long) clients, (long) clients, (long) clients, inBytes, outBytes),
                List.of(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                        Long.parseLong(m.group(4)), Long.parseLong(m.group(5))), stats[0]);

        String[] c = jvsadm(socket, "", "-L", "-n", "-c");
        assertEquals("0", c[2], c[1]);
        String conns = c[0];
        for (int port : ports) {
            Matcher row = Pattern.compile("(?m)^UDP 00:(\\d\\d) +UDP +127\\.0\\.0\\.1:" + port + " +" + Pattern.quote(vip)
                    + " +127\\.0\\.0\\.1:\\d+$").matcher(conns);
            assertTrue(row.find(), "a flow for client port " + port + " in\n" + conns);
            assertTrue(Integer.parseInt(row.group(1)) <= 45, "the --set udp timeout: " + row.group());
        }
        String list = jvsadm(socket, "", "-L", "-n")[0];
        assertTrue(list.contains("UDP  " + vip + " rr\n"), list);
        Matcher inact = Pattern.compile("(?m)^  -> 127\\.0\\.0\\.1:\\d+ +FullNat 1 +0 +(\\d+) *$").matcher(list);
        int inactive = 0;
        while (inact.find()) {
            inactive += Integer.parseInt(inact.group(1));
        }
        assertEquals(clients, inactive, "UDP flows count in InActConn:\n" + list);
        assertTrue(log().contains("added service UDP " + vip + " rr"), log());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("daemon.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
