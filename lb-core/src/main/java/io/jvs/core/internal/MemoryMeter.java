package io.jvs.core.internal;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The director's default measure of memory left, what IPVS reads as free pages: the lesser of the heap and the
 * direct-buffer memory still free.
 *
 * <p>Heap: the maximum heap less what the heap pools hold, where a young pool (eden, or a collector's young
 * generation) counts with what its last collection left in it (usually nothing: everything live in it moves on),
 * because it fills with short-lived garbage between collections; the other pools count with what they hold now.
 * A collector with a single heap pool (ZGC, Shenandoah) counts what its last cycle left, once it has run. Direct
 * memory: {@code -XX:MaxDirectMemorySize} (the maximum heap when not given) less what the JDK's direct buffer pool
 * holds, which covers Netty's buffers unless Netty was told to allocate without cleaners.
 */
final class MemoryMeter implements LongSupplier {

    private final List<MemoryPoolMXBean> heapPools;
    private final BufferPoolMXBean direct;
    private final long maxHeap;
    private final long maxDirect;

    /** The JVM's: its pools and limits are the same for every director. */
    static final MemoryMeter INSTANCE = new MemoryMeter();

    private MemoryMeter() {
        heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
        direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElse(null);
        maxHeap = Runtime.getRuntime().maxMemory();
        maxDirect = maxDirectMemory(maxHeap);
    }

    /** The heap's maximum size, for the default threshold. */
    static long maxHeap() {
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public long getAsLong() {
        long used = 0;
        boolean single = heapPools.size() == 1;
        for (MemoryPoolMXBean p : heapPools) {
            MemoryUsage now = p.getUsage();
            MemoryUsage afterGc = p.getCollectionUsage();
            String name = p.getName().toLowerCase(Locale.ROOT);
            if (afterGc != null && (name.contains("eden") || name.contains("young"))) {
                used += afterGc.getUsed();
            } else if (single && afterGc != null && afterGc.getUsed() > 0) {
                used += afterGc.getUsed();
            } else if (now != null) {
                used += now.getUsed();
            }
        }
        long heapLeft = maxHeap - used;
        long directLeft = direct == null ? Long.MAX_VALUE : maxDirect - direct.getMemoryUsed();
        return Math.min(heapLeft, directLeft);
    }

    /** {@code -XX:MaxDirectMemorySize}, or the maximum heap (the JDK's default) when it is not given. */
    private static long maxDirectMemory(long maxHeap) {
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:MaxDirectMemorySize=")) {
                long v = parseSize(arg.substring("-XX:MaxDirectMemorySize=".length()));
                if (v > 0) {
                    return v;
                }
            }
        }
        return maxHeap;
    }

    /** A HotSpot size such as {@code 512m} or {@code 2g}; -1 when unreadable. */
    static long parseSize(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        char unit = Character.toLowerCase(s.charAt(s.length() - 1));
        long factor = switch (unit) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        String digits = factor == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Math.multiplyExact(Long.parseLong(digits), factor);
        } catch (NumberFormatException | ArithmeticException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "heap and direct memory left";
    }
}
