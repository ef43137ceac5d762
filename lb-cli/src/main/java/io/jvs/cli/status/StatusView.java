package io.jvs.cli.status;

import io.jvs.api.ConnectionTableStatus;
import io.jvs.api.DefenceStatus;
import io.jvs.api.LoadBalancer;
import io.jvs.api.MemoryDefenceStatus;
import io.jvs.api.Rates;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Stats;
import io.jvs.api.VirtualService;
import io.jvs.health.HealthChecker;
import io.jvs.health.HealthState;
import io.jvs.health.ServerHealth;
import io.jvs.health.ServiceHealth;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One consistent snapshot of the director's table and the health checker's view: what the status page and
 * {@code /status.json} render.
 *
 * <p>A checked server that is down and out of the table is listed all the same (weight "out"), so a failure is
 * visible, not just absent.
 *
 * @param time when the snapshot was taken
 * @param uptime how long the daemon has run
 * @param table the connection table's fill and refusals
 * @param memory the memory defence
 * @param services every service, in the table's order
 * @param config the latest load of the configuration file, or null without one
 */
record StatusView(Instant time, Duration uptime, ConnectionTableStatus table, MemoryDefenceStatus memory,
        List<ServiceView> services, ConfigLoad config, List<String> cluster) {

    /**
     * A service.
     *
     * @param health the checker's view, or null for a service it does not check
     */
    record ServiceView(VirtualService service, Stats stats, Rates rates, ServiceHealth health,
            List<ServerView> servers, ServiceDefenceStatus defences) {}

    /**
     * A real server (or a sorry server).
     *
     * @param role {@code real} or {@code sorry}
     * @param state {@code UP}, {@code DOWN}, {@code SLOW_START}, {@code SORRY} (sorry server serving),
     *     {@code STANDBY} (sorry server not needed) or {@code UNCHECKED}
     * @param status the table's view, or null when the server is not in the table
     * @param health the checker's view, or null for an unchecked server
     */
    record ServerView(InetSocketAddress address, String role, String state, RealServerStatus status,
            ServerHealth health) {

        /** The weight in the table, or -1 when the server is not in it. */
        int weight() {
            return status == null ? -1 : status.server().weight();
        }
    }

    /**
     * Takes a snapshot.
     *
     * @param checker the health checker, or null
     * @param config the latest configuration load, or null
     */
    static StatusView take(LoadBalancer lb, HealthChecker checker, Instant started, ConfigLoad config) {
        return take(lb, checker, started, config, List.of());
    }

    /** As {@link #take(LoadBalancer, HealthChecker, Instant, ConfigLoad)}, with the cluster's lines. */
    static StatusView take(LoadBalancer lb, HealthChecker checker, Instant started, ConfigLoad config,
            List<String> cluster) {
        Instant now = Instant.now();
        Map<ServiceId, ServiceHealth> health = new HashMap<>();
        if (checker != null) {
            for (ServiceHealth h : checker.health()) {
                h.services().forEach(id -> health.put(id, h));
            }
        }
        DefenceStatus defences = lb.defences();
        Map<ServiceId, ServiceDefenceStatus> byService = new HashMap<>();
        defences.services().forEach(d -> byService.put(d.service(), d));
        List<ServiceView> services = new ArrayList<>();
        for (ServiceStatus st : lb.services()) {
            ServiceHealth h = health.get(st.id());
            services.add(new ServiceView(st.service(), st.stats(), st.rates(), h, servers(st, h),
                    byService.getOrDefault(st.id(), ServiceDefenceStatus.of(st.service()))));
        }
        return new StatusView(now, Duration.between(started, now), defences.connectionTable(), defences.memory(),
                services, config, List.copyOf(cluster));
    }

    /** The checked servers first (also those out of the table), then the sorry server, then unchecked ones. */
    private static List<ServerView> servers(ServiceStatus st, ServiceHealth h) {
        Map<InetSocketAddress, RealServerStatus> table = new LinkedHashMap<>();
        st.realServers().forEach(rs -> table.put(rs.server().address(), rs));
        List<ServerView> servers = new ArrayList<>();
        if (h != null) {
            for (ServerHealth sh : h.servers()) {
                String state = sh.state() == HealthState.DOWN ? "DOWN" : sh.slowStarting() ? "SLOW_START" : "UP";
                servers.add(new ServerView(sh.server(), "real", state, table.remove(sh.server()), sh));
            }
            if (h.sorryServer() != null) {
                servers.add(new ServerView(h.sorryServer(), "sorry", h.sorryServerActive() ? "SORRY" : "STANDBY",
                        table.remove(h.sorryServer()), null));
            }
        }
        table.values().forEach(rs -> servers.add(new ServerView(rs.server().address(), "real", "UNCHECKED", rs,
                null)));
        return servers;
    }
}
