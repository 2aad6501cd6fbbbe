from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from exercises.access import linked_couple
from exercises.caring import panel, services
from exercises.caring.forms import CaringItemForm
from exercises.caring.models import CaringItem, Gift, NotReady

PAGE = "caring/page.html"


def _page_context(request: HttpRequest, form: CaringItemForm | None = None) -> dict:
    couple, other = linked_couple(request.user)
    today = timezone.localdate()
    mine = list(CaringItem.objects.filter(couple=couple, owner=request.user))
    theirs = list(
        CaringItem.objects.filter(couple=couple, owner=other).annotate(
            held_back=Exists(NotReady.objects.filter(item=OuterRef("pk"), giver=request.user)),
            given_today=Exists(
                Gift.objects.filter(item=OuterRef("pk"), giver=request.user, given_at__date=today)
            ),
        )
    )
    open_to_give = [item for item in theirs if not item.held_back and not item.given_today]
    # One or two a day, the ones that matter most first, a different pair each day.
    start = today.toordinal() % len(open_to_give) if open_to_give else 0
    suggestions = (open_to_give[start:] + open_to_give[:start])[:2]
    _template, giving = panel.panel_for(request)
    return {
        **giving,
        "mine": mine,
        "theirs": theirs,
        # Their list in the three kinds the exercise asks for, so a long list can be folded.
        "their_groups": [
            (when, [item for item in theirs if item.when == when]) for when in CaringItem.When
        ],
        "suggestions": suggestions,
        "form": form or CaringItemForm(),
        "whens": CaringItem.When,
    }


@login_required
@require_safe
def caring_page(request: HttpRequest) -> HttpResponse:
    return render(request, PAGE, _page_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def caring_item_edit(request: HttpRequest, item_id: int | None = None) -> HttpResponse:
    """Add an item to your own list, or change one."""
    couple, _other = linked_couple(request.user)
    item = None
    if item_id is not None:
        item = get_object_or_404(CaringItem, pk=item_id, couple=couple, owner=request.user)
    form = CaringItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.caring_item_save(
                couple=couple,
                owner=request.user,
                item=item,
                text=form.cleaned_data["text"],
                when=form.cleaned_data["when"],
                importance=form.cleaned_data["importance"],
                keep_as_written=form.cleaned_data["keep_as_written"],
            )
        except services.NeedsRewording as rewording:
            form.hints = rewording.hints
        else:
            messages.success(request, "Saved to your list.")
            return redirect("caring")
    if item is not None:
        return render(request, "caring/edit.html", {"form": form, "item": item})
    return render(request, PAGE, _page_context(request, form))


@login_required
@require_POST
def caring_item_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    couple, _other = linked_couple(request.user)
    get_object_or_404(CaringItem, pk=item_id, couple=couple, owner=request.user).delete()
    messages.success(request, "Taken off your list.")
    return redirect("caring")


def _their_item(request: HttpRequest, item_id: int) -> CaringItem:
    couple, other = linked_couple(request.user)
    return get_object_or_404(CaringItem, pk=item_id, couple=couple, owner=other)


@login_required
@require_POST
def caring_give(request: HttpRequest, item_id: int) -> HttpResponse:
    services.caring_give(item=_their_item(request, item_id), giver=request.user)
    messages.success(request, "Noted. Thank you for giving it.")
    return redirect("caring")


@login_required
@require_POST
def caring_not_ready(request: HttpRequest, item_id: int) -> HttpResponse:
    services.caring_not_ready(
        item=_their_item(request, item_id),
        giver=request.user,
        ready=request.POST.get("ready") == "1",
    )
    return redirect("caring")


@login_required
@require_POST
def caring_thank(request: HttpRequest, gift_id: int) -> HttpResponse:
    couple, _other = linked_couple(request.user)
    gift = get_object_or_404(Gift, pk=gift_id, item__couple=couple, item__owner=request.user)
    services.caring_thank(gift=gift, receiver=request.user)
    return redirect("caring")
