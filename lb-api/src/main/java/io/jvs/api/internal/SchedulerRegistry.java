package io.jvs.api.internal;

import io.jvs.api.Scheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The {@link Scheduler.Factory} implementations found with {@link ServiceLoader}, loaded once. A provider
 * that fails to load is logged and skipped, so one broken jar cannot take the others down.
 *
 * <p>Not API: this package is exported only to the JVS modules.
 */
public final class SchedulerRegistry {

    /** Factories by lower-case name, sorted by name. */
    public static final Map<String, Scheduler.Factory> FACTORIES = load();

    private SchedulerRegistry() {}

    private static Map<String, Scheduler.Factory> load() {
        Map<String, Scheduler.Factory> byName = new TreeMap<>();
        List<String> broken = new ArrayList<>();
        var it = ServiceLoader.load(Scheduler.Factory.class, Scheduler.Factory.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                Scheduler.Factory f = it.next();
                byName.putIfAbsent(f.name().toLowerCase(Locale.ROOT), f);
            } catch (ServiceConfigurationError | RuntimeException e) {
                broken.add(String.valueOf(e.getMessage()));
            }
        }
        if (!broken.isEmpty()) {
            System.getLogger(SchedulerRegistry.class.getName()).log(System.Logger.Level.WARNING,
                    "ignored scheduler providers that failed to load: " + broken);
        }
        return Collections.unmodifiableMap(byName);
    }
}
