package io.jvs.cluster;

import io.jvs.ipvsadm.SyncDaemon;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sync daemon of a clustered director, as jvsadm's {@code --start-daemon}, {@code --stop-daemon} and
 * {@code -L --daemon} drive it: the master role sends this director's entries on the stream, the backup role
 * applies the others'; the first role to start joins the stream (receiving the current entries first, state
 * transfer), the last to stop leaves it. The settings are checked and completed as the kernel does (an unknown
 * interface is "No such device"); the stream itself is the cluster's TCP mesh, so the multicast group, port and TTL
 * are only shown, and the sync id filters messages as in IPVS.
 */
final class StreamDaemon implements SyncDaemon {

    private static final System.Logger LOG = System.getLogger(ConnectionSync.class.getName());

    private final SyncHook hook;
    private final String cluster;
    private final InetSocketAddress bind;
    private final List<InetSocketAddress> peers;
    private final Duration failureDetection;
    private final ConnectionSync.Reliability reliability;
    private Settings master;
    private Settings backup;
    private volatile ConnectionSync stream;

    StreamDaemon(SyncHook hook, String cluster, InetSocketAddress bind, List<InetSocketAddress> peers,
            Duration failureDetection, ConnectionSync.Reliability reliability) {
        this.hook = hook;
        this.cluster = cluster;
        this.bind = bind;
        this.peers = List.copyOf(peers);
        this.failureDetection = failureDetection;
        this.reliability = reliability;
    }

    @Override
    public synchronized void start(Settings settings) {
        Role role = settings.role();
        if ((role == Role.MASTER ? master : backup) != null) {
            throw new Refused(Refused.Reason.ALREADY_RUNNING, role.label() + " sync daemon: already running");
        }
        NetworkInterface nif;
        try {
            nif = NetworkInterface.getByName(settings.interfaceName());
        } catch (SocketException e) {
            nif = null;
        }
        if (nif == null) {
            throw new Refused(Refused.Reason.NO_SUCH_DEVICE, "no such device: " + settings.interfaceName());
        }
        int mtu;
        try {
            mtu = nif.getMTU();
        } catch (SocketException e) {
            mtu = 1500;
        }
        Settings s = settings.withKernelDefaults(mtu);
        ConnectionSync st = stream;
        if (st == null) {
            if (hook.target() == null) {
                throw new Refused(Refused.Reason.FAILED, "the sync hook is not attached to a director");
            }
            try {
                st = ConnectionSync.builder(LocalConnectionTable.of(hook.target())).cluster(cluster).bind(bind)
                        .peers(peers).syncId(s.syncId()).failureDetection(failureDetection)
                        .reliability(reliability).maxLength(Math.max(SyncMessage.DEFAULT_MAX_LENGTH,
                                Math.min(65507, s.maxLength())))
                        .roles(role == Role.MASTER, role == Role.BACKUP).build();
            } catch (RuntimeException e) {
                throw new Refused(Refused.Reason.FAILED, "cannot join the sync stream: " + e.getMessage());
            }
            stream = st;
            hook.stream(st);
        }
        if (role == Role.MASTER) {
            st.syncId(s.syncId());
            st.maxLength(Math.max(80, Math.min(s.maxLength(), 65507)));
            st.master(true);
            master = s;
        } else {
            if (master == null) {
                st.syncId(s.syncId());
            }
            st.backup(true);
            backup = s;
        }
        LOG.log(Level.INFO, "started " + s.listingLine());
    }

    @Override
    public synchronized void stop(Role role) {
        if ((role == Role.MASTER ? master : backup) == null) {
            throw new Refused(Refused.Reason.NOT_RUNNING, role.label() + " sync daemon: not running");
        }
        ConnectionSync st = stream;
        if (role == Role.MASTER) {
            st.master(false);
            master = null;
        } else {
            st.backup(false);
            backup = null;
        }
        if (master == null && backup == null) {
            hook.stream(null);
            stream = null;
            st.close();
        }
        LOG.log(Level.INFO, "stopped the " + role.label() + " sync daemon");
    }

    @Override
    public synchronized List<Settings> running() {
        List<Settings> l = new ArrayList<>(2);
        if (master != null) {
            l.add(master);
        }
        if (backup != null) {
            l.add(backup);
        }
        return l;
    }

    /** The stream's status, or null while no role runs. */
    SyncStatus status() {
        ConnectionSync st = stream;
        return st == null ? null : st.status();
    }

    /** Stops every role. */
    synchronized void close() {
        ConnectionSync st = stream;
        master = null;
        backup = null;
        stream = null;
        hook.stream(null);
        if (st != null) {
            st.close();
        }
    }
}
