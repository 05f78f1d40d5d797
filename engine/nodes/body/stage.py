"""Performers and plates for the stage: which person of a photo a face belongs to.

A character is chosen in their photo by their face (``face.find``); the stage
needs that person's whole figure. The person detector finds every person with a
face box; the one whose face box is nearest the chosen face is the performer,
and the others' faces keep the cut-out from reaching into their bodies. A photo
in which the detector finds nobody (a tight face crop, a painting) still gives
a performer: a soft oval around the head and shoulders.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.nodes.body.layer import people_plate, person_layer
from engine.nodes.body.pose import detect_people, pose_landmarks

MIN_PRESENCE = 0.5


def _centre(box) -> np.ndarray:
    x0, y0, x1, y1 = (float(v) for v in box)
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2])


def _oval_mask(hw: tuple[int, int], landmarks: np.ndarray) -> np.ndarray:
    """(H, W) float32: a soft oval over the head and shoulders of a face (no person found)."""
    h, w = hw
    xy = landmarks[:, :2]
    (x0, y0), (x1, y1) = xy.min(0), xy.max(0)
    fw, fh = x1 - x0, y1 - y0
    mask = np.zeros((h, w), np.float32)
    centre = (round((x0 + x1) / 2), round(y0 + 0.55 * fh))
    cv2.ellipse(mask, centre, (round(0.8 * fw), round(0.85 * fh)), 0, 0, 360, 1.0, -1)
    shoulders = (round((x0 + x1) / 2), round(y1 + 1.4 * fh))
    cv2.ellipse(mask, shoulders, (round(1.6 * fw), round(1.2 * fh)), 0, 0, 360, 1.0, -1)
    return cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.06 * fw))


def performer_layer(photo: np.ndarray, face: dict, photo_name: str = "PHOTO") -> dict:
    """The stage layer (``Layer.as_dict``) of the person whose face is ``face``.

    Args:
        photo: (H, W, 3) uint8 RGB.
        face: ``face.find``'s value: ``{"box", "landmarks", "presence"}`` in photo px.
        photo_name: for messages.
    """
    landmarks = np.asarray(face["landmarks"], np.float32)
    mine = landmarks[:, :2].mean(0)
    people = detect_people(photo)
    mask, others = None, []
    if people:
        dist = [float(np.hypot(*(_centre(p.face_box_px) - mine))) for p in people]
        index = int(np.argmin(dist))
        others = [tuple(_centre(p.face_box_px)) for i, p in enumerate(people) if i != index]
        face_w = float(np.ptp(landmarks[:, 0]))
        if dist[index] < 1.5 * max(face_w, 1.0):
            pose = pose_landmarks(photo, people[index])
            if pose.presence >= MIN_PRESENCE and pose.mask is not None:
                mask = pose.mask
    if mask is None:
        mask = _oval_mask(photo.shape[:2], landmarks)
    return person_layer(photo, mask, landmarks, others).as_dict()


def photo_plate(photo: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8: the photo without the people the detector finds, shrunk."""
    masks = []
    for person in detect_people(photo):
        pose = pose_landmarks(photo, person)
        if pose.presence >= MIN_PRESENCE and pose.mask is not None:
            masks.append(pose.mask)
    return people_plate(photo, masks)
