"""Release naming guidance: a name says service or component, version, environment, purpose.

Good: `payments-service-v1.2.3-production-deploy`, `week-15-system-release-april-2025`,
`hotfix-security-cve-2025-1234`. Too generic: `release-1`, `prod`. These are heuristics for
the review, so they warn and never refuse.
"""

from __future__ import annotations

import re

from app.domain.release import Release

EXAMPLE = "payments-service-v1.2.3-production-deploy"

# Words that say nothing about *this* release: kinds of release, stages, filler. A name
# made only of these (and numbers) could belong to any release.
GENERIC_WORDS = frozenset(
    {
        *("release", "releases", "rel", "deploy", "deployment", "rollout", "hotfix", "patch"),
        *("fix", "update", "upgrade", "change", "build", "version", "ver", "v", "new"),
        *("prod", "production", "prd", "staging", "stage", "stg", "test", "tests"),
        *("testing", "qa", "dev", "development", "uat", "preprod", "final", "latest"),
        *("temp", "tmp", "misc", "draft", "weekly", "monthly", "daily"),
        *("my", "the", "a", "an", "of", "for", "and", "to"),
    }
)
_SEPARATORS = re.compile(r"[\s_/\\,;:+-]+")
_NUMBER = re.compile(r"v?\d+(?:\.\d+)*", re.IGNORECASE)
_NOT_WORDISH = re.compile(r"[^0-9a-z.]+")


def words_of(name: str) -> list[str]:
    """The words of a name, lower-cased; a version such as `v1.2.3` stays one word."""
    return [word for word in _SEPARATORS.split(name.lower()) if word.strip(".")]


def is_generic(name: str) -> bool:
    """True when every word of `name` is a generic word or a number (or it has no words)."""
    return all(word in GENERIC_WORDS or _NUMBER.fullmatch(word) for word in words_of(name))


def _squash(text: str) -> str:
    """Lower case with every run of separators as one '-', so `Payments Service` matches."""
    return _NOT_WORDISH.sub("-", text.lower()).strip("-")


def mentions_version(name: str, version: str) -> bool:
    """True when `name` holds `version`, with or without a leading `v` (`1.2.3`, `v1.2.3`)."""
    core = version.strip()
    if core[:1] in ("v", "V") and core[1:2].isdigit():
        core = core[1:]
    if not core:
        return True
    # Bounded by digits so that version 1.2 is not found inside 11.2 or 1.20.
    pattern = rf"(?<![0-9.]){re.escape(core)}(?!\.?[0-9])"
    return re.search(pattern, name, re.IGNORECASE) is not None


def naming_problems(release: Release) -> list[str]:
    """What the release's name misses of the naming guidance; empty when it follows it."""
    name = release.name
    problems: list[str] = []
    if is_generic(name):
        problems.append(
            f"{name!r} is too generic: include the service or component, version, "
            f"environment and purpose (e.g. {EXAMPLE!r})"
        )
    if release.version and not mentions_version(name, release.version):
        problems.append(f"the name does not mention the version {release.version!r}")
    places = [*release.services, *release.environments]
    squashed = _squash(name)
    if places and not any(_squash(place) and _squash(place) in squashed for place in places):
        listed = ", ".join(places)
        problems.append(
            f"the name mentions none of the release's services or environments ({listed})"
        )
    return problems
