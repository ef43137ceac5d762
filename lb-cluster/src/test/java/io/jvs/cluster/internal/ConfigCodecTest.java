package io.jvs.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.RealServer;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.SourceLimit;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigCodecTest {

    static VirtualService rich() throws Exception {
        return VirtualService.tcp("10.0.0.1", 443).scheduler("sh").persistence(Duration.ofSeconds(600))
                .persistenceNetmask(InetAddress.getByName("255.0.255.0"))
                .schedulerFlags(EnumSet.of(SchedulerFlag.FLAG_1, SchedulerFlag.FLAG_2)).maxConnections(1000)
                .acceptProxyProtocol(List.of(Cidr.parse("192.0.2.0/24")))
                .allow(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")))
                .deny(List.of(Cidr.parse("10.66.0.0/16")))
                .sourceLimit(SourceLimit.maxConnections(50).withRate(20, 40).withPrefixLengths(24, 48)
                        .withMaxSources(1024))
                .awaitClientData(Duration.ofNanos(1_500_000))
                .realServer(RealServer.of("192.168.1.1", 8443).withWeight(65535).withThresholds(100, 80)
                        .withProxyProtocol(ProxyProtocol.V2))
                .realServer(RealServer.of("192.168.1.2", 0).withWeight(0).withForwardingMethod(ForwardingMethod.DR))
                .build();
    }

    static VirtualService fwmark6() {
        return VirtualService.builder(ServiceId.fwmark(-7, StandardProtocolFamily.INET6)).scheduler("mh")
                .persistence(Duration.ofSeconds(1)).persistenceNetmask(64).onePacket()
                .endpoint(Protocol.UDP, new InetSocketAddress("2001:db8::1", 53))
                .endpoint(Protocol.TCP, new InetSocketAddress("2001:db8::1", 53))
                .realServer(RealServer.of("2001:db8::10", 53).withForwardingMethod(ForwardingMethod.TUN))
                .build();
    }

    @Test
    void everyCommandRoundTrips() throws Exception {
        ServiceId id = ServiceId.udp(new InetSocketAddress("::1", 5353));
        List<ConfigCommand> all = List.of(ConfigCommand.start(rich()), ConfigCommand.update(fwmark6()),
                ConfigCommand.start(VirtualService.udp("127.0.0.1", 53).build()), ConfigCommand.stop(id),
                ConfigCommand.addServer(id, RealServer.of("::2", 1).withWeight(9)),
                ConfigCommand.editServer(id, RealServer.of("::2", 1).withThresholds(5, 0)),
                ConfigCommand.removeServer(id, new InetSocketAddress("::2", 1)), ConfigCommand.clear(),
                ConfigCommand.zeroAll(), ConfigCommand.zero(ServiceId.fwmark(1, StandardProtocolFamily.INET)),
                ConfigCommand.setTimeouts(Timeouts.ofSeconds(1, 0, 2678400)), ConfigCommand.barrier());
        for (ConfigCommand c : all) {
            byte[] b = ConfigCodec.encode(c, 42);
            assertEquals(c, ConfigCodec.decode(b, 0, b.length), c.toString());
            assertEquals(42, ConfigCodec.nonce(b, 0, b.length));
            byte[] shifted = new byte[b.length + 5];
            System.arraycopy(b, 0, shifted, 3, b.length);
            assertEquals(c, ConfigCodec.decode(shifted, 3, b.length), "at an offset");
        }
    }

    @Test
    void aTruncatedMessageFailsNamingTheField() throws Exception {
        byte[] b = ConfigCodec.encode(ConfigCommand.start(rich()), 1);
        for (int n = 0; n < b.length; n++) {
            final int len = n;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ConfigCodec.decode(b, 0, len), "length " + n);
            assertTrue(e.getMessage().startsWith("config message: "), e.getMessage());
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
        byte[] longer = java.util.Arrays.copyOf(b, b.length + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigCodec.decode(longer, 0, longer.length));
        assertEquals("config message: length: 1 bytes after the last field (expected: nothing after the last field)",
                e.getMessage());
    }

    @Test
    void badValuesFailNamingTheFieldAndTheRange() {
        ServiceId id = ServiceId.tcp(new InetSocketAddress("10.0.0.1", 80));
        byte[] b = ConfigCodec.encode(ConfigCommand.addServer(id, RealServer.of("192.168.1.1", 80)), 7);
        // header 11, id 1+1+4+2, server address 1+4+2, weight 2, method 1
        int method = 11 + 8 + 7 + 2;
        b[method] = 9;
        assertEquals("config message: realServer.forwardingMethod: 9 (expected: 0-3)", decodeError(b));
        b[method] = 0;
        b[11 + 8 + 7 + 2 + 1 + 4 + 3] = 5; // lower threshold 5 > upper 0
        assertEquals("config message: realServer.lowerThreshold: 5 (expected: 0-0)", decodeError(b));
        byte[] v = ConfigCodec.encode(ConfigCommand.barrier(), 0);
        v[1] = 2;
        assertEquals("config message: version: 2 (expected: 1-1)", decodeError(v));
        v[1] = 1;
        v[2] = 99;
        assertEquals("config message: op: 99 (expected: 1-11)", decodeError(v));
        v[0] = 0;
        assertEquals("config message: magic: 0x0 (expected: 0x4a)", decodeError(v));
        byte[] s = ConfigCodec.encode(ConfigCommand.start(VirtualService.tcp("10.0.0.1", 80).scheduler("rr").build()));
        int name = 11 + 8 + 1;
        s[name] = 'x'; // "xr": no such scheduler
        assertTrue(decodeError(s).startsWith("config message: service.scheduler: "), decodeError(s));
    }

    private static String decodeError(byte[] b) {
        return assertThrows(IllegalArgumentException.class, () -> ConfigCodec.decode(b, 0, b.length)).getMessage();
    }

    @Test
    void aSnapshotRebuildsTheSameServicesInTheSameOrder() throws Exception {
        Director a = Director.builder().dataPath(DataPath.detached()).build();
        ConfigStateMachine sm = new ConfigStateMachine(a);
        apply(sm, ConfigCommand.start(rich()));
        apply(sm, ConfigCommand.start(fwmark6()));
        ServiceId id = rich().id();
        apply(sm, ConfigCommand.addServer(id, RealServer.of("192.168.1.3", 8443)));
        apply(sm, ConfigCommand.removeServer(id, new InetSocketAddress("192.168.1.1", 8443)));
        apply(sm, ConfigCommand.addServer(id, RealServer.of("192.168.1.1", 8443)));
        apply(sm, ConfigCommand.editServer(id, RealServer.of("192.168.1.2", 0).withWeight(4)));
        apply(sm, ConfigCommand.setTimeouts(Timeouts.ofSeconds(7, 8, 9)));
        apply(sm, ConfigCommand.barrier());
        assertEquals(7, sm.epoch(), "barriers do not count");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sm.writeContentTo(new DataOutputStream(bytes));
        Director b = Director.builder().dataPath(DataPath.detached()).build();
        ConfigStateMachine copy = new ConfigStateMachine(b);
        copy.readContentFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(sm.hash(), copy.hash());
        assertEquals(sm.epoch(), copy.epoch());
        assertEquals(sm.hash(), copy.localHash(), "the local director got the same services in the same order");
        assertEquals(a.service(id).orElseThrow().realServers(), b.service(id).orElseThrow().realServers());
    }

    @Test
    void anInvalidEntryChangesNothingButCountsTheSameEverywhere() throws Exception {
        Director a = Director.builder().dataPath(DataPath.detached()).build();
        ConfigStateMachine sm = new ConfigStateMachine(a);
        String empty = sm.hash();
        byte[] bad = {0x4A, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9};
        ConfigStateMachine.Outcome o = ConfigStateMachine.parseResponse(sm.apply(bad, 0, bad.length, true));
        assertEquals(ConfigStateMachine.INVALID, o.code());
        assertEquals("config message: service.id.kind: 9 (expected: 0-2)", o.message());
        assertEquals(empty, sm.hash());
        assertEquals(1, sm.epoch());
        assertEquals(0, a.services().size());
    }

    @Test
    void aRetriedProposalIsAppliedOnceAlsoAfterASnapshot() throws Exception {
        Director a = Director.builder().dataPath(DataPath.detached()).build();
        ConfigStateMachine sm = new ConfigStateMachine(a);
        byte[] add = ConfigCodec.encode(ConfigCommand.start(rich()), 77);
        assertEquals(ConfigStateMachine.APPLIED, ConfigStateMachine.parseResponse(sm.apply(add, 0, add.length, true))
                .code());
        ConfigStateMachine.Outcome again = ConfigStateMachine.parseResponse(sm.apply(add, 0, add.length, true));
        assertEquals(ConfigStateMachine.APPLIED, again.code(), "the first outcome, not Service already exists");
        assertEquals(1, sm.epoch(), "the duplicate is not a change");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sm.writeContentTo(new DataOutputStream(bytes));
        ConfigStateMachine copy = new ConfigStateMachine(Director.builder().dataPath(DataPath.detached()).build());
        copy.readContentFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        copy.apply(add, 0, add.length, true);
        assertEquals(1, copy.epoch(), "a member restored from a snapshot skips the same duplicates");
        assertEquals(sm.hash(), copy.hash());
    }

    private static void apply(ConfigStateMachine sm, ConfigCommand c) {
        byte[] b = ConfigCodec.encode(c, 0);
        ConfigStateMachine.Outcome o = ConfigStateMachine.parseResponse(sm.apply(b, 0, b.length, true));
        assertEquals(ConfigStateMachine.APPLIED, o.code(), c + ": " + o.message());
    }
}
