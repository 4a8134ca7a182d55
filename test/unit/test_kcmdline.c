#include "check.h"
#include "kcmdline.h"

static const char *build(const char *user, bool owner, uint64_t khz, size_t cap)
{
	static char out[1024];
	struct kcmdline_input in = { user, "rt", 0x3da00000, khz, 2, owner, true };
	return kcmdline_build(&in, out, cap) ? out : NULL;
}

int main(void)
{
	CHECK_STR(build("console=ttyS0", true, 2000000, 1024),
		  "console=ttyS0 tsc_early_khz=2000000 nr_cpus=2 mkboot.info=0x3da00000 mkboot.name=rt no_ipi_broadcast=1");
	/* Off the platform: no PCI, no TSC watchdog, and the console through earlycon only. */
	CHECK_STR(build("console=ttyS1 ", false, 2000000, 1024),
		  "console=ttyS1 tsc_early_khz=2000000 nr_cpus=2 pci=off tsc=reliable "
		  "earlycon=uart8250,io,0x2f8,115200 keep_bootcon 8250.nr_uarts=0 mkboot.info=0x3da00000 "
		  "mkboot.name=rt no_ipi_broadcast=1");
	CHECK_STR(build("console=tty0 console=ttyS3,9600n8", false, 0, 1024),
		  "console=tty0 console=ttyS3,9600n8 nr_cpus=2 pci=off tsc=reliable "
		  "earlycon=uart8250,io,0x2e8,9600 keep_bootcon 8250.nr_uarts=0 mkboot.info=0x3da00000 "
		  "mkboot.name=rt no_ipi_broadcast=1");
	/* No legacy serial console named (or ttyS4+): the UARTs are left to the user. */
	CHECK_STR(build("console=ttyS4", false, 0, 1024),
		  "console=ttyS4 nr_cpus=2 pci=off tsc=reliable mkboot.info=0x3da00000 mkboot.name=rt no_ipi_broadcast=1");
	CHECK_STR(build("console=ttyS1 8250.nr_uarts=4", false, 0, 1024),
		  "console=ttyS1 8250.nr_uarts=4 nr_cpus=2 pci=off tsc=reliable mkboot.info=0x3da00000 "
		  "mkboot.name=rt no_ipi_broadcast=1");
	/* The user's own words win, except the mandatory one. */
	CHECK_STR(build("tsc_early_khz=1000 pci=nomsi tsc=unstable no_ipi_broadcast=0", false, 2000000, 1024),
		  "tsc_early_khz=1000 pci=nomsi tsc=unstable no_ipi_broadcast=0 nr_cpus=2 mkboot.info=0x3da00000 "
		  "mkboot.name=rt no_ipi_broadcast=1");
	CHECK_STR(build("", true, 0, 1024), "nr_cpus=2 mkboot.info=0x3da00000 mkboot.name=rt no_ipi_broadcast=1");
	/* A prefix is not the key. */
	CHECK_STR(build("pcie_aspm=off tscx", false, 0, 1024),
		  "pcie_aspm=off tscx nr_cpus=2 pci=off tsc=reliable mkboot.info=0x3da00000 mkboot.name=rt no_ipi_broadcast=1");
	/* Words after "--" belong to init: mkboot's go before them. */
	CHECK_STR(build("console=ttyS0 -- single x--y", true, 0, 1024),
		  "console=ttyS0 nr_cpus=2 mkboot.info=0x3da00000 mkboot.name=rt no_ipi_broadcast=1 -- single x--y");
	CHECK_STR(build("-- init-arg", true, 0, 1024),
		  "nr_cpus=2 mkboot.info=0x3da00000 mkboot.name=rt no_ipi_broadcast=1 -- init-arg");
	CHECK_STR(build("a--b", true, 0, 1024),
		  "a--b nr_cpus=2 mkboot.info=0x3da00000 mkboot.name=rt no_ipi_broadcast=1");
	/* Too long for the buffer: refused, not cut. */
	CHECK(build("console=ttyS0", true, 2000000, 40) == NULL);
	/* Other kernels get only the shared region's address. */
	struct kcmdline_input mb2 = { "console=ttyS2", "p", 0x1000, 2000000, 1, false, false };
	char out[64];
	CHECK(kcmdline_build(&mb2, out, sizeof(out)));
	CHECK_STR(out, "console=ttyS2 mkboot.info=0x1000");
	CHECK(kcmdline_has("a b=1 c", "b"));
	CHECK(kcmdline_has("a b c", "c"));
	CHECK(!kcmdline_has("ab=1", "b"));
	CHECK(!kcmdline_has("", "b"));
	CHECK(!kcmdline_has("a -- b=1", "b"));
	return check_done("test_kcmdline");
}
