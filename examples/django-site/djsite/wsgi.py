"""WSGI entry point of the side-by-side Django site."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djsite.settings")
application = get_wsgi_application()
