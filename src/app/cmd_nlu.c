/* cmd_nlu.c: 'tandem nlu' (being built in this sitting). */
#include "app/cli.h"
#include <stdio.h>

int cmd_nlu(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tandem: 'nlu' is not available in this build\n");
	return 1;
}
