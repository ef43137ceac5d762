package io.jvs.cluster.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.pbcast.STATE_TRANSFER;
import org.jgroups.protocols.raft.ELECTION;
import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.NO_DUPES;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.stack.Protocol;

/**
 * The JGroups protocol stacks of a JVS cluster, built in code (no XML): a TCP mesh between the configured peers
 * (TCPPING), failure detection by heartbeats and sockets ({@code FD_ALL3}, {@code FD_SOCK2},
 * {@code VERIFY_SUSPECT2}), partition healing ({@code MERGE3}), reliable FIFO delivery ({@code NAKACK2},
 * {@code UNICAST3}), and on top either Raft ({@code ELECTION}, {@code RAFT}, {@code REDIRECT}) for the
 * configuration or {@code STATE_TRANSFER} for the connection stream.
 *
 * <p>One knob sets every failure-detection timing: a member that stops answering is suspected after
 * {@code failureDetection}, verified in a third of it, and split views are merged every half to one times it.
 */
public final class Stacks {

    private Stacks() {}

    /** Where a member listens and whom it looks for, and how fast it notices failures. */
    public record Transport(InetSocketAddress bind, List<InetSocketAddress> peers, Duration failureDetection,
            boolean partitionable) {}

    /** The raft log: in memory, or files in a directory. */
    public record RaftLog(String raftId, List<String> members, Path directory) {}

    /** The configuration stack: transport, then ELECTION, RAFT (with {@code raftLog}) and REDIRECT. */
    public static List<Protocol> config(Transport t, RaftLog log) {
        List<Protocol> p = base(t);
        long fd = t.failureDetection().toMillis();
        p.add(new NO_DUPES());
        p.add(gms(fd));
        p.add(new UFC());
        p.add(new MFC());
        p.add(new FRAG4());
        p.add(new ELECTION());
        RAFT raft = new RAFT().raftId(log.raftId()).members(log.members()).logPrefix(sanitize(log.raftId()));
        raft.resendInterval(Math.max(100, fd / 10));
        // Not sendCommitsImmediately: in jgroups-raft 1.1.4 a follower that lags behind answers every commit message,
        // each answer triggers another commit message, and the leader's queue never idles long enough to resend the
        // entries the follower misses (seen in the partition test). Followers learn the commit index from the next
        // AppendEntries or the idle resend, within resendInterval.
        if (log.directory() == null) {
            raft.logClass(InMemoryLog.class.getName());
        } else {
            raft.logClass(FileBasedLog.class.getName());
            raft.logDir(log.directory().toString());
        }
        p.add(raft);
        p.add(new REDIRECT());
        return p;
    }

    /** The connection-stream stack: transport, then GMS, flow control, fragmentation and STATE_TRANSFER. */
    public static List<Protocol> stream(Transport t) {
        List<Protocol> p = base(t);
        long fd = t.failureDetection().toMillis();
        p.add(gms(fd));
        p.add(new UFC());
        p.add(new MFC());
        p.add(new FRAG4());
        p.add(new STATE_TRANSFER());
        return p;
    }

    /** A log name usable as a file name prefix. */
    static String sanitize(String raftId) {
        return raftId.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static GMS gms(long fd) {
        GMS gms = new GMS();
        gms.setJoinTimeout(Math.max(500, fd / 2));
        gms.setLeaveTimeout(Math.max(500, fd / 2));
        gms.printLocalAddress(false);
        return gms;
    }

    private static List<Protocol> base(Transport t) {
        long fd = t.failureDetection().toMillis();
        List<Protocol> p = new ArrayList<>();
        TCP tcp = new TCP();
        tcp.setBindAddress(t.bind().getAddress());
        tcp.setBindPort(t.bind().getPort());
        tcp.setPortRange(0);
        // A member cut off the network (its link down: connection attempts get no answer at all) must not stall the
        // others: with the default single bundler thread every message waited behind each 2 s connect to it, so
        // heartbeats to the members still reachable stopped and the majority split too (seen in the namespace
        // harness). One sender per destination, and connects bounded by the failure-detection time.
        tcp.setBundlerType("per-destination");
        tcp.setSockConnTimeout((int) Math.max(200, Math.min(2000, fd / 5)));
        p.add(tcp);
        if (t.partitionable()) {
            p.add(new DISCARD());
        }
        TCPPING ping = new TCPPING();
        List<InetSocketAddress> hosts = new ArrayList<>(t.peers());
        if (!hosts.contains(t.bind())) {
            hosts.add(t.bind());
        }
        ping.setInitialHosts(hosts);
        ping.setPortRange(0);
        p.add(ping);
        MERGE3 merge = new MERGE3();
        merge.setMinInterval(Math.max(200, fd / 2));
        merge.setMaxInterval(Math.max(400, fd));
        merge.setCheckInterval(Math.max(600, fd * 2));
        p.add(merge);
        FD_SOCK2 sock = new FD_SOCK2();
        sock.setBindAddress(t.bind().getAddress());
        sock.setPortRange(50);
        p.add(sock);
        FD_ALL3 all = new FD_ALL3();
        all.setTimeout(fd);
        all.setInterval(Math.max(100, fd / 5));
        p.add(all);
        VERIFY_SUSPECT2 verify = new VERIFY_SUSPECT2();
        verify.setTimeout(Math.max(200, fd / 3));
        p.add(verify);
        NAKACK2 nak = new NAKACK2();
        nak.setXmitInterval(Math.max(100, fd / 10));
        p.add(nak);
        UNICAST3 uni = new UNICAST3();
        uni.setXmitInterval(Math.max(100, fd / 10));
        p.add(uni);
        STABLE stable = new STABLE();
        stable.setDesiredAverageGossip(Math.max(1000, fd * 5));
        p.add(stable);
        return p;
    }
}
