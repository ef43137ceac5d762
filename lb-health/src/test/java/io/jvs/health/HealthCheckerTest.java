package io.jvs.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.netty.NettyLoadBalancer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a HealthChecker does to a real NettyLoadBalancer as checks pass and fail. The checks' time is a
 * {@link FakeClock}: predicate and command checks run inside {@code forward}, so every count and every weight is
 * exact whatever the machine's speed; network checks wait for their real answers, never for time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthCheckerTest extends CheckerFixture {

    private static final Duration WAIT = WAIT_IO;
    /** The interval of {@link CheckerFixture#fast}. */
    private static final Duration TICK = Duration.ofMillis(20);

    /** A predicate whose answer the test sets, counting calls. */
    static final class Switch implements Predicate<InetSocketAddress> {
        final AtomicBoolean healthy = new AtomicBoolean(true);
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public boolean test(InetSocketAddress a) {
            calls.incrementAndGet();
            return healthy.get();
        }
    }

    /** A predicate answering by call number (1, 2, ...). */
    static Predicate<InetSocketAddress> script(AtomicInteger calls, IntPredicate answer) {
        return a -> answer.test(calls.incrementAndGet());
    }

    /** Starts the service; its first probes (no warmup) are due at once and run. */
    private ServiceId start(CheckedService s) throws Exception {
        checker.start(s).get(10, TimeUnit.SECONDS);
        clock.runDue();
        return s.id();
    }

    private static VirtualService service(InetSocketAddress vip, RealServer... servers) {
        return VirtualService.tcp(vip).scheduler("wrr").realServers(List.of(servers)).build();
    }

    private static RealServer rs(int port, int weight) {
        return RealServer.of(new InetSocketAddress(Backend.LOOPBACK, port)).withWeight(weight);
    }

    @Test
    void riseAndFall_countConsecutiveResults() throws Exception {
        open(3);
        // Results by call: T T F F T F F F T T T ... (then healthy for good).
        boolean[] seq = {true, true, false, false, true, false, false, false, true, true};
        AtomicInteger calls = new AtomicInteger();
        RealServer a = rs(Backend.freePort(), 1);
        ServiceId id = start(CheckedService.builder(service(vip(), a))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("scripted",
                        script(calls, n -> n > seq.length || seq[n - 1])).withSettings(fast(2, 3))))
                .build());
        forward(TICK, seq.length + 3);
        assertEquals(seq.length + 4, calls.get(), "one probe at the start, one per interval");
        // fall 3: down only at the third failure in a row (call 8); rise 2: up at the second success (call 10).
        assertEquals(1, count(HealthEvent.Type.SERVER_DOWN), events::toString);
        assertEquals(1, count(HealthEvent.Type.SERVER_UP), events::toString);
        assertTrue(events(HealthEvent.Type.SERVER_DOWN).get(0).message().contains("after 3 failed results"),
                events::toString);
        assertEquals(HealthState.UP, health(id, a.address()).state());
    }

    @Test
    void flappingCheck_isDampedByRiseAndFall() throws Exception {
        open(3);
        // 40 results alternating T F T F ..., then healthy for good.
        AtomicInteger undamped = new AtomicInteger();
        AtomicInteger damped = new AtomicInteger();
        IntPredicate flapping = n -> n > 40 || n % 2 == 1;
        RealServer a = rs(Backend.freePort(), 1);
        RealServer b = rs(Backend.freePort(), 1);
        ServiceId id = start(CheckedService.builder(service(vip(), a, b))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("flap",
                        script(undamped, flapping)).withSettings(fast(1, 1))))
                .server(CheckedServer.of(b).withChecks(HealthCheck.predicate("flap",
                        script(damped, flapping)).withSettings(fast(2, 2))))
                .build());
        forward(TICK, 45);
        assertEquals(46, undamped.get(), "probes");
        assertEquals(46, damped.get(), "probes");
        long changesA = events.stream().filter(e -> a.address().equals(e.server())
                && (e.type() == HealthEvent.Type.SERVER_UP || e.type() == HealthEvent.Type.SERVER_DOWN)).count();
        long changesB = events.stream().filter(e -> b.address().equals(e.server())
                && (e.type() == HealthEvent.Type.SERVER_UP || e.type() == HealthEvent.Type.SERVER_DOWN)).count();
        // rise = fall = 1: every flip from result 2 to 40 is a change (39), and result 41 brings it up (40).
        assertEquals(40, changesA, "undamped state changes");
        // rise = fall = 2: never two equal results in a row, so never a change.
        assertEquals(0, changesB, "damped state changes");
        assertEquals(HealthState.UP, health(id, a.address()).state());
    }

    @Test
    void retries_repeatAFailedProbeBeforeItCounts() throws Exception {
        open(3);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger callsAtDown = new AtomicInteger();
        checker.addListener(e -> {
            if (e.type() == HealthEvent.Type.SERVER_DOWN) {
                callsAtDown.set(calls.get());
            }
        });
        RealServer a = rs(Backend.freePort(), 1);
        start(CheckedService.builder(service(vip(), a))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("once", script(calls, n -> n == 1))
                        .withSettings(fast(1, 1).withRetries(2).withRetryDelay(Duration.ofMillis(30)))))
                .build());
        clock.forward(TICK); // call 2 fails: retry 1 in 30 ms
        assertEquals(0, count(HealthEvent.Type.SERVER_DOWN), "a failure is retried before it counts");
        clock.forward(Duration.ofMillis(30)); // call 3 fails: retry 2
        assertEquals(0, count(HealthEvent.Type.SERVER_DOWN), events::toString);
        clock.forward(Duration.ofMillis(30)); // call 4 fails: no retry left
        assertEquals(1, count(HealthEvent.Type.SERVER_DOWN), events::toString);
        // 1 success, then a failure retried twice: down at the third failing probe (call 4).
        assertEquals(4, callsAtDown.get());
    }

    @Test
    void inhibitOnFailure_keepsWeightZero_otherwiseTheServerIsRemoved() throws Exception {
        open(3);
        Switch sa = new Switch();
        Switch sb = new Switch();
        RealServer a = rs(Backend.freePort(), 3);
        RealServer b = rs(Backend.freePort(), 2);
        ServiceId id = start(CheckedService.builder(service(vip(), a, b))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", sa).withSettings(fast(1, 1)))
                        .withInhibitOnFailure(true))
                .server(CheckedServer.of(b).withChecks(HealthCheck.predicate("b", sb).withSettings(fast(1, 1))))
                .build());
        assertEquals(3, weight(id, a.address()));
        assertEquals(2, weight(id, b.address()));
        sa.healthy.set(false);
        sb.healthy.set(false);
        clock.forward(TICK);
        assertEquals(0, weight(id, a.address()), events::toString);
        assertEquals(-1, weight(id, b.address()), events::toString);
        assertTrue(events(HealthEvent.Type.SERVER_DOWN).stream()
                .anyMatch(e -> e.message().endsWith("kept at weight 0 (inhibit on failure)")), events::toString);
        assertTrue(events(HealthEvent.Type.SERVER_DOWN).stream().anyMatch(e -> e.message().endsWith("; removed")),
                events::toString);
        sa.healthy.set(true);
        sb.healthy.set(true);
        clock.forward(TICK);
        assertEquals(3, weight(id, a.address()), events::toString);
        assertEquals(2, weight(id, b.address()), events::toString);
    }

    @Test
    void slowStart_rampsTheWeightUpInSteps() throws Exception {
        open(3);
        Switch s = new Switch();
        RealServer a = rs(Backend.freePort(), 10);
        ServiceId id = start(CheckedService.builder(service(vip(), a))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", s).withSettings(fast(1, 1)))
                        .withSlowStart(Duration.ofMillis(800)))
                .build());
        assertEquals(10, weight(id, a.address()), "no slow start at the start");
        s.healthy.set(false);
        clock.forward(TICK);
        assertEquals(-1, weight(id, a.address()), events::toString);
        events.clear();
        List<Integer> seen = new ArrayList<>();
        checker.addListener(e -> {
            if (e.type() == HealthEvent.Type.SERVER_UP || e.type() == HealthEvent.Type.WEIGHT_CHANGED) {
                seen.add(weight(id, a.address()));
            }
        });
        s.healthy.set(true);
        clock.forward(TICK); // the probe that brings it back
        long start = clock.nanoTime();
        long took = -1;
        for (int i = 0; i < 100 && took < 0; i++) {
            clock.forward(Duration.ofMillis(10));
            if (weight(id, a.address()) == 10) {
                took = clock.nanoTime() - start;
            }
        }
        assertEquals(1, seen.get(0), "starts at weight 1: " + seen);
        assertEquals(10, seen.get(seen.size() - 1), seen::toString);
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) > seen.get(i - 1), "increasing: " + seen);
        }
        assertTrue(seen.size() >= 6, "ramps in steps (up to 10): " + seen);
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), seen, "one step per 80 ms");
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(700), "over the period: " + took / 1_000_000 + " ms");
        assertEquals(800, took / 1_000_000, "full weight exactly at the end of the period");
        assertTrue(events(HealthEvent.Type.SERVER_UP).get(0).message().contains("slow start from weight 1 over 800 ms"),
                events::toString);
    }

    @Test
    void quorumWithHysteresis_keepalivedMeanings() throws Exception {
        open(3);
        Backend sorry = backend();
        Switch[] sw = {new Switch(), new Switch(), new Switch()};
        RealServer[] rs = {rs(Backend.freePort(), 1), rs(Backend.freePort(), 1), rs(Backend.freePort(), 1)};
        CheckedService.Builder b = CheckedService.builder(service(vip(), rs))
                .quorum(2).hysteresis(1).sorryServer(RealServer.of(sorry.address()));
        for (int i = 0; i < 3; i++) {
            b.server(CheckedServer.of(rs[i]).withChecks(HealthCheck.predicate("s" + i, sw[i]).withSettings(fast(1, 1))));
        }
        ServiceId id = start(b.build());
        assertTrue(checker.health(id).orElseThrow().quorumUp());
        assertEquals(3, members(id).size());
        // Losing: live weight below quorum - hysteresis = 1, so only at 0.
        for (int i = 0; i < 3; i++) {
            sw[i].healthy.set(false);
            clock.forward(TICK);
            assertEquals(HealthState.DOWN, health(id, rs[i].address()).state(), events::toString);
            ServiceHealth h = checker.health(id).orElseThrow();
            assertEquals(i < 2, h.quorumUp(), "after " + (i + 1) + " down: " + h);
        }
        assertEquals(List.of(sorry.address()), members(id), "only the sorry server");
        assertTrue(checker.health(id).orElseThrow().sorryServerActive());
        // Gaining: live weight at least quorum + hysteresis = 3.
        for (int i = 0; i < 3; i++) {
            sw[i].healthy.set(true);
            clock.forward(TICK);
            assertEquals(HealthState.UP, health(id, rs[i].address()).state(), events::toString);
            ServiceHealth h = checker.health(id).orElseThrow();
            assertEquals(i == 2, h.quorumUp(), "after " + (i + 1) + " up: " + h);
            if (i < 2) {
                assertEquals(List.of(sorry.address()), members(id), "still the sorry server alone");
            }
        }
        assertEquals(3, members(id).size());
        assertFalse(members(id).contains(sorry.address()));
        assertEquals(1, count(HealthEvent.Type.QUORUM_LOST));
        assertEquals(1, count(HealthEvent.Type.QUORUM_GAINED));
        assertEquals(1, count(HealthEvent.Type.SORRY_SERVER_IN));
        assertEquals(1, count(HealthEvent.Type.SORRY_SERVER_OUT));
    }

    @Test
    void quorumInALargeService_swapsTheSorryServerWithOneUpdatePerService() throws Exception {
        open(3);
        Backend sorry = backend();
        int n = 100;
        Switch sw = new Switch();
        List<RealServer> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            servers.add(rs(Backend.freePort(), 1));
        }
        CheckedService.Builder b = CheckedService.builder(VirtualService.tcp(vip()).scheduler("wrr")
                .realServers(servers).build()).quorum(n / 2).sorryServer(RealServer.of(sorry.address()));
        servers.forEach(s -> b.server(CheckedServer.of(s).withChecks(HealthCheck.predicate("p", sw)
                .withSettings(fast(1, 1)))));
        ServiceId id = start(b.build());
        assertEquals(n, members(id).size());
        sw.healthy.set(false);
        clock.forward(TICK); // every server fails; at the 51st the quorum is lost and 50 servers swap at once
        assertEquals(List.of(sorry.address()), members(id), "only the sorry server");
        assertEquals(1, count(HealthEvent.Type.QUORUM_LOST));
        assertTrue(checker.health(id).orElseThrow().servers().stream().allMatch(s -> s.loadBalancerWeight() == -1));
        sw.healthy.set(true);
        clock.forward(TICK); // at the 50th server up the quorum is back: the sorry server out, 50 servers in
        assertEquals(n, members(id).size());
        assertFalse(members(id).contains(sorry.address()));
        assertTrue(servers.stream().allMatch(s -> weight(id, s.address()) == 1));
        assertEquals(1, count(HealthEvent.Type.QUORUM_GAINED));
        assertEquals(1, count(HealthEvent.Type.SORRY_SERVER_OUT));
    }

    @Test
    void sorryServer_defaultQuorum_servesWhileEveryServerIsDown_inhibitKeepsItAtZero() throws Exception {
        open(3);
        Backend sorry = backend();
        Switch sa = new Switch();
        Switch sb = new Switch();
        RealServer a = rs(Backend.freePort(), 2);
        RealServer b = rs(Backend.freePort(), 1);
        ServiceId id = start(CheckedService.builder(service(vip(), a, b))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", sa).withSettings(fast(1, 1))))
                .server(CheckedServer.of(b).withChecks(HealthCheck.predicate("b", sb).withSettings(fast(1, 1)))
                        .withInhibitOnFailure(true))
                .sorryServer(RealServer.of(sorry.address()).withWeight(5)).sorryServerInhibit(true)
                .build());
        assertEquals(0, weight(id, sorry.address()), "inhibited sorry server waits at weight 0");
        sa.healthy.set(false);
        clock.forward(TICK);
        assertEquals(HealthState.DOWN, health(id, a.address()).state(), events::toString);
        assertEquals(0, weight(id, sorry.address()), "one server is still up");
        sb.healthy.set(false);
        clock.forward(TICK);
        assertEquals(5, weight(id, sorry.address()), events::toString);
        assertEquals(-1, weight(id, a.address()));
        assertEquals(0, weight(id, b.address()), "inhibited real server stays at 0");
        sa.healthy.set(true);
        // The real server comes back first, then the sorry server goes back to waiting.
        clock.forward(TICK);
        assertEquals(2, weight(id, a.address()), events::toString);
        assertEquals(0, weight(id, sorry.address()), events::toString);
    }

    @Test
    void initialStateDown_isProvisional_thenRiseApplies() throws Exception {
        open(3);
        Switch sa = new Switch();
        Switch sb = new Switch();
        sb.healthy.set(false);
        RealServer a = rs(Backend.freePort(), 4);
        RealServer b = rs(Backend.freePort(), 5);
        CheckSettings alpha = fast(3, 1).withInitialState(HealthState.DOWN).withWarmup(Duration.ofMillis(50));
        ServiceId id = start(CheckedService.builder(service(vip(), a, b))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", sa).withSettings(alpha)))
                .server(CheckedServer.of(b).withChecks(HealthCheck.predicate("b", sb).withSettings(alpha)))
                .build());
        assertEquals(List.of(), members(id), "alpha: no server before a check passed");
        // a: the first result contradicts the provisional DOWN, so it is up at once, without waiting for rise 3.
        clock.forward(Duration.ofMillis(50)); // the warmup: both first probes ran
        assertEquals(1, count(HealthEvent.Type.SERVER_UP), events::toString);
        assertEquals(4, weight(id, a.address()));
        assertTrue(events(HealthEvent.Type.SERVER_UP).get(0).message().contains("is UP after a successful result"),
                events::toString);
        // b: its first results confirmed DOWN; from then on rise 3 applies.
        for (int i = 0; i < 100 && sb.calls.get() < 2; i++) {
            clock.forward(Duration.ofMillis(1));
        }
        assertEquals(2, sb.calls.get(), "calls");
        sb.healthy.set(true);
        forward(TICK, 2);
        assertEquals(1, count(HealthEvent.Type.SERVER_UP), "not before rise 3: " + events);
        clock.forward(TICK);
        assertEquals(2, count(HealthEvent.Type.SERVER_UP), events::toString);
        assertEquals(5, weight(id, b.address()));
        assertTrue(events(HealthEvent.Type.SERVER_UP).get(1).message().contains("is UP after 3 successful results"),
                events::toString);
    }

    @Test
    void dynamicWeight_followsTheCommandsExitStatus(@TempDir Path dir) throws Exception {
        open(3);
        Path status = dir.resolve("status");
        Files.writeString(status, "10");
        RealServer a = rs(Backend.freePort(), 3);
        CommandCheck cmd = HealthCheck.command("sh", "-c", "exit $(cat " + status + ")").withDynamicWeight(true)
                .withSettings(fast(1, 1)).withTimeout(Duration.ofSeconds(5));
        ServiceId id = start(CheckedService.builder(service(vip(), a))
                .server(CheckedServer.of(a).withChecks(cmd)).build());
        assertEquals(8, weight(id, a.address()), events::toString); // the command ran in start's first probe
        assertEquals(8, health(id, a.address()).effectiveWeight());
        assertEquals(3, health(id, a.address()).configuredWeight());
        Files.writeString(status, "0");
        clock.forward(TICK);
        assertEquals(3, weight(id, a.address()), events::toString);
        Files.writeString(status, "1");
        clock.forward(TICK);
        assertEquals(-1, weight(id, a.address()), events::toString);
        Files.writeString(status, "22");
        clock.forward(TICK);
        assertEquals(20, weight(id, a.address()), events::toString);
    }

    @Test
    void passiveChecks_connectFailuresOfTheDataPathCountTowardFall() throws Exception {
        open(3);
        Backend live = backend();
        Backend dying = backend();
        VirtualService vs = VirtualService.tcp(vip()).scheduler("rr")
                .realServer(RealServer.of(live.address())).realServer(RealServer.of(dying.address())).build();
        // The active check runs once at the start, then not for a minute: only passive failures can take it down.
        CheckSettings slow = fast(1, 3).withInterval(Duration.ofSeconds(60));
        ServiceId id = start(CheckedService.builder(vs)
                .server(CheckedServer.of(RealServer.of(dying.address()))
                        .withChecks(HealthCheck.tcp().withSettings(slow)).withPassive(true))
                .build());
        await(() -> health(id, dying.address()).checks().get(0).probes() == 1, WAIT, () -> "first probe");
        assertEquals(Duration.ofSeconds(60), clock.nextDue(), "the next active probe is a minute away");
        dying.kill();
        InetSocketAddress vip = vs.id().address();
        for (int i = 0; i < 40 && health(id, dying.address()).state() == HealthState.UP; i++) {
            try (Socket s = new Socket()) {
                s.connect(vip, 2000);
                s.setSoTimeout(5000);
                s.getOutputStream().write(1);
                InputStream in = s.getInputStream();
                assertEquals(1, in.read(), "the data path moved the connection to the live server");
            }
        }
        await(() -> health(id, dying.address()).state() == HealthState.DOWN, WAIT, events::toString);
        ServerHealth h = health(id, dying.address());
        assertTrue(h.passiveFailures() >= 3, h.toString());
        assertEquals(1, h.checks().get(0).probes(), "the active check did not run again");
        assertEquals(-1, weight(id, dying.address()));
        awaitEvents(HealthEvent.Type.SERVER_DOWN, 1);
        assertTrue(events(HealthEvent.Type.SERVER_DOWN).get(0).message()
                .contains("connect failure(s) reported by the data path"), events::toString);
    }

    @Test
    void addAndRemoveRealServer_startAndStopItsChecks() throws Exception {
        open(3);
        RealServer a = rs(Backend.freePort(), 1);
        ServiceId id = start(CheckedService.builder(service(vip(), a)).build());
        Switch s = new Switch();
        RealServer b = rs(Backend.freePort(), 7);
        checker.addRealServer(id, CheckedServer.of(b).withChecks(HealthCheck.predicate("b", s).withSettings(fast(1, 1))));
        assertEquals(7, weight(id, b.address()));
        forward(TICK, 4);
        assertTrue(s.calls.get() > 3, "checks of the added server run: " + s.calls);
        assertThrows(LoadBalancerException.class, () -> checker.addRealServer(id, CheckedServer.of(b)));
        checker.removeRealServer(id, b.address());
        assertEquals(-1, weight(id, b.address()));
        int calls = s.calls.get();
        forward(TICK, 15);
        assertTrue(s.calls.get() <= calls + 1, "checks of a removed server stop: " + calls + " -> " + s.calls);
        assertEquals(calls, s.calls.get(), "not one more probe");
        assertEquals(1, count(HealthEvent.Type.SERVER_ADDED));
        assertEquals(1, count(HealthEvent.Type.SERVER_REMOVED));
        LoadBalancerException e = assertThrows(LoadBalancerException.class,
                () -> checker.removeRealServer(id, b.address()));
        assertEquals(LoadBalancerException.Reason.NO_SUCH_DESTINATION, e.reason());
    }

    @Test
    void update_keepsTheHealthOfServersWhoseChecksDidNotChange() throws Exception {
        open(3);
        Switch s = new Switch();
        RealServer a = rs(Backend.freePort(), 1);
        RealServer b = rs(Backend.freePort(), 2);
        CheckedServer ca = CheckedServer.of(a).withChecks(HealthCheck.predicate("a", s).withSettings(fast(1, 1)));
        CheckedService first = CheckedService.builder(service(vip(), a, b)).server(ca).build();
        ServiceId id = start(first);
        s.healthy.set(false);
        clock.forward(TICK);
        assertEquals(HealthState.DOWN, health(id, a.address()).state(), events::toString);
        checker.update(first.withServer(CheckedServer.of(b.withWeight(9))));
        assertEquals(9, weight(id, b.address()));
        assertEquals(HealthState.DOWN, health(id, a.address()).state(), "kept its state");
        assertEquals(-1, weight(id, a.address()));
        checker.editRealServer(id, ca.withServer(a.withWeight(4)));
        s.healthy.set(true);
        clock.forward(TICK);
        assertEquals(4, weight(id, a.address()), events::toString);
    }

    @Test
    void apply_reloadsAWholeConfiguration() throws Exception {
        open(3);
        Switch s = new Switch();
        RealServer a = rs(Backend.freePort(), 1);
        RealServer b = rs(Backend.freePort(), 2);
        CheckedService one = CheckedService.builder(service(vip(), a))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", s).withSettings(fast(1, 1)))).build();
        CheckedService two = CheckedService.builder(service(vip(), b)).build();
        checker.apply(List.of(one, two)).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(one, two), checker.services());
        s.healthy.set(false);
        forward(TICK, 2);
        assertEquals(HealthState.DOWN, health(one.id(), a.address()).state(), events::toString);

        // Reload: one gets a second server (a keeps its DOWN state), two goes, three comes.
        CheckedService oneMore = one.withServer(CheckedServer.of(b));
        CheckedService three = CheckedService.builder(service(vip(), a, b)).build();
        checker.apply(List.of(oneMore, three)).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(oneMore, three), checker.services());
        assertTrue(lb.service(two.id()).isEmpty(), "two stopped");
        assertEquals(HealthState.DOWN, health(one.id(), a.address()).state(), "state kept across the reload");
        assertEquals(List.of(b.address()), members(one.id()));
        assertEquals(2, members(three.id()).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> checker.apply(List.of(three, three)));
        assertTrue(e.getMessage().startsWith("services: "), e.getMessage());
    }

    @Test
    void stop_stopsTheServiceAndItsChecks_closeLeavesServicesRunning() throws Exception {
        open(3);
        Switch s = new Switch();
        RealServer a = rs(Backend.freePort(), 1);
        ServiceId id = start(CheckedService.builder(service(vip(), a))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", s).withSettings(fast(1, 1))))
                .build());
        assertThrows(IllegalArgumentException.class, () -> checker.start(CheckedService.builder(service(
                id.address(), a)).build()));
        forward(TICK, 2);
        assertEquals(3, s.calls.get(), "checks run");
        checker.stop(id).get(10, TimeUnit.SECONDS);
        assertTrue(lb.service(id).isEmpty());
        assertTrue(checker.health(id).isEmpty());
        int calls = s.calls.get();
        forward(TICK, 10);
        assertTrue(s.calls.get() <= calls + 1, "no more probes");
        assertEquals(calls, s.calls.get(), "not one");
        assertEquals(0, clock.pending(), "no timer left behind");

        ServiceId again = start(CheckedService.builder(service(vip(), a))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", s).withSettings(fast(1, 1))))
                .build());
        checker.close();
        assertEquals(1, weight(again, a.address()), "the service keeps running after the checker closes");
        assertThrows(IllegalStateException.class, () -> checker.start(CheckedService.builder(service(vip(), a)).build()));
    }

    @Test
    void listeners_receiveEveryProbeResult_andBadListenersAreContained() throws Exception {
        openRealTime(3); // on real time: the probe latencies it checks are real
        List<CheckResult> results = new ArrayList<>();
        checker.addListener(new HealthListener() {
            @Override
            public void onEvent(HealthEvent event) {
                throw new IllegalStateException("a broken listener");
            }

            @Override
            public void onResult(CheckResult result) {
                synchronized (results) {
                    results.add(result);
                }
            }
        });
        Backend b = backend();
        RealServer a = RealServer.of(b.address());
        ServiceId id = start(CheckedService.builder(service(vip(), a))
                .servers(s -> s.withChecks(HealthCheck.tcp().withSettings(fast(1, 1)))).build());
        await(() -> {
            synchronized (results) {
                return results.size() >= 3;
            }
        }, WAIT, () -> "results");
        CheckResult r;
        synchronized (results) {
            r = results.get(0);
        }
        assertEquals(id, r.service());
        assertEquals(b.address(), r.server());
        assertEquals("TCP_CHECK " + b.address().getAddress().getHostAddress() + ":" + b.address().getPort(), r.check());
        assertTrue(r.healthy());
        assertTrue(r.latency().toNanos() > 0);
        b.kill();
        await(() -> health(id, a.address()).state() == HealthState.DOWN, WAIT, events::toString);
        CheckStatus status = health(id, a.address()).checks().get(0);
        assertEquals("connection refused", status.lastResult().message());
        assertTrue(status.failedProbes() >= 1);
    }

    @Test
    void listeners_runOutsideTheLock_mayWaitForAnotherThreadThatReadsAndChangesTheChecker() throws Exception {
        open(3);
        Switch s = new Switch();
        RealServer a = rs(Backend.freePort(), 1);
        RealServer b = rs(Backend.freePort(), 2);
        ServiceId id = start(CheckedService.builder(service(vip(), a, b))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", s).withSettings(fast(1, 1))))
                .build());
        ExecutorService other = Executors.newSingleThreadExecutor();
        List<String> seen = new CopyOnWriteArrayList<>();
        try {
            checker.addListener(e -> {
                if (e.type() != HealthEvent.Type.SERVER_DOWN) {
                    return;
                }
                // Another thread reads the health and changes the service while this call waits for it: under the
                // service's lock (as listeners were called before) that was a deadlock.
                Future<?> f = other.submit(() -> {
                    seen.add(String.valueOf(health(id, a.address()).state()));
                    checker.editRealServer(id, CheckedServer.of(b.withWeight(5)));
                });
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (Exception x) {
                    seen.add("failed: " + x);
                }
            });
            s.healthy.set(false);
            clock.forward(TICK); // the probe, the change and the listener all run here, on this thread
            assertEquals(List.of("DOWN"), seen);
            assertEquals(5, weight(id, b.address()), "the listener's change applied");
            assertEquals(-1, weight(id, a.address()));
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void sharedEventLoopGroup_isUsedAndNotShutDown() throws Exception {
        lb = NettyLoadBalancer.builder().ioThreads(1).build();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            checker = HealthChecker.builder(lb).eventLoopGroup(group, NioSocketChannel.class).commandThreads(1).build();
            Backend b = backend();
            ServiceId id = start(CheckedService.builder(service(vip(), RealServer.of(b.address())))
                    .servers(s -> s.withChecks(HealthCheck.tcp().withSettings(fast(1, 1)))).build());
            await(() -> health(id, b.address()).checks().get(0).probes() >= 2, WAIT, () -> "probes on the shared group");
            b.kill();
            await(() -> health(id, b.address()).state() == HealthState.DOWN, WAIT, events::toString);
            checker.close();
            assertFalse(group.isShuttingDown(), "the group belongs to the application");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> HealthChecker.builder(lb)
                    .eventLoopGroup(group, NioSocketChannel.class).ioThreads(2));
            assertEquals("eventLoopGroup was already set to " + group, e.getMessage());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void closedLoadBalancer_stopsTheChecksQuietly() throws Exception {
        open(3);
        Switch s = new Switch();
        RealServer a = rs(Backend.freePort(), 1);
        ServiceId id = start(CheckedService.builder(service(vip(), a))
                .server(CheckedServer.of(a).withChecks(HealthCheck.predicate("a", s).withSettings(fast(1, 1)))).build());
        lb.close();
        s.healthy.set(false); // the checker tries to remove the server, finds the load balancer closed, stops
        clock.forward(TICK);
        assertEquals(HealthState.DOWN, health(id, a.address()).state(), events::toString);
        int calls = s.calls.get();
        forward(TICK, 15);
        assertEquals(calls, s.calls.get(), "no more probes");
    }

    @Test
    void misuse_isRefusedWithTheHouseMessage() throws IOException {
        open(3);
        RealServer a = rs(Backend.freePort(), 1);
        VirtualService vs = service(vip(), a);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckedService.builder(vs).quorum(2).hysteresis(2).build());
        assertEquals("hysteresis: 2 (expected: 0-1, below the quorum 2)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CheckedService.builder(vs).server(CheckedServer.of(a).withPassive(true)).build());
        assertEquals("passive: true for " + "127.0.0.1:" + a.address().getPort()
                + " (expected: at least one active check to bring the server back)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckedServer.of(RealServer.of("127.0.0.1", 0))
                .withChecks(HealthCheck.tcp()));
        assertEquals("connectOptions.port: 0 (expected: 1-65535 for the TCP_CHECK of 127.0.0.1:0, a real server "
                + "without a port)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckSettings.defaults().withRise(0));
        assertEquals("rise: 0 (expected: 1-1000)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckSettings.defaults().withInterval(Duration.ZERO));
        assertEquals("interval: PT0S (expected: PT0.001S-PT24H)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HttpGetCheck.Url.of("/").withStatusCodes("200-99"));
        assertEquals("statusCodes: 200-99 (expected: status codes or ranges in 100-599)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HttpGetCheck.Url.of("/").withDigest("abc"));
        assertEquals("digest: abc (expected: 32 hex digits (an MD5 digest))", e.getMessage());
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> CheckedService.builder(vs).quorum(1).quorum(2));
        assertEquals("quorum was already set to 1", twice.getMessage());
    }
}
