"""Small response policies that apply to every page."""

from django.utils.cache import add_never_cache_headers


class NoStoreWhenSignedInMiddleware:
    """Pages seen signed in show a couple's private material: no browser or proxy may keep a
    copy (the back button on a shared tablet must not show the last person's dialogue)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # Cache-Control: no-store, no-cache, …
        return response
