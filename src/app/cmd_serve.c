/* cmd_serve.c: 'tandem serve' (being built in this sitting). */
#include "app/cli.h"
#include <stdio.h>

int cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tandem: 'serve' is not available in this build\n");
	return 1;
}
