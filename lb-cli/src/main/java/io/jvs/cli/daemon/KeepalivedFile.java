package io.jvs.cli.daemon;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancer;
import io.jvs.api.ServiceId;
import io.jvs.cli.status.ConfigLoad;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthChecker;
import io.jvs.keepalived.ConfigWarning;
import io.jvs.keepalived.KeepalivedConfig;
import io.jvs.keepalived.KeepalivedParseException;
import io.jvs.ipvsadm.internal.LogText;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The keepalived.conf that {@code jvs daemon --config} serves: loaded at start, and again on every reload
 * ({@code SIGHUP} as keepalived does, or {@code jvs daemon --reload}). A reload parses the whole file first; a file that does not parse is logged
 * and the running configuration kept. One that parses is applied as a diff by {@link HealthChecker#apply}: new
 * virtual servers start, removed ones stop, changed ones are updated in place, and real servers whose checks did
 * not change keep their health. No reload drops an established connection.
 *
 * <p>Loads run one at a time, holding the monitor of the {@link CheckedLoadBalancer} jvsadm goes through, so a
 * reload and a jvsadm command never interleave.
 */
final class KeepalivedFile {

    private static final Logger LOG = System.getLogger("io.jvs.cli.daemon");
    private static final Duration APPLY_TIMEOUT = Duration.ofSeconds(30);

    private final Path file;
    private final LoadBalancer lb;
    private final HealthChecker checker;
    private final Object lock;
    private final KeepalivedConfig.Parser parser;
    private final boolean clustered;
    private volatile ConfigLoad last;
    private volatile Instant applied;

    /**
     * @param lock the monitor jvsadm's changes hold ({@link CheckedLoadBalancer})
     * @param clustered whether every member of a cluster runs this file: a service the table already has is then
     *     the file's (another member's checker started it), not one added with jvsadm
     */
    KeepalivedFile(Path file, LoadBalancer lb, HealthChecker checker, Object lock, boolean clustered) {
        this.file = file;
        this.lb = lb;
        this.checker = checker;
        this.lock = lock;
        this.clustered = clustered;
        Set<ForwardingMethod> methods = lb.supportedForwardingMethods();
        this.parser = KeepalivedConfig.parser().forwardingMethods(methods);
    }

    /** What the latest load did, or null before the first. */
    ConfigLoad last() {
        return last;
    }

    /**
     * Loads the file at start.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException at its first error (the message names the line and column)
     * @throws IllegalStateException if the director refuses a service (a port in use, ...)
     */
    void load() throws IOException {
        synchronized (lock) {
            KeepalivedConfig config;
            try {
                config = parse();
            } catch (KeepalivedParseException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            refuseCollisions(config.services());
            apply(config);
        }
    }

    /**
     * Re-reads the file and applies what changed; logs what happened and never throws. A file without a single
     * virtual server (empty, truncated, or not readable as text: UTF-16, say) is refused while services run, unless
     * {@code allowEmpty}: stopping every service takes an explicit request.
     *
     * @return what this reload did
     */
    ConfigLoad reload(boolean allowEmpty) {
        LOG.log(Level.INFO, "reloading " + LogText.escape(file));
        synchronized (lock) {
            KeepalivedConfig config;
            try {
                config = parse();
                refuseCollisions(config.services());
            } catch (IOException | KeepalivedParseException | IllegalStateException e) {
                String why = e instanceof IOException ? "cannot read " + file + ": " + e : e.getMessage();
                return failed("reload failed, the running configuration is kept: " + why);
            }
            int running = checker.services().size();
            if (config.services().isEmpty() && running > 0 && !allowEmpty) {
                return failed("reload refused: " + file + " has no virtual servers" + suspectEncoding()
                        + ", and applying it would stop all " + running + " that run; the running configuration is "
                        + "kept (to stop them all, reload with: jvs daemon --reload --allow-empty)");
            }
            try {
                apply(config);
            } catch (RuntimeException e) {
                return failed("reload partly applied: " + e.getMessage() + "; the services that did not fail run the "
                        + "new configuration");
            }
            return last;
        }
    }

    /** Why a file may have parsed to nothing: {@code " (it is empty)"}, {@code " (it looks like UTF-16 ...)"}. */
    private String suspectEncoding() {
        try {
            byte[] b = Files.readAllBytes(file);
            if (b.length == 0) {
                return " (it is empty)";
            }
            for (byte x : b) {
                if (x == 0) {
                    return " (it has NUL bytes: UTF-16 or binary? keepalived.conf must be ASCII or UTF-8)";
                }
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    private ConfigLoad failed(String message) {
        LOG.log(Level.ERROR, LogText.escape(message));
        ConfigLoad previous = last;
        last = new ConfigLoad(file, Instant.now(), false, message, previous == null ? List.of() : previous.warnings(),
                applied);
        return last;
    }

    private KeepalivedConfig parse() throws IOException {
        KeepalivedConfig config = parser.parse(file);
        for (ConfigWarning w : config.warnings()) {
            LOG.log(Level.WARNING, LogText.escape(w.toString()));
        }
        return config;
    }

    /**
     * Refuses a file that uses the address of a service jvsadm added by hand: applying it would fail half-way, so the
     * whole file is refused before anything changes.
     *
     * @throws IllegalStateException naming the service
     */
    private void refuseCollisions(List<CheckedService> services) {
        if (clustered) {
            return; // the cluster's services of this file are adopted (LeaderView.start)
        }
        Set<ServiceId> checked = new HashSet<>();
        checker.services().forEach(c -> checked.addAll(c.ids()));
        for (CheckedService c : services) {
            for (ServiceId id : c.ids()) {
                if (!checked.contains(id) && lb.service(id).isPresent()) {
                    throw new IllegalStateException(id + " exists already, added with jvsadm; delete it (jvsadm -D) "
                            + "or take it out of " + file);
                }
            }
        }
    }

    /** Applies a parsed file; throws {@link IllegalStateException} with one line on a refusal. */
    private void apply(KeepalivedConfig config) {
        List<CheckedService> services = config.services();
        try {
            checker.apply(services).get(APPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the services did not start within " + APPLY_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
        applied = Instant.now();
        int w = config.warnings().size();
        String message = "loaded " + services.size() + " virtual server" + (services.size() == 1 ? "" : "s")
                + " from " + file + (w == 0 ? "" : " (" + w + " warning" + (w == 1 ? "" : "s") + ")");
        LOG.log(services.isEmpty() ? Level.WARNING : Level.INFO, LogText.escape(message));
        last = new ConfigLoad(file, applied, true, message,
                config.warnings().stream().map(ConfigWarning::toString).toList(), applied);
    }
}
