#!/usr/bin/env bash
# Networking (issue #4): VNET jails on a bridge (made by iocage, with a notice) ping each other
# and the bridge over IPv4 and IPv6; MACs stored at first start; runtime's interfaces; the
# default routes; a shared-IP (ipvlan) jail on a veth parent; ip4=disable; address conflicts;
# a non-bridge "bridge"; a jail killed from outside; 10 VNET jails started at once.
#
# Everything runs in a network namespace of the test's own (iocnetT$$): iocage is run there
# with nsenter --net (not `ip netns exec`, which also makes a new mount namespace that would
# hide the jails' mounts from the rest of the test), so the bridges and veths it makes are
# there, never on the host's interfaces. The namespace is deleted by name at the end.
. "$(dirname "$0")/lib.sh"

command -v ip >/dev/null || skip_all "iproute2 (ip) is not installed"
command -v nsenter >/dev/null || skip_all "nsenter (util-linux) is not installed"
private_binary
NS=iocnetT$$
ip netns add "$NS" || skip_all "cannot create a network namespace"
at_exit stop_test_jails
at_exit "ip netns del $NS 2>/dev/null"
BB=$(_busybox_path)

ioc() {
	nsenter --net="/run/netns/$NS" -- "$IOCAGE_BIN" "$@"
}
nsip() { # ip in the test's namespace
	ip -n "$NS" "$@"
}
jip() { # jip TAG ARGS...: busybox ip in the jail
	local t=$1
	shift
	ioc exec "$t" /bin/busybox ip "$@"
}
host_ping() { # host_ping ADDR: one ping from the test's namespace
	local p=ping
	[[ $1 == *:* ]] && p=ping6
	nsenter --net="/run/netns/$NS" -- "$BB" $p -c 1 -W 3 "$1"
}
jail_ping() { # jail_ping TAG ADDR
	local p=ping
	[[ $2 == *:* ]] && p=ping6
	ioc exec "$1" /bin/busybox $p -c 1 -W 3 "$2"
}
links_of() { # links_of UUID: the test namespace's links named after the jail
	nsip -o link show | grep -F ".${1:0:8}" || true
}

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"
nsip link set lo up

# =============================================================================================
# Two VNET jails on bridge0, which iocage creates.
for t in va vb; do
	n=$([ $t = va ] && echo 2 || echo 3)
	ok -m "create VNET jail $t" ioc create release=R tag=$t vnet=on interfaces=vnet0:bridge0 \
		"ip4_addr=vnet0|10.23.0.$n/24" "ip6_addr=vnet0|fd00:23::$n/64" \
		defaultrouter=10.23.0.1 defaultrouter6=fd00:23::1 allow_raw_sockets=1
done
ua=$(uuid_of va)
ub=$(uuid_of vb)
nok -m "no bridge0 before the first start" nsip link show bridge0
ok -m "start va" ioc start va
like "$OUT" '^  \+ network \(bridge bridge0 created\) OK$' \
	"start va says it created bridge0 (in the network step)"
is "$(nsip -o link show type bridge | awk -F': ' '{ print $2 }')" bridge0 \
	"bridge0 exists in the test's namespace and is a bridge"
like "$(nsip -o link show bridge0)" '[<,]UP[,>]' "bridge0 is up"
ok -m "start vb" ioc start vb
like "$OUT" '^  \+ network OK$' "start vb: network OK without a notice (bridge0 exists)"
nsip addr add 10.23.0.1/24 dev bridge0
nsip addr add fd00:23::1/64 dev bridge0 nodad

ha=vnet0.${ua:0:8}
like "$(nsip -o link show "$ha")" "master bridge0" "host end $ha is enslaved to bridge0"
like "$(nsip -o link show "$ha")" '[<,]UP[,>]' "host end $ha is up"
mac=$(ioc get vnet0_mac va)
like "$mac" '^02ff60[0-9a-f]{6} 02ff60[0-9a-f]{6}$' "vnet0_mac was made from mac_prefix and stored"
jmac=$(echo "${mac#* }" | sed 's/../&:/g; s/:$//')
hmac=$(echo "${mac% *}" | sed 's/../&:/g; s/:$//')
like "$(nsip -o link show "$ha")" "link/ether $hmac " "the host end has the first MAC"
ok -m "busybox ip in jail a" jip va link show vnet0
like "$OUT" "link/ether $jmac " "the jail end vnet0 has the second MAC"
like "$OUT" 'mtu 1500' "vnet0 has the bridge's MTU"
isnt "$(ioc get vnet0_mac vb)" "$mac" "b's MACs differ from a's"

ok -m "a pings b (IPv4)" jail_ping va 10.23.0.3
ok -m "b pings a (IPv4)" jail_ping vb 10.23.0.2
ok -m "the bridge side pings a (IPv4)" host_ping 10.23.0.2
ok -m "a pings the bridge side (IPv4)" jail_ping va 10.23.0.1
ok -m "a pings b (IPv6)" jail_ping va fd00:23::3
ok -m "the bridge side pings b (IPv6)" host_ping fd00:23::3

ok -m "routes in a" jip va route show
like "$OUT" '^default via 10\.23\.0\.1 dev vnet0' "defaultrouter is a's IPv4 default route"
ok -m "IPv6 routes in a" jip va -6 route show
like "$OUT" '^default via fd00:23::1 dev vnet0' "defaultrouter6 is a's IPv6 default route"

ok -m "runtime va" ioc runtime va
rt=$OUT
is "$(kv_val "$rt" network)" "own (vnet)" "runtime network=own (vnet)"
is "$(kv_val "$rt" net.vnet0.mac)" "$jmac" "runtime net.vnet0.mac is the jail end's MAC"
like "$(kv_val "$rt" net.vnet0.addr)" '(^|,)10\.23\.0\.2/24(,|$)' "runtime net.vnet0.addr has IPv4"
like "$(kv_val "$rt" net.vnet0.addr)" '(^|,)fd00:23::2/64(,|$)' "runtime net.vnet0.addr has IPv6"
is "$(kv_val "$rt" net.route4)" "10.23.0.1 dev vnet0" "runtime net.route4"
ok -m "runtime --json va" ioc runtime --json va
json_ok "d['net.vnet0.mac'] == '$jmac'" "runtime --json has the interfaces" <<<"$OUT"
like "$(ioc list)" '10\.23\.0\.2' "list shows a's IPv4 address"

# --- an address a running jail has on the same bridge ---
ok -m "create c with a's address on bridge0" ioc create release=R tag=vc vnet=on \
	interfaces=vnet0:bridge0 "ip4_addr=vnet0|10.23.0.2/24"
uc=$(uuid_of vc)
nok -m "start vc fails" ioc start vc
like "$ERR" "10\\.23\\.0\\.2 on bridge0 is already used by running jail $ua \\(va\\)" \
	"the refusal names the address, the bridge and the jail that has it"
is "$(state_of vc)" down "c is down"
is "$(links_of "$uc")" "" "nothing of c is left in the namespace"

# --- a "bridge" that is not one ---
nsip link add notbr0 type veth peer name notbr0p
ok -m "create d on the veth notbr0" ioc create release=R tag=vd vnet=on \
	interfaces=vnet0:notbr0 "ip4_addr=vnet0|10.26.0.2/24"
ud=$(uuid_of vd)
nok -m "start vd fails" ioc start vd
like "$ERR" 'notbr0 exists and is not a bridge' "start vd says notbr0 is not a bridge"
is "$(state_of vd)" down "d is down"
is "$(links_of "$ud")" "" "nothing of d is left in the namespace"
unlike "$(nsip -o link show notbr0)" 'master' "notbr0 is left alone"

# --- stop removes the veths ---
ok -m "stop va" ioc stop va
like "$OUT" '^  \+ network OK$' "stop va shows the network step"
is "$(links_of "$ua")" "" "stop va leaves no link named after a"
ok -m "stop vb" ioc stop vb
is "$(links_of "$ub")" "" "stop vb leaves no link named after b"
ok -m "start va again (its MACs are kept)" ioc start va
is "$(ioc get vnet0_mac va)" "$mac" "vnet0_mac is unchanged by the second start"

# --- a jail killed from outside ---
jid=$(jid_of va)
kill -9 "$jid"
wait_gone "$jid" 2>/dev/null || sleep 1
run ioc stop va
is "$(links_of "$ua")" "" "stop after a kill from outside leaves no link named after a"
ok -m "start va after the kill" ioc start va
ok -m "a pings the bridge after the restart" jail_ping va 10.23.0.1
ok -m "stop va" ioc stop va

# =============================================================================================
# dhcp=on: the jail's own udhcpc gets vnet0 a lease from a busybox udhcpd on bridge dhbr0.
nsip link add dhbr0 type bridge
nsip addr add 10.26.0.1/24 dev dhbr0
nsip link set dhbr0 up
printf '%s\n' 'start 10.26.0.100' 'end 10.26.0.110' 'interface dhbr0' \
	"lease_file $T_TMP/udhcpd.leases" "pidfile $T_TMP/udhcpd.pid" \
	'option subnet 255.255.255.0' 'option router 10.26.0.1' 'option lease 600' \
	>"$T_TMP/udhcpd.conf"
: >"$T_TMP/udhcpd.leases"
nsenter --net="/run/netns/$NS" -- "$BB" udhcpd -f "$T_TMP/udhcpd.conf" >"$T_TMP/udhcpd.log" 2>&1 &
dpid=$!
at_exit "kill $dpid 2>/dev/null"
ok -m "create dh (dhcp=off for now)" ioc create release=R tag=dh vnet=on interfaces=vnet0:dhbr0
ud=$(uuid_of dh)
ok -m "set dhcp=on" ioc set dhcp=on dh
fails -m "start dh with dhcp=on and bpf=off fails" 1 ioc start dh
like "$ERR" 'dhcp=on needs bpf=on.*iocage set bpf=on dh' "the error says to set bpf=on"
is "$(links_of "$ud")" "" "nothing of dh was made"
ok -m "set bpf=on" ioc set bpf=on dh
fails -m "start dh without a DHCP client in the jail fails" 1 ioc start dh
like "$ERR" 'no DHCP client \(dhclient, dhcpcd or udhcpc\)' "the error says the jail lacks a DHCP client"
is "$(state_of dh)" down "dh is down after the failed start"
is "$(links_of "$ud")" "" "the failed start left no veth"
ok -m "set dhcp=off" ioc set dhcp=off dh
ok -m "start dh (dhcp=off)" ioc start dh
ok -m "link /sbin/udhcpc in dh" ioc exec dh /bin/busybox ln -s /bin/busybox /sbin/udhcpc
ok -m "stop dh" ioc stop dh
ok -m "set dhcp=on" ioc set dhcp=on dh
fails -m "start dh with udhcpc but no script fails" 1 ioc start dh
like "$ERR" 'udhcpc has no script.*/etc/udhcpc/default.script' "the error names the script udhcpc needs"
is "$(links_of "$ud")" "" "the failed start left no veth"
ok -m "set dhcp=off" ioc set dhcp=off dh
ok -m "start dh (dhcp=off)" ioc start dh
# The lease script the jail's udhcpc runs (written by the jail's own shell).
script='#!/bin/sh
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/$mask" dev "$interface"
	[ -z "$router" ] || ip route replace default via "${router%% *}" ;;
esac
exit 0'
ok -m "write dh's udhcpc script" ioc exec dh /bin/sh -c \
	'mkdir -p /etc/udhcpc && printf "%s\n" "$1" >/etc/udhcpc/default.script &&
	 busybox chmod 0755 /etc/udhcpc/default.script' sh "$script"
ok -m "stop dh" ioc stop dh
ok -m "set dhcp=on" ioc set dhcp=on dh
ok -m "start dh with dhcp=on" ioc start dh ||
	diag "udhcpd:" "$(cat "$T_TMP/udhcpd.log")" "console:" "$(cat "$(console_log "$ud")")"
like "$OUT" '^  \+ dhcp \(udhcpc\) OK$' "start reports the dhcp step and the client it ran"
ok -m "ip addr in dh" jip dh -4 addr show vnet0
like "$OUT" 'inet 10\.26\.0\.1[01][0-9]/24' "dh's vnet0 has a leased address in 10.26.0.100-110/24"
ok -m "routes in dh" jip dh route show
like "$OUT" '^default via 10\.26\.0\.1 ' "dh's default route is the lease's router"
ok -m "dh pings the bridge" jail_ping dh 10.26.0.1
ok -m "ps in dh" ioc exec dh /bin/busybox ps -o comm
like "$OUT" '^udhcpc$' "udhcpc stays in dh to renew the lease"
ok -m "stop dh" ioc stop dh
is "$(links_of "$ud")" "" "nothing of dh is left"
# No server on the bridge: the start fails in bounded time and unwinds.
ok -m "set interfaces=vnet0:brnone" ioc set interfaces=vnet0:brnone dh
fails -m "start dh with no DHCP server fails" 1 ioc start dh
like "$ERR" 'DHCP client \(udhcpc\) got no lease on vnet0' "the error says no lease came"
is "$(state_of dh)" down "dh is down"
is "$(links_of "$ud")" "" "the failed start left no veth"
kill "$dpid" 2>/dev/null

# =============================================================================================
# Shared IP: an ipvlan link (macvlan on a kernel without ipvlan) on a veth parent the test makes.
nsip link add sh0 type veth peer name sh0p
nsip link set sh0 up
nsip link set sh0p up
nsip addr add 10.24.0.1/24 dev sh0p
nsip addr add fd00:24::1/64 dev sh0p nodad
ok -m "create shared-IP jail s" ioc create release=R tag=s vnet=off ip4=new ip6=new \
	"ip4_addr=sh0|10.24.0.5/24" "ip6_addr=sh0|fd00:24::5/64" allow_raw_sockets=1
us=$(uuid_of s)
ok -m "start s" ioc start s
ok -m "ip addr in s" jip s addr show sh0
like "$OUT" 'inet 10\.24\.0\.5/24' "s has 10.24.0.5/24 on its sh0 (an ipvlan or macvlan of the host's sh0)"
ok -m "the parent's peer pings s" host_ping 10.24.0.5
ok -m "s pings the parent's peer" jail_ping s 10.24.0.1
ok -m "ip -6 addr in s" jip s -6 addr show sh0
like "$OUT" 'inet6 fd00:24::5/64' "s has fd00:24::5/64 on its sh0"
ok -m "the parent's peer pings s (IPv6)" host_ping fd00:24::5
ok -m "s pings the parent's peer (IPv6)" jail_ping s fd00:24::1
is "$(rt_val s network)" "own (shared ip)" "runtime network=own (shared ip)"
ok -m "stop s" ioc stop s
is "$(links_of "$us")" "" "nothing of s is left"

# =============================================================================================
# ip4=disable: loopback only, no route.
ok -m "create x with ip4=disable" ioc create release=R tag=x ip4=disable ip6=disable
ok -m "start x" ioc start x
ok -m "links of x" jip x -o link show
is "$(awk -F': ' '{ print $2 }' <<<"$OUT")" lo "x has only lo"
ok -m "routes of x" jip x route show
is "$OUT" "" "x has no IPv4 route"
ok -m "stop x" ioc stop x

# =============================================================================================
# doctor: what would stop traffic, in plain words; defaultrouter=auto.
ok -m "create doc1 on bridge docbr" ioc create release=R tag=doc1 vnet=on interfaces=vnet0:docbr \
	"ip4_addr=vnet0|10.27.0.5/24" defaultrouter=10.27.0.1 allow_raw_sockets=1
ok -m "create doc2 with doc1's address on docbr" ioc create release=R tag=doc2 vnet=on \
	interfaces=vnet0:docbr "ip4_addr=vnet0|10.27.0.5/24"
ok -m "create doc3 with a router outside its subnet" ioc create release=R tag=doc3 vnet=on \
	interfaces=vnet0:docbr "ip4_addr=vnet0|10.27.0.7/24" defaultrouter=10.99.0.1
ok -m "create doc4 with dhcp=on and bpf=off" ioc create release=R tag=doc4 vnet=on \
	interfaces=vnet0:docbr dhcp=on
fails -m "doctor finds problems (exit 1)" 1 ioc doctor
doc=$OUT
like "$ERR" 'problems found' "doctor says on stderr that it found problems"
like "$doc" '^warn +host +IPv4 forwarding is off: .*sysctl -w net.ipv4.ip_forward=1' \
	"doctor: IPv4 forwarding is off in the test's namespace, with the fix"
# nft (nftables) gives the namespace a firewall to find; without it doctor says it did not look.
have_nft=$(command -v nft || true)
if [ -n "$have_nft" ]; then
	like "$doc" '^ok +host +no firewall forward hook drops by default' "doctor: no dropping firewall yet"
else
	like "$doc" '^(info +host +neither nft nor iptables is installed|ok +host +no firewall forward hook drops)' \
		"doctor: without nft, iptables is read or the firewall is said to be unchecked"
fi
like "$doc" '^info +bridge docbr +does not exist yet' "doctor: docbr does not exist yet"
like "$doc" '^error +doc1 +address 10\.27\.0\.5 on docbr is also doc2' "doctor: doc1 and doc2 clash"
like "$doc" '^error +doc3 +defaultrouter 10\.99\.0\.1 is in none of the jail.s subnets' \
	"doctor: doc3's router is outside its subnet"
like "$doc" '^error +doc4 +dhcp=on needs bpf=on' "doctor: doc4 needs bpf=on"
fails -m "doctor -H" 1 ioc doctor -H
lines_like "$OUT" $'^(ok|info|warn|error)\t[^\t]+\t[^\t]+$' "doctor -H: LEVEL, SUBJECT, FINDING tab-separated"
fails -m "doctor --json" 1 ioc doctor --json
json_ok "any(f['level'] == 'error' and f['subject'] == 'doc4' for f in d)" \
	"doctor --json has doc4's error" <<<"$OUT"
ok -m "destroy doc2 doc3 doc4" ioc destroy -f doc2 doc3 doc4
nsip link set lo up
[ -z "$have_nft" ] || nsenter --net="/run/netns/$NS" -- nft add table ip filter
[ -z "$have_nft" ] || nsenter --net="/run/netns/$NS" -- nft add chain ip filter FORWARD \
	'{ type filter hook forward priority 0; policy drop; }'
nsip link add docbr type bridge
nsip addr add 10.27.0.1/24 dev docbr
fails -m "doctor doc1: a bridge that is down is an error" 1 ioc doctor doc1
like "$OUT" '^error +bridge docbr +is down: ip link set docbr up' "doctor: docbr is down, with the fix"
[ -z "$have_nft" ] || like "$OUT" '^warn +host +the firewall drops forwarded traffic by default \(nft table ip filter, chain FORWARD\)' \
	"doctor: the dropping forward chain is named"
if [ -n "$have_nft" ] && [ "$(nsenter --net="/run/netns/$NS" -- cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ]; then
	like "$OUT" '^error +host +bridge-nf-call-iptables=1 sends even traffic between jails on one bridge' \
		"doctor: bridge-nf-call-iptables=1 with a dropping forward hook is an error"
fi
[ -z "$have_nft" ] || nsenter --net="/run/netns/$NS" -- nft delete table ip filter
nsip link set docbr up
ok -m "start doc1" ioc start doc1
ok -m "doctor doc1 (running, bridge up)" ioc doctor doc1
like "$OUT" '^ok +doc1 +vnet0 is up on bridge docbr' "doctor: doc1's vnet0 is on docbr"
like "$OUT" '^ok +doc1 +defaultrouter 10\.27\.0\.1 is this host.s address on docbr' \
	"doctor: doc1's router is the host's address on docbr"
unlike "$OUT" 'doc2|doc3|doc4' "doctor doc1 tells only of doc1 and the host"
# The bridge deleted and made again under the jail: its port is gone.
nsip link del docbr
nsip link add docbr type bridge
nsip link set docbr up
fails -m "doctor doc1 after the bridge was re-made" 1 ioc doctor doc1
like "$OUT" "^error +doc1 +vnet0's host end .* is gone: restart the jail|^error +doc1 +vnet0 .* is not on bridge docbr" \
	"doctor: doc1's vnet0 is no longer on docbr, restart it"
ok -m "stop doc1" ioc stop doc1
# defaultrouter=auto: the host's address on the jail's bridge, in the jail's subnet.
nsip addr add 10.27.0.1/24 dev docbr
ok -m "set defaultrouter=auto on doc1" ioc set defaultrouter=auto doc1
ok -m "start doc1 (defaultrouter=auto)" ioc start doc1
ok -m "routes in doc1" jip doc1 route show
like "$OUT" '^default via 10\.27\.0\.1 dev vnet0' "defaultrouter=auto: doc1 routes through the host's 10.27.0.1 on docbr"
ok -m "doc1 pings the host through docbr" jail_ping doc1 10.27.0.1
ok -m "stop doc1" ioc stop doc1
nsip addr flush dev docbr
ok -m "start doc1 (auto, no host address on docbr)" ioc start doc1
like "$OUT" 'defaultrouter=auto: no host address in the jail.s subnets, no default route' \
	"defaultrouter=auto without a host address: start says there is no default route"
ok -m "stop doc1" ioc stop doc1

# =============================================================================================
# Ten VNET jails started at once on one bridge.
for i in $(seq 1 10); do
	ioc create release=R tag="p$i" vnet=on interfaces=vnet0:bridge9 \
		"ip4_addr=vnet0|10.25.0.$((10 + i))/24" allow_raw_sockets=1 >/dev/null </dev/null ||
		fail "create p$i"
done
for i in $(seq 1 10); do
	ioc start "p$i" >"$T_TMP/p$i.out" 2>&1 </dev/null &
done
wait
up=0
for i in $(seq 1 10); do
	[ "$(state_of "p$i")" = up ] && up=$((up + 1))
done
is "$up" 10 "10 jails started at once are all up"
cnt=$(grep -l 'network (bridge bridge9 created) OK' "$T_TMP"/p*.out | wc -l)
is "$cnt" 1 "exactly one of them created bridge9"
is "$(nsip -o link show master bridge9 | wc -l)" 10 "bridge9 has 10 ports"
macs=$(for i in $(seq 1 10); do ioc get vnet0_mac "p$i"; done | sort -u | wc -l)
is "$macs" 10 "the 10 jails have 10 different MAC pairs"
nsip addr add 10.25.0.1/24 dev bridge9
ok -m "p1 pings p10" ioc exec p1 /bin/busybox ping -c 1 -W 3 10.25.0.20 ||
	diag "$(cat "$T_TMP/p1.out")"
ok -m "stop ALL" ioc stop ALL
is "$(nsip -o link show master bridge9 | wc -l)" 0 "after stop ALL bridge9 has no port"
is "$(nsip -o link show | grep -c 'vnet[0-9]\.' || true)" 0 "no vnet host end is left"

done_testing
