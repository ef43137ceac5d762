package io.jvs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.jvs.netty.Transport;
import io.jvs.netty.internal.Transports;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code jvs proxy} in a process of its own whose file-descriptor limit is cut (prlimit) to a few connections:
 * when accept() and socket() fail with EMFILE the director must pause accepting rather than spin on a listening
 * socket that stays readable, keep serving the connections it has, and accept again once descriptors are free.
 */
class FdExhaustionTest {

    static Stream<String> transports() {
        return Stream.of(Transport.EPOLL, Transport.NIO, Transport.IO_URING).filter(Transports::isAvailable)
                .map(t -> t.name().toLowerCase(java.util.Locale.ROOT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void outOfFileDescriptors_acceptingPausesWithoutSpinning_andResumes(String transport) throws Exception {
        Assumptions.assumeTrue(new File("/proc/self/fd").isDirectory(), "needs Linux /proc");
        Assumptions.assumeTrue(Netns.exec("prlimit", "--version").code() == 0, "needs prlimit (util-linux)");
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket echo = new ServerSocket(0, 100, lo); Netns lab = new Netns()) {
            Thread server = new Thread(() -> serve(echo), "echo");
            server.setDaemon(true);
            server.start();
            int port = io.jvs.testing.Ports.tcp();
            Process dir = lab.java(null, List.of(), Jvs.class, "proxy", "--listen", "127.0.0.1:" + port, "--backend",
                    "127.0.0.1:" + echo.getLocalPort(), "--threads", "2", "--drain-timeout", "0", "--transport", transport);
            String banner = Netns.readLine(dir, Netns.stdout(dir), 30);
            assertTrue(banner.startsWith("jvs proxy:"), banner);
            long pid = dir.pid();
            int fds = new File("/proc/" + pid + "/fd").list().length;
            int limit = fds + 12; // room for about six relayed connections (two sockets each)
            Netns.Result r = Netns.exec("prlimit", "--pid", Long.toString(pid), "--nofile=" + limit + ":" + limit);
            assertEquals(0, r.code(), r.output());

            List<Socket> clients = new ArrayList<>();
            int served = 0;
            try {
                // A served client's echo may take a while on a busy box (the first through a fresh JVM): the clients
                // share a budget of 5 s to answer, spent by the first left waiting in the backlog; 150 ms each after.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                for (int i = 0; i < 30; i++) {
                    Socket c = new Socket();
                    clients.add(c);
                    try {
                        c.connect(new InetSocketAddress(lo, port), 2000); // completes in the kernel's backlog
                        c.setSoTimeout((int) Math.max(150, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
                        c.getOutputStream().write('x');
                    } catch (IOException e) {
                        // The director accepted this client and reset it at once (no descriptor left for its
                        // server connection), and the reset arrived before connect() returned: not served.
                        continue;
                    }
                    served += echoes(c) ? 1 : 0;
                }
                assertTrue(served >= 1 && served < 30, "served " + served + " of 30 with " + limit + " descriptors");
                // The director is out of descriptors with clients waiting: it must sit still, not spin.
                String before = threads(pid);
                double cpu = cpuSeconds(pid);
                Thread.sleep(2000);
                cpu = cpuSeconds(pid) - cpu;
                assertTrue(cpu < 0.3, "the event loops used " + cpu + " s of CPU in 2 s while out of descriptors; "
                        + "threads before " + before + " after " + threads(pid));
                assertTrue(lab.log(dir).contains("out of file descriptors"), lab.log(dir));
            } finally {
                for (Socket c : clients) {
                    c.close();
                }
            }
            // Descriptors are free again: accepting resumes.
            boolean resumed = false;
            for (int attempt = 0; attempt < 20 && !resumed; attempt++) {
                try (Socket c = new Socket()) {
                    c.connect(new InetSocketAddress(lo, port), 2000);
                    c.setSoTimeout(1000);
                    c.getOutputStream().write('y');
                    resumed = echoes(c);
                } catch (IOException e) {
                    Thread.sleep(200);
                }
            }
            assertTrue(resumed, "accepting never resumed: " + lab.log(dir));
            dir.destroy();
            assertTrue(dir.waitFor(15, TimeUnit.SECONDS));
            assertEquals(0, dir.exitValue(), lab.log(dir));
        }
    }

    private static boolean echoes(Socket c) {
        try {
            InputStream in = c.getInputStream();
            return in.read() >= 0;
        } catch (IOException e) {
            return false; // timed out (waiting in the backlog) or reset
        }
    }

    private static String threads(long pid) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (File task : new File("/proc/" + pid + "/task").listFiles()) {
            String stat = Files.readString(task.toPath().resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (t > 0) {
                sb.append(Files.readString(task.toPath().resolve("comm")).trim()).append('=').append(t).append(' ');
            }
        }
        return sb.toString();
    }

    /** utime + stime of the process's event-loop threads (jvs-io-*), in seconds. */
    private static double cpuSeconds(long pid) throws IOException {
        long ticks = 0;
        File[] tasks = new File("/proc/" + pid + "/task").listFiles();
        for (File task : tasks == null ? new File[0] : tasks) {
            try {
                if (!Files.readString(task.toPath().resolve("comm")).startsWith("jvs-io")) {
                    continue;
                }
                String stat = Files.readString(task.toPath().resolve("stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException e) {
                // the thread ended
            }
        }
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    private static void serve(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    try (s) {
                        s.getInputStream().transferTo(s.getOutputStream());
                    } catch (IOException e) {
                        // the client went away
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }
}
