package io.jvs.core;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ConnectionTableStatus;
import io.jvs.api.DefenceStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerListener;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link LoadBalancer} that forwards every call to another one, for transports that wrap a {@link Director}
 * and add methods of their own.
 *
 * @since 0.1
 */
public abstract class ForwardingLoadBalancer implements LoadBalancer {

    /** Creates a forwarding load balancer. */
    protected ForwardingLoadBalancer() {}

    /** The load balancer every call goes to. */
    protected abstract LoadBalancer delegate();

    @Override
    public CompletableFuture<Void> start(VirtualService service) {
        return delegate().start(service);
    }

    @Override
    public void update(VirtualService service) {
        delegate().update(service);
    }

    @Override
    public CompletableFuture<Void> stop(ServiceId service) {
        return delegate().stop(service);
    }

    @Override
    public void addRealServer(ServiceId service, RealServer server) {
        delegate().addRealServer(service, server);
    }

    @Override
    public void editRealServer(ServiceId service, RealServer server) {
        delegate().editRealServer(service, server);
    }

    @Override
    public void removeRealServer(ServiceId service, InetSocketAddress server) {
        delegate().removeRealServer(service, server);
    }

    @Override
    public CompletableFuture<Void> clear() {
        return delegate().clear();
    }

    @Override
    public void zeroCounters() {
        delegate().zeroCounters();
    }

    @Override
    public void zeroCounters(ServiceId service) {
        delegate().zeroCounters(service);
    }

    @Override
    public List<ServiceStatus> services() {
        return delegate().services();
    }

    @Override
    public Optional<ServiceStatus> service(ServiceId service) {
        return delegate().service(service);
    }

    @Override
    public List<ConnectionStatus> connections() {
        return delegate().connections();
    }

    @Override
    public int connectionTableSize() {
        return delegate().connectionTableSize();
    }

    @Override
    public ConnectionTableStatus connectionTable() {
        return delegate().connectionTable();
    }

    @Override
    public DefenceStatus defences() {
        return delegate().defences();
    }

    @Override
    public Timeouts timeouts() {
        return delegate().timeouts();
    }

    @Override
    public void setTimeouts(Timeouts timeouts) {
        delegate().setTimeouts(timeouts);
    }

    @Override
    public void addListener(LoadBalancerListener listener) {
        delegate().addListener(listener);
    }

    @Override
    public void removeListener(LoadBalancerListener listener) {
        delegate().removeListener(listener);
    }

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return delegate().supportedForwardingMethods();
    }

    @Override
    public void close() {
        delegate().close();
    }
}
