"""Template helpers every page may use: support services for the viewer, and user text shown
safely."""

from django import template

from imago_app import support, text

register = template.Library()


@register.simple_tag(takes_context=True)
def support_services(context) -> list[support.Resource]:
    """The support services for where the viewer seems to be, then those for anywhere."""
    request = context.get("request")
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "") if request is not None else ""
    return support.directory().for_viewer(accept)


@register.simple_tag
def support_directory() -> support.Directory:
    return support.directory()


@register.filter(is_safe=False)
def usertext(value) -> str:
    """Text a person wrote, without the invisible characters that could make it read as
    something else (bidirectional overrides and isolates, zero-width spaces). Autoescaping
    still applies; the element showing it should carry dir="auto"."""
    return text.displayable(str(value)) if value is not None else ""
