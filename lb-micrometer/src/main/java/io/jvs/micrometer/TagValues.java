package io.jvs.micrometer;

import io.jvs.api.ServiceId;
import io.jvs.api.internal.Addresses;
import java.net.InetSocketAddress;
import java.util.Locale;

/** The tag values both binders use, so that their meters join on {@code service}, {@code server}, {@code protocol}. */
final class TagValues {

    private TagValues() {}

    /** {@code tcp}, {@code udp} or {@code fwmark}. */
    static String protocol(ServiceId id) {
        return id.isFwmark() ? "fwmark" : id.protocol().name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@code 10.0.0.11:8080}, {@code [2001:db8::1]:80}: numeric, never resolved, and written as the {@code service}
     * tag and the status page write addresses.
     */
    static String address(InetSocketAddress a) {
        return Addresses.toString(a);
    }
}
