// Shared by the berth CLI tests.
//
// PRODUCT BUG (see lifecycle.test.ts, "a fast-exiting foreground run ..."): an attached `berth run`
// whose command exits within a few milliseconds often exits 0 at once, prints nothing, and never
// records the exit (the next command marks the container "Exited (137)"). Tests about other features
// end their command with this, so they keep testing their own feature; the bug has its own test.

/** Appended to a container's shell command so that it outlives the attached run's start-up. */
export const SETTLE = 'sleep 0.3';
