from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.datastructures import MultiValueDict

from dialogue import machine, vocabulary

# Moves that only change what this one screen shows (on a shared device: "I'm Sam, show me").
SCREEN_MOVES = {"handover"}

LATER_CHOICES = [
    (30, "In half an hour"),
    (60, "In an hour"),
    (120, "In two hours"),
    (240, "In four hours"),
    (720, "In twelve hours"),
    (1440, "Tomorrow, at about this time"),
]
TIMEBOX_CHOICES = [
    ("", "No time limit"),
    (20, "20 minutes"),
    (30, "30 minutes"),
    (45, "45 minutes"),
    (60, "An hour"),
]


def _is_text(value) -> bool:
    """A str that is whole text (JSON can spell a lone UTF-16 surrogate, which is not)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _SetOfChoices:
    """A choice field that looks a value up in a set of its choices' keys, where Django walks
    the list of choices for each value (the move form's are flat and never change)."""

    def valid_value(self, value) -> bool:
        keys = self.__dict__.get("_keys")
        if keys is None:
            keys = self._keys = frozenset(str(key) for key, _label in self.choices)
        return str(value) in keys


class _ChoiceField(_SetOfChoices, forms.ChoiceField):
    pass


class _TypedChoiceField(_SetOfChoices, forms.TypedChoiceField):
    pass


class _MultipleChoiceField(_SetOfChoices, forms.MultipleChoiceField):
    pass


class MoveForm(forms.Form):
    """One move, as sent by a form over the socket or posted without JavaScript."""

    move = _ChoiceField(
        choices=[(kind, kind) for kind in sorted(machine.MOVES | SCREEN_MOVES)],
        error_messages={
            "invalid_choice": "We don't know that move.",
            "required": "We couldn't tell what you meant to do.",
        },
    )
    key = forms.CharField(
        min_length=8,
        max_length=64,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$")],
        error_messages={"required": "This move has no key. Please reload the page."},
    )
    position = forms.CharField(max_length=40, required=False)
    acting_for = forms.IntegerField(required=False, min_value=1)
    text = forms.CharField(
        required=False,
        strip=False,
        max_length=machine.MAX_TEXT,
        error_messages={
            "max_length": "That is longer than we can keep "
            f"({machine.MAX_TEXT} characters at most). Try a smaller piece."
        },
    )
    level = _TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(n, str(n)) for n in range(11)],
        error_messages={"invalid_choice": "Choose a number from 0 to 10."},
    )
    feelings = _MultipleChoiceField(
        required=False,
        choices=[(word, word) for word in sorted(vocabulary.all_feelings())],
        error_messages={"invalid_choice": "Choose feelings from the list, or write your own."},
    )
    later = _TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=LATER_CHOICES,
        error_messages={"invalid_choice": "Choose one of the times offered."},
    )

    @classmethod
    def from_frame(cls, data: dict) -> "MoveForm | None":
        """A form from a decoded WebSocket frame, or None when the frame is not what a page
        sends: htmx sends each field as text (a list of texts for a repeated one), never a
        number, an object or half of a character."""
        values = MultiValueDict()
        for name, value in data.items():
            if name == "HEADERS":
                continue
            repeated = isinstance(cls.base_fields.get(name), forms.MultipleChoiceField)
            if isinstance(value, list) and not (repeated and value):
                return None  # a list only for a field that repeats, and never an empty one
            texts = value if isinstance(value, list) else [value]
            if not all(_is_text(text) for text in texts):
                return None
            values.setlist(name, texts)
        return cls(values)

    def _clean_fields(self) -> None:
        # As Django's, less the BoundField it makes for each field to read the value through:
        # nothing draws this form (the page's move forms are written by {% move_fields %}), and
        # making eight of them per frame was most of reading one. Each field still cleans its
        # own value, with its own validators and messages.
        for name, field in self.fields.items():
            try:
                value = field.widget.value_from_datadict(self.data, self.files, name)
                self.cleaned_data[name] = field.clean(value)
            except ValidationError as error:
                self.add_error(name, error)

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return "We couldn't read that."

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["move"],
            "key": data["key"],
            "position": data["position"],
            "acting_for": data["acting_for"],
            "text": data["text"],
            "level": data["level"],
            "feelings": tuple(data["feelings"]),
            "later_minutes": data["later"],
        }


class _SharedFields(dict):
    """The move form's fields, shared by every form made rather than deep-copied for each.

    Django copies a form's fields so that one form can change its own; the move form never
    does (it is only validated, never altered per person), and copying its list of feelings
    was the dearest part of reading a frame."""

    def __deepcopy__(self, memo):
        return self


MoveForm.base_fields = _SharedFields(MoveForm.base_fields)


class StartForm(forms.Form):
    topic = forms.CharField(
        label="What would you like to talk about? (optional)",
        max_length=machine.MAX_TOPIC,
        required=False,
        help_text='A few words are enough, like "Sunday afternoon".',
    )
    mode = forms.ChoiceField(
        label="How will you take turns?",
        choices=[
            (machine.Mode.WRITTEN, "Typing: each turn is written"),
            (machine.Mode.SPOKEN, "Talking: the app guides, you speak"),
        ],
        initial=machine.Mode.WRITTEN,
        widget=forms.RadioSelect,
    )
    device = forms.ChoiceField(
        label="Where are you?",
        choices=[
            (machine.Device.TWO_DEVICES, "Each on our own phone"),
            (machine.Device.SHARED_DEVICE, "Together, on this one screen"),
        ],
        initial=machine.Device.TWO_DEVICES,
        widget=forms.RadioSelect,
    )
    timebox = forms.TypedChoiceField(
        label="Time limit",
        choices=TIMEBOX_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="A gentle countdown. It never cuts anyone off in the middle of a step.",
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    variant = forms.ChoiceField(
        choices=[(v.value, v.value) for v in machine.Variant],
        initial=machine.Variant.INTENTIONAL,
        required=False,
        widget=forms.HiddenInput,
    )
    caretaker = forms.CharField(
        label="Whom will your partner speak as?",
        help_text='The person who raised you that you want to talk to: "Mum", "Grandpa Joe".',
        max_length=machine.MAX_CARETAKER,
        required=False,
    )


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label="What stays with you from this dialogue?",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=4000,
    )
    unmet_need = forms.ChoiceField(
        label="What need might lie under the frustration?",
        choices=[("", "Not sure yet")]
        + [(need["slug"], need["label"]) for need in vocabulary.unmet_needs()],
        required=False,
    )
    shared = forms.BooleanField(
        label="Share this reflection with our therapist",
        required=False,
        help_text="Your partner never sees your reflection. Unticked, only you can read it.",
    )
