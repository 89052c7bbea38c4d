#!/usr/bin/env bash
# The steps of the full test command. Meant to run under the test server
# runner, which exports the DJSESSION_* variables (make test does both):
#
#   bin/testenv -- scripts/test.sh
#
# The project is several modules (go.work lists them; scripts/modules.sh
# checks that it lists every go.mod in the tree). In workspace mode
# "go test ./..." at the root tests only the root module, and a module whose
# go.mod lacks a requirement still builds because another workspace module
# has it; so every step below runs in each module's directory with
# GOWORK=off: go vet, go test -race (-v into a log, summarised here), and
# go mod tidy -diff; then the consumer check (scripts/consumer-check.sh),
# every fuzz target of every module (scripts/fuzz.sh) and every benchmark of
# every module once. The end of the run prints, per module, the packages and
# tests that ran, so that a reader sees that nothing went missing.
#
# Every step runs even when an earlier one failed, so that one run shows
# every problem; the exit status is non-zero when any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
export FUZZTIME=${FUZZTIME:-5s}
# The verbose log of each module's tests, kept for a look after the run.
LOGDIR=${TESTLOGDIR:-bin/testlogs}
mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/*.log

passed=0
failed=()
step() {
	local name=$1
	shift
	echo "=== step: $name: $*"
	local t0=$SECONDS
	if "$@"; then
		passed=$((passed + 1))
		echo "=== step: $name: ok ($((SECONDS - t0))s)"
	else
		failed+=("$name")
		echo "=== step: $name: FAILED ($((SECONDS - t0))s)"
	fi
}

# inmod MODULE CMD...: CMD in the module's directory, from its own go.mod alone.
inmod() {
	local m=$1
	shift
	(cd "$m" && GOWORK=off "$@")
}

summary=()
# test_module MODULE: go test -race -v into the log; prints the usual
# one-line-per-package form (and, on a failure, the log without the lines of
# passing tests), then the counts.
test_module() {
	local m=$1 log rc
	log="$LOGDIR/$(echo "$m" | tr / _ | sed 's/^\.$/core/').log"
	inmod "$m" "$GO" test -race -count=1 -v ./... >"$log" 2>&1
	rc=$?
	grep -E '^(ok[[:space:]]|FAIL([[:space:]]|$)|\?[[:space:]]|panic:|[[:space:]]*--- FAIL:)' "$log"
	if [ $rc -ne 0 ]; then
		echo "--- the log of module $m ($log) without RUN/PAUSE/CONT and passing tests:"
		grep -v -E '^[[:space:]]*(=== (RUN|PAUSE|CONT|NAME)|--- PASS)' "$log"
		echo "--- end of the log of module $m"
	fi
	local okp failp nonep nop pass fail skip
	okp=$(grep -E '^ok[[:space:]]' "$log" | grep -c -v -F '[no tests to run]')
	nonep=$(grep -E '^ok[[:space:]]' "$log" | grep -c -F '[no tests to run]')
	failp=$(grep -c -E '^FAIL[[:space:]]+[^[:space:]]+[[:space:]]' "$log")
	nop=$(grep -c -E '^\?[[:space:]].*\[no test files\]' "$log")
	pass=$(grep -c -E '^[[:space:]]*--- PASS' "$log")
	fail=$(grep -c -E '^[[:space:]]*--- FAIL' "$log")
	skip=$(grep -c -E '^[[:space:]]*--- SKIP' "$log")
	if [ "$skip" -gt 0 ]; then
		echo "module $m: skipped tests (each after the line that says why):"
		grep -B1 -E '^[[:space:]]*--- SKIP' "$log" | grep -v -E '^--$'
	fi
	local label=$m
	[ "$m" = . ] && label="core (.)"
	summary+=("$(printf '%-24s %3d packages ran tests (%d FAIL), %d had none to run, %d no test files; %5d tests passed, %d failed, %d skipped' \
		"$label" $((okp + failp)) "$failp" "$nonep" "$nop" "$pass" "$fail" "$skip")")
	total_pkgs=$((total_pkgs + okp + failp))
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
	[ $rc -eq 0 ]
}
total_pkgs=0 total_pass=0 total_fail=0 total_skip=0

step modules scripts/modules.sh --check
# The loop covers what go.work lists, even when the check above failed.
mods=$(scripts/modules.sh)
step consumer scripts/consumer-check.sh
for m in $mods; do
	step "vet $m" inmod "$m" "$GO" vet ./...
	step "test $m" test_module "$m"
	step "tidy $m" inmod "$m" "$GO" mod tidy -diff
done
step fuzz scripts/fuzz.sh
step benchmarks scripts/each-module.sh "$GO" test -run '^$' -bench . -benchtime=1x ./...

echo "=== tests per module (go test -race -v; logs in $LOGDIR):"
for s in "${summary[@]+"${summary[@]}"}"; do echo "    $s"; done
echo "    total: $(echo "$mods" | wc -w) modules, $total_pkgs packages ran tests; $total_pass tests passed, $total_fail failed, $total_skip skipped"
for f in "${failed[@]+"${failed[@]}"}"; do echo "=== FAILED step: $f"; done
echo "steps: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
