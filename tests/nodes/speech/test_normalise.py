"""Written transcripts → the words a reader says, each tied to what was written."""

from __future__ import annotations

import pytest

from engine.nodes.speech.lexicon import arpabet, pronunciations
from engine.nodes.speech.normalise import spoken_tokens, spoken_words


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("In 1990, 21 people", "in nineteen ninety twenty one people"),
        ("the 1990s", "the nineteen nineties"),
        ("1,500 and 2,000,000", "one thousand five hundred and two million"),
        ("pi is 3.14", "pi is three point one four"),
        ("the 3rd and 22nd", "the third and twenty second"),
        ("at 10:30 or 10:05 or 7:00", "at ten thirty or ten oh five or seven o'clock"),
        ("on December 25 2026", "on december twenty fifth twenty twenty six"),
        ("on 2026-12-07", "on december seventh twenty twenty six"),
        ("on 12/7/2026", "on december seventh twenty twenty six"),
        (
            "$4.50, $1, £3 and €2.01",
            "four dollars fifty cents one dollar three pounds and two euros one cent",
        ),
        ("$1.5 million", "one point five million dollars"),
        ("20% & 5 + 5 = 10", "twenty percent and five plus five equals ten"),
        ("Mr. Smith met Dr Jones on St. Mark's", "mister smith met doctor jones on saint mark's"),
        ("No. 5 said no.", "number five said no"),
        ("the U.S.A. etc.", "the u s a et cetera"),
        ("a well-known façade", "a well known façade"),
        ("beauty's rose, feed'st thy light’s flame", "beauty's rose feed'st thy light's flame"),
    ],
)
def test_a_reader_says(written, said):
    assert " ".join(spoken_words(written)) == said


def test_tokens_keep_what_was_written_and_where():
    tokens = spoken_tokens("Paid $4.50 on May 3rd.")
    assert [t.written for t in tokens] == ["Paid", "$4.50", "on", "May", "3rd"]
    assert tokens[1].start == 5 and tokens[1].spoken == ("four", "dollars", "fifty", "cents")
    assert tokens[-1].spoken == ("third",)


def test_espeak_ipa_maps_to_the_aligners_phones():
    assert arpabet(["b", "j", "ˈuː", "ɾ", "i", "z"]) == ["B", "Y", "UW", "T", "IY", "Z"]
    assert arpabet(["tʃ", "ˈɜː", "l"]) == ["CH", "ER", "L"]
    assert arpabet(["k", "w", "ˈaɪɚ"]) == ["K", "W", "AY", "ER"]
    assert arpabet(["ɡ", "l", "ˈʌ", "ʔ", "n̩"]) == ["G", "L", "AH", "T", "AH", "N"]


def test_words_outside_the_dictionary_get_espeak_pronunciations():
    said = pronunciations(["feed'st", "churl", "niggarding", "façade"])
    assert said["feed'st"] == "F IY D S T"
    assert said["churl"] == "CH ER L"
    assert said["façade"].split()[-2:] == ["AA", "D"]
    assert all(said.values())
