package io.jvs.ipvsadm.internal;

/** ipvsadm's commands, in its order (the rows of its option table, {@link OptionTable}). */
public enum Command {
    ADD("add-service"),
    EDIT("edit-service"),
    DEL("delete-service"),
    FLUSH("flush"),
    LIST("list"),
    ADDDEST("add-server"),
    DELDEST("delete-server"),
    EDITDEST("edit-server"),
    TIMEOUT("set"),
    STARTDAEMON("start-daemon"),
    STOPDAEMON("stop-daemon"),
    RESTORE("restore"),
    SAVE("save"),
    ZERO("zero");

    final String label;

    Command(String label) {
        this.label = label;
    }

    /** Whether the command changes the table or its counters. */
    public boolean modifies() {
        return this != LIST && this != SAVE && this != STARTDAEMON && this != STOPDAEMON;
    }
}
