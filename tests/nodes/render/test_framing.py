"""The default camera frames the cast's faces for any output aspect and follows the speaker."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.render.framing import FramedCamera, follow_track, pan_track

PHOTO = (1280, 720)  # a 16:9 photo
LEFT = (150.0, 200.0, 310.0, 400.0)  # a face near its left edge
RIGHT = (1000.0, 180.0, 1150.0, 370.0)  # and one near its right edge
FPS = 25


def _view(camera: FramedCamera, i: int, n: int, out_wh) -> tuple[float, float, float, float]:
    """The rectangle of the photo (px) that frame i shows."""
    src = np.zeros((PHOTO[1], PHOTO[0], 3), np.uint8)
    m = camera.affine(i / max(1, n - 1), src, out_wh)
    w, h = out_wh
    corners = np.array([[-0.5, -0.5, 1], [w - 0.5, h - 0.5, 1]], np.float64)
    (x0, y0), (x1, y1) = (m @ corners.T).T + 0.5
    return x0, y0, x1, y1


def _inside(face, view) -> bool:
    return face[0] >= view[0] and face[1] >= view[1] and face[2] <= view[2] and face[3] <= view[3]


@pytest.mark.parametrize("out_wh", [(360, 640), (480, 480), (384, 480)])
def test_a_vertical_or_square_frame_follows_whoever_speaks(out_wh):
    n = 8 * FPS
    lines = [(0.2, 3.0, 0), (4.0, 7.5, 1)]
    track = pan_track([LEFT, RIGHT], lines, n, FPS, PHOTO, out_wh)
    camera = FramedCamera(track)
    for start_s, end_s, who in lines:
        face = (LEFT, RIGHT)[who]
        for i in range(round(start_s * FPS), round(end_s * FPS)):
            assert _inside(face, _view(camera, i, n, out_wh)), (who, i)
    # between the lines the camera moves, smoothly: no jump over a tenth of the photo
    step = np.abs(np.diff(track[:, 0])).max()
    assert 0 < step < 0.1


def test_a_wide_frame_shows_the_whole_cast_and_stays_still():
    n = 4 * FPS
    track = pan_track([LEFT, RIGHT], [(0.0, 2.0, 0), (2.0, 4.0, 1)], n, FPS, PHOTO, (640, 360))
    assert np.ptp(track, axis=0).max() < 1e-9


def test_one_face_at_the_edge_of_a_wide_photo_is_whole_in_a_square_frame():
    n = 2 * FPS
    track = pan_track([RIGHT], [(0.0, 2.0, 0)], n, FPS, PHOTO, (480, 480))
    camera = FramedCamera(track)
    centre_pan = FramedCamera(np.full((n, 2), 0.5))
    assert not _inside(RIGHT, _view(centre_pan, 0, n, (480, 480)))  # the centre cuts it
    for i in range(n):
        view = _view(camera, i, n, (480, 480))
        assert _inside(RIGHT, view)
        # with headroom: the face's top is not at the frame's top
        assert RIGHT[1] - view[1] > 0.1 * (RIGHT[3] - RIGHT[1])


def test_a_zoom_without_pan_closes_in_on_the_face():
    n = 3 * FPS
    zoom = (1.0, 2.0)
    track = pan_track([LEFT], [(0.0, 3.0, 0)], n, FPS, PHOTO, (640, 360), zoom)
    camera = FramedCamera(track, zoom)
    last = _view(camera, n - 1, n, (640, 360))
    assert _inside(LEFT, last)
    assert last[2] - last[0] == pytest.approx(640, abs=2)  # half the photo's width


def test_a_dancers_reach_stays_in_view_while_the_camera_closes_in():
    n = 3 * FPS
    reach = (700.0, 100.0, 1200.0, 720.0)  # the body and where the hands can go
    zoom = (1.0, 1.2)
    face = (880.0, 160.0, 1000.0, 300.0)
    track = pan_track([face], [], n, FPS, PHOTO, (720, 720), zoom, keep=[reach])
    camera = FramedCamera(track, zoom)
    for i in range(n):
        view = _view(camera, i, n, (720, 720))
        assert view[0] <= reach[0] + 1 and view[2] >= reach[2] - 1  # the arms' sweep in view
        assert _inside(face, view)


# -- camera: {follow: speaker} (issue 12) ----------------------------------------------


# two faces of a stage seen whole: a fifth of its height each
SMALL_LEFT = (200.0, 300.0, 290.0, 420.0)
SMALL_RIGHT = (950.0, 280.0, 1040.0, 400.0)


def _follow_camera(track_zoom) -> FramedCamera:
    pan, zooms = track_zoom
    return FramedCamera(pan, zooms=zooms)


@pytest.mark.parametrize("out_wh", [(640, 360), (360, 640), (480, 480), (384, 480)])
@pytest.mark.parametrize("cut", [False, True])
def test_following_the_speaker_comes_in_on_each_face_and_keeps_it_whole(out_wh, cut):
    n = 9 * FPS
    lines = [(1.5, 4.0, 0), (5.0, 8.5, 1)]
    faces = [SMALL_LEFT, SMALL_RIGHT]
    camera = _follow_camera(follow_track(faces, lines, n, FPS, PHOTO, out_wh, cut=cut))
    wide = _view(camera, 0, n, out_wh)  # before the first line: the whole cast
    wide_w = wide[2] - wide[0]
    for start_s, end_s, who in lines:
        face = faces[who]
        for i in range(round(start_s * FPS), round(end_s * FPS)):
            view = _view(camera, i, n, out_wh)
            assert _inside(face, view), (who, i)
            assert view[2] - view[0] < 0.9 * wide_w, (who, i)  # closer than the wide shot
    steps = np.abs(np.diff(camera.pan, axis=0)).max(1)
    if cut:  # one jump to each speaker, none between
        assert (steps > 0.05).sum() <= 2
    else:  # a move, never a jump
        assert steps.max() < 0.1


def test_following_keeps_an_explicit_zoom_and_pans_at_it():
    n = 6 * FPS
    pan, zooms = follow_track(
        [LEFT, RIGHT], [(0.0, 2.5, 0), (3.0, 6.0, 1)], n, FPS, PHOTO, (480, 480), zoom=(1.1, 1.1)
    )
    assert np.allclose(zooms, 1.1)
    camera = FramedCamera(pan, zooms=zooms)
    assert _inside(LEFT, _view(camera, round(1.0 * FPS), n, (480, 480)))
    assert _inside(RIGHT, _view(camera, round(5.0 * FPS), n, (480, 480)))


def test_the_group_framed_leaves_out_whoever_is_off_the_stage():
    """A performer who enters at 3 s is not in the group the camera frames before."""
    n = 6 * FPS
    near = (400.0, 220.0, 460.0, 300.0)
    present = [None, (3.0, float("inf"))]
    out_wh = (360, 640)
    track = pan_track([LEFT, near], [], n, FPS, PHOTO, out_wh, present=present)
    camera = FramedCamera(track)
    before = _view(camera, FPS, n, out_wh)
    assert _inside(LEFT, before) and not _inside(near, before)  # the one on stage, alone
    after = _view(camera, 5 * FPS, n, out_wh)
    assert _inside(LEFT, after) and _inside(near, after)  # then both
