"""Every URL of the project, found by walking the resolver.

Tests built on this cover a new page by construction: a URL added to any
``urls.py`` shows up here, and an argument the tests cannot fill makes
them fail until someone says which object it names.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_ARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_ARG = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full template, name and arguments."""

    template: str
    name: str
    namespace: str
    uuid_args: tuple[str, ...]
    other_args: tuple[str, ...]

    def url(self, values: dict[str, str]) -> str:
        missing = set(self.uuid_args + self.other_args) - set(values)
        assert not missing, f"no value for {sorted(missing)} in {self.template}"
        return "/" + _ROUTE_ARG.sub(
            lambda m: values[m["name"]],
            _REGEX_ARG.sub(lambda m: values[m["name"]], self.template),
        )


def all_routes() -> list[Route]:
    return list(_walk(get_resolver(), "", "", (), ()))


def _walk(
    resolver: URLResolver,
    prefix: str,
    namespace: str,
    uuid_args: tuple[str, ...],
    other_args: tuple[str, ...],
) -> Iterator[Route]:
    for item in resolver.url_patterns:
        template = prefix + _template(item.pattern)
        uuids, others = _args(item.pattern)
        uuids, others = uuid_args + uuids, other_args + others
        if isinstance(item, URLResolver):
            inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _walk(item, template, inner, uuids, others)
        elif isinstance(item, URLPattern):
            yield Route(
                template=template,
                name=f"{namespace}{item.name or '<unnamed>'}",
                namespace=namespace.rstrip(":"),
                uuid_args=uuids,
                other_args=others,
            )


def _template(pattern: object) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern._route)
    assert isinstance(pattern, RegexPattern), pattern
    return str(pattern._regex).removeprefix("^").removesuffix("$").replace("\\", "")


def _args(pattern: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(pattern, RoutePattern):
        converters = pattern.converters
        uuids = tuple(n for n, c in converters.items() if isinstance(c, UUIDConverter))
        others = tuple(n for n in converters if n not in uuids)
        return uuids, others
    assert isinstance(pattern, RegexPattern)
    return (), tuple(pattern.regex.groupindex)
