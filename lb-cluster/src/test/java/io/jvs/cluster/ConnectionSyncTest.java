package io.jvs.cluster;

import io.jvs.api.SyncRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.testing.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three (and a fourth, joining) stream members in one JVM on loopback. */
class ConnectionSyncTest {

    private final List<ConnectionSync> open = new ArrayList<>();
    private final List<InetSocketAddress> addresses = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (ConnectionSync s : open) {
            s.close();
        }
    }

    private void addresses(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            addresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), Ports.tcp()));
        }
    }

    private ConnectionSync member(String cluster, int i, InMemoryTable table, int syncId,
            ConnectionSync.Reliability r) {
        List<InetSocketAddress> peers = new ArrayList<>(addresses);
        peers.remove(i);
        ConnectionSync s = ConnectionSync.builder(table).cluster(cluster).bind(addresses.get(i)).peers(peers)
                .syncId(syncId).reliability(r).flushInterval(Duration.ofMillis(10))
                .failureDetection(Duration.ofMillis(1500)).build();
        open.add(s);
        return s;
    }

    private static void awaitView(ConnectionSync s, int size) {
        Trio.await("a view of " + size, () -> s.status().members().size() == size);
    }

    @Test
    void everyEntryReachesEveryBackupInOrderWithTheBackupsFlags() throws Exception {
        addresses(3);
        InMemoryTable[] tables = {new InMemoryTable(), new InMemoryTable(), new InMemoryTable()};
        List<ConnectionSync> m = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            m.add(member("reliable", i, tables[i], 0, ConnectionSync.Reliability.RELIABLE));
        }
        awaitView(m.get(0), 3);
        List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
        tables[1].observers.add(e -> order.add(e.client().getPort()));
        int n = 2000;
        for (int i = 0; i < n; i++) {
            assertTrue(m.get(0).publish(SyncMessageTest.tcp(i).withFlags(SyncRecord.F_DROUTE | SyncRecord.F_INACTIVE
                    | SyncRecord.F_HASHED | SyncRecord.F_OUT_SEQ | 0x10000)));
        }
        m.get(0).flush();
        Trio.await("every entry on both backups", () -> tables[1].entries.size() == n && tables[2].entries.size() == n);
        assertEquals(0, tables[0].entries.size(), "no loopback");
        SyncRecord got = tables[2].entries.get(InMemoryTable.key(SyncMessageTest.tcp(5)));
        assertEquals(SyncRecord.F_DROUTE | SyncRecord.F_INACTIVE | SyncRecord.F_OUT_SEQ | SyncRecord.F_SYNC, got.flags(),
                "the backup mask applied, SYNC added");
        assertEquals(m.get(0).status().self(), tables[2].owners.get(InMemoryTable.key(got)));
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(40000 + i);
        }
        assertEquals(expected, order, "FIFO per sender");
        SyncStatus s = m.get(1).status();
        assertEquals(n, s.receivedEntries());
        assertEquals(0, s.lostMessages());
        assertTrue(s.receivedMessages() >= n / 40, "batched about 40 to a message: " + s.receivedMessages());
        assertEquals(3, s.members().size());
        assertTrue(s.ready());
        assertEquals(ConnectionSync.StateTransfer.NONE, m.get(0).status().stateTransfer());
        assertEquals(n, m.get(0).status().sentEntries());
        long messages = m.get(0).status().sentMessages();
        assertTrue(m.get(0).framesSent() < messages, "several IPVS messages to a JGroups message (the sender woken "
                + "every " + Outbox.WAKEUP_RATE + "): " + m.get(0).framesSent() + " frames for " + messages
                + " messages");
    }

    @Test
    void aJoinerGetsTheCurrentEntriesBeforeItIsReady() throws Exception {
        addresses(3);
        InMemoryTable a = new InMemoryTable();
        InMemoryTable b = new InMemoryTable();
        for (int i = 0; i < 300; i++) {
            a.putOwn(SyncMessageTest.tcp(i));
        }
        ConnectionSync first = member("join", 0, a, 0, ConnectionSync.Reliability.RELIABLE);
        ConnectionSync second = member("join", 1, b, 0, ConnectionSync.Reliability.RELIABLE);
        SyncStatus s = second.status();
        assertEquals(ConnectionSync.StateTransfer.DONE, s.stateTransfer());
        assertTrue(s.ready());
        assertEquals(300, s.stateTransferEntries());
        assertEquals(300, b.entries.size(), "before build() returned");
        assertEquals("state-transfer", b.owners.values().iterator().next());
        first.publish(SyncMessageTest.tcp(1000));
        first.flush();
        Trio.await("the stream after the snapshot", () -> b.entries.size() == 301);
    }

    @Test
    void aMemberWithASyncIdIgnoresOtherIdsAndUnreliableModeDelivers() throws Exception {
        addresses(3);
        InMemoryTable[] t = {new InMemoryTable(), new InMemoryTable(), new InMemoryTable()};
        ConnectionSync sender = member("ids", 0, t[0], 5, ConnectionSync.Reliability.UNRELIABLE);
        ConnectionSync other = member("ids", 1, t[1], 9, ConnectionSync.Reliability.UNRELIABLE);
        ConnectionSync any = member("ids", 2, t[2], 0, ConnectionSync.Reliability.UNRELIABLE);
        awaitView(sender, 3);
        for (int i = 0; i < 100; i++) {
            sender.publish(SyncMessageTest.tcp(i));
        }
        sender.flush();
        Trio.await("syncid 0 accepts every id", () -> t[2].entries.size() == 100);
        Trio.await("syncid 9 ignores id 5", () -> other.status().ignoredMessages() >= 1);
        assertEquals(0, t[1].entries.size());
        any.backup(false);
        any.master(false);
        assertFalse(any.publish(SyncMessageTest.tcp(1)), "not a master");
        sender.publish(SyncMessageTest.tcp(500));
        sender.flush();
        Trio.await("the message received", () -> any.status().receivedMessages() >= 2);
        assertEquals(100, t[2].entries.size(), "not a backup: nothing applied");
        assertFalse(sender.publish(SyncMessageTest.tcp(2).withFlags(SyncRecord.F_ONE_PACKET)), "never one-packet");
    }
}
