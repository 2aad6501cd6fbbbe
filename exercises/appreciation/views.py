from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from exercises.access import linked_couple
from exercises.appreciation import panel, services
from exercises.appreciation.forms import AppreciationForm, MirrorForm
from exercises.appreciation.models import Appreciation


@login_required
@require_http_methods(["GET", "POST"])
def appreciations_page(request: HttpRequest) -> HttpResponse:
    couple, _other = linked_couple(request.user)
    form = AppreciationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.appreciation_offer(couple=couple, author=request.user, **form.cleaned_data)
        messages.success(request, "Sent. It will be there for them, now or later.")
        return redirect("appreciations")
    _template, context = panel.panel_for(request)
    return render(request, "appreciation/page.html", {**context, "form": form})


@login_required
@require_POST
def appreciation_mirror(request: HttpRequest, appreciation_id: int) -> HttpResponse:
    couple, other = linked_couple(request.user)
    appreciation = get_object_or_404(Appreciation, pk=appreciation_id, couple=couple, author=other)
    form = MirrorForm(request.POST)
    if form.is_valid():
        try:
            services.appreciation_mirror(
                appreciation=appreciation, partner=request.user, **form.cleaned_data
            )
        except services.Refused as refused:
            messages.error(request, refused.message)
    else:
        messages.error(
            request,
            form.errors["mirror"][0] if "mirror" in form.errors else "Please check what you wrote.",
        )
    return redirect("appreciations")


def _own(request: HttpRequest, appreciation_id: int) -> Appreciation:
    couple, _other = linked_couple(request.user)
    return get_object_or_404(
        Appreciation,
        pk=appreciation_id,
        couple=couple,
        author=request.user,
        mirrored_at__isnull=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def appreciation_edit(request: HttpRequest, appreciation_id: int) -> HttpResponse:
    appreciation = _own(request, appreciation_id)
    form = AppreciationForm(request.POST or None, instance=appreciation)
    if request.method == "POST" and form.is_valid():
        services.appreciation_change(
            appreciation=appreciation,
            author=request.user,
            about=form.cleaned_data["about"],
            text=form.cleaned_data["text"],
        )
        return redirect("appreciations")
    return render(request, "appreciation/edit.html", {"form": form})


@login_required
@require_POST
def appreciation_delete(request: HttpRequest, appreciation_id: int) -> HttpResponse:
    services.appreciation_delete(appreciation=_own(request, appreciation_id), author=request.user)
    return redirect("appreciations")
