import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dialogue import hints, machine, rendering, screens, services
from dialogue.access import get_dialogue_for_partner
from dialogue.forms import SCREEN_MOVES, MoveForm, ReflectionForm, StartForm
from dialogue.models import Reflection
from dialogue.practice import start_form
from imago_app import access, practices, session_limits
from imago_app.models import User

HINTS_IDS = {"hints", "near-hints", "far-hints"}


@login_required
@require_POST
def dialogue_start(request: HttpRequest) -> HttpResponse:
    couple = access.current_couple(request.user)
    if couple is None:
        raise Http404
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please choose how you'll take turns and where you are.")
        return redirect("home")
    data = form.cleaned_data
    try:
        dialogue = services.dialogue_request(
            couple=couple,
            partner=request.user,
            mode=data["mode"],
            device=data["device"],
            topic=data["topic"],
            timebox_minutes=data["timebox"],
            key=data["key"],
            variant=data["variant"] or machine.Variant.INTENTIONAL,
            caretaker=data["caretaker"],
        )
    except services.Refused as refused:
        messages.error(request, refused.message)
        return redirect("home")
    return redirect("dialogue", dialogue.pk)


@login_required
@require_safe
def dialogue_ask(request: HttpRequest) -> HttpResponse:
    """The request form on a page of its own; from another practice's item (`?from=<practice>
    &item=<id>`) with that item's topic filled in, asked through the registry."""
    couple = access.current_couple(request.user)
    other = access.other_partner(couple, request.user) if couple else None
    if other is None:
        raise Http404
    topic = ""
    if "from" in request.GET:
        topic = practices.from_item(request.GET, request.user, "item_topic")
        if topic is None:
            raise Http404
    form = start_form(*access.couple_therapist(couple.pk), topic=topic[: machine.MAX_TOPIC])
    return render(request, "dialogue/ask.html", {"form": form, "other": other})


@login_required
@require_safe
def dialogue_page(request: HttpRequest, dialogue_id: int) -> HttpResponse:
    dialogue = get_dialogue_for_partner(request.user, dialogue_id)
    if dialogue.device == machine.Device.SHARED_DEVICE:
        # A tablet both use is never "kept signed in", whatever was chosen at sign-in.
        session_limits.forget_keep(request.session, request.user, time.time())
    screen = rendering.load_screen(dialogue, request.user)
    other = next(u for pk, u in screen.people.items() if pk != request.user.pk)
    return render(
        request,
        rendering.PAGE,
        {
            "screen": screen,
            "dialogue": dialogue,
            "presence": {"name": other.display_name, "here": None},
        },
    )


@login_required
@require_POST
def dialogue_move(request: HttpRequest, dialogue_id: int) -> HttpResponse:
    """The same moves as the socket takes, posted by a page without JavaScript."""
    dialogue = get_dialogue_for_partner(request.user, dialogue_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
    elif form.cleaned_data["move"] not in SCREEN_MOVES:
        try:
            services.dialogue_move(
                dialogue_id=dialogue.pk, partner=request.user, **form.service_kwargs()
            )
        except services.AlreadyApplied:
            pass  # a retry of a move already made: the page shows where things stand
        except services.Refused as refused:
            messages.error(request, refused.message)
    return redirect("dialogue", dialogue.pk)


@login_required
@require_POST
def dialogue_hint(request: HttpRequest) -> HttpResponse:
    text = request.POST.get("text", "")[:10_000]
    # On one shared screen each half has its own hints box.
    hints_id = request.POST.get("hints_id", "")
    if hints_id not in HINTS_IDS:
        hints_id = "hints"
    context = {"hints": hints.hints(text), "hints_id": hints_id}
    return render(request, f"{rendering.PAGE}#hints", context)


@login_required
@require_http_methods(["GET", "POST"])
def dialogue_transcript(request: HttpRequest, dialogue_id: int) -> HttpResponse:
    dialogue = get_dialogue_for_partner(request.user, dialogue_id)
    if dialogue.ended_at is None:
        return redirect("dialogue", dialogue.pk)
    mine = Reflection.objects.filter(dialogue=dialogue, author=request.user).first()
    initial = (
        {"text": mine.text, "unmet_need": mine.unmet_need, "shared": mine.shared} if mine else {}
    )
    form = ReflectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and "share" in request.POST:
        services.transcript_share(
            dialogue=dialogue, partner=request.user, shared=request.POST["share"] == "1"
        )
        return redirect("dialogue_transcript", dialogue.pk)
    if request.method == "POST" and form.is_valid():
        services.reflection_save(dialogue=dialogue, partner=request.user, **form.cleaned_data)
        messages.success(request, "Your reflection is saved.")
        return redirect("dialogue_transcript", dialogue.pk)
    state = services.current_state(dialogue)
    people = {u.pk: u for u in User.objects.filter(pk__in=state.partners)}
    rounds = screens.transcript(
        list(dialogue.events.all()),
        viewer=request.user,
        people=people,
        shared=dialogue.device == machine.Device.SHARED_DEVICE,
    )
    therapist, agreed = access.couple_therapist(dialogue.couple_id)
    if therapist is None:
        form.fields["shared"].help_text = (
            "No therapist is linked now. Ticked, a therapist you both agree to later could read "
            "it. Your partner never sees your reflection."
        )
    else:
        form.fields["shared"].label = f"Share this reflection with {therapist.display_name}"
        if not agreed:
            form.fields["shared"].help_text = (
                f"{therapist.display_name} reads it only once you both agree to their access. "
                "Your partner never sees your reflection."
            )
    return render(
        request,
        "dialogue/transcript.html",
        {
            "dialogue": dialogue,
            "rounds": rounds,
            "form": form,
            "reflection": mine,
            "sharers": set(dialogue.shares.values_list("partner_id", flat=True)),
            "therapist": therapist,
            "therapist_agreed": agreed,
        },
    )


@login_required
@require_POST
def dialogue_parent_child(request: HttpRequest, couple_id: int) -> HttpResponse:
    """The couple's consenting therapist opens or closes the parent-child dialogue for them."""
    couple = access.get_couple_for_therapist(request.user, couple_id)
    open_ = bool(request.POST.get("open"))
    services.parent_child_set(couple=couple, therapist=request.user, open_=open_, request=request)
    messages.success(
        request,
        "The parent-child dialogue is open to them now."
        if open_
        else "The parent-child dialogue is closed for them.",
    )
    return redirect("therapist_couple", couple.pk)
