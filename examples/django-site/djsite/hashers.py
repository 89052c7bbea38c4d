"""Django's default password hasher with the iteration count of
DJSITE_PBKDF2_ITERATIONS (default: Django 3.2's 260000). The tests lower
it to keep logins quick; the hashes keep Django's pbkdf2_sha256 format, and
the Go side (auth/djangouser Options.Iterations) must use the same count,
or each side re-hashes the other's passwords on login."""
import os

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class PBKDF2SHA256(PBKDF2PasswordHasher):
    iterations = int(os.environ.get("DJSITE_PBKDF2_ITERATIONS") or PBKDF2PasswordHasher.iterations)
