package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A flood of new connections against a director with a small connection table (300 entries), in a process of its
 * own with a 64 MiB heap: the flood is refused at the table's bound, the 100 connections established before it
 * keep relaying throughout, and the director's heap after a full collection stays under 32 MiB.
 */
class FloodTest {

    private static final int ESTABLISHED = 100;
    private static final int FLOOD_THREADS = 8;
    private static final int FLOOD_PER_THREAD = 1250;
    private static final long HEAP_BOUND = 32L << 20;

    @Test
    void floodAgainstASmallTable_existingConnectionsKeepRelaying_heapStaysBounded() throws Exception {
        try (Backend server = Backend.echo()) {
            Process director = ChildJvm.start(DirectorMain.class, Integer.toString(server.port()), "300");
            ExecutorService pool = Executors.newFixedThreadPool(FLOOD_THREADS + 1);
            List<Socket> established = new ArrayList<>();
            try {
                int port = Integer.parseInt(ChildJvm.readLine(director).trim());
                OutputStream control = director.getOutputStream();
                for (int i = 0; i < ESTABLISHED; i++) {
                    Socket s = Net.connect(InetAddress.getByName("127.0.0.2"), port);
                    assertEquals("ok", echo(s, "hello"));
                    established.add(s);
                }
                long before = status(director, control)[0];

                AtomicBoolean flooding = new AtomicBoolean(true);
                AtomicInteger rounds = new AtomicInteger();
                Future<Integer> checker = pool.submit(() -> {
                    int failures = 0;
                    while (flooding.get() || rounds.get() == 0) {
                        for (Socket s : established) {
                            failures += echo(s, "ping").equals("ok") ? 0 : 1;
                        }
                        rounds.incrementAndGet();
                    }
                    return failures;
                });
                List<Future<Integer>> flood = new ArrayList<>();
                for (int t = 0; t < FLOOD_THREADS; t++) {
                    InetAddress from = InetAddress.getByName("127.0.1." + (10 + t));
                    flood.add(pool.submit(() -> flood(from, port)));
                }
                int attempts = 0;
                for (Future<Integer> f : flood) {
                    attempts += f.get(120, TimeUnit.SECONDS);
                }
                flooding.set(false);
                assertEquals(0, checker.get(60, TimeUnit.SECONDS), "echo failures on established connections");
                long[] after = status(director, control);
                System.out.printf("FloodTest: %d connection attempts; %d rounds over %d established connections; "
                                + "director heap after GC %.1f MiB before, %.1f MiB after (bound %d MiB, -Xmx64m); "
                                + "table %d entries, %d refused%n", attempts, rounds.get(), ESTABLISHED,
                        before / 1048576.0, after[0] / 1048576.0, HEAP_BOUND >> 20, after[1], after[2]);
                assertEquals(FLOOD_THREADS * FLOOD_PER_THREAD, attempts);
                assertTrue(after[2] > 0, "the table's bound refused part of the flood");
                assertTrue(after[1] <= 300, "the table holds at most its bound: " + after[1]);
                assertTrue(after[0] < HEAP_BOUND, "heap after the flood: " + after[0]);
                assertTrue(director.isAlive());
                for (Socket s : established) {
                    assertEquals("ok", echo(s, "after"));
                }
            } finally {
                for (Socket s : established) {
                    s.close();
                }
                pool.shutdownNow();
                director.getOutputStream().close();
                if (!director.waitFor(10, TimeUnit.SECONDS)) {
                    director.destroyForcibly();
                }
            }
        }
    }

    /** Connects and resets at once, as fast as it can; returns the attempts made. */
    private static int flood(InetAddress from, int port) {
        int n = 0;
        for (int i = 0; i < FLOOD_PER_THREAD; i++, n++) {
            try (Socket s = new Socket()) {
                s.setSoLinger(true, 0); // a reset: no TIME_WAIT on the client side
                s.bind(new InetSocketAddress(from, 0));
                s.connect(new InetSocketAddress(Net.LOOPBACK, port), 5000);
            } catch (IOException e) {
                // refused: what a flood gets
            }
        }
        return n;
    }

    /** Sends a line and reads it back: "ok" if it came back whole. */
    private static String echo(Socket s, String text) {
        try {
            byte[] b = (text + "\n").getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(b);
            byte[] back = s.getInputStream().readNBytes(b.length);
            return java.util.Arrays.equals(b, back) ? "ok" : "bad: " + new String(back, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Asks the director for heap after GC, table entries and refusals. */
    private static long[] status(Process director, OutputStream control) throws Exception {
        control.write("status\n".getBytes(StandardCharsets.US_ASCII));
        control.flush();
        String[] f = ChildJvm.readLine(director).trim().split(" ");
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[3]), Long.parseLong(f[5])};
    }
}
