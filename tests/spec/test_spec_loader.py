"""Safe YAML: positions, the core schema, merge keys, tags and limits."""

from __future__ import annotations

import math
import time

import pytest

from engine.spec.yamlsafe import MAX_ALIAS_NODES, Pos, YamlProblem, parse_scalar, parse_text


def test_positions_are_one_based_and_keyed_by_document_path():
    tree = parse_text("title: hi\nshots:\n  - do:\n      - say: {who: rosa}\n", "s.yaml")
    assert tree.pos[("title",)] == Pos("s.yaml", 1, 8)
    assert tree.keypos[("title",)] == Pos("s.yaml", 1, 1)
    assert tree.pos[("shots", 0)] == Pos("s.yaml", 3, 5)
    assert tree.pos[("shots", 0, "do", 0, "say", "who")] == Pos("s.yaml", 4, 20)


def test_core_schema_keeps_norway_and_dates_as_strings():
    tree = parse_text(
        "a: no\nb: on\nc: 2026-10-02\nd: 0x1F\ne: 0o17\nf: 1.5e3\ng: ~\nh: True\ni: '5'\n"
        "j: .inf\nk: 1:30\n",
        "s.yaml",
    )
    d = tree.data
    assert d["a"] == "no" and d["b"] == "on" and d["c"] == "2026-10-02"
    assert d["d"] == 31 and d["e"] == 15 and d["f"] == 1500.0
    assert d["g"] is None and d["h"] is True and d["i"] == "5"
    assert math.isinf(d["j"]) and d["k"] == "1:30"  # no YAML 1.1 sexagesimal


def test_explicit_core_tags_are_allowed():
    d = parse_text("a: !!str 5\nb: !!int '7'\nc: !!float 2\nd: !!timestamp 2026-01-01\n", "s").data
    assert d == {"a": "5", "b": 7, "c": 2.0, "d": "2026-01-01"}


@pytest.mark.parametrize(
    "text",
    ["a: !!python/name:os.system x\n", "a: !foo 1\n", "a: !!set {x}\n", "a: !!int abc\n"],
)
def test_other_tags_are_refused(text):
    with pytest.raises(YamlProblem) as info:
        parse_text(text, "s.yaml")
    assert info.value.diagnostic.code == "yaml.tag"
    assert (info.value.diagnostic.line, info.value.diagnostic.col) == (1, 4)


def test_merge_keys_with_explicit_keys_winning_and_positions_from_the_anchor():
    text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 9\n"
    tree = parse_text(text, "s.yaml")
    assert tree.data["m"] == {"x": 9, "y": 2}
    assert tree.pos[("m", "x")] == Pos("s.yaml", 4, 6)
    assert tree.pos[("m", "y")] == Pos("s.yaml", 1, 20)


def test_merge_of_a_list_of_maps_earlier_wins():
    text = "a: &a {x: 1}\nb: &b {x: 2, y: 3}\nm:\n  <<: [*a, *b]\n"
    assert parse_text(text, "s").data["m"] == {"x": 1, "y": 3}


def test_duplicate_key_points_at_the_second():
    with pytest.raises(YamlProblem) as info:
        parse_text("a: 1\nb: 2\na: 3\n", "s.yaml")
    d = info.value.diagnostic
    assert (d.code, d.line, d.col, d.path) == ("yaml.duplicate-key", 3, 1, "a")
    assert "first at line 1" in d.message


def test_aliases_within_the_limit_work():
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
    assert parse_text(text, "s").data["b"] == [[1, 2, 3], [1, 2, 3]]


def test_billion_laughs_stops_quickly():
    text = "a: &a [" + ", ".join(["lol"] * 10) + "]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    t0 = time.perf_counter()
    with pytest.raises(YamlProblem) as info:
        parse_text(text, "s.yaml")
    assert time.perf_counter() - t0 < 0.5
    assert info.value.diagnostic.code == "limit.aliases"
    assert f"{MAX_ALIAS_NODES:,}" in info.value.diagnostic.message


def test_nesting_limit_is_64():
    ok = "a: " + "[" * 63 + "]" * 63 + "\n"
    parse_text(ok, "s")
    with pytest.raises(YamlProblem) as info:
        parse_text("a: " + "[" * 65 + "]" * 65 + "\n", "s")
    assert info.value.diagnostic.code == "limit.depth"


def test_nesting_through_aliases_is_limited_too():
    deep = "[" * 40 + "]" * 40
    text = f"a: &a {deep}\nb: &b [[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    with pytest.raises(YamlProblem) as info:
        parse_text(text, "s")
    assert info.value.diagnostic.code == "limit.depth"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a: [1,\n", "yaml.syntax"),
        ("a: 1\n---\nb: 2\n", "yaml.multi-document"),
        ("a\x00: 1", "yaml.syntax"),
    ],
)
def test_syntax_problems(text, code):
    with pytest.raises(YamlProblem) as info:
        parse_text(text, "s.yaml")
    assert info.value.diagnostic.code == code


def test_complex_keys_are_refused():
    with pytest.raises(YamlProblem) as info:
        parse_text("? [a, b]\n: 1\n", "s")
    assert info.value.diagnostic.code == "yaml.key"


def test_empty_document_is_none():
    assert parse_text("# nothing\n", "s").data is None


def test_scalar_parsing_for_command_line_values():
    assert parse_scalar("3") == 3
    assert parse_scalar("2.5") == 2.5
    assert parse_scalar("true") is True
    assert parse_scalar("no") == "no"
    assert parse_scalar("#ff0000") == "#ff0000"
