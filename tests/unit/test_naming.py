from datetime import UTC, datetime
from typing import Any

import pytest

from app.domain.naming import is_generic, mentions_version, naming_problems, words_of
from app.domain.process import ProcessSpec
from app.domain.release import Release

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


def release(name: str, **fields: Any) -> Release:
    return Release(
        id="rel_1",
        name=name,
        process_id="proc_1",
        process_version=1,
        plan=ProcessSpec(name="p"),
        created_by="alice",
        created_at=T0,
        updated_at=T0,
        **fields,
    )


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        (
            "payments-service-v1.2.3-production-deploy",
            {
                "version": "1.2.3",
                "services": ("payments-service",),
                "environments": ("production",),
            },
        ),
        ("payments-service-v1.2.3-production-deploy", {"version": "v1.2.3"}),
        ("payments-service-v1.2.3-production-deploy", {}),
        ("week-15-system-release-april-2025", {}),
        ("week-15-system-release-april-2025", {"version": "2025"}),
        ("hotfix-security-cve-2025-1234", {}),
        ("hotfix-security-cve-2025-1234", {"environments": ("security",)}),
        ("Payments Service 1.2.3 to production", {"services": ("payments service",)}),
    ],
)
def test_the_reference_examples_follow_the_guidance(name: str, fields: dict[str, Any]) -> None:
    assert naming_problems(release(name, **fields)) == []


@pytest.mark.parametrize("name", ["release-1", "prod", "test", "v2", "Release 2025", "deploy_v3"])
def test_generic_names_are_flagged(name: str) -> None:
    (problem,) = naming_problems(release(name))
    assert "too generic" in problem
    assert "service or component, version, environment and purpose" in problem


def test_a_version_missing_from_the_name_is_flagged() -> None:
    problems = naming_problems(release("payments-service-production-deploy", version="1.2.3"))
    assert problems == ["the name does not mention the version '1.2.3'"]


def test_a_name_without_any_service_or_environment_is_flagged() -> None:
    problems = naming_problems(
        release("checkout-v2.0-rollout", services=("payments",), environments=("eu-west",))
    )
    assert problems == [
        "the name mentions none of the release's services or environments (payments, eu-west)"
    ]


def test_one_service_or_environment_in_the_name_is_enough() -> None:
    named = release("payments-rollout", services=("payments", "ledger"), environments=("prod",))
    assert naming_problems(named) == []


def test_matching_ignores_case() -> None:
    named = release("PAYMENTS-V1.2.3-Prod", version="v1.2.3", services=("Payments",))
    assert naming_problems(named) == []


def test_a_generic_name_collects_every_problem() -> None:
    problems = naming_problems(release("prod", version="1.0", services=("payments",)))
    assert len(problems) == 3


def test_words_keep_versions_whole() -> None:
    assert words_of("Payments_Service v1.2.3/prod") == ["payments", "service", "v1.2.3", "prod"]


@pytest.mark.parametrize(
    ("name", "generic"),
    [("release-1", True), ("", True), ("2025-04", True), ("payments", False), ("april", False)],
)
def test_is_generic(name: str, generic: bool) -> None:
    assert is_generic(name) is generic


@pytest.mark.parametrize(
    ("name", "version", "found"),
    [
        ("app-v1.2.3", "1.2.3", True),
        ("app-1.2.3", "v1.2.3", True),
        ("app-11.2.3", "1.2.3", False),
        ("app-1.2.30", "1.2.3", False),
        ("app-1.2.3.4", "1.2.3", False),
        ("app-2025-1", "2025", True),
        ("app-RC1", "rc1", True),
    ],
)
def test_mentions_version(name: str, version: str, found: bool) -> None:
    assert mentions_version(name, version) is found
