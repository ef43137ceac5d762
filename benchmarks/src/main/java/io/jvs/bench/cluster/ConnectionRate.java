package io.jvs.bench.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two ends of {@code benchmarks/cluster-sync.sh}, which measures the connection rate through a clustered
 * director with connection sync off and on (run with {@code java -cp benchmarks/target/benchmarks.jar}):
 *
 * <ul>
 *   <li>{@code server ADDRESS PORT THREADS SECONDS}: a real server that answers every connection with
 *       {@code ok\n} and closes it; exits after SECONDS (at most 3600).</li>
 *   <li>{@code client HOST PORT THREADS SECONDS}: THREADS loops, each a new connection per request (connect, read
 *       the answer to its end, close), for SECONDS (at most 600); prints {@code connections N seconds S rate R/s
 *       failures F}. A failed connection is counted and the loop goes on.</li>
 * </ul>
 */
public final class ConnectionRate {

    private ConnectionRate() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: ConnectionRate server ADDRESS PORT THREADS SECONDS | client HOST PORT THREADS "
                    + "SECONDS");
            System.exit(2);
        }
        InetAddress address = InetAddress.getByName(args[1]);
        int port = Integer.parseInt(args[2]);
        int threads = Math.max(1, Math.min(64, Integer.parseInt(args[3])));
        if (args[0].equals("server")) {
            server(new InetSocketAddress(address, port), threads, Math.min(3600, Long.parseLong(args[4])));
        } else {
            client(new InetSocketAddress(address, port), threads, Math.min(600, Long.parseLong(args[4])));
        }
    }

    private static void server(InetSocketAddress at, int threads, long seconds) throws Exception {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(at, 4096);
        byte[] ok = "ok\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (!s.isClosed()) {
                    try (Socket c = s.accept(); OutputStream out = c.getOutputStream()) {
                        out.write(ok);
                    } catch (IOException e) {
                        // a client gone, or the socket closed
                    }
                }
            }, "server-" + i);
            t.setDaemon(true);
            t.start();
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(seconds * 1000);
        s.close();
    }

    private static void client(InetSocketAddress to, int threads, long seconds) throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<Thread> loops = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64];
                while (System.nanoTime() < end) {
                    try (Socket c = new Socket()) {
                        c.connect(to, 3000);
                        c.setSoTimeout(3000);
                        InputStream in = c.getInputStream();
                        int n = 0;
                        for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                            n += r;
                        }
                        if (n == 3) {
                            done.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }
            }, "client-" + i);
            t.start();
            loops.add(t);
        }
        for (Thread t : loops) {
            t.join();
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "connections %d seconds %.1f rate %.0f/s failures %d%n", done.get(), s,
                done.get() / s, failed.get());
    }
}
