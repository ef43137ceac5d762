package io.jvs.cluster;

import io.jvs.api.SyncRecord;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** A connection table for tests: entries keyed as IPVS looks them up (protocol, client, virtual, template flag). */
final class InMemoryTable implements LocalConnectionTable {

    record Key(int protocol, InetSocketAddress client, InetSocketAddress virtual, boolean template) {}

    final Map<Key, SyncRecord> entries = new ConcurrentHashMap<>();
    final Map<Key, String> owners = new ConcurrentHashMap<>();
    final List<Consumer<SyncRecord>> observers = new ArrayList<>();

    static Key key(SyncRecord e) {
        return new Key(e.protocol(), e.client(), e.virtual(), e.isTemplate());
    }

    /** An entry of this director's own, as its data path would hold it. */
    void putOwn(SyncRecord e) {
        entries.put(key(e), e);
        owners.put(key(e), "self");
    }

    @Override
    public void apply(SyncRecord entry, String owner) {
        entries.put(key(entry), entry);
        owners.put(key(entry), owner);
        for (Consumer<SyncRecord> o : observers) {
            o.accept(entry);
        }
    }

    @Override
    public void snapshot(Consumer<SyncRecord> sink) {
        entries.values().forEach(sink);
    }
}
