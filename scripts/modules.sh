#!/usr/bin/env bash
# Prints the directories of the project's modules, one a line, in the order
# of the "use" directives of go.work ("." is the core module). Every script
# that loops over the modules (test.sh, fuzz.sh, each-module.sh) reads this
# list, so a module that go.work lacks would not be tested: with --check,
# this script exits 1 when a go.mod in the tree is missing from go.work, or
# when go.work lists a directory without a go.mod.
#
#   scripts/modules.sh            # the list
#   scripts/modules.sh --check    # the list, and fail on a mismatch
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

listed=()
while IFS= read -r d; do
	d=${d#./}
	[ -n "$d" ] || d=.
	listed+=("$d")
done < <(GOWORK="$PWD/go.work" "$GO" work edit -json | sed -n -E 's/^[[:space:]]*"DiskPath": "(.*)",?$/\1/p')

if [ ${#listed[@]} -eq 0 ]; then
	echo "modules: go.work lists no module" >&2
	exit 1
fi

if [ "${1:-}" = --check ]; then
	bad=0
	# Every go.mod the go command would see: not under testdata or a
	# directory whose name starts with "." or "_".
	while IFS= read -r f; do
		d=$(dirname "${f#./}")
		found=0
		for l in "${listed[@]}"; do [ "$l" = "$d" ] && found=1; done
		if [ $found = 0 ]; then
			echo "modules: $d/go.mod is a module that go.work does not list: add it with \"go work use ./$d\"" >&2
			bad=1
		fi
	done < <(find . -mindepth 1 \( -name '.*' -o -name '_*' -o -name testdata -o -name vendor \) -prune -o -name go.mod -print | sort)
	for l in "${listed[@]}"; do
		if [ ! -f "$l/go.mod" ]; then
			echo "modules: go.work lists $l, which has no go.mod" >&2
			bad=1
		fi
	done
	if [ $bad = 1 ]; then
		exit 1
	fi
fi
printf '%s\n' "${listed[@]}"
