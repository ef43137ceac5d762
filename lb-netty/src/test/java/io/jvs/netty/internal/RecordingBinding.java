package io.jvs.netty.internal;

import io.jvs.api.Destination;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.api.Refusal;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/** A service binding without a director: it places every connection on one server and records what it hears. */
final class RecordingBinding implements RunningService {

    private final VirtualService service;
    private final RealServer server;
    final BlockingQueue<RecordingConnection> opened = new LinkedBlockingQueue<>();

    RecordingBinding(VirtualService service) {
        this.service = service;
        this.server = service.realServers().get(0);
    }

    @Override
    public ServiceId id() {
        return service.id();
    }

    @Override
    public VirtualService service() {
        return service;
    }

    @Override
    public Outcome open(FlowRequest r) {
        if (r.flowLimit() != null && !r.flowLimit().tryAcquire()) {
            return Outcome.FLOW_LIMIT; // the data path's limit, as the director checks it
        }
        RecordingConnection c = new RecordingConnection(this, r.client(), r.virtual());
        opened.add(c);
        r.connection(c);
        return Outcome.PLACED;
    }

    @Override
    public Outcome lookup(FlowRequest r) {
        return Outcome.NO_ENTRY;
    }

    @Override
    public Outcome admitPeer(InetSocketAddress peer) {
        return Outcome.ADMITTED;
    }

    @Override
    public void refused(Refusal reason) {}

    @Override
    public boolean atConnectionLimit() {
        return false;
    }

    /** Records the events of one connection, in order, as words: connected, in:N, out:N, client-fin, ... */
    static final class RecordingConnection implements Connection {
        final RecordingBinding binding;
        final InetSocketAddress client;
        final InetSocketAddress virtual;
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile Closer closer;
        volatile long in;
        volatile long out;

        RecordingConnection(RecordingBinding binding, InetSocketAddress client, InetSocketAddress virtual) {
            this.binding = binding;
            this.client = client;
            this.virtual = virtual;
        }

        @Override
        public ServiceId service() {
            return binding.id();
        }

        @Override
        public Protocol protocol() {
            return Protocol.TCP;
        }

        @Override
        public InetSocketAddress client() {
            return client;
        }

        @Override
        public InetSocketAddress virtual() {
            return virtual;
        }

        @Override
        public Destination destination() {
            RealServer rs = binding.server;
            return new Destination() {
                @Override
                public RealServer server() {
                    return rs;
                }

                @Override
                public InetSocketAddress address() {
                    return rs.address();
                }

                @Override
                public int weight() {
                    return rs.weight();
                }

                @Override
                public int lastWeight() {
                    return rs.weight();
                }

                @Override
                public int activeConnections() {
                    return 0;
                }

                @Override
                public int inactiveConnections() {
                    return 0;
                }

                @Override
                public int persistentConnections() {
                    return 0;
                }

                @Override
                public boolean isOverloaded() {
                    return false;
                }

                @Override
                public boolean isAvailable() {
                    return true;
                }
            };
        }

        @Override
        public InetSocketAddress destinationAddress() {
            return binding.server.address();
        }

        @Override
        public boolean reschedule() {
            events.add("reschedule");
            return false;
        }

        @Override
        public void attach(Closer closer) {
            events.add("attach");
            this.closer = closer;
        }

        @Override
        public void onBackendConnected() {
            events.add("connected");
        }

        @Override
        public void onClientFin() {
            events.add("client-fin");
        }

        @Override
        public void onServerFin() {
            events.add("server-fin");
        }

        @Override
        public void onReset() {
            events.add("reset");
        }

        @Override
        public void onClosed() {
            events.add("closed");
        }

        @Override
        public void countInbound(int bytes) {
            in += bytes;
        }

        @Override
        public void countOutbound(int bytes) {
            out += bytes;
        }

        /** The events without the byte counts. */
        @Override
        public String toString() {
            return events.toString();
        }
    }
}
