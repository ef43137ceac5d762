package io.jvs.core.internal;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.SyncRecord;

/** The table's flags in IPVS's {@code IP_VS_CONN_F_*} terms, as the sync daemon sends them. */
final class SyncFlags {

    private SyncFlags() {}

    /** IPVS flags of an entry with the table flags {@code f} placed on a server forwarding with {@code m}. */
    static int of(int f, ForwardingMethod m) {
        int s = m == ForwardingMethod.DR ? SyncRecord.F_DROUTE : m == ForwardingMethod.TUN ? SyncRecord.F_TUNNEL
                : SyncRecord.F_MASQ;
        if ((f & TableEntry.TEMPLATE) != 0) {
            return s | SyncRecord.F_TEMPLATE;
        }
        if ((f & TableEntry.INACTIVE) != 0) {
            s |= SyncRecord.F_INACTIVE;
        }
        if ((f & TableEntry.NOOUTPUT) != 0) {
            s |= SyncRecord.F_NOOUTPUT;
        }
        if ((f & TableEntry.ONE_PACKET) != 0) {
            s |= SyncRecord.F_ONE_PACKET;
        }
        return s;
    }
}
