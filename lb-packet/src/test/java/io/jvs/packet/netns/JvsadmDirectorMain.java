package io.jvs.packet.netns;

import io.jvs.api.ServiceStatus;
import io.jvs.ipvsadm.Ipvsadm;
import io.jvs.packet.PacketLoadBalancer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A director of the namespace tests built as a user builds one: {@code JvsadmDirectorMain IFACE [expire]} runs a
 * {@link PacketLoadBalancer} on IFACE ({@code expire}: with {@code expire_nodest_conn}) and takes ipvsadm commands on
 * stdin, one a line, executed by jvsadm's engine ({@link Ipvsadm}); after each it prints the command's output, then
 * {@code -- STATUS}. {@code neighbours} waits (10 s at most) until every real server's MAC is known and prints
 * {@code -- 0}; {@code counters} prints the data path's counters on one line; {@code stop} closes it. Prints
 * {@code ready} once started.
 */
public final class JvsadmDirectorMain {

    private JvsadmDirectorMain() {}

    public static void main(String[] args) throws Exception {
        boolean expire = args.length > 1 && args[1].equals("expire");
        try (PacketLoadBalancer lb = PacketLoadBalancer.builder().interfaces(args[0]).workers(1)
                .director(d -> d.expireNodestConn(expire)).build()) {
            Ipvsadm ipvsadm = Ipvsadm.of(lb);
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String line; (line = in.readLine()) != null && !line.equals("stop"); ) {
                if (line.equals("neighbours")) {
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (!known(lb) && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    System.out.println("-- " + (known(lb) ? 0 : 1));
                } else if (line.equals("counters")) {
                    StringBuilder sb = new StringBuilder();
                    for (Map.Entry<String, Long> e : lb.dataPath().counters().entrySet()) {
                        sb.append(e.getKey()).append('=').append(e.getValue()).append(' ');
                    }
                    System.out.println(sb.toString().trim());
                } else {
                    Ipvsadm.Result r = ipvsadm.execute(List.of(line.trim().split("\\s+")), "");
                    System.out.print(r.stdout());
                    if (!r.stderr().isEmpty()) {
                        System.out.print("stderr: " + r.stderr());
                    }
                    System.out.println("-- " + r.status());
                }
                System.out.flush();
            }
        }
        System.out.println("stopped");
        System.out.flush();
    }

    private static boolean known(PacketLoadBalancer lb) {
        for (ServiceStatus s : lb.services()) {
            for (var rs : s.realServers()) {
                if (!lb.dataPath().neighbourKnown(rs.server())) {
                    return false;
                }
            }
        }
        return true;
    }
}
