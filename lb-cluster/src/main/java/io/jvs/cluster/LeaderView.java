package io.jvs.cluster;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.VirtualService;
import io.jvs.core.ForwardingLoadBalancer;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The clustered load balancer as a health checker should see it ({@link ClusteredLoadBalancer#leaderView()}): its
 * real-server changes (the checker's verdicts) are committed only while this member is the leader, so that one
 * checker, the leader's, changes the table and every member changes it at the same log index. On the other members
 * the verdicts are not committed (logged at DEBUG); reads and everything else pass through. Every member's checker
 * starts the same services: the leader's starts them, or adopts them when the cluster already serves them.
 *
 * <p>Every member remembers what its checker wants each service to be, committed or not. When the member becomes
 * the leader it makes the cluster's table match that: a server its checker sees down that the table still has is
 * taken out, one it sees up that the table lacks is put in, a weight that differs is set, and a service the table
 * lacks is started. So a leader change leaves the table as the new leader's checker sees the servers, whatever the
 * old leader had committed (or had not yet). Services the checker does not know are left alone.
 *
 * <p>Verdicts, and the reconciliation, run one at a time (this object's monitor).
 */
final class LeaderView extends ForwardingLoadBalancer {

    private static final System.Logger LOG = System.getLogger(ClusteredLoadBalancer.class.getName());
    private static final long START_TIMEOUT_SECONDS = 30;

    private final ClusteredLoadBalancer lb;
    /** What this member's checker wants, by service. Guarded by this. */
    private final Map<ServiceId, VirtualService> intended = new LinkedHashMap<>();

    LeaderView(ClusteredLoadBalancer lb) {
        this.lb = lb;
    }

    @Override
    protected LoadBalancer delegate() {
        return lb;
    }

    private boolean leading(String what) {
        if (lb.isLeader()) {
            return true;
        }
        LOG.log(Level.DEBUG, () -> "not the leader: health verdict left to the leader's checker: " + what);
        return false;
    }

    @Override
    public synchronized void update(VirtualService service) {
        intended.put(service.id(), service);
        if (leading("update " + service.id())) {
            lb.update(service);
        }
    }

    @Override
    public synchronized void addRealServer(ServiceId service, RealServer server) {
        intend(service, server.address(), server);
        if (leading("add " + server + " to " + service)) {
            lb.addRealServer(service, server);
        }
    }

    @Override
    public synchronized void editRealServer(ServiceId service, RealServer server) {
        intend(service, server.address(), server);
        if (leading("edit " + server + " in " + service)) {
            lb.editRealServer(service, server);
        }
    }

    @Override
    public synchronized void removeRealServer(ServiceId service, InetSocketAddress server) {
        intend(service, server, null);
        if (leading("remove " + server + " from " + service)) {
            lb.removeRealServer(service, server);
        }
    }

    /** Records that {@code service} should have {@code server} at {@code address} (null: not at all). */
    private void intend(ServiceId service, InetSocketAddress address, RealServer server) {
        VirtualService vs = intended.get(service);
        if (vs == null) {
            return;
        }
        List<RealServer> servers = new ArrayList<>();
        for (RealServer rs : vs.realServers()) {
            if (!rs.address().equals(address)) {
                servers.add(rs);
            }
        }
        if (server != null) {
            servers.add(server);
        }
        intended.put(service, vs.withRealServers(servers));
    }

    /**
     * Starts the service through the cluster when this member leads; a service the cluster already serves is
     * adopted (updated to the checker's view of it), so every member's checker can start the same service.
     */
    @Override
    public synchronized CompletableFuture<Void> start(VirtualService service) {
        intended.put(service.id(), service);
        if (!leading("start " + service.id())) {
            return CompletableFuture.completedFuture(null);
        }
        if (lb.service(service.id()).isPresent()) {
            lb.update(service);
            return CompletableFuture.completedFuture(null);
        }
        return lb.start(service);
    }

    @Override
    public synchronized CompletableFuture<Void> stop(ServiceId service) {
        intended.remove(service);
        return leading("stop " + service) ? lb.stop(service) : CompletableFuture.completedFuture(null);
    }

    /** This member has just become the leader: make the table match what its checker wants, off the caller. */
    void becameLeader() {
        Thread t = new Thread(this::reconcile, "jvs-leader-reconcile");
        t.setDaemon(true);
        t.start();
    }

    /** Makes the cluster's table match {@link #intended}, while this member leads; logs what it changed. */
    synchronized void reconcile() {
        for (VirtualService want : new ArrayList<>(intended.values())) {
            if (!lb.isLeader()) {
                return; // the next leader reconciles
            }
            try {
                reconcile(want);
            } catch (LoadBalancerException e) {
                LOG.log(Level.WARNING, "new leader: cannot make " + want.id() + " what its health checks say: "
                        + e.getMessage());
            } catch (Exception e) {
                LOG.log(Level.WARNING, "new leader: starting " + want.id() + " failed: " + e);
            }
        }
    }

    private void reconcile(VirtualService want) throws Exception {
        ServiceId id = want.id();
        Optional<ServiceStatus> have = lb.service(id);
        if (have.isEmpty()) {
            LOG.log(Level.INFO, "new leader: starting " + id + ", which its health checker runs");
            lb.start(want).get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return;
        }
        Map<InetSocketAddress, RealServer> wanted = new LinkedHashMap<>();
        want.realServers().forEach(rs -> wanted.put(rs.address(), rs));
        Map<InetSocketAddress, RealServer> current = new LinkedHashMap<>();
        have.get().service().realServers().forEach(rs -> current.put(rs.address(), rs));
        for (RealServer rs : current.values()) {
            if (!wanted.containsKey(rs.address())) {
                LOG.log(Level.INFO, "new leader: " + id + ": taking out " + rs + " (its health checks say so)");
                lb.removeRealServer(id, rs.address());
            }
        }
        for (RealServer rs : wanted.values()) {
            RealServer c = current.get(rs.address());
            if (c == null) {
                LOG.log(Level.INFO, "new leader: " + id + ": putting in " + rs + " (its health checks say so)");
                lb.addRealServer(id, rs);
            } else if (!c.equals(rs)) {
                LOG.log(Level.INFO, "new leader: " + id + ": " + c + " becomes " + rs + " (its health checks say so)");
                lb.editRealServer(id, rs);
            }
        }
    }

    /** Closing the view does not close the clustered load balancer. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return "LeaderView[" + lb.status().self() + "]";
    }
}
