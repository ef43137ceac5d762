package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Protocol;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code -S} then {@code -C} then {@code -R} gives the table back: saving again prints the same text. */
class SaveRestoreTest extends DirectorTestBase {

    private void buildTable() {
        ok("-A", "-t", "10.0.0.1:80", "-s", "wrr", "-p", "-M", "255.255.255.0");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2:8080", "-w", "3");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.3:8080", "-m", "-w", "0", "-x", "100", "-y", "50");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.4", "--fullnat");
        ok("-A", "-u", "10.0.0.1:53", "-s", "rr", "-o", "-b", "flag-1,flag-3");
        ok("-a", "-u", "10.0.0.1:53", "-r", "192.168.1.4:5353", "-m");
        ok("-A", "-t", "[2001:db8::1]:443", "-s", "wlc", "-p", "120", "-M", "64");
        ok("-a", "-t", "[2001:db8::1]:443", "-r", "[2001:db8::2]:8443", "-w", "65535");
        ok("-A", "-f", "7", "-s", "rr", "-p", "--endpoints", "tcp:10.0.0.1:8080,udp:10.0.0.1:5000");
        ok("-a", "-f", "7", "-r", "192.168.1.9", "-w", "2");
        ok("-A", "-f", "8", "-6", "-s", "none");
        ok("-A", "-f", "9", "-6", "--endpoints", "tcp:[2001:db8::1]:8443");
        ok("-a", "-f", "9", "-6", "-r", "[2001:db8::7]:0", "-m");
        ok("-A", "-t", "200.0.0.1:80");
        ok("-A", "-t", "10.0.0.2:0", "-p", "600");
    }

    @Test
    void saveClearRestoreSave_isIdentical() {
        buildTable();
        String saved = ipvsadm.execute("-S", "-n").stdout();
        String listed = ipvsadm.execute("-L", "-n").stdout();
        assertEquals(15, saved.lines().count());
        ok("-C");
        assertEquals("", ipvsadm.execute("-S", "-n").stdout());
        assertTrue(dataPath.bound.isEmpty(), "-C released every endpoint: " + dataPath.bound);
        Ipvsadm.Result r = ipvsadm.execute(List.of("-R"), saved);
        assertEquals(new Ipvsadm.Result("", "", 0), r);
        assertEquals(saved, ipvsadm.execute("-S", "-n").stdout());
        assertEquals(listed, ipvsadm.execute("-L", "-n").stdout());
        // The JVS extension survives: the firewall marks listen on their endpoints again.
        VirtualService mark = director.service(ServiceId.fwmark(7, java.net.StandardProtocolFamily.INET)).get()
                .service();
        assertEquals(List.of(io.jvs.api.Endpoint.of(Protocol.TCP, new InetSocketAddress("10.0.0.1", 8080)),
                io.jvs.api.Endpoint.of(Protocol.UDP, new InetSocketAddress("10.0.0.1", 5000))), mark.endpoints());
        assertEquals(8, dataPath.bound.size(), dataPath.bound.toString()); // 5 services, 3 mark endpoints
    }

    @Test
    void saveWithNames_restoresToTheSameTable() {
        buildTable();
        // As with ipvsadm, a name saved in brackets resolves as IPv4 only: IPv6 services with names do not restore.
        Ipvsadm.Result v6 = ipvsadm.execute(List.of("-R"), "-A -t [v6.example.com]:https -s wlc\n");
        assertEquals(new Ipvsadm.Result("", "illegal virtual server address[:port] specified\n", 2), v6);
        ok("-D", "-t", "[2001:db8::1]:443");
        String numeric = ipvsadm.execute("-S", "-n").stdout();
        String named = ipvsadm.execute("-S").stdout();
        assertTrue(named.contains("-A -t www.example.com:http -s wrr -p 360 -M 255.255.255.0"), named);
        ok("-C");
        assertEquals(new Ipvsadm.Result("", "", 0), ipvsadm.execute(List.of("-R"), named));
        assertEquals(numeric, ipvsadm.execute("-S", "-n").stdout());
    }

    /** The save file of ipvsadm itself, with -m servers and a fwmark group, replays into JVS byte for byte. */
    @Test
    void ipvsadmRulesFile_replaysWithTheSameListing() {
        String rules = String.join("\n",
                "-A -t 10.0.0.1:80 -s wrr -p 300 -M 255.255.255.0",
                "-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 3",
                "-a -t 10.0.0.1:80 -r 192.168.1.3:8080 -m -w 0",
                "-A -f 1 -s rr",
                "-a -f 1 -r 192.168.1.5:0 -m -w 1",
                "");
        assertEquals(new Ipvsadm.Result("", "", 0), ipvsadm.execute(List.of("-R"), rules));
        assertEquals(rules, ipvsadm.execute("-S", "-n").stdout());
        assertEquals(String.join("\n",
                "IP Virtual Server version 1.2.1 (size=4096)",
                "Prot LocalAddress:Port Scheduler Flags",
                "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
                "TCP  10.0.0.1:80 wrr persistent 300 mask 255.255.255.0",
                "  -> 192.168.1.2:80               Masq    3      0          0         ",
                "  -> 192.168.1.3:8080             Masq    0      0          0         ",
                "FWM  1 rr",
                "  -> 192.168.1.5:0                Masq    1      0          0         ",
                ""), ipvsadm.execute("-L", "-n").stdout());
        // A mark without endpoints receives nothing, as an IPVS mark no packet carries.
        assertEquals(1, dataPath.bound.size());
    }

    /** -g servers cannot be carried by a socket data path: the restore stops there with a clear message. */
    @Test
    void directRoutingRules_stopTheRestoreWithTheSupportedMethods() {
        Ipvsadm.Result r = ipvsadm.execute(List.of("-R"), "-A -t 10.0.0.1:80 -s wlc\n"
                + "-a -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 1\n-A -t 10.0.0.2:80\n");
        assertEquals(2, r.status());
        assertEquals("Forwarding method -g (Route) is not supported by this director; it supports --fullnat "
                + "(FullNat), -m (Masq)\n", r.stderr());
        assertEquals("-A -t 10.0.0.1:80 -s wlc\n", ipvsadm.execute("-S", "-n").stdout());
    }

    /** -E and -e replace every field; what is not given takes its default. */
    @Test
    void editsReplaceEveryField() {
        buildTable();
        ok("-E", "-t", "10.0.0.1:80", "-s", "rr");
        ok("-e", "-t", "10.0.0.1:80", "-r", "192.168.1.3:8080");
        String save = ipvsadm.execute("-S", "-n").stdout();
        assertTrue(save.contains("-A -t 10.0.0.1:80 -s rr\n"), save);
        assertTrue(save.contains("-a -t 10.0.0.1:80 -r 192.168.1.3:8080 --fullnat -w 1\n"), save);
        assertTrue(ipvsadm.execute("-L", "-n", "--thresholds").stdout().contains(
                "  -> 192.168.1.3:8080             0          0          0          0         \n"));
        ok("-E", "-f", "7");
        assertTrue(ipvsadm.execute("-S", "-n").stdout().contains(
                "-A -f 7 -s wlc --endpoints tcp:10.0.0.1:8080,udp:10.0.0.1:5000\n"), "-E keeps the endpoints");
    }

    @Test
    void setTimeoutsAndZero() {
        buildTable();
        ok("--set", "3600", "0", "60");
        assertEquals("Timeout (tcp tcpfin udp): 3600 120 60\n", ipvsadm.execute("-L", "--timeout").stdout());
        ok("-Z");
        ok("-Z", "-t", "10.0.0.1:80");
        ok("-D", "-t", "10.0.0.1:80");
        ok("-d", "-f", "7", "-r", "192.168.1.9");
        assertEquals(10, ipvsadm.execute("-S", "-n").stdout().lines().count());
    }
}
