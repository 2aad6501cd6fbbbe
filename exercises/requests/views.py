from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from exercises.access import linked_couple
from exercises.requests import library, panel, services
from exercises.requests.forms import (
    ChangeRequestForm,
    MirrorRequestsForm,
    RepairFeelingForm,
    RepairFinishForm,
    RepairStartForm,
    ReviewForm,
)
from exercises.requests.models import ChangeRequest, Repair, Stretch
from imago_app import practices


@login_required
@require_safe
def requests_page(request: HttpRequest) -> HttpResponse:
    _template, context = panel.panel_for(request)
    return render(request, "requests/page.html", context)


def _change(request: HttpRequest, change_id: int) -> ChangeRequest:
    couple, _other = linked_couple(request.user)
    return get_object_or_404(
        ChangeRequest.objects.select_related("sender"), pk=change_id, couple=couple
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_request_new(request: HttpRequest, change_id: int | None = None) -> HttpResponse:
    """Write a request (or change your own before it is mirrored)."""
    couple, other = linked_couple(request.user)
    change = None
    initial: dict = {}
    if change_id is not None:
        change = _change(request, change_id)
        if change.sender_id != request.user.pk or change.mirrored_at:
            return redirect("change_request", change.pk)
        initial = {
            "frustration": change.frustration,
            "desire": change.desire,
            "echo": change.echo,
            "echo_shared": change.echo_shared,
        }
        for r in change.requests.all():
            initial |= {
                f"request_{r.position}": r.text,
                f"measure_{r.position}": r.measure,
                f"ends_on_{r.position}": r.ends_on,
            }
    dialogue_id = None
    if request.GET.get("dialogue"):
        # Started from a dialogue: asked through the practices' registry, not imported.
        dialogue_id = int(request.GET["dialogue"])
        dialogues = practices.get("dialogue")
        topic = dialogues.item_topic(request.user, dialogue_id) if dialogues else None
        if topic is None:
            raise Http404
        initial.setdefault("frustration", topic)
    elif request.GET.get("from") and change is None:
        # Started from another practice's item: its author's own longing becomes the desire.
        longing = practices.from_item(request.GET, request.user, "item_longing")
        if longing is None:
            raise Http404
        initial.setdefault("desire", longing)
    form = ChangeRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "frustration": data["frustration"],
            "desire": data["desire"],
            "echo": data["echo"],
            "echo_shared": data["echo_shared"],
            "requests": form.requests(),
        }
        if change is not None:
            services.change_request_update(change=change, sender=request.user, **fields)
        else:
            change = services.change_request_create(
                couple=couple, sender=request.user, from_dialogue_id=dialogue_id, **fields
            )
        messages.success(
            request, f"Saved. {other.display_name} can read it now (not the childhood echo)."
        )
        return redirect("change_request", change.pk)
    return render(request, "requests/new.html", {"form": form, "other": other, "change": change})


@login_required
@require_safe
def change_request_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    change = _change(request, change_id)
    _couple, other = linked_couple(request.user)
    mine = change.sender_id == request.user.pk
    requests = list(change.requests.select_related("stretch"))
    return render(
        request,
        "requests/detail.html",
        {
            "change": change,
            "mine": mine,
            "other": other,
            "requests": requests,
            "can_choose": not mine
            and change.mirrored_at
            and not any(hasattr(r, "stretch") for r in requests),
            "mirror_form": MirrorRequestsForm(),
        },
    )


@login_required
@require_POST
def change_request_delete(request: HttpRequest, change_id: int) -> HttpResponse:
    try:
        services.change_request_delete(change=_change(request, change_id), sender=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
        return redirect("change_request", change_id)
    messages.success(request, "Withdrawn.")
    return redirect("requests")


@login_required
@require_POST
def change_request_mirror(request: HttpRequest, change_id: int) -> HttpResponse:
    change = _change(request, change_id)
    form = MirrorRequestsForm(request.POST)
    if form.is_valid():
        try:
            services.change_request_mirror(
                change=change, receiver=request.user, mirror=form.cleaned_data["mirror"]
            )
        except services.Refused as refused:
            messages.error(request, refused.message)
    return redirect("change_request", change.pk)


@login_required
@require_POST
def stretches_choose(request: HttpRequest, change_id: int) -> HttpResponse:
    change = _change(request, change_id)
    ids = [int(v) for v in request.POST.getlist("request") if v.isdigit()]
    try:
        services.stretches_choose(change=change, giver=request.user, request_ids=ids)
    except services.Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Thank you. It's a gift; it starts today.")
    return redirect("change_request", change.pk)


def _stretch(request: HttpRequest, stretch_id: int) -> Stretch:
    couple, _other = linked_couple(request.user)
    return get_object_or_404(Stretch.objects.select_related("giver"), pk=stretch_id, couple=couple)


@login_required
@require_safe
def stretch_detail(request: HttpRequest, stretch_id: int) -> HttpResponse:
    stretch = _stretch(request, stretch_id)
    from django.utils import timezone

    return render(
        request,
        "requests/stretch.html",
        {
            "stretch": stretch,
            "logs": list(stretch.logs.all()[:50]),
            "i_give": stretch.giver_id == request.user.pk,
            "at_end": stretch.ends_on <= timezone.localdate(),
            "my_review": stretch.giver_review
            if stretch.giver_id == request.user.pk
            else stretch.other_review,
            "review_form": ReviewForm(),
            "micro": library.micro_stretch(stretch.micro) if stretch.micro else None,
        },
    )


@login_required
@require_POST
def stretch_log(request: HttpRequest, stretch_id: int) -> HttpResponse:
    try:
        services.stretch_log(
            stretch=_stretch(request, stretch_id),
            giver=request.user,
            note=request.POST.get("note", "")[:200],
        )
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("stretch", stretch_id)


@login_required
@require_POST
def stretch_review(request: HttpRequest, stretch_id: int) -> HttpResponse:
    stretch = _stretch(request, stretch_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.stretch_review(
                stretch=stretch,
                partner=request.user,
                review=form.cleaned_data["review"],
            )
        except services.Refused as refused:
            messages.error(request, refused.message)
    return redirect("stretch", stretch_id)


@login_required
@require_http_methods(["GET", "POST"])
def stretch_library(request: HttpRequest) -> HttpResponse:
    couple, other = linked_couple(request.user)
    if request.method == "POST":
        try:
            stretch = services.micro_stretch_pick(
                couple=couple, giver=request.user, slug=request.POST.get("slug", "")
            )
        except services.Refused as refused:
            messages.error(request, refused.message)
        else:
            return redirect("stretch", stretch.pk)
    under_way = services.micro_stretches_under_way(couple=couple)
    stretches = [
        {
            **micro,
            "mine": next(
                (s for s in under_way.get(micro["slug"], []) if s.giver_id == request.user.pk), None
            ),
            "theirs": next(
                (s for s in under_way.get(micro["slug"], []) if s.giver_id != request.user.pk), None
            ),
        }
        for micro in library.micro_stretches()
    ]
    return render(request, "requests/library.html", {"stretches": stretches, "other": other})


@login_required
@require_http_methods(["GET", "POST"])
def repair_new(request: HttpRequest) -> HttpResponse:
    couple, other = linked_couple(request.user)
    form = RepairStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        repair = services.repair_start(couple=couple, author=request.user, **form.cleaned_data)
        return redirect("repair", repair.pk)
    return render(request, "requests/repair.html", {"form": form, "other": other, "repair": None})


@login_required
@require_http_methods(["GET", "POST"])
def repair_detail(request: HttpRequest, repair_id: int) -> HttpResponse:
    couple, other = linked_couple(request.user)
    repair = get_object_or_404(Repair.objects.select_related("author"), pk=repair_id, couple=couple)
    mine = repair.author_id == request.user.pk
    form_class = RepairFinishForm if mine else RepairFeelingForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if mine:
                services.repair_finish(repair=repair, author=request.user, **form.cleaned_data)
            else:
                services.repair_feeling(repair=repair, partner=request.user, **form.cleaned_data)
        except services.Refused as refused:
            messages.error(request, refused.message)
        return redirect("repair", repair.pk)
    return render(
        request,
        "requests/repair.html",
        {"form": form, "other": other, "repair": repair, "mine": mine},
    )
