"""Image room: decoding photos to sRGB RGBA and fitting them to the frame."""
