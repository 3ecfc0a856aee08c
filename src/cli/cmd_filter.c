/* STUB: replaced by the real command. */
#include "cli.h"

const cli_opt cmd_filter_opts[] = {{NULL, 0, false, NULL, NULL}};

int cmd_filter(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	cli_error("filter: not implemented yet");
	return CLI_EXIT_DATA;
}
