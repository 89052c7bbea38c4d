#!/usr/bin/env bash
# The steps of the full test command. Meant to run under the test server
# runner, which exports the DJSESSION_* variables (make test does both):
#
#   bin/testenv -- scripts/test.sh
#
# Every step runs even when an earlier one failed, so that one run shows
# every problem; the exit status is non-zero when any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
export FUZZTIME=${FUZZTIME:-5s}

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

step vet "$GO" vet ./...
step test "$GO" test -race -count=1 ./...
step fuzz scripts/fuzz.sh
if [ -f benchmarks/go.mod ]; then
	step benchmarks bash -c 'cd benchmarks && "$0" vet ./... && "$0" test -run "^$" -bench . -benchtime=1x ./...' "$GO"
fi

for f in "${failed[@]+"${failed[@]}"}"; do echo "=== FAILED step: $f"; done
echo "steps: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
