package io.jvs.cluster.internal;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jgroups.raft.StateMachine;

/**
 * The replicated configuration: applies committed {@link ConfigCommand}s, in log order, first to a model
 * {@link Director} (no data path) whose answers are the cluster's answers, then to the member's own load balancer.
 *
 * <p>The model decides: the same log gives every member the same model, so the same refusals, the same services
 * and the same real-server order. The local load balancer follows the model; when it cannot (an address it cannot
 * bind, a forwarding method its data path lacks) the member keeps serving what it has and reports a local fault
 * ({@link #faults()}) instead of diverging silently.
 *
 * <p>The {@linkplain #epoch() epoch} counts the configuration changes of the log (read barriers do not count), so
 * two members that applied the same prefix of the log have the same epoch and the same {@linkplain #hash() hash}.
 * Every method but the read accessors runs on the Raft thread, one at a time.
 */
public final class ConfigStateMachine implements StateMachine {

    private static final Logger LOG = System.getLogger(ConfigStateMachine.class.getName());
    private static final int SNAPSHOT_VERSION = 1;

    /** Outcome codes of a response. */
    static final int APPLIED = 0;
    static final int REFUSED = 1;
    static final int INVALID = 2;

    private final LoadBalancer local;
    private volatile Director model = newModel();
    private volatile long epoch;
    private volatile String hash;
    private final Map<Long, CompletableFuture<Outcome>> pending = new ConcurrentHashMap<>();
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private final Map<ServiceId, String> faults = new ConcurrentHashMap<>();
    /**
     * The outcomes of the last {@value #RECENT} proposals by nonce, in log order: a proposer that retries after a
     * leader change may have its entry in the log twice, and the second one must change nothing. Part of the
     * replicated state (snapshots carry it), so every member skips the same entries.
     */
    private final LinkedHashMap<Long, Outcome> recent = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Outcome> eldest) {
            return size() > RECENT;
        }
    };
    private static final int RECENT = 4096;
    private volatile String globalFault;

    /** What applying one command did, for the member that proposed it. */
    public record Outcome(int code, long epoch, LoadBalancerException.Reason reason, String message,
            CompletableFuture<Void> local) {}

    /** A state machine that drives {@code local}, which must have no services. */
    public ConfigStateMachine(LoadBalancer local) {
        this.local = local;
        this.hash = computeHash(model);
    }

    private static Director newModel() {
        return Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .maxConnections(16).build();
    }

    /**
     * Registers interest in the command with {@code nonce}: when this member applies it, the future completes with
     * the outcome and the local data path's future.
     */
    public CompletableFuture<Outcome> expect(long nonce) {
        CompletableFuture<Outcome> f = new CompletableFuture<>();
        pending.put(nonce, f);
        return f;
    }

    /** Forgets a command registered with {@link #expect}. */
    public void forget(long nonce) {
        pending.remove(nonce);
    }

    /** A future that completes once this member has applied {@code epoch} configuration changes. */
    public CompletableFuture<Void> awaitEpoch(long target) {
        synchronized (waiters) {
            if (epoch >= target) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            waiters.computeIfAbsent(target, k -> new ArrayList<>()).add(f);
            return f;
        }
    }

    private void advance(long e) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (waiters) {
            epoch = e;
            while (!waiters.isEmpty() && waiters.firstKey() <= e) {
                done.addAll(waiters.pollFirstEntry().getValue());
            }
        }
        done.forEach(f -> f.complete(null));
    }

    /** The number of configuration changes applied. */
    public long epoch() {
        return epoch;
    }

    /** The hash of the configuration: services, their options, real servers in IPVS order, timeouts. */
    public String hash() {
        return hash;
    }

    /** The hash of what the local load balancer has; equal to {@link #hash()} unless a local fault diverged it. */
    public String localHash() {
        return computeHash(local);
    }

    /** The cluster's configuration, as the model holds it. */
    public LoadBalancer model() {
        return model;
    }

    /** The local faults: what the local load balancer could not apply, by service (empty when in step). */
    public Map<String, String> faults() {
        Map<String, String> m = new LinkedHashMap<>();
        if (globalFault != null) {
            m.put("*", globalFault);
        }
        faults.forEach((id, msg) -> m.put(id.toString(), msg));
        return m;
    }

    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
        long nonce = ConfigCodec.nonce(data, offset, length);
        CompletableFuture<Outcome> waiter = nonce == 0 ? null : pending.remove(nonce);
        Outcome seen = nonce == 0 ? null : recent.get(nonce);
        if (seen != null) {
            return finish(seen, waiter, 0); // a retried proposal: already applied once
        }
        Outcome o = apply(data, offset, length);
        return finish(o, waiter, nonce);
    }

    private Outcome apply(byte[] data, int offset, int length) {
        Outcome o;
        ConfigCommand c;
        try {
            c = ConfigCodec.decode(data, offset, length);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "invalid configuration entry ignored: " + e.getMessage());
            advance(epoch + 1);
            o = new Outcome(INVALID, epoch, null, e.getMessage(), CompletableFuture.completedFuture(null));
            return o;
        }
        if (!c.changes()) {
            o = new Outcome(APPLIED, epoch, null, null, CompletableFuture.completedFuture(null));
            return o;
        }
        Director m = model;
        try {
            c.applyTo(m).join();
        } catch (LoadBalancerException e) {
            advance(epoch + 1);
            return new Outcome(REFUSED, epoch, e.reason(), e.getMessage(), null);
        } catch (IllegalArgumentException | IllegalStateException e) {
            advance(epoch + 1);
            return new Outcome(INVALID, epoch, null, e.getMessage(), null);
        }
        CompletableFuture<Void> localFuture = applyLocally(c);
        hash = computeHash(m);
        advance(epoch + 1);
        return new Outcome(APPLIED, epoch, null, null, localFuture);
    }

    private CompletableFuture<Void> applyLocally(ConfigCommand c) {
        CompletableFuture<Void> f;
        try {
            f = c.applyTo(local);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        ServiceId id = c.id();
        f.whenComplete((v, t) -> {
            if (t == null) {
                if (id != null) {
                    if (c.op() == ConfigCommand.Op.STOP) {
                        faults.remove(id);
                    } else if (local.service(id).isPresent()) {
                        faults.remove(id);
                    }
                } else if (c.op() == ConfigCommand.Op.CLEAR) {
                    faults.clear();
                    globalFault = null;
                }
                return;
            }
            Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                    ? t.getCause() : t;
            String msg = c + ": " + cause.getMessage();
            LOG.log(Level.WARNING, "this member could not apply the committed change " + msg);
            if (id != null) {
                faults.put(id, msg);
            } else {
                globalFault = msg;
            }
        });
        return f;
    }

    private byte[] finish(Outcome o, CompletableFuture<Outcome> waiter, long nonce) {
        if (nonce != 0) {
            recent.put(nonce, new Outcome(o.code(), o.epoch(), o.reason(), o.message(), null));
        }
        if (waiter != null) {
            waiter.complete(o);
        }
        return response(o);
    }

    /** The bytes the leader returns to the proposer. */
    static byte[] response(Outcome o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(o.code());
            out.writeLong(o.epoch());
            out.writeByte(o.reason() == null ? 0 : o.reason().ordinal() + 1);
            out.writeUTF(o.message() == null ? "" : truncate(o.message()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    /** Reads a response written by {@link #response}; the local future is null. */
    public static Outcome parseResponse(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            int code = in.readUnsignedByte();
            long e = in.readLong();
            int r = in.readUnsignedByte();
            String msg = in.readUTF();
            return new Outcome(code, e, r == 0 ? null : LoadBalancerException.Reason.values()[r - 1], msg, null);
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("config response: " + e, e);
        }
    }

    private static String truncate(String s) {
        return s.length() > 8000 ? s.substring(0, 8000) : s;
    }

    @Override
    public void writeContentTo(DataOutput out) throws IOException {
        Director m = model;
        out.writeByte(SNAPSHOT_VERSION);
        out.writeLong(epoch);
        Timeouts t = m.timeouts();
        out.writeInt((int) t.tcp().getSeconds());
        out.writeInt((int) t.tcpFin().getSeconds());
        out.writeInt((int) t.udp().getSeconds());
        out.writeInt(recent.size());
        for (Map.Entry<Long, Outcome> r : recent.entrySet()) {
            out.writeLong(r.getKey());
            byte[] b = response(r.getValue());
            out.writeInt(b.length);
            out.write(b);
        }
        List<ServiceStatus> services = m.services();
        out.writeInt(services.size());
        for (ServiceStatus s : services) {
            byte[] b = ConfigCodec.encode(ConfigCommand.start(s.service()));
            out.writeInt(b.length);
            out.write(b);
        }
    }

    @Override
    public void readContentFrom(DataInput in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != SNAPSHOT_VERSION) {
            throw new IOException("config snapshot: version: " + version + " (expected: " + SNAPSHOT_VERSION + ")");
        }
        long e = in.readLong();
        Timeouts t = Timeouts.ofSeconds(in.readInt(), in.readInt(), in.readInt());
        LinkedHashMap<Long, Outcome> seen = new LinkedHashMap<>();
        for (int i = in.readInt(); i > 0; i--) {
            long nonce = in.readLong();
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            seen.put(nonce, parseResponse(b));
        }
        int n = in.readInt();
        List<VirtualService> services = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            services.add(ConfigCodec.decode(b, 0, b.length).service());
        }
        Director m = newModel();
        m.setTimeouts(t);
        for (VirtualService s : services) {
            m.start(s).join();
        }
        model = m;
        recent.clear();
        recent.putAll(seen);
        reconcileLocal(m);
        hash = computeHash(m);
        advance(e);
        LOG.log(Level.INFO, "configuration snapshot installed: epoch " + e + ", " + n + " services, hash " + hash);
    }

    /** Makes the local load balancer hold what {@code m} holds, leaving services that already match alone. */
    private void reconcileLocal(Director m) {
        Map<ServiceId, ServiceStatus> wanted = new LinkedHashMap<>();
        for (ServiceStatus s : m.services()) {
            wanted.put(s.id(), s);
        }
        for (ServiceStatus s : local.services()) {
            if (!wanted.containsKey(s.id())) {
                applyLocally(ConfigCommand.stop(s.id()));
            }
        }
        applyLocally(ConfigCommand.setTimeouts(m.timeouts()));
        for (ServiceStatus s : wanted.values()) {
            Optional<ServiceStatus> have = local.service(s.id());
            if (have.isPresent() && same(have.get(), s)) {
                continue;
            }
            if (have.isPresent()) {
                local.stop(s.id()).join();
            }
            applyLocally(ConfigCommand.start(s.service()));
        }
    }

    private static boolean same(ServiceStatus a, ServiceStatus b) {
        return serviceBytes(a).equals(serviceBytes(b));
    }

    private static String serviceBytes(ServiceStatus s) {
        Wire.Writer w = new Wire.Writer(128);
        ConfigCodec.service(w, s.service());
        w.u16(s.realServers().size());
        for (RealServerStatus r : s.realServers()) {
            w.socketAddress(r.server().address());
        }
        return HexFormat.of().formatHex(w.toByteArray());
    }

    /** SHA-256 of the timeouts and of every service with its real servers in IPVS order, first 16 bytes in hex. */
    static String computeHash(LoadBalancer lb) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        Timeouts t = lb.timeouts();
        Wire.Writer w = new Wire.Writer(64);
        w.i32((int) t.tcp().getSeconds()).i32((int) t.tcpFin().getSeconds()).i32((int) t.udp().getSeconds());
        md.update(w.toByteArray());
        for (ServiceStatus s : lb.services()) {
            md.update(serviceBytes(s).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return HexFormat.of().formatHex(md.digest(), 0, 16);
    }
}
