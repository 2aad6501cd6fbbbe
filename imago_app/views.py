import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from imago_app import access, audit, services, session_limits, support, throttle, zones
from imago_app.forms import (
    CodeForm,
    HomeworkForm,
    NoteForm,
    PeriodForm,
    SignInForm,
    SignUpForm,
    TimeZoneForm,
)
from imago_app.models import AuditEntry, Homework, PrivateNote, SharedNote, User
from imago_app.notify import sockets_close_after_commit
from imago_app.pages import closed as closed_pages
from imago_app.pages import data_rights
from imago_app.pages.home import panel_for
from imago_app.pages.homework import with_progress as homework_progress
from imago_app.pages.record import couple_record

ACCESS_LOG_ENTRIES = 1000  # the latest, before reads close together are grouped


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def support_page(request: HttpRequest) -> HttpResponse:
    """Where to turn for help. Open to anyone, signed in or not; nothing is recorded."""
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    return render(
        request, "imago_app/support.html", {"regions": support.directory().by_region(accept)}
    )


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "imago_app/welcome.html")
    _template, context = panel_for(request)
    return render(request, "imago_app/home.html", context)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        next_url = request.POST.get("next", "")
        if next_url.startswith("/join/"):
            return redirect(next_url)
        return redirect("home")
    return render(
        request, "registration/signup.html", {"form": form, "next": request.GET.get("next", "")}
    )


def _partner_only(request: HttpRequest) -> None:
    if not request.user.is_partner:
        raise Http404


@login_required
@require_POST
def couple_create(request: HttpRequest) -> HttpResponse:
    _partner_only(request)
    try:
        services.couple_create(partner=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str = "") -> HttpResponse:
    """Join a couple with the other partner's code, typed in or arrived at by link."""
    _partner_only(request)
    form = CodeForm(request.POST or None, initial={"code": code})
    if request.method == "POST" and form.is_valid():
        try:
            services.couple_join(partner=request.user, code=form.cleaned_data["code"])
        except services.Refused as refused:
            form.add_error("code", refused.message)
        else:
            messages.success(request, "You're linked now. Welcome, both of you.")
            return redirect("home")
    return render(request, "imago_app/join.html", {"form": form, "from_link": bool(code)})


@login_required
@require_POST
def invite_renew(request: HttpRequest, couple_id: int) -> HttpResponse:
    couple = access.get_couple_for_partner(request.user, couple_id)
    try:
        services.partner_invite_renew(couple=couple, partner=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Here is a new code. The old one no longer works.")
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def couple_leave(request: HttpRequest, couple_id: int) -> HttpResponse:
    couple = access.get_couple_for_partner(request.user, couple_id)
    if request.method == "POST":
        services.couple_leave(couple=couple, partner=request.user)
        messages.success(request, "You've left the couple.")
        return redirect("home")
    other = access.other_partner(couple, request.user)
    # What the other partner will be told, in the very words they will see.
    preview = access.ClosedCouple(
        couple.pk, timezone.now(), "other_left", request.user.display_name
    )
    context = {"couple": couple, "other": other, "preview": preview}
    return render(request, "imago_app/leave.html", context)


@login_required
@require_safe
def couple_words(request: HttpRequest, couple_id: int) -> HttpResponse:
    """A closed couple's page for one of its former partners: what happened, and their words."""
    closed = access.closed_couple(request.user, couple_id)
    if closed is None:
        access.get_couple_for_partner(request.user, couple_id)  # 404 unless theirs
        return redirect("home")  # still open: their words are on its pages
    words = closed_pages.your_words(request.user, closed)
    return render(request, "imago_app/couple_words.html", {"closed": closed, "words": words})


@login_required
@require_POST
def therapist_invite(request: HttpRequest, couple_id: int) -> HttpResponse:
    couple = access.get_couple_for_partner(request.user, couple_id)
    try:
        services.therapist_invite_create(couple=couple, partner=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("home")


@login_required
@require_POST
def therapist_consent(request: HttpRequest, couple_id: int, link_id: int) -> HttpResponse:
    link = access.get_link_for_partner(request.user, couple_id, link_id)
    try:
        services.therapist_consent_give(link=link, partner=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def therapist_end(request: HttpRequest, couple_id: int, link_id: int) -> HttpResponse:
    """Ask once, saying what the therapist keeps and loses; a POST ends the access."""
    link = access.get_link_for_partner(request.user, couple_id, link_id)
    name = link.therapist.display_name
    if request.method == "POST":
        services.therapist_link_end(link=link, partner=request.user)
        messages.success(request, f"{name} can no longer see anything of your couple.")
        return redirect("home")
    couple = link.couple
    agreed = link.consents.count() == 2
    return render(
        request,
        "imago_app/therapist_end.html",
        {
            "couple": couple,
            "link": link,
            "name": name,
            "sees_now": agreed,
            "other": access.other_partner(couple, request.user),
        },
    )


@login_required
@require_POST
def therapist_join(request: HttpRequest) -> HttpResponse:
    if not request.user.is_therapist:
        raise Http404
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.therapist_link_join(therapist=request.user, code=form.cleaned_data["code"])
        except services.Refused as refused:
            form.add_error("code", refused.message)
        else:
            messages.success(
                request,
                "Thank you. The couple will see that you've joined. Their record appears here "
                "once both partners agree.",
            )
            return redirect("home")
    _template, context = panel_for(request)
    return render(request, "imago_app/home.html", {**context, "code_form": form})


@login_required
@require_GET
def therapist_couple(request: HttpRequest, couple_id: int) -> HttpResponse:
    """A couple's record, as their therapist may read it. Every read is logged for the couple."""
    couple = access.get_couple_for_therapist(request.user, couple_id)
    return _record_page(request, couple)


def _record_page(request: HttpRequest, couple, **forms) -> HttpResponse:
    """The record with its notes and homework; `forms` carries a form that needs correcting."""
    therapist = request.user
    audit.record(
        audit.Action.RECORD_READ, actor=therapist, couple=couple, request=request, what="record"
    )
    period = PeriodForm(request.GET or None)
    start = end = None
    if period.is_valid():
        start, end = period.cleaned_data["start"], period.cleaned_data["end"]
    homework = list(Homework.objects.filter(couple=couple))
    return render(
        request,
        "imago_app/therapist_couple.html",
        {
            "couple": couple,
            **couple_record(couple, therapist, start=start, end=end),
            "period": period,
            "start": start,
            "end": end,
            "printed_at": timezone.now(),
            "private_notes": PrivateNote.objects.filter(couple=couple, therapist=therapist),
            "shared_notes": SharedNote.objects.filter(couple=couple),
            "homework": homework_progress(couple, homework),
            "private_form": forms.get("private_form") or NoteForm(prefix="private"),
            "shared_form": forms.get("shared_form") or NoteForm(prefix="shared"),
            "homework_form": forms.get("homework_form") or HomeworkForm(),
        },
    )


@login_required
@require_POST
def therapist_note(request: HttpRequest, couple_id: int, kind: str) -> HttpResponse:
    """Write a private note (only for the therapist) or a shared one (the couple reads it)."""
    couple = access.get_couple_for_therapist(request.user, couple_id)
    if kind not in ("private", "shared"):
        raise Http404
    form = NoteForm(request.POST, prefix=kind)
    if not form.is_valid():
        return _record_page(request, couple, **{f"{kind}_form": form})
    model = SharedNote if kind == "shared" else PrivateNote
    model.objects.create(couple=couple, therapist=request.user, **form.cleaned_data)
    messages.success(
        request,
        "Shared note saved: the couple can read it."
        if kind == "shared"
        else "Private note saved: only you can read it.",
    )
    return redirect("therapist_couple", couple.pk)


@login_required
@require_POST
def therapist_homework(request: HttpRequest, couple_id: int) -> HttpResponse:
    couple = access.get_couple_for_therapist(request.user, couple_id)
    form = HomeworkForm(request.POST)
    if not form.is_valid():
        return _record_page(request, couple, homework_form=form)
    Homework.objects.create(couple=couple, therapist=request.user, **form.cleaned_data)
    messages.success(request, "Homework set. The couple sees it on their home page.")
    return redirect("therapist_couple", couple.pk)


@login_required
@require_GET
def access_log(request: HttpRequest, couple_id: int) -> HttpResponse:
    """Every time a therapist read this couple's record, for both partners to see; reads close
    together are told as one line (one query, however long the log)."""
    couple = access.get_couple_for_partner(request.user, couple_id)
    entries = AuditEntry.objects.filter(
        couple=couple,
        action__in=[
            audit.Action.RECORD_READ,
            audit.Action.CONSENT_GIVEN,
            audit.Action.CONSENT_ENDED,
            audit.Action.OPENED,
            audit.Action.CLOSED,
        ],
    ).select_related("actor")[:ACCESS_LOG_ENTRIES]
    return render(
        request,
        "imago_app/access_log.html",
        {"couple": couple, "lines": audit.couple_log(entries)},
    )


@login_required
@require_safe
def account_data(request: HttpRequest) -> HttpResponse:
    """Download your data, or delete your account, with what each means said first."""
    if not request.user.is_partner:
        raise Http404
    couple = access.current_couple(request.user)
    context = {
        "couple": couple,
        "other": access.other_partner(couple, request.user) if couple else None,
        "kept": data_rights.what_is_kept(),
        "closed_couples": access.closed_couples(request.user),
        # What the other partner will be told, in the very words they will see.
        "preview": couple and access.ClosedCouple(couple.pk, timezone.now(), "other_deleted"),
    }
    return render(request, "imago_app/account_data.html", context)


@login_required
@require_safe
def account_export(request: HttpRequest) -> HttpResponse:
    if not request.user.is_partner:
        raise Http404
    response = JsonResponse(data_rights.export(request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="imago-dialogue-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    if not request.user.is_partner:
        raise Http404
    if not request.user.check_password(request.POST.get("password", "")):
        messages.error(request, "That password isn't right, so nothing was deleted.")
        return redirect("account_data")
    data_rights.delete_account(request, request.user)
    messages.success(request, "Your account and what you wrote have been deleted. Take care.")
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def account_time_zone(request: HttpRequest) -> HttpResponse:
    """Choose the time zone times are shown in and your days are counted in."""
    initial = {"time_zone": zones.valid(request.user.time_zone) or settings.TIME_ZONE}
    form = TimeZoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        request.user.time_zone = form.cleaned_data["time_zone"]
        request.user.save(update_fields=["time_zone"])
        label = dict(zones.choices())[request.user.time_zone]
        messages.success(request, f"Your time zone is now {label}.")
        return redirect("account_time_zone")
    return render(request, "imago_app/time_zone.html", {"form": form, "now": timezone.now()})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out; imago_app/signals.py closes every socket this user has open, on any device."""
    return auth_views.LogoutView.as_view()(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; afterwards the user's open sockets close, so a device signed
    in with the old password stops showing anything live."""

    def form_valid(self, form):
        response = super().form_valid(form)
        sockets_close_after_commit([self.request.user.pk])
        return response


class SignInView(auth_views.LoginView):
    """Django's sign-in with our form; a sign-in also marks this device as known to the account
    (imago_app/throttle.py) and may keep a personal phone signed in longer."""

    form_class = SignInForm

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if form.cleaned_data["keep_signed_in"]:
            session_limits.start(self.request.session, user, kept=True, now=time.time())
        throttle.remember_device(self.request, response, user)
        # The browser says where this person is now (one who travels moves with it).
        zone = zones.valid(form.cleaned_data.get("time_zone"))
        if zone and zone != user.time_zone:
            User.objects.filter(pk=user.pk).update(time_zone=zone)
            user.time_zone = zone
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "ended": "ended" in self.request.GET}


@require_http_methods(["GET", "POST"])
def session_status(request: HttpRequest) -> JsonResponse:
    """How many seconds this sign-in has left. A POST says the person is still here (typing or
    tapping on a page that sends nothing); a GET only asks, so it never extends the session."""
    left = 0
    if request.user.is_authenticated:
        left = max(0, int(session_limits.seconds_left(request.session, request.user, time.time())))
    response = JsonResponse({"seconds_left": left})
    response["Cache-Control"] = "no-store"
    return response
