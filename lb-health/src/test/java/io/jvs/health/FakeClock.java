package io.jvs.health;

import io.jvs.api.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A clock and a {@link ScheduledExecutorService} whose time moves only when the test says so (gRPC's FakeClock):
 * {@link #forward} runs every task that falls due, in time order, on the test's thread, including tasks those
 * tasks schedule. {@link #ticker()} reads the same time. Tasks may be scheduled from any thread (a network probe
 * completing on an event loop schedules the next probe here); they run only in {@link #forward} or
 * {@link #runDue}.
 */
final class FakeClock {

    private final Object lock = new Object();
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long nowNanos;
    private long sequence;
    private final Executor executor = new Executor();

    /** The clock's time, for {@link HealthChecker.Builder#ticker}. */
    Ticker ticker() {
        return this::nanoTime;
    }

    long nanoTime() {
        synchronized (lock) {
            return nowNanos;
        }
    }

    /** The executor whose tasks run on this clock, for {@link HealthChecker.Builder#timers}. */
    ScheduledExecutorService scheduler() {
        return executor;
    }

    /** Moves time forward by {@code d}, running the tasks that fall due on the way, each at its own time. */
    void forward(Duration d) {
        long target;
        synchronized (lock) {
            target = nowNanos + d.toNanos();
        }
        while (true) {
            Task next;
            synchronized (lock) {
                next = queue.peek();
                if (next == null || next.atNanos > target) {
                    nowNanos = target;
                    return;
                }
                queue.poll();
                nowNanos = Math.max(nowNanos, next.atNanos);
            }
            next.run();
        }
    }

    /** Runs the tasks due now (those scheduled with no delay, for example), without moving time. */
    void runDue() {
        forward(Duration.ZERO);
    }

    /** How many tasks wait (cancelled ones are removed when cancelled). */
    int pending() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /** When the next task is due, from now, or {@code null} if none waits. */
    Duration nextDue() {
        synchronized (lock) {
            Task t = queue.peek();
            return t == null ? null : Duration.ofNanos(Math.max(0, t.atNanos - nowNanos));
        }
    }

    private final class Task implements ScheduledFuture<Object>, Runnable {
        final long atNanos;
        final long seq;
        final Callable<?> body;
        private boolean done;
        private boolean cancelled;
        private Object value;
        private Throwable failure;

        Task(long atNanos, long seq, Callable<?> body) {
            this.atNanos = atNanos;
            this.seq = seq;
            this.body = body;
        }

        @Override
        public void run() {
            synchronized (lock) {
                if (cancelled) {
                    return;
                }
            }
            Object v = null;
            Throwable t = null;
            try {
                v = body.call();
            } catch (Throwable e) {
                t = e;
            }
            synchronized (lock) {
                done = true;
                value = v;
                failure = t;
            }
            if (t instanceof Error) {
                throw (Error) t;
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            synchronized (lock) {
                return unit.convert(atNanos - nowNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public int compareTo(Delayed o) {
            Task other = (Task) o;
            int c = Long.compare(atNanos, other.atNanos);
            return c != 0 ? c : Long.compare(seq, other.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (lock) {
                if (done || cancelled) {
                    return false;
                }
                cancelled = true;
                queue.remove(this);
                return true;
            }
        }

        @Override
        public boolean isCancelled() {
            synchronized (lock) {
                return cancelled;
            }
        }

        @Override
        public boolean isDone() {
            synchronized (lock) {
                return done || cancelled;
            }
        }

        @Override
        public Object get() throws ExecutionException {
            synchronized (lock) {
                if (!done) {
                    throw new IllegalStateException("a fake-clock task completes only when the test moves time");
                }
                if (failure != null) {
                    throw new ExecutionException(failure);
                }
                return value;
            }
        }

        @Override
        public Object get(long timeout, TimeUnit unit) throws ExecutionException {
            return get();
        }
    }

    /** An executor service the test owns: shutting it down is the test's business, so it does nothing. */
    private abstract static class TestOwned extends AbstractExecutorService {
        @Override
        public void shutdown() {
            // owned by the test
        }

        @Override
        public List<Runnable> shutdownNow() {
            return new ArrayList<>();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    private final class Executor extends TestOwned implements ScheduledExecutorService {

        private ScheduledFuture<?> add(long delay, TimeUnit unit, Callable<?> body) {
            synchronized (lock) {
                Task t = new Task(nowNanos + Math.max(0, unit.toNanos(delay)), sequence++, body);
                queue.add(t);
                return t;
            }
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return add(delay, unit, () -> {
                command.run();
                return null;
            });
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            @SuppressWarnings("unchecked")
            ScheduledFuture<V> f = (ScheduledFuture<V>) add(delay, unit, callable);
            return f;
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
                TimeUnit unit) {
            throw new UnsupportedOperationException("the health checker schedules one task at a time");
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                TimeUnit unit) {
            throw new UnsupportedOperationException("the health checker schedules one task at a time");
        }

        @Override
        public void execute(Runnable command) {
            schedule(command, 0, TimeUnit.NANOSECONDS);
        }
    }

    /** An executor service that runs each task at once on the submitting thread. */
    static final class Direct extends TestOwned {
        @Override
        public void execute(Runnable command) {
            command.run();
        }
    }
}
