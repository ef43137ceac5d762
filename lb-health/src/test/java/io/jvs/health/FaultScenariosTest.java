package io.jvs.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two fault scenarios of issue #8, end to end through a real NettyLoadBalancer with real clients and servers
 * on 127.0.0.1: a real server killed while clients connect in a loop (its checks on a {@link FakeClock}: how many
 * intervals detection takes is counted, not timed), and configuration churn while 200 connections stream data
 * (on real time: its assertions are about bytes and connections, none about how soon a check runs).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultScenariosTest extends CheckerFixture {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final int FALL = 3;
    private static final int RISE = 2;

    /** One echo round trip on a new connection; true if the byte came back. */
    private static boolean roundTrip(InetSocketAddress vip) {
        try (Socket s = new Socket()) {
            s.connect(vip, 2000);
            s.setSoTimeout(2000);
            s.getOutputStream().write(7);
            return s.getInputStream().read() == 7;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean echo(Socket s) {
        try {
            s.getOutputStream().write(9);
            return s.getInputStream().read() == 9;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void killedServer_isOutAfterFallTimesInterval_andBackAfterRiseTimesInterval() throws Exception {
        open(1); // one connect attempt: until the checker acts, a client that lands on the dead server fails
        Backend[] b = {backend(), backend(), backend()};
        VirtualService vs = VirtualService.tcp(vip()).scheduler("rr").realServers(List.of(
                RealServer.of(b[0].address()), RealServer.of(b[1].address()), RealServer.of(b[2].address()))).build();
        CheckSettings settings = fast(RISE, FALL).withInterval(INTERVAL);
        ServiceId id = vs.id();
        checker.start(CheckedService.builder(vs).servers(s -> s.withChecks(HealthCheck.tcp().withSettings(settings)))
                .build()).get(10, TimeUnit.SECONDS);
        clock.runDue(); // the first probes
        await(() -> probes(id, b[1].address(), 0) == 1, WAIT_IO, () -> "the first probe");
        Map<HealthEvent.Type, Long> at = new ConcurrentHashMap<>(); // real time: when the clients saw it
        Map<HealthEvent.Type, Long> atFake = new ConcurrentHashMap<>(); // the checks' time
        checker.addListener(e -> {
            if (b[1].address().equals(e.server())) {
                at.putIfAbsent(e.type(), System.nanoTime());
                atFake.putIfAbsent(e.type(), clock.nanoTime());
            }
        });
        InetSocketAddress vip = id.address();

        // Long-lived connections, two per server.
        List<Socket> longLived = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Socket s = new Socket();
            s.connect(vip, 2000);
            s.setSoTimeout(2000);
            assertTrue(echo(s));
            longLived.add(s);
        }

        // Clients connecting in a loop, each attempt recorded with its start time.
        List<long[]> attempts = java.util.Collections.synchronizedList(new ArrayList<>()); // {start, ok, end}
        AtomicBoolean running = new AtomicBoolean(true);
        Thread clients = new Thread(() -> {
            for (int i = 0; i < 100_000 && running.get(); i++) {
                long start = System.nanoTime();
                boolean ok = roundTrip(vip);
                attempts.add(new long[] {start, ok ? 1 : 0, System.nanoTime()});
            }
        }, "clients");
        clients.start();
        try {
            await(() -> attempts.size() > 20, WAIT_IO, () -> "clients connect");
            long killed = System.nanoTime();
            long killedFake = clock.nanoTime();
            b[1].kill();
            int failedProbes = 0;
            for (int i = 0; i < 2 * FALL && !at.containsKey(HealthEvent.Type.SERVER_DOWN); i++) {
                probeOnce(id, b[1].address(), 0, INTERVAL);
                failedProbes++;
                awaitIf(HealthEvent.Type.SERVER_DOWN, failedProbes >= FALL, at);
            }
            assertEquals(FALL, failedProbes, "down after exactly fall failed results: " + events);
            long down = at.get(HealthEvent.Type.SERVER_DOWN);
            long detect = atFake.get(HealthEvent.Type.SERVER_DOWN) - killedFake;
            // fall results a whole interval apart: at least (fall - 1) intervals, at most about (fall + 1).
            assertTrue(detect >= INTERVAL.toNanos() * (FALL - 1) - TimeUnit.MILLISECONDS.toNanos(10),
                    "not before fall failed results: " + detect / 1_000_000 + " ms");
            assertTrue(detect <= INTERVAL.toNanos() * (FALL + 1) + TimeUnit.SECONDS.toNanos(1),
                    "within fall x interval (+ one interval and scheduling slack): " + detect / 1_000_000 + " ms");
            assertEquals(INTERVAL.toNanos() * FALL, detect, "on the checks' clock, exactly fall intervals");
            await(() -> attemptsAfter(attempts, down) > 50, WAIT_IO, () -> "clients after the removal");

            int servedBefore = b[1].served.get();
            long restartedFake = clock.nanoTime();
            b[1].restart();
            int goodProbes = 0;
            for (int i = 0; i < 2 * RISE && !at.containsKey(HealthEvent.Type.SERVER_UP); i++) {
                probeOnce(id, b[1].address(), 0, INTERVAL);
                goodProbes++;
                awaitIf(HealthEvent.Type.SERVER_UP, goodProbes >= RISE, at);
            }
            assertEquals(RISE, goodProbes, "up after exactly rise good results: " + events);
            long up = atFake.get(HealthEvent.Type.SERVER_UP) - restartedFake;
            assertTrue(up >= INTERVAL.toNanos() * (RISE - 1) - TimeUnit.MILLISECONDS.toNanos(10),
                    "not before rise good results: " + up / 1_000_000 + " ms");
            assertTrue(up <= INTERVAL.toNanos() * (RISE + 1) + TimeUnit.SECONDS.toNanos(1),
                    "within rise x interval (+ slack): " + up / 1_000_000 + " ms");
            assertEquals(INTERVAL.toNanos() * RISE, up, "on the checks' clock, exactly rise intervals");
            await(() -> b[1].served.get() > servedBefore, WAIT_IO, () -> "clients reach it again");
            int attemptsNow = attempts.size();
            await(() -> attempts.size() > attemptsNow + 10, WAIT_IO, () -> "clients go on");
            running.set(false);
            clients.join(10_000);

            List<long[]> all;
            synchronized (attempts) {
                all = new ArrayList<>(attempts);
            }
            long failedAfterDown = all.stream().filter(a -> a[0] > down && a[1] == 0).count();
            // Before the kill: attempts over before it began (one in flight while it happens may land on the server).
            long failedBeforeKill = all.stream().filter(a -> a[2] < killed && a[1] == 0).count();
            long failedInWindow = all.stream().filter(a -> a[0] >= killed && a[0] <= down && a[1] == 0).count();
            long afterDown = all.stream().filter(a -> a[0] > down).count();
            assertTrue(afterDown > 50, "clients kept connecting: " + afterDown);
            assertEquals(0, failedAfterDown, "no new connection fails once the checker took the server out");
            assertEquals(0, failedBeforeKill);
            System.out.printf("killed-server scenario: %d connections, %d failed between the kill and the "
                    + "checker's removal (%d ms of check time), none after; back %d ms of check time after the "
                    + "restart%n", all.size(), failedInWindow, detect / 1_000_000, up / 1_000_000);

            // The long-lived connections on the other servers never noticed; the two on the killed one were reset.
            int alive = 0;
            for (Socket s : longLived) {
                alive += echo(s) ? 1 : 0;
            }
            assertEquals(4, alive, "connections to the other servers are not disturbed");
        } finally {
            running.set(false);
            clients.join(10_000);
            for (Socket s : longLived) {
                s.close();
            }
        }
    }

    /** Waits for the event if the probes so far should have caused it (its delivery follows the probe's result). */
    private void awaitIf(HealthEvent.Type type, boolean due, Map<HealthEvent.Type, Long> seen)
            throws InterruptedException {
        if (due) {
            await(() -> seen.containsKey(type), WAIT_IO, () -> type + " after the probes: " + events + "; health "
                    + checker.health());
        }
    }

    /** Waits until every stream has echoed at least {@code rounds} chunks: the changes happen mid-stream. */
    private void awaitRounds(List<Stream> streams, int rounds) throws InterruptedException {
        await(() -> streams.stream().allMatch(st -> st.rounds >= rounds), WAIT_IO, () -> "streams at round "
                + rounds);
    }

    private static long attemptsAfter(List<long[]> attempts, long time) {
        synchronized (attempts) {
            return attempts.stream().filter(a -> a[0] > time).count();
        }
    }

    /** Streams {@code rounds} chunks through one connection, checking every byte that comes back. */
    private static final class Stream {
        final Socket socket;
        final Random random;
        final CRC32 sent = new CRC32();
        final CRC32 received = new CRC32();
        volatile int rounds;
        long bytes;

        Stream(Socket socket, long seed) {
            this.socket = socket;
            this.random = new Random(seed);
        }

        void run(int rounds, long pauseMillis) throws IOException, InterruptedException {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] chunk = new byte[4096];
            byte[] back = new byte[4096];
            for (int r = 0; r < rounds; r++) {
                int n = 1024 + random.nextInt(3072);
                random.nextBytes(chunk);
                out.write(chunk, 0, n);
                sent.update(chunk, 0, n);
                for (int got = 0; got < n; ) {
                    int k = in.read(back, 0, n - got);
                    if (k < 0) {
                        throw new IOException("EOF after " + bytes + " bytes");
                    }
                    received.update(back, 0, k);
                    got += k;
                }
                bytes += n;
                this.rounds = r + 1;
                Thread.sleep(pauseMillis); // the clients' pace, so that the changes happen while data flows
            }
            socket.shutdownOutput();
            if (in.read() != -1) {
                throw new IOException("bytes after the echo");
            }
        }
    }

    @Test
    void changesUnderLoad_breakNoConnection_andCorruptNoByte() throws Exception {
        openRealTime(3);
        int n = 4;
        Backend[] data = new Backend[n + 1];
        Backend[] health = new Backend[n + 1]; // each server's health endpoint, separate from its data port
        for (int i = 0; i <= n; i++) {
            data[i] = backend();
            health[i] = backend();
        }
        CheckSettings settings = fast(1, 1).withInterval(INTERVAL);
        List<CheckedServer> servers = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
            servers.add(CheckedServer.of(RealServer.of(data[i].address()).withWeight(i + 1))
                    .withChecks(HealthCheck.tcp().withSettings(settings)
                            .withConnectOptions(new ConnectOptions(null, health[i].address().getPort(), null)))
                    .withInhibitOnFailure(i == 3).withSlowStart(Duration.ofMillis(300)));
        }
        VirtualService vs = VirtualService.tcp(vip()).scheduler("wrr").realServers(List.of(
                servers.get(0).server(), servers.get(1).server(), servers.get(2).server(), servers.get(3).server()))
                .build();
        CheckedService.Builder builder = CheckedService.builder(vs);
        servers.subList(0, n).forEach(builder::server);
        CheckedService original = builder.build();
        ServiceId id = original.id();
        checker.start(original).get(10, TimeUnit.SECONDS);

        int clients = 200;
        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Socket s = new Socket();
            s.connect(id.address(), 5000);
            s.setSoTimeout(10_000);
            streams.add(new Stream(s, i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (Stream st : streams) {
            done.add(pool.submit(() -> {
                go.await();
                st.run(100, 25);
                return null;
            }));
        }
        try {
            go.countDown();
            awaitRounds(streams, 5);
            checker.editRealServer(id, servers.get(0).withServer(servers.get(0).server().withWeight(10)));
            awaitRounds(streams, 10);
            checker.addRealServer(id, servers.get(n));
            awaitRounds(streams, 15);
            health[1].kill(); // server 1 fails its checks: removed; its streams go on
            health[3].kill(); // server 3 fails its checks: weight 0 (inhibit); its streams go on
            await(() -> checker.health(id).orElseThrow().servers().stream()
                    .filter(s -> s.state() == HealthState.DOWN).count() == 2, WAIT_IO, events::toString);
            assertEquals(-1, weight(id, data[1].address()));
            assertEquals(0, weight(id, data[3].address()));
            checker.removeRealServer(id, data[2].address());
            awaitRounds(streams, 25);
            checker.update(original); // the rules restored: server 2 back, server 4 gone, weights as configured
            health[1].restart();
            health[3].restart();
            await(() -> weight(id, data[1].address()) == 2 && weight(id, data[3].address()) == 4,
                    WAIT_IO, events::toString);

            int broken = 0;
            int corrupt = 0;
            long bytes = 0;
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                try {
                    done.get(i).get(60, TimeUnit.SECONDS);
                    Stream st = streams.get(i);
                    bytes += st.bytes;
                    if (st.sent.getValue() != st.received.getValue()) {
                        corrupt++;
                        problems.add("stream " + i + ": checksum");
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    broken++;
                    problems.add("stream " + i + ": " + e.getCause());
                }
            }
            assertEquals(0, broken, problems::toString);
            assertEquals(0, corrupt, problems::toString);
            System.out.printf("churn scenario: %d connections streamed %d MiB through %d events, none broken%n",
                    clients, bytes >> 20, events.size());
        } finally {
            pool.shutdownNow();
            for (Stream st : streams) {
                st.socket.close();
            }
        }
        // Every kind of change happened while the data flowed.
        assertTrue(count(HealthEvent.Type.SERVER_DOWN) >= 2, events::toString);
        assertTrue(count(HealthEvent.Type.SERVER_UP) >= 2, events::toString);
        assertTrue(count(HealthEvent.Type.WEIGHT_CHANGED) >= 2, events::toString);
        // Server 4 added and server 2 removed by hand; the restore removes 4 and adds 2 back.
        assertEquals(2, count(HealthEvent.Type.SERVER_ADDED), events::toString);
        assertEquals(2, count(HealthEvent.Type.SERVER_REMOVED), events::toString);
        Map<InetSocketAddress, Integer> expected = Map.of(data[0].address(), 1, data[1].address(), 2,
                data[2].address(), 3, data[3].address(), 4);
        await(() -> members(id).size() == 4 && expected.entrySet().stream()
                .allMatch(e -> weight(id, e.getKey()) == e.getValue()), WAIT_IO,
                () -> "restored: " + lb.service(id));
    }
}
