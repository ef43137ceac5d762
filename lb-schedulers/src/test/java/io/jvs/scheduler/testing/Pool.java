package io.jvs.scheduler.testing;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A service's real servers as the core keeps them, driving one or more schedulers: the list is newest first,
 * {@link #add} puts a server at the head and calls {@code update} (ipvsadm {@code -a} after {@code -A}),
 * {@link #remove} clears AVAILABLE, unlinks and calls {@code update}, {@link #edit} changes the weight in place
 * and calls {@code update}. {@link #bind} instead delivers the whole list once, as when a scheduler is bound to a
 * service that already has servers (a builder-made service, or {@code -E -s}).
 */
public final class Pool {

    private final List<FakeDestination> list = new ArrayList<>();
    private final List<Scheduler> schedulers = new ArrayList<>();

    public Pool(Scheduler... schedulers) {
        Collections.addAll(this.schedulers, schedulers);
    }

    /** Adds a server without telling the schedulers (for a later {@link #bind}). */
    public FakeDestination stage(FakeDestination d) {
        list.add(0, d);
        for (Scheduler s : schedulers) {
            d.attach(s);
        }
        return d;
    }

    /** Delivers the whole list in one update. */
    public void bind() {
        updateAll();
    }

    /** Adds a server at the head of the list and updates. */
    public FakeDestination add(FakeDestination d) {
        stage(d);
        updateAll();
        return d;
    }

    /** Adds {@code 10.0.0.<n>:80} with the given weight. */
    public FakeDestination add(int weight) {
        return add(FakeDestination.of("10.0." + (list.size() / 250) + "." + (1 + list.size() % 250), 80, weight));
    }

    public void remove(FakeDestination d) {
        d.setAvailable(false);
        list.remove(d);
        for (Scheduler s : schedulers) {
            d.detach(s);
        }
        updateAll();
    }

    public void edit(FakeDestination d, int weight) {
        d.setWeight(weight);
        updateAll();
    }

    private void updateAll() {
        List<Destination> view = view();
        for (Scheduler s : schedulers) {
            s.update(view);
        }
    }

    /** The servers, newest first, as an immutable list. */
    public List<Destination> view() {
        return List.copyOf(list);
    }

    public List<FakeDestination> servers() {
        return Collections.unmodifiableList(list);
    }

    public int size() {
        return list.size();
    }

    public FakeDestination get(int i) {
        return list.get(i);
    }
}
