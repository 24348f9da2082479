/* main.c: command-line dispatch, nothing else. */
#include "app/cli.h"
#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("tandem %s\n", TANDEM_VERSION);
	return 0;
}

static const struct command commands[] = {
	{"serve", cmd_serve, "run the server (HTTP, WebSocket, API, web console)"},
	{"init", cmd_init, "create or migrate the database; --demo seeds the demo business"},
	{"user", cmd_user, "manage user accounts (tandem user add ...)"},
	{"nlu", cmd_nlu, "train, evaluate and run the language understanding model"},
	{"converse", cmd_converse, "run scripted conversations with the AI (JSON Lines)"},
	{"chat", cmd_chat, "talk to the AI in the terminal"},
	{"version", cmd_version, "print the version"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tandem COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'tandem COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(0, NULL);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tandem: unknown command '%s' (see 'tandem --help')\n", argv[1]);
	return 2;
}
