#!/usr/bin/env bash
# Installs the Debian packages that the full test suite needs: the real
# servers (PostgreSQL, MariaDB, Redis, memcached), Chromium for the browser
# tests and Debian's python3-django for the Django interop tests (with
# python3-django-redis for the cache engine on Redis, python3-pymemcache for
# it on memcached, python3-psycopg2 for Django on PostgreSQL and
# python3-mysqldb for Django on MariaDB).
#
# apt-get install runs every time (it is a no-op when everything is there);
# apt-get update runs only when a package is missing or the install failed.
# While it runs, /usr/sbin/policy-rc.d exits 101 so that the packages do not
# start their system daemons: the tests start their own servers on free
# ports (internal/testservers). An existing policy-rc.d is put back after.
set -euo pipefail

PACKAGES=(python3-django python3-django-redis python3-psycopg2 python3-mysqldb python3-pymemcache postgresql mariadb-server redis-server memcached chromium)

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		exec sudo -n "$0" "$@"
	fi
	missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "install-deps: not root, but every package is installed: nothing to do"
		exit 0
	fi
	echo "install-deps: these Debian packages are missing: ${missing[*]}" >&2
	echo "install-deps: run as root (or with sudo): apt-get install -y ${PACKAGES[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ] && ! { [ -x "$policy" ] && grep -qx 'exit 101' "$policy"; }; then
	saved=$(mktemp)
	cp -p "$policy" "$saved"
fi
created=0
[ -e "$policy" ] || created=1
restore() {
	if [ -n "$saved" ]; then
		cp -p "$saved" "$policy" && rm -f "$saved"
	elif [ "$created" = 1 ]; then
		rm -f "$policy"
	fi
}
trap restore EXIT
if ! { [ -x "$policy" ] && grep -qx 'exit 101' "$policy"; }; then
	printf '#!/bin/sh\n# written by scripts/install-deps.sh: keep packaged daemons from starting\nexit 101\n' >"$policy"
	chmod 755 "$policy"
fi

all_installed() {
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
}

if ! all_installed; then
	echo "install-deps: apt-get update"
	apt-get update -qq
fi
if ! apt-get install -y -qq "${PACKAGES[@]}" >/tmp/install-deps.$$.log 2>&1; then
	# The package lists may be stale: refresh them once and retry.
	echo "install-deps: install failed, refreshing package lists and retrying"
	apt-get update -qq
	if ! apt-get install -y -qq "${PACKAGES[@]}" >/tmp/install-deps.$$.log 2>&1; then
		cat /tmp/install-deps.$$.log >&2
		rm -f /tmp/install-deps.$$.log
		exit 1
	fi
fi
rm -f /tmp/install-deps.$$.log
echo "install-deps: ${PACKAGES[*]}: installed"
