package io.jvs.cli.daemon;

import io.jvs.cluster.ClusterStatus;
import io.jvs.cluster.ClusteredLoadBalancer;
import io.jvs.cluster.SyncHook;
import io.jvs.cluster.SyncStatus;
import io.jvs.netty.NettyLoadBalancer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code jvs daemon --cluster}: joins the director to its cluster (one service table through Raft, the
 * connection-sync stream on the next port, the sync roles of {@code --sync-daemon}), and says how the cluster
 * stands in lines for the status page.
 */
final class ClusterPart {

    private ClusterPart() {}

    /**
     * Joins the cluster around {@code lb}, whose director publishes through {@code hook}. Returns once this member
     * has the configuration and, with a sync role, the current entries (state transfer), or gave up waiting for a
     * majority (then it serves what the log gives it as the others come).
     */
    static ClusteredLoadBalancer join(DaemonCommand.Options o, NettyLoadBalancer lb, SyncHook hook) {
        ClusteredLoadBalancer.Builder b = ClusteredLoadBalancer.builder(lb).cluster(o.cluster).bind(o.clusterBind)
                .peers(o.clusterPeers).connectionSync(hook)
                .syncRoles(o.syncDaemon.equals("both") || o.syncDaemon.equals("master"),
                        o.syncDaemon.equals("both") || o.syncDaemon.equals("backup"));
        if (o.clusterLog != null) {
            b.logDirectory(o.clusterLog);
        }
        return b.build();
    }

    /** The cluster and the sync stream as the status page shows them. */
    static List<String> lines(ClusteredLoadBalancer c) {
        List<String> l = new ArrayList<>();
        ClusterStatus s = c.status();
        l.add(String.format(Locale.ROOT, "cluster %s: member %s, %d of %d reachable %s, leader %s, term %d, "
                + "configuration epoch %d hash %s%s", s.cluster(), s.self(), s.reachable().size(), s.members().size(),
                s.reachable(), s.leader() == null ? "none" : s.leader(), s.term(), s.epoch(), s.hash(),
                s.hasQuorum() ? "" : " (no quorum: changes are refused; the data path serves on)"));
        s.faults().forEach((k, v) -> l.add("local fault " + k + ": " + v));
        Optional<SyncStatus> sync = c.syncStatus();
        if (sync.isEmpty()) {
            l.add("sync stream: not running");
        } else {
            l.add(syncLine(sync.get()));
        }
        return l;
    }

    /** One line: view, roles, state transfer, counters, lag. */
    static String syncLine(SyncStatus y) {
        return String.format(Locale.ROOT, "sync stream: view %s, %s%s, syncid %d, state transfer %s (%d entries)%s, "
                + "sent %d entries in %d messages, received %d in %d, lost %d messages, queue drops %d, "
                + "lag p99 %.1f ms max %.1f ms, %d view changes", y.members(), y.master() ? "master" : "",
                y.backup() ? (y.master() ? "+backup" : "backup") : "", y.syncId(), y.stateTransfer(),
                y.stateTransferEntries(), y.ready() ? ", ready" : ", not ready", y.sentEntries(), y.sentMessages(),
                y.receivedEntries(), y.receivedMessages(), y.lostMessages(), y.queueDrops(), y.lagP99Millis(),
                y.lagMaxMillis(), y.viewChanges());
    }
}
