package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.ipvsadm.Ipvsadm;
import io.jvs.netty.NettyLoadBalancer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ipvsadm commands while traffic flows through a Netty director: -e, -a, -d, -E and -R of a changed rules file
 * drop no open connection and refuse no new one; -C closes the listeners and established connections go on.
 */
class TrafficTest {

    private final List<EchoServer> backends = new ArrayList<>();
    private NettyLoadBalancer lb;
    private Ipvsadm ipvsadm;
    private int vport;
    private String vip;
    private final List<Socket> open = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 4; i++) {
            backends.add(new EchoServer());
        }
        lb = NettyLoadBalancer.builder().ioThreads(2).build();
        ipvsadm = Ipvsadm.of(lb);
        vport = EchoServer.freePort();
        vip = "127.0.0.1:" + vport;
        ok("-A", "-t", vip, "-s", "wrr");
        ok("-a", "-t", vip, "-r", backends.get(0).hostPort(), "-w", "1");
        ok("-a", "-t", vip, "-r", backends.get(1).hostPort(), "-w", "1");
        ok("-a", "-t", vip, "-r", backends.get(2).hostPort(), "-w", "1");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : open) {
            s.close();
        }
        lb.close();
        for (EchoServer b : backends) {
            b.close();
        }
    }

    private void ok(String... args) {
        Ipvsadm.Result r = ipvsadm.execute(args);
        assertEquals("", r.stderr(), String.join(" ", args));
        assertEquals(0, r.status());
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", vport), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    private void openConnections(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket s = connect();
            assertEquals("hello " + i, EchoServer.roundTrip(s, "hello " + i));
            open.add(s);
        }
    }

    private void assertAllOpenConnectionsWork(String phase) throws IOException {
        for (int i = 0; i < open.size(); i++) {
            assertEquals(phase + " " + i, EchoServer.roundTrip(open.get(i), phase + " " + i), phase);
        }
    }

    @Test
    void changesUnderLoad_dropNothing() throws Exception {
        openConnections(24);
        String entries = ipvsadm.execute("-L", "-n", "-c").stdout();
        assertTrue(entries.startsWith("IPVS connection entries\npro expire state       source             virtual"
                + "            destination\n"), entries);
        assertEquals(24, entries.lines().filter(l -> l.startsWith("TCP ") && l.contains(" ESTABLISHED ")
                && l.contains(" " + vip + " ")).count(), entries);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService load = Executors.newFixedThreadPool(2);
        List<Future<?>> loops = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            loops.add(load.submit(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                for (int i = 0; i < 400 && !stop.get() && System.nanoTime() < deadline; i++) {
                    try (Socket s = connect()) {
                        String m = "load " + i;
                        if (!m.equals(EchoServer.roundTrip(s, m))) {
                            failures.add(m + ": wrong echo");
                        }
                        done.incrementAndGet();
                    } catch (IOException e) {
                        failures.add("load " + i + ": " + e);
                    }
                }
            }));
        }
        // Edit a weight, add a server, delete one with open connections, change the scheduler.
        ok("-e", "-t", vip, "-r", backends.get(0).hostPort(), "-w", "5");
        ok("-a", "-t", vip, "-r", backends.get(3).hostPort(), "-w", "2");
        ok("-d", "-t", vip, "-r", backends.get(1).hostPort());
        ok("-E", "-t", vip, "-s", "wlc");
        assertAllOpenConnectionsWork("after edits");
        // -R of a changed rules file: the service exists (a kernel error, the restore goes on), the rest applies.
        String rules = String.join("\n",
                "-A -t " + vip + " -s rr",
                "-E -t " + vip + " -s rr",
                "-e -t " + vip + " -r " + backends.get(0).hostPort() + " -w 2",
                "-d -t " + vip + " -r " + backends.get(2).hostPort(),
                "-a -t " + vip + " -r " + backends.get(1).hostPort() + " -w 1",
                "");
        Ipvsadm.Result r = ipvsadm.execute(List.of("-R"), rules);
        assertEquals(new Ipvsadm.Result("", "Service already exists\n", 0), r);
        assertAllOpenConnectionsWork("after restore");
        Thread.sleep(200);
        stop.set(true);
        for (Future<?> f : loops) {
            f.get(30, TimeUnit.SECONDS);
        }
        load.shutdown();
        assertEquals(List.of(), failures);
        assertTrue(done.get() > 0, "the load loop ran");
        assertEquals(sorted(String.join("\n",
                "-A -t " + vip + " -s rr",
                "-a -t " + vip + " -r " + backends.get(0).hostPort() + " --fullnat -w 2",
                "-a -t " + vip + " -r " + backends.get(1).hostPort() + " --fullnat -w 1",
                "-a -t " + vip + " -r " + backends.get(3).hostPort() + " --fullnat -w 2",
                "")), sorted(ipvsadm.execute("-S", "-n").stdout()));
    }

    /** The first line, then the others sorted (ports differ in length, so ipvsadm's order is not asserted here). */
    private static String sorted(String save) {
        List<String> lines = new ArrayList<>(save.lines().toList());
        List<String> rest = new ArrayList<>(lines.subList(1, lines.size()));
        rest.sort(null);
        return lines.get(0) + "\n" + String.join("\n", rest) + "\n";
    }

    @Test
    void clear_closesListeners_establishedConnectionsContinue() throws Exception {
        openConnections(6);
        ok("-C");
        assertEquals("", ipvsadm.execute("-S", "-n").stdout());
        assertThrows(IOException.class, () -> {
            try (Socket s = connect()) {
                EchoServer.roundTrip(s, "x");
            }
        });
        assertAllOpenConnectionsWork("after -C");
    }
}
