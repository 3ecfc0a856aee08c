/* STUB: replaced by the real command. */
#include "cli.h"

const cli_opt cmd_check_opts[] = {{NULL, 0, false, NULL, NULL}};

int cmd_check(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	cli_error("check: not implemented yet");
	return CLI_EXIT_DATA;
}
