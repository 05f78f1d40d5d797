"""Body room: 33-keypoint pose, person mask, cut-out and background fill.

Pure library functions; the render-graph nodes wrap them.

- ``pose``: ``detect_people`` (SSD person detector) and ``pose_landmarks`` (33 keypoints,
  visibility, presence, person mask).
- ``select``: choose one person, classify full or upper body.
- ``track``: pose over a video, crop tracking and One-Euro smoothing.
- ``cutout``: RGBA cut-out of the person and the background filled where they stood.
"""
