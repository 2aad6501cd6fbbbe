from django import forms
from django.contrib.auth.forms import UserCreationForm

from imago_app.models import User


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
        fields = ("display_name", "username", "email", "kind")
        help_texts = {
            "username": "Letters, digits and @ . + - _ only. You sign in with it.",
            "email": "Only used to reset your password and for reminders you ask for.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["display_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"


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
