from django import forms

from exercises.inner import protection

LEVELS = [(n, str(n)) for n in range(11)]


class CheckInForm(forms.Form):
    level = forms.TypedChoiceField(
        label="How settled do you feel right now? 0 is not at all, 10 is completely.",
        choices=LEVELS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the number closest to how you feel, from 0 to 10."},
    )


class PeopleForm(forms.Form):
    name_1 = forms.CharField(
        label="The first person",
        max_length=60,
        required=False,
        help_text='Any name you like: "Mum", "Grandpa Joe", "Aunt Rose".',
    )
    name_2 = forms.CharField(label="A second person (optional)", max_length=60, required=False)
    name_3 = forms.CharField(label="A third person (optional)", max_length=60, required=False)

    def names(self) -> list[str]:
        return [self.cleaned_data[f"name_{n}"] for n in (1, 2, 3)]


def _area(label: str, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows, "data-max": 1000}),
    )


class PersonForm(forms.Form):
    def __init__(self, *args, name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["positive"] = _area(
            f"What was good about {name}?", "A few words are enough: warm, funny, steady…"
        )
        self.fields["negative"] = _area(
            f"What was hard about {name}?", "Busy, sharp, far away… only what's true for you."
        )
        self.fields["enjoyed"] = _area(f"What did you enjoy with {name}?")
        self.fields["disliked"] = _area(f"What didn't you like with {name}?")
        self.fields["wanted"] = _area(
            f"What did you want from {name} and not get?",
            "This is often the heart of it. Take your time.",
        )


class FrustrationsForm(forms.Form):
    frustrations = forms.CharField(
        label="As a child, what kept hurting or frustrating you?",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-max": 2000}),
    )
    reactions = forms.CharField(
        label="And what did you do when it happened?",
        help_text="Went to my room, got louder, made myself useful, went quiet…",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-max": 2000}),
    )


class SummaryForm(forms.Form):
    drawn_to = forms.CharField(
        label="The people I'm drawn to tend to be…",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-max": 1000}),
    )
    longed_for = forms.CharField(
        label="What I longed for was…",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-max": 1000}),
    )
    protected_by = forms.CharField(
        label="To protect myself, I…",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-max": 1000}),
    )


class ProtectionForm(forms.Form):
    chosen = forms.MultipleChoiceField(
        label="When I feel unsafe with someone close to me…",
        choices=[(slug, text) for slug, _movement, text in protection.STATEMENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    own_words = forms.CharField(
        label="In my own words, what I do when I feel unsafe",
        max_length=1500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-max": 1500}),
    )
    hope = forms.CharField(
        label="What I hope the other person will do then (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-max": 1000}),
    )


class PreparationForm(forms.Form):
    issue = forms.CharField(
        label="What it's about, in one sentence",
        max_length=200,
        help_text="For example: “How our evenings go when we are both tired.”",
        error_messages={"required": "Write a few words about what you'd like to talk about."},
    )
    feelings = forms.CharField(
        label="What I feel about it",
        help_text="Feelings, not stories about the other: lonely, scared, hurt, tired…",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-max": 1000}),
    )
    need = forms.CharField(
        label="What I need underneath",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-max": 1000}),
    )
    i_statement = forms.CharField(
        label="What I'd like to say, starting with I",
        help_text='"I feel … when … and what I need is …"',
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-max": 600}),
    )
    keep_as_written = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ShareForm(forms.Form):
    partner = forms.BooleanField(required=False)
    therapist = forms.BooleanField(required=False)
