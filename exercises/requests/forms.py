from django import forms
from django.utils import timezone

from exercises import phrasing

SLOTS = (1, 2, 3)


class ChangeRequestForm(forms.Form):
    """A frustration, the desire under it, a private echo, and three requests. Every wording
    check must pass before anything is saved."""

    frustration = forms.CharField(
        label="The frustration, in one sentence",
        max_length=300,
        help_text='What happens, not who your partner is: "When you come home late without '
        'calling…"',
        error_messages={"required": "Start with the frustration: one sentence about what happens."},
    )
    desire = forms.CharField(
        label="What you long for underneath",
        max_length=800,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Say it as a wish: "I\'d love to feel that I matter at the end of your day."',
        error_messages={"required": "Say what you long for underneath it; a few words are enough."},
    )
    echo = forms.CharField(
        label="Does it echo something from your childhood? (optional, private)",
        max_length=800,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only you can read this. Your partner never sees it.",
    )
    echo_shared = forms.BooleanField(
        label="Share this childhood echo with our therapist",
        required=False,
        help_text="Ticked, your therapist can read it; your partner still cannot.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_end = timezone.localdate() + phrasing.DEFAULT_STRETCH
        for n in SLOTS:
            self.fields[f"request_{n}"] = forms.CharField(
                label=f"Request {n}: would you be willing to…",
                max_length=200,
                error_messages={
                    "required": f"Write request {n}: one small thing your partner could do."
                },
            )
            self.fields[f"measure_{n}"] = forms.CharField(
                label=f"How often or how much (request {n})", max_length=100, required=False
            )
            self.fields[f"ends_on_{n}"] = forms.DateField(
                label=f"Until (request {n})",
                required=False,
                initial=default_end,
                error_messages={
                    "invalid": "We couldn't read that date; choose one from the calendar."
                },
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def slots(self):
        """The three requests' fields, grouped, for the template."""
        return [
            (n, self[f"request_{n}"], self[f"measure_{n}"], self[f"ends_on_{n}"]) for n in SLOTS
        ]

    def clean(self):
        data = super().clean()
        for name, check in (
            ("frustration", phrasing.frustration_problems),
            ("desire", phrasing.desire_problems),
        ):
            if name in data:
                for problem in check(data[name]):
                    self.add_error(name, problem)
        today = timezone.localdate()
        for n in SLOTS:
            if f"request_{n}" not in data:
                continue
            parts = phrasing.request_problems_by_part(
                data[f"request_{n}"],
                data.get(f"measure_{n}") or "",
                data.get(f"ends_on_{n}"),
                today,
            )
            for part, field in (
                ("text", "request"),
                ("measure", "measure"),
                ("ends_on", "ends_on"),
            ):
                if f"{field}_{n}" in self.errors:
                    continue  # already told (an unreadable date, say): once is enough
                for problem in parts[part]:
                    self.add_error(f"{field}_{n}", problem)
        return data

    def requests(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "position": n,
                "text": data[f"request_{n}"].strip(),
                "measure": data[f"measure_{n}"].strip(),
                "ends_on": data[f"ends_on_{n}"],
            }
            for n in SLOTS
        ]


class MirrorRequestsForm(forms.Form):
    mirror = forms.CharField(
        label="Say back what you heard",
        max_length=1200,
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="What I heard you ask for is ",
    )


class ReviewForm(forms.Form):
    review = forms.CharField(
        label="How did it go?", max_length=800, widget=forms.Textarea(attrs={"rows": 3})
    )


class RepairStartForm(forms.Form):
    what_happened = forms.CharField(
        label="What happened, from your side",
        max_length=800,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Just what you did and said. Your partner will be asked what it was like for "
        "them.",
    )


class RepairFeelingForm(forms.Form):
    what_it_was_like = forms.CharField(
        label="What it was like for you",
        max_length=800,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RepairFinishForm(forms.Form):
    mirror = forms.CharField(
        label="Say back what it was like for them",
        max_length=800,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="What I hear is that it was ",
    )
    next_time = forms.CharField(
        label="What I will do next time",
        max_length=800,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
