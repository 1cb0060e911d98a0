"""Two request or response schemas of the same name make ninja's OpenAPI document describe one of
the operations with the other's body (the tasks' `ReportIn` once shadowed the forum's report):
every schema class used by the API has a name of its own."""

from __future__ import annotations

import collections

from ninja import Schema

from config.api import api


def schema_classes():
    """Every Schema subclass defined in our apps' modules."""
    seen, todo = set(), [Schema]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    ours = ("community.", "forum.", "deliberation.", "config.", "demo.")
    return [c for c in seen if c.__module__.startswith(ours)]


def test_every_schema_has_a_name_of_its_own():
    api.get_openapi_schema()  # imports every router's module
    names = collections.Counter(c.__name__ for c in schema_classes())
    assert not [n for n, k in names.items() if k > 1]


def test_the_report_operations_describe_their_own_bodies():
    paths = api.get_openapi_schema()["paths"]

    def body(path: str) -> set[str]:
        ref = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schemas = api.get_openapi_schema()["components"]["schemas"]
        return set(schemas[ref.rsplit("/", 1)[1]]["properties"])

    assert "reason" in body("/api/v1/reports")
    task_reports = next(p for p in paths if p.startswith("/api/v1/tasks/") and "report" in p)
    assert "body" in body(task_reports)
