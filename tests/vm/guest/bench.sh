#!/bin/sh
# SPDX-License-Identifier: MIT
# Side-by-side figures on the same kernel, medians of $REPS runs:
#   apply 1,000 new peers (4 allowed IPs each): meshwg apply vs wg setconf
#     of the same peers, each on a fresh interface keyed by meshwg setup;
#   change 1 peer while 1,000 are present: meshwg apply of a file that
#     differs in one endpoint, as a fresh process (reads the device first)
#     and on a warm handle (cached view, as the agent runs); wg set of that
#     one peer as the floor;
#   read back 1,000 peers: meshwg dump vs wg show IF dump.
# "wall" is the whole process (vmtime: fork to reap) for both tools, the fair
# comparison; user/sys split it into the tool's and the kernel's work;
# meshwg's own apply_ms/dump_ms cover only its netlink work. run-vm.sh runs
# the guest on an instruction-counting clock by default, so the figures are
# virtual ms (repeatable; a slow CPU): ratios carry over, absolutes don't.
. /tests/lib.sh
command -v meshwg >/dev/null || { fail meshwg-present "meshwg not in the build dir"; finish; }
REPS=${REPS:-5}

wg genkey >b.priv
meshwg genpeers 1000 --allowed 4 --seed 42 >b1000
# Same peers, one endpoint different: applying a and b in turn changes 1 peer.
awk 'NR == 500 { $2 = "198.51.100.5:1500" } { print }' b1000 >b1000x
k500=$(sed -n 500p b1000 | cut -d' ' -f1)
# wg setconf replaces the whole device: without PrivateKey it would clear
# the key and skip the kernel's per-peer precomputation (4-5x cheaper, not
# the same work), without ListenPort it would rebind to a random port.
wgconf() {
	printf '[Interface]\nPrivateKey = %s\nListenPort = %s\n\n' "$(cat b.priv)" "$1"
	peers_to_wgconf <b1000
}
# Interfaces are never deleted: `ip link del` of one holding 1,000 peers
# took ~12 s under TCG (teardown outside rtnl, so probably a full RCU grace
# period per peer), and the VM is thrown away anyway.
n_if=0
fresh() {
	n_if=$((n_if + 1))
	ifc=wgb$n_if
	port=$((51900 + n_if))
	$MW setup $ifc --private-key b.priv --listen-port $port >/dev/null || fail "setup-$ifc"
	wgconf $port >w.conf
	# Bringing a link up queues kernel work (linkwatch, addrconf); let it
	# run now rather than inside whichever tool is timed next.
	sleep 1
}
# timed FILE CMD...: run CMD, append vmtime's "wall user sys minflt maxrss"
# to FILE; its
# stdout goes to ./out, stderr to ./err.
timed() {
	local f=$1
	shift
	vmtime -o t "$@" >out 2>err || fail cmd-failed "$* ($(head -n 2 err | tr '\n' ' '))"
	cat t >>"$f"
}
rm -f *.t *.i

r=0
while [ $r -lt "$REPS" ]; do
	r=$((r + 1))
	# process start alone, to read the wall figures against
	timed mw_exec.t meshwg genpeers 0
	timed wg_exec.t wg --version

	fresh
	timed wg_set.t wg setconf $ifc w.conf
	wgif=$ifc

	fresh
	timed mw_apply.t $MW apply $ifc b1000
	field apply_ms <out >>mw_apply.i
	grep -q 'changed=1000 peers=1000' out || fail "apply-1000-run$r" "$(cat out)"
	if [ $r = 1 ]; then
		# Both tools built the same device: key and every peer.
		wg show $wgif dump >a.raw
		wg show $ifc dump >b.raw
		# keys and peers (endpoint, allowed IPs, keepalive); ports differ
		keep='NR == 1 { print $1, $2; next } { print $1, $2, $3, $4, $8 }'
		norm_dump a.raw | awk -F'\t' "$keep" >a
		norm_dump b.raw | awk -F'\t' "$keep" >b
		check same-device-as-wg-setconf cmp a b
	fi

	for f in b1000x b1000; do
		timed mw_chg.t $MW apply $ifc $f
		field apply_ms <out >>mw_chg.i
		grep -q 'changed=1 peers=1000' out || fail "change-1-run$r" "$(cat out)"
	done
	# One process, three files: the 2nd and 3rd apply against the handle's
	# cached view, the agent's path (no re-read of 1,000 peers).
	timed mw_chg3.t $MW apply $ifc b1000x b1000 b1000x
	tail -n +2 out | while read -r l; do echo "$l" | field apply_ms; done >>mw_chg_cached.i
	[ "$(grep -c 'changed=1 peers=1000' out)" = 3 ] || fail "change-1-cached-run$r" "$(cat out)"
	timed wg_chg.t wg set $ifc peer "$k500" endpoint 198.51.100.6:1500

	timed mw_dump.t $MW dump --time $ifc
	field dump_ms <err >>mw_dump.i
	[ "$(tail -n +2 out | wc -l)" = 1000 ] || fail "dump-run$r" "$(wc -l <out) lines"
	timed wg_dump.t wg show $ifc dump
done

# col FILE N: median of column N
col() { cut -d' ' -f"$2" "$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
for f in *.t *.i; do echo "    $f: $(tr '\n' ';' <$f)"; done
# kv PREFIX FILE: PREFIX_wall_ms, _user_ms, _sys_ms, _minflt, _maxrss_kb medians
kv() {
	result "$1_wall_ms" "$(col "$2" 1)"
	result "$1_user_ms" "$(col "$2" 2)"
	result "$1_sys_ms" "$(col "$2" 3)"
	result "$1_minflt" "$(col "$2" 4)"
	result "$1_maxrss_kb" "$(col "$2" 5)"
}
result reps "$REPS"
kv exec_meshwg mw_exec.t
kv exec_wg wg_exec.t
kv apply1000_meshwg mw_apply.t
result apply1000_meshwg_netlink_ms "$(median <mw_apply.i)"
kv apply1000_wg_setconf wg_set.t
result apply1000_ratio_meshwg_vs_wg "$(ratio "$(col mw_apply.t 1)" "$(col wg_set.t 1)")"
kv change1_meshwg mw_chg.t
result change1_meshwg_netlink_ms "$(median <mw_chg.i)"
result change1_meshwg_cached_netlink_ms "$(median <mw_chg_cached.i)"
kv change1_wg_set wg_chg.t
result change1_vs_apply1000_wall "$(ratio "$(col mw_chg.t 1)" "$(col mw_apply.t 1)")"
result change1_vs_apply1000_netlink "$(ratio "$(median <mw_chg.i)" "$(median <mw_apply.i)")"
result change1_cached_vs_apply1000_netlink "$(ratio "$(median <mw_chg_cached.i)" "$(median <mw_apply.i)")"
kv dump1000_meshwg mw_dump.t
result dump1000_meshwg_netlink_ms "$(median <mw_dump.i)"
kv dump1000_wg_show wg_dump.t
result dump1000_ratio_meshwg_vs_wg "$(ratio "$(col mw_dump.t 1)" "$(col wg_dump.t 1)")"
# Benchmarks print figures; only a broken run fails (HACKING.md).
[ "$FAILS" = 0 ] && pass measured "$REPS runs"
finish
