package io.jvs.scheduler.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.random.RandomGenerator;

/** A {@link RandomGenerator} that returns the values it was given, for {@code twos}' draws. */
public final class ScriptedRandom implements RandomGenerator {

    private final Deque<Long> values = new ArrayDeque<>();

    public ScriptedRandom then(long... next) {
        for (long v : next) {
            values.add(v);
        }
        return this;
    }

    @Override
    public long nextLong(long bound) {
        Long v = values.poll();
        if (v == null) {
            throw new IllegalStateException("no scripted value left");
        }
        if (v < 0 || v >= bound) {
            throw new IllegalStateException("scripted value " + v + " outside [0, " + bound + ")");
        }
        return v;
    }

    @Override
    public long nextLong() {
        throw new UnsupportedOperationException("only nextLong(bound) is scripted");
    }
}
