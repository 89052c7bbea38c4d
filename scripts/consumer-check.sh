#!/usr/bin/env bash
# Proves that the core module keeps drivers and test tools out of its users'
# builds: in a temporary module that requires only the core (replaced by this
# checkout, GOWORK=off), it builds a program that imports every public
# package of the core, then fails if "go list -m all" lists a module other
# than the program, the core and golang.org/x, or if the program links a
# package from outside the standard library, the core and golang.org/x.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
export GOWORK=off
root=$PWD
core=$(sed -n -E 's/^module[[:space:]]+([^[:space:]]+).*/\1/p' go.mod)
goversion=$(sed -n -E 's/^go[[:space:]]+([^[:space:]]+).*/\1/p' go.mod)

# Every package of the core module that a user can import: not internal,
# not a command.
pkgs=$("$GO" list -f '{{if ne .Name "main"}}{{.ImportPath}}{{end}}' ./... | grep -v -E '(^|/)internal(/|$)')
if [ -z "$pkgs" ]; then
	echo "consumer: the core module has no public package" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/go.mod" <<MOD
module example.com/consumer

go $goversion

require $core v0.0.0-00010101000000-000000000000

replace $core => $root
MOD
{
	echo "// Command consumer imports every public package of $core."
	echo "package main"
	echo
	echo "import ("
	for p in $pkgs; do echo "	_ \"$p\""; done
	echo ")"
	echo
	echo "func main() {}"
} >"$tmp/main.go"

echo "consumer: a program in a module that requires only $core imports:"
printf '  %s\n' $pkgs
cd "$tmp"
GOFLAGS=-mod=mod "$GO" mod tidy
"$GO" build -o consumer .

allowed() { # a module path or package path outside the project and golang.org/x fails
	case "$1" in
	example.com/consumer | "$core" | "$core"/* | golang.org/x/*) return 0 ;;
	esac
	return 1
}
bad=0
echo "consumer: go list -m all:"
while read -r mod rest; do
	echo "  $mod${rest:+ $rest}"
	allowed "$mod" || { echo "consumer: module $mod is neither the core nor golang.org/x" >&2; bad=1; }
done < <("$GO" list -m all)
n=0
while read -r p; do
	n=$((n + 1))
	allowed "$p" || { echo "consumer: the program links $p, from outside the standard library, the core and golang.org/x" >&2; bad=1; }
done < <("$GO" list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' .)
[ $bad = 0 ] || exit 1
echo "consumer: ok: the program links $n packages outside the standard library, all its own or the core's"
