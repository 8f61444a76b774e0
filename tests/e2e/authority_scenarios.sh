# SPDX-License-Identifier: MIT
# The scenarios of authority.sh, in the order it runs them; each builds
# on the mesh the one before leaves (see authority.sh for the list).

declare -A KEY ID   # node N's WireGuard public key and member id, from node 1's table
T_REVOKE=0

# observe SECONDS WHAT CMD...: CMD must hold at every poll for SECONDS;
# the first poll where it does not is a violation.
observe() {
	local t0 end secs=$1 what=$2; t0=$(now_ms); end=$((t0 + secs * 1000)); shift 2
	while [ "$(now_ms)" -lt "$end" ]; do
		if ! "$@"; then
			violation "$what (broken $(( $(now_ms) - t0 )) ms into the ${secs} s watch)"
			return 1
		fi
		sleep 0.3
	done
}

mesh_ok() {  # every live node lists every live node alive, has them as peers, pings them
	local names=() a n
	for n in "${LIVE[@]}"; do names+=("node$n"); done
	all_alive "${LIVE[@]}" -- "${names[@]}" || return 1
	for a in "${LIVE[@]}"; do
		[ "$(e2e_wg_peers "$a")" -eq $(( ${#LIVE[@]} - 1 )) ] || return 1
	done
	all_ping
}

all_ping() {
	local a b pids=() rc=0 p
	for a in "${LIVE[@]}"; do
		for b in "${LIVE[@]}"; do
			[ "$a" = "$b" ] && continue
			e2e_ping "$a" "$b" & pids+=($!)
		done
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return "$rc"
}

no_ping_from() {  # no_ping_from N TARGET...: N reaches none of them over the overlay
	local n=$1 t pids=() p got=0; shift
	for t in "$@"; do e2e_ping "$n" "$t" & pids+=($!); done
	for p in "${pids[@]}"; do wait "$p" && got=$((got + 1)); done
	[ "$got" -eq 0 ]
}

no_ping_to() {  # no_ping_to N VIEWER...: none of them reaches N
	local n=$1 v pids=() p got=0; shift
	for v in "$@"; do e2e_ping "$v" "$n" & pids+=($!); done
	for p in "${pids[@]}"; do wait "$p" && got=$((got + 1)); done
	[ "$got" -eq 0 ]
}

remember_keys() {
	local n json
	json=$(e2e_members_json "${LIVE[0]}")
	for n in "${LIVE[@]}"; do
		KEY[$n]=$(jq -r --arg n "node$n" '.members[] | select(.name == $n) | .public_key' <<<"$json")
		ID[$n]=$(jq -r --arg n "node$n" '.members[] | select(.name == $n) | .id' <<<"$json")
		[ -n "${KEY[$n]}" ] || die "node $n has no key in node ${LIVE[0]}'s table"
	done
}

wait_own_key() {  # wait_own_key N SECONDS: node N's key once its agent answers (may be empty)
	local i k=""
	for i in $(seq $(( $2 * 10 ))); do
		k=$(own_key "$1")
		[ -n "$k" ] && break
		kill -0 "${MESHD_PID[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "$k"
}

# Nobody but OWNER holds the overlay address IP (a /32 in some peer's
# allowed IPs) on any of VIEWERS.
addr_only_with() {  # addr_only_with IP OWNER_KEY|- VIEWER...
	local ip=$1 owner=$2 v; shift 2
	for v in "$@"; do
		ip netns exec "$(ns_of "$v")" wg show "$(if_of "$v")" allowed-ips |
			awk -v ip="$ip/32" -v k="$owner" '{ for (i = 2; i <= NF; i++) if ($i == ip && $1 != k) bad = 1 } END { exit bad }' ||
			return 1
	done
}

untouched() {  # untouched N: node N is alive with its own key on every live node, nobody else has its address
	local v
	for v in "${LIVE[@]}"; do
		[ "$v" = "$1" ] && continue
		e2e_members_json "$v" | jq -e --arg n "node$1" --arg k "${KEY[$1]}" \
			'[.members[] | select(.name == $n)] | length == 1 and .[0].public_key == $k and .[0].status == "alive"' \
			>/dev/null || return 1
	done
	addr_only_with "$(over_of "$1")" "${KEY[$1]}" "${LIVE[@]}"
}

refused_nowhere() {  # refused_nowhere KEY|"" OVERLAY_IP: neither the key nor a new holder of the address anywhere
	if [ -n "$1" ]; then nowhere "$1" "${LIVE[@]}" || return 1; fi
	addr_only_with "$2" "${3:--}" "${LIVE[@]}"
}

log_excerpt() {  # log_excerpt REGEX NODE...: the last matching log line of those nodes
	local re=$1 n; shift
	for n in "$@"; do grep -hiE "$re" "$E2E_DIR/meshd$n.log" 2>/dev/null | tail -n 1 | sed "s/^/node$n: /"; done | tail -n 2
}

# ---------------------------------------------------------------- 1
scenario_join() {
	e2e_underlay   # also the network key the first invite carries: $E2E_DIR/net.key
	local n
	for n in $(seq 8); do e2e_node_ns "$n"; done
	auth_new
	# Node 1 has no agent to ask: the key from the file, no seeds.
	auth_invite "$E2E_DIR/inv1" --socket "$E2E_DIR/no-agent.sock" invite --expires 10m \
		--network-key "$E2E_DIR/net.key" $(named 1)
	auth_start 1 $(named 1) --invite-file "$E2E_DIR/inv1"
	LIVE=(1)
	local ms rtts=()
	ms=$(since_ms "$TOKEN_MS" 20 all_alive 1 -- node1) ||
		die "node 1 did not come up from its own invite: $(tail -n 3 "$E2E_DIR/meshd1.log")"
	figure "first_node_up_ms=$ms"
	for n in $(seq 2 8); do
		local via=1 seeds=()
		if [ "$n" -le 4 ]; then
			seeds=(--seed "$(under_of 1):51821")   # explicit seeds
		else
			via=$((n - 1))                         # the seeds (and key) the newest node offers
		fi
		ev_start "join$n" "${LIVE[@]}"
		auth_invite "$E2E_DIR/inv$n" --socket "$(sock_of "$via")" invite --expires 10m \
			$(named "$n") "${seeds[@]}"
		auth_start "$n" $(named "$n") --invite-file "$E2E_DIR/inv$n"
		# The new node itself: its table lists itself from the start.
		ms=$(ev_wait "join$n" "$TOKEN_MS" 30 "\"name\":\"node$n\"" '"status":"alive"' "${LIVE[@]}") || true
		ev_stop
		LIVE+=("$n")
		[ "$ms" != timeout ] ||
			die "node $n (invite from node $via's agent) not alive everywhere 30 s after its token: $(where_key "$(own_key "$n")" "${LIVE[@]}"); its log: $(tail -n 3 "$E2E_DIR/meshd$n.log")"
		log "node $n: token printed -> alive on all ${#LIVE[@]} nodes in $ms ms"
		rtts+=("$ms")
		[ "$ms" -le 5000 ] ||
			log "node $n's log: $(grep -v ' member node' "$E2E_DIR/meshd$n.log" | tail -n 4)"
		bar_ms "invite round trip of node $n (${#LIVE[@]} nodes)" "$ms" 5000
	done
	local sorted; sorted=$(printf '%s\n' "${rtts[@]}" | sort -n)
	figure "invite_rtt_8th_ms=${rtts[-1]}" \
		"invite_rtt_median_ms=$(sed -n 4p <<<"$sorted")" \
		"invite_rtt_max_ms=$(tail -n 1 <<<"$sorted")"
	wait_until 30 "full mesh of 8 by invite (all alive, 7 peers, every pair pings)" mesh_ok
	remember_keys
	log "scenario 1 ok: 8 nodes admitted by invites"
}

# ---------------------------------------------------------------- 2
scenario_second_use() {
	e2e_node_ns 9
	cp -p "$E2E_DIR/inv8" "$E2E_DIR/inv9"
	local before after k9 over0 over1
	before=$(metric_sum "$TRUST_REFUSED" "${LIVE[@]}")
	over0=$(metric_sum "$TRUST_REFUSED_OVERSPENT" "${LIVE[@]}")
	# Name and address from the token: node 8's.
	auth_start 9 --invite-file "$E2E_DIR/inv9"
	k9=$(wait_own_key 9 10)
	if [ -z "$k9" ]; then
		log "node 9's agent gave no key (exited: $(kill -0 "${MESHD_PID[9]}" 2>/dev/null && echo no || echo yes)): $(tail -n 2 "$E2E_DIR/meshd9.log")"
	fi
	observe 10 "second use of node 8's one-time invite: the new identity must appear nowhere and node 8 stay as it was (new key $k9 seen:$(where_key "${k9:-none}" "${LIVE[@]}"))" \
		second_use_ok "$k9"
	after=$(metric_sum "$TRUST_REFUSED" "${LIVE[@]}")
	over1=$(metric_sum "$TRUST_REFUSED_OVERSPENT" "${LIVE[@]}")
	figure "second_use_refused=$((after - before))" "second_use_refused_overspent=$((over1 - over0))"
	[ "$((over1 - over0))" -gt 0 ] ||
		violation "second use of a one-time invite: no refusal counted as invite_overspent"
	[ "$((after - before))" -gt 0 ] ||
		violation "second use of a one-time invite: no refusal counted on any node (meshd_trust_refused_total $before -> $after); logs: $(log_excerpt 'spen|invite|refus' "${LIVE[@]}")"
	log "second use: $(log_excerpt 'spen|invite|refus|los' "${LIVE[@]}" 9)"
	auth_kill 9
	log "scenario 2 done: a second use of a one-time invite"
}

second_use_ok() {
	if [ -n "$1" ]; then nowhere "$1" "${LIVE[@]}" || return 1; fi
	untouched 8
}

# ---------------------------------------------------------------- 3
scenario_expired() {
	e2e_node_ns 10
	auth_invite "$E2E_DIR/inv10" --socket "$(sock_of 1)" invite --expires 2s $(named 10)
	sleep 4   # past not_after (whole unix seconds)
	local before after k10 local_refusal=no v
	before=$(metric_sum "$TRUST_REFUSED" "${LIVE[@]}")
	auth_start 10 $(named 10) --invite-file "$E2E_DIR/inv10"
	k10=$(wait_own_key 10 5)
	observe 8 "expired invite: node 10 must appear nowhere (key ${k10:-none}:$(where_key "${k10:-none}" "${LIVE[@]}"))" \
		expired_ok "$k10"
	after=$(metric_sum "$TRUST_REFUSED" "${LIVE[@]}")
	if ! kill -0 "${MESHD_PID[10]}" 2>/dev/null && grep -qi expir "$E2E_DIR/meshd10.log"; then
		local_refusal=yes
	fi
	figure "expired_refused=$((after - before))" "expired_local_refusal=$local_refusal"
	if [ "$local_refusal" = no ] && [ "$((after - before))" -le 0 ]; then
		violation "expired invite: node 10 ran and no node counted a refusal; node 10's log: $(tail -n 2 "$E2E_DIR/meshd10.log")"
	fi
	log "expired: $(log_excerpt 'expir' 10 "${LIVE[@]}")"
	auth_kill 10
	# An honest agent refuses an expired token itself; the mesh must too.
	# Records of fresh identities admitted through it now (valid binds made
	# with its secret, admitted_at past not_after), sent from node 10's
	# address: refused everywhere, counted.
	local nodes=() out
	for v in "${LIVE[@]}"; do nodes+=("$(under_of "$v"):51821"); done
	before=$(metric_sum "$TRUST_REFUSED_EXPIRED" "${LIVE[@]}")
	out=$(ip netns exec "$(ns_of 10)" "$FORGE" stolen "$E2E_DIR/inv10" "$(under_of 10):51821" \
		80 50 "${nodes[@]}" 2>&1) || die "meshd-forge with the expired token failed: $out"
	sleep 2
	after=$(metric_sum "$TRUST_REFUSED_EXPIRED" "${LIVE[@]}")
	figure "expired_forged_records=80" "expired_forged_refused=$((after - before))"
	expired_ok "" || violation "records admitted through an expired invite got in: $(e2e_members_json 1 | jq -c '[.members[] | select(.name == "node10")]')"
	[ "$((after - before))" -gt 0 ] ||
		violation "80 records admitted through an expired invite: no refusal counted as invite_expired"
	log "scenario 3 done: an expired invite"
}

expired_ok() {
	local v
	if [ -n "$1" ]; then nowhere "$1" "${LIVE[@]}" || return 1; fi
	for v in "${LIVE[@]}"; do
		! e2e_members_json "$v" | jq -e 'any(.members[]; .name == "node10")' >/dev/null || return 1
	done
	addr_only_with "$(over_of 10)" - "${LIVE[@]}"
}

# ---------------------------------------------------------------- 8
SIG_CHECKS='^meshd_[a-z_]*(signature|verif|sig_check)[a-z_]*_total'
scenario_sybil() {
	local count=${AUTH_SYBIL:-4000} nodes=() v sig_before=0 sig_after has_sig=no out
	auth_bare_ns 200
	for v in "${LIVE[@]}"; do nodes+=(--node "$(under_of "$v"):51821"); done
	if metric_has "$SIG_CHECKS" 1; then has_sig=yes; sig_before=$(metric_sum "$SIG_CHECKS" "${LIVE[@]}"); fi
	out=$(ip netns exec "$(ns_of 200)" "$ATT" sybil --key "$E2E_DIR/net.key" \
		--bind "$(under_of 200):0" --endpoint "$(under_of 200):51821" --count "$count" --rate "${AUTH_SYBIL_RATE:-500}" "${nodes[@]}" 2>&1) ||
		die "the attacker's sybil command failed: $out"
	log "attacker: $out"
	sleep 3
	local added=0 n
	for v in "${LIVE[@]}"; do
		n=$(e2e_members_json "$v" | jq '.members | length')
		[ "$((n - 8))" -gt "$added" ] && added=$((n - 8))
		[ "$n" -eq 8 ] || violation "node $v lists $n members after $count unadmitted identities, want 8 ($(e2e_members_json "$v" | jq -c '[.members[].name] | map(select(startswith("node") | not)) | .[:3]'))"
		[ "$(e2e_wg_peers "$v")" -eq 7 ] || violation "node $v has $(e2e_wg_peers "$v") WireGuard peers after the Sybil offer, want 7"
	done
	figure "sybil_identities=$count" "sybil_members_added=$added"
	if [ "$has_sig" = yes ]; then
		sig_after=$(metric_sum "$SIG_CHECKS" "${LIVE[@]}")
		# Per offered record, in hundredths (each record went to one node).
		local per=$(( (sig_after - sig_before) * 100 / count ))
		figure "sybil_sig_checks_per_record_x100=$per"
		[ "$per" -le 100 ] || violation "the Sybil offer cost $per/100 signature checks per offered record, bar 1"
	else
		figure "sybil_sig_checks_per_record_x100=n/a"
		log "no signature-check counter in the metrics ($SIG_CHECKS): cost per record not measured"
	fi
	forged_admissions copied
	forged_admissions stolen
	mesh_ok || violation "the mesh does not ping end to end after the Sybil offer"
	log "scenario 8 done: $count identities without admission, forged admissions"
}

# Fresh identities carrying node 2's invite (pinned to node 2's name and
# address): with a bind that is not theirs (copied out of a record), or
# with a valid bind from node 2's spent one-time token (stolen). Each
# record may cost one signature check (the bind), and none may add a
# member or move node 2.
forged_admissions() {
	local mode=$1 count=${AUTH_FORGE:-800} v nodes=() before after out per n
	for v in "${LIVE[@]}"; do nodes+=("$(under_of "$v"):51821"); done
	before=$(metric_sum '^meshd_trust_signature_checks_total' "${LIVE[@]}")
	out=$(ip netns exec "$(ns_of 200)" "$FORGE" "$mode" "$E2E_DIR/inv2" "$(under_of 200):51821" \
		"$count" "${AUTH_FORGE_RATE:-200}" "${nodes[@]}" 2>&1) ||
		die "meshd-forge $mode failed: $out"
	log "forge: $out"
	sleep 3
	after=$(metric_sum '^meshd_trust_signature_checks_total' "${LIVE[@]}")
	per=$(( (after - before) * 100 / count ))
	figure "forged_${mode}_records=$count" "forged_${mode}_sig_checks_per_record_x100=$per"
	[ "$per" -le 100 ] ||
		violation "records with a $mode admission cost $per/100 signature checks each (meshd_trust_signature_checks_total +$((after - before)) for $count records), bar 1"
	for v in "${LIVE[@]}"; do
		n=$(e2e_members_json "$v" | jq '.members | length')
		[ "$n" -eq 8 ] || violation "node $v lists $n members after $count records with a $mode admission, want 8"
	done
	untouched 2 || violation "records with a $mode admission of node 2's invite moved node 2: $(e2e_members_json 1 | jq -c '[.members[] | select(.name == "node2") | {public_key, status}]')"
}

# ---------------------------------------------------------------- 4
scenario_revoke_live() {
	auth_kill 6   # down during the revocation (scenario 6)
	drop_live 6
	drop_live 7
	local out ms t0
	WANT_KEY=${KEY[7]}
	ev_start revoke "${LIVE[@]}"
	# The WireGuard pollers run before the command, so their start-up is
	# not in the figure.
	first_ms_all 0 30 peer_gone "${LIVE[@]}" > "$E2E_DIR/wg_gone_at" &
	local poll=$!
	sleep 0.5
	t0=$(now_ms)
	out=$(ctl 1 revoke --authority-key "$AUTH_KEY" --activate-in "${AUTH_ACTIVATE}s" node7 2>&1) ||
		die "meshctl revoke node7 failed: $out"
	T_REVOKE=$t0
	log "meshctl revoke: $(tr '\n' ' ' <<<"$out" | head -c 300) ($(( $(now_ms) - t0 )) ms)"
	wait "$poll" || true
	ms=$(cat "$E2E_DIR/wg_gone_at")
	[ "$ms" = timeout ] || ms=$((ms - t0))
	figure "revoke_wg_removed_ms=$ms"
	[ "$ms" = timeout ] || [ "$ms" -ge 0 ] || violation "node 7 was no WireGuard peer somewhere before its revocation"
	bar_ms "revoked node 7 removed from every other live node's WireGuard device" "$ms" 5000
	[ "$ms" = timeout ] && violation "node 7 still a WireGuard peer 30 s after its revocation:$(where_key "${KEY[7]}" "${LIVE[@]}")"
	# The streams stay open to the end of the run: node 7 must never come back.
	ms=$(ev_wait revoke "$t0" 30 '"event":"revoked"' "\"public_key\":\"${KEY[7]}\"" "${LIVE[@]}") || true
	figure "revoke_event_ms=$ms"
	[ "$ms" != timeout ] || violation "no revoked event for node 7 on every live node within 30 s"
	nowhere "${KEY[7]}" "${LIVE[@]}" ||
		violation "node 7 still listed or a peer after its revocation:$(where_key "${KEY[7]}" "${LIVE[@]}")"
	no_ping_from 7 "${LIVE[@]}" || violation "revoked node 7 still reaches some node over the overlay"
	no_ping_to 7 "${LIVE[@]}" || violation "some node still reaches revoked node 7 over the overlay"
	out=$(ctl 1 revocations --json 2>&1) || violation "meshctl revocations failed: $out"
	grep -qF "${ID[7]}" <<<"$out" || grep -q node7 <<<"$out" ||
		violation "meshctl revocations on node 1 does not name node 7 (${ID[7]}): $(head -c 300 <<<"$out")"
	log "scenario 4 done: node 7 revoked while live"
}

# ---------------------------------------------------------------- 5
scenario_revoked_rejoin() {
	auth_kill 7
	local k before after
	before=$(metric_sum "$TRUST_REFUSED" "${LIVE[@]}")
	# a) a fresh identity with the one-time invite the machine still holds
	STATE_DIR[7]=$E2E_DIR/n7-fresh-invite; mkdir -p "${STATE_DIR[7]}"
	auth_start 7 $(named 7) --invite-file "$E2E_DIR/inv7"
	k=$(wait_own_key 7 10)
	observe 8 "revoked node 7 with a fresh identity and its spent invite must not rejoin (key ${k:-none}:$(where_key "${k:-none}" "${LIVE[@]}"))" \
		revoked_out "$k"
	auth_kill 7
	# b) a fresh identity, the network key, no admission
	STATE_DIR[7]=$E2E_DIR/n7-fresh-noadm; mkdir -p "${STATE_DIR[7]}"
	auth_start 7 $(named 7) --network-key "$E2E_DIR/net.key" --authority "$AUTH_PUB" \
		--join "$(under_of 1):51821"
	k=$(wait_own_key 7 10)
	observe 8 "revoked node 7 with a fresh identity and the old network key must not rejoin (key ${k:-none}:$(where_key "${k:-none}" "${LIVE[@]}"))" \
		revoked_out "$k"
	auth_kill 7
	after=$(metric_sum "$TRUST_REFUSED" "${LIVE[@]}")
	figure "revoked_rejoin_refused=$((after - before))"
	[ "$((after - before))" -gt 0 ] ||
		violation "revoked node 7's rejoin attempts: no refusal counted (meshd_trust_refused_total $before -> $after)"
	log "scenario 5 done: revoked node 7 with fresh identities"
}

revoked_out() {  # neither the old key, nor KEY, nor anyone new holding node 7's address
	nowhere "${KEY[7]}" "${LIVE[@]}" || return 1
	if [ -n "$1" ]; then nowhere "$1" "${LIVE[@]}" || return 1; fi
	addr_only_with "$(over_of 7)" - "${LIVE[@]}"
}

# ---------------------------------------------------------------- 6
scenario_return() {
	local wait_ms=$(( T_REVOKE + 5000 - $(now_ms) ))
	# Past the revocation's rumour: node 6 must get it by anti-entropy.
	[ "$wait_ms" -le 0 ] || sleep "$(awk -v m="$wait_ms" 'BEGIN { print m / 1000 }')"
	local t0 ms retire=$(( T_REVOKE + (AUTH_ACTIVATE + AUTH_WINDOW) * 1000 ))
	t0=$(now_ms)
	[ "$t0" -lt "$retire" ] ||
		violation "test timing: node 6 returns $(( t0 - retire )) ms after the old key retired (machine too slow for AUTH_ACTIVATE=$AUTH_ACTIVATE AUTH_WINDOW=$AUTH_WINDOW)"
	auth_start 6 $(named 6)   # its saved admission; no invite
	LIVE+=(6)
	ms=$(since_ms "$t0" 30 learned_on_return) || true
	figure "return_learned_ms=$ms"
	[ "$ms" != timeout ] ||
		violation "node 6, down during the revocation, had not learned it 30 s after its return (alive everywhere: $(all_alive "${LIVE[@]}" -- node6 && echo yes || echo no); node 7:$(where_key "${KEY[7]}" 6); revocations: $(ctl 6 revocations --json 2>&1 | head -c 200))"
	log "scenario 6 done: node 6 back"
}

learned_on_return() {
	all_alive "${LIVE[@]}" -- node6 || return 1
	nowhere "${KEY[7]}" 6 || return 1
	ctl 6 revocations --json 2>/dev/null | grep -qF "${ID[7]}"
}

# ---------------------------------------------------------------- 7
scenario_rotation() {
	local v
	# The revocation's own rotation (epoch 1) must be in force everywhere,
	# node 6 included (it was down when the grants were made).
	local left=$(( T_REVOKE + (AUTH_ACTIVATE + 2) * 1000 - $(now_ms) ))
	[ "$left" -le 0 ] || sleep "$(awk -v m="$left" 'BEGIN { print m / 1000 }')"
	local e="" ok=yes
	for v in "${LIVE[@]}"; do
		e+=" node$v:$(epoch_of "$v")"
		[ "$(epoch_of "$v")" = 1 ] || ok=no
	done
	figure "revoke_rotation_all_on_epoch1=$ok"
	[ "$ok" = yes ] || violation "the revocation's key rotation: not every node on epoch 1 $AUTH_ACTIVATE s after it (${e# })"
	mesh_ok || violation "the mesh of ${LIVE[*]} does not ping end to end before the rotation"
	rotate_under_pings
	refused_before_parsing
}

rotate_under_pings() {
	local a b v count pids=() e0
	count=$(( (2 + AUTH_ACTIVATE + AUTH_WINDOW + 8) * 10 ))
	e0=$(epoch_of 1)
	ev_start rot "${LIVE[@]}"
	for a in "${LIVE[@]}"; do
		for b in "${LIVE[@]}"; do
			[ "$a" -lt "$b" ] || continue
			ip netns exec "$(ns_of "$a")" ping -n -q -i 0.1 -W 2 -c "$count" "$(over_of "$b")" \
				> "$E2E_DIR/ping.$a.$b" 2>&1 &
			pids+=($!)
		done
	done
	sleep 2
	local t0 out ms
	t0=$(now_ms)
	out=$(ctl 1 rotate-network-key --authority-key "$AUTH_KEY" --activate-in "${AUTH_ACTIVATE}s" 2>&1) ||
		violation "meshctl rotate-network-key failed: $out"
	log "meshctl rotate-network-key: $(tr '\n' ' ' <<<"$out" | head -c 300)"
	ms=$(since_ms "$t0" $((AUTH_ACTIVATE + 30)) all_epoch $((e0 + 1)) "${LIVE[@]}") || true
	figure "rotation_epoch_ms=$ms"
	if [ "$ms" = timeout ]; then
		local e=""; for v in "${LIVE[@]}"; do e+=" node$v:$(epoch_of "$v")"; done
		violation "rotate-network-key: not every node on epoch $((e0 + 1)) (${e# })"
	fi
	for v in "${pids[@]}"; do wait "$v" || true; done
	local t_end; t_end=$(now_ms)
	ev_stop
	ROT_T0=$t0
	[ $((t_end - t0)) -ge $(( (AUTH_ACTIVATE + AUTH_WINDOW) * 1000 )) ] ||
		violation "test design: the pings ended $((t_end - t0)) ms after the rotation, before its transition window"
	local tx=0 rx=0 f s lossy=()
	for f in "$E2E_DIR"/ping.*; do
		s=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$f")
		[ -n "$s" ] || { lossy+=("${f##*/}:no-summary"); continue; }
		set -- $s
		tx=$((tx + $1)); rx=$((rx + $2))
		[ "$1" -eq "$2" ] || lossy+=("${f##*/}:$(( $1 - $2 ))")
	done
	local failed suspect
	failed=$(cat "$E2E_DIR"/ev.rot.* | grep -c '"event":"\(failed\|left\|removed\)"' || true)
	suspect=$(cat "$E2E_DIR"/ev.rot.* | grep -c '"event":"suspect"' || true)
	figure "rotation_pairs=$(ls "$E2E_DIR"/ping.* | wc -l)" "rotation_pings=$tx" \
		"rotation_pings_lost=$((tx - rx))" "rotation_failed_events=$failed" \
		"rotation_suspect_events=$suspect"
	[ "$tx" -gt 0 ] && [ "$tx" -eq "$rx" ] && [ "${#lossy[@]}" -eq 0 ] ||
		violation "network-key rotation: $((tx - rx)) of $tx pings lost (${lossy[*]:0:6})"
	[ "$failed" -eq 0 ] ||
		violation "network-key rotation: $failed member(s) marked failed/left/removed: $(cat "$E2E_DIR"/ev.rot.* | grep '"event":"\(failed\|left\|removed\)"' | head -n 2 | cut -d' ' -f2- | jq -c '{event, name}' 2>/dev/null | tr '\n' ' ')"
	mesh_ok || violation "the mesh does not ping end to end after the rotation"
	log "scenario 7 (rotation) done: $tx pings over $(ls "$E2E_DIR"/ping.* | wc -l) pairs"
}

# After revocation + rotation and the transition window: everything node
# 7 sends (its old identity with its saved key; a fresh identity with
# the original key; the attacker program with that key from its address)
# is refused before parsing, and nothing else moves.
refused_before_parsing() {
	local v before_pre before_parsed before_trust snaps_before=() i=0
	local left=$(( ROT_T0 + (AUTH_ACTIVATE + AUTH_WINDOW + 2) * 1000 - $(now_ms) ))
	[ "$left" -le 0 ] || sleep "$(awk -v m="$left" 'BEGIN { print m / 1000 }')"
	for v in "${LIVE[@]}"; do count_from "$v" "$(under_of 7)"; done
	before_pre=$(metric_sum "$PRE_PARSE" "${LIVE[@]}")
	before_env=$(metric_sum "$ENVELOPE" "${LIVE[@]}")
	before_parsed=$(metric_sum "$PARSED_REFUSED" "${LIVE[@]}")
	before_trust=$(metric_sum "$TRUST_REFUSED" "${LIVE[@]}")
	for v in "${LIVE[@]}"; do snaps_before+=("$(snapshot "$v")"); done

	STATE_DIR[7]=$E2E_DIR/n7   # its old identity, admission and key
	auth_start 7 $(named 7) --join "$(under_of 1):51821"
	sleep 8
	no_ping_from 7 "${LIVE[@]}" || violation "revoked node 7 (old identity) regained a tunnel after the rotation"
	auth_kill 7
	STATE_DIR[7]=$E2E_DIR/n7-fresh-after; mkdir -p "${STATE_DIR[7]}"
	auth_start 7 $(named 7) --network-key "$E2E_DIR/net.key" --authority "$AUTH_PUB" \
		--join "$(under_of 1):51821"
	sleep 6
	auth_kill 7
	local nodes=()
	for v in "${LIVE[@]}"; do nodes+=(--node "$(under_of "$v"):51821"); done
	ip netns exec "$(ns_of 7)" "$ATT" sybil --key "$E2E_DIR/net.key" --bind "$(under_of 7):0" \
		--endpoint "$(under_of 7):51821" --count 400 --rate 100 "${nodes[@]}" >/dev/null 2>&1 ||
		violation "the attacker could not send from node 7's namespace"
	sleep 2

	local sent=0 c pre env parsed trust
	for v in "${LIVE[@]}"; do c=$(counted_from "$v"); sent=$((sent + ${c:-0})); done
	pre=$(( $(metric_sum "$PRE_PARSE" "${LIVE[@]}") - before_pre ))
	env=$(( $(metric_sum "$ENVELOPE" "${LIVE[@]}") - before_env ))
	parsed=$(( $(metric_sum "$PARSED_REFUSED" "${LIVE[@]}") - before_parsed ))
	trust=$(( $(metric_sum "$TRUST_REFUSED" "${LIVE[@]}") - before_trust ))
	figure "revoked_datagrams=$sent" "revoked_refused_before_parse=$pre" \
		"revoked_refused_envelope=$env" "revoked_parsed_refused=$parsed" "revoked_trust_refused=$trust"
	[ "$sent" -gt 0 ] || violation "test design: node 7 sent no gossip datagram to any live node"
	[ "$pre" -ge "$sent" ] ||
		violation "after revocation + rotation, only $pre of node 7's $sent datagrams were refused before parsing"
	[ "$parsed" -eq 0 ] && [ "$trust" -eq 0 ] ||
		violation "node 7's datagrams reached the parser after the rotation ($parsed refused as messages, $trust by the trust rules)"
	for v in "${LIVE[@]}"; do
		[ "$(snapshot "$v")" = "${snaps_before[$i]}" ] ||
			violation "node $v's members or WireGuard peers changed while revoked node 7 tried: $(diff <(echo "${snaps_before[$i]}") <(snapshot "$v") | head -n 4 | tr '\n' ' ')"
		i=$((i + 1))
	done
	nowhere "${KEY[7]}" "${LIVE[@]}" || violation "node 7's old key is back:$(where_key "${KEY[7]}" "${LIVE[@]}")"
	ev_stop
	local back
	back=$(cat "$E2E_DIR"/ev.revoke.* | grep -F "\"public_key\":\"${KEY[7]}\"" | grep -vc '"event":"revoked"' || true)
	figure "revoked_reappeared_events=$back"
	[ "$back" -eq 0 ] ||
		violation "revoked node 7 reappeared in $back membership event(s) after its revocation: $(cat "$E2E_DIR"/ev.revoke.* | grep -F "${KEY[7]}" | grep -v '"event":"revoked"' | head -n 2 | cut -c1-200 | tr '\n' ' ')"
	log "scenario 7 done: $sent datagrams from revoked node 7, $pre refused before parsing ($env at the envelope)"
}
