package io.jvs.examples.daemon;

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
import io.jvs.api.internal.Addresses;
import io.jvs.health.CheckResult;
import io.jvs.health.CheckStatus;
import io.jvs.health.HealthChecker;
import io.jvs.health.HealthState;
import io.jvs.health.ServerHealth;
import io.jvs.health.ServiceHealth;
import io.jvs.keepalived.ConfigWarning;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the status page and {@code /status.json} show: one consistent snapshot of the director's table and the
 * health checker's view, rendered as HTML (complete without JavaScript) or JSON.
 *
 * <p>For every service: scheduler, persistence, quorum and sorry server, counters and rates; for every real
 * server: its health state, its weight in the table (and the configured one when they differ), ActiveConn,
 * InActConn, rates, and the latest result of each of its checks with its latency. A checked server that is down
 * and out of the table is listed all the same (weight "out"), so a failure is visible, not just absent.
 */
final class StatusPage {

    /** The HTML page reloads itself this often when JavaScript is off; status.js polls faster. */
    static final int NOSCRIPT_REFRESH_SECONDS = 5;

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private final LoadBalancer lb;
    private final HealthChecker checker; // may be null
    private final KeepalivedFile config; // may be null
    private final String transport;
    private final String host;
    private final Instant started = Instant.now();

    StatusPage(LoadBalancer lb, HealthChecker checker, KeepalivedFile config, String transport, String host) {
        this.lb = lb;
        this.checker = checker;
        this.config = config;
        this.transport = transport;
        this.host = host;
    }

    // ---- the model

    record View(Instant time, Duration uptime, ConnectionTableStatus table, MemoryDefenceStatus memory,
            List<ServiceView> services) {}

    /**
     * @param health the checker's view, or null for a service it does not check
     */
    record ServiceView(VirtualService service, Stats stats, Rates rates, ServiceHealth health,
            List<ServerView> servers, ServiceDefenceStatus defences) {}

    /**
     * @param role {@code real} or {@code sorry}
     * @param state {@code UP}, {@code DOWN}, {@code SLOW_START}, {@code SORRY} (sorry server serving),
     *     {@code STANDBY} (sorry server not needed) or {@code UNCHECKED}
     * @param status the table's view, or null when the server is not in the table
     * @param health the checker's view, or null for an unchecked server
     */
    record ServerView(InetSocketAddress address, String role, String state, RealServerStatus status,
            ServerHealth health) {

        int weight() {
            return status == null ? -1 : status.server().weight();
        }
    }

    /** Takes one snapshot of the table and the checker. */
    View view() {
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
            services.add(new ServiceView(st.service(), st.stats(), st.rates(), h, servers,
                    byService.getOrDefault(st.id(), ServiceDefenceStatus.of(st.service()))));
        }
        return new View(now, Duration.between(started, now), defences.connectionTable(), defences.memory(), services);
    }

    // ---- HTML

    /** The whole page: complete without JavaScript; {@code /status.js} replaces {@code #status} every 2 s. */
    String html() {
        View v = view();
        StringBuilder sb = new StringBuilder(8192);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>JVS status · ").append(esc(host)).append("</title>\n")
                .append("<link rel=\"stylesheet\" href=\"/status.css\">\n")
                .append("<script src=\"/status.js\" defer></script>\n")
                .append("<noscript><meta http-equiv=\"refresh\" content=\"").append(NOSCRIPT_REFRESH_SECONDS)
                .append("\"></noscript>\n</head>\n<body>\n<header>\n<h1>JVS <span class=\"host\">")
                .append(esc(host)).append("</span></h1>\n")
                .append("<p class=\"live\" id=\"live\">This page reloads every ").append(NOSCRIPT_REFRESH_SECONDS)
                .append(" s.</p>\n<nav><a href=\"/metrics\">/metrics</a> <a href=\"/status.json\">/status.json</a>")
                .append("</nav>\n</header>\n");
        body(sb, v);
        sb.append("</body>\n</html>\n");
        return sb.toString();
    }

    private void body(StringBuilder sb, View v) {
        sb.append("<main id=\"status\" data-time=\"").append(v.time()).append("\">\n<p class=\"summary\">")
                .append("As of <time datetime=\"").append(v.time()).append("\">").append(CLOCK.format(v.time()))
                .append("</time> · up ").append(duration(v.uptime())).append(" · ").append(esc(transport))
                .append(" transport · ").append(v.services().size()).append(v.services().size() == 1 ? " service"
                        : " services")
                .append(" · connection table ").append(count(v.table().entries())).append(" of ")
                .append(count(v.table().capacity()));
        if (v.table().refused() > 0) {
            sb.append(" · <span class=\"bad\">").append(count(v.table().refused())).append(" refused (table full)</span>");
        }
        MemoryDefenceStatus m = v.memory();
        if (m.enabled() && m.availableBytes() >= 0) {
            sb.append(m.underPressure() ? " · <span class=\"bad\">memory short: " : " · memory ")
                    .append(bytes(m.availableBytes())).append(" left (defence below ").append(bytes(m.thresholdBytes()))
                    .append(')');
            if (m.entriesDropped() + m.connectionsRefused() > 0) {
                sb.append(", ").append(count(m.entriesDropped())).append(" idle entries dropped, ")
                        .append(count(m.connectionsRefused())).append(" connections refused");
            }
            sb.append(m.underPressure() ? "</span>" : "");
        }
        sb.append("</p>\n");
        configLine(sb, v.time());
        if (v.services().isEmpty()) {
            sb.append("<p class=\"empty\">No virtual services. Add some with jvsadm or in the configuration file.</p>\n");
        }
        for (ServiceView s : v.services()) {
            service(sb, s, v.time());
        }
        sb.append("</main>\n");
    }

    private void configLine(StringBuilder sb, Instant now) {
        if (config == null) {
            return;
        }
        KeepalivedFile.Outcome o = config.last();
        if (o == null) {
            return;
        }
        sb.append("<p class=\"config ").append(o.ok() ? "ok" : "bad").append("\">")
                .append(esc(o.message())).append(" <span class=\"muted\">(").append(ago(o.time(), now)).append(")</span>");
        if (!o.ok() && config.applied() != null) {
            sb.append("; running the configuration applied ").append(ago(config.applied(), now));
        }
        sb.append("</p>\n");
        if (!o.warnings().isEmpty()) {
            sb.append("<details class=\"warnings\"><summary>").append(o.warnings().size())
                    .append(o.warnings().size() == 1 ? " warning" : " warnings").append("</summary><ul>\n");
            for (ConfigWarning w : o.warnings()) {
                sb.append("<li>").append(esc(w.toString())).append("</li>\n");
            }
            sb.append("</ul></details>\n");
        }
    }

    private void service(StringBuilder sb, ServiceView s, Instant now) {
        VirtualService vs = s.service();
        ServiceHealth h = s.health();
        sb.append("<section class=\"service\" data-service=\"").append(esc(vs.id().toString())).append("\">\n<h2>")
                .append(esc(vs.id().toString()));
        if (h != null) {
            sb.append(" <span class=\"badge ").append(h.quorumUp() ? "up\">quorum" : "down\">no quorum")
                    .append("</span>");
            if (h.sorryServerActive()) {
                sb.append(" <span class=\"badge sorry\">sorry server</span>");
            }
        }
        sb.append("</h2>\n<p class=\"meta\">").append(esc(vs.schedulerName()));
        if (vs.isPersistent()) {
            sb.append(" · persistent ").append(vs.persistence().toSeconds()).append(" s");
        }
        if (h != null) {
            long up = h.servers().stream().filter(x -> x.state() == HealthState.UP).count();
            sb.append(" · ").append(up).append(" of ").append(h.servers().size()).append(" up · live weight ")
                    .append(h.liveWeight()).append(", quorum ").append(h.quorum());
            if (h.hysteresis() > 0) {
                sb.append(" ± ").append(h.hysteresis());
            }
        } else {
            sb.append(" · not health-checked");
        }
        sb.append(" · ").append(count(s.stats().connections())).append(" connections · ")
                .append(rate(s.rates().connectionsPerSecond(), "conn/s")).append(" · in ")
                .append(bytes(s.rates().inBytesPerSecond())).append("/s · out ")
                .append(bytes(s.rates().outBytesPerSecond())).append("/s</p>\n");
        defences(sb, s.defences());
        sb.append("<table>\n<thead><tr><th>Real server</th><th>State</th><th class=\"n\">Weight</th>"
                + "<th class=\"n\">ActiveConn</th><th class=\"n\">InActConn</th><th class=\"n\">Conn/s</th>"
                + "<th class=\"n\">In/s</th><th class=\"n\">Out/s</th><th>Last check</th></tr></thead>\n<tbody>\n");
        if (s.servers().isEmpty()) {
            sb.append("<tr><td colspan=\"9\" class=\"muted\">no real servers</td></tr>\n");
        }
        for (ServerView r : s.servers()) {
            server(sb, r, now);
        }
        sb.append("</tbody>\n</table>\n</section>\n");
    }

    /** One line of the service's defences in force and what they refused, when it has any. */
    private static void defences(StringBuilder sb, ServiceDefenceStatus d) {
        List<String> on = new ArrayList<>();
        if (!d.allow().isEmpty()) {
            on.add("allow " + d.allow().stream().map(Object::toString).collect(Collectors.joining(" ")));
        }
        if (!d.deny().isEmpty()) {
            on.add("deny " + d.deny().stream().map(Object::toString).collect(Collectors.joining(" ")));
        }
        if (d.sourceLimit().isLimited()) {
            on.add("per source " + d.sourceLimit() + " (" + count(d.trackedSources()) + " sources)");
        }
        if (d.maxConnections() > 0) {
            on.add("at most " + count(d.maxConnections()) + " connections");
        }
        if (!d.proxyProtocolSources().isEmpty()) {
            on.add("PROXY protocol from " + d.proxyProtocolSources().stream().map(Object::toString)
                    .collect(Collectors.joining(" ")));
        }
        if (!d.clientDataTimeout().isZero()) {
            on.add("client data within " + d.clientDataTimeout().toMillis() + " ms");
        }
        if (on.isEmpty() && d.refused() == 0) {
            return;
        }
        sb.append("<p class=\"meta defences\">").append(esc(on.isEmpty() ? "no defences" : String.join(" · ", on)));
        if (d.refused() > 0) {
            sb.append(" · <span class=\"bad\">refused ").append(count(d.refused())).append(": ")
                    .append(count(d.denied())).append(" denied, ").append(count(d.sourceConnectionsRefused()))
                    .append(" over the source's connections, ").append(count(d.sourceRateRefused()))
                    .append(" over the source's rate, ").append(count(d.sourceTableFull()))
                    .append(" source table full, ").append(count(d.clientDataTimeouts()))
                    .append(" client data timeouts</span>");
        }
        sb.append("</p>\n");
    }

    private void server(StringBuilder sb, ServerView r, Instant now) {
        String address = Addresses.toString(r.address());
        String cls = stateClass(r.state());
        sb.append("<tr class=\"").append(cls).append("\" data-server=\"").append(esc(address))
                .append("\" data-state=\"").append(r.state()).append("\"><td>").append(esc(address));
        if (r.role().equals("sorry")) {
            sb.append(" <span class=\"muted\">sorry server</span>");
        }
        sb.append("</td><td><span class=\"state ").append(cls).append("\">").append(stateText(r.state()))
                .append("</span></td><td class=\"n\">").append(weightText(r)).append("</td>");
        RealServerStatus st = r.status();
        if (st == null) {
            sb.append("<td class=\"n muted\">–</td><td class=\"n muted\">–</td><td class=\"n muted\">–</td>"
                    + "<td class=\"n muted\">–</td><td class=\"n muted\">–</td>");
        } else {
            sb.append("<td class=\"n\">").append(count(st.activeConnections())).append("</td><td class=\"n\">")
                    .append(count(st.inactiveConnections())).append("</td><td class=\"n\">")
                    .append(rate(st.rates().connectionsPerSecond(), "")).append("</td><td class=\"n\">")
                    .append(bytes(st.rates().inBytesPerSecond())).append("</td><td class=\"n\">")
                    .append(bytes(st.rates().outBytesPerSecond())).append("</td>");
        }
        sb.append("<td class=\"check\">");
        if (r.health() == null || r.health().checks().isEmpty()) {
            sb.append("<span class=\"muted\">").append(r.role().equals("sorry") ? "" : "no checks").append("</span>");
        }
        if (r.health() != null) {
            for (CheckStatus c : r.health().checks()) {
                check(sb, c, now);
            }
        }
        sb.append("</td></tr>\n");
    }

    private static void check(StringBuilder sb, CheckStatus c, Instant now) {
        CheckResult last = c.lastResult();
        sb.append("<div class=\"").append(last == null ? "muted" : last.healthy() ? "ok" : "bad").append("\">")
                .append(esc(c.check())).append(": ");
        if (last == null) {
            sb.append("not run yet");
        } else {
            sb.append(esc(last.message())).append(" <span class=\"muted\">").append(latency(last.latency()))
                    .append(" · ").append(ago(last.time(), now));
            if (c.failedProbes() > 0) {
                sb.append(" · ").append(count(c.failedProbes())).append(" of ").append(count(c.probes()))
                        .append(" failed");
            }
            sb.append("</span>");
        }
        sb.append("</div>");
    }

    private static String stateClass(String state) {
        switch (state) {
            case "UP":
            case "SORRY":
                return "up";
            case "DOWN":
                return "down";
            case "SLOW_START":
                return "slow";
            default:
                return "none";
        }
    }

    private static String stateText(String state) {
        switch (state) {
            case "SLOW_START":
                return "UP (slow start)";
            case "SORRY":
                return "SERVING";
            case "UNCHECKED":
                return "no checks";
            default:
                return state;
        }
    }

    /** The weight in the table; "out" when not in it; the configured weight too when they differ. */
    private static String weightText(ServerView r) {
        int w = r.weight();
        String s = w < 0 ? "out" : Integer.toString(w);
        if (r.health() != null && r.health().effectiveWeight() != w) {
            s += " <span class=\"muted\">of " + r.health().effectiveWeight() + "</span>";
        }
        return s;
    }

    // ---- JSON

    /** The same snapshot for tools: {@code curl -s 127.0.0.1:PORT/status.json | jq}. */
    String json() {
        View v = view();
        Json j = new Json().object();
        j.field("time").value(v.time().toString()).field("uptimeSeconds").value(v.uptime().toSeconds())
                .field("transport").value(transport);
        j.field("connectionTable").object().field("entries").value(v.table().entries()).field("templates")
                .value(v.table().templates()).field("capacity").value(v.table().capacity()).field("refused")
                .value(v.table().refused()).end();
        MemoryDefenceStatus m = v.memory();
        j.field("memoryDefence").object().field("enabled").value(m.enabled()).field("thresholdBytes")
                .value(m.thresholdBytes()).field("availableBytes").value(m.availableBytes()).field("underPressure")
                .value(m.underPressure()).field("entriesDropped").value(m.entriesDropped())
                .field("connectionsRefused").value(m.connectionsRefused()).end();
        KeepalivedFile.Outcome o = config == null ? null : config.last();
        if (o != null) {
            j.field("config").object().field("file").value(config.file().toString()).field("ok").value(o.ok())
                    .field("message").value(o.message()).field("time").value(o.time().toString())
                    .field("applied").value(config.applied() == null ? null : config.applied().toString())
                    .field("warnings").array();
            o.warnings().forEach(w -> j.value(w.toString()));
            j.end().end();
        }
        j.field("services").array();
        for (ServiceView s : v.services()) {
            serviceJson(j, s);
        }
        return j.end().end().toString();
    }

    private static void serviceJson(Json j, ServiceView s) {
        VirtualService vs = s.service();
        j.object().field("service").value(vs.id().toString()).field("scheduler").value(vs.schedulerName())
                .field("persistenceSeconds").value(vs.isPersistent() ? vs.persistence().toSeconds() : 0);
        ServiceHealth h = s.health();
        if (h != null) {
            j.field("health").object().field("quorum").value(h.quorum()).field("hysteresis").value(h.hysteresis())
                    .field("quorumUp").value(h.quorumUp()).field("liveWeight").value(h.liveWeight())
                    .field("sorryServerActive").value(h.sorryServerActive()).end();
        }
        stats(j.field("stats"), s.stats());
        rates(j.field("rates"), s.rates());
        ServiceDefenceStatus d = s.defences();
        j.field("defences").object().field("allow").array();
        d.allow().forEach(c -> j.value(c.toString()));
        j.end().field("deny").array();
        d.deny().forEach(c -> j.value(c.toString()));
        j.end().field("sourceLimit").value(d.sourceLimit().isLimited() ? d.sourceLimit().toString() : null)
                .field("trackedSources").value(d.trackedSources()).field("maxConnections").value(d.maxConnections())
                .field("clientDataTimeoutMillis").value(d.clientDataTimeout().toMillis())
                .field("denied").value(d.denied()).field("sourceConnectionsRefused").value(d.sourceConnectionsRefused())
                .field("sourceRateRefused").value(d.sourceRateRefused()).field("sourceTableFull")
                .value(d.sourceTableFull()).field("clientDataTimeouts").value(d.clientDataTimeouts()).end();
        j.field("servers").array();
        for (ServerView r : s.servers()) {
            j.object().field("server").value(Addresses.toString(r.address())).field("role").value(r.role())
                    .field("state").value(r.state()).field("weight").value(r.weight())
                    .field("inTable").value(r.status() != null);
            if (r.health() != null) {
                j.field("configuredWeight").value(r.health().configuredWeight()).field("effectiveWeight")
                        .value(r.health().effectiveWeight()).field("passiveFailures")
                        .value(r.health().passiveFailures());
            }
            RealServerStatus st = r.status();
            if (st != null) {
                j.field("activeConnections").value(st.activeConnections()).field("inactiveConnections")
                        .value(st.inactiveConnections()).field("persistentConnections")
                        .value(st.persistentConnections());
                stats(j.field("stats"), st.stats());
                rates(j.field("rates"), st.rates());
            }
            j.field("checks").array();
            if (r.health() != null) {
                for (CheckStatus c : r.health().checks()) {
                    j.object().field("check").value(c.check()).field("state").value(c.state().name())
                            .field("probes").value(c.probes()).field("failedProbes").value(c.failedProbes());
                    CheckResult last = c.lastResult();
                    if (last != null) {
                        j.field("last").object().field("healthy").value(last.healthy()).field("message")
                                .value(last.message()).field("latencySeconds")
                                .value(last.latency().toNanos() / 1e9).field("time").value(last.time().toString())
                                .end();
                    }
                    j.end();
                }
            }
            j.end().end();
        }
        j.end().end();
    }

    private static void stats(Json j, Stats s) {
        j.object().field("connections").value(s.connections()).field("inPackets").value(s.inPackets())
                .field("outPackets").value(s.outPackets()).field("inBytes").value(s.inBytes()).field("outBytes")
                .value(s.outBytes()).end();
    }

    private static void rates(Json j, Rates r) {
        j.object().field("connectionsPerSecond").value(r.connectionsPerSecond()).field("inPacketsPerSecond")
                .value(r.inPacketsPerSecond()).field("outPacketsPerSecond").value(r.outPacketsPerSecond())
                .field("inBytesPerSecond").value(r.inBytesPerSecond()).field("outBytesPerSecond")
                .value(r.outBytesPerSecond()).end();
    }

    // ---- formatting

    /** Escapes text for HTML element content and attribute values. */
    static String esc(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r;
            switch (c) {
                case '&':
                    r = "&amp;";
                    break;
                case '<':
                    r = "&lt;";
                    break;
                case '>':
                    r = "&gt;";
                    break;
                case '"':
                    r = "&quot;";
                    break;
                case '\'':
                    r = "&#39;";
                    break;
                default:
                    r = null;
            }
            if (r != null && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (r != null) {
                    sb.append(r);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String rate(long perSecond, String unit) {
        return count(perSecond) + (unit.isEmpty() ? "" : " " + unit);
    }

    /** {@code 512 B}, {@code 12.3 kB}, {@code 4.5 MB}, {@code 1.2 GB} (decimal units). */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
        double v = n;
        int u = -1;
        while (v >= 999.95 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }

    /** {@code 0.42 ms}, {@code 12 ms}, {@code 1.5 s}. */
    static String latency(Duration d) {
        double ms = d.toNanos() / 1e6;
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f ms", ms);
        }
        if (ms < 1000) {
            return String.format(Locale.ROOT, "%.0f ms", ms);
        }
        return String.format(Locale.ROOT, "%.1f s", ms / 1000);
    }

    /** {@code 3 s ago}, with the absolute time as a tooltip. */
    private static String ago(Instant then, Instant now) {
        return "<time datetime=\"" + then + "\" title=\"" + STAMP.format(then) + "\">"
                + duration(Duration.between(then, now)) + " ago</time>";
    }

    /** {@code 4 s}, {@code 3 min 4 s}, {@code 2 h 5 min}, {@code 3 d 4 h}. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        if (s < 86400) {
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return s / 86400 + " d " + s % 86400 / 3600 + " h";
    }
}
