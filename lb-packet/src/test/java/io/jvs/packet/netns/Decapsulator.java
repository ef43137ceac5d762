package io.jvs.packet.netns;

import io.jvs.packet.internal.ffi.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A user-space tunnel end for a real server on a kernel without the ipip and fou modules (spec packet-path.md
 * section 5): {@code Decapsulator ipip TUN} reads whole IPIP packets from a raw protocol-4 socket, {@code
 * Decapsulator gue TUN PORT} reads GUE datagrams from a UDP socket, and each writes the inner IPv4 packet into the
 * TUN device {@code TUN}, where the kernel receives it as if it had decapsulated it. Prints {@code ready} once the
 * device and the socket exist; handles at most 1,000,000 packets.
 */
public final class Decapsulator {

    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;

    private Decapsulator() {}

    public static void main(String[] args) throws IOException {
        String kind = args[0];
        int tun = openTun(args[1]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(65536);
            if (kind.equals("ipip")) {
                int raw = Libc.socket(Libc.AF_INET, Libc.SOCK_RAW, 4);
                System.out.println("ready");
                System.out.flush();
                for (int i = 0; i < 1_000_000; i++) {
                    long n = Libc.recv(raw, buf, 0);
                    if (n < 20) {
                        continue;
                    }
                    int outerHeader = (buf.get(ValueLayout.JAVA_BYTE, 0) & 15) * 4;
                    write(tun, buf.asSlice(outerHeader, n - outerHeader));
                }
            } else {
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(Integer.parseInt(args[2])))) {
                    System.out.println("ready");
                    System.out.flush();
                    byte[] data = new byte[65536];
                    for (int i = 0; i < 1_000_000; i++) {
                        DatagramPacket p = new DatagramPacket(data, data.length);
                        udp.receive(p);
                        int n = p.getLength();
                        if (n < 4 || (data[0] & 0xff) >>> 6 != 0 || data[1] != 4) {
                            System.err.println("not GUE version 0 carrying IPv4: " + n + " bytes");
                            continue;
                        }
                        int inner = 4 + (data[0] & 31) * 4;
                        MemorySegment.copy(MemorySegment.ofArray(data), inner, buf, 0, n - inner);
                        write(tun, buf.asSlice(0, n - inner));
                    }
                }
            }
        }
    }

    private static void write(int tun, MemorySegment packet) {
        long w = Libc.write(tun, packet, packet.byteSize());
        if (w < 0) {
            System.err.println("write to tun: " + Libc.strerror((int) -w));
        }
    }

    private static int openTun(String name) throws IOException {
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ifr = a.allocate(40);
            MemorySegment.copy(MemorySegment.ofArray(name.getBytes(StandardCharsets.US_ASCII)), 0, ifr, 0, name.length());
            ifr.set(ValueLayout.JAVA_SHORT, 16, (short) (IFF_TUN | IFF_NO_PI));
            Libc.ioctl(fd, TUNSETIFF, ifr, "TUNSETIFF " + name);
        }
        return fd;
    }
}
