"""Warp room: camera moves, the fused frame compositor, the textured-triangle rasteriser."""
