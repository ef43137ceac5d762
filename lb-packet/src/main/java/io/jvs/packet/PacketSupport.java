package io.jvs.packet;

import io.jvs.packet.internal.ffi.Libc;
import io.jvs.packet.internal.ffi.NativeException;
import java.util.Locale;

/**
 * Whether the packet data path (direct routing and tunnelling) can run in this process.
 *
 * <p>It needs Linux, Java 22+ (this module is built only there), native access for this module
 * ({@code --enable-native-access=io.jvs.packet} on the module path, {@code ALL-UNNAMED} on the class path; the
 * jar's manifest declares {@code Enable-Native-Access}), and the right to open AF_PACKET sockets
 * ({@code CAP_NET_RAW}, usually root).
 *
 * @since 0.1
 */
public final class PacketSupport {

    private PacketSupport() {}

    /**
     * Why the packet data path cannot run here, or null when it can: probes by opening and closing an AF_PACKET
     * socket.
     */
    public static String unavailableReason() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            return "the packet data path needs Linux (AF_PACKET); this is " + System.getProperty("os.name");
        }
        try {
            int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW, 0);
            Libc.close(fd);
            return null;
        } catch (NativeException e) {
            return "cannot open an AF_PACKET socket (" + e.getMessage() + "); the packet data path needs CAP_NET_RAW";
        } catch (IllegalCallerException e) {
            return "native access is not enabled for the packet data path (" + e.getMessage()
                    + "); run java with --enable-native-access=io.jvs.packet (or ALL-UNNAMED on the class path)";
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError e) {
            return "libc cannot be called through java.lang.foreign: " + e;
        }
    }
}
