package io.jvs.core.internal;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerException.Reason;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import io.jvs.core.DataPath;
import io.jvs.core.RunningService;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * {@link DataPath#byForwardingMethod}: several data paths behind one, each service bound to the path that carries
 * its real servers' forwarding method. The director calls it on its control thread; the futures of the paths may
 * complete on theirs, so the placements are guarded by this object's lock.
 */
public final class MethodDataPaths implements DataPath {

    private static final Logger LOG = System.getLogger("io.jvs.core.Director");
    /** How long a move waits for the new path to bind the service's endpoints. */
    private static final long MOVE_TIMEOUT_SECONDS = 10;

    private final List<DataPath> paths;
    private final Map<ForwardingMethod, DataPath> byMethod = new EnumMap<>(ForwardingMethod.class);
    private final Set<ForwardingMethod> methods;
    private final DataPath defaultPath;
    /** Where each running service is bound, with its endpoints bound there. Guarded by {@code this}. */
    private final Map<RunningService, Placed> placed = new IdentityHashMap<>();

    private static final class Placed {
        DataPath path;
        final Set<Endpoint> endpoints = new LinkedHashSet<>();

        Placed(DataPath path) {
            this.path = path;
        }
    }

    public MethodDataPaths(List<DataPath> paths) {
        Checks.checkArgument(paths.size() >= 2, "paths", paths.size(), "at least 2 data paths");
        EnumSet<ForwardingMethod> all = EnumSet.noneOf(ForwardingMethod.class);
        for (DataPath p : paths) {
            Checks.checkNotNull(p, "path");
            for (ForwardingMethod m : p.supportedForwardingMethods()) {
                Checks.checkArgument(all.add(m), "paths", m + " carried by " + byMethod.get(m) + " and " + p,
                        "each forwarding method carried by one data path");
                byMethod.put(m, p);
            }
        }
        this.paths = List.copyOf(paths);
        this.methods = Collections.unmodifiableSet(all);
        DataPath dr = byMethod.get(ForwardingMethod.DR);
        this.defaultPath = dr != null ? dr : paths.get(0);
    }

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return methods;
    }

    /** The path of the service's real servers, or null when it has none; a mix is refused. */
    private DataPath pathFor(VirtualService service) {
        DataPath found = null;
        RealServer first = null;
        for (RealServer rs : service.realServers()) {
            DataPath p = byMethod.get(rs.forwardingMethod());
            if (p == null) {
                continue; // the director refuses a method no path carries, with its own message
            }
            if (found == null) {
                found = p;
                first = rs;
            } else if (p != found) {
                throw new LoadBalancerException(Reason.UNSUPPORTED, "real servers " + describe(first) + " and "
                        + describe(rs) + " of " + service.id() + " mix forwarding methods of two data paths (expected: "
                        + "all of one kind, " + names(found) + " or " + names(p) + ")");
            }
        }
        return found;
    }

    private static String describe(RealServer rs) {
        return Addresses.toString(rs.address()) + " (" + rs.forwardingMethod() + ")";
    }

    private static String names(DataPath p) {
        return p.supportedForwardingMethods().stream().sorted().map(ForwardingMethod::name)
                .collect(Collectors.joining("/"));
    }

    private Placed placedById(VirtualService service) {
        for (Map.Entry<RunningService, Placed> e : placed.entrySet()) {
            if (e.getKey().id().equals(service.id())) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    public synchronized void check(VirtualService service) {
        DataPath target = pathFor(service);
        if (target == null) {
            Placed p = placedById(service);
            target = p != null ? p.path : defaultPath;
        }
        checkAddresses(service, target);
        target.check(service);
    }

    /** One virtual address, one data path: a packet path takes every packet to its addresses. */
    private void checkAddresses(VirtualService service, DataPath target) {
        for (Map.Entry<RunningService, Placed> e : placed.entrySet()) {
            Placed other = e.getValue();
            if (other.path == target || e.getKey().id().equals(service.id())) {
                continue;
            }
            for (Endpoint mine : service.endpoints()) {
                InetAddress a = mine.address().getAddress();
                for (Endpoint theirs : other.endpoints) {
                    if (theirs.address().getAddress().equals(a)) {
                        throw new LoadBalancerException(Reason.UNSUPPORTED, service.id() + " (" + names(target)
                                + ") and " + e.getKey().id() + " (" + names(other.path) + ") share the address "
                                + Addresses.toString(a) + " (expected: services of different data paths on different "
                                + "addresses; a packet data path takes every packet to its virtual addresses)");
                    }
                }
            }
        }
    }

    @Override
    public CompletableFuture<Void> bind(RunningService service, Endpoint endpoint) {
        DataPath path;
        synchronized (this) {
            Placed p = placed.get(service);
            if (p == null) {
                DataPath target = pathFor(service.service());
                p = new Placed(target != null ? target : defaultPath);
                placed.put(service, p);
            }
            p.endpoints.add(endpoint);
            path = p.path;
        }
        CompletableFuture<Void> f;
        try {
            f = path.bind(service, endpoint);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((ok, failure) -> {
            if (failure != null) {
                forget(service, endpoint, path);
            }
        });
    }

    private synchronized void forget(RunningService service, Endpoint endpoint, DataPath path) {
        Placed p = placed.get(service);
        if (p != null && p.path == path) {
            p.endpoints.remove(endpoint);
            if (p.endpoints.isEmpty()) {
                placed.remove(service);
            }
        }
    }

    @Override
    public CompletableFuture<Void> unbind(RunningService service, Endpoint endpoint) {
        DataPath path;
        synchronized (this) {
            Placed p = placed.get(service);
            if (p == null || !p.endpoints.remove(endpoint)) {
                return CompletableFuture.completedFuture(null);
            }
            if (p.endpoints.isEmpty()) {
                placed.remove(service);
            }
            path = p.path;
        }
        return path.unbind(service, endpoint);
    }

    @Override
    public synchronized void serversChanging(RunningService service, VirtualService next) {
        DataPath target = pathFor(next);
        Placed p = placed.get(service);
        if (p == null) {
            return; // not bound (yet, or any more): bind decides
        }
        if (target != null && target != p.path) {
            move(service, p, target);
        }
        p.path.serversChanging(service, next);
    }

    /** Binds every endpoint of the service on {@code target}, then releases them on its old path. */
    private void move(RunningService service, Placed p, DataPath target) {
        List<Endpoint> endpoints = new ArrayList<>(p.endpoints);
        List<CompletableFuture<Void>> binds = new ArrayList<>();
        for (Endpoint e : endpoints) {
            try {
                binds.add(target.bind(service, e));
            } catch (RuntimeException ex) {
                binds.add(CompletableFuture.failedFuture(ex));
            }
        }
        Throwable failure = null;
        try {
            CompletableFuture.allOf(binds.toArray(new CompletableFuture<?>[0])).get(MOVE_TIMEOUT_SECONDS,
                    TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (TimeoutException e) {
            failure = new TimeoutException("not bound within " + MOVE_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
        if (failure != null) {
            for (int i = 0; i < binds.size(); i++) {
                if (!binds.get(i).isCompletedExceptionally()) {
                    target.unbind(service, endpoints.get(i));
                }
            }
            throw new LoadBalancerException(Reason.BIND_FAILED, "cannot move " + service.id() + " to the data path of "
                    + names(target) + ": " + failure.getMessage(), failure);
        }
        DataPath old = p.path;
        p.path = target;
        for (Endpoint e : endpoints) {
            old.unbind(service, e).whenComplete((ok, f) -> {
                if (f != null) {
                    LOG.log(Level.WARNING, "releasing " + e + " of " + service.id() + " on its old data path: " + f);
                }
            });
        }
        LOG.log(Level.INFO, service.id() + " moved from the data path of " + names(old) + " to that of "
                + names(target) + " (its first real server of that kind)");
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (DataPath p : paths) {
            try {
                p.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "DataPath.byForwardingMethod" + paths;
    }
}
