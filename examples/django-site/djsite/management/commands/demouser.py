"""manage.py demouser USERNAME PASSWORD [USERNAME PASSWORD ...]: creates each
user, or sets the password of an existing one (idempotent, for the
side-by-side command and its tests)."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create users, or set the password of existing ones."

    def add_arguments(self, parser):
        parser.add_argument("pairs", nargs="+", metavar="USERNAME PASSWORD")

    def handle(self, pairs, **options):
        if len(pairs) % 2:
            raise CommandError("give a password after each username")
        for username, password in zip(pairs[::2], pairs[1::2]):
            user, created = get_user_model().objects.get_or_create(username=username)
            user.set_password(password)
            user.is_active = True
            user.save()
            self.stdout.write(f"{'created' if created else 'updated'} user {username} (id {user.pk})")
