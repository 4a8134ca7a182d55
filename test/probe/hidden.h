/*
 * Forced into every object of the probe image (probe.mk: -include).
 * -fvisibility=hidden covers definitions only: a function declared in
 * another file is still assumed preemptible, so taking its address goes
 * through the GOT, which ld relaxes to an absolute `mov $sym` in this static
 * link, and the image would depend on where it runs.  Hidden declarations
 * make GCC use RIP-relative LEA instead.
 */
#pragma GCC visibility push(hidden)
