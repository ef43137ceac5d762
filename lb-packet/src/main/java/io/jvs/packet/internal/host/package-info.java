/**
 * Internal to the packet data path (not API). Threading: see each class; per-packet code runs on one worker
 * thread per AF_PACKET port and allocates nothing.
 */
package io.jvs.packet.internal.host;
