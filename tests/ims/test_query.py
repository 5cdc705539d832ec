"""ImageQuery: every filter typed, validated before any request, rendered as the API expects."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Literal, get_args, get_origin

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_cloudimages import ImageQuery, ImsClient, InvalidQueryError, TimeFilter
from pulumi_cloudimages.ims.auth import canonical_query
from pulumi_cloudimages.ims.query import _EXCLUSIONS, FILTER_NAMES, WIRE_NAMES

# The 38 parameters of the API's table (the seed's 37 plus architecture), by wire name.
DOCUMENTED = {
    "__isregistered", "__imagetype", "__whole_image", "__system__cmkid", "protected", "visibility", "owner",
    "id", "status", "name", "flavor_id", "container_format", "disk_format", "min_ram", "min_disk", "__os_bit",
    "__platform", "marker", "limit", "sort_key", "sort_dir", "__os_type", "tag", "member_status",
    "__support_kvm", "__support_xen", "__support_largememory", "__support_diskintensive",
    "__support_highperformance", "__support_xen_gpu_type", "__support_kvm_gpu_type", "__support_xen_hana",
    "__support_kvm_infiniband", "virtual_env_type", "enterprise_project_id", "created_at", "updated_at",
    "architecture",
}  # fmt: skip


def test_every_documented_parameter_is_a_filter() -> None:
    assert set(WIRE_NAMES.values()) == DOCUMENTED
    assert len(FILTER_NAMES) == 38


def test_python_names_are_wire_names_without_leading_underscores() -> None:
    for name, wire in WIRE_NAMES.items():
        assert name == wire.lstrip("_").replace("__", "_")


def test_wire_names_and_python_names_are_both_accepted() -> None:
    assert ImageQuery(__imagetype="gold") == ImageQuery(imagetype="gold")  # type: ignore[call-arg]
    assert ImageQuery.model_validate({"__system__cmkid": "k"}).system_cmkid == "k"
    assert ImageQuery.model_validate({"system__cmkid": "k"}).system_cmkid == "k"


def test_rendering_booleans_numbers_times_and_extra_support_flags() -> None:
    query = ImageQuery.model_validate(
        {
            "imagetype": "gold",
            "protected": True,
            "whole_image": False,
            "min_disk": 40,
            "os_bit": 64,
            "created_at": "gte:2020-01-01 00:00:00",
            "__support_s4l": True,
            "support_gpu_t4": "yes",
        }
    )
    assert dict(query.to_params()) == {
        "__imagetype": "gold",
        "protected": "true",
        "__whole_image": "false",
        "min_disk": "40",
        "__os_bit": "64",
        "created_at": "gte:2020-01-01T00:00:00Z",
        "__support_s4l": "true",
        "__support_gpu_t4": "yes",
    }


def test_time_filters_take_both_formats_and_aware_datetimes_only() -> None:
    a = TimeFilter.model_validate("lt:2018-10-28T10:00:00Z")
    b = TimeFilter.model_validate("lt:2018-10-28 10:00:00")
    c = TimeFilter(op="lt", time=datetime(2018, 10, 28, 12, 0, tzinfo=timezone(timedelta(hours=2))))
    assert a == b == c
    assert str(c) == "lt:2018-10-28T10:00:00Z"
    with pytest.raises(InvalidQueryError, match="timezone-aware"):
        ImageQuery.model_validate({"created_at": {"op": "lt", "time": datetime(2018, 1, 1)}})


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"imagetype": "golden"}, r"imagetype='golden' is not allowed; allowed: 'gold', 'private', 'shared'"),
        ({"platform": "ubuntu"}, r"did you mean 'Ubuntu'"),
        ({"limit": 0}, r"limit=0: input should be greater than or equal to 1"),
        ({"limit": 1001}, r"limit=1001: input should be less than or equal to 1000"),
        ({"min_ram": -1}, r"min_ram=-1"),
        ({"os_bit": 16}, r"os_bit='16' is not allowed; allowed: '32', '64'"),
        ({"sort_dir": "down"}, r"sort_dir='down'"),
        ({"created_at": "after:2020-01-01T00:00:00Z"}, r"created_at=.*OP one of 'gt'.*not 'after'"),
        ({"created_at": "gt:2020-01-01"}, r"created_at='gt:2020-01-01': time '2020-01-01' is not"),
        ({"created_at": "2020-01-01T00:00:00Z"}, r"OP:TIME"),
        ({"name": ""}, r"name='': string should have at least 1 character"),
        ({"plattform": "Ubuntu"}, r"unknown filter 'plattform'; did you mean 'platform'"),
        ({"member_status": "accepted"}, r"member_status='accepted' needs visibility='shared'"),
        ({"support_kvm": True, "support_kvm_gpu_type": "V100"}, r"support_kvm_gpu_type cannot be combined"),
        ({"support_xen": True, "support_kvm_infiniband": True}, r"support_kvm_infiniband cannot be combined"),
        ({"platform": "Ubuntu", "__platform": "Debian"}, r"platform is given twice"),
        ({"__support_s4l": 3}, r"__support_s4l=3"),
        # Nothing guessed: a flag is true or false, a number is not a flag.
        ({"protected": "no"}, r"protected='no': expected true or false"),
        ({"support_kvm": 1}, r"support_kvm=1: expected true or false"),
        ({"whole_image": "yes"}, r"whole_image='yes': expected true or false"),
        ({"min_ram": True}, r"min_ram=True: expected a whole number, not true or false"),
        ({"limit": False}, r"limit=False: expected a whole number"),
    ],
)
def test_bad_values_raise_one_clear_error(filters: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidQueryError, match=expected):
        ImageQuery.model_validate(filters)


def test_flags_written_as_text_in_any_case_are_flags() -> None:
    query = ImageQuery.model_validate({"protected": "TRUE", "__support_kvm": "false", "isregistered": True})
    assert (query.protected, query.support_kvm, query.isregistered) == (True, False, True)
    assert dict(query.to_params())["protected"] == "true"


def test_a_further_support_flag_written_as_text_true_or_false_is_sent_as_the_api_writes_it() -> None:
    query = ImageQuery.model_validate(
        {"__support_s4l": "True", "__support_amd_x": "FALSE", "__support_list": "hss,ces"}
    )
    assert dict(query.to_params()) == {"__support_s4l": "true", "__support_amd_x": "false", "__support_list": "hss,ces"}


def test_bad_values_never_reach_the_network() -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json={"images": []}))
    with ImsClient(endpoint="http://127.0.0.1:9", transport=transport) as ims, pytest.raises(InvalidQueryError):
        ims.list_images(imagetype="golden")
    assert sent == []


# Hypothesis strategies derived from the model itself, so a new filter is covered without editing this.
def _strategy(name: str) -> st.SearchStrategy[Any]:
    annotation = get_args(ImageQuery.model_fields[name].annotation)[0]
    if get_origin(annotation) is Literal:
        return st.sampled_from(get_args(annotation))
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(1, 1000) if name == "limit" else st.integers(0, 1024)
    if annotation is TimeFilter:
        times = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(lambda t: t.replace(microsecond=0))
        return st.builds(lambda op, t: f"{op}:{t:%Y-%m-%dT%H:%M:%SZ}", st.sampled_from(["gt", "lte", "neq"]), times)
    return st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


def _combinable(filters: dict[str, Any]) -> bool:
    if filters.get("member_status") and filters.get("visibility") != "shared":
        return False
    return not any(flag in filters and set(excluded) & filters.keys() for flag, excluded in _EXCLUSIONS.items())


VALID_FILTERS = st.fixed_dictionaries({}, optional={name: _strategy(name) for name in FILTER_NAMES}).filter(_combinable)


@given(VALID_FILTERS)
def test_every_valid_query_renders_signs_and_round_trips(filters: dict[str, Any]) -> None:
    query = ImageQuery.model_validate(filters)
    params = query.to_params()
    assert {wire for wire, _ in params} == {WIRE_NAMES[name] for name in filters}
    # The canonical (signed) query parses back to the same pairs, and those to the same query.
    wire = httpx.QueryParams(canonical_query(params).encode().decode()).multi_items()
    assert sorted(wire) == sorted(params)
    assert ImageQuery.model_validate(dict(wire)) == query


@given(VALID_FILTERS, st.sampled_from(["imagetype", "platform", "limit", "os_type", "created_at", "min_disk"]))
def test_every_invalid_value_fails_before_the_network(filters: dict[str, Any], broken: str) -> None:
    bad = {"imagetype": "Gold", "platform": "Windows 11", "limit": 0, "os_type": "linux", "created_at": "gt:x"}
    filters = {**filters, broken: bad.get(broken, -5)}
    with pytest.raises(InvalidQueryError, match=rf"\b{broken}="):
        ImageQuery.model_validate(filters)


def test_times_before_the_year_1000_keep_four_digits_on_the_wire() -> None:
    query = ImageQuery(created_at="gt:0999-01-01T00:00:00Z")
    assert query.to_params() == [("created_at", "gt:0999-01-01T00:00:00Z")]
    assert ImageQuery.model_validate(dict(query.to_params())) == query  # the query reads its own output


@pytest.mark.parametrize(
    "time",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
        datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=5))),
    ],
)
def test_aware_times_at_the_edge_of_the_calendar_are_refused(time: datetime) -> None:
    with pytest.raises(InvalidQueryError, match=r"created_at=.*outside the years 1 to 9999 once in UTC"):
        ImageQuery(created_at={"op": "gt", "time": time})
    with pytest.raises(InvalidQueryError, match=r"invalid time filter: time: .*outside the years 1 to 9999"):
        TimeFilter(op="gt", time=time)


def test_a_key_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidQueryError, match="1 is not a filter name"):
        ImageQuery.model_validate({1: "x"})


def test_a_refused_name_does_not_hide_the_other_filters_problems() -> None:
    with pytest.raises(InvalidQueryError) as refused:
        ImageQuery.model_validate({"__support_s4l": 3, "plattform": "Ubuntu", "min_ram": -1, "imagetype": "gold"})
    problems = {problem.names: str(problem) for problem in refused.value.problems}
    assert set(problems) == {("__support_s4l",), ("plattform",), ("min_ram",)}
    assert "a support flag takes true, false" in problems[("__support_s4l",)]
    assert "did you mean 'platform'" in problems[("plattform",)] and "min_ram=-1" in problems[("min_ram",)]
