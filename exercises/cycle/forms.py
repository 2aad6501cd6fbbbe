from django import forms


def _line(label: str, help_text: str = "", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=300,
        required=required,
        widget=forms.Textarea(attrs={"rows": 2, "data-max": 300}),
    )


class CycleForm(forms.Form):
    name = forms.CharField(
        label="What is this one about?",
        max_length=80,
        help_text='A few words: "money", "the evenings", "when we visit your family".',
        error_messages={"required": "Give it a short name, so you both know which one it is."},
    )


class SideForm(forms.Form):
    trigger = _line(
        "When you…",
        "Something the other does, that anyone could see: “when you look at your phone while "
        "I talk”, not “when you don't care”.",
    )
    feel = _line("I feel…", "One or two feelings: lonely, scared, small, angry.")
    fear = _line("And I fear it means…", "What it seems to say: “that I don't matter to you”.")
    so_i = _line("So I…", "What you do to protect yourself: go quiet, get louder, leave the room.")
    long_for = _line("What I long for is…")
    keep_as_written = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ShowForm(forms.Form):
    shown = forms.BooleanField(required=False)
    therapist = forms.BooleanField(required=False)
