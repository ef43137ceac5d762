package io.jvs.cluster;

import java.util.List;

/**
 * The state of one member's connection-sync stream ({@link ConnectionSync#status()}).
 *
 * @param cluster the cluster's name
 * @param self this member's id
 * @param members the members in this member's view, this one included
 * @param master whether this member sends its entries (IPVS master role)
 * @param backup whether this member applies the others' entries (IPVS backup role)
 * @param syncId the sync id, 0-255 (0 accepts every sender's)
 * @param reliability how messages travel
 * @param stateTransfer where the joiner's snapshot stands
 * @param stateTransferEntries how many entries the snapshot brought
 * @param sentMessages messages sent
 * @param sentEntries entries sent
 * @param receivedMessages messages received from the others
 * @param receivedEntries entries received and applied
 * @param droppedEntries entries skipped as the kernel skips them (bad state, unknown protocol)
 * @param ignoredMessages messages of another sync id, or invalid ones
 * @param lostMessages messages missing in the senders' sequences (only in unreliable mode)
 * @param lagP99Millis the 99th percentile of the time from sending to applying, over the last 4096 messages
 * @param lagMaxMillis the longest time from sending to applying, over the last 4096 messages
 * @param viewChanges how many times the view changed
 * @param queueDrops entries this member did not send because no message buffer was free (the sender fell behind;
 *     IPVS drops beyond {@code sync_qlen_max} too)
 * @since 0.1
 */
public record SyncStatus(String cluster, String self, List<String> members, boolean master, boolean backup, int syncId,
        ConnectionSync.Reliability reliability, ConnectionSync.StateTransfer stateTransfer, long stateTransferEntries,
        long sentMessages, long sentEntries, long receivedMessages, long receivedEntries, long droppedEntries,
        long ignoredMessages, long lostMessages, double lagP99Millis, double lagMaxMillis, long viewChanges,
        long queueDrops) {

    /** Copies the list. */
    public SyncStatus {
        members = List.copyOf(members);
    }

    /** A status without queue drops (the phase-1 form). */
    public SyncStatus(String cluster, String self, List<String> members, boolean master, boolean backup, int syncId,
            ConnectionSync.Reliability reliability, ConnectionSync.StateTransfer stateTransfer,
            long stateTransferEntries, long sentMessages, long sentEntries, long receivedMessages, long receivedEntries,
            long droppedEntries, long ignoredMessages, long lostMessages, double lagP99Millis, double lagMaxMillis,
            long viewChanges) {
        this(cluster, self, members, master, backup, syncId, reliability, stateTransfer, stateTransferEntries,
                sentMessages, sentEntries, receivedMessages, receivedEntries, droppedEntries, ignoredMessages,
                lostMessages, lagP99Millis, lagMaxMillis, viewChanges, 0);
    }

    /**
     * Whether the member is ready to take traffic: it founded the stream or received the snapshot of a member that
     * was there before it (the gate a route controller waits for).
     */
    public boolean ready() {
        return stateTransfer == ConnectionSync.StateTransfer.NONE || stateTransfer == ConnectionSync.StateTransfer.DONE;
    }
}
