from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.signals import user_login_failed

from imago_app import practices, throttle, zones
from imago_app.models import Homework, User


def browser_zone_field() -> forms.CharField:
    """A hidden field static/js/app.js fills with the browser's time zone (sign-up, sign-in)."""
    return forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-browser-zone": ""})
    )


class SignUpForm(UserCreationForm):
    kind = forms.ChoiceField(
        label="Who is this account for?",
        choices=[
            (User.Kind.PARTNER, "Me, as one half of a couple"),
            (User.Kind.THERAPIST, "Me, as a therapist a couple invites"),
        ],
        initial=User.Kind.PARTNER,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = User
        fields = ("display_name", "username", "email", "kind", "time_zone")
        help_texts = {
            "username": "Letters, digits and @ . + - _ only. You sign in with it.",
            "email": "Only used to reset your password and for reminders you ask for.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["display_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["time_zone"] = browser_zone_field()

    def clean_time_zone(self) -> str:
        # One the browser sent that this machine does not know is left out: the server's zone.
        return zones.valid(self.cleaned_data.get("time_zone")) or ""


class TimeZoneForm(forms.Form):
    """The account's time zone page."""

    time_zone = forms.ChoiceField(
        label="Your time zone",
        help_text=(
            "What you do counts for the day it is where you are. Your browser sets this each "
            "time you sign in; change it here if it is not right."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zones.choices()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Invite code",
        max_length=40,
        help_text="Ten letters and numbers. Capitals, spaces and dashes don't matter.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "class": "code-input",
            }
        ),
    )


class NoteForm(forms.Form):
    appointment = forms.DateField(
        label="Appointment date", widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(label="Note", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class HomeworkForm(forms.ModelForm):
    class Meta:
        model = Homework
        fields = ("kind", "micro", "frequency", "ends_on")
        labels = {
            "kind": "Exercise",
            "micro": "Which micro-stretch (for a micro-stretch)",
            "frequency": "How often",
            "ends_on": "Until",
        }
        widgets = {"ends_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds, and the details some of them have, are the installed practices'.
        self.kinds = {value: kind for value, (_p, kind) in practices.homework_kinds().items()}
        self.fields["kind"].choices = [("", "---------"), *practices.homework_choices()]
        self.fields["micro"] = forms.ChoiceField(
            label=self.Meta.labels["micro"],
            required=False,
            choices=[("", "—")] + [d for kind in self.kinds.values() for d in kind.details],
        )

    def clean(self):
        data = super().clean()
        kind = self.kinds.get(data.get("kind"))
        if kind is not None and kind.details:
            if not data.get("micro"):
                self.add_error("micro", kind.detail_missing)
        else:
            data["micro"] = ""
        ends_on = data.get("ends_on")
        from django.utils import timezone

        if ends_on and ends_on < timezone.localdate():
            self.add_error("ends_on", "Choose a date from today on.")
        return data


class PeriodForm(forms.Form):
    """The dates a printed summary covers."""

    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The start comes after the end.")
        return data


class SignInForm(AuthenticationForm):
    """Django's sign-in, with the hourly cap per account and the "keep me signed in" choice."""

    keep_signed_in = forms.BooleanField(
        label="Keep me signed in on this phone",
        required=False,
        help_text=(
            "Only on a phone that is yours alone: you stay signed in for up to two weeks. "
            "Leave it off on a shared tablet. Therapist accounts always sign out after "
            "15 minutes without activity."
        ),
    )

    time_zone = browser_zone_field()

    error_messages = {
        **AuthenticationForm.error_messages,
        "capped": (
            "There have been too many tries to sign in to this account in the last hour, so it "
            "can't be signed in from a new device for now. Please try again later, or from a "
            "phone you have signed in on before."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and throttle.capped(username, self.request):
            # Counted like any failed sign-in (the security log and the per-IP lock see it).
            user_login_failed.send(
                sender=__name__, credentials={"username": username}, request=self.request
            )
            raise forms.ValidationError(self.error_messages["capped"], code="capped")
        return super().clean()
