package io.jvs.cli.status;

import io.jvs.api.MemoryDefenceStatus;
import io.jvs.api.Rates;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Refusal;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.Stats;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.cli.status.StatusView.ServerView;
import io.jvs.cli.status.StatusView.ServiceView;
import io.jvs.health.CheckResult;
import io.jvs.health.CheckStatus;
import io.jvs.health.ServiceHealth;

/** The status snapshot as JSON, for tools: {@code curl -s 127.0.0.1:PORT/status.json | jq}. */
final class StatusJson {

    private StatusJson() {}

    /**
     * The snapshot as one JSON object.
     *
     * @param transport the data path's transport
     */
    static String of(StatusView v, String transport) {
        Json j = new Json().object();
        j.field("time").value(v.time().toString()).field("uptimeSeconds").value(v.uptime().toSeconds())
                .field("transport").value(transport);
        j.field("connectionTable").object().field("entries").value(v.table().entries()).field("templates")
                .value(v.table().templates()).field("capacity").value(v.table().capacity()).field("refused")
                .value(v.table().refused()).field("reclaimed").value(v.table().reclaimed()).end();
        MemoryDefenceStatus m = v.memory();
        j.field("memoryDefence").object().field("enabled").value(m.enabled()).field("thresholdBytes")
                .value(m.thresholdBytes()).field("availableBytes").value(m.availableBytes()).field("underPressure")
                .value(m.underPressure()).field("entriesDropped").value(m.entriesDropped())
                .field("connectionsRefused").value(m.connectionsRefused()).end();
        if (!v.cluster().isEmpty()) {
            j.field("cluster").array();
            v.cluster().forEach(j::value);
            j.end();
        }
        ConfigLoad o = v.config();
        if (o != null) {
            j.field("config").object().field("file").value(o.file().toString()).field("ok").value(o.ok())
                    .field("message").value(o.message()).field("time").value(o.time().toString())
                    .field("applied").value(o.applied() == null ? null : o.applied().toString())
                    .field("warnings").array();
            o.warnings().forEach(j::value);
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
                .value(d.sourceTableFull()).field("clientDataTimeouts").value(d.clientDataTimeouts())
                .field("openConnections").value(d.openConnections()).field("refusals").object();
        for (Refusal r : Refusal.values()) {
            j.field(r.tagValue()).value(d.refused(r));
        }
        j.end().end();
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

}
