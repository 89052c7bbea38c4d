// Package cacheddbtest holds the tests of package cacheddb against real
// servers: cacheddb over SQLite, PostgreSQL and MariaDB (store/sqlstore), with
// memcached (store/memcache) and Redis (store/redis) as the cache; the
// cache stopped and frozen under logged-in users; and Django 3.2's
// cached_db engine on the same database and cache. It is a module of its
// own so that the core, where cacheddb lives, imports no driver. It has no
// API.
package cacheddbtest
