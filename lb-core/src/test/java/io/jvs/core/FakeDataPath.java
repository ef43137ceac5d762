package io.jvs.core;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** A data path without sockets: records what the director asks of it, and can be told to fail binds. */
final class FakeDataPath implements DataPath {

    final List<String> events = new ArrayList<>();
    final Set<ForwardingMethod> methods;
    boolean failBinds;
    boolean closed;

    FakeDataPath(ForwardingMethod... methods) {
        this.methods = methods.length == 0 ? EnumSet.of(ForwardingMethod.FULLNAT) : EnumSet.of(methods[0], methods);
    }

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return methods;
    }

    @Override
    public synchronized CompletableFuture<Void> bind(RunningService binding, Endpoint endpoint) {
        if (failBinds) {
            return CompletableFuture.failedFuture(new java.net.BindException("Address already in use"));
        }
        events.add("bind " + endpoint);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> unbind(RunningService binding, Endpoint endpoint) {
        events.add("unbind " + endpoint);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        closed = true;
    }
}
