#include "cli.h"

int cmd_version(cli_ctx *ctx, int argc, char **argv)
{
	int idx = 1, npos = 0, k;
	const char *arg;
	char *pos[2];
	if (argc > 2)
		return cli_usage("version: takes no arguments");
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1)
		if (k == '?' || k == CLI_HELP)
			return k == CLI_HELP ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_USAGE;
	if (npos)
		return cli_usage("version: takes no arguments");
	printf("exportscreen %s\n", ES_VERSION);
	return cli_finish_stdout(CLI_EXIT_OK);
}
