package io.jvs.cluster;

import io.jvs.api.SyncRecord;
import io.jvs.api.internal.Checks;
import io.jvs.core.SyncTarget;
import java.util.function.Consumer;

/**
 * The local connection table as {@link ConnectionSync} sees it: where entries received from other directors go, and
 * what a director that joins is given. A director's table is one through {@link #of(SyncTarget)} (its
 * {@link io.jvs.core.Director#syncTarget()}); {@code ConnectionSync} never touches a table otherwise.
 *
 * <p>Calls come from JGroups' receive threads: entries of one sender arrive in order, one at a time per sender;
 * entries of different senders may arrive concurrently.
 *
 * @since 0.1
 */
public interface LocalConnectionTable {

    /**
     * Applies an entry another director sent (IPVS {@code ip_vs_proc_conn}): create it, or update the one with the
     * same client, virtual address and protocol. The flags are already reduced to what a backup keeps, with
     * {@link SyncRecord#F_SYNC} added.
     *
     * @param entry the entry
     * @param owner the id of the director that sent it ({@code host:port}), or {@code "state-transfer"} for
     *     entries of a joiner's snapshot
     */
    void apply(SyncRecord entry, String owner);

    /** Gives {@code sink} every entry and template a joining director should receive, this director's own first. */
    void snapshot(Consumer<SyncRecord> sink);

    /**
     * A director's connection table ({@link io.jvs.core.Director#syncTarget()}): entries are bound to its real
     * servers with IPVS's backup rules.
     *
     * @throws NullPointerException if {@code target} is null
     */
    static LocalConnectionTable of(SyncTarget target) {
        Checks.checkNotNull(target, "target");
        return new LocalConnectionTable() {
            @Override
            public void apply(SyncRecord entry, String owner) {
                target.apply(entry, owner);
            }

            @Override
            public void snapshot(Consumer<SyncRecord> sink) {
                target.snapshot(sink);
            }

            @Override
            public String toString() {
                return "LocalConnectionTable.of(" + target + ")";
            }
        };
    }
}
