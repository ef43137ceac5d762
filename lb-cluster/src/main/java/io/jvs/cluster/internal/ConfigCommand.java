package io.jvs.cluster.internal;

import io.jvs.api.LoadBalancer;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One change of the replicated configuration, as a log entry carries it: a {@link LoadBalancer} call with its
 * whole arguments, or a read barrier. An immutable value.
 */
public final class ConfigCommand {

    /** The operations, with their codes on the wire. */
    public enum Op {
        /** {@link LoadBalancer#start}. */
        START(1),
        /** {@link LoadBalancer#update}. */
        UPDATE(2),
        /** {@link LoadBalancer#stop}. */
        STOP(3),
        /** {@link LoadBalancer#addRealServer}. */
        ADD_SERVER(4),
        /** {@link LoadBalancer#editRealServer}. */
        EDIT_SERVER(5),
        /** {@link LoadBalancer#removeRealServer}. */
        REMOVE_SERVER(6),
        /** {@link LoadBalancer#clear}. */
        CLEAR(7),
        /** {@link LoadBalancer#zeroCounters()}. */
        ZERO_ALL(8),
        /** {@link LoadBalancer#zeroCounters(ServiceId)}. */
        ZERO(9),
        /** {@link LoadBalancer#setTimeouts}. */
        SET_TIMEOUTS(10),
        /** No change: a position in the log that a linearizable read waits for. */
        BARRIER(11);

        final int code;

        Op(int code) {
            this.code = code;
        }

        static Op of(int code) {
            for (Op op : values()) {
                if (op.code == code) {
                    return op;
                }
            }
            return null;
        }
    }

    private final Op op;
    private final VirtualService service;
    private final ServiceId id;
    private final RealServer server;
    private final InetSocketAddress address;
    private final Timeouts timeouts;

    private ConfigCommand(Op op, VirtualService service, ServiceId id, RealServer server, InetSocketAddress address,
            Timeouts timeouts) {
        this.op = op;
        this.service = service;
        this.id = id;
        this.server = server;
        this.address = address;
        this.timeouts = timeouts;
    }

    /** {@link LoadBalancer#start} of {@code s}. */
    public static ConfigCommand start(VirtualService s) {
        return new ConfigCommand(Op.START, s, s.id(), null, null, null);
    }

    /** {@link LoadBalancer#update} to {@code s}. */
    public static ConfigCommand update(VirtualService s) {
        return new ConfigCommand(Op.UPDATE, s, s.id(), null, null, null);
    }

    /** {@link LoadBalancer#stop} of {@code id}. */
    public static ConfigCommand stop(ServiceId id) {
        return new ConfigCommand(Op.STOP, null, id, null, null, null);
    }

    /** {@link LoadBalancer#addRealServer}. */
    public static ConfigCommand addServer(ServiceId id, RealServer rs) {
        return new ConfigCommand(Op.ADD_SERVER, null, id, rs, null, null);
    }

    /** {@link LoadBalancer#editRealServer}. */
    public static ConfigCommand editServer(ServiceId id, RealServer rs) {
        return new ConfigCommand(Op.EDIT_SERVER, null, id, rs, null, null);
    }

    /** {@link LoadBalancer#removeRealServer}. */
    public static ConfigCommand removeServer(ServiceId id, InetSocketAddress address) {
        return new ConfigCommand(Op.REMOVE_SERVER, null, id, null, address, null);
    }

    /** {@link LoadBalancer#clear}. */
    public static ConfigCommand clear() {
        return new ConfigCommand(Op.CLEAR, null, null, null, null, null);
    }

    /** {@link LoadBalancer#zeroCounters()}. */
    public static ConfigCommand zeroAll() {
        return new ConfigCommand(Op.ZERO_ALL, null, null, null, null, null);
    }

    /** {@link LoadBalancer#zeroCounters(ServiceId)}. */
    public static ConfigCommand zero(ServiceId id) {
        return new ConfigCommand(Op.ZERO, null, id, null, null, null);
    }

    /** {@link LoadBalancer#setTimeouts}. */
    public static ConfigCommand setTimeouts(Timeouts t) {
        return new ConfigCommand(Op.SET_TIMEOUTS, null, null, null, null, t);
    }

    /** A read barrier: changes nothing, marks a position in the log. */
    public static ConfigCommand barrier() {
        return new ConfigCommand(Op.BARRIER, null, null, null, null, null);
    }

    /** The operation. */
    public Op op() {
        return op;
    }

    /** The service of START and UPDATE, else null. */
    public VirtualService service() {
        return service;
    }

    /** The service id the command names, or null for CLEAR, ZERO_ALL, SET_TIMEOUTS and BARRIER. */
    public ServiceId id() {
        return id;
    }

    /** The real server of ADD_SERVER and EDIT_SERVER, else null. */
    public RealServer server() {
        return server;
    }

    /** The real server address of REMOVE_SERVER, else null. */
    public InetSocketAddress address() {
        return address;
    }

    /** The timeouts of SET_TIMEOUTS, else null. */
    public Timeouts timeouts() {
        return timeouts;
    }

    /** Whether the command changes the configuration (everything but a barrier). */
    public boolean changes() {
        return op != Op.BARRIER;
    }

    /**
     * Applies the command to {@code lb}. The futures of start, stop and clear are returned (others complete at
     * once); a refusal throws as {@code lb} throws it.
     */
    public CompletableFuture<Void> applyTo(LoadBalancer lb) {
        switch (op) {
            case START:
                return lb.start(service);
            case UPDATE:
                lb.update(service);
                break;
            case STOP:
                return lb.stop(id);
            case ADD_SERVER:
                lb.addRealServer(id, server);
                break;
            case EDIT_SERVER:
                lb.editRealServer(id, server);
                break;
            case REMOVE_SERVER:
                lb.removeRealServer(id, address);
                break;
            case CLEAR:
                return lb.clear();
            case ZERO_ALL:
                lb.zeroCounters();
                break;
            case ZERO:
                lb.zeroCounters(id);
                break;
            case SET_TIMEOUTS:
                lb.setTimeouts(timeouts);
                break;
            case BARRIER:
                break;
            default:
                throw new AssertionError(op);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ConfigCommand)) {
            return false;
        }
        ConfigCommand c = (ConfigCommand) o;
        return op == c.op && Objects.equals(service, c.service) && Objects.equals(id, c.id)
                && Objects.equals(server, c.server) && Objects.equals(address, c.address)
                && Objects.equals(timeouts, c.timeouts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, service, id, server, address, timeouts);
    }

    @Override
    public String toString() {
        switch (op) {
            case START:
            case UPDATE:
                return op + " " + service;
            case STOP:
            case ZERO:
                return op + " " + id;
            case ADD_SERVER:
            case EDIT_SERVER:
                return op + " " + id + " " + server;
            case REMOVE_SERVER:
                return op + " " + id + " " + address;
            case SET_TIMEOUTS:
                return op + " " + timeouts;
            default:
                return op.toString();
        }
    }
}
