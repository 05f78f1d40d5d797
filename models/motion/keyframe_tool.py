"""Keyframe tool: author the hand-made moves of the library from named body-part poses.

    .venv/bin/python models/motion/keyframe_tool.py          # rewrite library/<style>.yaml
    .venv/bin/python models/motion/keyframe_tool.py --draw /tmp/moves.png   # contact sheet

Moves are written here as keyframes of named presets (an arm "up", a leg "plie")
given for the dancer's left side; right-side presets are mirrored (angle -> 180 -
angle). The tool expands them into absolute bone angles in degrees and writes one
YAML file a style under ``engine/nodes/motion/library/``, listing only the bones that
differ from the rest pose. The YAML files are what the engine loads; this script is
how they were drafted, so edit here and re-run.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from engine.nodes.motion.library import DEFAULT_LENGTHS, REST_POSE_DEG
from engine.nodes.motion.skeleton import BONES, NOSE, forward

LIBRARY = Path(__file__).resolve().parents[2] / "engine/nodes/motion/library"
OURS = "Photoplay authors"
LICENCE = "CC0-1.0"

# Left arm presets: (upper arm, forearm) degrees; 0 = out to the dancer's left, 90 = down.
ARMS = {
    "down": (80, 85),
    "low": (45, 50),
    "side": (0, 0),
    "side_up": (-30, -35),
    "up": (-78, -85),
    "v": (-50, -50),
    "hip": (50, 130),
    "chest": (70, 180),  # forearm across the chest, hand near the midline
    "goal": (0, -90),  # elbow at shoulder height, forearm up
    "pump": (-55, -95),
    "swing": (70, 20),  # elbow low, forearm forward and out
    "point": (-60, -60),
    "point_low": (115, 125),  # down across the body
    "wave_a": (-35, -65),
    "wave_b": (-35, -115),
    "crown": (-60, -140),  # hand above the head
    "robot": (0, 90),  # elbow out, forearm hanging
    "robot_b": (75, 0),  # elbow down, forearm out
    "shoulder": (-5, 8),  # sirtaki: arm along neighbours' shoulders
    "offer": (55, 10),  # forearm forward, palm up
    "clasp": (75, 150),  # hands joined low in front
}
# Left leg presets: (thigh, shin, foot) degrees.
LEGS = {
    "stand": (88, 90, 60),
    "wide": (76, 82, 45),
    "plie": (62, 112, 55),  # knee out over the toe, hips sink
    "tap": (62, 64, 30),  # leg out to the side, toe on the floor
    "kick": (25, 28, 5),  # leg kicked out to the side
    "knee": (20, 105, 60),  # knee raised out to the side, shin hanging
    "cross": (100, 96, 70),  # stepping across towards the midline
    "bend": (80, 100, 60),  # soft knee
    "twist": (68, 108, 40),  # knees turned towards the dancer's left
    "twist_o": (112, 72, 140),  # ... and the other way
}


def _mirror(angle: float) -> float:
    return 180.0 - angle


@dataclass
class K:
    """A keyframe: presets for each limb (left, right), spine lean, hips, shoulders."""

    beat: float
    arms: tuple = ("down", "down")
    legs: tuple = ("stand", "stand")
    lean: float = 0.0  # degrees the torso tips towards the dancer's left (+) or right (-)
    head: float = 0.0  # extra head tilt, degrees, + towards the dancer's left
    hips: float = 0.0  # pelvis tilt, degrees
    shrug: tuple = (0.0, 0.0)  # degrees each shoulder rises
    root: tuple = (0.0, 0.0)
    hit: float | None = None

    def pose(self) -> dict[str, float]:
        p = dict(REST_POSE_DEG)
        spine = -90.0 + self.lean
        p["spine"] = spine
        p["neck"] = -90.0 + 0.5 * self.lean + self.head
        p["l_collar"] = self.lean - self.shrug[0]
        p["r_collar"] = 180.0 + self.lean + self.shrug[1]
        p["l_pelvis"], p["r_pelvis"] = self.hips, 180.0 + self.hips
        for side, arm in zip("lr", self.arms, strict=True):
            up, fore = ARMS[arm] if isinstance(arm, str) else arm
            if side == "r":
                up, fore = _mirror(up), _mirror(fore)
            p[f"{side}_upper_arm"], p[f"{side}_forearm"] = up, fore
        for side, leg in zip("lr", self.legs, strict=True):
            angles = LEGS[leg] if isinstance(leg, str) else leg
            if side == "r":
                angles = tuple(_mirror(a) for a in angles)
            p[f"{side}_thigh"], p[f"{side}_shin"], p[f"{side}_foot"] = angles
        return {b: round(float(v), 1) for b, v in p.items() if abs(v - REST_POSE_DEG[b]) > 1e-6}

    def to_doc(self) -> dict:
        doc: dict = {"beat": self.beat, "pose": self.pose()}
        if any(self.root):
            doc["root"] = [float(v) for v in self.root]
        if self.hit is not None:
            doc["hit"] = self.hit
        return doc


@dataclass
class M:
    name: str
    beats: int
    energy: float
    keys: list
    body: str = "full"
    mirror: bool = True
    extra: dict = field(default_factory=dict)

    def to_doc(self) -> dict:
        doc = {"name": self.name, "beats": self.beats, "energy": self.energy, "body": self.body}
        doc["mirror"] = self.mirror
        return doc | self.extra | {"keys": [k.to_doc() for k in self.keys]}


def step_lr(beat: float, arms: tuple, side: str, **kw) -> K:
    """A side step: the weight on one leg, the other tapping out, hips shifted over it."""
    legs = ("tap", "stand") if side == "l" else ("stand", "tap")
    dx = 0.15 if side == "l" else -0.15
    return K(beat, arms, legs, root=(dx, 0.0), **kw)


STYLES: dict[str, dict] = {}


def style(name, title, context, origin, moves, meter=None):
    STYLES[name] = {
        "style": name,
        "title": title,
        "context": context,
        "origin": " ".join(origin.split()),
        "credit": f"{OURS}, {LICENCE}",
        "licence": LICENCE,
        **({"meter": meter} if meter else {}),
        "moves": moves,
    }


style(
    "swing",
    "Swing (Lindy Hop-inspired solo steps)",
    "social",
    """The Lindy Hop grew up in the late 1920s and 1930s among African American dancers
    in Harlem, New York, at ballrooms such as the Savoy, danced to swing jazz; the
    Charleston before it is also an African American dance of the 1920s. These are
    simplified solo steps in that spirit, not a record of the partnered dance.""",
    [
        M(
            "swing_kick_step",
            4,
            0.6,
            [
                K(0, ("swing", "swing"), ("bend", "bend"), root=(0, 0.02)),
                K(1, ("swing", "low"), ("kick", "stand"), lean=-5, root=(-0.1, 0)),
                K(2, ("swing", "swing"), ("bend", "bend"), root=(0, 0.02)),
                K(3, ("low", "swing"), ("stand", "kick"), lean=5, root=(0.1, 0)),
            ],
        ),
        M(
            "swing_charleston",
            4,
            0.75,
            [
                K(0, ("low", "low"), ("twist", "twist_o"), root=(0.05, 0)),
                K(1, ("side", "low"), ("tap", "stand"), lean=-6, root=(-0.12, 0)),
                K(2, ("low", "low"), ("twist_o", "twist"), root=(-0.05, 0)),
                K(3, ("low", "side"), ("stand", "tap"), lean=6, root=(0.12, 0)),
            ],
        ),
        M(
            "swing_triple_step",
            2,
            0.55,
            [
                K(0, ("swing", "swing"), ("bend", "stand"), root=(0.08, 0.01)),
                K(0.5, ("swing", "swing"), ("stand", "stand"), hips=4),
                K(1, ("swing", "swing"), ("stand", "bend"), root=(-0.08, 0.01)),
                K(1.5, ("swing", "swing"), ("stand", "stand"), hips=-4),
            ],
        ),
        M(
            "swing_shorty_george",
            4,
            0.5,
            [
                K(0, ("point_low", "swing"), ("plie", "bend"), lean=-4),
                K(1, ("swing", "point_low"), ("bend", "plie"), lean=4),
                K(2, ("point_low", "swing"), ("plie", "bend"), lean=-4, root=(0.05, 0)),
                K(3, ("swing", "point_low"), ("bend", "plie"), lean=4, root=(-0.05, 0)),
            ],
        ),
        M(
            "swing_jazz_hands",
            4,
            0.65,
            [
                K(0, ("low", "low"), ("bend", "bend")),
                K(1, ("side_up", "side_up"), ("wide", "wide"), shrug=(8, 8)),
                K(2, ("low", "low"), ("bend", "bend")),
                K(3, ("v", "v"), ("wide", "wide"), head=-6),
            ],
        ),
        M(
            "swing_boogie_back",
            4,
            0.45,
            [
                K(0, ("swing", "swing"), ("bend", "bend"), lean=-3),
                K(1, ("chest", "swing"), ("stand", "bend"), lean=3, shrug=(6, 0)),
                K(2, ("swing", "swing"), ("bend", "bend"), lean=-3),
                K(3, ("swing", "chest"), ("bend", "stand"), lean=3, shrug=(0, 6)),
            ],
        ),
    ],
)

style(
    "disco",
    "Disco",
    "social",
    """Disco dancing took shape in 1970s nightclubs in the United States, notably in New
    York and Philadelphia, where African American, Latino and gay communities shaped
    both the music and the dance floor. These are familiar solo gestures of the era
    (the point, the roll, hustle-style side steps), authored for Photoplay.""",
    [
        M(
            "disco_point",
            4,
            0.7,
            [
                K(0, ("hip", "point_low"), ("bend", "stand"), lean=-4, root=(0.04, 0)),
                K(1, ("hip", "point"), ("stand", "tap"), lean=6, root=(0.1, 0)),
                K(2, ("hip", "point_low"), ("bend", "stand"), lean=-4, root=(0.04, 0)),
                K(3, ("hip", "point"), ("stand", "tap"), lean=6, root=(0.1, 0)),
            ],
        ),
        M(
            "disco_roll",
            4,
            0.6,
            [
                K(0, ("chest", "chest"), ("bend", "bend")),
                K(0.5, ((60, 170), (70, 200)), ("bend", "bend")),
                K(1, ("goal", "robot_b"), ("stand", "stand"), lean=-4),
                K(2, ("chest", "chest"), ("bend", "bend")),
                K(2.5, ((60, 170), (70, 200)), ("bend", "bend")),
                K(3, ("robot_b", "goal"), ("stand", "stand"), lean=4),
            ],
            body="full",
        ),
        M(
            "disco_hustle_side",
            4,
            0.65,
            [
                step_lr(0, ("swing", "swing"), "l"),
                K(1, ("low", "low"), ("bend", "bend"), root=(0.05, 0.02)),
                step_lr(2, ("swing", "swing"), "r"),
                K(3, ("low", "low"), ("bend", "bend"), root=(-0.05, 0.02)),
            ],
        ),
        M(
            "disco_finger_wag",
            4,
            0.55,
            [
                K(0, ("point", "hip"), ("bend", "stand"), hips=5),
                K(1, ("wave_a", "hip"), ("stand", "bend"), hips=-5),
                K(2, ("point", "hip"), ("bend", "stand"), hips=5),
                K(3, ("wave_b", "hip"), ("stand", "bend"), hips=-5),
            ],
        ),
        M(
            "disco_arm_sweep",
            4,
            0.5,
            [
                K(0, ("up", "down"), lean=6, shrug=(6, 0)),
                K(1, ("side", "low"), lean=2),
                K(2, ("down", "up"), lean=-6, shrug=(0, 6)),
                K(3, ("low", "side"), lean=-2),
            ],
            body="upper",
        ),
        M(
            "disco_bump",
            4,
            0.7,
            [
                K(0, ("hip", "hip"), ("bend", "stand"), hips=8, root=(0.12, 0)),
                K(1, ("low", "low"), ("bend", "bend")),
                K(2, ("hip", "hip"), ("stand", "bend"), hips=-8, root=(-0.12, 0)),
                K(3, ("low", "low"), ("bend", "bend")),
            ],
        ),
    ],
)

style(
    "hiphop",
    "Hip-hop and popping-inspired grooves",
    "social",
    """Hip-hop culture began in the Bronx, New York, in the 1970s, in African American and
    Latino communities; popping developed in Fresno, California, in the 1970s and is
    associated with Boogaloo Sam and the Electric Boogaloos. These are simple grooves
    inspired by them (bounces, hits, arm waves), not the vocabulary of any crew.""",
    [
        M(
            "hiphop_bounce",
            2,
            0.5,
            [
                K(0, ("swing", "swing"), ("plie", "plie"), lean=-3),
                K(1, ("low", "low"), ("wide", "wide"), lean=3),
            ],
        ),
        M(
            "hiphop_pop_hit",
            4,
            0.8,
            [
                K(0, ("robot", "robot"), ("wide", "wide"), hit=1.0),
                K(1, ("goal", "robot"), ("plie", "wide"), shrug=(8, 0), hit=1.0),
                K(2, ("robot_b", "robot_b"), ("wide", "wide"), hit=1.0),
                K(3, ("robot", "goal"), ("wide", "plie"), shrug=(0, 8), hit=1.0),
            ],
        ),
        M(
            "hiphop_arm_wave",
            4,
            0.55,
            [
                K(0, ("side", "down"), lean=-3),
                K(1, ("side_up", "side"), shrug=(6, 0)),
                K(2, ("down", "side"), lean=3),
                K(3, ("side", "side_up"), shrug=(0, 6)),
            ],
            body="upper",
        ),
        M(
            "hiphop_rock",
            4,
            0.6,
            [
                K(0, ("chest", "swing"), ("plie", "plie"), lean=-8, root=(0, 0)),
                K(1, ("low", "low"), ("wide", "wide"), lean=4),
                K(2, ("swing", "chest"), ("plie", "plie"), lean=8),
                K(3, ("low", "low"), ("wide", "wide"), lean=-4),
            ],
        ),
        M(
            "hiphop_step_touch",
            4,
            0.65,
            [
                step_lr(0, ("swing", "chest"), "l", hit=0.8),
                K(1, ("chest", "swing"), ("plie", "plie")),
                step_lr(2, ("chest", "swing"), "r", hit=0.8),
                K(3, ("swing", "chest"), ("plie", "plie")),
            ],
        ),
        M(
            "hiphop_raise_roof",
            2,
            0.75,
            [
                K(0, ("goal", "goal"), ("plie", "plie"), shrug=(5, 5)),
                K(1, ("crown", "crown"), ("wide", "wide"), shrug=(12, 12), head=-5),
            ],
        ),
    ],
)

style(
    "twist",
    "Twist and early rock'n'roll",
    "social",
    """The Twist became a worldwide craze after Chubby Checker's 1960 recording of
    "The Twist", a song written and first recorded by Hank Ballard; it belongs with the
    solo rock'n'roll dances of late-1950s and early-1960s America. Moves authored for
    Photoplay in that spirit.""",
    [
        M(
            "twist_basic",
            2,
            0.7,
            [
                K(0, ("low", "swing"), ("twist", "twist_o"), lean=-5, root=(0.03, 0)),
                K(1, ("swing", "low"), ("twist_o", "twist"), lean=5, root=(-0.03, 0)),
            ],
        ),
        M(
            "twist_low",
            4,
            0.8,
            [
                K(0, ("low", "swing"), ("twist", "twist_o"), lean=-6),
                K(1, ("swing", "low"), ("plie", "plie"), lean=6),
                K(2, ("low", "swing"), ("twist_o", "twist"), lean=-6),
                K(3, ("swing", "low"), ("wide", "wide"), lean=6),
            ],
        ),
        M(
            "twist_one_leg",
            4,
            0.85,
            [
                K(0, ("side_up", "low"), ("knee", "stand"), lean=-6),
                K(1, ("low", "side_up"), ("twist", "twist_o"), lean=4),
                K(2, ("side_up", "low"), ("knee", "stand"), lean=-6),
                K(3, ("low", "side_up"), ("twist_o", "twist"), lean=4),
            ],
        ),
        M(
            "rocknroll_hand_jive",
            4,
            0.6,
            [
                K(0, ("chest", "chest"), ("bend", "bend")),
                K(1, ("offer", "offer"), ("stand", "stand")),
                K(2, ("robot_b", "robot_b"), ("bend", "bend")),
                K(3, ("pump", "down"), ("stand", "stand"), shrug=(6, 0)),
            ],
        ),
        M(
            "rocknroll_kick_ball",
            4,
            0.8,
            [
                K(0, ("swing", "swing"), ("kick", "stand"), root=(-0.12, 0)),
                K(1, ("low", "low"), ("bend", "bend")),
                K(2, ("swing", "swing"), ("stand", "kick"), root=(0.12, 0)),
                K(3, ("low", "low"), ("bend", "bend")),
            ],
        ),
    ],
)

style(
    "tarantella",
    "Tarantella (Southern Italian folk)",
    "social",
    """Tarantella is a family of fast folk dances from Southern Italy (Campania, Calabria,
    Apulia, Sicily and elsewhere), usually in 6/8 or 12/8 time, often danced with
    tambourines and castanets at festivals and weddings. Its name is linked to Taranto
    and to tarantism, a folk belief about a spider's bite cured by dancing; some regional
    forms, such as the Apulian pizzica, once had ritual healing uses. These are generic
    social steps (skips, hops, turns, raised-arm tambourine gestures) authored for
    Photoplay, not a reconstruction of any village's dance.""",
    [
        M(
            "tarantella_skip",
            2,
            0.8,
            [
                K(0, ("crown", "hip"), ("knee", "stand"), lean=-4, root=(-0.08, -0.04)),
                K(1, ("hip", "crown"), ("stand", "knee"), lean=4, root=(0.08, -0.04)),
            ],
        ),
        M(
            "tarantella_tambourine",
            4,
            0.7,
            [
                K(0, ("up", "hip"), ("bend", "stand"), head=-6, shrug=(8, 0)),
                K(1, ("crown", "hip"), ("stand", "bend"), head=-3),
                K(2, ("up", "hip"), ("bend", "stand"), head=-6, shrug=(8, 0)),
                K(3, ("v", "low"), ("stand", "stand"), head=3),
            ],
        ),
        M(
            "tarantella_heel_toe",
            4,
            0.75,
            [
                K(0, ("hip", "hip"), ("tap", "bend"), lean=-4),
                K(1, ("hip", "hip"), ("bend", "bend")),
                K(2, ("hip", "hip"), ("bend", "tap"), lean=4),
                K(3, ("hip", "hip"), ("bend", "bend")),
            ],
        ),
        M(
            "tarantella_castanets",
            4,
            0.65,
            [
                K(0, ("v", "v"), ("bend", "bend"), shrug=(6, 6)),
                K(1, ("crown", "side_up"), ("stand", "stand"), lean=-4),
                K(2, ("v", "v"), ("bend", "bend"), shrug=(6, 6)),
                K(3, ("side_up", "crown"), ("stand", "stand"), lean=4),
            ],
            body="full",
        ),
        M(
            "tarantella_hop_turn",
            4,
            0.9,
            [
                K(0, ("side", "side"), ("knee", "stand"), root=(0, -0.06)),
                K(1, ("side_up", "side_up"), ("stand", "stand"), lean=4),
                K(2, ("side", "side"), ("stand", "knee"), root=(0, -0.06)),
                K(3, ("side_up", "side_up"), ("stand", "stand"), lean=-4),
            ],
        ),
        M(
            "tarantella_arm_swing",
            4,
            0.55,
            [
                K(0, ("up", "low"), lean=-5, shrug=(6, 0)),
                K(1, ("side_up", "side_up"), shrug=(3, 3)),
                K(2, ("low", "up"), lean=5, shrug=(0, 6)),
                K(3, ("side_up", "side_up"), shrug=(3, 3)),
            ],
            body="upper",
        ),
    ],
)

style(
    "sirtaki",
    "Sirtaki (Greek-inspired line dance)",
    "social",
    """Sirtaki was created in 1964 for the film Zorba the Greek, to music by Mikis
    Theodorakis, drawing on the older Greek hasapiko with its slow and fast parts. It is
    danced in a line with hands on neighbours' shoulders; here one dancer does it
    alone, arms held out at shoulder height. Steps authored for Photoplay.""",
    [
        M(
            "sirtaki_side_step",
            4,
            0.45,
            [
                K(0, ("shoulder", "shoulder"), ("tap", "stand"), root=(0.12, 0)),
                K(1, ("shoulder", "shoulder"), ("cross", "bend"), root=(0.05, 0)),
                K(2, ("shoulder", "shoulder"), ("tap", "stand"), root=(0.14, 0)),
                K(3, ("shoulder", "shoulder"), ("bend", "bend"), root=(0.05, 0.01)),
            ],
        ),
        M(
            "sirtaki_dip_kick",
            4,
            0.7,
            [
                K(0, ("shoulder", "shoulder"), ("plie", "plie")),
                K(1, ("shoulder", "shoulder"), ("kick", "stand"), root=(-0.12, 0)),
                K(2, ("shoulder", "shoulder"), ("plie", "plie")),
                K(3, ("shoulder", "shoulder"), ("stand", "kick"), root=(0.12, 0)),
            ],
        ),
        M(
            "sirtaki_cross_tap",
            4,
            0.55,
            [
                K(0, ("shoulder", "shoulder"), ("cross", "stand")),
                K(1, ("shoulder", "shoulder"), ("tap", "stand"), root=(0.1, 0)),
                K(2, ("shoulder", "shoulder"), ("stand", "cross")),
                K(3, ("shoulder", "shoulder"), ("stand", "tap"), root=(-0.1, 0)),
            ],
        ),
        M(
            "sirtaki_hop_fast",
            2,
            0.9,
            [
                K(0, ("shoulder", "shoulder"), ("knee", "stand"), root=(0.06, -0.05)),
                K(1, ("shoulder", "shoulder"), ("stand", "knee"), root=(-0.06, -0.05)),
            ],
        ),
        M(
            "sirtaki_arms_sway",
            4,
            0.35,
            [
                K(0, ("shoulder", "shoulder"), lean=-4),
                K(1, ("side_up", "shoulder"), lean=-2, shrug=(5, 0)),
                K(2, ("shoulder", "shoulder"), lean=4),
                K(3, ("shoulder", "side_up"), lean=2, shrug=(0, 5)),
            ],
            body="upper",
        ),
    ],
)

style(
    "waltz",
    "Waltz (solo figures in 3/4)",
    "social",
    """The waltz developed from country dances of Austria and southern Germany in the late
    18th century and became the ballroom dance of 19th-century Europe, in 3/4 time. It
    is a couple dance in closed hold; these are solo sway and arm figures in its rhythm,
    authored for Photoplay.""",
    [
        M(
            "waltz_box_sway",
            3,
            0.35,
            [
                K(0, ("low", "low"), ("plie", "bend"), lean=-4, root=(0.06, 0)),
                K(1, ("side", "low"), ("stand", "stand"), lean=2, root=(0, -0.02)),
                K(2, ("low", "side"), ("stand", "stand"), lean=4, root=(-0.04, -0.02)),
            ],
            extra={"meter": 3},
        ),
        M(
            "waltz_arm_arc",
            3,
            0.3,
            [
                K(0, ("low", "low"), lean=-3),
                K(1, ("wave_a", "low"), lean=2),
                K(2, ("side", "side_up"), lean=4),
            ],
            body="upper",
            extra={"meter": 3},
        ),
        M(
            "waltz_balance",
            6,
            0.4,
            [
                K(0, ("side", "side"), ("bend", "tap"), root=(0.12, 0.01)),
                K(1, ("side_up", "side"), ("stand", "stand"), root=(0.06, -0.02)),
                K(2, ("side", "side"), ("stand", "stand"), root=(0.08, -0.02), lean=3),
                K(3, ("side", "side"), ("tap", "bend"), root=(-0.12, 0.01)),
                K(4, ("side", "side_up"), ("stand", "stand"), root=(-0.06, -0.02)),
                K(5, ("side", "side"), ("stand", "stand"), root=(-0.08, -0.02), lean=-3),
            ],
            extra={"meter": 3},
        ),
        M(
            "waltz_reach",
            3,
            0.45,
            [
                K(0, ("low", "low"), ("plie", "bend"), lean=-3),
                K(1, ("up", "side"), ("stand", "stand"), lean=4, head=-5),
                K(2, ("side_up", "low"), ("stand", "stand"), lean=2),
            ],
            extra={"meter": 3},
        ),
    ],
    meter=3,
)

style(
    "party",
    "Party (generic social moves)",
    "social",
    """Widely shared party moves with no single origin or owner (side steps, claps, fist
    pumps, sways), authored for Photoplay as a neutral default style.""",
    [
        M(
            "party_step_clap",
            2,
            0.5,
            [
                step_lr(0, ("low", "low"), "l"),
                K(1, ("chest", "chest"), ("bend", "bend"), hit=0.9),
            ],
        ),
        M(
            "party_sway",
            4,
            0.3,
            [
                K(0, ("low", "low"), ("bend", "stand"), lean=-3, hips=4, root=(0.05, 0)),
                K(1, ("down", "down"), ("stand", "stand")),
                K(2, ("low", "low"), ("stand", "bend"), lean=3, hips=-4, root=(-0.05, 0)),
                K(3, ("down", "down"), ("stand", "stand")),
            ],
        ),
        M(
            "party_fist_pump",
            2,
            0.9,
            [
                K(0, ("pump", "hip"), ("plie", "plie"), hit=1.0),
                K(1, ("goal", "hip"), ("wide", "wide"), shrug=(6, 0)),
            ],
        ),
        M(
            "party_wave_hands",
            4,
            0.6,
            [
                K(0, ("wave_a", "wave_a"), shrug=(4, 4)),
                K(1, ("wave_b", "wave_b"), lean=-3),
                K(2, ("wave_a", "wave_a"), shrug=(4, 4)),
                K(3, ("wave_b", "wave_b"), lean=3),
            ],
            body="upper",
        ),
        M(
            "party_clap_up",
            2,
            0.65,
            [
                K(0, ("chest", "chest"), hit=1.0),
                K(1, ("v", "v"), shrug=(6, 6), head=-4),
            ],
            body="upper",
        ),
        M(
            "party_shoulder_shimmy",
            2,
            0.45,
            [
                K(0, ("swing", "swing"), shrug=(10, 0), lean=-2),
                K(1, ("swing", "swing"), shrug=(0, 10), lean=2),
            ],
            body="upper",
        ),
        M(
            "party_bounce_point",
            4,
            0.7,
            [
                K(0, ("point", "hip"), ("plie", "plie")),
                K(1, ("low", "hip"), ("wide", "wide")),
                K(2, ("hip", "point"), ("plie", "plie")),
                K(3, ("hip", "low"), ("wide", "wide")),
            ],
        ),
    ],
)

style(
    "procession",
    "Processional steps (ceremonial; needs cultural review)",
    "ceremonial",
    """Slow processional steps and bows of the kind used in weddings, funerals, religious
    processions and other ceremonies in many cultures. They reproduce no specific
    tradition. The style is marked ceremonial because in a real ceremony such movement
    carries meaning that belongs to the community performing it: a scene that uses it
    must name a cultural review (who reviewed it, when, and a note).""",
    [
        M(
            "procession_step",
            4,
            0.15,
            [
                K(0, ("clasp", "clasp"), ("tap", "stand"), root=(0.06, 0)),
                K(1, ("clasp", "clasp"), ("stand", "stand"), head=3),
                K(2, ("clasp", "clasp"), ("stand", "tap"), root=(-0.06, 0)),
                K(3, ("clasp", "clasp"), ("stand", "stand"), head=-3),
            ],
        ),
        M(
            "procession_bow",
            4,
            0.1,
            [
                K(0, ("clasp", "clasp")),
                K(1, ("clasp", "clasp"), head=12),
                K(2, ("clasp", "clasp"), head=18, shrug=(-3, -3)),
                K(3, ("clasp", "clasp"), head=6),
            ],
            body="upper",
            mirror=False,
        ),
        M(
            "procession_offer",
            4,
            0.2,
            [
                K(0, ("clasp", "clasp")),
                K(1, ("offer", "offer"), head=4),
                K(2, ("low", "low"), shrug=(3, 3)),
                K(3, ("offer", "offer"), head=-2),
            ],
            body="upper",
            mirror=False,
        ),
    ],
)


def write() -> None:
    for name, doc in STYLES.items():
        doc = dict(doc)
        doc["moves"] = [m.to_doc() for m in doc["moves"]]
        text = yaml.safe_dump(doc, sort_keys=False, width=100, default_flow_style=None)
        header = "# Generated by models/motion/keyframe_tool.py: edit the moves there and re-run.\n"
        (LIBRARY / f"{name}.yaml").write_text(header + text)
        print(f"{name}: {len(doc['moves'])} moves")


def draw(path: str) -> None:
    """A contact sheet of every authored keyframe as a stick figure."""
    from PIL import Image, ImageDraw

    cells = [(m.name, k) for doc in STYLES.values() for m in doc["moves"] for k in m.keys]
    cell, cols = 150, 12
    img = Image.new("RGB", (cols * cell, -(-len(cells) // cols) * cell), "white")
    d = ImageDraw.Draw(img)
    for n, (name, key) in enumerate(cells):
        pose = dict(REST_POSE_DEG) | key.pose()
        ang = np.radians([pose[b] for b, _, _ in BONES])
        j = forward(ang, np.array(key.root), DEFAULT_LENGTHS)
        ox, oy, s = (n % cols + 0.5) * cell, (n // cols + 0.42) * cell, cell / 5.5
        for bone, p, c in BONES:
            col = (200, 0, 0) if bone[0] == "l" else (0, 0, 200) if bone[0] == "r" else (0, 0, 0)
            d.line(
                [(ox + s * j[p, 0], oy + s * j[p, 1]), (ox + s * j[c, 0], oy + s * j[c, 1])], col, 3
            )
        nx, ny = ox + s * j[NOSE, 0], oy + s * j[NOSE, 1]
        d.ellipse([nx - 5, ny - 5, nx + 5, ny + 5], outline=(0, 0, 0))
        d.text(
            ((n % cols) * cell + 2, (n // cols) * cell + 2),
            f"{name[:18]} {key.beat}",
            fill=(0, 0, 0),
        )
    img.save(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draw", help="write a PNG contact sheet of all keyframes instead")
    args = parser.parse_args()
    draw(args.draw) if args.draw else write()
