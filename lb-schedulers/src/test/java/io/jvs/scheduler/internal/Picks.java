package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** Names servers by letter and records picks as {@code "C B A ..."}, for the spec's worked sequences. */
final class Picks {

    private final Map<Destination, String> names = new IdentityHashMap<>();
    private final ConnectionKey flow = new FakeFlow();

    FakeDestination name(String name, FakeDestination d) {
        names.put(d, name);
        return d;
    }

    String name(Destination d) {
        return d == null ? "-" : names.getOrDefault(d, "?" + d);
    }

    /** {@code count} picks; with {@code keep}, each picked server gets a new connection that stays active. */
    String picks(Scheduler s, int count, boolean keep) {
        StringJoiner out = new StringJoiner(" ");
        for (int i = 0; i < count; i++) {
            Destination d = s.select(flow);
            out.add(name(d));
            if (keep && d != null) {
                FakeDestination f = (FakeDestination) d;
                f.connect();
                f.activate();
            }
        }
        return out.toString();
    }

    String picks(Scheduler s, int count) {
        return picks(s, count, false);
    }
}
