package io.jvs.cli.status;

import static io.jvs.cli.status.Format.ago;
import static io.jvs.cli.status.Format.bytes;
import static io.jvs.cli.status.Format.count;
import static io.jvs.cli.status.Format.duration;
import static io.jvs.cli.status.Format.esc;
import static io.jvs.cli.status.Format.latency;
import static io.jvs.cli.status.Format.rate;

import io.jvs.api.MemoryDefenceStatus;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Refusal;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.cli.status.StatusView.ServerView;
import io.jvs.cli.status.StatusView.ServiceView;
import io.jvs.health.CheckResult;
import io.jvs.health.CheckStatus;
import io.jvs.health.HealthState;
import io.jvs.health.ServiceHealth;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The status page as HTML, complete without JavaScript: per service its scheduler, persistence, quorum and sorry
 * server, counters, rates and defences; per real server its health state, its weight in the table (and the
 * configured one when they differ), ActiveConn, InActConn, rates, and the latest result of each of its checks with
 * its latency. Every text that comes from the configuration or the network is escaped.
 */
final class StatusHtml {

    /** The page reloads itself this often when JavaScript is off; status.js polls faster. */
    static final int NOSCRIPT_REFRESH_SECONDS = 5;

    private StatusHtml() {}

    /**
     * The whole page: complete without JavaScript; {@code /status.js} replaces {@code #status} every 2 s.
     *
     * @param host the director's host name, in the title
     * @param transport the data path's transport, in the summary
     */
    static String page(StatusView v, String host, String transport) {
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
        body(sb, v, transport);
        sb.append("</body>\n</html>\n");
        return sb.toString();
    }

    private static void body(StringBuilder sb, StatusView v, String transport) {
        sb.append("<main id=\"status\" data-time=\"").append(v.time()).append("\">\n<p class=\"summary\">")
                .append("As of <time datetime=\"").append(v.time()).append("\">").append(Format.CLOCK.format(v.time()))
                .append("</time> · up ").append(duration(v.uptime())).append(" · ").append(esc(transport))
                .append(" transport · ").append(v.services().size()).append(v.services().size() == 1 ? " service"
                        : " services")
                .append(" · connection table ").append(count(v.table().entries())).append(" of ")
                .append(count(v.table().capacity()));
        if (v.table().reclaimed() > 0) {
            sb.append(" · ").append(count(v.table().reclaimed())).append(" ended connections reclaimed");
        }
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
        configLine(sb, v.config(), v.time());
        for (String line : v.cluster()) {
            sb.append("<p class=\"cluster\">").append(esc(line)).append("</p>\n");
        }
        if (v.services().isEmpty()) {
            sb.append("<p class=\"empty\">No virtual services. Add some with jvsadm or in the configuration file.</p>\n");
        }
        for (ServiceView s : v.services()) {
            service(sb, s, v.time());
        }
        sb.append("</main>\n");
    }

    private static void configLine(StringBuilder sb, ConfigLoad o, Instant now) {
        if (o == null) {
            return;
        }
        sb.append("<p class=\"config ").append(o.ok() ? "ok" : "bad").append("\">")
                .append(esc(o.message())).append(" <span class=\"muted\">(").append(ago(o.time(), now)).append(")</span>");
        if (!o.ok() && o.applied() != null) {
            sb.append("; running the configuration applied ").append(ago(o.applied(), now));
        }
        sb.append("</p>\n");
        if (!o.warnings().isEmpty()) {
            sb.append("<details class=\"warnings\"><summary>").append(o.warnings().size())
                    .append(o.warnings().size() == 1 ? " warning" : " warnings").append("</summary><ul>\n");
            for (String w : o.warnings()) {
                sb.append("<li>").append(esc(w)).append("</li>\n");
            }
            sb.append("</ul></details>\n");
        }
    }

    private static void service(StringBuilder sb, ServiceView s, Instant now) {
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
        if (d.refused() > 0) { // each reason apart, as the director counted it
            List<String> why = new ArrayList<>();
            for (Refusal r : Refusal.values()) {
                if (d.refused(r) > 0) {
                    why.add(count(d.refused(r)) + " " + r.description());
                }
            }
            sb.append(" · <span class=\"bad\">refused ").append(count(d.refused())).append(": ")
                    .append(esc(String.join(", ", why))).append("</span>");
        }
        sb.append("</p>\n");
    }

    private static void server(StringBuilder sb, ServerView r, Instant now) {
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
}
