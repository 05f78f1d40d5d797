import numpy as np
import pytest

from engine.errors import NodeError
from engine.nodes.body.cutout import background_hole, fill_background, person_cutout
from tests.nodes.body.media import astronaut, astronaut_pose


def test_cutout_alpha_is_clear_outside_and_solid_inside():
    mask = astronaut_pose().mask
    rgba = person_cutout(astronaut(), mask)
    assert rgba.shape == (512, 512, 4) and rgba.dtype == np.uint8
    assert np.array_equal(rgba[:, :, :3], astronaut())
    alpha = rgba[:, :, 3]
    assert alpha[10:60, 400:500].max() == 0  # sky beside the shuttle
    assert alpha[300:340, 150:250].min() == 255  # the suit's chest
    assert alpha[130:150, 200:240].min() == 255  # the face
    # The edge is soft (some partial alpha) and pulled inwards: the half-alpha
    # line lies inside the mask's half line.
    assert ((alpha > 0) & (alpha < 255)).sum() > 500
    assert (mask[alpha >= 128] > 0.5).mean() > 0.995
    assert (alpha >= 128).sum() < (mask > 0.5).sum()


def test_fill_changes_only_the_dilated_hole():
    image, mask = astronaut(), astronaut_pose().mask
    filled = fill_background(image, mask)
    hole = background_hole(mask)
    assert filled.shape == image.shape and filled.dtype == np.uint8
    assert np.array_equal(filled[~hole], image[~hole])
    assert (np.abs(filled[hole].astype(int) - image[hole]).sum(axis=1) > 30).mean() > 0.5
    # The orange suit is gone from where the chest was.
    chest = filled[300:340, 150:250].astype(int)
    orange = (chest[:, :, 0] > 180) & (chest[:, :, 1] < 140) & (chest[:, :, 2] < 100)
    assert orange.mean() < 0.05


def test_fill_keeps_texture_instead_of_smearing():
    # A striped wall with a square "person": the stripes must continue into the hole.
    image = np.zeros((200, 200, 3), np.uint8)
    image[:, :, :] = np.where((np.arange(200) // 6) % 2 == 0, 60, 200)[None, :, None]
    mask = np.zeros((200, 200), np.float32)
    mask[60:140, 80:120] = 1.0
    filled = fill_background(image, mask, dilate_px=2)
    inside = filled[70:130, 80:120, 0].astype(float)
    # Stripes give a large spread of values; a smear would be a flat grey.
    assert inside.std() > 40


def test_mask_of_another_size_is_refused():
    with pytest.raises(NodeError, match="mask"):
        fill_background(astronaut(), np.zeros((10, 10), np.float32))
    with pytest.raises(NodeError, match="mask"):
        person_cutout(astronaut(), np.zeros((10, 10), np.float32))


def test_no_mask_returns_the_photo():
    image = astronaut()
    assert np.array_equal(fill_background(image, np.zeros((512, 512), np.float32)), image)
