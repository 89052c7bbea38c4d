#!/usr/bin/python3
"""djhelper: the djsession test suite's window onto the real Django.

It runs Debian's python3-django (3.2) in-process and prints exactly one JSON
object on stdout for each call, so that Go tests can compare their output
with Django's.  The Go side lives in djangotest.go (Run, RunBatch).

Usage:
    djhelper.py SUBCOMMAND [options]
    djhelper.py batch < calls.json      # [["sign", "--value", "x"], ...]

Conventions
-----------
* Common options go after the subcommand: --secret / --secret-json /
  --secret-hex (SECRET_KEY, default "djhelper-secret"), --now EPOCH (freezes
  every clock Django reads here), --cookie-age N, --algorithm sha1|sha256
  (DEFAULT_HASHING_ALGORITHM), --fallback-secret[-json|-hex] (repeatable).
* Every text option --x also exists as --x-json (a JSON string literal, so
  tests can send any code point, control characters included, in ASCII) and,
  for keys and secrets, --x-hex (raw bytes).
* Django 3.2 has no SECRET_KEY_FALLBACKS.  The helper emulates Django 4.1's
  rule where it matters (verify with the main secret, then each fallback in
  order; a signature that matches but is expired stops the search) and reports
  which secret matched as "matched_key_index".
* Results carry "ok": true, or "ok": false with "error" (the exception class;
  SignatureExpired is reported as such although it is a BadSignature) and
  "message".  A usage error exits with status 2 and a message on stderr.
* Values that must be compared exactly also come as compact JSON text in a
  field ending in "_json" (Python's json.dumps with separators=(',', ':')).

response-rules
--------------
    djhelper.py response-rules --now EPOCH --scenario '{"cookie": "valid", ...}'

runs one request through SessionMiddleware (db engine, on the call's SQLite
database, emptied first, so it also runs inside a batch) wrapped in Django's
own exception handler, and reports what process_response decided.  The
scenario is a JSON object:
* "cookie": the request's sessionid: "none"; "valid" (a stored session
  holding "data", default {"a": 1}); "unknown" (a well-formed key that is not
  stored); "malformed" ("not a key!": 8 characters or more, so a key to
  Django); "short" ("abc12": under 8 characters, no key to Django either).
* "actions": what the view does to request.session, in order: ["read", k],
  ["set", k, v], ["clear"], ["flush"], ["cycle_key"], ["delete"] (the record
  only), ["set_expiry", n], ["save"].  An exception is recorded by class name
  in "action_errors" and the view carries on.
* "status": the view's status (default 200); "headers": headers the view sets
  (Cache-Control, Vary...); "settings": SESSION_SAVE_EVERY_REQUEST,
  SESSION_EXPIRE_AT_BROWSER_CLOSE, SESSION_COOKIE_SECURE, SESSION_COOKIE_DOMAIN.
The outcome: "status" of the final response and "exception" (the class that
the middleware raised, such as SessionInterrupted, which Django's handler
answers with 400); "writes", the INSERT/UPDATE/DELETE statements on
django_session in order ("insert", "update", "delete"); "cookie" ("set",
"delete" or "none") with, when there is one, "set_cookie" (the line),
"cookie_value" and "cookie_value_is" ("request", "new" or "" when deleted),
"max_age" (null when absent), "expires", "secure", "httponly", "domain",
"path", "samesite"; "vary" and "cache_control" (null when absent).

pickle-dumps, pickle-loads, and the cache engine on Redis
---------------------------------------------------------
    djhelper.py pickle-dumps --json TYPED [--protocol N]     # pickle_hex
    djhelper.py pickle-loads --data-hex HEX                  # typed_json

take and give values in a typed JSON form that keeps Python's types apart:
{"__bytes_hex__": h}, {"__tuple__": [...]}, {"__float_bits__": h} (the
8 bytes of a float, big endian), {"__datetime__": "2030-01-02T03:04:05",
"__tz__": "none"|"utc"|"pytz"}; ints, str, bool, None, lists and dicts as
they are.  middleware --engine cache --redis-url redis://HOST:PORT/DB
[--cache-key-prefix P] [--cache-version N] runs the request on django-redis
(Debian's python3-django-redis, pickle serializer), and its stored session
then also reports "redis_key", "redis_raw_hex", "redis_pttl" and
"cache_value_typed_json".  --memcache-servers H:P[,H:P...] runs it on
Django's PyMemcacheCache instead (pymemcache's HashClient over those
servers), and the stored session reports "memcache_key" and
"memcache_server" (the server HashClient picked).  memcache-pick
--servers H:P,... --keys-json [...] reports the server PyMemcacheCache's
HashClient picks for each key ("picks": [...], pymemcache's node names).
Extra ops: ["set_typed", k, TYPED],
["items_typed"], ["set_expiry_datetime", iso, tz], and, through
django.contrib.auth on the call's --db-path database, ["login", username,
password_hash] (the user is created or updated first), ["logout"] and
["user"] (get_user's username, or null).
"""
import argparse
import base64
import contextlib
import datetime as _dt
import json
import os
import shutil
import sys
import tempfile
import time as _time
import types
import warnings

try:
    import django
except ImportError:  # a python3 that is not Debian's: look where Debian puts Django
    sys.path.append('/usr/lib/python3/dist-packages')
    import django

warnings.simplefilter('ignore')

COMMANDS = {}          # name -> (configure_parser, run, needs_own_database)
DB_ENGINES = ('db', 'cached_db')


class UsageError(Exception):
    """Bad arguments: reported on stderr with exit status 2."""


def command(name, needs_db=False):
    """Register fn as the body of subcommand name."""
    def register(fn):
        entry = COMMANDS.setdefault(name, [None, None, False])
        entry[1], entry[2] = fn, needs_db
        return fn
    return register


def arguments(name):
    """Register fn(parser) as the argument definitions of subcommand name."""
    def register(fn):
        COMMANDS.setdefault(name, [None, None, False])[0] = fn
        return fn
    return register


def compact(v):
    """Python's compact JSON (what Django's JSONSerializer writes, before latin-1)."""
    return json.dumps(v, separators=(',', ':'))


def jsonable(v):
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, bytes):
        return {'__bytes_hex__': v.hex()}
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        return {'__repr__': repr(v)}
    return v


def from_typed(v):
    """A value of the typed JSON form (see pickle-dumps) as the Python value it names."""
    if isinstance(v, dict):
        if '__bytes_hex__' in v:
            return bytes.fromhex(v['__bytes_hex__'])
        if '__tuple__' in v:
            return tuple(from_typed(x) for x in v['__tuple__'])
        if '__float_bits__' in v:
            import struct
            return struct.unpack('>d', bytes.fromhex(v['__float_bits__']))[0]
        if '__datetime__' in v:
            d = _dt.datetime.fromisoformat(v['__datetime__']).replace(tzinfo=None)
            tz = v.get('__tz__', 'none')
            if tz == 'pytz':
                import pytz
                return d.replace(tzinfo=pytz.utc)
            if tz == 'utc':
                return d.replace(tzinfo=_dt.timezone.utc)
            if tz != 'none':
                raise UsageError('unknown __tz__ %r' % tz)
            return d
        return {k: from_typed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [from_typed(x) for x in v]
    return v


def to_typed(v):
    """The typed JSON form of a Python value: exact types, exact floats."""
    import struct
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return {'__float_bits__': struct.pack('>d', v).hex()}
    if isinstance(v, bytes):
        return {'__bytes_hex__': v.hex()}
    if isinstance(v, tuple):
        return {'__tuple__': [to_typed(x) for x in v]}
    if isinstance(v, list):
        return [to_typed(x) for x in v]
    if isinstance(v, dict):
        return {str(k): to_typed(x) for k, x in v.items()}
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None:
            tz = 'none'
        elif v.tzinfo is _dt.timezone.utc:
            tz = 'utc'
        elif type(v.tzinfo).__module__.startswith('pytz') and v.utcoffset() == _dt.timedelta(0):
            tz = 'pytz'
        else:
            tz = repr(v.tzinfo)
        return {'__datetime__': v.replace(tzinfo=None).isoformat(), '__tz__': tz}
    return {'__repr__': repr(v)}


def failure(exc):
    from django.core import signing
    if isinstance(exc, signing.SignatureExpired):
        kind = 'SignatureExpired'
    elif isinstance(exc, signing.BadSignature):
        kind = 'BadSignature'
    else:
        kind = type(exc).__name__
    return {'ok': False, 'error': kind, 'message': str(exc)}


# --------------------------------------------------------------------------
# argument helpers: text in three spellings, keys as text or bytes
# --------------------------------------------------------------------------

def _decode_json_text(raw):
    try:
        v = json.loads(raw)
    except ValueError as e:
        raise argparse.ArgumentTypeError('not JSON: %s' % e)
    if not isinstance(v, str):
        raise argparse.ArgumentTypeError('expected a JSON string, got %s' % type(v).__name__)
    return v


def _decode_hex(raw):
    try:
        return bytes.fromhex(raw)
    except ValueError as e:
        raise argparse.ArgumentTypeError('not hex: %s' % e)


def text_option(p, flag, dest=None, hexa=False, repeat=False, **kw):
    """Add --flag, --flag-json (and --flag-hex) all storing into one dest."""
    dest = dest or flag.replace('-', '_')
    action = 'append' if repeat else 'store'
    help_ = kw.pop('help', None)
    if kw.pop('required', False):
        p = p.add_mutually_exclusive_group(required=True)
    p.add_argument('--' + flag, dest=dest, action=action, help=help_, **kw)
    p.add_argument('--' + flag + '-json', dest=dest, action=action, type=_decode_json_text,
                   help='the same, as a JSON string literal')
    if hexa:
        p.add_argument('--' + flag + '-hex', dest=dest, action=action, type=_decode_hex,
                       help='the same, as hex-encoded bytes')


def number(raw):
    """An int when it looks like one, else a float (Django takes both)."""
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            raise argparse.ArgumentTypeError('not a number: %r' % raw)


def json_value(raw):
    try:
        return json.loads(raw)
    except ValueError as e:
        raise argparse.ArgumentTypeError('not JSON: %s' % e)


def common_parser():
    c = argparse.ArgumentParser(add_help=False)
    text_option(c, 'secret', hexa=True, default='djhelper-secret',
                help='SECRET_KEY (default djhelper-secret)')
    text_option(c, 'fallback-secret', dest='fallback_secrets', hexa=True, repeat=True,
                help='emulated SECRET_KEY_FALLBACKS entry (repeatable, tried in order)')
    c.add_argument('--now', type=float, default=None, help='freeze the clock at this epoch')
    c.add_argument('--cookie-age', type=int, default=1209600, help='SESSION_COOKIE_AGE')
    c.add_argument('--algorithm', default=None, choices=['sha1', 'sha256'],
                   help='DEFAULT_HASHING_ALGORITHM (3.2 only)')
    c.add_argument('--no-use-tz', action='store_true', help='USE_TZ=False')
    c.add_argument('--no-legacy', action='store_true',
                   help="drop 3.2's sha1 fallback in Signer.unsign, as Django 4.0+ does")
    return c


# --------------------------------------------------------------------------
# settings and the frozen clock
# --------------------------------------------------------------------------

BASE_SETTINGS = dict(
    INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth', 'django.contrib.sessions'],
    TIME_ZONE='UTC',
    ALLOWED_HOSTS=['*'],
    DEFAULT_AUTO_FIELD='django.db.models.AutoField',
    PASSWORD_HASHERS=[
        'django.contrib.auth.hashers.PBKDF2PasswordHasher',
        'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
    ],
)


def call_settings(args):
    """The settings one call needs, on top of BASE_SETTINGS."""
    s = dict(
        SECRET_KEY=args.secret,
        USE_TZ=not args.no_use_tz,
        SESSION_COOKIE_AGE=args.cookie_age,
        DEFAULT_HASHING_ALGORITHM=args.algorithm or 'sha256',
    )
    extra = getattr(args, 'extra_settings', None)
    if extra:
        s.update(extra(args))
    return s


def database_for(args):
    path = getattr(args, 'path', None) or getattr(args, 'db_path', None) or ':memory:'
    return {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': path}}


class _ClockTime:
    """Stands in for the time module inside Django modules: time() is frozen."""

    def __init__(self, now):
        self._now = now

    def time(self):
        return self._now

    def __getattr__(self, name):
        return getattr(_time, name)


class FrozenDatetime(_dt.datetime):
    """A datetime whose utcnow() reads the frozen clock (set_cookie calls expires.utcnow())."""
    now_epoch = None

    @classmethod
    def utcnow(cls):
        if cls.now_epoch is None:
            return _dt.datetime.utcnow()
        return _dt.datetime.utcfromtimestamp(cls.now_epoch)


@contextlib.contextmanager
def frozen_clock(now):
    if now is None:
        yield
        return
    import importlib
    from django.utils import timezone
    modules = []
    for name in ('django.core.signing', 'django.http.response', 'django.contrib.sessions.middleware',
                 'django.contrib.sessions.backends.base', 'django.contrib.sessions.backends.file',
                 'django.core.cache.backends.base', 'django.core.cache.backends.filebased'):
        m = importlib.import_module(name)
        if hasattr(m, 'time'):
            modules.append((m, m.time))
            m.time = _ClockTime(now)
    real_now = timezone.now
    aware = _dt.datetime.fromtimestamp(now, tz=_dt.timezone.utc)

    def fake_now():
        from django.conf import settings
        return aware if settings.USE_TZ else aware.replace(tzinfo=None)
    timezone.now = fake_now
    FrozenDatetime.now_epoch = now
    try:
        yield
    finally:
        for m, original in modules:
            m.time = original
        timezone.now = real_now
        FrozenDatetime.now_epoch = None


@contextlib.contextmanager
def legacy_signatures(enabled):
    """Django 3.2's Signer also accepts sha1 signatures; 4.0 removed that."""
    from django.core import signing
    if enabled:
        yield
        return
    saved = signing.Signer.legacy_algorithm
    signing.Signer.legacy_algorithm = None
    try:
        yield
    finally:
        signing.Signer.legacy_algorithm = saved


# --------------------------------------------------------------------------
# signing: Signer, TimestampSigner, dumps/loads, salted_hmac, base62
# --------------------------------------------------------------------------

def verify_with_fallbacks(keys, attempt):
    """Django 4.1's SECRET_KEY_FALLBACKS rule, emulated: try each key in order.

    attempt(key) verifies with one key.  A BadSignature moves on to the next
    key; anything else (a value, an expired signature, a broken payload under
    a good signature) is final.
    """
    from django.core import signing
    last = None
    for index, key in enumerate(keys):
        try:
            value = attempt(key)
        except signing.SignatureExpired as e:
            res = failure(e)
            res['matched_key_index'] = index
            return res
        except signing.BadSignature as e:
            last = e
            continue
        except Exception as e:  # noqa: BLE001 - reported as data
            res = failure(e)
            res['matched_key_index'] = index
            return res
        return {'ok': True, 'value': value, 'matched_key_index': index}
    res = failure(last)
    res['matched_key_index'] = None
    return res


def signer_options(p, value_flag='value'):
    text_option(p, 'key', hexa=True, help='signing key (default: --secret)')
    text_option(p, 'fallback-key', dest='fallback_keys', hexa=True, repeat=True,
                help='fallback key, tried in order after --key (emulates fallback_keys)')
    text_option(p, 'salt', help="salt (default: Django's class-based default)")
    text_option(p, 'sep', default=':')
    p.add_argument('--timestamp', action='store_true', help='TimestampSigner instead of Signer')
    p.add_argument('--signer-algorithm', default=None, help='Signer(algorithm=...): sha1, sha256, sha512...')


def make_signer(args, key):
    from django.core import signing
    cls = signing.TimestampSigner if args.timestamp else signing.Signer
    kw = dict(sep=args.sep, salt=args.salt)
    if args.signer_algorithm:
        kw['algorithm'] = args.signer_algorithm
    return cls(key, **kw)


def signing_keys(args):
    from django.conf import settings
    return [args.key or settings.SECRET_KEY] + list(args.fallback_keys or [])


@arguments('sign')
def _(p):
    signer_options(p)
    text_option(p, 'value', default='')


@command('sign')
def cmd_sign(args):
    """Signer.sign / TimestampSigner.sign with the main key."""
    s = make_signer(args, signing_keys(args)[0])
    signed = s.sign(args.value)
    value_part = signed.rsplit(args.sep, 1)[0]
    return {'ok': True, 'signed': signed, 'signature': s.signature(value_part), 'salt': s.salt,
            'algorithm': s.algorithm, 'sep': s.sep}


@arguments('unsign')
def _(p):
    signer_options(p)
    text_option(p, 'signed', required=True)
    p.add_argument('--max-age', type=number, default=None, help='TimestampSigner max_age in seconds')


@command('unsign')
def cmd_unsign(args):
    """Signer.unsign / TimestampSigner.unsign, trying fallback keys in order."""
    def attempt(key):
        s = make_signer(args, key)
        if args.timestamp:
            return s.unsign(args.signed, max_age=args.max_age)
        return s.unsign(args.signed)
    return verify_with_fallbacks(signing_keys(args), attempt)


@arguments('signing-dumps')
def _(p):
    p.add_argument('--json', dest='data', type=json_value, required=True, help='the value, as JSON')
    text_option(p, 'key', hexa=True)
    text_option(p, 'salt', default='django.core.signing')
    p.add_argument('--compress', action='store_true')


@command('signing-dumps')
def cmd_dumps(args):
    """django.core.signing.dumps(value, key, salt, compress)."""
    from django.core import signing
    signed = signing.dumps(args.data, key=args.key, salt=args.salt, compress=args.compress)
    return {'ok': True, 'signed': signed, 'compressed': signed.startswith('.'),
            'payload_json': signing.JSONSerializer().dumps(args.data).decode('latin-1')}


@arguments('signing-loads')
def _(p):
    text_option(p, 'signed', required=True)
    text_option(p, 'key', hexa=True)
    text_option(p, 'fallback-key', dest='fallback_keys', hexa=True, repeat=True)
    text_option(p, 'salt', default='django.core.signing')
    p.add_argument('--max-age', type=number, default=None)


@command('signing-loads')
def cmd_loads(args):
    """django.core.signing.loads(signed, key, salt, max_age), with fallback keys."""
    from django.core import signing
    res = verify_with_fallbacks(
        signing_keys(args),
        lambda key: signing.loads(args.signed, key=key, salt=args.salt, max_age=args.max_age))
    if res['ok']:
        res['value_json'] = compact(res['value'])
    return res


@arguments('salted-hmac')
def _(p):
    text_option(p, 'key-salt', required=True)
    text_option(p, 'value', required=True)
    p.add_argument('--hmac-algorithm', default='sha1', help="salted_hmac's algorithm (its default is sha1)")


@command('salted-hmac')
def cmd_salted_hmac(args):
    """django.utils.crypto.salted_hmac(key_salt, value, SECRET_KEY, algorithm)."""
    from django.utils.crypto import salted_hmac
    h = salted_hmac(args.key_salt, args.value, algorithm=args.hmac_algorithm)
    return {'ok': True, 'hex': h.hexdigest(),
            'base64url': base64.urlsafe_b64encode(h.digest()).decode().rstrip('=')}


@arguments('base62')
def _(p):
    p.add_argument('--encode', dest='encode', action='append', type=int, default=[])
    text_option(p, 'decode', dest='decode', repeat=True)


@command('base62')
def cmd_base62(args):
    """django.utils.baseconv.base62 for each --encode / --decode (results in order)."""
    from django.utils import baseconv
    encoded = [baseconv.base62.encode(n) for n in args.encode]
    decoded = []
    for s in args.decode or []:
        try:
            decoded.append({'ok': True, 'value': baseconv.base62.decode(s)})
        except Exception as e:  # noqa: BLE001
            decoded.append(failure(e))
    return {'ok': True, 'encoded': encoded, 'decoded': decoded}


# --------------------------------------------------------------------------
# Python's json module as Django uses it
# --------------------------------------------------------------------------

@arguments('json-dumps')
def _(p):
    p.add_argument('--json', dest='data', type=json_value, required=True)


@command('json-dumps')
def cmd_json_dumps(args):
    """Parse JSON (as Python reads it) and write it back as Django's serializer does."""
    return {'ok': True, 'dumped': compact(args.data)}


@arguments('json-loads')
def _(p):
    p.add_argument('--data-hex', dest='data', type=_decode_hex, required=True,
                   help='raw bytes, read as Django reads them (latin-1, then json.loads)')


@command('json-loads')
def cmd_json_loads(args):
    """JSONSerializer().loads(bytes): latin-1, then json.loads, as Django reads."""
    from django.core import signing
    try:
        v = signing.JSONSerializer().loads(args.data)
    except Exception as e:  # noqa: BLE001
        return failure(e)
    return {'ok': True, 'value': v, 'value_json': compact(v), 'type': type(v).__name__}


# --------------------------------------------------------------------------
# cookies: set_signed_cookie, get_signed_cookie, set_cookie, delete_cookie, parse_cookie
# --------------------------------------------------------------------------

def parse_set_cookie(header):
    """Split a Set-Cookie value into its name, value and attributes (in order)."""
    parts = header.split('; ')
    name, _, value = parts[0].partition('=')
    attrs = []
    for part in parts[1:]:
        k, eq, v = part.partition('=')
        attrs.append([k, v if eq else True])
    return {'name': name, 'value': value,
            'attributes': {k.lower(): v for k, v in attrs}, 'attribute_order': [k for k, _ in attrs]}


def describe_cookie(response, name):
    m = response.cookies[name]
    out = m.OutputString()
    res = {'ok': True, 'header': out, 'set_cookie_header': 'Set-Cookie: ' + out,
           'wsgi_header_value': m.output(header=''), 'value': m.value, 'coded_value': m.coded_value,
           'morsel': {k: v for k, v in m.items() if v != ''}}
    res['parsed'] = parse_set_cookie(out)
    return res


@arguments('sign-cookie')
def _(p):
    text_option(p, 'name', required=True, help='cookie name (part of the salt)')
    text_option(p, 'value', required=True)
    text_option(p, 'salt', default='')


@command('sign-cookie')
def cmd_sign_cookie(args):
    """HttpResponse.set_signed_cookie(name, value, salt=...)."""
    from django.http import HttpResponse
    r = HttpResponse()
    r.set_signed_cookie(args.name, args.value, salt=args.salt)
    res = describe_cookie(r, args.name)
    res['signed'] = res['value']
    return res


@arguments('unsign-cookie')
def _(p):
    text_option(p, 'name', required=True)
    text_option(p, 'cookie-value', help='leave out to simulate a missing cookie')
    text_option(p, 'salt', default='')
    p.add_argument('--max-age', type=number, default=None)


@command('unsign-cookie')
def cmd_unsign_cookie(args):
    """HttpRequest.get_signed_cookie(name, salt=..., max_age=...), with emulated fallbacks."""
    from django.conf import settings
    from django.http import HttpRequest
    from django.test.utils import override_settings

    def attempt(secret):
        req = HttpRequest()
        if args.cookie_value is not None:
            req.COOKIES[args.name] = args.cookie_value
        with override_settings(SECRET_KEY=secret):
            return req.get_signed_cookie(args.name, salt=args.salt, max_age=args.max_age)
    return verify_with_fallbacks([settings.SECRET_KEY] + list(args.fallback_secrets or []), attempt)


def cookie_attribute_options(p):
    p.add_argument('--max-age', type=number, default=None)
    text_option(p, 'expires', help='expires, a string used verbatim')
    p.add_argument('--expires-datetime', default=None,
                   help='expires as an ISO datetime (naive = UTC, or with an offset)')
    text_option(p, 'path', default='/')
    p.add_argument('--no-path', dest='path', action='store_const', const=None)
    text_option(p, 'domain')
    p.add_argument('--secure', action='store_true')
    p.add_argument('--httponly', action='store_true')
    text_option(p, 'samesite')


@arguments('set-cookie-header')
def _(p):
    text_option(p, 'name', required=True)
    text_option(p, 'value', default='')
    cookie_attribute_options(p)
    p.add_argument('--signed', action='store_true', help='set_signed_cookie instead of set_cookie')
    text_option(p, 'salt', default='')


@command('set-cookie-header')
def cmd_set_cookie_header(args):
    """HttpResponse.set_cookie (or set_signed_cookie) with every option."""
    from django.http import HttpResponse
    expires = args.expires
    if args.expires_datetime is not None:
        d = _dt.datetime.fromisoformat(args.expires_datetime)
        expires = FrozenDatetime(d.year, d.month, d.day, d.hour, d.minute, d.second,
                                 d.microsecond, d.tzinfo)
    kw = dict(max_age=args.max_age, expires=expires, path=args.path, domain=args.domain,
              secure=args.secure, httponly=args.httponly, samesite=args.samesite)
    r = HttpResponse()
    if args.signed:
        r.set_signed_cookie(args.name, args.value, salt=args.salt, **kw)
    else:
        r.set_cookie(args.name, args.value, **kw)
    return describe_cookie(r, args.name)


@arguments('delete-cookie-header')
def _(p):
    text_option(p, 'name', required=True)
    text_option(p, 'path', default='/')
    text_option(p, 'domain')
    text_option(p, 'samesite')


@command('delete-cookie-header')
def cmd_delete_cookie_header(args):
    """HttpResponse.delete_cookie(name, path, domain, samesite)."""
    from django.http import HttpResponse
    r = HttpResponse()
    r.delete_cookie(args.name, path=args.path, domain=args.domain, samesite=args.samesite)
    return describe_cookie(r, args.name)


@arguments('parse-cookie')
def _(p):
    text_option(p, 'header', required=True, help='a raw Cookie request header')


@command('parse-cookie')
def cmd_parse_cookie(args):
    """django.http.cookie.parse_cookie: what request.COOKIES holds."""
    from django.http.cookie import parse_cookie
    cookies = parse_cookie(args.header)
    return {'ok': True, 'cookies': cookies, 'order': list(cookies)}


# --------------------------------------------------------------------------
# pickle: what Django's cache framework stores
# --------------------------------------------------------------------------

@arguments('pickle-dumps')
def _(p):
    p.add_argument('--json', dest='data', type=json_value, required=True,
                   help='the value in the typed JSON form: {"__bytes_hex__": h}, {"__tuple__": [...]}, '
                        '{"__float_bits__": h}, {"__datetime__": iso, "__tz__": "none"|"utc"|"pytz"}')
    p.add_argument('--protocol', type=int, default=None, help='default: pickle.HIGHEST_PROTOCOL, as Django')


@command('pickle-dumps')
def cmd_pickle_dumps(args):
    """pickle.dumps(value, protocol): the bytes Django's cache backends store."""
    import pickle
    proto = pickle.HIGHEST_PROTOCOL if args.protocol is None else args.protocol
    return {'ok': True, 'pickle_hex': pickle.dumps(from_typed(args.data), proto).hex(), 'protocol': proto}


@arguments('pickle-loads')
def _(p):
    p.add_argument('--data-hex', dest='data', type=_decode_hex, required=True)


@command('pickle-loads')
def cmd_pickle_loads(args):
    """pickle.loads(bytes), reported in the typed JSON form."""
    import pickle
    v = pickle.loads(args.data)
    return {'ok': True, 'typed_json': compact(to_typed(v)), 'type': type(v).__name__}


# --------------------------------------------------------------------------
# sessions: encode/decode, signed_cookies engine, the db engine on SQLite
# --------------------------------------------------------------------------

def session_store(engine):
    from importlib import import_module
    return import_module('django.contrib.sessions.backends.' + engine).SessionStore


@arguments('encode-session')
def _(p):
    p.add_argument('--json', dest='data', type=json_value, required=True, help='the session dict')


@command('encode-session')
def cmd_encode_session(args):
    """db.SessionStore().encode(dict): the session_data of the db, file and cached_db engines."""
    store = session_store('db')()
    encoded = store.encode(args.data)
    return {'ok': True, 'session_data': encoded, 'compressed': encoded.startswith('.'),
            'key_salt': store.key_salt, 'payload_json': compact(args.data)}


@arguments('decode-session')
def _(p):
    text_option(p, 'data', required=True, help='session_data as stored')


@command('decode-session')
def cmd_decode_session(args):
    """db.SessionStore().decode(data): {} for a bad signature or garbage.

    With --fallback-secret, secrets are tried in order (Django 4.1) and
    matched_key_index says which verified; the 3.2 legacy format is only
    tried with the main secret.
    """
    import logging
    from django.conf import settings
    from django.core import signing
    logging.disable(logging.CRITICAL)
    store = session_store('db')()
    matched = None
    decoded = None
    if args.fallback_secrets:
        for index, secret in enumerate([settings.SECRET_KEY] + list(args.fallback_secrets)):
            try:
                decoded = signing.loads(args.data, key=secret, salt=store.key_salt,
                                        serializer=store.serializer)
            except signing.BadSignature:
                continue
            matched = index
            break
    if decoded is None:
        decoded = store.decode(args.data)
        matched = 0 if decoded else None
    return {'ok': True, 'decoded': jsonable(decoded), 'decoded_json': compact(jsonable(decoded)),
            'matched_key_index': matched}


@arguments('signed-cookies-encode')
def _(p):
    p.add_argument('--json', dest='data', type=json_value, required=True)


@command('signed-cookies-encode')
def cmd_sc_encode(args):
    """The signed_cookies engine: update(dict) then save(); the cookie value is the key."""
    s = session_store('signed_cookies')()
    s.update(args.data)
    s.save()
    return {'ok': True, 'cookie_value': s.session_key}


@arguments('signed-cookies-decode')
def _(p):
    text_option(p, 'cookie-value', required=True)


@command('signed-cookies-decode')
def cmd_sc_decode(args):
    """signed_cookies SessionStore(cookie).load(); modified=True means it was rejected."""
    s = session_store('signed_cookies')(args.cookie_value)
    data = s.load()
    return {'ok': True, 'decoded': jsonable(data), 'decoded_json': compact(jsonable(data)),
            'rejected': s.modified}


@arguments('signed-cookies-auth')
def _(p):
    p.add_argument('--user-json', dest='user', type=json_value, required=True,
                   help='{"pk": 1, "username": "alice", "password": "pbkdf2_sha256$..."}: created first')
    text_option(p, 'cookie-value', default=None, help="the request's sessionid (none when absent)")
    p.add_argument('--action', choices=['whoami', 'login', 'logout'], default='whoami')
    p.set_defaults(extra_settings=lambda a: dict(
        SESSION_ENGINE='django.contrib.sessions.backends.signed_cookies'))


@command('signed-cookies-auth', needs_db=True)
def cmd_sc_auth(args):
    """One GET / through SessionMiddleware and AuthenticationMiddleware on the
    signed_cookies engine: the view logs the user in (django.contrib.auth.login),
    out (logout) or does nothing.  "user_before" is request.user's pk as the
    request arrived (null when anonymous), "user_after" after the action;
    "cookie" is "set", "delete" or "none", with "cookie_value" and
    "session_json" (the session the response carries)."""
    import logging
    from django.contrib import auth
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.auth.models import User
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.test import RequestFactory
    logging.disable(logging.CRITICAL)
    call_command('migrate', verbosity=0, interactive=False)
    u = args.user
    user = User.objects.create(pk=u['pk'], username=u['username'], password=u['password'])
    seen = {}

    def view(request):
        seen['before'] = request.user.pk if request.user.is_authenticated else None
        if args.action == 'login':
            auth.login(request, user, backend='django.contrib.auth.backends.ModelBackend')
        elif args.action == 'logout':
            auth.logout(request)
        seen['after'] = request.user.pk if request.user.is_authenticated else None
        seen['session'] = dict(request.session.items())
        return HttpResponse('ok')

    headers = {} if args.cookie_value is None else {'HTTP_COOKIE': 'sessionid=' + args.cookie_value}
    request = RequestFactory().get('/', **headers)
    response = SessionMiddleware(AuthenticationMiddleware(view))(request)
    res = {'ok': True, 'status': response.status_code, 'user_before': seen.get('before'),
           'user_after': seen.get('after'), 'session_json': compact(jsonable(seen.get('session'))),
           'cookie': 'none', 'set_cookie': None, 'cookie_value': None}
    m = response.cookies.get('sessionid')
    if m is not None:
        line = m.OutputString()
        attrs = parse_set_cookie(line)['attributes']
        res.update({'set_cookie': line, 'cookie_value': m.value,
                    'cookie': 'delete' if m.value == '' and attrs.get('max-age') == '0' else 'set'})
    return res


def migrate():
    from django.core.management import call_command
    call_command('migrate', 'sessions', verbosity=0, interactive=False)


def raw_row(key):
    from django.db import connection
    with connection.cursor() as c:
        c.execute('SELECT session_key, session_data, expire_date FROM django_session WHERE session_key=%s',
                  [key])
        row = c.fetchone()
    return None if row is None else {'session_key': row[0], 'session_data': row[1],
                                     'expire_date': str(row[2])}


@arguments('make-db')
def _(p):
    p.add_argument('--path', required=True, help='SQLite file (created and migrated)')
    p.add_argument('--json', dest='data', type=json_value, required=True, help='the session dict')
    p.add_argument('--expiry', type=int, default=None, help='session.set_expiry(N) before saving')
    p.add_argument('--session-key', default=None, help='save under this key instead of a random one')


@command('make-db', needs_db=True)
def cmd_make_db(args):
    """Migrate Django's sessions app into a SQLite file and save one db session."""
    from django.db import connection
    migrate()
    if args.session_key is not None:
        s = session_store('db')()
        s._session_key = args.session_key
        if s.session_key != args.session_key:
            raise UsageError('Django rejects the session key %r' % args.session_key)
        s._session_cache = {}
        s.update(args.data)
        if args.expiry is not None:
            s.set_expiry(args.expiry)
        s.save(must_create=True)
    else:
        s = session_store('db')()
        s.update(args.data)
        if args.expiry is not None:
            s.set_expiry(args.expiry)
        s.save()
    with connection.cursor() as c:
        c.execute("SELECT sql FROM sqlite_master WHERE tbl_name='django_session' AND sql IS NOT NULL")
        schema = [r[0] for r in c.fetchall()]
    return {'ok': True, 'session_key': s.session_key, 'row': raw_row(s.session_key), 'schema': schema,
            'expiry_age': s.get_expiry_age()}


@arguments('read-db')
def _(p):
    p.add_argument('--path', required=True)
    p.add_argument('--session-key', required=True)


@command('read-db', needs_db=True)
def cmd_read_db(args):
    """Load one session through Django's db engine (found=false: unknown or expired)."""
    import logging
    logging.disable(logging.CRITICAL)
    row = raw_row(args.session_key)
    s = session_store('db')(args.session_key)
    data = dict(s.items())
    return {'ok': True, 'found': s.session_key is not None, 'decoded': jsonable(data),
            'decoded_json': compact(jsonable(data)), 'row': row,
            'expiry_age': s.get_expiry_age() if s.session_key else None}


@arguments('clearsessions')
def _(p):
    p.add_argument('--engine', default='db', choices=['db', 'file'])
    p.add_argument('--path', default=None, help='SQLite file (db engine)')
    p.add_argument('--file-dir', default=None, help='SESSION_FILE_PATH (file engine)')
    p.set_defaults(extra_settings=lambda a: dict(
        SESSION_ENGINE='django.contrib.sessions.backends.' + a.engine,
        SESSION_FILE_PATH=a.file_dir))


@command('clearsessions', needs_db=True)
def cmd_clearsessions(args):
    """manage.py clearsessions; before/after list the session keys or file names."""
    from django.core.management import call_command
    from django.db import connection

    def listing():
        if args.engine == 'file':
            return sorted(os.listdir(args.file_dir))
        with connection.cursor() as c:
            c.execute('SELECT session_key FROM django_session ORDER BY session_key')
            return [r[0] for r in c.fetchall()]
    if args.engine == 'db':
        migrate()
    before = listing()
    call_command('clearsessions')
    return {'ok': True, 'before': before, 'after': listing()}


# --------------------------------------------------------------------------
# the file engine on a shared directory (SESSION_FILE_PATH)
# --------------------------------------------------------------------------

def file_settings(a):
    return dict(SESSION_ENGINE='django.contrib.sessions.backends.file',
                SESSION_FILE_PATH=a.file_dir, SESSION_COOKIE_NAME=a.cookie_name)


def file_options(p):
    p.add_argument('--file-dir', required=True, help='SESSION_FILE_PATH (an existing directory)')
    p.add_argument('--cookie-name', default='sessionid', help='SESSION_COOKIE_NAME, the file name prefix')
    p.set_defaults(extra_settings=file_settings)


def file_store():
    """The file engine's SessionStore, with its per-class cached path dropped
    (it caches SESSION_FILE_PATH on first use; calls in a batch differ)."""
    cls = session_store('file')
    if '_storage_path' in cls.__dict__:
        del cls._storage_path
    return cls


def file_listing(d):
    out = {}
    for name in sorted(os.listdir(d)):
        st = os.lstat(os.path.join(d, name))
        out[name] = {'mtime': st.st_mtime, 'size': st.st_size}
    return out


def file_expiry(s):
    """get_expiry_age, get_expiry_date and get_expire_at_browser_close, or
    the exception each raises (3.2 cannot read an ISO _session_expiry)."""
    res = {}
    for field, fn in (('expiry_age', s.get_expiry_age),
                      ('expiry_date', lambda: s.get_expiry_date().isoformat()),
                      ('expire_at_browser_close', s.get_expire_at_browser_close)):
        try:
            res[field] = fn()
        except Exception as e:  # noqa: BLE001 - reported as data
            res[field + '_error'] = type(e).__name__
    return res


@arguments('file-save')
def _(p):
    file_options(p)
    p.add_argument('--json', dest='data', type=json_value, required=True, help='the session dict')
    p.add_argument('--expiry', type=int, default=None, help='session.set_expiry(N) before saving')
    p.add_argument('--session-key', default=None,
                   help='update the session under this key (load, update, save) instead of creating one')


@command('file-save')
def cmd_file_save(args):
    """Save a session through Django's file engine: a new one (create), or an
    update of --session-key. Reports the file and what Django's expiry API says."""
    store = file_store()
    if args.session_key is not None:
        s = store(args.session_key)
        s.load()
        if s.session_key != args.session_key:
            return {'ok': False, 'error': 'NotFound', 'message': 'no session file for that key'}
        s.update(args.data)
    else:
        s = store()
        s.update(args.data)
    if args.expiry is not None:
        s.set_expiry(args.expiry)
    s.save()
    name = os.path.join(args.file_dir, args.cookie_name + s.session_key)
    st = os.stat(name)
    with open(name, encoding='ascii') as f:
        content = f.read()
    res = {'ok': True, 'session_key': s.session_key, 'file': os.path.basename(name),
           'file_content': content, 'mtime': st.st_mtime, 'mode': st.st_mode & 0o7777}
    res.update(file_expiry(s))
    return res


@arguments('file-load')
def _(p):
    file_options(p)
    text_option(p, 'session-key', required=True)


@command('file-load')
def cmd_file_load(args):
    """SessionStore(key).load() on the file engine: found, the data, the expiry
    API, and the directory before and after (3.2's load of an expired file
    deletes it and creates a new one)."""
    import logging
    logging.disable(logging.CRITICAL)
    before = file_listing(args.file_dir)
    s = file_store()(args.session_key)
    try:
        data = s.load()
    except Exception as e:  # noqa: BLE001 - reported as data
        res = failure(e)
        res.update({'files_before': before, 'files_after': file_listing(args.file_dir)})
        return res
    s._session_cache = data
    res = {'ok': True, 'found': s.session_key == args.session_key, 'session_key_after': s.session_key,
           'decoded': jsonable(data), 'decoded_json': compact(jsonable(data)),
           'files_before': before, 'files_after': file_listing(args.file_dir)}
    if s.session_key == args.session_key:
        res.update(file_expiry(s))
    return res


@arguments('file-auth')
def _(p):
    file_options(p)
    p.add_argument('--action', required=True, choices=['login', 'get-user'])
    p.add_argument('--user-pk', type=int, required=True)
    p.add_argument('--username', required=True)
    text_option(p, 'password-hash', required=True, help="the user's password field")
    p.add_argument('--session-key', default=None, help='get-user: the session to read')


@command('file-auth', needs_db=True)
def cmd_file_auth(args):
    """django.contrib.auth on the file engine, with one user in an in-memory
    database: login (auth.login on a new session, saved) or get-user
    (auth.get_user on the session --session-key, which checks the auth hash)."""
    from django.contrib.auth import get_user, login
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import RequestFactory
    call_command('migrate', verbosity=0, interactive=False)
    user = User.objects.create(pk=args.user_pk, username=args.username, password=args.password_hash)
    request = RequestFactory().get('/')
    store = file_store()
    if args.action == 'login':
        request.session = store()
        login(request, user, backend='django.contrib.auth.backends.ModelBackend')
        request.session.save()
        return {'ok': True, 'session_key': request.session.session_key,
                'decoded': jsonable(dict(request.session.items()))}
    request.session = store(args.session_key)
    u = get_user(request)
    return {'ok': True, 'authenticated': u.is_authenticated, 'username': u.get_username(),
            'pk': u.pk, 'session_key_after': request.session.session_key}


# --------------------------------------------------------------------------
# auth: safe redirects, the session auth hash, password hashes
# --------------------------------------------------------------------------

@arguments('url-has-allowed-host')
def _(p):
    text_option(p, 'url', dest='urls', repeat=True, help='a URL to check (repeatable)')
    p.add_argument('--urls-json', type=json_value, default=None, help='a JSON list of URLs')
    text_option(p, 'allowed-host', dest='hosts', repeat=True)
    p.add_argument('--require-https', action='store_true')


@command('url-has-allowed-host')
def cmd_url_has_allowed_host(args):
    """django.utils.http.url_has_allowed_host_and_scheme for each URL, in order."""
    from django.utils.http import url_has_allowed_host_and_scheme
    urls = list(args.urls or []) + list(args.urls_json or [])
    hosts = set(args.hosts or [])
    results = [{'url': u, 'allowed': url_has_allowed_host_and_scheme(
        u, allowed_hosts=hosts, require_https=args.require_https)} for u in urls]
    res = {'ok': True, 'results': results}
    if len(results) == 1:
        res['allowed'] = results[0]['allowed']
    return res


@arguments('session-auth-hash')
def _(p):
    text_option(p, 'password-hash', required=True, help="the user's password field")


@command('session-auth-hash')
def cmd_session_auth_hash(args):
    """AbstractBaseUser.get_session_auth_hash (and 3.2's legacy sha1 variant)."""
    from django.contrib.auth.models import User
    u = User(password=args.password_hash)
    return {'ok': True, 'hash': u.get_session_auth_hash(),
            'legacy_sha1_hash': u._legacy_get_session_auth_hash()}


@arguments('check-password')
def _(p):
    text_option(p, 'password', required=True)
    text_option(p, 'encoded', required=True)


@command('check-password')
def cmd_check_password(args):
    """django.contrib.auth.hashers.check_password(password, encoded).

    "updated" says whether Django called check_password's setter: the
    password was right and Django would store a new hash of it (another
    hasher, iteration count or salt length than its preferred hasher's)."""
    from django.contrib.auth.hashers import check_password, identify_hasher
    try:
        hasher = identify_hasher(args.encoded).algorithm
    except ValueError:
        hasher = None
    updated = []
    valid = check_password(args.password, args.encoded, setter=lambda raw: updated.append(raw))
    return {'ok': True, 'valid': valid, 'hasher': hasher, 'updated': bool(updated)}


@arguments('make-password')
def _(p):
    text_option(p, 'password', required=True)
    text_option(p, 'salt', default=None)
    p.add_argument('--iterations', type=int, default=None, help="default: Django 3.2's 260000")


@command('make-password')
def cmd_make_password(args):
    """make_password with pbkdf2_sha256 (a chosen salt and iteration count are allowed)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
    hasher = PBKDF2PasswordHasher()
    if args.iterations is not None:
        encoded = hasher.encode(args.password, args.salt or hasher.salt(), args.iterations)
    else:
        encoded = make_password(args.password, args.salt, hasher='pbkdf2_sha256')
    return {'ok': True, 'encoded': encoded, 'decoded': hasher.decode(encoded)}


# --------------------------------------------------------------------------
# a whole request through SessionMiddleware
# --------------------------------------------------------------------------

def session_op(s, engine, op):
    name, a = op[0], op[1:]
    if name == 'set':
        s[a[0]] = a[1]
        return None
    if name == 'get':
        return s.get(a[0], a[1] if len(a) > 1 else None)
    if name == 'contains':
        return a[0] in s
    if name == 'del':
        del s[a[0]]
        return None
    if name == 'pop':
        return s.pop(a[0], None)
    if name == 'setdefault':
        return s.setdefault(a[0], a[1])
    if name == 'update':
        s.update(a[0])
        return None
    if name == 'keys':
        return sorted(s.keys())
    if name == 'items':
        return dict(s.items())
    if name in ('flush', 'cycle_key', 'clear', 'save', 'create', 'delete'):
        getattr(s, name)()
        return s.session_key
    if name == 'set_expiry':
        s.set_expiry(a[0])
        return None
    if name == 'set_typed':  # a value in the typed JSON form (bytes, tuples, datetimes...)
        s[a[0]] = from_typed(a[1])
        return None
    if name == 'items_typed':
        return {'typed_json': compact(to_typed(dict(s.items())))}
    if name == 'set_expiry_datetime':  # set_expiry(datetime): [iso, "none"|"utc"|"pytz"]
        s.set_expiry(from_typed({'__datetime__': a[0], '__tz__': a[1] if len(a) > 1 else 'pytz'}))
        return None
    if name == 'set_expiry_seconds_timedelta':
        s.set_expiry(_dt.timedelta(seconds=a[0]))
        return None
    if name == 'get_expiry_age':
        return s.get_expiry_age()
    if name == 'get_expiry_date':
        return s.get_expiry_date().isoformat()
    if name == 'get_expire_at_browser_close':
        return s.get_expire_at_browser_close()
    if name == 'session_key':
        return s.session_key
    if name == 'is_empty':
        return s.is_empty()
    if name == 'accessed_modified':
        return [s.accessed, s.modified]
    if name == 'delete_store':  # another request deletes this session meanwhile
        session_store(engine)().delete(s.session_key)
        return None
    raise UsageError('unknown session op %r' % name)


def middleware_settings(a):
    s = dict(
        SESSION_ENGINE='django.contrib.sessions.backends.' + a.engine,
        SESSION_SAVE_EVERY_REQUEST=a.save_every_request,
        SESSION_EXPIRE_AT_BROWSER_CLOSE=a.expire_at_browser_close,
        SESSION_FILE_PATH=a.file_dir,
        SESSION_COOKIE_SECURE=a.secure_cookie,
        SESSION_COOKIE_HTTPONLY=not a.no_httponly,
        SESSION_COOKIE_DOMAIN=a.cookie_domain,
        SESSION_COOKIE_PATH=a.cookie_path,
        SESSION_COOKIE_NAME=a.cookie_name,
        CACHES={'default': {'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache',
                            'LOCATION': a.cache_dir}},
    )
    if a.redis_url:
        # Django 3.2 on Redis: django-redis, whose default serializer is pickle
        # (HIGHEST_PROTOCOL), as Django 4.0's RedisCache.
        cache = {'BACKEND': 'django_redis.cache.RedisCache', 'LOCATION': a.redis_url}
        if a.cache_key_prefix is not None:
            cache['KEY_PREFIX'] = a.cache_key_prefix
        if a.cache_version is not None:
            cache['VERSION'] = a.cache_version
        s['CACHES'] = {'default': cache}
    if a.memcache_servers:
        # Django 3.2's PyMemcacheCache: pymemcache's HashClient, pickle_serde.
        cache = {'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache',
                 'LOCATION': a.memcache_servers.split(',')}
        if a.cache_key_prefix is not None:
            cache['KEY_PREFIX'] = a.cache_key_prefix
        if a.cache_version is not None:
            cache['VERSION'] = a.cache_version
        s['CACHES'] = {'default': cache}
    if a.ops and any(op and op[0] in ('login', 'logout', 'user') for op in a.ops):
        s['AUTHENTICATION_BACKENDS'] = ['django.contrib.auth.backends.ModelBackend']
    if a.samesite is not None:
        s['SESSION_COOKIE_SAMESITE'] = a.samesite or None
    return s


@arguments('middleware')
def _(p):
    p.add_argument('--engine', default='db', choices=['db', 'cache', 'cached_db', 'file', 'signed_cookies'])
    p.add_argument('--db-path', default=None, help='SQLite file (default: in memory)')
    p.add_argument('--cache-dir', default=None, help='FileBasedCache directory (default: a temporary one)')
    p.add_argument('--file-dir', default=None, help='SESSION_FILE_PATH (default: a temporary one)')
    text_option(p, 'cookie', help='the raw Cookie request header')
    p.add_argument('--ops', type=json_value, default=[],
                   help='JSON list of session operations, e.g. [["set","a",1],["flush"]]')
    p.add_argument('--status', type=int, default=200)
    p.add_argument('--save-every-request', action='store_true')
    p.add_argument('--expire-at-browser-close', action='store_true')
    p.add_argument('--samesite', default=None, help="SESSION_COOKIE_SAMESITE ('' for None)")
    p.add_argument('--secure-cookie', action='store_true')
    p.add_argument('--no-httponly', action='store_true')
    p.add_argument('--cookie-domain', default=None)
    p.add_argument('--cookie-path', default='/')
    p.add_argument('--cookie-name', default='sessionid')
    p.add_argument('--redis-url', default=None,
                   help='CACHES on django-redis at this URL (redis://host:port/db) instead of FileBasedCache')
    p.add_argument('--memcache-servers', default=None,
                   help="CACHES on Django's PyMemcacheCache at these servers (H:P,H:P) instead of FileBasedCache")
    p.add_argument('--cache-key-prefix', default=None, help="the cache's KEY_PREFIX")
    p.add_argument('--cache-version', type=int, default=None, help="the cache's VERSION")
    p.set_defaults(extra_settings=middleware_settings)


@command('middleware', needs_db=True)
def cmd_middleware(args):
    """One GET / through SessionMiddleware; the view applies --ops to request.session."""
    import logging
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory
    logging.disable(logging.CRITICAL)
    if args.engine in DB_ENGINES:
        migrate()
    results = []

    def view(request):
        for op in args.ops:
            try:
                if op and op[0] in ('login', 'logout', 'user'):
                    results.append(auth_op(request, op))
                    continue
                results.append(jsonable(session_op(request.session, args.engine, op)))
            except UsageError:
                raise
            except Exception as e:  # noqa: BLE001
                results.append({'exception': type(e).__name__, 'message': str(e)})
        return HttpResponse('ok', status=args.status)

    headers = {} if args.cookie is None else {'HTTP_COOKIE': args.cookie}
    request = RequestFactory().get('/', **headers)
    try:
        response = SessionMiddleware(view)(request)
    except UsageError:
        raise
    except Exception as e:  # noqa: BLE001
        res = failure(e)
        res['op_results'] = results
        return res
    s = request.session
    headers = ['Set-Cookie: ' + m.OutputString() for m in response.cookies.values()]
    return {
        'ok': True,
        'status': response.status_code,
        'set_cookie': headers,
        'set_cookie_parsed': [parse_set_cookie(h[len('Set-Cookie: '):]) for h in headers],
        'vary': response.get('Vary'),
        'session_key': s.session_key,
        'accessed': s.accessed,
        'modified': s.modified,
        'op_results': results,
        'stored': stored_session(args, s.session_key),
    }


def auth_op(request, op):
    """django.contrib.auth on the request: ["login", username, password_hash]
    (the user is created or updated in the call's database first), ["logout"],
    ["user"] (get_user: the username, or null when anonymous)."""
    from django.contrib import auth
    from django.contrib.auth.models import User
    from django.core.management import call_command
    name = op[0]
    if name == 'login':
        call_command('migrate', 'auth', verbosity=0, interactive=False)
        user, _ = User.objects.update_or_create(username=op[1], defaults={'password': op[2]})
        auth.login(request, user, backend='django.contrib.auth.backends.ModelBackend')
        return {'user_id': user.pk}
    if name == 'logout':
        auth.logout(request)
        return None
    call_command('migrate', 'auth', verbosity=0, interactive=False)
    u = auth.get_user(request)
    return u.username if u.is_authenticated else None


def stored_session(args, key):
    """What the engine holds for key, read directly (no load(), no side effects)."""
    if not key or args.engine == 'signed_cookies':
        return None
    store = session_store(args.engine)
    res = {}
    if args.engine in DB_ENGINES:
        res['db_row'] = raw_row(key)
    if args.engine in ('cache', 'cached_db'):
        from django.core.cache import caches
        res['cache_key'] = store.cache_key_prefix + key
        res['cache_value'] = jsonable(caches['default'].get(res['cache_key']))
        if getattr(args, 'redis_url', None):
            from django_redis import get_redis_connection
            conn = get_redis_connection('default')
            full = caches['default'].make_key(res['cache_key'])
            raw = conn.get(full)
            res['redis_key'] = full
            res['redis_raw_hex'] = None if raw is None else raw.hex()
            res['redis_pttl'] = conn.pttl(full)
            if raw is not None:
                res['cache_value_typed_json'] = compact(to_typed(caches['default'].get(res['cache_key'])))
        if getattr(args, 'memcache_servers', None):
            cache = caches['default']
            full = cache.make_key(res['cache_key'])
            client = cache._cache._get_client(full)
            res['memcache_key'] = full
            res['memcache_server'] = '%s:%s' % client.server
            if cache.get(res['cache_key']) is not None:
                res['cache_value_typed_json'] = compact(to_typed(cache.get(res['cache_key'])))
    if args.engine == 'file':
        name = os.path.join(args.file_dir, args.cookie_name + key)
        res['file'] = os.path.basename(name)
        res['file_content'] = open(name, encoding='latin-1').read() if os.path.exists(name) else None
    return res


@arguments('memcache-pick')
def _(p):
    p.add_argument('--servers', required=True, help="LOCATION: H:P,H:P (Django's form)")
    p.add_argument('--keys-json', dest='keys', type=json_value, required=True, help='JSON list of cache keys')
    p.set_defaults(extra_settings=lambda a: {'CACHES': {'default': {
        'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache', 'LOCATION': a.servers.split(',')}}})


@command('memcache-pick')
def cmd_memcache_pick(args):
    """The server PyMemcacheCache's HashClient picks for each key (nothing is sent)."""
    from django.core.cache import caches
    hc = caches['default']._cache
    picks = []
    for key in args.keys:
        server = hc._get_client(key).server
        picks.append('%s:%s' % server if isinstance(server, tuple) else server)
    return {'ok': True, 'picks': picks}


# --------------------------------------------------------------------------
# the response rules: one scenario through SessionMiddleware, outcome normalised
# --------------------------------------------------------------------------

RULES_COOKIES = ('none', 'valid', 'unknown', 'malformed', 'short')
RULES_SETTINGS = ('SESSION_SAVE_EVERY_REQUEST', 'SESSION_EXPIRE_AT_BROWSER_CLOSE',
                  'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_DOMAIN')
RULES_MALFORMED = 'not a key!'   # 8 characters or more: a key to Django, none to djsession
RULES_SHORT = 'abc12'            # under 8 characters: no key for either
RULES_URLCONF = 'djhelper_rules_urls'


def rules_scenario(raw):
    sc = json_value(raw)
    if not isinstance(sc, dict):
        raise argparse.ArgumentTypeError('the scenario is a JSON object')
    unknown = set(sc) - {'cookie', 'data', 'actions', 'status', 'settings', 'headers'}
    if unknown:
        raise argparse.ArgumentTypeError('unknown scenario fields %s' % sorted(unknown))
    if sc.get('cookie', 'none') not in RULES_COOKIES:
        raise argparse.ArgumentTypeError('cookie must be one of %s' % (RULES_COOKIES,))
    bad = set(sc.get('settings') or {}) - set(RULES_SETTINGS)
    if bad:
        raise argparse.ArgumentTypeError('settings outside %s: %s' % (RULES_SETTINGS, sorted(bad)))
    return sc


def rules_settings(a):
    """The scenario's settings over Django's defaults, on the db engine."""
    if RULES_URLCONF not in sys.modules:  # Django's error handlers need a URLconf
        m = types.ModuleType(RULES_URLCONF)
        m.urlpatterns = []
        sys.modules[RULES_URLCONF] = m
    s = dict(SESSION_ENGINE='django.contrib.sessions.backends.db', SESSION_SAVE_EVERY_REQUEST=False,
             SESSION_EXPIRE_AT_BROWSER_CLOSE=False, SESSION_COOKIE_SECURE=False,
             SESSION_COOKIE_DOMAIN=None, ROOT_URLCONF=RULES_URLCONF, DEBUG=False)
    s.update(a.scenario.get('settings') or {})
    return s


@arguments('response-rules')
def _(p):
    p.add_argument('--scenario', type=rules_scenario, required=True,
                   help='the scenario, a JSON object (see the docstring)')
    p.set_defaults(extra_settings=rules_settings)


def rules_action(s, op):
    name, a = op[0], op[1:]
    if name == 'read':
        s.get(a[0])
    elif name == 'set':
        s[a[0]] = a[1]
    elif name in ('clear', 'flush', 'cycle_key', 'delete', 'save'):
        getattr(s, name)()
    elif name == 'set_expiry':
        s.set_expiry(a[0])
    else:
        raise UsageError('unknown action %r' % name)


@command('response-rules')
def cmd_response_rules(args):
    """One scenario through SessionMiddleware (db engine) and Django's handler; the outcome."""
    import logging
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.core.handlers.exception import convert_exception_to_response
    from django.db import connection
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.crypto import get_random_string
    logging.disable(logging.CRITICAL)
    sc = args.scenario
    migrate()
    with connection.cursor() as c:  # a fresh store for each scenario, also inside a batch
        c.execute('DELETE FROM django_session')
    store = session_store('db')
    kind = sc.get('cookie', 'none')
    cookie = None
    if kind == 'valid':
        s = store()
        s.update(sc.get('data') or {'a': 1})
        s.create()
        cookie = s.session_key
    elif kind == 'unknown':
        cookie = get_random_string(32, 'abcdefghijklmnopqrstuvwxyz0123456789')
    elif kind == 'malformed':
        cookie = RULES_MALFORMED
    elif kind == 'short':
        cookie = RULES_SHORT

    action_errors = []

    def view(request):
        for op in sc.get('actions') or []:
            try:
                rules_action(request.session, op)
            except UsageError:
                raise
            except Exception as e:  # noqa: BLE001 - reported as data
                action_errors.append(type(e).__name__)
        response = HttpResponse('ok', status=sc.get('status', 200))
        for k, v in (sc.get('headers') or {}).items():
            response[k] = v
        return response

    raised = []
    session_middleware = SessionMiddleware(view)

    def through_session(request):
        try:
            return session_middleware(request)
        except Exception as e:
            raised.append(type(e).__name__)
            raise
    # Django's handler turns an exception into its response (SessionInterrupted: 400).
    handler = convert_exception_to_response(through_session)

    writes = []

    def record(execute, sql, params, many, context):
        verb = sql.lstrip().split(None, 1)[0].upper()
        if verb in ('INSERT', 'UPDATE', 'DELETE') and 'django_session' in sql:
            writes.append(verb.lower())
        return execute(sql, params, many, context)

    headers = {} if cookie is None else {'HTTP_COOKIE': 'sessionid=' + cookie}
    request = RequestFactory().get('/', **headers)
    with connection.execute_wrapper(record):
        response = handler(request)

    from django.conf import settings
    res = {'ok': True, 'status': response.status_code, 'exception': raised[0] if raised else None,
           'writes': writes, 'action_errors': action_errors, 'request_cookie': cookie,
           'vary': response.get('Vary'), 'cache_control': response.get('Cache-Control'),
           'cookie': 'none', 'set_cookie': None}
    m = response.cookies.get(settings.SESSION_COOKIE_NAME)
    if m is not None:
        line = m.OutputString()
        parsed = parse_set_cookie(line)
        attrs = parsed['attributes']
        max_age = attrs.get('max-age')
        deleted = max_age == '0' and m.value == ''
        value = m.value
        res.update({
            'set_cookie': line,
            'cookie': 'delete' if deleted else 'set',
            'cookie_value': value,
            'cookie_value_is': '' if value == '' else ('request' if value == cookie else 'new'),
            'max_age': None if max_age is None else int(max_age),
            'expires': attrs.get('expires'),
            'secure': 'secure' in attrs,
            'httponly': 'httponly' in attrs,
            'domain': attrs.get('domain'),
            'path': attrs.get('path'),
            'samesite': attrs.get('samesite'),
        })
    return res


# --------------------------------------------------------------------------
# running calls
# --------------------------------------------------------------------------

def build_parser():
    common = common_parser()
    p = argparse.ArgumentParser(prog='djhelper.py', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    for name, (add_arguments, fn, _needs_db) in COMMANDS.items():
        sp = sub.add_parser(name, parents=[common], help=(fn.__doc__ or '').strip().split('\n')[0])
        if add_arguments:
            add_arguments(sp)
        sp.set_defaults(func=fn)
    b = sub.add_parser('batch', help='run a JSON list of calls (no database commands) in one process')
    b.add_argument('--calls-json', type=json_value, default=None, help='default: read the list from stdin')
    return p


def parse(parser, argv):
    try:
        return parser.parse_args(argv)
    except SystemExit as e:
        if e.code == 0:  # --help
            raise
        raise UsageError('bad arguments: %r' % (argv,)) from e


def prepare_dirs(args):
    """Temporary directories that the middleware engines need when none is given."""
    if args.cmd != 'middleware':
        return
    for attr, prefix in (('cache_dir', 'djhelper-cache-'), ('file_dir', 'djhelper-files-')):
        if getattr(args, attr) is None:
            d = tempfile.mkdtemp(prefix=prefix)
            import atexit
            atexit.register(shutil.rmtree, d, True)
            setattr(args, attr, d)


def run_one(args):
    from django.core import signing  # noqa: F401 - imported before the clock is frozen
    import django.contrib.sessions.middleware  # noqa: F401
    import django.contrib.sessions.backends.file  # noqa: F401
    import django.core.cache.backends.filebased  # noqa: F401
    with frozen_clock(args.now), legacy_signatures(not args.no_legacy):
        try:
            return args.func(args)
        except UsageError:
            raise
        except Exception as e:  # noqa: BLE001 - Django's exceptions are results
            return failure(e)


def main(argv):
    parser = build_parser()
    try:
        args = parse(parser, argv)
        if args.cmd == 'batch':
            calls = args.calls_json if args.calls_json is not None else json.load(sys.stdin)
            if not isinstance(calls, list) or not all(
                    isinstance(c, list) and all(isinstance(x, str) for x in c) for c in calls):
                raise UsageError('batch wants a JSON list of argument lists')
            return run_batch(parser, calls)
        prepare_dirs(args)
        from django.conf import settings
        settings.configure(DATABASES=database_for(args), **BASE_SETTINGS, **call_settings(args))
        django.setup()
        emit(run_one(args))
        return 0
    except UsageError as e:
        sys.stderr.write('djhelper: %s\n' % e)
        return 2


def run_batch(parser, calls):
    """Run many calls in one process: settings are overridden per call."""
    from django.conf import settings
    from django.test.utils import override_settings
    settings.configure(DATABASES=database_for(None), SECRET_KEY='djhelper-secret', **BASE_SETTINGS)
    django.setup()
    results = []
    for argv in calls:
        args = parse(parser, argv)
        if args.cmd == 'batch' or COMMANDS[args.cmd][2]:
            raise UsageError('%s cannot run inside a batch (it needs its own database)' % args.cmd)
        with override_settings(**call_settings(args)):
            results.append(run_one(args))
    emit({'ok': True, 'results': results})
    return 0


def strict_json(v):
    """Replace NaN and infinities (which strict JSON readers refuse) with their names."""
    if isinstance(v, float) and (v != v or v in (float('inf'), float('-inf'))):
        return json.dumps(v)  # NaN, Infinity, -Infinity
    if isinstance(v, dict):
        return {k: strict_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [strict_json(x) for x in v]
    return v


def emit(obj):
    """Write one result: strict JSON, ASCII only (exact forms are in the *_json fields)."""
    sys.stdout.write(json.dumps(strict_json(obj), sort_keys=True, default=str, allow_nan=False) + '\n')
    sys.stdout.flush()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
