"""The stage layer: a soft, edge-following alpha and colours without the old background."""

from __future__ import annotations

import cv2
import numpy as np

from engine.nodes.body.layer import foreground_colours, guided_filter, person_layer, push_colours
from engine.nodes.body.stage import performer_layer
from engine.nodes.face import detect_faces, face_landmarks, select_face
from tests.nodes.body.media import astronaut, astronaut_pose


def _disc_photo(size=160, radius=50, person=(200, 150, 120), back=(0, 200, 0)):
    """A skin-coloured disc (the 'person') on a green wall, and a blurry, too-large mask
    like the pose model's."""
    img = np.zeros((size, size, 3), np.uint8)
    img[:] = back
    cv2.circle(img, (size // 2, size // 2), radius, person, -1, lineType=cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (0, 0), 1.5)  # a lens: edge pixels mix person and wall
    mask = np.zeros((size, size), np.float32)
    cv2.circle(mask, (size // 2, size // 2), radius + 4, 1.0, -1)
    return img, cv2.GaussianBlur(mask, (0, 0), 4.0)


def _landmarks_in(box):
    x0, y0, x1, y1 = box
    t = np.linspace(0, 1, 468)
    return np.stack([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t[::-1], np.zeros(468)], 1)


def _crossing(row: np.ndarray) -> float:
    """Where a rising row first reaches 0.5, px (linear between samples)."""
    i = int(np.flatnonzero(row >= 0.5)[0])
    return i - 1 + (0.5 - row[i - 1]) / (row[i] - row[i - 1])


def test_guided_filter_moves_the_mask_edge_towards_the_photo_edge():
    guide = np.zeros((40, 40, 3), np.float32)
    guide[:, 20:] = 1.0  # the photo's edge at 19.5
    src = np.zeros((40, 40), np.float32)
    src[:, 17:] = 1.0  # the mask's edge 3 px off, at 16.5
    out = guided_filter(guide, src, 4, 1e-3)
    assert _crossing(out[20]) > 17.0  # moved towards the photo's edge
    assert out[:, 20:].min() > 0.99  # solid from the photo's edge in
    assert out[:, :9].max() < 0.01  # nothing far out


def test_pushed_colours_fill_the_unknown_from_the_known():
    rgb = np.zeros((32, 32, 3), np.float32)
    rgb[:, :16] = (200, 100, 50)
    weight = np.zeros((32, 32), np.float32)
    weight[:, :16] = 1
    out = push_colours(rgb, weight)
    assert np.allclose(out[:, :16], rgb[:, :16])
    assert np.abs(out[:, 16:] - (200, 100, 50)).max() < 1.0


def test_layer_on_a_new_backdrop_shows_no_trace_of_the_old_one():
    img, mask = _disc_photo()
    layer = person_layer(img, mask, _landmarks_in((60, 50, 100, 100)))
    a = layer.alpha.astype(np.float32)[..., None] / 255
    assert ((a > 0.02) & (a < 0.98)).sum() > 50  # a soft edge...
    tex = layer.texture.astype(np.float32)
    blue = np.array([0, 0, 255], np.float32)
    person = np.array([200, 150, 120], np.float32)
    ideal = a * person + (1 - a) * blue  # the disc as if shot in front of the blue
    put = a * tex + (1 - a) * blue
    # ...yet no rim of the old wall: every pixel within 30 levels of the ideal
    assert np.abs(put - ideal).max() < 30
    # while the naive cut-out (the photo's colours under the same alpha) has such a rim
    ox, oy = layer.origin
    h, w = layer.alpha.shape
    naive = a * img[oy : oy + h, ox : ox + w].astype(np.float32) + (1 - a) * blue
    assert (np.abs(naive - ideal).max(-1) > 30).sum() > 200
    # and the alpha's half level sits on the disc's edge, not the mask's wider one
    row = layer.alpha[80 - oy]
    edge = np.flatnonzero(row >= 128)
    assert abs((edge[-1] - edge[0] + 1) - 100) <= 3


def test_foreground_colours_solve_the_edge_mix():
    person, back = np.array([200, 150, 120.0]), np.array([0, 200, 0.0])
    alpha = np.tile(np.linspace(0, 1, 21, dtype=np.float32), (8, 1))
    rgb = (alpha[..., None] * person + (1 - alpha[..., None]) * back).round().astype(np.uint8)
    f = foreground_colours(rgb, alpha).astype(float)
    assert np.abs(f[:, 6:] - person).max() < 12  # alpha >= 0.3: the person's colour


def test_astronaut_layer_keeps_her_and_drops_the_shuttle():
    photo = astronaut()
    face = select_face(detect_faces(photo), 0, "astronaut", image=photo)
    marks = face_landmarks(photo, face).points
    layer = performer_layer(photo, {"landmarks": marks})
    ox, oy = layer["origin"]
    alpha = layer["alpha"]
    assert "bottom" in layer["cut"]  # waist-up: the photo's bottom edge cuts her
    assert alpha.shape[0] + oy == 512  # down to that edge
    x0, y0, x1, y1 = layer["face_box"]
    assert alpha[int(y0 + 0.5 * (y1 - y0)), int((x0 + x1) / 2)] == 255  # her face
    assert layer["top"] < y0  # the hair is above the forehead
    # the mask's own solid region agrees with the layer (no holes, no spill)
    mask = astronaut_pose().mask[oy : oy + alpha.shape[0], ox : ox + alpha.shape[1]]
    assert (mask[alpha >= 128] > 0.3).mean() > 0.98
