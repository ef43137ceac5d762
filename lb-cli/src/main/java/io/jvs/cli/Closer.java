package io.jvs.cli;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * What a command started, closed in the reverse order of starting: each part is closed even when one before it
 * failed (the failure is logged). Not thread-safe: one thread starts and closes.
 */
public final class Closer implements AutoCloseable {

    private static final Logger LOG = System.getLogger("io.jvs.cli");
    private final List<AutoCloseable> parts = new ArrayList<>();

    /** Adds {@code part}, to be closed before everything added earlier; returns it. */
    public <T extends AutoCloseable> T add(T part) {
        parts.add(part);
        return part;
    }

    /** Adds {@code part} to be closed last of all. */
    public void addFirst(AutoCloseable part) {
        parts.add(0, part);
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing " + parts.get(i) + " failed: " + e);
            }
        }
        parts.clear();
    }
}
