#!/usr/bin/env bash
# side-by-side.sh ENGINE: the repository's Django site (examples/django-site)
# and the Go demo (cmd/sessiondemo) side by side on one session engine,
# sharing SECRET_KEY, the session store and Django's auth_user table:
# log in on one, open the other, you are logged in.
#
#   make side-by-side ENGINE=db             # or: scripts/side-by-side.sh db
#
# Engines (Django's SESSION_ENGINE, the Go demo's --engine):
#   db              db on a shared SQLite file     / sqlite
#   db-postgres     db on PostgreSQL               / postgres
#   db-mysql        db on MariaDB (mysqlclient)    / mysql
#   cache           cache on Redis (django-redis)  / redis
#   file            file, a shared directory       / file
#   signed_cookies  signed_cookies                 / cookie
#   cache-memcache  cache on memcached (PyMemcacheCache) / memcache
#   cached_db       cached_db on Redis + SQLite    / cached_db
#
# The server an engine needs (PostgreSQL, MariaDB, Redis, memcached) is started on
# 127.0.0.1 by bin/testenv for as long as the demo runs (its data is
# removed at the end); SQLite, the file sessions and the secret key live in
# bin/side-by-side/ENGINE/ and are kept. Both sites are on 127.0.0.1, the
# same host name, because cookies are per host and not per port:
# GO_ADDR (default 127.0.0.1:8000) and DJANGO_ADDR (default 127.0.0.1:8001)
# move them. The Django site's `manage.py migrate` creates the tables
# (auth_user, django_session...) before the Go demo starts. It creates the
# user alice / wonderland (DEMO_USER, DEMO_PASSWORD). It installs nothing:
# a missing package is named with the apt-get command that installs it.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-/usr/bin/python3}
GO=${GO:-go}
GO_ADDR=${GO_ADDR:-127.0.0.1:8000}
DJANGO_ADDR=${DJANGO_ADDR:-127.0.0.1:8001}
DEMO_USER=${DEMO_USER:-alice}
DEMO_PASSWORD=${DEMO_PASSWORD:-wonderland}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

inside=""
if [ "${1:-}" = "--inside" ]; then
	inside=1
	shift
fi
[ $# -eq 1 ] || usage
ENGINE=$1

# What each engine needs: Debian packages, testenv servers, Go engine.
case "$ENGINE" in
db) packages="python3-django"; servers=""; go_engine=sqlite ;;
db-postgres) packages="python3-django python3-psycopg2 postgresql"; servers=postgres; go_engine=postgres ;;
db-mysql) packages="python3-django python3-mysqldb mariadb-server"; servers=mariadb; go_engine=mysql ;;
cache) packages="python3-django python3-django-redis redis-server"; servers=redis; go_engine=redis ;;
file) packages="python3-django"; servers=""; go_engine=file ;;
signed_cookies) packages="python3-django"; servers=""; go_engine=cookie ;;
cache-memcache) packages="python3-django python3-pymemcache memcached"; servers=memcached; go_engine=memcache ;;
cached_db) packages="python3-django python3-django-redis redis-server"; servers=redis; go_engine=cached_db ;;
*)
	echo "side-by-side: unknown engine '$ENGINE'" >&2
	usage
	;;
esac

if [ -z "$inside" ]; then
	missing=()
	for p in $packages; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "side-by-side: ENGINE=$ENGINE needs Debian packages that are missing: ${missing[*]}" >&2
		echo "side-by-side: install them with: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	if ! "$PYTHON" -c 'import django' 2>/dev/null; then
		echo "side-by-side: $PYTHON cannot import django: sudo apt-get install python3-django" >&2
		exit 1
	fi
	[ -x bin/testenv ] || { echo "side-by-side: bin/testenv is missing: run make testenv" >&2; exit 1; }
	# testenv starts the servers the engine needs (none for db, file and
	# signed_cookies) and runs the rest of this script with their addresses.
	exec bin/testenv -q -servers "$servers" -chromium "" -python "$PYTHON" -- "$0" --inside "$ENGINE"
fi

DATA=$ROOT/bin/side-by-side/$ENGINE
mkdir -p "$DATA"
chmod 700 "$DATA"
if [ ! -s "$DATA/secret_key" ]; then
	(umask 077 && "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$DATA/secret_key")
fi
SECRET_KEY=$(cat "$DATA/secret_key")
USERS_DB=$DATA/site.sqlite3

# The Django settings (examples/django-site/djsite/settings.py) and the Go
# flags for the engine.
export DJSITE_SECRET_KEY=$SECRET_KEY DJSITE_DATABASE=$USERS_DB
go_flags=(--engine "$go_engine" --django-users "$USERS_DB")
case "$ENGINE" in
db)
	export DJSITE_ENGINE=db
	go_flags+=(--dsn "$USERS_DB")
	;;
db-postgres)
	export DJSITE_ENGINE=db DJSITE_DATABASE=$DJSESSION_PG_DSN
	go_flags=(--engine postgres --dsn "$DJSESSION_PG_DSN" --django-users "$DJSESSION_PG_DSN")
	;;
db-mysql)
	# The Go side takes go-sql-driver's DSN, user@tcp(host:port)/db; the
	# Django site a mysql://user@host:port/db URL.
	mysql_url=$(printf '%s' "$DJSESSION_MYSQL_DSN" | sed -E 's#^([^@]*)@tcp\(([^)]*)\)/([^?]*).*#mysql://\1@\2/\3#')
	export DJSITE_ENGINE=db DJSITE_DATABASE=$mysql_url
	go_flags=(--engine mysql --dsn "$DJSESSION_MYSQL_DSN" --django-users "$DJSESSION_MYSQL_DSN")
	;;
cache)
	export DJSITE_ENGINE=cache DJSITE_CACHE=redis://$DJSESSION_REDIS_ADDR/0
	go_flags+=(--dsn "redis://$DJSESSION_REDIS_ADDR/0")
	;;
file)
	mkdir -p "$DATA/sessions"
	chmod 700 "$DATA/sessions"
	export DJSITE_ENGINE=file DJSITE_SESSION_DIR=$DATA/sessions
	go_flags+=(--dsn "$DATA/sessions")
	;;
signed_cookies)
	export DJSITE_ENGINE=signed_cookies
	;;
cache-memcache)
	export DJSITE_ENGINE=cache DJSITE_CACHE=memcache://$DJSESSION_MEMCACHE_ADDR
	go_flags+=(--dsn "$DJSESSION_MEMCACHE_ADDR")
	;;
cached_db)
	export DJSITE_ENGINE=cached_db DJSITE_CACHE=redis://$DJSESSION_REDIS_ADDR/0
	go_flags+=(--dsn "$USERS_DB" --cache "redis://$DJSESSION_REDIS_ADDR/0")
	;;
esac

cd "$ROOT/examples/django-site"
echo "side-by-side: migrating the Django site's database (Django owns the schema)"
"$PYTHON" manage.py migrate --verbosity 0
[ -e "$USERS_DB" ] && chmod 600 "$USERS_DB"
"$PYTHON" manage.py demouser "$DEMO_USER" "$DEMO_PASSWORD"
cd "$ROOT"

echo "side-by-side: building the Go demo"
"$GO" build -o bin/sessiondemo ./cmd/sessiondemo
if ! bin/sessiondemo --help 2>&1 | grep -q -- "session engine: .*\b$go_engine\b"; then
	echo "side-by-side: the Go demo built from this tree has no --engine $go_engine" >&2
	exit 1
fi

pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

(cd examples/django-site && exec "$PYTHON" manage.py runserver --noreload "$DJANGO_ADDR") &
pids+=($!)
SECRET_KEY=$SECRET_KEY bin/sessiondemo --addr "$GO_ADDR" --data-dir "$DATA/go" "${go_flags[@]}" &
pids+=($!)

# Wait until both answer; stop when either has exited.
for url in "http://$DJANGO_ADDR/session.json" "http://$GO_ADDR/api/session"; do
	up=""
	for _ in $(seq 150); do
		if curl -fsS -o /dev/null "$url" 2>/dev/null; then
			up=1
			break
		fi
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null || { echo "side-by-side: a server stopped (see its messages above)" >&2; exit 1; }
		done
		sleep 0.2
	done
	[ -n "$up" ] || { echo "side-by-side: $url does not answer" >&2; exit 1; }
done
cat <<EOF

  Django site: http://$DJANGO_ADDR/      (log in: http://$DJANGO_ADDR/accounts/login/)
  Go demo:     http://$GO_ADDR/private/
  user:        $DEMO_USER / $DEMO_PASSWORD       engine: $ENGINE

  Log in on one, open the other: you are logged in. Log out on either
  side: both ask for a login again. Press Ctrl+C to stop both.

EOF
status=0
wait -n "${pids[@]}" || status=$?
echo "side-by-side: a server stopped (status $status); stopping the other" >&2
exit 1
