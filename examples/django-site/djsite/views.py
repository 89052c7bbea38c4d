"""Views of the side-by-side Django site: what the Go demo's pages do, the
Django way, plus a JSON view of the session for the end-to-end tests."""
import json

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods


def home(request):
    return render(request, "home.html", {"items": _items(request), "engine": settings.SESSION_ENGINE})


@login_required
def private(request):
    return render(request, "private.html", {"items": _items(request)})


def logout(request):
    """Logs out on POST only, as the Go demo and Django 5 do."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    auth.logout(request)
    messages.success(request, "You have been logged out: the session was flushed.")
    return redirect("home")


def _items(request):
    return sorted((k, json.dumps(v, ensure_ascii=False)) for k, v in request.session.items())


def session_json(request):
    """The user and the session, as JSON, read only (nothing is saved)."""
    s = request.session
    body = {
        "user": request.user.username if request.user.is_authenticated else None,
        "user_id": request.user.pk if request.user.is_authenticated else None,
        # Whether there is a key, never the key: the cookie is HttpOnly.
        "has_session_key": s.session_key is not None,
        "items": dict(s.items()),
        "expiry_age": s.get_expiry_age(),
        "expiry_date": s.get_expiry_date().isoformat(),
        "expire_at_browser_close": s.get_expire_at_browser_close(),
        "engine": request.session.__class__.__module__,
    }
    # Exact numbers: json.dumps writes Python's ints and floats as they are.
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")


@require_http_methods(["GET", "POST"])
def session_set(request):
    """A form that sets session values from a JSON object, and the expiry:
    "" leaves it, "default" is set_expiry(None), a number is set_expiry(n)."""
    error = ""
    if request.method == "POST":
        try:
            values = json.loads(request.POST.get("values") or "{}")
            if not isinstance(values, dict):
                raise ValueError("the values must be a JSON object")
            expiry = request.POST.get("expiry", "").strip()
            expiry = None if expiry == "default" else (int(expiry) if expiry else "")
        except ValueError as e:
            error = str(e)
        else:
            request.session.update(values)
            if expiry != "":
                request.session.set_expiry(expiry)
            messages.success(request, f"Saved {len(values)} value(s).")
            return redirect("session_set")
    return render(request, "set.html", {"items": _items(request), "error": error})


def signed_set(request):
    """Sets a signed cookie: ?name=&value=&salt= (Django's set_signed_cookie)."""
    q = request.GET
    response = JsonResponse({"set": q.get("name", "")})
    response.set_signed_cookie(q.get("name", "signed"), q.get("value", ""), salt=q.get("salt", ""), httponly=True, samesite="Lax")
    return response


def signed_get(request):
    """Reads a signed cookie: ?name=&salt= (Django's get_signed_cookie)."""
    q = request.GET
    try:
        value = request.get_signed_cookie(q.get("name", "signed"), salt=q.get("salt", ""))
    except KeyError:
        return JsonResponse({"ok": False, "error": "no cookie"})
    except signing.BadSignature as e:
        return JsonResponse({"ok": False, "error": e.__class__.__name__})
    return JsonResponse({"ok": True, "value": value})
