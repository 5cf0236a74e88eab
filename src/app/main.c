/*
 * main.c - the swaz binary: dispatches to a subcommand. Each subcommand loads its own
 * configuration and answers --help.
 */
#include "app/cmd_migrate.h"
#include "app/cmd_scan.h"
#include "app/cmd_serve.h"
#include "app/cmd_transcode.h"
#include "app/cmd_user.h"

#include <stdio.h>
#include <string.h>

static const char main_usage[] = "usage: swaz <command> [options]\n"
                                 "\n"
                                 "Commands:\n"
                                 "  serve     serve the library over HTTP (scans at start-up)\n"
                                 "  scan      scan the music folders once\n"
                                 "  transcode make the transcode ladder ahead (--ladder)\n"
                                 "  migrate   apply database migrations\n"
                                 "  user      add, list, passwd or delete accounts\n"
                                 "  version   print the version\n"
                                 "\n"
                                 "Run 'swaz <command> --help' for the options of a command.\n";

int main(int argc, char **argv, char **envp)
{
    static const struct {
        const char *name;
        int (*run)(int, char **, char **);
    } commands[] = {
        {"serve", cmd_serve},     {"scan", cmd_scan}, {"transcode", cmd_transcode},
        {"migrate", cmd_migrate}, {"user", cmd_user},
    };
    if (argc < 2) {
        fputs(main_usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(main_usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("swaz %s\n", SWAZ_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1, envp);
    }
    fprintf(stderr, "swaz: unknown command '%s'\n\n%s", cmd, main_usage);
    return 2;
}
