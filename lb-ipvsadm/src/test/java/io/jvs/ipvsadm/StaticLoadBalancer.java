package io.jvs.ipvsadm;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancer;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** A load balancer frozen in one state, for listings with exact counters; it refuses every change. */
final class StaticLoadBalancer implements LoadBalancer {

    private final List<ServiceStatus> services;
    private final List<ConnectionStatus> connections;
    private final int size;
    private final Timeouts timeouts;

    StaticLoadBalancer(List<ServiceStatus> services, List<ConnectionStatus> connections, int size, Timeouts timeouts) {
        this.services = services;
        this.connections = connections;
        this.size = size;
        this.timeouts = timeouts;
    }

    @Override
    public List<ServiceStatus> services() {
        return services;
    }

    @Override
    public Optional<ServiceStatus> service(ServiceId service) {
        return services.stream().filter(s -> s.id().equals(service)).findFirst();
    }

    @Override
    public List<ConnectionStatus> connections() {
        return connections;
    }

    @Override
    public int connectionTableSize() {
        return size;
    }

    @Override
    public Timeouts timeouts() {
        return timeouts;
    }

    @Override
    public void addListener(io.jvs.api.LoadBalancerListener listener) {}

    @Override
    public void removeListener(io.jvs.api.LoadBalancerListener listener) {}

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return EnumSet.allOf(ForwardingMethod.class);
    }

    @Override
    public CompletableFuture<Void> start(VirtualService service) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void update(VirtualService service) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<Void> stop(ServiceId service) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void addRealServer(ServiceId service, RealServer server) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void editRealServer(ServiceId service, RealServer server) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void removeRealServer(ServiceId service, InetSocketAddress server) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<Void> clear() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void zeroCounters() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void zeroCounters(ServiceId service) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setTimeouts(Timeouts timeouts) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
}
