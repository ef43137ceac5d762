/**
 * keepalived.conf for JVS: {@link io.jvs.keepalived.KeepalivedConfig} reads the LVS part of a keepalived
 * configuration (virtual servers, real servers, their checkers) into {@link io.jvs.health.CheckedService}s, with
 * one {@link io.jvs.keepalived.ConfigWarning} for each thing it skips and a
 * {@link io.jvs.keepalived.KeepalivedParseException} with line and column for each error.
 */
package io.jvs.keepalived;
