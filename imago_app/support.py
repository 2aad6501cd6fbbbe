"""Where to turn for help: the support services a person sees after stopping a dialogue and on
the Support page (linked from every page's footer).

The list is data, chosen by whoever runs the server: a JSON file named by SUPPORT_RESOURCES_FILE
(default `imago_app/data/support.json`, a starting point that says so). Each resource has a
`name` and any of `about`, `phone`, `text` (a number or "WORD to NUMBER" to text), `url`, plus
`regions` (ISO country codes, or "*" for anywhere) and optionally `languages` (language codes;
the resource is then offered only to people whose browser asks for one of them).

Looking at support is nobody else's business: nothing here is logged or told to anyone.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ANYWHERE = "*"


@dataclass(frozen=True)
class Resource:
    name: str
    regions: tuple[str, ...]
    about: str = ""
    phone: str = ""
    text: str = ""
    url: str = ""
    languages: tuple[str, ...] = ()

    @property
    def tel(self) -> str:
        """The phone number as a tel: link takes it (digits and a leading +)."""
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


@dataclass(frozen=True)
class Directory:
    about: str
    default: bool  # the list shipped with the app, not one of the server's own
    region_names: dict[str, str]
    resources: tuple[Resource, ...] = field(default_factory=tuple)

    def for_viewer(self, accept_language: str) -> list[Resource]:
        """The resources for where the viewer seems to be (their browser's first language tag,
        e.g. en-GB), then those for anywhere."""
        language, region = viewer_locale(accept_language)
        local, anywhere = [], []
        for resource in self.resources:
            if resource.languages and language not in resource.languages:
                continue
            if region and region in resource.regions:
                local.append(resource)
            elif ANYWHERE in resource.regions:
                anywhere.append(resource)
        return local + anywhere

    def by_region(self, accept_language: str) -> list[tuple[str, list[Resource]]]:
        """Every resource, grouped by region: the viewer's region first, "anywhere" next."""
        _language, region = viewer_locale(accept_language)
        groups: dict[str, list[Resource]] = {}
        for resource in self.resources:
            for code in resource.regions:
                groups.setdefault(code, []).append(resource)
        order = sorted(groups, key=lambda c: (c != region, c != ANYWHERE, self.name_of(c)))
        return [(self.name_of(code), groups[code]) for code in order]

    def name_of(self, code: str) -> str:
        return self.region_names.get(code) or ("Anywhere" if code == ANYWHERE else code)


def viewer_locale(accept_language: str) -> tuple[str, str]:
    """(language, region) of the first tag of an Accept-Language header: "en-GB,en;q=0.8" gives
    ("en", "GB"); a tag without a region gives ("en", "")."""
    first = accept_language.split(",")[0].split(";")[0].strip()
    parts = first.replace("_", "-").split("-")
    language = parts[0].lower() if parts and parts[0] != "*" else ""
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
    return language, region


def load(path: Path) -> Directory:
    """Read and check a support file; a file that cannot be used stops the app at start."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        resources = tuple(
            Resource(
                name=str(item["name"]),
                regions=tuple(str(r).upper() for r in item.get("regions", [ANYWHERE])),
                about=str(item.get("about", "")),
                phone=str(item.get("phone", "")),
                text=str(item.get("text", "")),
                url=str(item.get("url", "")),
                languages=tuple(str(lang).lower() for lang in item.get("languages", [])),
            )
            for item in data["resources"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"SUPPORT_RESOURCES_FILE {path} cannot be used: {exc}") from None
    for resource in resources:
        if resource.url and not resource.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"Support resource {resource.name!r}: url must be http(s)")
    return Directory(
        about=str(data.get("about", "")),
        default=data.get("source") == "default",
        region_names={str(k).upper(): str(v) for k, v in data.get("region_names", {}).items()},
        resources=resources,
    )


@cache
def directory() -> Directory:
    return load(Path(settings.SUPPORT_RESOURCES_FILE))
