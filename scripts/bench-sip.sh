#!/usr/bin/env bash
# SIP load benchmark (issue 4): sipp callers -> tsunagu -> sipp agent phones
# (registered with digest, auto-answer), then the same sipp caller and callee
# through Kamailio 5.6 as a stateful proxy with dialog tracking, and through
# Kamailio with rtpengine relaying the media (userspace), on loopback.
#
#   scripts/bench-sip.sh                       # defaults below
#   AGENTS=600 RATE=100 CALLS=6000 TALK=30000 scripts/bench-sip.sh
#   PROFILE=1 PROFILE_SECONDS=25 scripts/bench-sip.sh   # + a CPU profile of tsunagu
#                                   # (TSUNAGU_PPROF, off by default in serve)
#   DIRECT=1 scripts/bench-sip.sh       # the number is a direct line (no greeting):
#                                   # "from arrived" is then INVITE -> the agent's ring
#   RTPENGINE=0 scripts/bench-sip.sh    # without the Kamailio + rtpengine run
#   LOG_LEVEL=info scripts/bench-sip.sh # + RTP received/lost/sent, mixer and recorder drops
#
# Prints, for tsunagu: failed calls, peak concurrent calls, RSS per active
# call, p99 queue -> agent's first ring (the INVITE reaching the phone), and
# completed calls per CPU-second; for Kamailio and Kamailio + rtpengine:
# failed calls and completed calls per CPU-second. Not part of the test
# command (it takes minutes).
# Everything listens on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENTS=${AGENTS:-300}     # registered agent phones (>= RATE * talk seconds for no queueing)
RATE=${RATE:-100}         # new calls per second
CALLS=${CALLS:-3000}      # calls per run
TALK=${TALK:-10000}       # ms an agent talks before hanging up (the issue asks 30 s; see docs/benchmarks.md)
LOG_LEVEL=${LOG_LEVEL:-warn} # info: per-call media counts in the log, summed after the run (RTP loss)
MEDIA=${MEDIA:-stream}    # stream: both sipps speak for the whole call (sipp's rtp_stream, a plain UDP
                          # socket); pcap: play_pcap_audio once (7 s), as in the runs before MEDIA -- sipp sends
                          # that from a raw socket per call, and every UDP packet on the machine
                          # (ours too) is then offered to each of those sockets (raw_local_deliver:
                          # 10 % of our CPU at 10 calls/s, a cost of the load generator)
ECHO=${ECHO:-0}           # 1 (with MEDIA=pcap): both sipps also echo every RTP packet they receive
                          # (-rtp_echo), as before Nov 26: our own packets come back on both legs
BASE=${BASE:-25000}       # ports BASE..BASE+99 (SIP), RTP 30000-39999
HTTP=127.0.0.1:$((BASE + 80))
SIPADDR=127.0.0.1:$((BASE + 60))
DID=0399990000
PASS=bench-password-123

for t in sipp:sip-tester kamailio:kamailio rtpengine:rtpengine-daemon jq:jq curl:curl; do
  command -v "${t%%:*}" >/dev/null || { apt-get update -qq && apt-get install -y -qq "${t##*:}"; }
done

echo_flag=(); [ "$ECHO" = 1 ] && echo_flag=(-rtp_echo)
work=$(mktemp -d /tmp/bench-sip.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
ln -s /usr/share/sip-tester "$work/pcap"
SC=$PWD/telephony/testdata/sipp
MSC=$SC # the caller and agent scenarios
if [ "$MEDIA" = stream ]; then
  # The speech of g711a.pcap (7.08 s of PCMA) as a raw file that rtp_stream
  # loops in 20 ms packets until the call ends, from the port the SDP
  # offers ([rtpstream_audio_port]: sipp's -mp socket).
  python3 - "$work/speech.al" <<'PY'
import struct, sys
d = open("/usr/share/sip-tester/g711a.pcap", "rb").read()
off, out = 24, bytearray()
while off < len(d):
    n = struct.unpack("<I", d[off + 8:off + 12])[0]
    ip = d[off + 16 + 14:off + 16 + n]  # past the record header and Ethernet
    out += ip[(ip[0] & 15) * 4 + 8 + 12:]  # past the IP, UDP and RTP headers
    off += 16 + n
open(sys.argv[1], "wb").write(out)
PY
  for f in bench_caller agent_bench_answer; do
    sed -e 's/\[media_port\]/[rtpstream_audio_port]/' \
      -e 's#<exec play_pcap_audio="pcap/g711a.pcap"/>#<exec rtp_stream="speech.al,-1,8"/>#' "$SC/$f.xml" > "$work/$f.xml"
    grep -q rtp_stream "$work/$f.xml" || { echo "$f.xml: no play_pcap_audio to replace"; exit 1; }
  done
  MSC=$work
fi
cpu_of() { # utime+stime in seconds of the given pids
  local t=0; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done
  echo "scale=2; $t / $(getconf CLK_TCK)" | bc
}
stat_col() { # stat_col FILE COLUMN: last value of a sipp -trace_stat column
  awk -F';' -v c="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==c) k=i; next} {v=$k} END{print v+0}' "$1"
}
stat_max() {
  awk -F';' -v c="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==c) k=i; next} {if($k+0>m) m=$k+0} END{print m+0}' "$1"
}

echo "== building"
go build -o "$work/tsunagu" ./cmd/tsunagu
cat > "$work/cfg.yaml" <<YAML
data: $work/data
http: "$HTTP"
sip: "$SIPADDR"
rtp_port_min: 30000
rtp_port_max: 39999
sip_flood_limit: 0
log_level: $LOG_LEVEL
YAML
PPROF=${PROFILE:+127.0.0.1:$((BASE + 81 + 1))}
TSUNAGU_PPROF=$PPROF "$work/tsunagu" serve --config "$work/cfg.yaml" --demo > "$work/tsunagu.out" 2> "$work/tsunagu.log" &
TPID=$!; pids+=("$TPID")
for _ in $(seq 100); do curl -sf "http://$HTTP/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "== setting up $AGENTS agents with SIP accounts"
jar=$work/jar
curl -sf -c "$jar" -H 'Content-Type: application/json' -d '{"username":"admin","password":"tsunagu-demo"}' "http://$HTTP/api/v1/auth/login" > "$work/me.json"
csrf=$(jq -r .csrf_token "$work/me.json")
TOKEN=$(curl -sf -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{"name":"bench","role":"admin"}' "http://$HTTP/api/v1/tokens" | jq -r .secret)
api() { curl -sf -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"} "http://$HTTP$2"; }
api POST /api/v1/queues '{"id":"bench","name":"bench","name_en":"bench","sl_percent":80,"sl_seconds":20,"acw_seconds":0}' >/dev/null
api POST /api/v1/trunks "{\"name\":\"bench\",\"allowed_nets\":[\"127.0.0.1/32\"],\"numbers\":[{\"number\":\"$DID\",\"default_queue\":\"bench\"${DIRECT:+,\"direct\":true}}]}" >/dev/null
ids=()
for i in $(seq -w 1 "$AGENTS"); do
  id=$(api POST /api/v1/users "{\"username\":\"bench$i\",\"display_name\":\"Bench $i\",\"role\":\"agent\",\"password\":\"$PASS\"}" | jq -r .agent_id)
  api PUT "/api/v1/agents/$id/sip" "{\"username\":\"bench$i\",\"password\":\"$PASS\"}" >/dev/null
  api PUT "/api/v1/agents/$id/phone" '{"kind":"sip"}' >/dev/null
  ids+=("$id")
done

echo "== agents' phones register and wait"
UAS=$((BASE + 70))
(cd "$work" && sipp -sf "$MSC/agent_bench_answer.xml" -i 127.0.0.1 -p $UAS -mp 40000 "${echo_flag[@]}" -d "$TALK" \
  -nostdin -bg -trace_msg -message_file "$work/agents_msgs.log" -trace_err -error_file "$work/agents_err.log" \
  -trace_stat -stf "$work/agents_stat.csv" -fd 1 > /dev/null 2>&1) || true
sleep 0.5
APID=$(pgrep -n -f "sipp -sf $MSC/agent_bench_answer.xml -i 127.0.0.1 -p $UAS" || true); pids+=("$APID")
# One sipp per agent: this sipp cannot take the digest user from a CSV field.
regport=$((BASE + 100))
for i in $(seq -w 1 "$AGENTS"); do echo "$i"; done | (cd "$work" && xargs -P 8 -I{} \
  sh -c "sipp -sf '$SC/agent_register.xml' -s bench{} -au bench{} -ap '$PASS' -i 127.0.0.1 -p \$(( $regport + 1{} % 8000 )) \
    -key uas_port $UAS -key expires 3600 -m 1 -nostdin -timeout 30s -timeout_error $SIPADDR >> '$work/register.out' 2>&1 || echo fail >> '$work/register.fail'")
[ -s "$work/register.fail" ] && { echo "registration failed: $(wc -l < "$work/register.fail") agents"; exit 1; }
for id in "${ids[@]}"; do api PUT "/api/v1/agents/$id/state" '{"state":"available"}' >/dev/null; done
rss0=$(awk '/VmRSS/{print $2}' /proc/$TPID/status)
cpu0=$(cpu_of "$TPID")

echo "== tsunagu: $CALLS calls at $RATE/s, agents talk $TALK ms"
peak_rss=$rss0
( while kill -0 "$TPID" 2>/dev/null; do r=$(awk '/VmRSS/{print $2}' /proc/$TPID/status); echo "$r"; sleep 0.5; done ) > "$work/rss.log" &
RSSPID=$!; pids+=("$RSSPID")
load_t0=$(cut -d' ' -f1 /proc/loadavg)
if [ -n "$PPROF" ]; then # PROFILE=1: a CPU profile of the first PROFILE_SECONDS of the calls
  curl -sf -o "$work/cpu.pprof" "http://$PPROF/debug/pprof/profile?seconds=${PROFILE_SECONDS:-30}" &
fi
(cd "$work" && sipp -sf "$MSC/bench_caller.xml" -s "$DID" -i 127.0.0.1 -p $((BASE + 72)) -mp 50000 "${echo_flag[@]}" \
  -r "$RATE" -m "$CALLS" -l $((RATE * (TALK / 1000 + 30))) -nostdin -timeout $((CALLS / RATE + TALK / 1000 + 120))s \
  -trace_stat -stf "$work/callers_stat.csv" -fd 1 -trace_err -error_file "$work/callers_err.log" "$SIPADDR" > "$work/callers.out" 2>&1) || true
cpu1=$(cpu_of "$TPID")
load_t1=$(cut -d' ' -f1 /proc/loadavg)
kill "$RSSPID" 2>/dev/null || true
ok_t=$(stat_col "$work/callers_stat.csv" "SuccessfulCall(C)")
fail_t=$(stat_col "$work/callers_stat.csv" "FailedCall(C)")
peak_t=$(stat_max "$work/callers_stat.csv" "CurrentCall")
peak_rss=$(sort -n "$work/rss.log" | tail -1)

# First ring: contact:arrived (the INVITE was admitted), contact:queued and
# contact:offered (event log, ms) to the agent phone's
# receipt of our INVITE (sipp's message log; X-Tsunagu-Call names the
# contact). One clock: both on this machine.
python3 - "$work" "$HTTP" "$TOKEN" <<'PY' > "$work/ring.txt"
import json, re, sys, urllib.request, datetime
work, http, token = sys.argv[1:4]
queued, after = {}, 0
while True:
    req = urllib.request.Request(f"http://{http}/api/v1/events?since={after}&limit=5000", headers={"Authorization": "Bearer " + token})
    page = json.load(urllib.request.urlopen(req))
    if page["last_seq"] <= after: break
    after = page["last_seq"]
    for e in page["events"]:
        if e["type"] in ("contact:arrived", "contact:queued", "contact:offered") and (e["type"], e["contact_id"]) not in queued:
            queued[(e["type"], e["contact_id"])] = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp()
ts, lat = None, {"contact:arrived": [], "contact:queued": [], "contact:offered": []}
for line in open(f"{work}/agents_msgs.log", errors="replace"):
    m = re.match(r"^-+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)", line)
    if m:
        ts = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").astimezone().timestamp(); continue
    m = re.match(r"^X-Tsunagu-Call: (\S+)", line)
    if m and ts:
        for k in lat:
            if (k, m.group(1)) in queued:
                lat[k].append((ts - queued[(k, m.group(1))]) * 1000)
out = []
for k, v in lat.items():
    v.sort()
    if v:
        q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
        out.append(f"from {k.split(':')[1]}: p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {v[-1]:.1f} ms ({len(v)} rings)")
print("; ".join(out) or "no rings measured")
PY
# Peak bridged calls (contact:connected -> contact:ended, event log) and,
# with LOG_LEVEL=info, the media counts of every call from its log lines:
# what reached us from the callers' and agents' sipps (MEDIA=stream: 50
# packets a second for as long as each leg lasts; pcap: 236 packets each
# leg unless the call ends first), what we sent, and the recorders' and
# mixers' dropped frames.
python3 - "$work" "$HTTP" "$TOKEN" <<'PY' > "$work/media.txt"
import json, sys, urllib.request, datetime
work, http, token = sys.argv[1:4]
after, marks = 0, []
while True:
    req = urllib.request.Request(f"http://{http}/api/v1/events?since={after}&limit=5000", headers={"Authorization": "Bearer " + token})
    page = json.load(urllib.request.urlopen(req))
    if page["last_seq"] <= after: break
    after = page["last_seq"]
    for e in page["events"]:
        t = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp()
        if e["type"] == "contact:connected": marks.append((t, 1))
        elif e["type"] == "contact:ended": marks.append((t, -1))
cur = peak = 0
last, area = None, 0.0  # seconds of conversation: bridged calls integrated over time
for t, d in sorted(marks):
    if last is not None: area += cur * (t - last)
    last = t; cur += d; peak = max(peak, cur)
open(f"{work}/bridged_seconds", "w").write(f"{area:.1f}")
out = [f"peak bridged calls {peak}"]
media, desk, bridge, rec = [], [], [], []
for line in open(f"{work}/tsunagu.log", errors="replace"):
    try: r = json.loads(line)
    except ValueError: continue
    m = r.get("msg")
    if m == "call media": media.append(r)
    elif m == "desk phone media": desk.append(r)
    elif m == "call bridge": bridge.append(r)
    elif m == "recording stopped": rec.append(r)
if media:
    out.append(f"caller legs {len(media)}: received {sum(r['rtp_received'] for r in media)} RTP packets, lost {sum(r.get('rtp_lost', 0) for r in media)}, sent {sum(r['rtp_sent'] for r in media)}")
if desk:
    out.append(f"agent phones {len(desk)}: received {sum(r['rtp_received'] for r in desk)} RTP packets, lost {sum(r.get('rtp_lost', 0) for r in desk)}, sent {sum(r['rtp_sent'] for r in desk)}")
if bridge:
    out.append(f"mixers {len(bridge)}: {sum(r['from_agent'] for r in bridge)} frames from agents, {sum(r['to_agent'] for r in bridge)} to agents, dropped {sum(r['dropped'] for r in bridge)}")
if rec:
    out.append(f"recordings {len(rec)}: {sum(r['seconds'] for r in rec)} s, dropped frames {sum(r['dropped_frames'] for r in rec)}")
print("; ".join(out))
PY
kill "$APID" 2>/dev/null || true

# Kamailio between the same sipp caller and callee: kamailio_run NAME RTPE
# (RTPE=1: rtpengine relays the media, userspace, Kamailio's rtpengine
# module rewriting the SDP). Writes "completed failed cpu-seconds load0
# load1" to $work/NAME.result; the CPU is Kamailio's processes' (and
# rtpengine's).
kamailio_run() {
  local name=$1 rtpe=$2 off=$(( $2 * 5 ))
  local kam=127.0.0.1:$((BASE + 81 + off)) kuas=$((BASE + 90 + off)) ng=127.0.0.1:$((BASE + 98))
  local rtpe_load='' rtpe_invite='' rtpe_bye='' rtpe_reply=''
  if [ "$rtpe" = 1 ]; then
    rtpe_load="loadmodule \"rtpengine.so\"
modparam(\"rtpengine\", \"rtpengine_sock\", \"udp:$ng\")"
    rtpe_invite='rtpengine_offer("replace-origin replace-session-connection"); t_on_reply("answer");'
    rtpe_bye='if (is_method("BYE")) rtpengine_delete();'
    rtpe_reply='onreply_route[answer] { if (has_body("application/sdp")) rtpengine_answer("replace-origin replace-session-connection"); }'
  fi
  cat > "$work/$name.cfg" <<KCFG
#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=2
listen=udp:$kam
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "dialog.so"
$rtpe_load
modparam("dialog", "dlg_flag", 4)
modparam("dialog", "hash_size", 4096)
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { $rtpe_bye t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here"); exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
  if (is_method("INVITE")) { dlg_manage(); record_route(); $rtpe_invite }
  \$du = "sip:127.0.0.1:$kuas";
  if (!t_relay()) sl_reply_error();
}
$rtpe_reply
KCFG
  local rpid=''
  if [ "$rtpe" = 1 ]; then
    rtpengine --config-file=none --table=-1 --interface=127.0.0.1 --listen-ng="$ng" --port-min=46000 --port-max=49999 \
      --num-threads=2 --delete-delay=0 --foreground --log-stderr --log-level=${RTPE_LOG:-3} > "$work/rtpengine.log" 2>&1 &
    rpid=$!; pids+=("$rpid")
  fi
  kamailio -f "$work/$name.cfg" -P "$work/$name.pid" -DD -E > "$work/$name.log" 2>&1 &
  local kpid=$!; pids+=("$kpid")
  sleep 1
  kill -0 "$kpid" 2>/dev/null || { echo "kamailio did not start:"; tail -5 "$work/$name.log"; exit 1; }
  [ -z "$rpid" ] || kill -0 "$rpid" 2>/dev/null || { echo "rtpengine did not start:"; tail -5 "$work/rtpengine.log"; exit 1; }
  (cd "$work" && sipp -sf "$MSC/agent_bench_answer.xml" -i 127.0.0.1 -p "$kuas" -mp $((42000 + off)) "${echo_flag[@]}" -d "$TALK" -nostdin -bg > /dev/null 2>&1) || true
  sleep 0.5
  local uas; uas=$(pgrep -n -f "sipp -sf $MSC/agent_bench_answer.xml -i 127.0.0.1 -p $kuas" || true); pids+=("$uas")
  kpids() { echo "$kpid" $(pgrep -P "$kpid" || true) $rpid; }
  local c0 l0; c0=$(cpu_of $(kpids)); l0=$(cut -d' ' -f1 /proc/loadavg)
  (cd "$work" && sipp -sf "$MSC/bench_caller.xml" -s callee -i 127.0.0.1 -p $((BASE + 73 + off)) -mp $((52000 + off)) "${echo_flag[@]}" \
    -r "$RATE" -m "$CALLS" -l $((RATE * (TALK / 1000 + 30))) -nostdin -timeout $((CALLS / RATE + TALK / 1000 + 120))s \
    -trace_stat -stf "$work/${name}_stat.csv" -fd 1 "$kam" > "$work/${name}_callers.out" 2>&1) || true
  local c1 l1; c1=$(cpu_of $(kpids)); l1=$(cut -d' ' -f1 /proc/loadavg)
  echo "$(stat_col "$work/${name}_stat.csv" "SuccessfulCall(C)") $(stat_col "$work/${name}_stat.csv" "FailedCall(C)") $(echo "$c1 - $c0" | bc) $l0 $l1" > "$work/$name.result"
  kill "$uas" "$kpid" $rpid 2>/dev/null || true
  wait "$kpid" $rpid 2>/dev/null || true
}

echo "== kamailio: the same calls through a stateful proxy with dialog tracking"
kamailio_run kamailio 0
read -r ok_k fail_k kcpu load_k0 load_k1 < "$work/kamailio.result"
if [ "${RTPENGINE:-1}" = 1 ]; then
  echo "== kamailio + rtpengine: the same, the media relayed (userspace)"
  kamailio_run kamrtpe 1
  read -r ok_r fail_r rcpu load_r0 load_r1 < "$work/kamrtpe.result"
fi

tcpu=$(echo "$cpu1 - $cpu0" | bc)
per_cpu() { echo "scale=1; $1 / $2" | bc; }
per_min() { echo "scale=1; 60000 * $1 / $2" | bc; } # ms of CPU per minute of conversation
talk_k=$(echo "scale=1; $ok_k * $TALK / 1000" | bc) # the callee hangs up TALK ms after answering
bridged_t=$(cat "$work/bridged_seconds")
echo
echo "== results ($CALLS calls at $RATE/s, $AGENTS agents, talk $TALK ms, media $MEDIA; $(nproc) cores)"
echo "tsunagu:  completed $ok_t, failed $fail_t, peak concurrent calls $peak_t"
echo "          RSS $((rss0 / 1024)) MiB idle -> $((peak_rss / 1024)) MiB peak: $(( (peak_rss - rss0) / (peak_t > 0 ? peak_t : 1) )) KiB per active call"
echo "          queue -> first ring: $(cat "$work/ring.txt")"
echo "          $(cat "$work/media.txt")"
echo "          CPU $tcpu s: $(per_cpu "$ok_t" "$tcpu") completed calls per CPU-second"
echo "kamailio: completed $ok_k, failed $fail_k; CPU $kcpu s: $(per_cpu "$ok_k" "$kcpu") completed calls per CPU-second"
[ -n "${ok_r:-}" ] && echo "kamailio + rtpengine: completed $ok_r, failed $fail_r; CPU $rcpu s: $(per_cpu "$ok_r" "$rcpu") completed calls per CPU-second"
echo "load average (1 min) at start/end: tsunagu $load_t0/$load_t1, kamailio $load_k0/$load_k1${ok_r:+, kamailio + rtpengine $load_r0/$load_r1}"
[ -n "$PPROF" ] && echo "CPU profile: go tool pprof -top $work/tsunagu $work/cpu.pprof"
echo "CPU per minute of conversation: tsunagu $(per_min "$tcpu" "$bridged_t") ms ($bridged_t s bridged), kamailio $(per_min "$kcpu" "$talk_k") ms${ok_r:+, kamailio + rtpengine $(per_min "$rcpu" "$(echo "scale=1; $ok_r * $TALK / 1000" | bc)") ms}"
echo "ratio:    tsunagu / kamailio = $(echo "scale=3; ($ok_t / $tcpu) / ($ok_k / $kcpu)" | bc)"
[ -n "${ok_r:-}" ] && echo "          tsunagu / (kamailio + rtpengine) = $(echo "scale=3; ($ok_t / $tcpu) / ($ok_r / $rcpu)" | bc)"
echo "(work files in $work)"
