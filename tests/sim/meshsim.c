/* SPDX-License-Identifier: MIT */
/*
 * meshsim: N real membership engines on a simulated network in virtual
 * time. Prints one line of key=value figures per scenario; --assert
 * turns figures into a pass/fail exit status for ctest.
 *
 *   meshsim --scenario join|steady|kill|loss|partition|pause|revoke|rotate|bootstrap
 *           --nodes N [--seeds K] [--loss PCT] [--seed S] [--duration SECONDS]
 *           [--warmup SECONDS] [--pause SECONDS] [--prefix CIDR]
 *           [--transport underlay|tunnel] [--spread SECONDS] [--assert KEY<=VALUE]...
 *
 * --prefix gives every node a derived overlay address in CIDR (a small
 * prefix forces collisions, to exercise the conflict rule at scale).
 *
 * revoke: authority mode (every node admitted by invite); one node's
 * revocation is handed to another; rounds = 200 ms gossip rounds until
 * every node but the revoked one has dropped it. rotate: the same mesh;
 * the authority's grant of a new network key for every member is handed
 * to one node; rounds until every member has opened its own.
 *
 * bootstrap: a fleet boot, nothing prepopulated: node 0 is the seed, the
 * others start at random within --spread (10 s) and join through it;
 * converge_s = until every node holds all N alive.
 *
 * --transport: underlay (default) is discovery-only mode (`--backend
 * none`): gossip in plain UDP to members' endpoints. tunnel is the agent's
 * default: after joining, gossip goes to overlay addresses inside
 * WireGuard (needs --prefix; 10.0.0.0/8 if none), counted with WireGuard's
 * and the inner packet's headers and padding (simnet.h).
 *
 * Crypto per node (what a real agent pays; the simulator's shared record
 * pool checks each signature once for all engines, these count what each
 * engine's private pool would): verify_per_node, verify_max,
 * env_ops_per_node (datagrams sealed + opened); verify_us and env_op_us
 * are timed on this machine in the same run, crypto_cpu_s_per_node is
 * their product; bootstrap adds verify_vs_floor = checks / (N - 1).
 *
 * --seeds K runs seeds S..S+K-1; _p50/_p99 are nearest-rank percentiles
 * over those runs, reached_pct is the worst run, false_failures and
 * still_failed are totals, bytes_per_node_s the mean.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "proto/identity.h"
#include "cost.h"
#include "scenario.h"

enum { MAX_ASSERTS = 16, MAX_KEYS = 48 };

struct figure {
	const char *key;
	double v;      /* SC_NA: not applicable */
	bool integer;
};

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank over the runs that have the figure; a run without it counts as +inf. */
static double pct(double *v, unsigned n, double p)
{
	unsigned k;

	if (!n)
		return SC_NA;
	for (unsigned i = 0; i < n; i++)
		if (v[i] == SC_NA)
			v[i] = INFINITY;
	qsort(v, n, sizeof(*v), cmp_double);
	k = (unsigned)ceil(p / 100.0 * n);
	k = k ? k - 1 : 0;
	return isinf(v[k]) ? SC_NA : v[k];
}

static void usage(void)
{
	fprintf(stderr, "usage: meshsim --scenario join|steady|kill|loss|partition|pause|revoke|rotate|bootstrap\n"
			"  --nodes N [--seeds K] [--loss PCT] [--seed S] [--duration SECONDS]\n"
			"  [--warmup SECONDS] [--pause SECONDS] [--prefix CIDR] [--transport underlay|tunnel]\n"
			"  [--spread SECONDS] [--assert KEY<=|>=|==VALUE]...\n");
	exit(2);
}

static bool check(const struct figure *f, unsigned nf, const char *expr)
{
	char key[64];
	const char *op = strpbrk(expr, "<>=");
	double want;
	size_t kl;

	if (!op || (kl = (size_t)(op - expr)) >= sizeof(key))
		return false;
	memcpy(key, expr, kl);
	key[kl] = 0;
	want = strtod(op + (op[1] == '=' ? 2 : 1), NULL);
	for (unsigned i = 0; i < nf; i++) {
		double v = f[i].v;

		if (strcmp(f[i].key, key))
			continue;
		if (v == SC_NA)
			return false;
		if (!strncmp(op, "<=", 2))
			return v <= want;
		if (!strncmp(op, ">=", 2))
			return v >= want;
		if (!strncmp(op, "==", 2))
			return v == want;
		return *op == '<' ? v < want : *op == '>' ? v > want : false;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct sc_opts o = { .scenario = NULL, .seed = 1 };
	const char *asserts[MAX_ASSERTS];
	unsigned n_asserts = 0, seeds = 1, nf = 0;
	double loss_pct = 0, duration = -1, warmup = -1, pause_s = 5, spread = 10, t0;
	double model, verify = 0, verify_max = 0, env_ops = 0, engine_cpu = 0, verified_actual = 0;
	struct sim_cost cost;
	double *rounds, *conv, *full, *detect, bytes = 0, reached = 1;
	uint64_t ff = 0, still = 0, msgs = 0, susp = 0, refut = 0, refused = 0, confl = 0, dups = 0;
	struct figure f[MAX_KEYS];
	struct rusage ru;
	bool ok = true;

	gossip_config_defaults(&o.cfg);
	for (int i = 1; i < argc; i += 2) {   /* every option takes a value */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(a, "--scenario"))
			o.scenario = v;
		else if (!strcmp(a, "--nodes"))
			o.nodes = (uint32_t)strtoul(v, NULL, 10);
		else if (!strcmp(a, "--seeds"))
			seeds = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "--loss"))
			loss_pct = strtod(v, NULL);
		else if (!strcmp(a, "--seed"))
			o.seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--duration"))
			duration = strtod(v, NULL);
		else if (!strcmp(a, "--warmup"))
			warmup = strtod(v, NULL);
		else if (!strcmp(a, "--pause"))
			pause_s = strtod(v, NULL);
		else if (!strcmp(a, "--prefix") && wire_prefix_parse(&o.cfg.overlay_prefix, v))
			usage();
		else if (!strcmp(a, "--prefix"))
			;
		else if (!strcmp(a, "--spread"))
			spread = strtod(v, NULL);
		else if (!strcmp(a, "--transport") && !strcmp(v, "tunnel"))
			o.cfg.via_overlay = true;
		else if (!strcmp(a, "--transport") && !strcmp(v, "underlay"))
			o.cfg.via_overlay = false;
		else if (!strcmp(a, "--assert") && n_asserts < MAX_ASSERTS)
			asserts[n_asserts++] = v;
		else
			usage();
	}
	if (!o.scenario || o.nodes < 2 || !seeds || loss_pct < 0 || loss_pct >= 100 ||
	    spread < 0 || o.nodes > 1u << 20)
		usage();
	if (identity_init_crypto())
		return 1;
	if (o.cfg.via_overlay && !o.cfg.overlay_prefix.family &&
	    wire_prefix_parse(&o.cfg.overlay_prefix, "10.0.0.0/8"))
		return 1;
	o.spread_ms = (uint64_t)(spread * 1000);
	o.loss = loss_pct / 100.0;
	if (duration < 0)
		duration = !strcmp(o.scenario, "loss") ? 1800 : !strcmp(o.scenario, "partition") ? 120 : 60;
	if (warmup < 0)
		warmup = !strcmp(o.scenario, "steady") ? 30 : 5;
	o.duration_ms = (uint64_t)(duration * 1000);
	o.warmup_ms = (uint64_t)(warmup * 1000);
	o.pause_ms = (uint64_t)(pause_s * 1000);
	rounds = calloc(seeds, sizeof(double));
	conv = calloc(seeds, sizeof(double));
	full = calloc(seeds, sizeof(double));
	detect = calloc(seeds, sizeof(double));
	if (!rounds || !conv || !full || !detect)
		return 1;

	t0 = wall();
	for (unsigned k = 0; k < seeds; k++) {
		struct sc_opts run = o;
		struct sc_result r;
		int ret;

		run.seed = o.seed + k;
		run.exiting = k + 1 == seeds;
		ret = sc_run(&run, &r);
		if (ret) {
			fprintf(stderr, "meshsim: %s seed %llu: %s\n", o.scenario,
				(unsigned long long)run.seed, strerror(ret < 0 && ret > -1000 ? -ret : EIO));
			return 1;
		}
		rounds[k] = r.rounds;
		conv[k] = r.converge_s;
		full[k] = r.joiner_full_s;
		detect[k] = r.detect_s;
		bytes += r.bytes_per_node_s == SC_NA ? 0 : r.bytes_per_node_s / seeds;
		if (r.bytes_per_node_s == SC_NA)
			bytes = SC_NA;
		reached = r.reached < reached ? r.reached : reached;
		ff += r.false_failures;
		still += r.still_failed;
		msgs += r.messages;
		susp += r.suspicions;
		refut += r.refutations;
		refused += r.refused;
		confl += r.conflicts;
		dups += r.addr_dups;
		if (r.verify_per_node == SC_NA || verify == SC_NA) {
			verify = verify_max = env_ops = SC_NA;   /* not counted in this scenario */
		} else {
			verify += r.verify_per_node / seeds;
			env_ops += r.env_ops_per_node / seeds;
			verify_max = r.verify_max > verify_max ? r.verify_max : verify_max;
		}
		if (r.engine_cpu_s == SC_NA || engine_cpu == SC_NA) {
			engine_cpu = SC_NA;
		} else {
			engine_cpu += r.engine_cpu_s / seeds;
			verified_actual += (double)r.verified_actual / seeds;
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	/* A datagram of about a gossip message's size (records plus piggyback). */
	if (sim_crypto_cost(&cost, 512))
		return 1;

	f[nf++] = (struct figure){ "reached_pct", reached * 100, false };
	f[nf++] = (struct figure){ "rounds_p50", pct(rounds, seeds, 50), true };
	f[nf++] = (struct figure){ "rounds_p99", pct(rounds, seeds, 99), true };
	f[nf++] = (struct figure){ "converge_s_p99", pct(conv, seeds, 99), false };
	f[nf++] = (struct figure){ "joiner_full_s_p99", pct(full, seeds, 99), false };
	f[nf++] = (struct figure){ "detect_s_p50", pct(detect, seeds, 50), false };
	f[nf++] = (struct figure){ "detect_s_p99", pct(detect, seeds, 99), false };
	f[nf++] = (struct figure){ "bytes_per_node_s", bytes, true };
	f[nf++] = (struct figure){ "false_failures", (double)ff, true };
	f[nf++] = (struct figure){ "still_failed", (double)still, true };
	f[nf++] = (struct figure){ "messages", (double)msgs, true };
	f[nf++] = (struct figure){ "suspicions", (double)susp, true };
	f[nf++] = (struct figure){ "refutations", (double)refut, true };
	f[nf++] = (struct figure){ "refused", (double)refused, true };
	f[nf++] = (struct figure){ "conflicts", (double)confl, true };
	f[nf++] = (struct figure){ "addr_dups", (double)dups, true };
	f[nf++] = (struct figure){ "verify_per_node", verify, false };
	f[nf++] = (struct figure){ "verify_max", verify_max, true };
	f[nf++] = (struct figure){ "verify_vs_floor", !strcmp(o.scenario, "bootstrap") && verify != SC_NA ?
				   verify / (o.nodes - 1) : SC_NA, false };
	f[nf++] = (struct figure){ "env_ops_per_node", env_ops, false };
	f[nf++] = (struct figure){ "verify_us", cost.verify_us, false };
	f[nf++] = (struct figure){ "env_op_us", cost.env_op_us, false };
	f[nf++] = (struct figure){ "sys_op_us", cost.sys_op_us, false };
	f[nf++] = (struct figure){ "crypto_cpu_s_per_node", verify == SC_NA ? SC_NA :
				   (verify * cost.verify_us + env_ops * cost.env_op_us) / 1e6, false };
	/*
	 * What one live agent should spend: its own checks and envelopes, a
	 * system call per datagram, and its share of the engines' work (this
	 * process's CPU without the checks the shared pool really made).
	 */
	model = SC_NA;
	if (verify != SC_NA && engine_cpu != SC_NA)
		model = (verify * cost.verify_us + env_ops * (cost.env_op_us + cost.sys_op_us)) / 1e6 +
			(engine_cpu - verified_actual * cost.verify_us / 1e6) / o.nodes;
	f[nf++] = (struct figure){ "cpu_model_s_per_node", model, false };
	f[nf++] = (struct figure){ "cpu_model_vs_floor", model == SC_NA ? SC_NA :
				   model / ((o.nodes - 1) * cost.verify_us / 1e6), false };
	f[nf++] = (struct figure){ "wall_s", wall() - t0, false };
	f[nf++] = (struct figure){ "peak_rss_mb", (double)ru.ru_maxrss / 1024.0, true };

	printf("scenario=%s nodes=%u seeds=%u loss_pct=%g", o.scenario, o.nodes, seeds, loss_pct);
	for (unsigned i = 0; i < nf; i++) {
		if (f[i].v == SC_NA)
			printf(" %s=NA", f[i].key);
		else if (f[i].integer)
			printf(" %s=%.0f", f[i].key, f[i].v);
		else
			printf(" %s=%.2f", f[i].key, f[i].v);
	}
	printf("\n");
	for (unsigned i = 0; i < n_asserts; i++) {
		if (!check(f, nf, asserts[i])) {
			fprintf(stderr, "meshsim: assertion failed: %s\n", asserts[i]);
			ok = false;
		}
	}
	free(rounds);
	free(conv);
	free(full);
	free(detect);
	return ok ? 0 : 1;
}
