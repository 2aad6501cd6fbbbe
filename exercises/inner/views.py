"""Inner work pages: for partners only (linked or not), each about the signed-in person's own
items. Another person's item is a 404, whoever asks."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from exercises.inner import forms, protection, services, steps
from exercises.inner.models import Preparation, Protection, Workup
from imago_app import practices
from imago_app.services import Refused


def partner_only(view):
    """Signed in, and a partner (a therapist has no inner work here)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_partner:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def readers(item, who: dict) -> list[str]:
    """Who besides the author can read `item` right now, by name."""
    couple = who["couple"]
    found = []
    if item is None or couple is None:
        return found
    if who["partner"] is not None and item.partner_couple_id == couple.pk:
        found.append(who["partner"].display_name)
    if who["therapist"] is not None and item.therapist_couple_id == couple.pk:
        found.append(f"{who['therapist'].display_name}, your therapist")
    return found


def _sharing(item, user, action: str) -> dict:
    who = services.audience(user)
    return {"item": item, "who": who, "readers": readers(item, who), "action": action}


@partner_only
@require_safe
def inner_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    workup = Workup.objects.filter(author=user).first()
    return render(
        request,
        "inner/index.html",
        {
            "workup": workup,
            "protection": Protection.objects.filter(author=user).first(),
            "preparations": list(Preparation.objects.filter(author=user)[:5]),
            "who": services.audience(user),
        },
    )


# My childhood picture


@partner_only
@require_safe
def childhood(request: HttpRequest) -> HttpResponse:
    workup = Workup.objects.filter(author=request.user).prefetch_related("caretakers").first()
    context = {"workup": workup, "in_sitting": bool(workup and services.in_sitting(workup))}
    if workup is not None:
        context |= _sharing(workup, request.user, reverse("inner_childhood_share"))
        context["resume_label"] = _step_label(workup, workup.resume_at)
        order = steps.steps(len(workup.caretakers.all()))
        context["parts"] = [(_step_label(workup, step), step) for step in order[1:-1]]
    return render(request, "inner/childhood.html", context)


def _step_label(workup: Workup, step: str) -> str:
    position = steps.position_of(step)
    if position:
        caretaker = next((c for c in workup.caretakers.all() if c.position == position), None)
        return f"About {caretaker.name}" if caretaker else "The people who raised you"
    return {
        steps.GROUND: "A moment to settle",
        steps.PEOPLE: "The people who raised you",
        steps.FRUSTRATIONS: "What kept hurting",
        steps.SUMMARY: "Your summary",
    }[step]


@partner_only
@require_http_methods(["GET", "POST"])
def childhood_check_in(request: HttpRequest) -> HttpResponse:
    form = forms.CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sitting = services.check_in(user=request.user, level=form.cleaned_data["level"])
        if sitting.level <= services.LOW:
            return render(request, "inner/low.html", {"workup": sitting.workup})
        return redirect("inner_step", sitting.workup.resume_at)
    return render(request, "inner/check_in.html", {"form": form})


def _person_initial(caretaker) -> dict:
    return {name: getattr(caretaker, name) for name in services.PERSON_FIELDS}


@partner_only
@require_http_methods(["GET", "POST"])
def childhood_step(request: HttpRequest, step: str) -> HttpResponse:
    if not steps.is_step(step):
        raise Http404
    workup = services.workup_for(request.user)
    if not services.in_sitting(workup):
        return redirect("inner_check_in")
    caretakers = list(workup.caretakers.all())
    position = steps.position_of(step)
    caretaker = next((c for c in caretakers if c.position == position), None)
    if position and caretaker is None:
        return redirect("inner_step", steps.PEOPLE)
    data = request.POST if request.method == "POST" else None
    if step == steps.GROUND:
        form = None
    elif step == steps.PEOPLE:
        initial = {f"name_{c.position}": c.name for c in caretakers}
        form = forms.PeopleForm(data, initial=initial)
    elif caretaker is not None:
        form = forms.PersonForm(data, name=caretaker.name, initial=_person_initial(caretaker))
    elif step == steps.FRUSTRATIONS:
        initial = {"frustrations": workup.frustrations, "reactions": workup.reactions}
        form = forms.FrustrationsForm(data, initial=initial)
    else:
        form = forms.SummaryForm(data, initial=_summary_initial(workup, caretakers))
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            _save(request.user, step, position, form, stay="stop" in request.POST)
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            workup.refresh_from_db()
            if "stop" in request.POST or step == steps.SUMMARY:
                messages.success(
                    request,
                    "Saved. Only you can read it. You can come back to it whenever you like.",
                )
                return redirect("inner_childhood")
            return redirect("inner_step", workup.resume_at)
    order = steps.steps(len(caretakers))
    return render(
        request,
        "inner/step.html",
        {
            "step": step,
            "form": form,
            "caretaker": caretaker,
            "part": order.index(step) + 1 if step in order else None,
            "parts": len(order),
            "label": _step_label(workup, step),
            "proposed": step == steps.SUMMARY and not workup.summary_at,
        },
    )


def _summary_initial(workup: Workup, caretakers) -> dict:
    """The saved summary, or the first time, a proposal made only of the person's own words."""
    if workup.summary_at:
        return {
            "drawn_to": workup.drawn_to,
            "longed_for": workup.longed_for,
            "protected_by": workup.protected_by,
        }
    words = steps.proposals([_person_initial(c) for c in caretakers], workup.reactions)
    return {field: ", ".join(pieces) for field, pieces in words.items()}


def _save(user, step: str, position: int | None, form, *, stay: bool) -> None:
    if step == steps.GROUND:
        services.save_ground(user=user, stay=stay)
    elif step == steps.PEOPLE:
        services.save_people(user=user, names=form.names(), stay=stay)
    elif position:
        services.save_person(user=user, position=position, stay=stay, **form.cleaned_data)
    elif step == steps.FRUSTRATIONS:
        services.save_frustrations(user=user, stay=stay, **form.cleaned_data)
    else:
        services.save_summary(user=user, **form.cleaned_data)


def _share(request: HttpRequest, item, back: str, *args) -> HttpResponse:
    form = forms.ShareForm(request.POST)
    form.is_valid()
    try:
        services.share(
            item=item,
            user=request.user,
            with_partner=form.cleaned_data.get("partner", False),
            with_therapist=form.cleaned_data.get("therapist", False),
        )
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        now = readers(item, services.audience(request.user))
        messages.success(
            request,
            f"Saved. Besides you, {' and '.join(now)} can read it now."
            if now
            else "Saved. Only you can read it now.",
        )
    return redirect(back, *args)


@partner_only
@require_POST
def childhood_share(request: HttpRequest) -> HttpResponse:
    workup = get_object_or_404(Workup, author=request.user)
    return _share(request, workup, "inner_childhood")


# How I protect myself


@partner_only
@require_http_methods(["GET", "POST"])
def protection_page(request: HttpRequest) -> HttpResponse:
    found = Protection.objects.filter(author=request.user).first()
    initial = (
        {"chosen": found.chosen, "own_words": found.own_words, "hope": found.hope} if found else {}
    )
    form = forms.ProtectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_protection(user=request.user, **form.cleaned_data)
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect("inner_protection")
    context = {
        "form": form,
        "protection": found,
        "reflection": protection.reflection(found.chosen) if found else None,
        "afterword": protection.AFTERWORD,
    }
    if found is not None:
        context |= _sharing(found, request.user, reverse("inner_protection_share"))
    return render(request, "inner/protection.html", context)


@partner_only
@require_POST
def protection_share(request: HttpRequest) -> HttpResponse:
    found = get_object_or_404(Protection, author=request.user)
    return _share(request, found, "inner_protection")


# Preparing to speak


@partner_only
@require_http_methods(["GET", "POST"])
def prepare(request: HttpRequest, prep_id: int | None = None) -> HttpResponse:
    preparation = (
        get_object_or_404(Preparation, pk=prep_id, author=request.user) if prep_id else None
    )
    initial = (
        {name: getattr(preparation, name) for name in ("issue", "feelings", "need", "i_statement")}
        if preparation
        else {}
    )
    form = forms.PreparationForm(request.POST or None, initial=initial)
    hints: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            preparation = services.save_preparation(
                user=request.user, preparation=preparation, **form.cleaned_data
            )
        except services.NeedsRewording as rewording:
            hints = rewording.hints
            data = request.POST.copy()
            data["keep_as_written"] = "on"
            form = forms.PreparationForm(data)
            form.is_valid()
        else:
            return redirect("inner_prepared", preparation.pk)
    return render(
        request, "inner/prepare.html", {"form": form, "hints": hints, "preparation": preparation}
    )


@partner_only
@require_safe
def prepared(request: HttpRequest, prep_id: int) -> HttpResponse:
    preparation = get_object_or_404(Preparation, pk=prep_id, author=request.user)
    context = _sharing(
        preparation, request.user, reverse("inner_prepare_share", args=[preparation.pk])
    )
    context["preparation"] = preparation
    context["can_ask"] = practices.get("dialogue") is not None
    return render(request, "inner/prepared.html", context)


@partner_only
@require_POST
def prepare_share(request: HttpRequest, prep_id: int) -> HttpResponse:
    preparation = get_object_or_404(Preparation, pk=prep_id, author=request.user)
    return _share(request, preparation, "inner_prepared", preparation.pk)


@partner_only
@require_POST
def prepare_delete(request: HttpRequest, prep_id: int) -> HttpResponse:
    get_object_or_404(Preparation, pk=prep_id, author=request.user).delete()
    messages.success(request, "Deleted.")
    return redirect("inner")


# What I keep longing for


@partner_only
@require_safe
def longings(request: HttpRequest) -> HttpResponse:
    found = sorted(
        practices.collect(lambda p: p.longings(request.user)), key=lambda x: x.at, reverse=True
    )
    needs: dict[str, dict] = {}
    for longing in reversed(found):  # oldest first, so "since" is the first time
        if longing.need:
            entry = needs.setdefault(longing.need, {"need": longing.need, "times": 0})
            entry["times"] += 1
            entry.setdefault("since", longing.at)
            entry["last"] = longing.at
    recurring = sorted(
        (n for n in needs.values() if n["times"] > 1), key=lambda n: (-n["times"], n["need"])
    )
    return render(
        request,
        "inner/longings.html",
        {"longings": found, "recurring": recurring, "named_once": len(needs) - len(recurring)},
    )


# What my partner shared with me


@partner_only
@require_safe
def from_partner(request: HttpRequest) -> HttpResponse:
    shared = services.shared_with_partner(request.user)
    if shared["other"] is None:
        raise Http404
    return render(request, "inner/from_partner.html", shared)
