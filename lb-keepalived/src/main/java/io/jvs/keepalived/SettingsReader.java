package io.jvs.keepalived;

import static io.jvs.keepalived.KeywordValues.args;
import static io.jvs.keepalived.KeywordValues.noBlock;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The keywords that virtual servers, real servers and checkers share, and their inheritance: a checker takes
 * what it does not set from its real server, which takes it from its virtual server, as in keepalived.
 */
final class SettingsReader {

    static final Duration MILLI = Duration.ofMillis(1);
    static final Duration DAY = Duration.ofDays(1);
    static final Duration HOUR = Duration.ofHours(1);

    /** Where a keyword stands; some keywords exist only at some levels. */
    enum Level { VIRTUAL_SERVER, REAL_SERVER, CHECKER, MISC_CHECKER }

    /** The settings one level gives; {@code null} means inherit. */
    static final class InheritedSettings {
        Duration delayLoop;
        Duration connectTimeout;
        Integer retry;
        Duration delayBeforeRetry;
        Duration warmup;
        Boolean alpha;
        Boolean inhibit;
        Integer rise;
        Integer fall;
        Double jitter;
        Duration slowStart;
        Boolean passive;
        Boolean logAllFailures;
        String virtualHost;
        final Map<String, Token> seen = new HashMap<>();
    }

    private final Warnings warnings;

    SettingsReader(Warnings warnings) {
        this.warnings = warnings;
    }

    /** Reads {@code n} into {@code s} if it is a shared keyword at this level; returns false if it is not. */
    boolean read(Node n, InheritedSettings s, Level level) {
        boolean checker = level == Level.CHECKER || level == Level.MISC_CHECKER;
        switch (n.name()) {
            case "delay_loop":
                s.delayLoop = KeywordValues.seconds(n, MILLI, DAY);
                break;
            case "connect_timeout":
                if (level == Level.MISC_CHECKER) {
                    return false;
                }
                s.connectTimeout = KeywordValues.seconds(n, MILLI, HOUR);
                break;
            case "retry":
            case "nb_get_retry":
                if (n.name().equals("nb_get_retry") && !checker) {
                    return false;
                }
                s.retry = KeywordValues.integer(n, checker ? 0 : 1, 1000);
                break;
            case "delay_before_retry":
                s.delayBeforeRetry = KeywordValues.seconds(n, Duration.ZERO, DAY);
                break;
            case "warmup":
                s.warmup = KeywordValues.seconds(n, Duration.ZERO, DAY);
                break;
            case "alpha":
                s.alpha = KeywordValues.flag(n);
                break;
            case "rise":
                s.rise = KeywordValues.integer(n, 1, 1000);
                break;
            case "fall":
                s.fall = KeywordValues.integer(n, 1, 1000);
                break;
            case "jitter":
                s.jitter = KeywordValues.fraction(n, 0.5);
                break;
            case "inhibit_on_failure":
            case "slow_start":
            case "passive":
                if (checker) {
                    return false;
                }
                if (n.name().equals("slow_start")) {
                    s.slowStart = KeywordValues.seconds(n, Duration.ZERO, DAY);
                } else if (n.name().equals("passive")) {
                    s.passive = KeywordValues.flag(n);
                } else {
                    s.inhibit = KeywordValues.flag(n);
                }
                break;
            case "log_all_failures":
                if (!checker) {
                    return false;
                }
                s.logAllFailures = KeywordValues.flag(n);
                break;
            case "virtualhost":
                if (level == Level.MISC_CHECKER) {
                    return false;
                }
                args(n, 1, 1, "a host name");
                noBlock(n);
                s.virtualHost = n.args.get(0).text;
                break;
            default:
                return false;
        }
        warnings.replaced(s.seen.put(n.name(), n.keyword), n);
        return true;
    }

    /** The first of the values that is set (checker, real server, virtual server), else the fallback. */
    static <T> T first(T a, T b, T c, T fallback) {
        return a != null ? a : b != null ? b : c != null ? c : fallback;
    }

    /** Warns about keywords keepalived has at several levels that JVS does not act on; false if not one. */
    boolean ignored(Node n) {
        switch (n.name()) {
            case "smtp_alert":
            case "notify_up":
            case "notify_down":
            case "quorum_up":
            case "quorum_down":
                warnings.unsupported(n, "JVS runs no notification scripts and sends no mail; subscribe to "
                        + "HealthChecker events");
                return true;
            case "snmp_name":
                warnings.unsupported(n, "JVS has no SNMP agent");
                return true;
            case "ha_suspend":
                warnings.unsupported(n, "JVS does not watch interface addresses; checks always run");
                return true;
            case "omega":
                warnings.unsupported(n, "JVS runs no notifiers at shutdown");
                return true;
            case "persistence_engine":
                warnings.unsupported(n, "JVS has no persistence engines; plain persistence applies");
                return true;
            case "hashed":
                warnings.unsupported(n, "the flag has no effect in IPVS");
                return true;
            default:
                return false;
        }
    }
}
