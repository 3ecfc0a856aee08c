#include "cli.h"

int cmd_version(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc > 1)
		return cli_usage("version: takes no arguments");
	printf("exportscreen %s\n", ES_VERSION);
	return cli_finish_stdout(0);
}
