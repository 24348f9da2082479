/* cmd_init.c: 'tandem init' (being built in this sitting). */
#include "app/cli.h"
#include <stdio.h>

int cmd_init(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tandem: 'init' is not available in this build\n");
	return 1;
}
