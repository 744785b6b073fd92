"""Codebooks: the built-in cop-evaluation tree, YAML round trips, and errors that name
the file, the code and the line."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import yaml

from resilience_qda.cli import main
from resilience_qda.core.errors import CodebookError
from resilience_qda.core.model import slugify
from resilience_qda.io.codebook import (
    codebook_from_yaml,
    codebook_to_yaml,
    read_codebook,
    write_codebook,
)

GROUP_SIZES = {
    "themes": 4,
    "practice-elements/meanings": 5,
    "practice-elements/competencies": 6,
    "practice-elements/materials": 8,
    "framework/basics": 8,
    "framework/belonging": 12,
    "framework/learning": 6,
    "framework/coping": 9,
    "framework/core-self": 6,
    "noble-truths": 4,
    "context": 8,
    "steps": 10,
    "counter-evidence": 4,
}


@pytest.fixture(scope="module")
def builtin():
    return read_codebook("cop-evaluation")


# --------------------------------------------------------------------------- built-in


def test_builtin_has_every_group_of_the_study_with_its_children(builtin):
    assert builtin.roots == [
        "themes",
        "practice-elements",
        "framework",
        "noble-truths",
        "context",
        "steps",
        "counter-evidence",
    ]
    assert {g: len(builtin.children(g)) for g in GROUP_SIZES} == GROUP_SIZES
    assert len(builtin) == 105


def test_builtin_paths_are_the_slugs_of_the_names(builtin):
    for code in builtin:
        assert code.path.rsplit("/", 1)[-1] == slugify(code.name), code.path
    assert "practice-elements/competencies/shared-situated-knowledge" in builtin
    assert "framework/core-self/understand-other-peoples-feelings" in builtin
    assert "steps/what-have-i-learnt" in builtin


def test_every_leaf_has_a_definition_a_second_coder_can_apply(builtin):
    leaves = [c for c in builtin if not builtin.children(c.path)]
    for code in leaves:
        assert code.description and code.include and code.exclude, code.path
        assert code.examples, code.path
        if code.negative:  # counter-evidence is a reader's judgement: no rule patterns
            assert not code.patterns, code.path
        else:
            assert len(code.patterns.get("phrases", [])) >= 3, code.path


def test_builtin_marks_the_counter_evidence_negative_and_nothing_else(builtin):
    assert builtin.negative == ["counter-evidence", *builtin.children("counter-evidence")]
    assert {"scepticism-about-the-framework", "practice-unchanged", "resistance"} <= {
        p.rsplit("/", 1)[-1] for p in builtin.negative
    }
    frame = builtin.to_frame().set_index("code")
    assert frame.loc["counter-evidence/resistance", "negative"]
    assert not frame.loc["themes/more-reflexive", "negative"]


def test_negative_must_be_true_or_false_and_survives_a_round_trip(tmp_path):
    text = "codes:\n  - name: Doubt\n    negative: true\n  - name: Hope\n"
    book = codebook_from_yaml(text)
    assert book.negative == ["doubt"]
    assert "negative: true" in codebook_to_yaml(book)
    assert codebook_from_yaml(codebook_to_yaml(book)).negative == ["doubt"]
    with pytest.raises(CodebookError, match=r"line 2: code 'doubt': 'negative' must be true or"):
        codebook_from_yaml("codes:\n  - name: Doubt\n    negative: sometimes\n")


def test_builtin_examples_are_not_patterns_of_their_own_code(builtin):
    # examples illustrate; patterns generalise (a pasted example would be overfitting)
    for code in builtin:
        phrases = {p.lower() for p in code.patterns.get("phrases", [])}
        assert not phrases & {e.lower() for e in code.examples}, code.path


def test_yaml_round_trip_keeps_every_field(builtin, tmp_path):
    path = tmp_path / "cb.yaml"
    write_codebook(builtin, path)
    again = read_codebook(path)
    pd.testing.assert_frame_equal(again.to_frame(), builtin.to_frame())
    assert [dict(c.patterns) for c in again] == [dict(c.patterns) for c in builtin]
    assert again.lines["themes"] > 0


# --------------------------------------------------------------------------- errors


def _error(text: str) -> str:
    with pytest.raises(CodebookError) as info:
        codebook_from_yaml(text, origin="my.yaml")
    return str(info.value)


def test_bad_yaml_names_file_line_and_column():
    msg = _error("codes:\n  - name: A\n    children:\n     - B\n    - C\n")
    assert msg.startswith("my.yaml, line 5, column 5: not valid YAML")


def test_duplicate_code_names_both_lines():
    msg = _error("codes:\n  - name: Themes\n  - name: Themes\n")
    assert "line 3" in msg and "'themes' appears twice" in msg and "line 2" in msg


def test_duplicate_key_in_a_code_is_refused_not_silently_overwritten():
    msg = _error("codes:\n  - name: A\n    description: one\n    description: two\n")
    assert "line 4" in msg and "'description' appears twice" in msg


def test_unknown_parent_is_named():
    msg = _error("codes:\n  - name: A\n  - name: B\n    parent: nowhere\n")
    assert "line 3" in msg and "unknown parent 'nowhere'" in msg


def test_flat_codebook_with_parent_keys_builds_the_tree():
    cb = codebook_from_yaml("codes:\n  - name: A\n  - name: B C\n    parent: a\n")
    assert cb.paths == ["a", "a/b-c"]


def test_unknown_code_key_is_named():
    msg = _error("codes:\n  - name: A\n    colour: red\n")
    assert "line 2" in msg and "code 'A'" in msg and "colour" in msg


def test_pattern_of_the_wrong_shape_names_code_and_line():
    msg = _error(
        "codes:\n  - name: A\n    children:\n      - name: B\n        patterns:\n"
        "          tokens: [[LEMMA]]\n"
    )
    assert "line 4" in msg and "code 'a/b'" in msg and "patterns.tokens[0]" in msg


def test_yaml_boolean_in_a_pattern_gets_a_hint():
    msg = _error("codes:\n  - name: A\n    patterns:\n      phrases: [no]\n")
    assert "quote the word" in msg
    msg = _error("codes:\n  - name: A\n    patterns:\n      tokens: [[{LOWER: {IN: [no]}}]]\n")
    assert "LOWER" in msg and "quote the word" in msg


def test_unknown_pattern_key_and_bad_weight_are_named():
    assert "regex" in _error("codes:\n  - name: A\n    patterns: {regex: [x]}\n")
    assert "weight" in _error("codes:\n  - name: A\n    patterns: {phrases: [x], weight: -1}\n")


def test_missing_codebook_lists_the_built_in_ones(tmp_path):
    with pytest.raises(CodebookError, match="cop-evaluation"):
        read_codebook(tmp_path / "nope.yaml")


# --------------------------------------------------------------------------- command


def test_codebook_command_prints_csv_with_paths_and_patterns(capsys):
    assert main(["codebook", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert {"code", "parent", "name", "description", "patterns"} <= set(table.columns)
    row = table.set_index("code").loc["context/feeling-isolated"]
    assert row["parent"] == "context" and "isolated" in row["patterns"]


def test_codebook_command_prints_yaml_that_reads_back(capsys, builtin):
    assert main(["codebook", "cop-evaluation"]) == 0
    again = codebook_from_yaml(capsys.readouterr().out)
    assert again.paths == builtin.paths


def test_codebook_command_reports_a_broken_file_on_stderr(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("codes:\n  - name: A\n  - name: A\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "resilience_qda", "codebook", str(bad)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1 and run.stdout == ""
    assert f"{bad}, line 3" in run.stderr and "Traceback" not in run.stderr


def test_codebook_yaml_output_is_plain_yaml(builtin):
    tree = yaml.safe_load(codebook_to_yaml(builtin))
    assert tree["name"] == "cop-evaluation" and len(tree["codes"]) == 7
