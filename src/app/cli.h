/* cli.h: the command-line commands. Each takes the arguments after its name
 * (argv[0] is the command name) and returns the process exit status. */
#ifndef TANDEM_APP_CLI_H
#define TANDEM_APP_CLI_H

int cmd_serve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_nlu(int argc, char **argv);
int cmd_converse(int argc, char **argv);
int cmd_chat(int argc, char **argv);

#endif
