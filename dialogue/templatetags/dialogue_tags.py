import secrets

from django import template

register = template.Library()


@register.simple_tag
def move_key() -> str:
    """A fresh key for one rendered move form: sending it twice is recognised as one move."""
    return secrets.token_urlsafe(16)
