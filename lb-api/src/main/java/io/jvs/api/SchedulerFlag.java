package io.jvs.api;

import java.util.Locale;

/**
 * The three scheduler flags of an IPVS service (ipvsadm {@code -b}). Their meaning depends on the
 * scheduler: for {@code sh}, {@link #FLAG_1} is {@code sh-fallback} and {@link #FLAG_2} is {@code sh-port};
 * for {@code mh} they are {@code mh-fallback} and {@code mh-port}; other schedulers ignore them.
 *
 * @since 0.1
 */
public enum SchedulerFlag {
    /** {@code sh-fallback} / {@code mh-fallback}: when the hashed server is unusable, try others. */
    FLAG_1,
    /** {@code sh-port} / {@code mh-port}: hash the client's port as well as its address. */
    FLAG_2,
    /** A third flag no shipped scheduler uses. */
    FLAG_3;

    /**
     * The flag's name as ipvsadm prints it for {@code scheduler}: {@code sh-fallback}, {@code mh-port},
     * or {@code flag-1}..{@code flag-3} for schedulers that give the flags no name.
     */
    public String displayName(String scheduler) {
        if (ordinal() < 2 && ("sh".equals(scheduler) || "mh".equals(scheduler))) {
            return scheduler + (this == FLAG_1 ? "-fallback" : "-port");
        }
        return "flag-" + (ordinal() + 1);
    }

    /**
     * Parses one flag name as ipvsadm {@code -b} accepts it for {@code scheduler}: {@code flag-1}..{@code flag-3}
     * for any scheduler, {@code sh-fallback} and {@code sh-port} only for {@code sh}, {@code mh-fallback} and
     * {@code mh-port} only for {@code mh}.
     *
     * @throws IllegalArgumentException if the name is unknown or belongs to another scheduler
     */
    public static SchedulerFlag parse(String name, String scheduler) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "flag-1":
                return FLAG_1;
            case "flag-2":
                return FLAG_2;
            case "flag-3":
                return FLAG_3;
            case "sh-fallback":
            case "sh-port":
            case "mh-fallback":
            case "mh-port":
                String owner = n.substring(0, 2);
                if (!owner.equals(scheduler)) {
                    throw new IllegalArgumentException("schedulerFlag: " + name + " (expected: only with scheduler "
                            + owner + ", not " + scheduler + ")");
                }
                return n.endsWith("fallback") ? FLAG_1 : FLAG_2;
            default:
                throw new IllegalArgumentException("schedulerFlag: " + name
                        + " (expected: flag-1, flag-2, flag-3, sh-fallback, sh-port, mh-fallback or mh-port)");
        }
    }
}
