/* The kernel command line builder against arbitrary config cmdlines. */
#include <stdlib.h>
#include <string.h>

#include "kcmdline.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char user[1024], out[1024];
	if (size < 1 || size >= sizeof(user))
		return 0;
	memcpy(user, data + 1, size - 1);
	user[size - 1] = 0;
	struct kcmdline_input in = { user, "p", 0x3da00000, data[0] * 1000u, 1u + (data[0] & 7),
				     data[0] & 1, (data[0] & 2) != 0 };
	if (kcmdline_build(&in, out, sizeof(out))) {
		size_t n = strlen(out);
		if (n >= sizeof(out))
			abort();
		/* Linux partitions always end their kernel parameters with the mandatory word. */
		if (in.is_linux && !strstr(out, " no_ipi_broadcast=1") && !strstr(out, "no_ipi_broadcast=1"))
			abort();
		if (!kcmdline_has(out, "mkboot.info") && !strstr(user, "--"))
			abort();
	}
	return 0;
}
