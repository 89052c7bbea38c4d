"""manage.py showuser USERNAME: prints the user's username, last_login (ISO
8601, or null) and is_active as one JSON object, as Django reads them (for
the tests that check what the Go side wrote)."""
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a user's username, last_login and is_active as JSON."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        user = get_user_model().objects.get(username=username)
        last = user.last_login.isoformat() if user.last_login else None
        self.stdout.write(json.dumps({"username": user.username, "last_login": last, "is_active": user.is_active}))
