/* ckpt: the command table. */
#include <stdio.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "cli.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"inspect", cmd_inspect, "what a model file is: format, architecture, parameters, dtype mix, metadata"},
    {"diff", cmd_diff, "what a fine-tune, merge or quantization changed, tensor by tensor, across formats"},
    {"hash", cmd_hash, "SHA-256 of every file, XXH3-128 of every tensor, the model digest: a manifest"},
    {"verify", cmd_verify, "is this copy the original? which file or tensor is damaged?"},
    {"lint", cmd_lint, "every format rule and known trap: hidden bytes, NaN/Inf, template injection"},
    {"convert", cmd_convert, "safetensors <-> GGUF, dtype casts, quantization, re-sharding, with the error measured"},
    {"stats", cmd_stats, "what the numbers look like: min, max, mean, std, rms, NaN/Inf/zeros per tensor"},
};

static void usage(FILE *out) {
    fprintf(out,
            "ckpt %s: inspect, check and compare GGUF and safetensors model files\n\n"
            "usage: ckpt COMMAND [OPTIONS] MODEL...\n\n"
            "commands:\n",
            CKPT_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nA MODEL is a .gguf file (the first part of a split opens all parts), a\n"
            ".safetensors file, a model.safetensors.index.json, or a folder holding one model.\n"
            "'ckpt COMMAND --help' tells more; 'man ckpt' tells everything.\n\n"
            "exit status: 0 success, 1 a difference or finding (verify, diff, lint), 2 trouble\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_SAME;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("ckpt %s\n", CKPT_VERSION);
        return EXIT_SAME;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "ckpt: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return EXIT_TROUBLE;
}
