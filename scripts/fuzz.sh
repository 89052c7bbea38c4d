#!/usr/bin/env bash
# Runs every fuzz target of every module that go.work lists (each
# "func FuzzXxx" in a _test.go file of the module, outside its nested
# modules and testdata) for a short time: FUZZTIME each, 5s by default, in
# the module's directory with GOWORK=off. Exits non-zero when any target
# fails (or a module is missing from go.work); a failing input is kept under
# the package's testdata/fuzz/ as usual. Prints the number of targets per
# module.
#
#   scripts/fuzz.sh                 # every target, 5s each
#   FUZZTIME=1m scripts/fuzz.sh     # a longer soak
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
GO=${GO:-go}

mods=$(scripts/modules.sh --check) || exit 1
# Every directory with a go.mod is a module of its own, not part of the one
# above it.
nested=()
while IFS= read -r mod; do
	d=$(dirname "${mod#./}")
	[ "$d" = "." ] || nested+=("$d/")
done < <(find . -mindepth 1 \( -name '.*' -o -name '_*' -o -name testdata -o -name vendor \) -prune -o -name go.mod -print)

# fuzz_one MODULE DIR NAME runs one target. Go 1.26's fuzz coordinator can
# end a healthy run with a bare "context deadline exceeded" when -fuzztime
# expires while a worker is busy (golang/go#75804, fixed in Go 1.27), most
# often on a loaded machine. Such a run, which wrote no failing input, is
# tried once more; every other failure, and a second such run, fails.
fuzz_one() {
	local m=$1 dir=$2 name=$3 out try
	out=$(mktemp)
	for try in 1 2; do
		if (cd "$m" && GOWORK=off "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "./$dir") 2>&1 | tee "$out"; then
			rm -f "$out"
			return 0
		fi
		if [ $try = 1 ] && grep -q -x -E '[[:space:]]*context deadline exceeded' "$out" &&
			! grep -q -E 'Failing input written to|^panic:|_test\.go:[0-9]+:' "$out"; then
			echo "fuzz: $name ended with only \"context deadline exceeded\" and wrote no failing input (golang/go#75804): once more"
			continue
		fi
		break
	done
	rm -f "$out"
	return 1
}

total=0
failed=()
counts=()
for m in $mods; do
	targets=()
	prefix=""
	[ "$m" = . ] || prefix="$m/"
	while IFS= read -r file; do
		rel=${file#./}
		skip=0
		for n in "${nested[@]+"${nested[@]}"}"; do
			# a file under a nested module other than this module itself
			case "$rel" in "$n"*) [ "$n" = "$prefix" ] || case "$n" in "$prefix"*) skip=1 ;; esac ;; esac
		done
		case "/$rel" in */testdata/* | */vendor/*) skip=1 ;; esac
		[ $skip = 1 ] && continue
		dir=$(dirname "${rel#"$prefix"}")
		while IFS= read -r name; do
			targets+=("$dir $name")
		done < <(sed -n -E 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$file")
	done < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' "./$prefix" | sed 's|^\./\./|./|; s|//|/|g' | sort)
	counts+=("$m: ${#targets[@]} targets")
	for t in "${targets[@]+"${targets[@]}"}"; do
		read -r dir name <<<"$t"
		total=$((total + 1))
		echo "fuzz: $name in module $m, ./$dir, for $FUZZTIME"
		if ! fuzz_one "$m" "$dir" "$name"; then
			failed+=("module $m ./$dir $name")
		fi
	done
done
for c in "${counts[@]}"; do echo "fuzz: module $c"; done
echo "fuzz: $total targets, ${#failed[@]} failed"
for f in "${failed[@]+"${failed[@]}"}"; do echo "fuzz: FAILED $f"; done
[ ${#failed[@]} -eq 0 ]
