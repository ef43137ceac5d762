/**
 * The packet data path's side of lb-core: which running service a packet to a VIP belongs to, the route of each real
 * server, and the per-worker router that asks the director for the flow. Internal.
 */
package io.jvs.packet.internal.path;
