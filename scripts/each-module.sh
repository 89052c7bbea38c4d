#!/usr/bin/env bash
# Runs a command in the directory of every module that go.work lists
# (scripts/modules.sh), with GOWORK=off so that each module builds from its
# own go.mod alone: a requirement that only another workspace module has
# fails here. Every module runs even when an earlier one failed; the exit
# status is non-zero when the command failed in any module (or a module is
# missing from go.work).
#
#   scripts/each-module.sh go vet ./...
#   scripts/each-module.sh go test -run '^$' -bench . -benchmem ./...
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
	echo "usage: scripts/each-module.sh command [args...]" >&2
	exit 2
fi
mods=$(scripts/modules.sh --check) || exit 1
failed=()
for m in $mods; do
	echo "=== module $m: $*"
	if ! (cd "$m" && GOWORK=off "$@"); then
		failed+=("$m")
	fi
done
for m in "${failed[@]+"${failed[@]}"}"; do echo "=== FAILED in module $m: $*"; done
[ ${#failed[@]} -eq 0 ]
