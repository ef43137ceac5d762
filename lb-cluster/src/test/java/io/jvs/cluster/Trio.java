package io.jvs.cluster;

import io.jvs.api.LoadBalancer;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.testing.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Three cluster members in this JVM on 127.0.0.1, each around its own detached {@link Director}, with fast failure
 * detection. Members can be closed, restarted (same address and log directory, fresh director) and cut off.
 */
final class Trio implements AutoCloseable {

    static final Duration FAILURE_DETECTION = Duration.ofMillis(1500);
    /** Generous: the machine has two cores shared with other builds. */
    static final Duration PATIENCE = Duration.ofSeconds(40);

    private final String name;
    private final List<InetSocketAddress> addresses = new ArrayList<>();
    private final Path logs;
    private final ClusteredLoadBalancer[] members = new ClusteredLoadBalancer[3];

    Trio(String name, Path logs) throws IOException {
        this.name = name;
        this.logs = logs;
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int i = 0; i < 3; i++) {
            addresses.add(new InetSocketAddress(lo, Ports.tcp()));
        }
        for (int i = 0; i < 3; i++) {
            members[i] = open(i);
        }
        awaitLeader();
    }

    ClusteredLoadBalancer open(int i) {
        LoadBalancer local = Director.builder().dataPath(DataPath.detached()).rateEstimator(false)
                .connectionTimer(false).maxConnections(1024).build();
        List<InetSocketAddress> peers = new ArrayList<>(addresses);
        peers.remove(i);
        return ClusteredLoadBalancer.builder(local).cluster(name).bind(addresses.get(i)).peers(peers)
                .logDirectory(logs.resolve("m" + i)).failureDetection(FAILURE_DETECTION)
                .commitTimeout(Duration.ofSeconds(15)).partitionable().build();
    }

    ClusteredLoadBalancer get(int i) {
        return members[i];
    }

    void kill(int i) {
        members[i].close();
        members[i] = null;
    }

    ClusteredLoadBalancer restart(int i) {
        members[i] = open(i);
        return members[i];
    }

    void awaitLeader() {
        await("a leader known to every running member", () -> {
            String leader = null;
            for (ClusteredLoadBalancer m : members) {
                if (m == null) {
                    continue;
                }
                ClusterStatus s = m.status();
                if (s.leader() == null || leader != null && !leader.equals(s.leader())) {
                    return false;
                }
                leader = s.leader();
            }
            return true;
        });
    }

    /** Waits until every running member has the same epoch and hash; returns the hash. */
    String awaitConverged() {
        await("every running member at the same epoch and hash", () -> {
            ClusterStatus first = null;
            for (ClusteredLoadBalancer m : members) {
                if (m == null) {
                    continue;
                }
                ClusterStatus s = m.status();
                if (first == null) {
                    first = s;
                } else if (s.epoch() != first.epoch() || !s.hash().equals(first.hash())) {
                    return false;
                }
            }
            return true;
        });
        for (ClusteredLoadBalancer m : members) {
            if (m != null) {
                return m.configHash();
            }
        }
        throw new AssertionError("no member running");
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + PATIENCE.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < 3; i++) {
            if (members[i] != null) {
                try {
                    members[i].close();
                } catch (RuntimeException e) {
                    // keep closing the others
                }
                members[i] = null;
            }
        }
    }
}
