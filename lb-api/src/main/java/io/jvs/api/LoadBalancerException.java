package io.jvs.api;

/**
 * A {@link LoadBalancer} refused an operation on its service table. {@link #reason()} says why in the terms
 * IPVS uses, so tools can print ipvsadm's messages; the table is unchanged.
 *
 * @since 0.1
 */
public class LoadBalancerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why an operation was refused; each maps to one ipvsadm message. */
    public enum Reason {
        /** Adding a service that exists (ipvsadm: "Service already exists"). */
        SERVICE_EXISTS,
        /** Editing, deleting or listing a service that does not exist (ipvsadm: "No such service"). */
        NO_SUCH_SERVICE,
        /** Adding a real server that the service already has (ipvsadm: "Destination already exists"). */
        DESTINATION_EXISTS,
        /** Editing or deleting a real server the service does not have (ipvsadm: "No such destination"). */
        NO_SUCH_DESTINATION,
        /**
         * The load balancer cannot do what was asked, for example a forwarding method its data path does not
         * support (ipvsadm: "Operation not supported ...").
         */
        UNSUPPORTED,
        /** A limit was reached, such as the maximum number of services (ipvsadm: "Memory allocation problem"). */
        NO_MEMORY,
        /** The data path could not take the service, for example its address could not be bound. */
        BIND_FAILED,
        /** The load balancer is closed. */
        CLOSED,
        /**
         * A clustered load balancer could not commit the change: too few members of its cluster are reachable to
         * agree on it. The message names the members that are; nothing was changed, unless it says the outcome is
         * unknown.
         *
         * @since 0.1
         */
        NO_QUORUM
    }

    private final Reason reason;

    /** An exception for {@code reason} with a message for people. */
    public LoadBalancerException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** An exception for {@code reason} with a message for people and a cause. */
    public LoadBalancerException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why the operation was refused. */
    public Reason reason() {
        return reason;
    }
}
