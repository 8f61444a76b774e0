// SPDX-License-Identifier: MIT
/*
 * meshd-attacker COMMAND [--option value ...]: see att.h for the files and
 * tests/adversary/README.md for what each test does with each command.
 *
 *   evict    --key K --bind IP:P --node IP:P... --victim-id ID [--count N] [--interval-ms MS]
 *   reflect  --key K --bind IP:P --node IP:P... --sink IP:P --prefix CIDR [--count N]
 *   sybil    --key K --bind IP:P --node IP:P... [--count N] [--endpoint IP:P] [--outside CIDR]
 *            [--rate DATAGRAMS_PER_S] [--prefix CIDR: each identity pins its own address in it]
 *   flood    --key K --bind IP:P --target IP:P [--seconds S] [--rate DATAGRAMS_PER_S]
 *   joinack  --key K --bind IP:P --target IP:P [--count N] [--interval-ms MS]
 *   pingreq  --key K --bind IP:P --node IP:P... --victim-id ID --sink IP:P [--count N]
 *   replay   --bind FORGED_IP:P --target IP:P --file HEX [--count N] [--seconds WAIT]
 *   sink     --bind IP:P [--seconds S] [--name LABEL]
 *   classify --key K --file HEX --name TYPE   (the test's oracle: prints datagrams of TYPE)
 *   lowkey   --file OUT --victim-id ID        (identity seed whose id sorts below ID)
 *   claim    --key K --bind IP:P --node IP:P... --victim-id ID --address CIDR [--count N]
 *            [--interval-ms MS] [--delay-ms MS] [--name PREFIX]
 * Exit status 0 when the attack was carried out (whether or not it worked:
 * the test scripts judge that from the victims), 2 on a usage or setup error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "att.h"

static const struct {
	const char *name;
	int (*run)(const struct att_opts *o);
} commands[] = {
	{ "evict", cmd_evict },     { "reflect", cmd_reflect }, { "sybil", cmd_sybil },
	{ "flood", cmd_flood },     { "joinack", cmd_joinack }, { "pingreq", cmd_pingreq },
	{ "replay", cmd_replay },   { "sink", cmd_sink },       { "classify", cmd_classify },
	{ "lowkey", cmd_lowkey },   { "claim", cmd_claim },
};

static long number(const char *opt, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*end || n < 0)
		att_die("%s wants a number, not %s", opt, v);
	return n;
}

static void parse(struct att_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->bind = "0.0.0.0:0";
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			att_die("%s needs a value", k);
		if (!strcmp(k, "--key"))
			o->key_file = v;
		else if (!strcmp(k, "--bind"))
			o->bind = v;
		else if (!strcmp(k, "--endpoint"))
			o->endpoint = v;
		else if (!strcmp(k, "--node")) {
			if (o->n_nodes == ATT_MAX_NODES)
				att_die("too many --node");
			att_parse_addr(&o->node[o->n_nodes++], v);
		} else if (!strcmp(k, "--victim-id"))
			o->victim_id = v;
		else if (!strcmp(k, "--target"))
			o->target = v;
		else if (!strcmp(k, "--sink"))
			o->sink = v;
		else if (!strcmp(k, "--file"))
			o->file = v;
		else if (!strcmp(k, "--name"))
			o->name = v;
		else if (!strcmp(k, "--count"))
			o->count = number(k, v);
		else if (!strcmp(k, "--interval-ms"))
			o->interval_ms = number(k, v);
		else if (!strcmp(k, "--rate"))
			o->rate = number(k, v);
		else if (!strcmp(k, "--seconds"))
			o->seconds = strtod(v, NULL);
		else if (!strcmp(k, "--outside"))
			o->outside = v;
		else if (!strcmp(k, "--prefix"))
			o->prefix = v;
		else if (!strcmp(k, "--address"))
			o->address = v;
		else if (!strcmp(k, "--delay-ms"))
			o->delay_ms = number(k, v);
		else
			att_die("unknown option %s", k);
	}
}

int main(int argc, char **argv)
{
	struct att_opts o;

	if (argc < 2) {
		fprintf(stderr, "usage: meshd-attacker COMMAND [--option value ...] (see attacker.c)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(&o, argc - 2, argv + 2);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(&o);
	att_die("unknown command %s", argv[1]);
}
