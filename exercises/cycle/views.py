from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from exercises.access import linked_couple
from exercises.cycle import panel, recurring, services
from exercises.cycle.forms import CycleForm, ShowForm, SideForm
from exercises.cycle.models import SIDE_FIELDS, Cycle, Side
from imago_app import access, practices
from imago_app.services import Refused


@login_required
@require_http_methods(["GET", "POST"])
def cycle_list(request: HttpRequest) -> HttpResponse:
    couple, other = linked_couple(request.user)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cycle = services.cycle_create(
            couple=couple, partner=request.user, name=form.cleaned_data["name"]
        )
        return redirect("cycle", cycle.pk)
    cycles = list(Cycle.objects.filter(couple=couple).prefetch_related("sides"))
    for cycle in cycles:
        sides = {s.author_id: s for s in cycle.sides.all()}
        cycle.mine = sides.get(request.user.pk)
        cycle.theirs_shown = bool(sides.get(other.pk) and sides[other.pk].shown)
    return render(request, "cycle/list.html", {"cycles": cycles, "other": other, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def cycle_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, other = panel.get_cycle(request.user, cycle_id)
    context = panel.context_for(request.user, cycle, other)
    mine = context["mine"]
    initial = {name: getattr(mine, name) for name in SIDE_FIELDS} if mine else {}
    form = SideForm(request.POST or None, initial=initial)
    hints: dict = {}
    if request.method == "POST" and form.is_valid():
        try:
            services.side_save(cycle=cycle, author=request.user, **form.cleaned_data)
        except services.NeedsRewording as rewording:
            hints = rewording.hints
            data = request.POST.copy()
            data["keep_as_written"] = "on"
            form = SideForm(data)
            form.is_valid()
            for name, found in hints.items():
                for hint in found:
                    form.add_error(name, hint)
        else:
            messages.success(
                request,
                f"Saved. {other.display_name} sees it now."
                if mine and mine.shown
                else "Saved. Only you can see it until you show it.",
            )
            return redirect("cycle", cycle.pk)
    therapist, agreed = access.couple_therapist(cycle.couple_id)
    return render(
        request,
        "cycle/detail.html",
        context | {"form": form, "hints": hints, "therapist": therapist if agreed else None},
    )


@login_required
@require_POST
def cycle_show(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, other = panel.get_cycle(request.user, cycle_id)
    side = Side.objects.filter(cycle=cycle, author=request.user).first()
    form = ShowForm(request.POST)
    form.is_valid()
    if side is None:
        messages.error(request, "Write your side first.")
        return redirect("cycle", cycle.pk)
    try:
        services.side_show(
            side=side,
            author=request.user,
            shown=form.cleaned_data.get("shown", False),
            for_therapist=form.cleaned_data.get("therapist", False),
        )
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            f"{other.display_name} can see your side now."
            if side.shown
            else "Only you can see your side now.",
        )
    return redirect("cycle", cycle.pk)


@login_required
@require_POST
def cycle_working_on(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, _other = panel.get_cycle(request.user, cycle_id)
    services.working_on(cycle=cycle, partner=request.user)
    return redirect("cycle", cycle.pk)


@login_required
@require_safe
def cycles_recurring(request: HttpRequest) -> HttpResponse:
    """The couple's own view of the struggles that come back; no count per partner."""
    couple, other = linked_couple(request.user)
    topics = practices.collect(lambda p: p.topics(couple))
    names = list(Cycle.objects.filter(couple=couple).values_list("name", flat=True))
    return render(
        request,
        "cycle/recurring.html",
        {"groups": recurring.groups(topics, names), "other": other, "any": bool(topics)},
    )
