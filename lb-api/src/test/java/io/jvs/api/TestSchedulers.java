package io.jvs.api;

import java.util.List;

/** Stand-ins registered under {@code wlc} and {@code rr} so lb-api's tests run without lb-schedulers. */
public final class TestSchedulers {

    private TestSchedulers() {}

    /** Picks nothing; only its name matters to these tests. */
    abstract static class Named implements Scheduler.Factory {
        @Override
        public Scheduler create(Scheduler.Context context) {
            return new Scheduler() {
                @Override
                public void update(List<Destination> destinations) {}

                @Override
                public Destination select(ConnectionKey flow) {
                    return null;
                }
            };
        }
    }

    /** Registered as {@code wlc}, the default. */
    public static final class Wlc extends Named {
        @Override
        public String name() {
            return "wlc";
        }
    }

    /** Registered as {@code rr}. */
    public static final class Rr extends Named {
        @Override
        public String name() {
            return "rr";
        }
    }
}
