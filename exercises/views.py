from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from exercises.access import linked_couple


@login_required
@require_safe
def exercises_page(request: HttpRequest) -> HttpResponse:
    _couple, other = linked_couple(request.user)
    return render(request, "exercises/index.html", {"other": other})
