package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.core.Director;
import io.jvs.health.CheckSettings;
import io.jvs.health.CheckedServer;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthChecker;
import io.jvs.health.HealthState;
import io.jvs.health.ServerHealth;
import io.jvs.ipvsadm.Ipvsadm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * jvsadm commands on a daemon with keepalived.conf services: changes to checked services go through the health
 * checker, so they stick when checks flap; changes to services jvsadm added go to the director.
 */
class CheckedLoadBalancerTest {

    private static final InetAddress LO = InetAddress.getLoopbackAddress();
    private static final InetSocketAddress VIP = new InetSocketAddress(LO, 8080);
    private static final InetSocketAddress RS1 = new InetSocketAddress(LO, 9001);
    private static final InetSocketAddress RS2 = new InetSocketAddress(LO, 9002);
    private static final InetSocketAddress RS3 = new InetSocketAddress(LO, 9003);
    private static final ServiceId ID = ServiceId.tcp(VIP);

    private final Set<InetSocketAddress> failing = ConcurrentHashMap.newKeySet();
    private Director director;
    private HealthChecker checker;
    private Ipvsadm jvsadm;

    @BeforeEach
    void setUp() {
        director = Director.builder().dataPath(new SocketDataPath()).rateEstimator(false).connectionTimer(false)
                .build();
        checker = HealthChecker.builder(director).randomSeed(7).build();
        jvsadm = Ipvsadm.of(new CheckedLoadBalancer(director, checker));
        CheckSettings fast = CheckSettings.defaults().withInterval(Duration.ofMillis(20))
                .withTimeout(Duration.ofMillis(500)).withRetries(0).withWarmup(Duration.ZERO).withRise(1).withFall(1);
        HealthCheck probe = HealthCheck.predicate("probe", a -> !failing.contains(a)).withSettings(fast);
        VirtualService vs = VirtualService.tcp(VIP).scheduler("wrr").realServer(RealServer.of(RS1).withWeight(3))
                .realServer(RealServer.of(RS2).withWeight(2)).build();
        checker.start(CheckedService.builder(vs).servers(s -> s.withChecks(probe)).build()).join();
    }

    @AfterEach
    void tearDown() {
        checker.close();
        director.close();
    }

    @Test
    void weightSetWithJvsadm_sticksThroughAFailureAndRecovery() throws Exception {
        ok("-e", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:9002", "-w", "0"); // drain for maintenance
        assertEquals(Map.of(RS1, 3, RS2, 0), table());
        assertEquals(0, checked(RS2).orElseThrow().server().weight());

        failing.add(RS2);
        await(() -> state(RS2) == HealthState.DOWN);
        assertEquals(Map.of(RS1, 3), table(), "down: removed");
        failing.remove(RS2);
        await(() -> state(RS2) == HealthState.UP);
        assertEquals(Map.of(RS1, 3, RS2, 0), table(), "back up: still drained, as jvsadm left it");

        ok("-e", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:9002", "-w", "4");
        assertEquals(Map.of(RS1, 3, RS2, 4), table());
    }

    @Test
    void addOfAServerHeldOutWhileDown_setsItsWeightForItsReturn() throws Exception {
        failing.add(RS1);
        await(() -> state(RS1) == HealthState.DOWN);
        assertEquals(Map.of(RS2, 2), table());
        assertEquals(List.of("", "No such destination\n", "255"),
                run("-e", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:9001", "-w", "9"), "not in the table");
        ok("-a", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:9001", "-w", "9");
        assertEquals(Map.of(RS2, 2), table(), "still down: still out");
        failing.remove(RS1);
        await(() -> state(RS1) == HealthState.UP);
        assertEquals(Map.of(RS1, 9, RS2, 2), table());
    }

    @Test
    void addAndDelete_changeTheCheckedServers() {
        ok("-a", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:9003", "-w", "5");
        assertEquals(Map.of(RS1, 3, RS2, 2, RS3, 5), table());
        assertTrue(checked(RS3).orElseThrow().checks().isEmpty(), "added by jvsadm: no checks, always up");
        assertEquals(List.of("", "Destination already exists\n", "255"),
                run("-a", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:9003"));

        ok("-d", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:9002");
        assertEquals(Map.of(RS1, 3, RS3, 5), table());
        assertTrue(checked(RS2).isEmpty(), "its checks stopped");
        failing.add(RS2); // would bring it down if it were still checked; nothing happens
        assertEquals(Map.of(RS1, 3, RS3, 5), table());
    }

    @Test
    void editService_goesThroughTheChecker() {
        ok("-E", "-t", "127.0.0.1:8080", "-s", "rr", "-p", "60");
        VirtualService running = director.service(ID).orElseThrow().service();
        assertEquals("rr", running.schedulerName());
        assertEquals(Duration.ofSeconds(60), running.persistence());
        VirtualService configured = checker.services().get(0).services().get(0);
        assertEquals("rr", configured.schedulerName(), "the checker's configuration follows");
        assertEquals(Map.of(RS1, 3, RS2, 2), table(), "its servers stay");
    }

    @Test
    void deleteAndClear_stopTheChecks() {
        ok("-A", "-t", "127.0.0.1:8081", "-s", "rr");
        ok("-a", "-t", "127.0.0.1:8081", "-r", "127.0.0.1:9003");
        assertEquals(1, checker.services().size(), "a service jvsadm adds is not checked");
        ok("-D", "-t", "127.0.0.1:8080");
        assertTrue(checker.services().isEmpty());
        assertTrue(director.service(ID).isEmpty());
        ok("-C");
        assertTrue(director.services().isEmpty());
    }

    @Test
    void deleteOfOneServiceOfAGroup_isRefused() {
        checker.stop(ID).join();
        VirtualService a = VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build();
        VirtualService b = VirtualService.tcp(new InetSocketAddress(LO, 8443)).build();
        checker.start(CheckedService.builder(a).service(b).build()).join();
        List<String> r = run("-D", "-t", "127.0.0.1:8443");
        assertEquals("255", r.get(2), r.toString());
        assertTrue(r.get(1).startsWith("Operation not supported: TCP 127.0.0.1:8443 is one of the 2 services of a "
                + "keepalived virtual_server group"), r.get(1));
        assertEquals(2, director.services().size());
        ok("-C");
        assertTrue(director.services().isEmpty());
        assertTrue(checker.services().isEmpty());
    }

    private void ok(String... args) {
        assertEquals(List.of("", "", "0"), run(args), String.join(" ", args));
    }

    private List<String> run(String... args) {
        Ipvsadm.Result r = jvsadm.execute(List.of(args), "");
        return List.of(r.stdout(), r.stderr(), Integer.toString(r.status()));
    }

    private Map<InetSocketAddress, Integer> table() {
        return director.service(ID).orElseThrow().realServers().stream()
                .collect(Collectors.toMap(s -> s.server().address(), s -> s.server().weight()));
    }

    private Optional<CheckedServer> checked(InetSocketAddress server) {
        return checker.services().get(0).server(server);
    }

    private HealthState state(InetSocketAddress server) {
        return checker.health(ID).orElseThrow().servers().stream().filter(s -> s.server().equals(server))
                .map(ServerHealth::state).findFirst().orElseThrow();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(10);
        }
    }
}
