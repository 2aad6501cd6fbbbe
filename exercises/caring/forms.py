from django import forms

from exercises.caring.models import CaringItem


class CaringItemForm(forms.ModelForm):
    keep_as_written = forms.BooleanField(
        required=False,
        label="Keep it as I wrote it",
        help_text="The hints are only suggestions. You know best what makes you feel loved.",
    )

    class Meta:
        model = CaringItem
        fields = ("text", "when", "importance")
        labels = {
            "text": "I feel loved and cared about when you…",
            "when": "Is this something…",
            "importance": "How much does it matter? (1 most, 5 least)",
        }
        widgets = {
            "when": forms.RadioSelect,
            "importance": forms.Select(choices=[(n, str(n)) for n in range(1, 6)]),
        }
