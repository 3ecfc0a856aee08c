/* STUB: replaced by the real command. */
#include "cli.h"

const cli_opt cmd_compare_opts[] = {{NULL, 0, false, NULL, NULL}};

int cmd_compare(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	cli_error("compare: not implemented yet");
	return CLI_EXIT_DATA;
}
