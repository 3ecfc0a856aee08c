#include "cli.h"
const cli_opt cmd_review_opts[] = {{NULL, 0, false, NULL, NULL}};
int cmd_review(cli_ctx *ctx, int argc, char **argv) { (void)ctx; (void)argc; (void)argv; return cli_usage("not yet"); }
