package io.jvs.packet.internal.ring;

import static io.jvs.api.internal.Checks.checkArgument;
import static io.jvs.api.internal.Checks.checkInRange;
import static io.jvs.api.internal.Checks.checkNotNull;

/**
 * How an {@link AfPacketPort} is set up: the interface, the ring geometry (per ring: RX and TX have the same) and
 * the socket options.
 *
 * @param interfaceName the interface to bind, as {@code ip link} names it
 * @param frameSize bytes per ring frame: a multiple of 16, 128-65536; 2048 holds a 1500-byte MTU frame
 * @param blockSize bytes per ring block: a multiple of 4096 and of {@code frameSize}
 * @param blockCount blocks per ring, 1-4096
 * @param qdiscBypass {@code PACKET_QDISC_BYPASS}: faster sends, but tcpdump on the director does not see them
 * @param fanoutGroup the {@code PACKET_FANOUT} group id (0-65535) the port joins, or -1 for none
 */
public record PortOptions(String interfaceName, int frameSize, int blockSize, int blockCount, boolean qdiscBypass,
                          int fanoutGroup) {

    /** Validates every field with the project's message format. */
    public PortOptions {
        checkNotNull(interfaceName, "interfaceName");
        checkArgument(!interfaceName.isEmpty() && interfaceName.length() < 16, "interfaceName", interfaceName,
                "1-15 characters");
        checkInRange(frameSize, 128, 65536, "frameSize");
        checkArgument(frameSize % 16 == 0, "frameSize", frameSize, "a multiple of 16");
        checkInRange(blockSize, 4096, 1 << 22, "blockSize");
        checkArgument(blockSize % 4096 == 0 && blockSize % frameSize == 0, "blockSize", blockSize,
                "a multiple of 4096 and of frameSize " + frameSize);
        checkInRange(blockCount, 1, 4096, "blockCount");
        checkInRange(fanoutGroup, -1, 65535, "fanoutGroup");
    }

    /** 2048-byte frames in 64 KiB blocks, 64 blocks (4 MiB) per ring, qdisc bypass on, no fanout. */
    public static PortOptions defaults(String interfaceName) {
        return new PortOptions(interfaceName, 2048, 1 << 16, 64, true, -1);
    }

    /** A copy with {@code fanoutGroup}. */
    public PortOptions withFanoutGroup(int group) {
        return new PortOptions(interfaceName, frameSize, blockSize, blockCount, qdiscBypass, group);
    }

    /** A copy with {@code qdiscBypass}. */
    public PortOptions withQdiscBypass(boolean bypass) {
        return new PortOptions(interfaceName, frameSize, blockSize, blockCount, bypass, fanoutGroup);
    }

    /** A copy with a ring of {@code count} blocks. */
    public PortOptions withBlockCount(int count) {
        return new PortOptions(interfaceName, frameSize, blockSize, count, qdiscBypass, fanoutGroup);
    }

    /** Frames per ring. */
    public int frameCount() {
        return blockSize / frameSize * blockCount;
    }
}
