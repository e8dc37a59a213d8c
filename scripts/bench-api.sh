#!/usr/bin/env bash
# bench-api: the API (all middleware on, access logs on) against a bare net/http handler
# returning the same bytes (status line, headers, body: checked before anything is
# measured), all on loopback, in the same run, under the same wrk load. Three more processes
# in the same rounds separate the costs: the API with LOG_LEVEL=warn (access log off,
# everything else on), the bare handler with the API's four server timeouts
# (BENCHBARE_TIMEOUTS=1), and the bare handler sending only Content-Type and the body
# (BENCHBARE_BODY_ONLY=1: what the API's security headers and request id cost on the wire).
# Rounds rotate which server goes first to spread out noise from other work on the machine.
# Reports req/s, p50/p99 and server CPU per request for each path and the ratios to the bare
# handler, the in-process handler benchmarks (BenchmarkHandlerBare/Full), then
# startup-to-ready time, binary size and idle RSS.
#
#   ./scripts/bench-api.sh              # 3 rounds of 10 s per server and path
#   ROUNDS=1 DURATION=5s ./scripts/bench-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
API_PORT=${API_PORT:-18081}
BARE_PORT=${BARE_PORT:-18082}
NOLOG_PORT=${NOLOG_PORT:-18083}
TIMEOUTS_PORT=${TIMEOUTS_PORT:-18084}
BODY_PORT=${BODY_PORT:-18085}
PATHS=(/healthz /v1/info)

if ! command -v wrk >/dev/null; then
	echo "bench-api: installing wrk from Debian" >&2
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

mkdir -p bin
(cd api && go build -trimpath -ldflags "-s -w -X main.version=bench" -o ../bin/api . &&
	go build -trimpath -o ../bin/benchbare ./internal/benchbare)

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# wait_ready PORT: poll GET /healthz over bash's /dev/tcp (no process per attempt, so the
# poll itself does not blur a startup measured in milliseconds).
wait_ready() {
	local port=$1 status
	for _ in $(seq 1 20000); do
		if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
			printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
			read -r _ status _ <&3 || true
			exec 3<&-
			[[ $status == 200 ]] && return 0
		fi
	done
	echo "bench-api: nothing ready on port $port" >&2
	return 1
}

now_ns() { date +%s%N; }

# start_api: the API with its log on a pipe, as under ECS, counting the lines it writes.
start_api() {
	PORT=$API_PORT DRAIN_DELAY=0s ./bin/api > >(wc -l >"$work/api-log-lines") 2>&1 &
	api_pid=$!
	pids+=("$api_pid")
}

start_nolog() {
	PORT=$NOLOG_PORT LOG_LEVEL=warn DRAIN_DELAY=0s ./bin/api >/dev/null 2>&1 &
	nolog_pid=$!
	pids+=("$nolog_pid")
}

start_bare() {
	PORT=$BARE_PORT ./bin/benchbare &
	bare_pid=$!
	pids+=("$bare_pid")
	PORT=$TIMEOUTS_PORT BENCHBARE_TIMEOUTS=1 ./bin/benchbare &
	timeouts_pid=$!
	pids+=("$timeouts_pid")
	PORT=$BODY_PORT BENCHBARE_BODY_ONLY=1 ./bin/benchbare &
	body_pid=$!
	pids+=("$body_pid")
}

# Startup to ready, median of 5 cold starts of the API.
starts=()
for _ in 1 2 3 4 5; do
	t0=$(now_ns)
	start_api
	wait_ready "$API_PORT"
	starts+=($(((($(now_ns) - t0) + 500000) / 1000000)))
	kill "$api_pid"
	wait "$api_pid" 2>/dev/null || true
done
ready_ms=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 3p)

start_api
start_nolog
start_bare
wait_ready "$API_PORT"
wait_ready "$NOLOG_PORT"
wait_ready "$BARE_PORT"
wait_ready "$TIMEOUTS_PORT"
wait_ready "$BODY_PORT"

# raw_response PORT PATH: the whole HTTP/1.1 response, with the values that differ by
# design blanked (Date; the request id, which the API makes per request and the bare
# handler fixes at the same length).
raw_response() {
	local port=$1 path=$2
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
	sed -E 's/^(Date: ).*/\1-/; s/^(X-Request-Id: )[0-9a-f]{32}/\1<32 hex>/; s/"requestId":"[0-9a-f]{32}"/"requestId":"<32 hex>"/' <&3
	exec 3<&-
}

# The comparison means something only if both send the same bytes.
for path in "${PATHS[@]}"; do
	if ! diff <(raw_response "$API_PORT" "$path") <(raw_response "$BARE_PORT" "$path") >"$work/diff"; then
		echo "bench-api: the API and the bare handler answer $path differently; make" >&2
		echo "api/internal/benchbare send what the API sends (< api, > bare):" >&2
		cat "$work/diff" >&2
		exit 1
	fi
done
sleep 1
idle_rss_kb=$(ps -o rss= -p "$api_pid" | tr -d ' ')
bare_rss_kb=$(ps -o rss= -p "$bare_pid" | tr -d ' ')

# to_ms VALUE: wrk prints latencies as e.g. 812.00us, 1.23ms, 1.01s.
to_ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
	}'
}

# cpu_ticks PID: user+system CPU time the process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One line per run: server path round req/s p50ms p99ms requests server-CPU-us-per-request
results="$work/results"
load() {
	local name=$1 port=$2 path=$3 round=$4 pid=$5 out ticks
	ticks=$(cpu_ticks "$pid")
	out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port$path")
	ticks=$(($(cpu_ticks "$pid") - ticks))
	if grep -q 'Non-2xx' <<<"$out"; then
		echo "bench-api: $name $path answered non-2xx:" >&2
		echo "$out" >&2
		exit 1
	fi
	echo "$name $path $round $(awk '/^Requests\/sec:/ {print $2}' <<<"$out") \
$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")") $(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")") \
$(awk '/requests in/ {print $1}' <<<"$out") \
$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$(awk '/requests in/ {print $1}' <<<"$out")" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')" >>"$results"
}

for round in $(seq 1 "$ROUNDS"); do
	servers=(api bare api-nolog bare-timeouts bare-body)
	shift=$(((round - 1) % ${#servers[@]}))
	order=("${servers[@]:shift}" "${servers[@]:0:shift}")
	for path in "${PATHS[@]}"; do
		for name in "${order[@]}"; do
			case $name in
			api) port=$API_PORT pid=$api_pid ;;
			api-nolog) port=$NOLOG_PORT pid=$nolog_pid ;;
			bare) port=$BARE_PORT pid=$bare_pid ;;
			bare-timeouts) port=$TIMEOUTS_PORT pid=$timeouts_pid ;;
			bare-body) port=$BODY_PORT pid=$body_pid ;;
			esac
			load "$name" "$port" "$path" "$round" "$pid"
			echo "round $round: $(tail -1 "$results")" >&2
		done
	done
done

kill "$api_pid"
wait "$api_pid" 2>/dev/null || true
sleep 0.2 # the log pipe's reader finishes
api_requests=$(awk '$1 == "api" {n += $7} END {print n}' "$results")
log_lines=$(cat "$work/api-log-lines")

echo
echo "## bench-api $(date -u +%Y-%m-%dT%H:%MZ): wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $ROUNDS rounds, $(nproc) CPUs (load generator on the same machine)"
echo
echo "| path | server | req/s (mean) | p50 ms (median) | p99 ms (median) | server CPU µs/req (mean) | throughput vs bare | p99 vs bare | paired throughput ratio, min–max over rounds |"
echo "|---|---|---|---|---|---|---|---|---|"
awk '
	{ key = $2 " " $1; rps[key] += $4; cpu[key] += $8; n[key]++; p50[key, n[key]] = $5; p99[key, n[key]] = $6
	  round[key, $3] = $4; rounds[$3] = 1 }
	function median(arr, key, count,   i, j, t, v) {
		for (i = 1; i <= count; i++) v[i] = arr[key, i]
		for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return (count % 2) ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2
	}
	END {
		split("/healthz /v1/info", paths, " ")
		ns = split("bare bare-body bare-timeouts api api-nolog", servers, " ")
		label["bare"] = "bare net/http, same bytes"; label["bare-body"] = "bare, body and Content-Type only"
		label["bare-timeouts"] = "bare, same bytes, API timeouts"
		label["api"] = "**api**"; label["api-nolog"] = "api, LOG_LEVEL=warn"
		for (p = 1; p <= 2; p++) {
			b = paths[p] " bare"
			if (!(b in n)) continue
			brps = rps[b] / n[b]; bp99 = median(p99, b, n[b])
			for (s = 1; s <= ns; s++) {
				a = paths[p] " " servers[s]
				if (!(a in n)) continue
				arps = rps[a] / n[a]; ap99 = median(p99, a, n[a])
				lo = 1e9; hi = 0
				for (r in rounds) if ((a SUBSEP r) in round && (b SUBSEP r) in round) {
					x = round[a, r] / round[b, r]; if (x < lo) lo = x; if (x > hi) hi = x
				}
				printf "| %s | %s | %.0f | %.3f | %.3f | %.1f | %.2f | %.2f | %.2f–%.2f |\n", paths[p], label[servers[s]], arps, median(p50, a, n[a]), ap99, cpu[a] / n[a], arps / brps, ap99 / bp99, lo, hi
			}
		}
	}' "$results"

# In-process: the handler chain alone, no network (api/bench_test.go).
echo
echo "In-process (go test -bench 'Handler(Bare|Full)' -count 5, median ns/op):"
echo
echo "| path | bare ns/op | full ns/op | full allocs/op | middleware ns/req |"
echo "|---|---|---|---|---|"
(cd api && go test -run '^$' -bench 'Handler(Bare|Full)' -benchmem -count 5 .) | awk '
	/^BenchmarkHandler(Bare|Full)\// {
		split($1, name, "/"); kind = (name[1] ~ /Full/) ? "full" : "bare"; path = "/" name[2] "/" name[3]
		sub(/\/$/, "", path); sub(/-[0-9]+$/, "", path)
		k = path " " kind; n[k]++; ns[k, n[k]] = $3; if (kind == "full") allocs[path] = $7
		paths[path] = 1
	}
	function median(key,   i, j, t, v, c) {
		c = n[key]; for (i = 1; i <= c; i++) v[i] = ns[key, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return (c % 2) ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2
	}
	END { for (p in paths) { b = median(p " bare"); f = median(p " full"); printf "| %s | %.0f | %.0f | %s | %.0f |\n", p, b, f, allocs[p], f - b } }'
echo
echo "- startup to ready (exec to first 200 from /healthz, median of 5): ${ready_ms} ms (runs: ${starts[*]})"
echo "- binary size (-trimpath -s -w): $(stat -c %s bin/api) bytes ($(awk -v b="$(stat -c %s bin/api)" 'BEGIN {printf "%.1f", b / 1048576}') MiB)"
echo "- idle RSS after startup: api ${idle_rss_kb} KiB, bare ${bare_rss_kb} KiB"
echo "- machine load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work shares these CPUs)"
echo "- access log lines written by the api: ${log_lines} for ${api_requests} requests served under load"
echo
echo "Per run (server path round req/s p50ms p99ms requests cpu-us/req):"
sed 's/^/    /' "$results"
