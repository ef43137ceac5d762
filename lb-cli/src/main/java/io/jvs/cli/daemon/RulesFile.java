package io.jvs.cli.daemon;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancer;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.core.RunningService;
import io.jvs.ipvsadm.Ipvsadm;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The rules {@code jvs daemon --rules} restores at start: an {@code ipvsadm -S} file. It is restored first into a
 * table that listens nowhere (with the director's forwarding methods, so it refuses what the director would),
 * line by line as {@code ipvsadm -R} does; only when every line applied are its services started on the director,
 * each with all its real servers at once. So a service never listens before its real servers are in it (a client
 * that came in between would find none and be reset), and a file with an error starts nothing.
 */
final class RulesFile {

    private static final long START_TIMEOUT_SECONDS = 30;

    private RulesFile() {}

    /** Why the rules were not restored. */
    static final class RestoreException extends Exception {
        private static final long serialVersionUID = 1L;
        /** What ipvsadm printed for the line that failed, or empty when a service did not start. */
        final String ipvsadmErrors;
        /** ipvsadm's exit status, or 1 when a service did not start. */
        final int status;

        RestoreException(String ipvsadmErrors, int status, String message) {
            super(message, null, false, false);
            this.ipvsadmErrors = ipvsadmErrors;
            this.status = status;
        }
    }

    /** Drops the lines that start with {@code #}, as the {@code ipvsadm-restore} script does. */
    static String withoutComments(String text) {
        return text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n", "", "\n"));
    }

    /**
     * Restores {@code rules} (comments already dropped) on {@code lb}, which must have no services yet.
     *
     * @return how many services were started
     * @throws RestoreException with ipvsadm's error and status if a line failed (nothing was started), or why a
     *     service did not start (those started before it are stopped again)
     */
    static int restore(LoadBalancer lb, String rules) throws RestoreException {
        List<VirtualService> services;
        Timeouts timeouts;
        // The staging table logs as a director does ("added service ..."); those lines would read as if the real
        // one had started services without their servers, so they are left out (this thread only, for this while).
        java.util.logging.Logger directorLog = java.util.logging.Logger.getLogger("io.jvs.core.Director");
        java.util.logging.Filter filter = directorLog.getFilter();
        Thread staging = Thread.currentThread();
        directorLog.setFilter(r -> Thread.currentThread() != staging && (filter == null || filter.isLoggable(r)));
        try (Director table = Director.builder().dataPath(listeningNowhere(lb.supportedForwardingMethods()))
                .rateEstimator(false).connectionTimer(false).build()) {
            Ipvsadm.Result r = Ipvsadm.of(table).execute(List.of("-R"), rules);
            if (!r.ok() || !r.stderr().isEmpty()) {
                throw new RestoreException(r.stderr(), r.status(), "a line failed (status " + r.status() + ")");
            }
            services = table.services().stream().map(ServiceStatus::service).toList();
            timeouts = table.timeouts();
        } finally {
            directorLog.setFilter(filter);
        }
        if (!timeouts.equals(lb.timeouts())) {
            lb.setTimeouts(timeouts); // --set lines
        }
        List<VirtualService> started = new ArrayList<>();
        for (VirtualService s : services) {
            try {
                lb.start(s).get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                started.add(s);
            } catch (ExecutionException | TimeoutException | InterruptedException | RuntimeException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                for (VirtualService done : started) {
                    lb.stop(done.id());
                }
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                String why = cause instanceof TimeoutException ? "did not start within " + START_TIMEOUT_SECONDS
                        + " s" : String.valueOf(cause.getMessage());
                throw new RestoreException("", 1, s.id() + ": " + why);
            }
        }
        return started.size();
    }

    /** A data path for the staging table: it binds nothing and carries out what the director's does. */
    private static DataPath listeningNowhere(Set<ForwardingMethod> methods) {
        return new DataPath() {
            @Override
            public Set<ForwardingMethod> supportedForwardingMethods() {
                return methods;
            }

            @Override
            public CompletableFuture<Void> bind(RunningService binding, Endpoint endpoint) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Void> unbind(RunningService binding, Endpoint endpoint) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {}
        };
    }
}
