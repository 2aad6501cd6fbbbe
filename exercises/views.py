from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from exercises.access import linked_couple
from imago_app import practices


@login_required
@require_safe
def exercises_page(request: HttpRequest) -> HttpResponse:
    _couple, other = linked_couple(request.user)
    entries = practices.collect(lambda p: p.exercises_entries())
    return render(request, "exercises/index.html", {"other": other, "entries": entries})
