"""Photoplay: YAML scene files in, talking and dancing photos out.

The API reads like the pipeline: ``load`` a scene file, ``validate`` it into a
Scene, ``compile`` that into a render graph, ``render`` the graph to an MP4, and
``verify`` a video's label, watermark and provenance.
"""

__version__ = "0.1.0"
