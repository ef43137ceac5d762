package io.jvs.core.internal;

import io.jvs.api.Cidr;
import io.jvs.api.Defences;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A service's allow and deny lists compiled for the packet path: networks as masked {@code long} pairs (the layout
 * of {@link ConnectionEntry}'s addresses), longest prefix first and, within one length, denials first, so the
 * first match decides. Immutable; {@link #admits} allocates nothing.
 */
final class AccessList {

    /** Admits everyone. */
    static final AccessList OPEN = new AccessList(new long[0], new boolean[0], new boolean[0], true);

    /** Per rule: network high word, network low word, mask high word, mask low word. */
    private final long[] rules;
    private final boolean[] v6;
    private final boolean[] allow;
    /** The verdict for an address no rule matches: true when there is no allow list. */
    private final boolean otherwise;

    private AccessList(long[] rules, boolean[] v6, boolean[] allow, boolean otherwise) {
        this.rules = rules;
        this.v6 = v6;
        this.allow = allow;
        this.otherwise = otherwise;
    }

    /** The lists of {@code service}, or {@link #OPEN} when it has none. */
    static AccessList of(Defences service) {
        if (service.allow().isEmpty() && service.deny().isEmpty()) {
            return OPEN;
        }
        record Rule(Cidr cidr, boolean allow) {}
        List<Rule> list = new ArrayList<>();
        service.deny().forEach(c -> list.add(new Rule(c, false)));
        service.allow().forEach(c -> list.add(new Rule(c, true)));
        // Longest first; on a tie denials first (the sort is stable and denials were added first).
        list.sort(Comparator.comparingInt((Rule r) -> -r.cidr().prefixLength()));
        int n = list.size();
        long[] rules = new long[4 * n];
        boolean[] v6 = new boolean[n];
        boolean[] allow = new boolean[n];
        for (int i = 0; i < n; i++) {
            Cidr c = list.get(i).cidr();
            boolean six = !(c.network() instanceof Inet4Address);
            int p = c.prefixLength();
            long maskHi;
            long maskLo;
            if (six) {
                maskHi = AddressWords.maskHi(p);
                maskLo = AddressWords.maskLo(p);
            } else {
                maskHi = 0;
                maskLo = AddressWords.maskV4(p);
            }
            rules[4 * i] = AddressWords.high(c.network()) & maskHi;
            rules[4 * i + 1] = AddressWords.low(c.network()) & maskLo;
            rules[4 * i + 2] = maskHi;
            rules[4 * i + 3] = maskLo;
            v6[i] = six;
            allow[i] = list.get(i).allow();
        }
        return new AccessList(rules, v6, allow, service.allow().isEmpty());
    }

    /**
     * Whether a client address, as the words {@link io.jvs.core.FlowRequest#clientHigh()} and
     * {@link io.jvs.core.FlowRequest#clientLow()}, may connect.
     */
    boolean admits(boolean clientV6, long hi, long lo) {
        long[] r = rules;
        for (int i = 0, n = v6.length; i < n; i++) {
            int k = 4 * i;
            if (v6[i] == clientV6 && (hi & r[k + 2]) == r[k] && (lo & r[k + 3]) == r[k + 1]) {
                return allow[i];
            }
        }
        return otherwise;
    }
}
