package io.jvs.cluster;

import java.util.List;
import java.util.Map;

/**
 * What one member of a {@link ClusteredLoadBalancer} knows about its cluster at the time of the call.
 *
 * @param cluster the cluster's name
 * @param self this member's id ({@code host:port} of its cluster address)
 * @param members every configured member's id, this one included
 * @param reachable the members in this member's current view, this one included
 * @param leader the id of the member that orders changes, or {@code null} while there is none (no quorum, or an
 *     election under way)
 * @param term the Raft term
 * @param epoch the configuration epoch: how many configuration changes this member has applied (members that applied
 *     the same changes have the same epoch and hash)
 * @param hash the configuration hash: services, their options, real servers in scheduling order, timeouts
 * @param logIndex the Raft commit index (it also counts Raft's own entries and read barriers)
 * @param faults what this member's own load balancer could not apply, by service ({@code *} for changes without
 *     one); empty when it is in step with the configuration
 * @since 0.1
 */
public record ClusterStatus(String cluster, String self, List<String> members, List<String> reachable, String leader,
        long term, long epoch, String hash, long logIndex, Map<String, String> faults) {

    /** Copies the lists and the map. */
    public ClusterStatus {
        members = List.copyOf(members);
        reachable = List.copyOf(reachable);
        faults = Map.copyOf(faults);
    }

    /** How many members must agree on a change: a majority of {@link #members()}. */
    public int quorum() {
        return members.size() / 2 + 1;
    }

    /** Whether this member can reach a quorum and a leader, so changes can be committed. */
    public boolean hasQuorum() {
        return leader != null && reachable.size() >= quorum();
    }
}
