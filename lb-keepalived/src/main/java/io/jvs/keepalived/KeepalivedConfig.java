package io.jvs.keepalived;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.internal.Checks;
import io.jvs.health.CheckedService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The LVS part of a keepalived.conf, read into {@link CheckedService}s that a
 * {@link io.jvs.health.HealthChecker} runs.
 *
 * <pre>{@code
 * KeepalivedConfig config = KeepalivedConfig.parser()
 *         .forwardingMethods(lb.supportedForwardingMethods())   // refuse at load what lb cannot do
 *         .parse(Path.of("/etc/keepalived/keepalived.conf"));
 * config.warnings().forEach(w -> log.warning(w.toString()));  // keepalived.conf:3: vrrp_instance is not ...
 * try (HealthChecker checker = HealthChecker.create(lb)) {
 *     checker.apply(config.services()).join();
 *     ...
 * }
 * }</pre>
 *
 * <p>What is read: {@code virtual_server} (address and port, {@code fwmark}, {@code group}),
 * {@code virtual_server_group} (addresses, ranges {@code A-B} and {@code A/len}, fwmarks), {@code delay_loop},
 * {@code lb_algo}/{@code lvs_sched} (the schedulers JVS has), {@code lb_kind}/{@code lvs_method}
 * ({@code NAT}, the JVS extension {@code FULLNAT}, and where the load balancer has a packet data path {@code DR}
 * and {@code TUN} with keepalived's tunnel words {@code TUN type ipip} or {@code TUN type gue port N [nocsum|csum]}),
 * {@code persistence_timeout}, {@code persistence_granularity}, {@code protocol} (without
 * it a service given by address is UDP, with keepalived's warning {@code no protocol set - defaulting to UDP}),
 * {@code quorum}, {@code hysteresis}, {@code sorry_server} (with {@code sorry_server_inhibit},
 * {@code sorry_server_lvs_method}), {@code ops}, the scheduler flags, {@code weight}, {@code ip_family},
 * {@code real_server} with {@code weight}, {@code inhibit_on_failure}, {@code uthreshold}, {@code lthreshold},
 * {@code lvs_method}, and the checkers {@code TCP_CHECK}, {@code HTTP_GET} and {@code SSL_GET} ({@code url} with
 * {@code path}, {@code digest}, {@code status_code}, {@code virtualhost}; {@code http_protocol};
 * {@code enable_sni}, {@code sni_name}), {@code SMTP_CHECK} ({@code helo_name}), {@code UDP_CHECK}
 * ({@code payload}, {@code require_reply}, {@code min_reply_length}, {@code max_reply_length}) and
 * {@code MISC_CHECK} ({@code misc_path}, {@code misc_timeout}, {@code misc_dynamic}) with their connection options
 * ({@code connect_ip}, {@code connect_port}, {@code bindto}, {@code bind_port}) and timing keywords
 * ({@code connect_timeout}, {@code delay_loop}, {@code retry}, {@code delay_before_retry}, {@code warmup},
 * {@code alpha}, {@code log_all_failures}), each inherited from virtual server to real server to checker as in
 * keepalived. {@code include} (with globs), comments and {@code $NAME} parameters work as in keepalived.
 *
 * <p>JVS extensions (keepalived itself would reject them): {@code rise N} and {@code fall N} (consecutive
 * results before a check changes state), {@code jitter F}, {@code slow_start SECONDS} and {@code passive}
 * (connect failures of the data path count toward fall) at any level they make sense; {@code lb_kind FULLNAT};
 * and a top-level {@code fwmark_endpoints MARK { ADDRESS PORT [tcp|udp] ... }} block that says where the traffic
 * of a firewall-mark service arrives (what an iptables MARK rule says for IPVS).
 *
 * <p>{@code PING_CHECK}, {@code DNS_CHECK}, {@code FILE_CHECK} and {@code BFD_CHECK}, which JVS cannot run, become
 * a TCP connect to the real server (a {@code UDP_CHECK} in a UDP service) with one warning: no configured server
 * is trusted unchecked.
 *
 * <p>Everything else is skipped with exactly one {@link ConfigWarning} per keyword or block (a whole
 * {@code vrrp_instance} block is one warning), never silently. Syntax errors and bad values throw
 * {@link KeepalivedParseException} naming the file, line and column; nothing is loaded then.
 *
 * @since 0.1
 */
public final class KeepalivedConfig {

    private final List<CheckedService> services;
    private final List<ConfigWarning> warnings;

    private KeepalivedConfig(List<CheckedService> services, List<ConfigWarning> warnings) {
        this.services = List.copyOf(services);
        this.warnings = List.copyOf(warnings);
    }

    /**
     * Reads a keepalived.conf, accepting both forwarding methods a socket data path can have (NAT, FULLNAT).
     *
     * @throws IOException if the file cannot be read
     * @throws KeepalivedParseException at the first syntax error or bad value
     */
    public static KeepalivedConfig parse(Path file) throws IOException {
        return parser().parse(file);
    }

    /**
     * Reads keepalived.conf text; {@code fileName} names it in warnings and errors, and includes are relative to
     * the working directory.
     *
     * @throws KeepalivedParseException at the first syntax error or bad value
     */
    public static KeepalivedConfig parse(String text, String fileName) {
        return parser().parse(text, fileName);
    }

    /** A parser with options. */
    public static Parser parser() {
        return new Parser();
    }

    /** The virtual servers, in file order (those without real servers are left out, as keepalived does). */
    public List<CheckedService> services() {
        return services;
    }

    /** What was skipped or corrected, in file order. */
    public List<ConfigWarning> warnings() {
        return warnings;
    }

    @Override
    public String toString() {
        return "KeepalivedConfig" + services + " (" + warnings.size() + " warnings)";
    }

    /** Reads keepalived.conf with options; reusable and thread-safe once configured. */
    public static final class Parser {
        private Set<ForwardingMethod> methods = EnumSet.of(ForwardingMethod.NAT, ForwardingMethod.FULLNAT);
        private boolean methodsSet;

        Parser() {}

        /**
         * The forwarding methods the load balancer can carry out ({@link
         * io.jvs.api.LoadBalancer#supportedForwardingMethods()}): an {@code lb_kind} outside them is an error at
         * its line, and a virtual server without {@code lb_kind} gets NAT if allowed (keepalived's default), else
         * FULLNAT, else DR. The default is NAT and FULLNAT.
         *
         * @throws IllegalArgumentException if the set is empty
         * @throws IllegalStateException if they were already set
         */
        public Parser forwardingMethods(Set<ForwardingMethod> methods) {
            Checks.checkNotNull(methods, "forwardingMethods");
            Checks.checkArgument(!methods.isEmpty(), "forwardingMethods", methods, "at least one method");
            Checks.checkNotSet(methodsSet ? this.methods : null, "forwardingMethods");
            this.methods = EnumSet.copyOf(methods);
            methodsSet = true;
            return this;
        }

        /**
         * Reads a keepalived.conf and the files it includes.
         *
         * @throws IOException if the file cannot be read
         * @throws KeepalivedParseException at the first syntax error or bad value
         */
        public KeepalivedConfig parse(Path file) throws IOException {
            Checks.checkNotNull(file, "file");
            List<ConfigWarning> warnings = new ArrayList<>();
            return interpret(Lexer.lex(file, warnings), warnings);
        }

        /**
         * Reads keepalived.conf text.
         *
         * @throws KeepalivedParseException at the first syntax error or bad value
         */
        public KeepalivedConfig parse(String text, String fileName) {
            Checks.checkNotNull(text, "text");
            Checks.checkNotNull(fileName, "fileName");
            List<ConfigWarning> warnings = new ArrayList<>();
            return interpret(Lexer.lex(text, fileName, Path.of("").toAbsolutePath(), warnings), warnings);
        }

        private KeepalivedConfig interpret(List<Token> tokens, List<ConfigWarning> warnings) {
            List<Node> tree = Node.parse(tokens);
            List<CheckedService> services = new Interpreter(warnings, methods).run(tree);
            return new KeepalivedConfig(services, warnings);
        }
    }
}
