#!/usr/bin/env bash
# Voice gateway benchmark: Omnigate (B2BUA, media anchored) vs Kamailio + rtpengine
# (userspace) under the same sipp load, on 127.0.0.1. See README.md.
#
#   bench/voice/run.sh                 # both sides, default steps
#   SIDES=omnigate bench/voice/run.sh  # one side
#   CPS_STEPS="50 100 200" CONC_STEPS="100 300 500" bench/voice/run.sh
#
# The SUT (Omnigate with GOMAXPROCS=1, or Kamailio + rtpengine with one worker
# thread each) is pinned to CPU 1; sipp, the helper driver and tcpdump to CPU 0.
# Every process started here is bounded by `timeout` and killed by pid on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SIDES=${SIDES:-"omnigate kamailio"}
CPS_STEPS=${CPS_STEPS-"200 300 400"}
CPS_SECS=${CPS_SECS:-20}          # length of one CPS step
CPS_HOLD_MS=${CPS_HOLD_MS:-0}    # how long the callee talks before hanging up, CPS test
CONC_STEPS=${CONC_STEPS-"100 300 500"}
CONC_HOLD_MS=${CONC_HOLD_MS:-35000}
RAMP_CPS=${RAMP_CPS:-50}
AGENTS=${AGENTS:-600}
# MAX_WAITING: the bench queue's max_waiting_calls (0: no cap; callers beyond it are
# answered busy, which sipp counts as failed calls)
SUT_CPU=${SUT_CPU:-1}
UAC_RTP_LO=44000 # sipp -mp: rtp_stream binds one socket per call from here up
UAC_RTP_HI=59999
GEN_CPU=${GEN_CPU:-0}
W=${WORK:-/tmp/omnigate-voice-bench}
mkdir -p "$W"
cd "$W"
RESULTS="$W/results.txt"
: > "$RESULTS"
PIDS=()
cleanup() {
	# each entry is a `timeout` (or taskset exec'ing one) with the real process as its
	# child: signal both, or a child slow to stop would outlive the kill -9 and hold
	# its ports into the next phase
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && { pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; } || true
	done
	sleep 0.5
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && { pkill -9 -P "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; } || true
	done
	# wait for them, so the next phase finds the ports free
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	PIDS=()
}
# sipp's RTP echo socket keeps the default 208 KiB receive buffer; both sides get the
# same larger default for the run (PERF-ANCHORS §10), restored on exit.
RMEM_OLD=$(sysctl -n net.core.rmem_default)
restore() { cleanup; sysctl -q -w net.core.rmem_default="$RMEM_OLD" || true; }
trap restore EXIT
sysctl -q -w net.core.rmem_default="${RMEM_DEFAULT:-4194304}" || echo "could not raise rmem_default" >&2
log() { echo "== $*" >&2; }
out() { echo "$*" | tee -a "$RESULTS"; }

log "build"
# PROFILE=1 builds Omnigate with the Go profiler (-tags pprof, OMNIGATE_PPROF_ADDR) and
# saves a CPU profile of each step's measuring window as $W/cpu-omnigate-*.pprof.
TAGS=""
[ -n "${PROFILE:-}" ] && TAGS="-tags pprof"
(cd "$ROOT" && go build $TAGS -o "$W/omnigate" ./cmd/omnigate && go build -o "$W/driver" ./bench/voice/driver)
cp "$HERE"/uac*.xml "$HERE"/uas*.xml "$HERE/kamailio.cfg" "$W/"
"$W/driver" config -n "$AGENTS" -max-waiting "${MAX_WAITING:-0}" -o "$W/omnigate-bench.yaml" -csv "$W/agents.csv"
"$W/driver" mkaudio -o "$W/g711a-20ms.raw" -seconds 40

# live_bytes: Omnigate's live memory (heap in use + goroutine stacks) right after a
# forced GC. Needs the profiling build (PROFILE=1): /debug/pprof/heap?gc=1 runs the GC.
live_bytes() {
	[ -n "${PROFILE:-}" ] || return 0
	curl -s -o /dev/null "http://127.0.0.1:6060/debug/pprof/heap?gc=1"
	curl -s http://127.0.0.1:8088/metrics | awk '/^go_memstats_heap_inuse_bytes |^go_memstats_stack_inuse_bytes / { s += $2 } END { printf "%d\n", s }'
}

# udp_drops PORTLO PORTHI: "drops/sockets" summed over the sockets bound in [lo, hi]
# (/proc/net/udp drop counters: datagrams lost to a full receive buffer).
udp_drops() { "$W/driver" udpdrops -lo "$1" -hi "$2"; }
rcvbuf_errors() { awk '/^Udp: [0-9]/ { print $6 }' /proc/net/snmp; }

# start_uas SCENARIO [ARGS]: the far end on 127.0.0.1:5090 (media echo on 42000).
start_uas() {
	local sf=$1
	shift
	taskset -c "$GEN_CPU" timeout 900 sipp -sf "$sf" -i 127.0.0.1 -p 5090 -mi 127.0.0.1 -mp 42000 -rtp_echo \
		-nostdin -trace_err -timeout 880s "$@" > uas.out 2>&1 &
	PIDS+=($!)
	sleep 0.5
}

# uac SCENARIO TARGET RATE LIMIT COUNT HOLD_MS TIMEOUT: one bounded sipp UAC run; prints "ok fail".
uac() {
	local sf=$1 target=$2 rate=$3 limit=$4 count=$5 hold=$6 tmo=$7
	rm -f uac*_.csv
	taskset -c "$GEN_CPU" timeout $((tmo + 30)) sipp "$target" -sf "$sf" -s 3000 -i 127.0.0.1 -p 5080 \
		-mi 127.0.0.1 -mp "$UAC_RTP_LO" -r "$rate" -l "$limit" -m "$count" -d "$hold" -nostdin \
		-timeout "${tmo}s" -trace_stat -fd 1 -trace_err > uac.out 2>&1 || true
	local stat
	stat=$(ls -t uac*_.csv 2>/dev/null | head -1) || true
	# cumulative successful and failed calls from the last -trace_stat line
	awk -F';' 'NR==1 { for (i=1;i<=NF;i++) { if ($i=="SuccessfulCall(C)") s=i; if ($i=="FailedCall(C)") f=i } } END { print $s+0, $f+0 }' "$stat"
}

# cps_steps SIDE TARGET PIDS: each step runs RATE calls/s for CPS_SECS seconds.
cps_steps() {
	local side=$1 target=$2 pids=$3
	for r in $CPS_STEPS; do
		local n=$((r * CPS_SECS))
		local e0 d
		e0=$(rcvbuf_errors)
		(
			sleep $((CPS_SECS / 4))
			if [ -n "${PROFILE:-}" ] && [ "$side" = omnigate ]; then
				curl -s -o "cpu-omnigate-cps-$r.pprof" "http://127.0.0.1:6060/debug/pprof/profile?seconds=$((CPS_SECS / 2))" &
			fi
			"$W/driver" procstat -pids "$pids" -seconds $((CPS_SECS / 2)) > cps_cpu.out
			wait
		) &
		local mon=$!
		read -r ok fail < <(uac uac-cps.xml "$target" "$r" $((r * 10)) "$n" 0 $((CPS_SECS + 60)))
		wait "$mon" || true
		d=$(( $(rcvbuf_errors) - e0 ))
		out "$side cps rate=$r calls=$n ok=$ok failed=$fail $(cat cps_cpu.out) rcvbuf_errors=$d"
		sleep 5
	done
}

# conc_steps SIDE TARGET PIDS RELAY_LO RELAY_HI: C concurrent calls of CONC_HOLD_MS,
# ramped at RAMP_CPS; CPU and RSS sampled on the plateau, then a 3 s capture for latency.
conc_steps() {
	local side=$1 target=$2 pids=$3 lo=$4 hi=$5
	for c in $CONC_STEPS; do
		local ramp=$(((c + RAMP_CPS - 1) / RAMP_CPS))
		local e0 rss0
		e0=$(rcvbuf_errors)
		rss0=$("$W/driver" procstat -pids "$pids" -seconds 0.1 | sed 's/.*rss_kb=//')
		local live0=""
		[ "$side" = omnigate ] && live0=$(live_bytes)
		(
			sleep $((ramp + 3))
			if [ -n "${PROFILE:-}" ] && [ "$side" = omnigate ]; then
				curl -s -o "cpu-omnigate-conc-$c.pprof" "http://127.0.0.1:6060/debug/pprof/profile?seconds=10" &
			elif [ -n "${PROFILE:-}" ]; then
				taskset -c "$GEN_CPU" timeout 20 perf record -q -g -o "perf-$side-$c.data" -p "${pids%%,*}" -- sleep 10 > /dev/null 2>&1 &
			fi
			"$W/driver" procstat -pids "$pids" -seconds 10 > conc_cpu.out
			wait
			[ "$side" = omnigate ] && live_bytes > conc_live.out
			echo "relay_drops=$(udp_drops "$lo" "$hi") uas_drops=$(udp_drops 42000 42001) uac_drops=$(udp_drops "$UAC_RTP_LO" "$UAC_RTP_HI")" > conc_drops.out
			taskset -c "$GEN_CPU" timeout 10 dumpcap -q -i lo -s 96 -B 64 -P -a duration:3 -f 'udp and (portrange '"$UAC_RTP_LO-$UAC_RTP_HI"' or port 42000)' -w conc.pcap > /dev/null 2>&1 || true
		) &
		local mon=$!
		read -r ok fail < <(uac uac.xml "$target" "$RAMP_CPS" "$c" "$c" "$CONC_HOLD_MS" $((CONC_HOLD_MS / 1000 + ramp + 60)))
		wait "$mon" || true
		local d cpu rss lat
		d=$(( $(rcvbuf_errors) - e0 ))
		cpu=$(cat conc_cpu.out)
		rss=$(echo "$cpu" | sed 's/.*rss_kb=//')
		lat=$("$W/driver" latency -pcap conc.pcap -uac-lo "$UAC_RTP_LO" -uac-hi "$UAC_RTP_HI" -uas 42000 2>&1 || true)
		local live=""
		if [ -n "$live0" ] && [ -s conc_live.out ]; then
			live="live_kb_per_call=$(( ($(cat conc_live.out) - live0) / 1024 / c ))"
		fi
		rm -f conc_live.out
		out "$side conc calls=$c ok=$ok failed=$fail $cpu rss_idle_kb=$rss0 kb_per_call=$(( (rss - rss0) / c )) $live $(cat conc_drops.out) rcvbuf_errors_total=$d $lat"
		[ -n "${KEEP_PCAP:-}" ] && mv conc.pcap "conc-$side-$c.pcap" || rm -f conc.pcap
		sleep 6
	done
}

run_omnigate() {
	# each phase on a fresh process: the CPS phase grows the heap, which would hide
	# the memory per call of the concurrency phase
	[ -n "$CPS_STEPS" ] && omnigate_phase cps
	[ -n "$CONC_STEPS" ] && omnigate_phase conc
	return 0
}

omnigate_phase() {
	log "omnigate $1: start (GOMAXPROCS=1, CPU $SUT_CPU)"
	rm -rf /tmp/omnigate-bench-data
	OMNIGATE_PPROF_ADDR=127.0.0.1:6060 GOMAXPROCS=1 taskset -c "$SUT_CPU" timeout 1800 "$W/omnigate" --config "$W/omnigate-bench.yaml" > omnigate.log 2>&1 &
	PIDS+=($!)
	sleep 0.3
	local og
	og=$(pgrep -n -P "$!")
	for _ in $(seq 50); do curl -sf http://127.0.0.1:8088/healthz > /dev/null && break; sleep 0.2; done
	taskset -c "$GEN_CPU" "$W/driver" register -n "$AGENTS"
	taskset -c "$GEN_CPU" "$W/driver" agents -n "$AGENTS"
	taskset -c "$GEN_CPU" timeout 1700 "$W/driver" agents -n "$AGENTS" -wrapup 1600s > wrapup.out 2>&1 &
	PIDS+=($!)
	if [ "$1" = cps ]; then start_uas uas-cps.xml -d "$CPS_HOLD_MS"; else start_uas uas.xml; fi
	sleep 3
	if [ "$1" = cps ]; then
		cps_steps omnigate 127.0.0.1:5060 "$og"
	else
		conc_steps omnigate 127.0.0.1:5060 "$og" 10000 29999
	fi
	curl -s http://127.0.0.1:8088/metrics | grep -E '^omnigate_rtp_packets_total|^omnigate_sip_calls_total|^omnigate_store_write(s_total|_operations_(sum|count)|_seconds_(sum|count))' >> "$RESULTS" || true
	cleanup
}

run_kamailio() {
	[ -n "$CPS_STEPS" ] && kamailio_phase cps
	[ -n "$CONC_STEPS" ] && kamailio_phase conc
	return 0
}

kamailio_phase() {
	log "kamailio + rtpengine $1: start (CPU $SUT_CPU)"
	taskset -c "$SUT_CPU" timeout 1800 rtpengine --interface=127.0.0.1 --listen-ng=127.0.0.1:22222 \
		--port-min=30000 --port-max=39999 --table=-1 --foreground --num-threads=1 --log-level=3 \
		--listen-cli=127.0.0.1:9900 --pidfile="$W/rtpengine.pid" > rtpengine.log 2>&1 &
	PIDS+=($!)
	taskset -c "$SUT_CPU" timeout 1800 kamailio -DD -E -f "$W/kamailio.cfg" -P "$W/kamailio.pid" -m 256 -M 16 > kamailio.log 2>&1 &
	PIDS+=($!)
	sleep 2
	local rp kp
	rp=$(cat "$W/rtpengine.pid" 2> /dev/null || pgrep -n -x rtpengine)
	kp=$(pgrep -d, -P "$(cat "$W/kamailio.pid")" || true)
	kp="$(cat "$W/kamailio.pid"),$kp"
	if [ "$1" = cps ]; then start_uas uas-cps.xml -d "$CPS_HOLD_MS"; else start_uas uas.xml; fi
	sleep 3
	if [ "$1" = cps ]; then
		cps_steps kamailio 127.0.0.1:5070 "$kp,$rp"
	else
		conc_steps kamailio+rtpengine 127.0.0.1:5070 "$kp,$rp" 30000 39999
	fi
	rtpengine-ctl -ip 127.0.0.1 -port 9900 list totals 2> /dev/null | head -20 >> "$RESULTS" || true
	cleanup
}

for s in $SIDES; do
	case $s in
	omnigate) run_omnigate ;;
	kamailio) run_kamailio ;;
	esac
done
echo
echo "results in $RESULTS"
