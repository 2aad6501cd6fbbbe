from django import forms

from exercises.appreciation.models import Appreciation

MIRROR_STEM = "What I heard you appreciate is "


class AppreciationForm(forms.ModelForm):
    class Meta:
        model = Appreciation
        fields = ("about", "text")
        labels = {"about": "What would you like to appreciate?", "text": "I appreciate…"}
        widgets = {"about": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 3})}


class MirrorForm(forms.Form):
    mirror = forms.CharField(
        label="Say it back",
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=MIRROR_STEM,
    )
    felt = forms.CharField(
        label="How it felt to hear (optional)",
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_mirror(self) -> str:
        mirror = self.cleaned_data["mirror"].strip()
        if mirror in ("", MIRROR_STEM.strip()):
            raise forms.ValidationError("Say back what you heard, in a few words of your own.")
        return mirror
