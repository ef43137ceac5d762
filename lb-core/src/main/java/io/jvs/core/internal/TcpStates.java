package io.jvs.core.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The IPVS TCP state machine ({@code ip_vs_proto_tcp.c}) as data: the state numbers and names, which states
 * count as active, the default timeouts, and the two next-state tables (normal and {@code secure_tcp}), each
 * with an INPUT (client to server), OUTPUT (server to client) and INPUT-ONLY (replies not seen: DR, TUN) part.
 *
 * <p>The tables are written below exactly as the kernel's comments and the spec print them (rows = event,
 * columns = current state), and parsed once, so they can be compared with the source by eye.
 */
final class TcpStates {

    static final int NONE = 0;
    static final int ESTABLISHED = 1;
    static final int SYN_SENT = 2;
    static final int SYN_RECV = 3;
    static final int FIN_WAIT = 4;
    static final int TIME_WAIT = 5;
    static final int CLOSE = 6;
    static final int CLOSE_WAIT = 7;
    static final int LAST_ACK = 8;
    static final int LISTEN = 9;
    static final int SYNACK = 10;
    static final int COUNT = 11;

    /** Names as {@code ipvsadm -L -c} prints them, by state number. */
    static final List<String> NAMES = List.of("NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT",
            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK");

    /** Default timeouts in seconds, by state number (only ESTABLISHED and FIN_WAIT can be changed: --set). */
    static final int[] DEFAULT_TIMEOUT_SECONDS = {2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120};

    /** Directions: the first index of a table. */
    static final int INPUT = 0;
    static final int OUTPUT = 1;
    static final int INPUT_ONLY = 2;

    /** Events, in the kernel's priority order: RST, else SYN, else FIN, else ACK. The second index. */
    static final int SYN = 0;
    static final int FIN = 1;
    static final int ACK = 2;
    static final int RST = 3;
    /** A segment with none of RST, SYN, FIN, ACK: it moves no state (IPVS {@code tcp_state_idx} -1). */
    static final int NO_EVENT = -1;

    private static final List<String> SHORT = List.of("NO", "ES", "SS", "SR", "FW", "TW", "CL", "CW", "LA", "LI",
            "SA");
    private static final List<String> EVENTS = List.of("syn", "fin", "ack", "rst");

    /** Next state = {@code NORMAL[direction * 4 + event][state]}. */
    static final byte[][] NORMAL = parse(
            "INPUT       NO ES SS SR FW TW CL CW LA LI SA",
            "  syn       SR ES ES SR SR SR SR SR SR SR SR",
            "  fin       CL CW SS TW TW TW CL CW LA LI TW",
            "  ack       ES ES SS ES FW TW CL CW CL LI ES",
            "  rst       CL CL CL SR CL CL CL CL LA LI SR",
            "OUTPUT",
            "  syn       SS ES SS SR SS SS SS SS SS LI SR",
            "  fin       TW FW SS TW FW TW CL TW LA LI TW",
            "  ack       ES ES SS ES FW TW CL CW LA ES ES",
            "  rst       CL CL SS CL CL TW CL CL CL CL CL",
            "INPUT-ONLY",
            "  syn       SR ES ES SR SR SR SR SR SR SR SR",
            "  fin       CL FW SS TW FW TW CL CW LA LI TW",
            "  ack       ES ES SS ES FW TW CL CW CL LI ES",
            "  rst       CL CL CL SR CL CL CL CL LA LI CL");

    /** The table used while the {@code secure_tcp} defence is on. */
    static final byte[][] SECURE = parse(
            "INPUT       NO ES SS SR FW TW CL CW LA LI SA",
            "  syn       SR ES ES SR SR SR SR SR SR SR SA",
            "  fin       CL CW SS TW TW TW CL CW LA LI SA",
            "  ack       ES ES SS SR FW TW CL CW CL LI SA",
            "  rst       CL CL CL SR CL CL CL CL LA LI CL",
            "OUTPUT",
            "  syn       SS ES SS SA SS SS SS SS SS LI SA",
            "  fin       TW FW SS TW FW TW CL TW LA LI TW",
            "  ack       ES ES SS ES FW TW CL CW LA ES ES",
            "  rst       CL CL SS CL CL TW CL CL CL CL CL",
            "INPUT-ONLY",
            "  syn       SA ES ES SR SA SA SA SA SA SA SA",
            "  fin       CL FW SS TW FW TW CL CW LA LI TW",
            "  ack       ES ES SS ES FW TW CL CW CL LI ES",
            "  rst       CL CL CL SR CL CL CL CL LA LI CL");

    private TcpStates() {}

    /** The event of a segment with these header flags, in the kernel's order: RST, else SYN, else FIN, else ACK. */
    static int event(int tcpFlags) {
        if ((tcpFlags & io.jvs.core.FlowRequest.RST) != 0) {
            return RST;
        }
        if ((tcpFlags & io.jvs.core.FlowRequest.SYN) != 0) {
            return SYN;
        }
        if ((tcpFlags & io.jvs.core.FlowRequest.FIN) != 0) {
            return FIN;
        }
        if ((tcpFlags & io.jvs.core.FlowRequest.ACK) != 0) {
            return ACK;
        }
        return NO_EVENT;
    }

    /** Whether connections in {@code state} count in ActiveConn (current kernels: ES, SS, SR, SA). */
    static boolean isActive(int state) {
        return state == ESTABLISHED || state == SYN_SENT || state == SYN_RECV || state == SYNACK;
    }

    static String name(int state) {
        return NAMES.get(state);
    }

    private static byte[][] parse(String... lines) {
        byte[][] t = new byte[12][];
        int direction = -1;
        for (String line : lines) {
            String[] words = line.trim().split("\\s+");
            int event = EVENTS.indexOf(words[0]);
            if (event < 0) {
                direction++;
                continue;
            }
            byte[] row = new byte[COUNT];
            for (int s = 0; s < COUNT; s++) {
                int next = SHORT.indexOf(words[s + 1].toUpperCase(Locale.ROOT));
                if (next < 0) {
                    throw new AssertionError("bad state in table: " + line);
                }
                row[s] = (byte) next;
            }
            t[direction * 4 + event] = row;
        }
        if (Arrays.stream(t).anyMatch(r -> r == null)) {
            throw new AssertionError("incomplete table");
        }
        return t;
    }
}
