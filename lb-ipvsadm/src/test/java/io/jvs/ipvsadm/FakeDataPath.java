package io.jvs.ipvsadm;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.core.DataPath;
import io.jvs.core.RunningService;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A data path that moves no traffic: it records binds and supports the methods it is given. */
final class FakeDataPath implements DataPath {

    final Set<ForwardingMethod> methods;
    final List<Endpoint> bound = new CopyOnWriteArrayList<>();
    /** Endpoints on this port fail to bind, as a port in use would. */
    volatile int failPort = -1;

    FakeDataPath(ForwardingMethod... methods) {
        this.methods = methods.length == 0 ? EnumSet.of(ForwardingMethod.FULLNAT) : EnumSet.of(methods[0], methods);
    }

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return methods;
    }

    @Override
    public CompletableFuture<Void> bind(RunningService binding, Endpoint endpoint) {
        if (endpoint.address().getPort() == failPort) {
            return CompletableFuture.failedFuture(new LoadBalancerException(LoadBalancerException.Reason.BIND_FAILED,
                    "cannot listen on " + endpoint + ": Address already in use"));
        }
        bound.add(endpoint);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> unbind(RunningService binding, Endpoint endpoint) {
        bound.remove(endpoint);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}
}
