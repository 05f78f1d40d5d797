"""Body rig: a photographed person's body meshed, skinned and posed with the shared skeleton.

- ``build``: ``build_body_rig(photo, pose, mode)`` → ``BodyRig`` (cached setup).
- ``pose``: ``rig_pose(rig, angles, root)`` → destination vertices (V, 2) px.
- ``render``: ``render_dance_frame(rig, texture, angles, root, out)`` draws one frame.
"""

from engine.nodes.rig.build import BodyRig, build_body_rig
from engine.nodes.rig.pose import pose_joints, rig_pose
from engine.nodes.rig.render import render_dance_frame

__all__ = ["BodyRig", "build_body_rig", "pose_joints", "rig_pose", "render_dance_frame"]
