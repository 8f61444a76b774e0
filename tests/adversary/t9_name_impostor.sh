#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Item 9, name impostor. After node1-3 form a mesh (each running an event
# hook that logs what it is told), a key holder starts a real agent named
# "node2" (node4's namespace, its own key and address).
# Bars, on every honest node (1-3): `meshctl members --json` shows exactly
# one member named node2 without `name_conflict: true`, and it is the
# original (older) node2; the impostor is never shown under that name
# unflagged; and no hook run ever presents the impostor's key with
# MESHD_NAME=node2 (the fix: MESHD_NAME empty and MESHD_NAME_CONFLICT=1).
set -euo pipefail
ADV_ITEM=9
. "$(dirname "$0")/lib.sh"
BACKEND=none

hook=$E2E_DIR/hook.sh
cat > "$hook" <<HOOK
#!/bin/sh
echo "if=\$MESHD_INTERFACE event=\$MESHD_EVENT key=\$MESHD_PUBLIC_KEY name=\$MESHD_NAME name_conflict=\${MESHD_NAME_CONFLICT:-}" >> "$E2E_DIR/hooks.log"
HOOK
chmod 755 "$hook"
: > "$E2E_DIR/hooks.log"
NODE_ARGS="--event-hook $hook" adv_mesh 1 2 3
real_id=$(member_field 1 node2 id)

e2e_node_ns 4
ip netns exec "$(ns_of 4)" "$BIN/meshd" --interface "$(if_of 4)" --network-key "$E2E_DIR/net.key" \
	--backend none --prefix "$PREFIX" --address "$(over_of 4)/16" --endpoint "$(under_of 4):51820" \
	--listen-port 51820 --gossip-port 51821 --state-dir "$E2E_DIR/n4" --socket "$(sock_of 4)" \
	--name node2 --join "$(gossip_of 1)" >>"$E2E_DIR/meshd4.log" 2>&1 &
MESHD_PID[4]=$!
wait_until 10 "impostor control socket" test -S "$(sock_of 4)"
sleep 1
imp_key=$("$BIN/meshctl" --socket "$(sock_of 4)" status --json | jq -r .public_key)
imp_id=$(e2e_members_json 4 | jq -r '.members[] | select(.self == true) | .id')
seen_by_all() {
	local v
	for v in 1 2 3; do
		e2e_members_json "$v" | jq -e --arg id "$imp_id" 'any(.members[]; .id == $id)' >/dev/null || return 1
	done
}
wait_until 20 "the impostor listed by nodes 1-3" seen_by_all
sleep 3   # hooks run and finish

for v in 1 2 3; do
	j=$(e2e_members_json "$v")
	unflagged=$(jq -r '[.members[] | select(.name == "node2" and .name_conflict != true) | .id]' <<<"$j")
	n=$(jq length <<<"$unflagged")
	[ "$n" -eq 1 ] || adv_violation "node$v shows $n members named node2 without name_conflict: $(jq -c . <<<"$unflagged")"
	if [ "$n" -eq 1 ] && [ "$(jq -r '.[0]' <<<"$unflagged")" != "$real_id" ]; then
		adv_violation "node$v shows the impostor, not the original, as the unflagged node2"
	fi
	jq -e --arg id "$real_id" 'any(.members[]; .id == $id and .name_conflict != true)' >/dev/null <<<"$j" ||
		adv_violation "node$v flags the original node2 (the older claim must keep the name)"
done
[ "$(grep -c 'event=' "$E2E_DIR/hooks.log")" -gt 0 ] || die "the event hooks never ran"
bad=$(grep -F "key=$imp_key name=node2 " "$E2E_DIR/hooks.log" || true)
if [ -n "$bad" ]; then
	echo "$bad" | head -n 3
	adv_violation "hooks presented the impostor as node2 $(grep -cF "key=$imp_key name=node2 " "$E2E_DIR/hooks.log") time(s)"
fi
adv_result "attack=name_impostor hook_runs=$(wc -l < "$E2E_DIR/hooks.log") impostor_hook_runs_as_node2=$(grep -cF "key=$imp_key name=node2 " "$E2E_DIR/hooks.log" || true)"
adv_finish
