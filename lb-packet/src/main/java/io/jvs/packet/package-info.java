/**
 * The packet data path of JVS: direct routing (ipvsadm {@code -g}) and tunnelling ({@code -i}, IPIP or GUE) on
 * Linux, through AF_PACKET rings driven with {@code java.lang.foreign}. Needs Java 22+.
 *
 * <p>{@link io.jvs.packet.PacketSupport} says whether it can run here; {@link io.jvs.packet.VipMode} names the two
 * ways of keeping the director's kernel off the VIP. The machinery is internal.
 */
package io.jvs.packet;
