package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import java.util.List;

/**
 * An index over one published destination list (newest first): the list, where each destination sits in it, and
 * the two ways its leaves are brought up to date with the servers' live state.
 */
abstract class DestinationIndex {

    final Destination[] list;
    final int n;
    private final Positions positions;

    DestinationIndex(List<Destination> destinations) {
        list = destinations.toArray(new Destination[0]);
        n = list.length;
        positions = new Positions(list);
    }

    /** The position of {@code d} in this list, or -1. */
    final int indexOf(Destination d) {
        return positions.indexOf(d);
    }

    /** Re-reads {@code d}'s live state into its leaf, if {@code d} is in this list. Called on any thread. */
    final void refresh(Destination d) {
        int i = positions.indexOf(d);
        if (i >= 0) {
            refresh(i);
        }
    }

    /**
     * Re-reads every server's live state. The scheduler calls this right after publishing the index: a counter
     * change whose thread still saw the previous index happened before this pass reads it.
     */
    final void resync() {
        for (int i = 0; i < n; i++) {
            refresh(i);
        }
    }

    /** Brings leaf {@code i} (and what summarizes it) up to date with {@code list[i]}. */
    abstract void refresh(int i);
}
