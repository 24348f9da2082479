/* cmd_user.c: 'tandem user' (being built in this sitting). */
#include "app/cli.h"
#include <stdio.h>

int cmd_user(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tandem: 'user' is not available in this build\n");
	return 1;
}
