package io.jvs.cluster;

import io.jvs.api.LoadBalancer;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.core.ForwardingLoadBalancer;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * The clustered load balancer as a health checker should see it ({@link ClusteredLoadBalancer#leaderView()}): its
 * real-server changes (the checker's verdicts) are committed only while this member is the leader, so that one
 * checker, the leader's, changes the table and every member changes it at the same log index. On the other members
 * the verdicts are dropped (logged at DEBUG); reads and everything else pass through. Every member's checker
 * starts the same services: the leader's starts them, or adopts them when the cluster already serves them.
 */
final class LeaderView extends ForwardingLoadBalancer {

    private static final System.Logger LOG = System.getLogger(ClusteredLoadBalancer.class.getName());

    private final ClusteredLoadBalancer lb;

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
    public void update(VirtualService service) {
        if (leading("update " + service.id())) {
            lb.update(service);
        }
    }

    @Override
    public void addRealServer(ServiceId service, RealServer server) {
        if (leading("add " + server + " to " + service)) {
            lb.addRealServer(service, server);
        }
    }

    @Override
    public void editRealServer(ServiceId service, RealServer server) {
        if (leading("edit " + server + " in " + service)) {
            lb.editRealServer(service, server);
        }
    }

    @Override
    public void removeRealServer(ServiceId service, InetSocketAddress server) {
        if (leading("remove " + server + " from " + service)) {
            lb.removeRealServer(service, server);
        }
    }

    /**
     * Starts the service through the cluster when this member leads; a service the cluster already serves is
     * adopted (updated to the checker's view of it), so every member's checker can start the same service.
     */
    @Override
    public CompletableFuture<Void> start(VirtualService service) {
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
    public CompletableFuture<Void> stop(ServiceId service) {
        return leading("stop " + service) ? lb.stop(service) : CompletableFuture.completedFuture(null);
    }

    /** Closing the view does not close the clustered load balancer. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return "LeaderView[" + lb.status().self() + "]";
    }
}
