package io.jvs.cli.daemon;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.core.DataPath;
import io.jvs.core.RunningService;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@link DataPath#detached()} that carries what {@code jvs daemon} carries without {@code --interface}: full NAT and
 * NAT. (A detached data path claims every method, DR among them, and jvsadm then makes a server added without a
 * method {@code -g}, as ipvsadm does.)
 */
final class SocketDataPath implements DataPath {

    private final DataPath detached = DataPath.detached();

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return EnumSet.of(ForwardingMethod.FULLNAT, ForwardingMethod.NAT);
    }

    @Override
    public CompletableFuture<Void> bind(RunningService service, Endpoint endpoint) {
        return detached.bind(service, endpoint);
    }

    @Override
    public CompletableFuture<Void> unbind(RunningService service, Endpoint endpoint) {
        return detached.unbind(service, endpoint);
    }

    @Override
    public void close() {
        detached.close();
    }
}
