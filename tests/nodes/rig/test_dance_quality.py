"""What a viewer sees in a dancing astronaut: no holes, no gaps at the shoulder, suit
under a moved arm, background (not suit) where the body left, the helmet left behind."""

from __future__ import annotations

import pickle

import cv2
import numpy as np
import pytest
from scipy import ndimage
from skimage.color import rgb2lab

from engine.nodes.body.cutout import refine_person_mask
from engine.nodes.motion import skeleton as sk
from engine.nodes.rig import pose_joints, render_dance_frame
from engine.nodes.rig.cloth import cloth_pixels
from engine.nodes.rig.limits import limit_track
from engine.nodes.rig.parts import L_ARM, R_ARM, TORSO

B = sk.BONE_INDEX
HELMET_BOX = (slice(400, 490), slice(340, 470))  # y, x: on the helmet in the lap, off her


def _dance(rig, n=8):
    """(n, N_BONES) angles: arms wave up and out in turn, the spine sways; as the renderer
    plays it, within what the photo can show (``limit_track``)."""
    out = []
    for i in range(n):
        ph = 2 * np.pi * i / n
        a = rig.rest_angles.copy()
        a[B["l_upper_arm"]] -= 1.3 * (0.5 + 0.5 * np.sin(ph))
        a[B["l_forearm"]] -= 1.8 * (0.5 + 0.5 * np.sin(ph))
        a[B["r_upper_arm"]] += 0.9 * (0.5 + 0.5 * np.cos(ph))
        a[B["r_forearm"]] += 1.2 * (0.5 + 0.5 * np.cos(ph))
        for name in sk.UPPER_BODY_BONES:
            a[B[name]] += 0.1 * np.sin(ph)
        out.append(a)
    return list(limit_track(rig, np.array(out), np.zeros((n, 2))))


def _render(rig, tex, angles):
    out = np.empty((*rig.photo_hw, 3), np.uint8)
    return render_dance_frame(rig, tex, angles, np.zeros(2), out)


def _coverage_rig(rig, photo):
    """A copy drawing a white body (live and underlay) on black, with no occluders."""
    r = pickle.loads(pickle.dumps(rig))
    object.__setattr__(r, "background", np.zeros_like(photo))
    object.__setattr__(r, "underlay", np.full_like(photo, 255))
    object.__setattr__(r, "occluder_idx", np.zeros(0, np.int64))
    object.__setattr__(r, "occluder_alpha", np.zeros(0, np.float32))
    return r


@pytest.fixture(params=["astronaut", "figure"])
def subject(request, rig, photo, figure_rig, figure):
    """The astronaut (arms held: the frame cuts them) and the drawn figure (arms free)."""
    return (rig, photo) if request.param == "astronaut" else (figure_rig, figure[0])


def test_no_holes_inside_the_body_during_a_dance(subject):
    rig, photo = subject
    white = np.full_like(photo, 255)
    cov = _coverage_rig(rig, photo)
    for a in _dance(rig):
        cover = _render(cov, white, a)[..., 0] > 127
        holes = ndimage.binary_fill_holes(cover) & ~cover
        assert holes.sum() <= 0.002 * cover.sum()  # measured: at most 0.0% per frame


def test_no_background_shows_through_the_shoulder_joint(subject):
    rig, photo = subject
    white = np.full_like(photo, 255)
    cov = _coverage_rig(rig, photo)
    r_px = 0.25 * rig.torso_px
    yy, xx = np.indices(rig.photo_hw)
    for a in _dance(rig):
        cover = _render(cov, white, a)[..., 0] > 127
        joints = pose_joints(rig, a, (0, 0))
        for shoulder in (sk.L_SHOULDER, sk.R_SHOULDER):
            x, y = joints[shoulder]
            near = (xx - x) ** 2 + (yy - y) ** 2 < r_px**2
            # The seam gap: uncovered pixels enclosed by the body near the joint.
            gap = ndimage.binary_fill_holes(cover) & ~cover & near
            assert gap.sum() <= 3, f"{gap.sum()} px of background through the shoulder"


@pytest.mark.xfail(
    strict=True, reason="known: the flag's red is smeared into the plate (15% of it)"
)
def test_background_plate_holds_no_suit_colours(rig, photo):
    repainted = rig.labels >= 0  # where the plate is filled in, not the photo
    suit_votes = np.isin(rig.labels, (TORSO, L_ARM, R_ARM))
    assert cloth_pixels(photo, repainted, suit_votes).mean() > 0.05  # the suit is there...
    # ...and none of the plate painted over it has the suit's colour (hue read from the
    # photo's suit, applied to the plate's pixels). Measured: 0 px.
    mixed = np.where(repainted[..., None], rig.background, photo)
    votes_only_suit = suit_votes & ~repainted  # empty: hue from the photo below
    assert not votes_only_suit.any()
    hue_of = cloth_pixels(photo, suit_votes, suit_votes)
    assert hue_of.sum() > 1000
    probe = photo.copy()
    probe[repainted] = mixed[repainted]
    # Vote with the photo's suit pixels (kept outside the plate in an extra row band).
    stacked = np.concatenate([photo, probe], axis=0)
    votes = np.concatenate([suit_votes, np.zeros_like(suit_votes)], axis=0)
    region = np.concatenate([np.zeros_like(repainted), repainted], axis=0)
    assert cloth_pixels(stacked, region, votes).sum() <= 0.002 * repainted.sum()


def _mean_lab(rgb_px: np.ndarray) -> np.ndarray:
    return rgb2lab(rgb_px.reshape(-1, 1, 3).astype(np.float64) / 255.0).reshape(-1, 3).mean(0)


@pytest.mark.parametrize("arm", [L_ARM, R_ARM])
def test_revealed_torso_is_the_suits_colour(rig, photo, arm):
    arm_px = rig.labels == arm
    grown = cv2.dilate(arm_px.astype(np.uint8), np.ones((61, 61), np.uint8)) > 0
    near_arm = cv2.dilate(arm_px.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    torso = (rig.labels == TORSO) & grown & ~near_arm
    suit = cloth_pixels(photo, torso, np.isin(rig.labels, (TORSO, L_ARM, R_ARM)))
    assert suit.sum() > 500
    d_e = np.linalg.norm(_mean_lab(rig.underlay[arm_px]) - _mean_lab(photo[suit]))
    assert d_e < 10.0  # measured 7.7 (image left) and 0.9 (image right); 20+ before
    # shaded, not flat: some of the suit's own fold contrast comes along
    assert rig.underlay[arm_px].std(axis=0).mean() > 0.3 * photo[suit].std(axis=0).mean()


def test_helmet_is_not_part_of_the_person_and_stays_in_front(rig, photo, pose):
    refined = refine_person_mask(photo, pose.mask)
    assert np.all(refined <= pose.mask + 1e-6)
    assert np.array_equal(refined, refine_person_mask(photo, pose.mask))  # deterministic
    # The model's mask takes in the helmet's rim next to the sleeve; the rig does not.
    rim = (pose.mask > 0.5) & (refined < 0.5)
    assert rim[300:512, 290:420].sum() > 500
    # (the silhouette grows a few px past the cut for the soft edge: a thin fringe)
    assert (rig.labels[300:512, 290:420] >= 0)[rim[300:512, 290:420]].mean() < 0.25
    # The raised sleeve carries suit, not the helmet's black and white.
    sleeve = rig.labels == L_ARM
    lum = photo[sleeve].mean(axis=1)
    # measured 12.4%: neck ring edge, rim (the sleeve starts at the shoulder joint now)
    assert ((lum < 40) | (lum > 220)).mean() < 0.14
    # Asked to raise the arm (held: the frame cuts it), the helmet in the lap is the
    # photo's helmet, not dragged along.
    a = rig.rest_angles.copy()
    a[B["l_upper_arm"]] -= 1.3
    a[B["l_forearm"]] -= 1.8
    frame = _render(rig, photo, limit_track(rig, a[None], np.zeros((1, 2)))[0])
    diff = np.abs(frame[HELMET_BOX].astype(int) - photo[HELMET_BOX]).mean()
    assert diff < 3.0


def test_limb_hidden_in_the_photo_passes_behind_the_occluder(rig, photo):
    assert len(rig.occluder_idx) > 100  # her left hand is hidden behind the helmet
    # Move the left arm a little outwards: its hidden forearm runs behind the helmet.
    a = rig.rest_angles.copy()
    a[B["l_upper_arm"]] -= 0.15
    a[B["l_forearm"]] -= 0.15
    red = np.zeros_like(photo)
    red[..., 0] = 255
    frame = _render(rig, red, a)
    solid = rig.occluder_idx[rig.occluder_alpha > 0.99]
    flat, plate = frame.reshape(-1, 3), rig.background.reshape(-1, 3)
    assert np.abs(flat[solid].astype(int) - plate[solid]).max() <= 3  # alpha >= 0.99
    # ...while the arm is drawn elsewhere (the red texture is there).
    assert (flat[:, 0] == 255).sum() > 1000
