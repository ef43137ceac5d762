package io.jvs.netty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.jvs.api.Endpoint;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.api.Refusal;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import io.jvs.netty.Lbs;
import io.jvs.netty.Transport;
import io.jvs.netty.UdpBackend;
import io.jvs.netty.UdpClient;
import io.jvs.netty.internal.RecordingBinding.RecordingConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The UDP flow slots (maxUdpFlows, maxConnections) when the director ends a flow's entry in unusual ways. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpFlowSlotTest {

    /**
     * A binding that, when asked to, expires the client's entry synchronously inside {@code open} before placing a new
     * one, as the director does on the data path's own thread ({@code ConnectionTable.expireNow}, called from
     * {@code ServiceEntry.open} when {@code expireNodestConn} is on and the flow's server was deleted).
     */
    private static final class ExpiringBinding implements RunningService {
        final RecordingBinding inner;
        volatile boolean expireOnNextOpen;
        volatile RecordingConnection current;

        ExpiringBinding(VirtualService service) {
            this.inner = new RecordingBinding(service);
        }

        @Override
        public ServiceId id() {
            return inner.id();
        }

        @Override
        public VirtualService service() {
            return inner.service();
        }

        @Override
        public Outcome open(FlowRequest r) {
            RecordingConnection c = current;
            if (c != null && !expireOnNextOpen) {
                r.connection(c);
                return Outcome.FOUND; // the live flow
            }
            if (c != null) {
                expireOnNextOpen = false;
                Connection.Closer closer = c.closer;
                c.closer = null;
                if (closer != null) {
                    closer.close(true); // on this (the event loop's) thread, inside open()
                }
            }
            Outcome o = inner.open(r);
            current = (RecordingConnection) r.connection();
            return o;
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
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jvs.netty.Lbs#transports")
    void entryExpiredInsideOpen_theNewFlowHoldsExactlyOneSlot(Transport t) throws Exception {
        int port = UdpBackend.freePort();
        try (UdpBackend a = new UdpBackend("a"); UdpClient cl = new UdpClient()) {
            VirtualService service = VirtualService.udp("127.0.0.1", port).scheduler("rr")
                    .realServer(RealServer.of(a.address())).build();
            ExpiringBinding binding = new ExpiringBinding(service);
            NettyDataPath dp = new NettyDataPath(new DataPathConfig(Transports.of(t), 1, 2000, 3, 65536, List.of(),
                    500, null, false, 4096, 1024, false));
            Endpoint endpoint = Endpoint.of(Protocol.UDP, new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    port));
            InetSocketAddress vip = endpoint.address();
            try {
                dp.bind(binding, endpoint).get(10, TimeUnit.SECONDS);
                assertEquals("a|one", cl.ask(vip, "one").text());
                assertEquals(1, dp.stats().udpFlows());
                binding.expireOnNextOpen = true;
                assertEquals("a|two", cl.ask(vip, "two").text());
                assertNotNull(binding.current.closer, "the new flow is attached to the new entry");
                assertEquals(1, dp.stats().udpFlows(), "one client, one flow, one slot: " + dp.stats());
            } finally {
                dp.unbind(binding, endpoint).get(10, TimeUnit.SECONDS);
                Lbs.await(() -> dp.stats().udpFlows() == 0, Duration.ofSeconds(5), () -> dp.stats().toString());
                assertEquals(0, dp.stats().udpFlows(), "every slot given back exactly once: " + dp.stats());
                dp.close();
            }
        }
    }
}
