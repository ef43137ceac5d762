package io.jvs.netty.internal;

/**
 * What a relay or UDP flow needs of its data path: how to set up sockets, where to count, and the gate that learns
 * when a connection ends.
 */
record RelayContext(SocketSetup setup, DataPathCounters counters, AcceptGate gate) {}
