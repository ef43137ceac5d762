package io.jvs.cli.daemon;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.core.ForwardingLoadBalancer;
import io.jvs.health.CheckedServer;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthChecker;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The director as jvsadm sees it while {@code jvs daemon --config} runs keepalived.conf services. The health
 * checker owns the real servers of the services it checks, so jvsadm's changes to those services go through the
 * checker instead of around it, and stick until the next reload:
 * <ul>
 *   <li>{@code -e} of a checked server changes its weight (and thresholds) in the checker: a healthy server gets
 *       the new weight at once, a failed one when it comes back, a slow-starting one ramps to it. {@code -e -w 0}
 *       drains a server for maintenance and keeps it drained whatever its checks say.</li>
 *   <li>{@code -d} removes the server and stops its checks; {@code -a} adds a server without checks (always up),
 *       or, for a server the checker holds out because it is down, sets its weight.</li>
 *   <li>{@code -E} changes the scheduler and persistence through the checker; {@code -D} stops the service and its
 *       checks (a service of a keepalived {@code virtual_server group} is refused: the group shares its checks);
 *       {@code -C} stops every checked service as well.</li>
 * </ul>
 * Everything else, and every change to a service jvsadm added itself, goes to the director unchanged. Listings
 * show the director's table, as {@code ipvsadm -L} shows IPVS's while keepalived runs: a failed server that was
 * removed is not listed. A reload ({@code SIGHUP}) makes the checked services what the file says again.
 *
 * <p>Changes are serialized with reloads on this object's monitor.
 */
final class CheckedLoadBalancer extends ForwardingLoadBalancer {

    private final LoadBalancer lb;
    private final HealthChecker checker;

    CheckedLoadBalancer(LoadBalancer lb, HealthChecker checker) {
        this.lb = lb;
        this.checker = checker;
    }

    @Override
    protected LoadBalancer delegate() {
        return lb;
    }

    /** The checked service that has {@code id} among its ids, if the checker runs one. */
    private Optional<CheckedService> checked(ServiceId id) {
        return checker.services().stream().filter(c -> c.ids().contains(id)).findFirst();
    }

    @Override
    public synchronized void update(VirtualService service) {
        Optional<CheckedService> c = checked(service.id());
        if (c.isPresent()) {
            checker.update(c.get().withService(service));
        } else {
            lb.update(service);
        }
    }

    @Override
    public synchronized CompletableFuture<Void> stop(ServiceId service) {
        Optional<CheckedService> c = checked(service);
        if (c.isEmpty()) {
            return lb.stop(service);
        }
        if (c.get().ids().size() > 1) {
            throw new LoadBalancerException(LoadBalancerException.Reason.UNSUPPORTED, service + " is one of the "
                    + c.get().ids().size() + " services of a keepalived virtual_server group, which share their "
                    + "checks; remove the group from the configuration and reload (SIGHUP)");
        }
        return checker.stop(service);
    }

    @Override
    public synchronized void addRealServer(ServiceId service, RealServer server) {
        Optional<CheckedService> c = checked(service);
        if (c.isEmpty()) {
            lb.addRealServer(service, server);
            return;
        }
        Optional<CheckedServer> member = c.get().server(server.address());
        if (member.isPresent()) {
            checker.editRealServer(service, member.get().withServer(server)); // held out while down
        } else {
            checker.addRealServer(service, CheckedServer.of(server));
        }
    }

    @Override
    public synchronized void editRealServer(ServiceId service, RealServer server) {
        Optional<CheckedServer> member = member(service, server.address());
        if (member.isPresent()) {
            checker.editRealServer(service, member.get().withServer(server));
        } else {
            lb.editRealServer(service, server); // an unchecked service, or its sorry server
        }
    }

    @Override
    public synchronized void removeRealServer(ServiceId service, InetSocketAddress server) {
        if (member(service, server).isPresent()) {
            checker.removeRealServer(service, server);
        } else {
            lb.removeRealServer(service, server);
        }
    }

    private Optional<CheckedServer> member(ServiceId service, InetSocketAddress server) {
        return checked(service).flatMap(c -> c.server(server));
    }

    @Override
    public synchronized CompletableFuture<Void> clear() {
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        for (CheckedService c : checker.services()) {
            stopped.add(checker.stop(c.id()));
        }
        return CompletableFuture.allOf(stopped.toArray(new CompletableFuture<?>[0])).thenCompose(v -> lb.clear());
    }

    @Override
    public String toString() {
        return "CheckedLoadBalancer[" + lb + "]";
    }
}
