package io.jvs.scheduler.internal;

import io.jvs.api.Scheduler;
import java.util.function.Function;

/**
 * A {@link Scheduler.Factory} with a fixed name. The {@code Provider} classes the {@link java.util.ServiceLoader}
 * instantiates extend it with a public no-argument constructor that does no work.
 */
public class NamedFactory implements Scheduler.Factory {

    private final String name;
    private final Function<Scheduler.Context, Scheduler> create;

    NamedFactory(String name, Function<Scheduler.Context, Scheduler> create) {
        this.name = name;
        this.create = create;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Scheduler create(Scheduler.Context context) {
        return create.apply(context);
    }

    @Override
    public String toString() {
        return name;
    }
}
