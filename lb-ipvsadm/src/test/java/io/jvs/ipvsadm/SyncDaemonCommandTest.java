package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --start-daemon}, {@code --stop-daemon} and {@code -L --daemon} over a daemon that behaves as the kernel's
 * ({@code start_sync_thread}: defaults filled in, EEXIST, ESRCH, ENODEV).
 */
class SyncDaemonCommandTest extends DirectorTestBase {

    /** The kernel's behaviour, with eth0 (MTU 9000) and eth1 as the only interfaces. */
    static final class KernelLikeDaemon implements SyncDaemon {
        final Map<Role, Settings> running = new EnumMap<>(Role.class);

        @Override
        public void start(Settings s) {
            if (!s.interfaceName().equals("eth0") && !s.interfaceName().equals("eth1")
                    && !s.interfaceName().startsWith("a-very-long-nam")) {
                throw new Refused(Refused.Reason.NO_SUCH_DEVICE, "no interface " + s.interfaceName());
            }
            if (running.containsKey(s.role())) {
                throw new Refused(Refused.Reason.ALREADY_RUNNING, s.role().label() + " runs");
            }
            running.put(s.role(), s.withKernelDefaults(s.interfaceName().equals("eth0") ? 9000 : 1500));
        }

        @Override
        public void stop(Role role) {
            if (running.remove(role) == null) {
                throw new Refused(Refused.Reason.NOT_RUNNING, role.label() + " does not run");
            }
        }

        @Override
        public List<Settings> running() {
            return new ArrayList<>(running.values());
        }
    }

    KernelLikeDaemon daemon;

    @BeforeEach
    void withDaemon() {
        daemon = new KernelLikeDaemon();
        ipvsadm = Ipvsadm.of(director, daemon, GoldenFixture.names());
    }

    private String daemons() {
        Ipvsadm.Result r = ipvsadm.execute("-L", "--daemon");
        assertEquals(0, r.status());
        return r.stdout();
    }

    private void fails(String stderr, String... args) {
        Ipvsadm.Result r = ipvsadm.execute(args);
        assertEquals(stderr + "\n", r.stderr(), String.join(" ", args));
        assertEquals(255, r.status());
    }

    @Test
    void aDefaultMasterListsTheKernelsDefaults() {
        assertEquals("", daemons());
        ok("--start-daemon", "master");
        assertEquals("master sync daemon (mcast=eth0, syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n",
                daemons());
    }

    @Test
    void bothRolesWithTheirOptionsMasterFirst() {
        ok("--start-daemon", "backup", "--mcast-interface", "eth1", "--syncid", "7", "--sync-maxlen", "500",
                "--mcast-group", "239.1.1.1", "--mcast-port", "9000", "--mcast-ttl", "3");
        ok("--start-daemon", "master", "--mcast-group", "ff02::81", "--syncid", "255");
        assertEquals("master sync daemon (mcast=eth0, syncid=255, maxlen=1452, group=ff02::81, port=8848, ttl=1)\n"
                + "backup sync daemon (mcast=eth1, syncid=7, maxlen=1024, group=239.1.1.1, port=9000, ttl=3)\n",
                daemons(), "a backup's maxlen is clamped to 1024 at least; an IPv6 group costs 48 bytes of headers");
        ok("--stop-daemon", "backup");
        ok("--start-daemon", "backup");
        assertEquals("backup sync daemon (mcast=eth0, syncid=0, maxlen=8972, group=224.0.0.81, port=8848, ttl=1)\n",
                daemons().substring(daemons().indexOf('\n') + 1), "a backup's default maxlen is its MTU - 28");
    }

    @Test
    void theKernelsRefusalsInIpvsadmsWords() {
        ok("--start-daemon", "master");
        fails("Daemon has already run", "--start-daemon", "master", "--syncid", "3");
        ok("--stop-daemon", "master", "--syncid", "3");
        fails("No daemon is running", "--stop-daemon", "master");
        fails("No such device", "--start-daemon", "backup", "--mcast-interface", "wlan9");
        assertEquals("", daemons(), "nothing was started");
        Ipvsadm.Result r = ipvsadm.execute("--stop-daemon", "master", "--mcast-port", "1");
        assertEquals("Illegal 'mcast-port' option with the 'stop-daemon' command\n", r.stderr());
        assertEquals(2, r.status());
    }

    @Test
    void aLongInterfaceNameIsCutTo15CharactersAsIpvsadmDoes() {
        ok("--start-daemon", "master", "--mcast-interface", "a-very-long-name-indeed");
        assertEquals("master sync daemon (mcast=a-very-long-nam, syncid=0, maxlen=1472, group=224.0.0.81, "
                + "port=8848, ttl=1)\n", daemons());
    }

    @Test
    void settingsCheckTheirValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyncDaemon.Settings(SyncDaemon.Role.MASTER, "eth0", 256, 0, null, 0, 0));
        assertEquals("syncId: 256 (expected: 0-255)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SyncDaemon.Settings(SyncDaemon.Role.MASTER, "eth0",
                0, 0, java.net.InetAddress.getLoopbackAddress(), 0, 0));
        assertEquals("group: 127.0.0.1 (expected: a multicast address)", e.getMessage());
        assertEquals("master sync daemon (mcast=eth0, syncid=0)",
                new SyncDaemon.Settings(SyncDaemon.Role.MASTER, "eth0", 0, 0, null, 0, 0).listingLine(),
                "what an older kernel without the extra attributes reports");
    }
}
