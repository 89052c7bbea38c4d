#!/usr/bin/env bash
# Runs every fuzz target of the module (each "func FuzzXxx" in a _test.go
# file outside nested modules and testdata) for a short time: FUZZTIME each,
# 5s by default. Exits non-zero when any target fails; a failing input is
# kept under the package's testdata/fuzz/ as usual.
#
#   scripts/fuzz.sh                 # every target, 5s each
#   FUZZTIME=1m scripts/fuzz.sh     # a longer soak
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
GO=${GO:-go}

# Directories of nested modules are not part of this module.
nested=()
while IFS= read -r mod; do
	d=$(dirname "$mod")
	[ "$d" = "." ] || nested+=("${d#./}/")
done < <(find . -name go.mod -not -path './.git/*' | sort)

targets=()
while IFS= read -r file; do
	rel=${file#./}
	skip=0
	for n in "${nested[@]+"${nested[@]}"}"; do
		case "$rel" in "$n"*) skip=1 ;; esac
	done
	case "$rel" in */testdata/*|testdata/*|vendor/*) skip=1 ;; esac
	[ $skip = 1 ] && continue
	dir=$(dirname "$rel")
	while IFS= read -r name; do
		targets+=("$dir $name")
	done < <(sed -n -E 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$file")
done < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | sort)

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found"
	exit 0
fi
failed=()
for t in "${targets[@]}"; do
	read -r dir name <<<"$t"
	echo "fuzz: $name in ./$dir for $FUZZTIME"
	if ! "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "./$dir"; then
		failed+=("./$dir $name")
	fi
done
echo "fuzz: ${#targets[@]} targets, ${#failed[@]} failed"
for f in "${failed[@]+"${failed[@]}"}"; do echo "fuzz: FAILED $f"; done
[ ${#failed[@]} -eq 0 ]
